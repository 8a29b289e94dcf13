//! `POST /_crm-exports/portals` (a new portal and a token for it, so each test can have
//! its own) and `POST /_crm-exports/portals/{portalId}/reset` (the portal as new, its
//! tokens kept, its export files deleted).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Admin;
use crate::api::AppState;
use crate::api::auth::{generate_token, hash_token};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Body, Path, parse_json};
use crate::domain::scope::{ADMIN_SCOPE, ALL_SCOPES};
use crate::store::PortalId;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewPortal {
    /// Whether the new portal's token holds the admin scope too.
    #[serde(default)]
    admin: bool,
    /// A name to recognise the token by.
    #[serde(default)]
    token_name: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Admin(auth): Admin,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let asked: NewPortal = if body.iter().all(u8::is_ascii_whitespace) {
        NewPortal::default()
    } else {
        parse_json(&body)?
    };
    // The caller's HubSpot scopes: a test token can do what the admin's token can.
    let mut scopes: Vec<String> = auth
        .scopes()
        .iter()
        .filter(|s| ALL_SCOPES.contains(&s.as_str()))
        .cloned()
        .collect();
    if asked.admin {
        scopes.push(ADMIN_SCOPE.to_string());
    }
    let now = state.clock.now_ms();
    let portal = state.store.portals.create_portal(now).await?;
    let token = generate_token();
    let name = asked.token_name.as_deref().unwrap_or("admin-api");
    let info = state
        .store
        .portals
        .create_token(portal, name, &scopes, &hash_token(&token), now)
        .await?;
    let body = json!({
        "portalId": portal.0, "token": token, "tokenId": info.id, "scopes": info.scopes,
    });
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn reset(
    State(state): State<AppState>,
    _: Admin,
    Path(portal): Path<i64>,
) -> ApiResult<Json<Value>> {
    let Some(removed) = state.store.portals.reset_portal(PortalId(portal)).await? else {
        return Err(ApiError::not_found(format!(
            "Portal {portal} does not exist on this server."
        )));
    };
    // The rows are gone (committed); a file that cannot be deleted now is only logged, as
    // the retention sweep does not know it any more either.
    let blobs = &state.exports.blobs;
    for key in removed.iter().filter_map(|row| row.file_key.as_deref()) {
        if let Err(e) = blobs.delete(key).await {
            tracing::warn!(
                portal,
                key,
                "cannot delete an export file of a reset portal: {e}"
            );
        }
    }
    Ok(Json(
        json!({"portalId": portal, "removedExports": removed.len()}),
    ))
}
