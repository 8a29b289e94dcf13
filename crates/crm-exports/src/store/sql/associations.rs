//! Associations: each edge stored twice, once per direction with its inverse type id, so a
//! read from either side is a primary-key range scan. Edges to archived records stay
//! stored (a restore brings them back) but are not read.

use std::collections::HashMap;

use super::association_limits;
use super::builder::{Param, Sql};
use super::dialect::table_name;
use super::exec::{Exec, rows};
use super::records::is_live;
use crate::domain::ObjectType;
use crate::store::{Edge, EdgeRefusal, PortalId, StoreResult};

const INSERT: &str = "INSERT INTO associations \
     (portal_id, from_type, from_id, to_type, to_id, type_id, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING";

/// Stores one edge in both directions (an edge already stored is kept).
pub async fn insert_edge(
    e: &mut dyn Exec,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    edge: &Edge,
    now: i64,
) -> StoreResult<()> {
    let d = e.dialect();
    let (from_type, to_type) = (from.type_id(), to.type_id());
    let directions = [
        (&from_type, edge.from_id, &to_type, edge.to_id, edge.type_id),
        (
            &to_type,
            edge.to_id,
            &from_type,
            edge.from_id,
            edge.inverse_id,
        ),
    ];
    for (a_type, a_id, b_type, b_id, type_id) in directions {
        let params = vec![
            Param::Int(portal.0),
            Param::from(a_type.as_ref()),
            Param::Int(a_id),
            Param::from(b_type.as_ref()),
            Param::Int(b_id),
            Param::Int(type_id),
            Param::Int(now),
        ];
        e.execute(&Sql::fixed(d, INSERT, params)).await?;
    }
    Ok(())
}

/// Creates each edge whose two records are live in the portal and that takes neither over
/// an association limit; the others report why not.
pub async fn associate(
    e: &mut dyn Exec,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    edges: &[Edge],
    now: i64,
) -> StoreResult<Vec<Result<(), EdgeRefusal>>> {
    let limits = association_limits::applying(e, portal, from, to).await?;
    let mut outcomes = Vec::with_capacity(edges.len());
    for edge in edges {
        let mut missing = Vec::new();
        if !is_live(e, portal, from, edge.from_id).await? {
            missing.push(edge.from_id);
        }
        if !is_live(e, portal, to, edge.to_id).await? {
            missing.push(edge.to_id);
        }
        if !missing.is_empty() {
            outcomes.push(Err(EdgeRefusal::Missing(missing)));
        } else if let Some(refusal) =
            association_limits::refusal(e, portal, (from, to), edge, &limits).await?
        {
            outcomes.push(Err(refusal));
        } else {
            insert_edge(e, portal, from, to, edge, now).await?;
            outcomes.push(Ok(()));
        }
    }
    Ok(outcomes)
}

/// `(from_id, to_id, type_id)` for each of `from_ids` to live records, in from, to, type order.
pub async fn read(
    e: &mut dyn Exec,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    from_ids: &[i64],
) -> StoreResult<Vec<(i64, i64, i64)>> {
    // One query per chunk of records, not one per record: a round trip each on PostgreSQL.
    if from_ids.windows(2).all(|pair| pair[0] < pair[1]) {
        // Ascending ids (an export's batch) are the order the query answers in: keep the
        // edges of the records asked for as they come, without regrouping them.
        let mut kept = Vec::new();
        for chunk in query_chunks(from_ids) {
            let edges = read_chunk(e, portal, (from, to), chunk).await?;
            let mut asked = chunk.iter().copied().peekable();
            for edge in edges {
                while asked.next_if(|&id| id < edge.0).is_some() {}
                if asked.peek() == Some(&edge.0) {
                    kept.push(edge);
                }
            }
        }
        return Ok(kept);
    }
    let mut by_record: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for chunk in query_chunks(from_ids) {
        for (from_id, to_id, type_id) in read_chunk(e, portal, (from, to), chunk).await? {
            by_record.entry(from_id).or_default().push((to_id, type_id));
        }
    }
    // In the order the records were asked for, each record's edges by target then type.
    Ok(from_ids
        .iter()
        .flat_map(|id| {
            let edges = by_record.get(id).map(Vec::as_slice).unwrap_or(&[]);
            edges
                .iter()
                .map(move |&(to_id, type_id)| (*id, to_id, type_id))
        })
        .collect())
}

/// The edges of the records `ids` (and of others in their range, see [`push_ids`]) to live
/// records, sorted by from, to and type.
async fn read_chunk(
    e: &mut dyn Exec,
    portal: PortalId,
    (from, to): (ObjectType, ObjectType),
    ids: &[i64],
) -> StoreResult<Vec<(i64, i64, i64)>> {
    let d = e.dialect();
    let table = table_name(portal, to);
    let (from_type, to_type) = (from.type_id(), to.type_id());
    let mut sql = Sql::new(d);
    sql.push("SELECT a.from_id, a.to_id, a.type_id FROM associations a JOIN ")
        .push(&table)
        .push(" r ON r.id = a.to_id AND ")
        .push(&d.is_false("r.archived"));
    sql.push(" WHERE a.portal_id = ").bind(portal.0);
    sql.push(" AND a.from_type = ").bind(from_type.as_ref());
    sql.push(" AND a.to_type = ").bind(to_type.as_ref());
    push_ids(&mut sql, ids);
    let mut edges = rows(e, &sql, |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?))).await?;
    // Sorted here, not by ORDER BY: SQLite does not see that the primary key already
    // gives this order once `to_type` is fixed, and sorted a temporary B-tree (most of
    // an association column's cost); rows that arrive in order sort in one pass.
    edges.sort_unstable();
    Ok(edges)
}

/// Records per edge query when their ids are bound one by one: well under either
/// database's limit on bound parameters.
const READ_CHUNK: usize = 1_000;

/// The slices of `ids` read one query each: all of them when they are dense (a range, two
/// parameters whatever its length: PostgreSQL plans each query for about a millisecond, so
/// an export's 1,024-row batch is one query, not two), otherwise [`READ_CHUNK`] at a time.
fn query_chunks(ids: &[i64]) -> std::slice::Chunks<'_, i64> {
    let size = if is_dense(ids) { ids.len() } else { READ_CHUNK };
    ids.chunks(size.max(1))
}

/// Whether `ids` span at most twice as many ids as they hold.
fn is_dense(ids: &[i64]) -> bool {
    let (low, high) = ids.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &id| {
        (lo.min(id), hi.max(id))
    });
    high.saturating_sub(low).saturating_add(1) <= 2 * ids.len() as i64
}

/// Appends the condition on `a.from_id` for `ids`: a range when they are dense (an
/// export's batch of consecutive records), one scan of the primary key instead of a seek
/// per id; otherwise the ids themselves. Edges of records in the range but not in `ids`
/// are read and dropped by the caller.
fn push_ids(sql: &mut Sql<'_>, ids: &[i64]) {
    if is_dense(ids) {
        let low = ids.iter().copied().min().unwrap_or_default();
        let high = ids.iter().copied().max().unwrap_or_default();
        sql.push(" AND a.from_id BETWEEN ").bind(low);
        sql.push(" AND ").bind(high);
    } else {
        sql.push(" AND a.from_id IN (")
            .bind_list(ids.iter().copied());
        sql.push(")");
    }
}

/// Removes the edges between each `(from_id, to_id)` pair in both directions: every type,
/// or only `types` (from→to type ids with their inverses). Returns how many were removed.
pub async fn dissociate(
    e: &mut dyn Exec,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    pairs: &[(i64, i64)],
    types: Option<&[(i64, i64)]>,
) -> StoreResult<usize> {
    let d = e.dialect();
    let mut removed = 0;
    for &(a, b) in pairs {
        let directions = [(from, a, to, b, false), (to, b, from, a, true)];
        for (from_type, from_id, to_type, to_id, reverse) in directions {
            let (from_type, to_type) = (from_type.type_id(), to_type.type_id());
            let pair = vec![
                Param::Int(portal.0),
                Param::from(from_type.as_ref()),
                Param::Int(from_id),
                Param::from(to_type.as_ref()),
                Param::Int(to_id),
            ];
            let pair_condition = "DELETE FROM associations WHERE portal_id = ?1 AND from_type = ?2 \
                 AND from_id = ?3 AND to_type = ?4 AND to_id = ?5";
            let Some(list) = types else {
                removed += e.execute(&Sql::fixed(d, pair_condition, pair)).await? as usize;
                continue;
            };
            let typed = format!("{pair_condition} AND type_id = ?6");
            for &(type_id, inverse_id) in list {
                let mut params = pair.clone();
                params.push(Param::Int(if reverse { inverse_id } else { type_id }));
                removed += e.execute(&Sql::fixed(d, &typed, params)).await? as usize;
            }
        }
    }
    Ok(removed / 2)
}
