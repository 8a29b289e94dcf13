//! Removing what an incremental import writes over, inside the import's transaction:
//! the rows of records about to be inserted again with their ids, the edges of changed
//! records about to be written as the source has them, and changed records' memberships
//! of MANUAL and SNAPSHOT lists the source no longer holds them in. A membership the
//! source still holds keeps its join time.

use super::builder::Sql;
use super::dialect::table_name;
use super::exec::Exec;
use super::lists;
use crate::domain::ObjectType;
use crate::store::{PortalId, ReplacedEdges, ReplacedMemberships, StoreResult};

/// Ids per `IN (…)`: well under either database's bound on parameters.
const IDS_PER_STATEMENT: usize = 500;

/// Deletes the rows of `ids` of `object`, live or archived.
pub async fn delete_records(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    ids: &[i64],
) -> StoreResult<()> {
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut sql = Sql::new(e.dialect());
        sql.push("DELETE FROM ")
            .push(&table_name(portal, object))
            .push(" WHERE id IN (")
            .bind_list(chunk.iter().copied())
            .push(")");
        e.execute(&sql).await?;
    }
    Ok(())
}

/// Deletes both directions of every edge between the records and each object named.
pub async fn delete_edges(
    e: &mut dyn Exec,
    portal: PortalId,
    replaced: &ReplacedEdges,
) -> StoreResult<()> {
    let from = replaced.object.type_id();
    for to in &replaced.to {
        let to = to.type_id();
        for chunk in replaced.ids.chunks(IDS_PER_STATEMENT) {
            // Each edge is stored from either end; the two halves go in one statement each.
            for (id_column, own_type, other_type) in [
                ("from_id", "from_type", "to_type"),
                ("to_id", "to_type", "from_type"),
            ] {
                let mut sql = Sql::new(e.dialect());
                sql.push("DELETE FROM associations WHERE portal_id = ")
                    .bind(portal.0)
                    .push(&format!(" AND {own_type} = "))
                    .bind(from.as_ref())
                    .push(&format!(" AND {other_type} = "))
                    .bind(to.as_ref())
                    .push(&format!(" AND {id_column} IN ("))
                    .bind_list(chunk.iter().copied())
                    .push(")");
                e.execute(&sql).await?;
            }
        }
    }
    Ok(())
}

/// Sets which of the records belong to the list: the others leave it, the members join
/// it unless they are in it already.
pub async fn set_memberships(
    e: &mut dyn Exec,
    portal: PortalId,
    replaced: &ReplacedMemberships,
    now: i64,
) -> StoreResult<()> {
    let Some(list) = lists::get(e, portal, replaced.list_id).await? else {
        return Ok(());
    };
    let leaving: Vec<i64> = replaced
        .ids
        .iter()
        .copied()
        .filter(|id| !replaced.members.contains(id))
        .collect();
    for chunk in leaving.chunks(IDS_PER_STATEMENT) {
        let mut sql = Sql::new(e.dialect());
        sql.push("DELETE FROM list_members WHERE list_id = ")
            .bind(list.id)
            .push(" AND record_id IN (")
            .bind_list(chunk.iter().copied())
            .push(")");
        e.execute(&sql).await?;
    }
    lists::add(e, portal, list.object, list.id, &replaced.members, now).await?;
    Ok(())
}
