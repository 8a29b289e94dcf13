//! `/_crm-exports/snapshots`: save the whole store (every portal) under a name, list the
//! snapshots, restore one while the server runs, delete one. A snapshot is a folder of the
//! data folder's `snapshots/` (its `snapshot.json`, the export files of the folder file
//! store, and on SQLite the database copy; PostgreSQL keeps its copy in the database, see
//! the store's snapshot module). Saving, restoring and deleting run alone behind the
//! [`RestoreGate`](crate::restore_gate::RestoreGate), so no request or export step sees a
//! half-restored store; [`wait_for_restore`] is the middleware that makes requests wait
//! for it (and answers 503 if it lasts too long). Export files in an S3 bucket are not
//! part of a snapshot.

use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Admin, PREFIX};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Body, Path, parse_json};
use crate::domain::time::format_datetime;
use crate::restore_gate::REQUEST_WAIT;

/// What a snapshot's folder says about it.
const META_FILE: &str = "snapshot.json";
/// The export files, in the snapshot's folder.
const FILES_DIR: &str = "files";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewSnapshot {
    name: String,
}

/// A snapshot as listed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotInfo {
    name: String,
    created_at: String,
    /// Bytes: the database copy and the export files.
    size: u64,
}

/// The middleware: every request but the snapshot routes' own (which take the gate
/// themselves) holds a pass while it runs, and waits while a restore runs.
pub async fn wait_for_restore(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with(PREFIX) && path[PREFIX.len()..].starts_with("/snapshots") {
        return next.run(request).await;
    }
    let Some(_pass) = state.gate.enter(REQUEST_WAIT).await else {
        return ApiError::unavailable("a snapshot restore is still running", 1).into_response();
    };
    next.run(request).await
}

/// `[A-Za-z0-9_-]{1,64}`, so a name is a folder name (and never a path) everywhere.
fn checked_name(name: &str) -> ApiResult<&str> {
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(name)
    } else {
        Err(ApiError::validation(format!(
            "Snapshot name {name:?} must be 1 to 64 letters, digits, '_' or '-'."
        )))
    }
}

fn unknown(name: &str) -> ApiError {
    ApiError::not_found(format!("Snapshot {name} does not exist on this server."))
}

fn read_info(dir: &FsPath) -> Option<SnapshotInfo> {
    let text = std::fs::read(dir.join(META_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

fn file_error(doing: &str, e: std::io::Error) -> ApiError {
    ApiError::internal(format!("cannot {doing}: {e}"))
}

pub async fn create(
    State(state): State<AppState>,
    _: Admin,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let asked: NewSnapshot = parse_json(&body)?;
    let name = checked_name(&asked.name)?.to_string();
    let dir = state.snapshots_dir.join(&name);
    let info = state
        .gate
        .alone(async {
            if dir.exists() {
                return Err(ApiError::conflict(format!(
                    "A snapshot named {name} exists already."
                )));
            }
            save(&state, &name, &dir).await
        })
        .await?;
    tracing::info!(snapshot = %name, bytes = info.size, "snapshot saved");
    Ok((StatusCode::CREATED, Json(json!(info))))
}

/// Saves into a folder of its own beside the final one, renamed into place once complete,
/// so a failed save leaves nothing a list or restore would take for a snapshot.
async fn save(state: &AppState, name: &str, dir: &FsPath) -> ApiResult<SnapshotInfo> {
    let partial = state
        .snapshots_dir
        .join(format!(".{name}.{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&partial).map_err(|e| file_error("create the snapshot folder", e))?;
    let saved = save_into(state, name, &partial).await;
    let renamed = saved.and_then(|info| {
        std::fs::rename(&partial, dir)
            .map(|()| info)
            .map_err(|e| file_error("move the snapshot into place", e))
    });
    if renamed.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
        let _ = state.store.snapshots.delete_snapshot(name, &partial).await;
    }
    renamed
}

async fn save_into(state: &AppState, name: &str, dir: &FsPath) -> ApiResult<SnapshotInfo> {
    let stored = state.store.snapshots.save_snapshot(name, dir).await?;
    let files = match state.exports.blobs.copy_files_to(&dir.join(FILES_DIR)) {
        Some(copied) => copied.map_err(|e| file_error("copy the export files", e))?,
        None => 0,
    };
    let info = SnapshotInfo {
        name: name.to_string(),
        created_at: format_datetime(state.clock.now_ms()),
        size: stored + files,
    };
    let meta = serde_json::to_vec_pretty(&info).map_err(ApiError::internal)?;
    std::fs::write(dir.join(META_FILE), meta)
        .map_err(|e| file_error("write the snapshot's description", e))?;
    Ok(info)
}

pub async fn list(State(state): State<AppState>, _: Admin) -> ApiResult<Json<Value>> {
    let mut found: Vec<SnapshotInfo> = match std::fs::read_dir(&state.snapshots_dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| read_info(&e.path()))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(file_error("list the snapshots", e)),
    };
    found.sort_by(|a, b| (&a.created_at, &a.name).cmp(&(&b.created_at, &b.name)));
    Ok(Json(json!({"results": found})))
}

/// The folder of an existing snapshot.
fn existing(state: &AppState, name: &str) -> ApiResult<(PathBuf, SnapshotInfo)> {
    let name = checked_name(name)?;
    let dir = state.snapshots_dir.join(name);
    let info = read_info(&dir).ok_or_else(|| unknown(name))?;
    Ok((dir, info))
}

pub async fn restore(
    State(state): State<AppState>,
    _: Admin,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let info = state
        .gate
        .alone(async {
            let (dir, info) = existing(&state, &name)?;
            state.store.snapshots.restore_snapshot(&name, &dir).await?;
            // The rows are back; now the files their finished exports name.
            state
                .exports
                .blobs
                .replace_files_from(&dir.join(FILES_DIR))
                .map_err(|e| file_error("restore the export files", e))?;
            Ok::<_, ApiError>(info)
        })
        .await?;
    tracing::info!(snapshot = %name, "snapshot restored");
    let restored_at = format_datetime(state.clock.now_ms());
    Ok(Json(json!({
        "name": info.name, "createdAt": info.created_at, "size": info.size,
        "restoredAt": restored_at,
    })))
}

pub async fn remove(
    State(state): State<AppState>,
    _: Admin,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .gate
        .alone(async {
            let (dir, _) = existing(&state, &name)?;
            state.store.snapshots.delete_snapshot(&name, &dir).await?;
            std::fs::remove_dir_all(&dir).map_err(|e| file_error("delete the snapshot", e))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
