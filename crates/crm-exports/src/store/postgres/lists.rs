//! Lists in PostgreSQL: list rows with their filters as JSON, and members of MANUAL and
//! SNAPSHOT lists. Members are only ever records live in the list's portal.

use tokio_postgres::{Row, Transaction};

use super::columns::table_name;
use super::records::is_live;
use crate::domain::ObjectType;
use crate::domain::search::RawFilterGroup;
use crate::store::{ListDraft, ListRow, MembershipChange, PortalId, StoreError, StoreResult};

const COLUMNS: &str = "id, name, object_type, processing_type, filter_branch, filter_groups, list_version, created_at, updated_at";

fn list_row(portal: PortalId, r: &Row) -> StoreResult<ListRow> {
    let object: &str = r.try_get(2)?;
    let branch: Option<&str> = r.try_get(4)?;
    let groups: &str = r.try_get(5)?;
    let object = ObjectType::parse(object)
        .ok_or_else(|| StoreError::Internal(format!("stored list has object type {object}")))?;
    let filter_branch = branch
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let filter_groups =
        serde_json::from_str(groups).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(ListRow {
        id: r.try_get(0)?,
        portal,
        name: r.try_get(1)?,
        object,
        processing_type: r.try_get(3)?,
        filter_branch,
        filter_groups,
        list_version: r.try_get(6)?,
        created_at: r.try_get(7)?,
        updated_at: r.try_get(8)?,
    })
}

fn json(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

pub async fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    draft: &ListDraft,
    now: i64,
) -> StoreResult<ListRow> {
    if find(tx, portal, draft.object, &draft.name).await?.is_some() {
        return Err(StoreError::Conflict(format!(
            "A list named {:?} already exists",
            draft.name
        )));
    }
    let branch = draft.filter_branch.as_ref().map(json).transpose()?;
    let row = tx
        .query_one(
            "INSERT INTO lists (portal_id, name, object_type, processing_type, filter_branch, filter_groups, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            &[
                &portal.0,
                &draft.name,
                &draft.object.type_id(),
                &draft.processing_type,
                &branch,
                &json(&draft.filter_groups)?,
                &now,
            ],
        )
        .await?;
    let id: i64 = row.get(0);
    add(tx, portal, draft.object, id, &draft.initial_members, now).await?;
    get(tx, portal, id)
        .await?
        .ok_or_else(|| StoreError::Internal("a new list vanished".into()))
}

pub async fn get(tx: &Transaction<'_>, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM lists WHERE portal_id = $1 AND id = $2"),
        &[&portal.0, &id],
    )
    .await?
    .map(|r| list_row(portal, &r))
    .transpose()
}

pub async fn all(tx: &Transaction<'_>, portal: PortalId) -> StoreResult<Vec<ListRow>> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM lists WHERE portal_id = $1 ORDER BY id"),
        &[&portal.0],
    )
    .await?
    .iter()
    .map(|r| list_row(portal, r))
    .collect()
}

pub async fn find(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    name: &str,
) -> StoreResult<Option<ListRow>> {
    tx.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM lists WHERE portal_id = $1 AND object_type = $2 \
             AND lower(name COLLATE \"C\") = lower($3::text COLLATE \"C\")"
        ),
        &[&portal.0, &object.type_id(), &name],
    )
    .await?
    .map(|r| list_row(portal, &r))
    .transpose()
}

pub async fn delete(tx: &Transaction<'_>, portal: PortalId, id: i64) -> StoreResult<bool> {
    // Members go with the list (ON DELETE CASCADE).
    Ok(tx
        .execute(
            "DELETE FROM lists WHERE portal_id = $1 AND id = $2",
            &[&portal.0, &id],
        )
        .await?
        == 1)
}

pub async fn update_filters(
    tx: &Transaction<'_>,
    portal: PortalId,
    id: i64,
    branch: &serde_json::Value,
    groups: &[RawFilterGroup],
    now: i64,
) -> StoreResult<Option<ListRow>> {
    tx.execute(
        "UPDATE lists SET filter_branch = $3, filter_groups = $4, list_version = list_version + 1, updated_at = $5 \
         WHERE portal_id = $1 AND id = $2",
        &[&portal.0, &id, &json(branch)?, &json(&groups)?, &now],
    )
    .await?;
    get(tx, portal, id).await
}

/// Adds live records; returns (added, missing).
async fn add(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    list: i64,
    ids: &[i64],
    now: i64,
) -> StoreResult<(Vec<i64>, Vec<i64>)> {
    let (mut added, mut missing) = (Vec::new(), Vec::new());
    for &id in ids {
        if !is_live(tx, portal, object, id).await? {
            missing.push(id);
        } else if tx
            .execute(
                "INSERT INTO list_members (list_id, record_id, added_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
                &[&list, &id, &now],
            )
            .await?
            == 1
        {
            added.push(id);
        }
    }
    Ok((added, missing))
}

pub async fn change(
    tx: &Transaction<'_>,
    list: &ListRow,
    add_ids: &[i64],
    remove_ids: &[i64],
    now: i64,
) -> StoreResult<MembershipChange> {
    let (added, mut missing) = add(tx, list.portal, list.object, list.id, add_ids, now).await?;
    let mut removed = Vec::new();
    for &id in remove_ids {
        if tx
            .execute(
                "DELETE FROM list_members WHERE list_id = $1 AND record_id = $2",
                &[&list.id, &id],
            )
            .await?
            == 1
        {
            removed.push(id);
        } else if !is_live(tx, list.portal, list.object, id).await? {
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
pub async fn members(
    tx: &Transaction<'_>,
    list: &ListRow,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<(i64, i64)>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = tx
        .query(
            &format!(
                "SELECT m.record_id, m.added_at FROM list_members m JOIN {} r ON r.id = m.record_id AND NOT r.archived \
                 WHERE m.list_id = $1 AND m.record_id > $2 ORDER BY m.record_id LIMIT $3",
                table_name(list.portal, list.object)
            ),
            &[&list.id, &after, &limit],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub async fn count(tx: &Transaction<'_>, list: &ListRow) -> StoreResult<u64> {
    let n: i64 = tx
        .query_one(
            &format!(
                "SELECT COUNT(*) FROM list_members m JOIN {} r ON r.id = m.record_id AND NOT r.archived \
                 WHERE m.list_id = $1",
                table_name(list.portal, list.object)
            ),
            &[&list.id],
        )
        .await?
        .get(0);
    Ok(n as u64)
}
