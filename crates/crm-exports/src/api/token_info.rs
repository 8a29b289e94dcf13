//! HubSpot's private-app token introspection, `POST /oauth/v2/private-apps/get/access-token-info`
//! with `{"tokenKey": "<token>"}`: the token's portal (`hubId`), its id (`appId`, each token
//! standing for one private app) and its scopes. The token travels in the body, never in a
//! URL, and is the credential itself, so no `Authorization` header is needed; an unknown or
//! revoked token is 401 as on every other endpoint. The console signs in with it.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{INVALID_TOKEN, hash_token};
use super::error::{ApiError, ApiResult};
use super::extract::{Body, parse_json};

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/oauth/v2/private-apps/get/access-token-info",
        post(token_info),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenQuestion {
    token_key: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenAnswer {
    hub_id: i64,
    app_id: i64,
    scopes: Vec<String>,
}

async fn token_info(
    State(state): State<AppState>,
    Body(body): Body,
) -> ApiResult<Json<TokenAnswer>> {
    let question: TokenQuestion = parse_json(&body)?;
    let key = question
        .token_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::validation("`tokenKey` is required"))?;
    let token = state
        .store
        .portals
        .token_by_hash(&hash_token(key))
        .await?
        .ok_or_else(|| ApiError::unauthenticated(INVALID_TOKEN))?;
    Ok(Json(TokenAnswer {
        hub_id: token.portal.0,
        app_id: token.id,
        scopes: token.scopes.clone(),
    }))
}
