//! A list's name and life on `/crm/v3/lists` and `/crm/lists/2026-03`: rename
//! (`PUT …/{listId}/update-list-name`), restore a deleted list within HubSpot's 90 days
//! (`PUT …/{listId}/restore`), and the legacy id mapping (`…/idmapping`). Lists made here
//! are ILS lists from the start and have no legacy (v1) ids, so every legacy id is unknown:
//! the single lookup is a 404 and the batch lists it under `missingLegacyListIds`, as
//! HubSpot answers for a legacy id it has no list for.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{Value as Json_, json};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, QueryParams, parse_json};
use super::lists::{READ, WRITE, list_id, list_json, load};

/// How long a deleted list can be restored: HubSpot's 90 days.
const RESTORE_WINDOW_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// The most legacy ids one batch mapping takes (HubSpot's limit).
const MAX_LEGACY_IDS: usize = 10_000;
/// The longest list name accepted.
const MAX_NAME_CHARS: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{list_id}/update-list-name", put(rename))
        .route("/{list_id}/restore", put(restore))
        .route("/idmapping", get(map_one).post(map_many))
}

async fn rename(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let query = QueryParams::parse(raw.as_deref());
    let include = query.bool("includeFilters")?;
    let name = query
        .single("listName")?
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::validation("listName is required"))?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(format!(
            "listName is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    let list = load(&state, &auth, &id).await?;
    let renamed = state
        .store
        .lists
        .rename_list(auth.portal, list.id, name.to_string(), state.clock.now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("List {} does not exist", list.id)))?;
    Ok(Json(
        json!({ "updatedList": list_json(&state, &renamed, include).await? }),
    ))
}

async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(WRITE)?;
    let id = list_id(&id)?;
    if state.store.lists.get_list(auth.portal, id).await?.is_some() {
        return Err(ApiError::validation(format!(
            "List {id} is not deleted; only deleted lists can be restored"
        )));
    }
    let now = state.clock.now_ms();
    state
        .store
        .lists
        .restore_list(auth.portal, id, now - RESTORE_WINDOW_MS, now)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "No list {id} was deleted in the last 90 days, so none can be restored"
            ))
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// A legacy list id: a whole number, as HubSpot's v1 list ids were.
fn legacy_id(text: &str) -> ApiResult<String> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(_) => Ok(text.to_string()),
        Err(_) => Err(ApiError::validation(format!(
            "{text:?} is not a legacy list id"
        ))),
    }
}

async fn map_one(
    State(_state): State<AppState>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let query = QueryParams::parse(raw.as_deref());
    let legacy = query
        .single("legacyListId")?
        .ok_or_else(|| ApiError::validation("legacyListId is required"))?;
    let legacy = legacy_id(legacy)?;
    Err(ApiError::not_found(format!(
        "No list has the legacy list id {legacy}"
    )))
}

async fn map_many(
    State(_state): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let raw: Vec<Json_> = parse_json(&body)?;
    if raw.len() > MAX_LEGACY_IDS {
        return Err(ApiError::validation(format!(
            "{} legacy list ids given; at most {MAX_LEGACY_IDS} are mapped per request",
            raw.len()
        )));
    }
    let missing = raw
        .iter()
        .map(|v| match crate::domain::search::scalar_text(v) {
            Some(text) => legacy_id(&text),
            None => Err(ApiError::validation(format!("{v} is not a legacy list id"))),
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(json!({
        "legacyListIdsToIdsMapping": [], "missingLegacyListIds": missing,
    })))
}
