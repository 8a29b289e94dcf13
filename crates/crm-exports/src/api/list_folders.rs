//! List folders on `/crm/v3/lists/folders` and `/crm/lists/2026-03/folders`: read a folder
//! with its whole subtree (`childNodes`; only the folder read lists its `childLists`, as
//! HubSpot's does), create, rename, move under another folder, move a list into a folder,
//! and delete an empty folder. The root folder is id 0: it holds every list not filed
//! elsewhere and can be neither renamed, moved nor deleted. The tree's rules are checked
//! here against the whole tree, read in one go.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, IdText, QueryParams, parse_json};
use super::family::PathFamily;
use super::lists::{READ, WRITE, list_id, load};
use crate::domain::time::format_datetime;
use crate::store::{FolderChange, ListFolder};

const ROOT: i64 = 0;
/// The longest folder name accepted.
const MAX_NAME_CHARS: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/folders", get(read).post(create))
        .route("/folders/move-list", put(move_list))
        .route("/folders/{folder_id}/move/{parent_id}", put(move_folder))
        .route("/folders/{folder_id}/rename", put(rename))
        .route("/folders/{folder_id}", delete(remove))
}

fn folder_id(text: &str) -> ApiResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| ApiError::validation(format!("{text:?} is not a folder id")))
}

fn folder_name(text: Option<&str>) -> ApiResult<String> {
    let name = text
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::validation("A folder needs a name"))?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(format!(
            "The folder name is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_string())
}

/// The folder a new list is filed in (its `listFolderId`; the root when absent): 400 unless
/// the folder exists.
pub(super) async fn requested_folder(
    state: &AppState,
    auth: &Auth,
    id: Option<&IdText>,
) -> ApiResult<i64> {
    let id = match id {
        Some(id) => folder_id(&id.text())?,
        None => ROOT,
    };
    let folders = state.store.list_folders.list_folders(auth.portal).await?;
    if id == ROOT || folders.iter().any(|f| f.id == id) {
        Ok(id)
    } else {
        Err(ApiError::validation(format!(
            "listFolderId {id} is not a list folder"
        )))
    }
}

/// The portal's folder tree and which lists each folder holds.
struct Tree {
    folders: Vec<ListFolder>,
    lists: Vec<(i64, i64)>,
}

impl Tree {
    async fn load(state: &AppState, auth: &Auth) -> ApiResult<Self> {
        let folders = state.store.list_folders.list_folders(auth.portal).await?;
        let lists = state
            .store
            .lists
            .portal_lists(auth.portal)
            .await?
            .iter()
            .map(|l| (l.id, l.folder_id))
            .collect();
        Ok(Self { folders, lists })
    }

    fn exists(&self, id: i64) -> bool {
        id == ROOT || self.folders.iter().any(|f| f.id == id)
    }

    /// 404 unless the folder exists.
    fn require(&self, id: i64) -> ApiResult<()> {
        if self.exists(id) {
            Ok(())
        } else {
            Err(ApiError::not_found(format!(
                "List folder {id} does not exist"
            )))
        }
    }

    /// Whether `id` is `ancestor` or lies anywhere below it.
    fn is_within(&self, mut id: i64, ancestor: i64) -> bool {
        // Each step climbs one level; a tree has no more levels than folders.
        for _ in 0..=self.folders.len() {
            if id == ancestor {
                return true;
            }
            match self.folders.iter().find(|f| f.id == id) {
                Some(f) => id = f.parent_id,
                None => return false,
            }
        }
        false
    }

    /// A folder as HubSpot's `PublicListFolder`, its subtree included; `with_lists` for the
    /// folder read (its children list no lists). Folder ids are typed as `family`'s schema
    /// types them.
    fn node(&self, id: i64, with_lists: bool, family: PathFamily) -> Json_ {
        self.node_at(id, with_lists, family, 0)
    }

    /// `depth` bounds the descent, so two concurrent moves that made a cycle cannot recurse
    /// without end.
    fn node_at(&self, id: i64, with_lists: bool, family: PathFamily, depth: usize) -> Json_ {
        let children: Vec<Json_> = self
            .folders
            .iter()
            .filter(|f| f.parent_id == id && f.id != id && depth < self.folders.len())
            .map(|f| self.node_at(f.id, false, family, depth + 1))
            .collect();
        let lists: Vec<i64> = if with_lists {
            self.lists
                .iter()
                .filter(|(_, folder)| *folder == id)
                .map(|(list, _)| *list)
                .collect()
        } else {
            Vec::new()
        };
        let mut body = json!({"id": family.id(id), "childNodes": children, "childLists": lists});
        match self.folders.iter().find(|f| f.id == id) {
            Some(f) => {
                body["name"] = json!(f.name);
                body["parentFolderId"] = family.id(f.parent_id);
                body["createdAt"] = json!(format_datetime(f.created_at));
                body["updatedAt"] = json!(format_datetime(f.updated_at));
            }
            None => {
                body["name"] = json!("root");
                body["parentFolderId"] = family.id(ROOT);
            }
        }
        body
    }
}

async fn read(
    State(state): State<AppState>,
    auth: Auth,
    family: PathFamily,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let query = QueryParams::parse(raw.as_deref());
    let id = match query.single("folderId")? {
        Some(text) if !text.trim().is_empty() => folder_id(text)?,
        _ => ROOT,
    };
    let tree = Tree::load(&state, &auth).await?;
    tree.require(id)?;
    Ok(Json(json!({ "folder": tree.node(id, true, family) })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateFolder {
    name: Option<String>,
    #[serde(default)]
    parent_folder_id: Option<IdText>,
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    family: PathFamily,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let input: CreateFolder = parse_json(&body)?;
    let name = folder_name(input.name.as_deref())?;
    let parent = match &input.parent_folder_id {
        Some(id) => folder_id(&id.text())?,
        None => ROOT,
    };
    let tree = Tree::load(&state, &auth).await?;
    if !tree.exists(parent) {
        return Err(ApiError::validation(format!(
            "parentFolderId {parent} is not a list folder"
        )));
    }
    let made = state
        .store
        .list_folders
        .create_list_folder(auth.portal, name, parent, state.clock.now_ms())
        .await?;
    let tree = Tree::load(&state, &auth).await?;
    Ok(Json(json!({ "folder": tree.node(made.id, true, family) })))
}

/// Applies a change to a folder other than the root and answers with it.
async fn change(
    state: &AppState,
    auth: &Auth,
    family: PathFamily,
    id: i64,
    change: FolderChange,
) -> ApiResult<Json<Json_>> {
    let changed = state
        .store
        .list_folders
        .change_list_folder(auth.portal, id, change, state.clock.now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("List folder {id} does not exist")))?;
    let tree = Tree::load(state, auth).await?;
    Ok(Json(
        json!({ "folder": tree.node(changed.id, true, family) }),
    ))
}

fn not_root(id: i64, what: &str) -> ApiResult<()> {
    if id == ROOT {
        return Err(ApiError::validation(format!(
            "The root folder cannot be {what}"
        )));
    }
    Ok(())
}

async fn rename(
    State(state): State<AppState>,
    auth: Auth,
    family: PathFamily,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let id = folder_id(&id)?;
    let query = QueryParams::parse(raw.as_deref());
    let name = folder_name(query.single("newFolderName")?)?;
    not_root(id, "renamed")?;
    change(&state, &auth, family, id, FolderChange::Rename(name)).await
}

async fn move_folder(
    State(state): State<AppState>,
    auth: Auth,
    family: PathFamily,
    Path((id, parent)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let (id, parent) = (folder_id(&id)?, folder_id(&parent)?);
    not_root(id, "moved")?;
    let tree = Tree::load(&state, &auth).await?;
    tree.require(id)?;
    tree.require(parent)?;
    if tree.is_within(parent, id) {
        return Err(ApiError::validation(format!(
            "Folder {id} cannot be moved into {parent}, which is itself or lies inside it"
        )));
    }
    change(&state, &auth, family, id, FolderChange::Move(parent)).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoveList {
    list_id: IdText,
    new_folder_id: IdText,
}

async fn move_list(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    auth.require(WRITE)?;
    let input: MoveList = parse_json(&body)?;
    let list = list_id(&input.list_id.text())?;
    let folder = folder_id(&input.new_folder_id.text())?;
    let list = load(&state, &auth, &list.to_string()).await?;
    let tree = Tree::load(&state, &auth).await?;
    tree.require(folder)?;
    let moved = state
        .store
        .lists
        .move_list(auth.portal, list.id, folder, state.clock.now_ms())
        .await?;
    if !moved {
        return Err(ApiError::not_found(format!(
            "List {} does not exist",
            list.id
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(WRITE)?;
    let id = folder_id(&id)?;
    not_root(id, "deleted")?;
    let tree = Tree::load(&state, &auth).await?;
    tree.require(id)?;
    let folders = tree.folders.iter().filter(|f| f.parent_id == id).count();
    let lists = tree.lists.iter().filter(|(_, f)| *f == id).count();
    if folders + lists > 0 {
        return Err(ApiError::validation(format!(
            "Folder {id} holds {folders} folders and {lists} lists; only an empty folder can be deleted"
        )));
    }
    state
        .store
        .list_folders
        .delete_list_folder(auth.portal, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
