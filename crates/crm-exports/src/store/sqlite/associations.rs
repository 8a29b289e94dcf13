//! Associations in SQLite: each edge stored twice, once per direction with its inverse type
//! id, so a read from either side is a primary-key range scan.

use rusqlite::{Connection, Transaction, params};

use super::columns::table_name;
use crate::domain::ObjectType;
use crate::store::{Edge, PortalId, StoreResult};

/// Creates each edge whose two records are live in the portal; the others report the ids
/// that are missing.
pub fn associate(
    tx: &Transaction<'_>,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    edges: &[Edge],
    now: i64,
) -> StoreResult<Vec<Result<(), Vec<i64>>>> {
    let mut outcomes = Vec::with_capacity(edges.len());
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO associations (portal_id, from_type, from_id, to_type, to_id, type_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for e in edges {
        let mut missing = Vec::new();
        if !super::records::is_live(tx, portal, from, e.from_id)? {
            missing.push(e.from_id);
        }
        if !super::records::is_live(tx, portal, to, e.to_id)? {
            missing.push(e.to_id);
        }
        if !missing.is_empty() {
            outcomes.push(Err(missing));
            continue;
        }
        insert.execute(params![
            portal.0,
            from.type_id(),
            e.from_id,
            to.type_id(),
            e.to_id,
            e.type_id,
            now
        ])?;
        insert.execute(params![
            portal.0,
            to.type_id(),
            e.to_id,
            from.type_id(),
            e.from_id,
            e.inverse_id,
            now
        ])?;
        outcomes.push(Ok(()));
    }
    Ok(outcomes)
}

/// `(from_id, to_id, type_id)` for each of `from_ids` to live records, in from, to, type order.
pub fn read(
    conn: &Connection,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    from_ids: &[i64],
) -> StoreResult<Vec<(i64, i64, i64)>> {
    // Edges to archived records stay stored (a restore brings them back) but are not shown.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.to_id, a.type_id FROM associations a JOIN {} r ON r.id = a.to_id AND r.archived = 0 \
         WHERE a.portal_id = ?1 AND a.from_type = ?2 AND a.from_id = ?3 AND a.to_type = ?4 \
         ORDER BY a.to_id, a.type_id",
        table_name(portal, to)
    ))?;
    let mut found = Vec::new();
    for &id in from_ids {
        let rows = stmt.query_map(params![portal.0, from.type_id(), id, to.type_id()], |r| {
            Ok((id, r.get(0)?, r.get(1)?))
        })?;
        for row in rows {
            found.push(row?);
        }
    }
    Ok(found)
}

/// Removes edges between each pair, in both directions: every type, or only `types`
/// (given as from→to type ids with their inverses).
pub fn dissociate(
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
            removed += match types {
                None => tx.execute(
                    "DELETE FROM associations WHERE portal_id = ?1 AND from_type = ?2 AND from_id = ?3 AND to_type = ?4 AND to_id = ?5",
                    params![portal.0, ft.type_id(), fid, tt.type_id(), tid],
                )?,
                Some(list) => {
                    let mut n = 0;
                    for &(type_id, inverse_id) in list {
                        let t = if reverse { inverse_id } else { type_id };
                        n += tx.execute(
                            "DELETE FROM associations WHERE portal_id = ?1 AND from_type = ?2 AND from_id = ?3 \
                             AND to_type = ?4 AND to_id = ?5 AND type_id = ?6",
                            params![portal.0, ft.type_id(), fid, tt.type_id(), tid, t],
                        )?;
                    }
                    n
                }
            };
        }
    }
    Ok(removed / 2)
}
