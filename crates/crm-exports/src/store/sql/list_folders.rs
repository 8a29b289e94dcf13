//! List folders: a tree per portal under the root folder (id 0, not stored). These are the
//! plain writes; the tree's rules (a parent that exists, no folder moved under itself, only
//! empty folders deleted) are checked by the caller against the whole tree, which it reads
//! with [`all`].

use super::builder::{Param, Sql};
use super::exec::{Exec, RowRead, first, rows};
use super::portals::require_portal;
use crate::store::{FolderChange, ListFolder, PortalId, StoreResult};

const COLUMNS: &str = "id, name, parent_id, created_at, updated_at";

fn folder(r: &dyn RowRead) -> StoreResult<ListFolder> {
    Ok(ListFolder {
        id: r.int(0)?,
        name: r.text(1)?.to_string(),
        parent_id: r.int(2)?,
        created_at: r.int(3)?,
        updated_at: r.int(4)?,
    })
}

/// Every folder of the portal, by id.
pub async fn all(e: &mut dyn Exec, portal: PortalId) -> StoreResult<Vec<ListFolder>> {
    let text = format!("SELECT {COLUMNS} FROM list_folders WHERE portal_id = ?1 ORDER BY id");
    let sql = Sql::fixed(e.dialect(), &text, vec![Param::Int(portal.0)]);
    rows(e, &sql, folder).await
}

pub async fn create(
    e: &mut dyn Exec,
    portal: PortalId,
    name: &str,
    parent_id: i64,
    now: i64,
) -> StoreResult<ListFolder> {
    require_portal(e, portal).await?;
    let text = format!(
        "INSERT INTO list_folders (portal_id, name, parent_id, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?4) RETURNING {COLUMNS}"
    );
    let params = vec![
        Param::Int(portal.0),
        Param::from(name),
        Param::Int(parent_id),
        Param::Int(now),
    ];
    let sql = Sql::fixed(e.dialect(), &text, params);
    super::exec::one(e, &sql, folder).await
}

/// Renames a folder, or moves it under `parent_id`; `None` when the portal has no such folder.
pub async fn update(
    e: &mut dyn Exec,
    portal: PortalId,
    id: i64,
    change: &FolderChange,
    now: i64,
) -> StoreResult<Option<ListFolder>> {
    let (column, value) = match change {
        FolderChange::Rename(name) => ("name", Param::from(name)),
        FolderChange::Move(parent) => ("parent_id", Param::Int(*parent)),
    };
    let text = format!(
        "UPDATE list_folders SET {column} = ?3, updated_at = ?4 \
         WHERE portal_id = ?1 AND id = ?2 RETURNING {COLUMNS}"
    );
    let params = vec![Param::Int(portal.0), Param::Int(id), value, Param::Int(now)];
    let sql = Sql::fixed(e.dialect(), &text, params);
    first(e, &sql, folder).await
}

/// Deletes a folder; false when the portal has no such folder.
pub async fn delete(e: &mut dyn Exec, portal: PortalId, id: i64) -> StoreResult<bool> {
    let text = "DELETE FROM list_folders WHERE portal_id = ?1 AND id = ?2";
    let sql = Sql::fixed(
        e.dialect(),
        text,
        vec![Param::Int(portal.0), Param::Int(id)],
    );
    Ok(e.execute(&sql).await? == 1)
}
