//! Associations in PostgreSQL: each edge stored twice, once per direction with its inverse
//! type id, so a read from either side is a primary-key range scan.

use tokio_postgres::Transaction;

use super::columns::table_name;
use super::records::is_live;
use crate::domain::ObjectType;
use crate::store::{Edge, PortalId, StoreResult};

const INSERT: &str = "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, type_id, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";

/// Creates each edge whose two records are live in the portal; the others report the ids
/// that are missing.
pub async fn associate(
    tx: &Transaction<'_>,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    edges: &[Edge],
    now: i64,
) -> StoreResult<Vec<Result<(), Vec<i64>>>> {
    let mut outcomes = Vec::with_capacity(edges.len());
    for e in edges {
        let mut missing = Vec::new();
        if !is_live(tx, portal, from, e.from_id).await? {
            missing.push(e.from_id);
        }
        if !is_live(tx, portal, to, e.to_id).await? {
            missing.push(e.to_id);
        }
        if !missing.is_empty() {
            outcomes.push(Err(missing));
            continue;
        }
        let (from_type, to_type) = (from.type_id(), to.type_id());
        tx.execute(
            INSERT,
            &[
                &portal.0, &from_type, &e.from_id, &to_type, &e.to_id, &e.type_id, &now,
            ],
        )
        .await?;
        tx.execute(
            INSERT,
            &[
                &portal.0,
                &to_type,
                &e.to_id,
                &from_type,
                &e.from_id,
                &e.inverse_id,
                &now,
            ],
        )
        .await?;
        outcomes.push(Ok(()));
    }
    Ok(outcomes)
}

/// `(from_id, to_id, type_id)` for each of `from_ids` to live records, in from, to, type order.
pub async fn read(
    tx: &Transaction<'_>,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    from_ids: &[i64],
) -> StoreResult<Vec<(i64, i64, i64)>> {
    // Edges to archived records stay stored (a restore brings them back) but are not shown.
    let statement = tx
        .prepare(&format!(
            "SELECT a.to_id, a.type_id FROM associations a JOIN {} r ON r.id = a.to_id AND NOT r.archived \
             WHERE a.portal_id = $1 AND a.from_type = $2 AND a.from_id = $3 AND a.to_type = $4 \
             ORDER BY a.to_id, a.type_id",
            table_name(portal, to)
        ))
        .await?;
    let (from_type, to_type) = (from.type_id(), to.type_id());
    let mut found = Vec::new();
    for &id in from_ids {
        let rows = tx
            .query(&statement, &[&portal.0, &from_type, &id, &to_type])
            .await?;
        found.extend(rows.iter().map(|r| (id, r.get(0), r.get(1))));
    }
    Ok(found)
}

/// Removes edges between each pair, in both directions: every type, or only `types`
/// (given as from→to type ids with their inverses).
pub async fn dissociate(
    tx: &Transaction<'_>,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    pairs: &[(i64, i64)],
    types: Option<&[(i64, i64)]>,
) -> StoreResult<usize> {
    let mut removed = 0;
    for &(a, b) in pairs {
        let directions = [(from, a, to, b, false), (to, b, from, a, true)];
        for (ft, fid, tt, tid, reverse) in directions {
            let (ft, tt) = (ft.type_id(), tt.type_id());
            removed += match types {
                None => {
                    tx.execute(
                        "DELETE FROM associations WHERE portal_id = $1 AND from_type = $2 AND from_id = $3 \
                         AND to_type = $4 AND to_id = $5",
                        &[&portal.0, &ft, &fid, &tt, &tid],
                    )
                    .await?
                }
                Some(list) => {
                    let mut n = 0;
                    for &(type_id, inverse_id) in list {
                        let t = if reverse { inverse_id } else { type_id };
                        n += tx
                            .execute(
                                "DELETE FROM associations WHERE portal_id = $1 AND from_type = $2 AND from_id = $3 \
                                 AND to_type = $4 AND to_id = $5 AND type_id = $6",
                                &[&portal.0, &ft, &fid, &tt, &tid, &t],
                            )
                            .await?;
                    }
                    n
                }
            } as usize;
        }
    }
    Ok(removed / 2)
}
