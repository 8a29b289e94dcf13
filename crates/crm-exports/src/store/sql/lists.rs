//! Lists: list rows with their filters as JSON, and the members of MANUAL and SNAPSHOT
//! lists. Members are only ever records live in the list's portal; names are unique per
//! portal and object type in any letter case among lists not deleted. A deleted list keeps
//! its row and members (`deleted_at` set) until it is restored; every read here but the
//! restore sees live lists only.

use std::collections::HashSet;

use super::builder::{Param, Sql};
use super::dialect::{Dialect, table_name};
use super::exec::{Exec, RowRead, first, from_json, integer, one, rows, to_json};
use super::records::{is_live, live_among};
use crate::domain::ObjectType;
use crate::domain::list::ProcessingType;
use crate::domain::search::RawFilterGroup;
use crate::store::{ListDraft, ListRow, MembershipChange, PortalId, StoreError, StoreResult};

const COLUMNS: &str = "id, name, object_type, processing_type, filter_branch, filter_groups, \
     list_version, created_at, updated_at, folder_id";

fn list_row(portal: PortalId, r: &dyn RowRead) -> StoreResult<ListRow> {
    let object = r.text(2)?;
    let object = ObjectType::parse(object)
        .ok_or_else(|| StoreError::internal(format!("a stored list has object type {object}")))?;
    let processing = r.text(3)?;
    let processing_type = ProcessingType::parse(processing).ok_or_else(|| {
        StoreError::internal(format!("a stored list has processing type {processing}"))
    })?;
    Ok(ListRow {
        id: r.int(0)?,
        portal,
        name: r.text(1)?.to_string(),
        object,
        processing_type,
        filter_branch: r.opt_text(4)?.map(from_json).transpose()?,
        filter_groups: from_json(r.text(5)?)?,
        list_version: r.int(6)?,
        created_at: r.int(7)?,
        updated_at: r.int(8)?,
        folder_id: r.opt_int(9)?.unwrap_or(0),
    })
}

fn select(condition: &str) -> String {
    format!("SELECT {COLUMNS} FROM lists WHERE portal_id = ?1 AND deleted_at IS NULL{condition}")
}

pub async fn create(
    e: &mut dyn Exec,
    portal: PortalId,
    draft: &ListDraft,
    now: i64,
) -> StoreResult<ListRow> {
    if find(e, portal, draft.object, &draft.name).await?.is_some() {
        return Err(StoreError::conflict(format!(
            "A list named {:?} already exists",
            draft.name
        )));
    }
    let branch = draft.filter_branch.as_ref().map(to_json).transpose()?;
    let object = draft.object.type_id();
    let params = vec![
        Param::Int(portal.0),
        Param::from(&draft.name),
        Param::from(object.as_ref()),
        Param::from(draft.processing_type.as_str()),
        Param::from(branch),
        Param::from(to_json(&draft.filter_groups)?),
        Param::Int(now),
    ];
    let insert = "INSERT INTO lists (portal_id, name, object_type, processing_type, filter_branch, \
         filter_groups, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id";
    let d = e.dialect();
    let id = integer(e, &Sql::fixed(d, insert, params)).await?;
    add(e, portal, draft.object, id, &draft.initial_members, now).await?;
    get(e, portal, id)
        .await?
        .ok_or_else(|| StoreError::internal("a new list vanished"))
}

pub async fn get(e: &mut dyn Exec, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>> {
    let text = select(" AND id = ?2");
    let sql = Sql::fixed(
        e.dialect(),
        &text,
        vec![Param::Int(portal.0), Param::Int(id)],
    );
    first(e, &sql, |r| list_row(portal, r)).await
}

/// Every list of the portal, by id.
pub async fn all(e: &mut dyn Exec, portal: PortalId) -> StoreResult<Vec<ListRow>> {
    let text = select(" ORDER BY id");
    let sql = Sql::fixed(e.dialect(), &text, vec![Param::Int(portal.0)]);
    rows(e, &sql, |r| list_row(portal, r)).await
}

/// The list of `object` with this name in any letter case.
pub async fn find(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    name: &str,
) -> StoreResult<Option<ListRow>> {
    let d = e.dialect();
    let mut sql = Sql::new(d);
    sql.push("SELECT ")
        .push(COLUMNS)
        .push(" FROM lists WHERE portal_id = ")
        .bind(portal.0);
    sql.push(" AND deleted_at IS NULL AND object_type = ")
        .bind(object.type_id())
        .push(" AND ");
    d.push_text_equals(&mut sql, "name", name);
    first(e, &sql, |r| list_row(portal, r)).await
}

/// Marks a live list deleted at `now`, keeping its members for a restore.
pub async fn delete(e: &mut dyn Exec, portal: PortalId, id: i64, now: i64) -> StoreResult<bool> {
    let d = e.dialect();
    let text = "UPDATE lists SET deleted_at = ?3 \
         WHERE portal_id = ?1 AND id = ?2 AND deleted_at IS NULL";
    let params = vec![Param::Int(portal.0), Param::Int(id), Param::Int(now)];
    Ok(e.execute(&Sql::fixed(d, text, params)).await? == 1)
}

/// Brings back a list deleted at or after `since`; `None` when there is no such deleted
/// list, `Conflict` when a live list has taken its name meanwhile. A list whose folder was
/// deleted meanwhile comes back to the root folder.
pub async fn restore(
    e: &mut dyn Exec,
    portal: PortalId,
    id: i64,
    since: i64,
    now: i64,
) -> StoreResult<Option<ListRow>> {
    let d = e.dialect();
    let text = "SELECT name, object_type FROM lists \
         WHERE portal_id = ?1 AND id = ?2 AND deleted_at IS NOT NULL AND deleted_at >= ?3";
    let params = vec![Param::Int(portal.0), Param::Int(id), Param::Int(since)];
    let found = first(e, &Sql::fixed(d, text, params), |r| {
        Ok((r.text(0)?.to_string(), r.text(1)?.to_string()))
    })
    .await?;
    let Some((name, object)) = found else {
        return Ok(None);
    };
    let object = ObjectType::parse(&object)
        .ok_or_else(|| StoreError::internal(format!("a stored list has object type {object}")))?;
    if find(e, portal, object, &name).await?.is_some() {
        return Err(StoreError::conflict(format!(
            "A list named {name:?} exists; rename it before restoring list {id}"
        )));
    }
    let text = "UPDATE lists SET deleted_at = NULL, updated_at = ?3, folder_id = CASE \
         WHEN folder_id IN (SELECT f.id FROM list_folders f WHERE f.portal_id = ?1) \
         THEN folder_id ELSE 0 END WHERE portal_id = ?1 AND id = ?2";
    let params = vec![Param::Int(portal.0), Param::Int(id), Param::Int(now)];
    e.execute(&Sql::fixed(d, text, params)).await?;
    get(e, portal, id).await
}

/// Renames a live list; `None` when there is none, `Conflict` when another list of its
/// object type has the name (in any letter case).
pub async fn rename(
    e: &mut dyn Exec,
    portal: PortalId,
    id: i64,
    name: &str,
    now: i64,
) -> StoreResult<Option<ListRow>> {
    let Some(list) = get(e, portal, id).await? else {
        return Ok(None);
    };
    if let Some(other) = find(e, portal, list.object, name).await?
        && other.id != id
    {
        return Err(StoreError::conflict(format!(
            "A list named {name:?} already exists"
        )));
    }
    let text = "UPDATE lists SET name = ?3, updated_at = ?4 WHERE portal_id = ?1 AND id = ?2";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(id),
        Param::from(name),
        Param::Int(now),
    ];
    let d = e.dialect();
    e.execute(&Sql::fixed(d, text, params)).await?;
    get(e, portal, id).await
}

/// Puts a live list into a folder (0: the root); false when there is no such list.
pub async fn move_to_folder(
    e: &mut dyn Exec,
    portal: PortalId,
    id: i64,
    folder: i64,
    now: i64,
) -> StoreResult<bool> {
    let text = "UPDATE lists SET folder_id = ?3, updated_at = ?4 \
         WHERE portal_id = ?1 AND id = ?2 AND deleted_at IS NULL";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(id),
        Param::Int(folder),
        Param::Int(now),
    ];
    let d = e.dialect();
    Ok(e.execute(&Sql::fixed(d, text, params)).await? == 1)
}

/// Removes every member of a MANUAL or SNAPSHOT list; returns how many there were.
pub async fn clear(e: &mut dyn Exec, list: &ListRow) -> StoreResult<u64> {
    let d = e.dialect();
    let text = "DELETE FROM list_members WHERE list_id = ?1";
    e.execute(&Sql::fixed(d, text, vec![Param::Int(list.id)]))
        .await
}

pub async fn update_filters(
    e: &mut dyn Exec,
    portal: PortalId,
    id: i64,
    branch: &serde_json::Value,
    groups: &[RawFilterGroup],
    now: i64,
) -> StoreResult<Option<ListRow>> {
    let text = "UPDATE lists SET filter_branch = ?3, filter_groups = ?4, \
         list_version = list_version + 1, updated_at = ?5 WHERE portal_id = ?1 AND id = ?2";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(id),
        Param::from(to_json(branch)?),
        Param::from(to_json(&groups)?),
        Param::Int(now),
    ];
    let d = e.dialect();
    e.execute(&Sql::fixed(d, text, params)).await?;
    get(e, portal, id).await
}

/// Ids per statement when adding members: one query finds the live ones, one insert adds
/// them, instead of two statements a member (a round trip each on PostgreSQL).
const MEMBERS_PER_STATEMENT: usize = 500;

/// Adds live records; returns (added, missing), each in the order of `ids`.
pub(super) async fn add(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    list: i64,
    ids: &[i64],
    now: i64,
) -> StoreResult<(Vec<i64>, Vec<i64>)> {
    let d = e.dialect();
    let (mut added, mut missing) = (Vec::new(), Vec::new());
    for chunk in ids.chunks(MEMBERS_PER_STATEMENT) {
        let live: HashSet<i64> = live_among(e, portal, object, chunk)
            .await?
            .into_iter()
            .collect();
        let mut wanted = Vec::new();
        for &id in chunk {
            if !live.contains(&id) {
                missing.push(id);
            } else if !wanted.contains(&id) {
                wanted.push(id);
            }
        }
        if wanted.is_empty() {
            continue;
        }
        let mut sql = Sql::new(d);
        sql.push("INSERT INTO list_members (list_id, record_id, added_at) VALUES ");
        for (i, &id) in wanted.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(list)
                .push(", ")
                .bind(id)
                .push(", ")
                .bind(now)
                .push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING RETURNING record_id");
        let inserted: HashSet<i64> = rows(e, &sql, |r| r.int(0)).await?.into_iter().collect();
        added.extend(wanted.into_iter().filter(|id| inserted.contains(id)));
    }
    Ok((added, missing))
}

/// Adds and removes members of a MANUAL or SNAPSHOT list.
pub async fn change(
    e: &mut dyn Exec,
    list: &ListRow,
    add_ids: &[i64],
    remove_ids: &[i64],
    now: i64,
) -> StoreResult<MembershipChange> {
    let (added, mut missing) = add(e, list.portal, list.object, list.id, add_ids, now).await?;
    let d = e.dialect();
    let mut removed = Vec::new();
    let delete = "DELETE FROM list_members WHERE list_id = ?1 AND record_id = ?2";
    for &id in remove_ids {
        let params = vec![Param::Int(list.id), Param::Int(id)];
        if e.execute(&Sql::fixed(d, delete, params)).await? == 1 {
            removed.push(id);
        } else if !is_live(e, list.portal, list.object, id).await? {
            missing.push(id);
        }
    }
    Ok(MembershipChange {
        added,
        removed,
        missing,
    })
}

fn members_from(d: Dialect, list: &ListRow) -> String {
    format!(
        "FROM list_members m JOIN {} r ON r.id = m.record_id AND {} WHERE m.list_id = ?1",
        table_name(list.portal, list.object),
        d.is_false("r.archived")
    )
}

/// `(record_id, added_at)` of the live members after `after`, in id order.
pub async fn members(
    e: &mut dyn Exec,
    list: &ListRow,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<(i64, i64)>> {
    let d = e.dialect();
    let text = format!(
        "SELECT m.record_id, m.added_at {} AND m.record_id > ?2 ORDER BY m.record_id LIMIT ?3",
        members_from(d, list)
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let params = vec![Param::Int(list.id), Param::Int(after), Param::Int(limit)];
    let sql = Sql::fixed(d, &text, params);
    rows(e, &sql, |r| Ok((r.int(0)?, r.int(1)?))).await
}

/// `(record_id, added_at)` of the live members that joined after `after` (a join time and
/// record id), in join order.
pub async fn members_by_join(
    e: &mut dyn Exec,
    list: &ListRow,
    after: Option<(i64, i64)>,
    limit: usize,
) -> StoreResult<Vec<(i64, i64)>> {
    let d = e.dialect();
    let (at, id) = after.unwrap_or((i64::MIN, i64::MIN));
    let text = format!(
        "SELECT m.record_id, m.added_at {} AND (m.added_at > ?2 OR (m.added_at = ?2 AND \
         m.record_id > ?3)) ORDER BY m.added_at, m.record_id LIMIT ?4",
        members_from(d, list)
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let params = vec![
        Param::Int(list.id),
        Param::Int(at),
        Param::Int(id),
        Param::Int(limit),
    ];
    rows(e, &Sql::fixed(d, &text, params), |r| {
        Ok((r.int(0)?, r.int(1)?))
    })
    .await
}

/// The live MANUAL and SNAPSHOT lists of `object` holding the live record `record_id`, by
/// list id, with when it joined each.
pub async fn holding(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    record_id: i64,
) -> StoreResult<Vec<(ListRow, i64)>> {
    if !is_live(e, portal, object, record_id).await? {
        return Ok(Vec::new());
    }
    let d = e.dialect();
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("l.{c}")).collect();
    let text = format!(
        "SELECT {}, m.added_at FROM list_members m JOIN lists l ON l.id = m.list_id \
         WHERE l.portal_id = ?1 AND l.deleted_at IS NULL AND l.object_type = ?2 \
         AND m.record_id = ?3 ORDER BY l.id",
        columns.join(", ")
    );
    let object_type = object.type_id();
    let params = vec![
        Param::Int(portal.0),
        Param::from(object_type.as_ref()),
        Param::Int(record_id),
    ];
    rows(e, &Sql::fixed(d, &text, params), |r| {
        Ok((list_row(portal, r)?, r.int(10)?))
    })
    .await
}

pub async fn count(e: &mut dyn Exec, list: &ListRow) -> StoreResult<u64> {
    let d = e.dialect();
    let text = format!("SELECT COUNT(*) {}", members_from(d, list));
    let sql = Sql::fixed(d, &text, vec![Param::Int(list.id)]);
    Ok(one(e, &sql, |r| r.int(0)).await? as u64)
}
