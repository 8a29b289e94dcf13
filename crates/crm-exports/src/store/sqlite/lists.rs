//! Lists in SQLite: list rows with their filters as JSON, and members of MANUAL and
//! SNAPSHOT lists. Members are only ever records live in the list's portal.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::columns::table_name;
use crate::domain::ObjectType;
use crate::store::{ListDraft, ListRow, MembershipChange, PortalId, StoreError, StoreResult};

const COLUMNS: &str = "id, name, object_type, processing_type, filter_branch, filter_groups, list_version, created_at, updated_at";

fn list_row(
    portal: PortalId,
) -> impl Fn(&Row<'_>) -> rusqlite::Result<Result<ListRow, StoreError>> {
    move |r| {
        let object: String = r.get(2)?;
        let branch: Option<String> = r.get(4)?;
        let groups: String = r.get(5)?;
        let parsed = (|| -> Result<_, StoreError> {
            let object = ObjectType::parse(&object).ok_or_else(|| {
                StoreError::Internal(format!("stored list has object type {object}"))
            })?;
            let branch = branch
                .map(|b| serde_json::from_str(&b))
                .transpose()
                .map_err(|e| StoreError::Internal(e.to_string()))?;
            let groups =
                serde_json::from_str(&groups).map_err(|e| StoreError::Internal(e.to_string()))?;
            Ok((object, branch, groups))
        })();
        Ok(match parsed {
            Ok((object, filter_branch, filter_groups)) => Ok(ListRow {
                id: r.get(0)?,
                portal,
                name: r.get(1)?,
                object,
                processing_type: r.get(3)?,
                filter_branch,
                filter_groups,
                list_version: r.get(6)?,
                created_at: r.get(7)?,
                updated_at: r.get(8)?,
            }),
            Err(e) => Err(e),
        })
    }
}

fn json(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

pub fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    draft: &ListDraft,
    now: i64,
) -> StoreResult<ListRow> {
    if find(tx, portal, draft.object, &draft.name)?.is_some() {
        return Err(StoreError::Conflict(format!(
            "A list named {:?} already exists",
            draft.name
        )));
    }
    let branch = draft.filter_branch.as_ref().map(json).transpose()?;
    tx.execute(
        "INSERT INTO lists (portal_id, name, object_type, processing_type, filter_branch, filter_groups, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![portal.0, draft.name, draft.object.type_id(), draft.processing_type, branch, json(&draft.filter_groups)?, now],
    )?;
    let id = tx.last_insert_rowid();
    add(tx, portal, draft.object, id, &draft.initial_members, now)?;
    get(tx, portal, id)?.ok_or_else(|| StoreError::Internal("a new list vanished".into()))
}

pub fn get(conn: &Connection, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM lists WHERE portal_id = ?1 AND id = ?2"
    ))?
    .query_row(params![portal.0, id], list_row(portal))
    .optional()?
    .transpose()
}

pub fn all(conn: &Connection, portal: PortalId) -> StoreResult<Vec<ListRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM lists WHERE portal_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([portal.0], list_row(portal))?;
    rows.map(|r| r?).collect()
}

pub fn find(
    conn: &Connection,
    portal: PortalId,
    object: ObjectType,
    name: &str,
) -> StoreResult<Option<ListRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM lists WHERE portal_id = ?1 AND object_type = ?2 AND name = ?3 COLLATE NOCASE"
    ))?
    .query_row(params![portal.0, object.type_id(), name], list_row(portal))
    .optional()?
    .transpose()
}

pub fn delete(tx: &Transaction<'_>, portal: PortalId, id: i64) -> StoreResult<bool> {
    tx.execute("DELETE FROM list_members WHERE list_id = (SELECT id FROM lists WHERE portal_id = ?1 AND id = ?2)", params![portal.0, id])?;
    Ok(tx.execute(
        "DELETE FROM lists WHERE portal_id = ?1 AND id = ?2",
        params![portal.0, id],
    )? == 1)
}

pub fn update_filters(
    tx: &Transaction<'_>,
    portal: PortalId,
    id: i64,
    branch: &serde_json::Value,
    groups: &[crate::domain::search::RawFilterGroup],
    now: i64,
) -> StoreResult<Option<ListRow>> {
    tx.execute(
        "UPDATE lists SET filter_branch = ?3, filter_groups = ?4, list_version = list_version + 1, updated_at = ?5 \
         WHERE portal_id = ?1 AND id = ?2",
        params![portal.0, id, json(branch)?, json(&groups)?, now],
    )?;
    get(tx, portal, id)
}

/// Adds live records; returns (added, missing).
fn add(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    list: i64,
    ids: &[i64],
    now: i64,
) -> StoreResult<(Vec<i64>, Vec<i64>)> {
    let (mut added, mut missing) = (Vec::new(), Vec::new());
    for &id in ids {
        if !super::records::is_live(tx, portal, object, id)? {
            missing.push(id);
        } else if tx.execute(
            "INSERT OR IGNORE INTO list_members (list_id, record_id, added_at) VALUES (?1, ?2, ?3)",
            params![list, id, now],
        )? == 1
        {
            added.push(id);
        }
    }
    Ok((added, missing))
}

pub fn change(
    tx: &Transaction<'_>,
    list: &ListRow,
    add_ids: &[i64],
    remove_ids: &[i64],
    now: i64,
) -> StoreResult<MembershipChange> {
    let (added, mut missing) = add(tx, list.portal, list.object, list.id, add_ids, now)?;
    let mut removed = Vec::new();
    for &id in remove_ids {
        if tx.execute(
            "DELETE FROM list_members WHERE list_id = ?1 AND record_id = ?2",
            params![list.id, id],
        )? == 1
        {
            removed.push(id);
        } else if !super::records::is_live(tx, list.portal, list.object, id)? {
            missing.push(id);
        }
    }
    Ok(MembershipChange {
        added,
        removed,
        missing,
    })
}

/// Members of a MANUAL or SNAPSHOT list that are live, after `after`, in id order.
pub fn members(
    conn: &Connection,
    list: &ListRow,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT m.record_id, m.added_at FROM list_members m JOIN {} r ON r.id = m.record_id AND r.archived = 0 \
         WHERE m.list_id = ?1 AND m.record_id > ?2 ORDER BY m.record_id LIMIT ?3",
        table_name(list.portal, list.object)
    ))?;
    let rows = stmt.query_map(params![list.id, after, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(conn: &Connection, list: &ListRow) -> StoreResult<u64> {
    let n: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM list_members m JOIN {} r ON r.id = m.record_id AND r.archived = 0 WHERE m.list_id = ?1",
            table_name(list.portal, list.object)
        ),
        [list.id],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}
