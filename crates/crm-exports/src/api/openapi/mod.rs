//! The OpenAPI 3.1 document of every route the server serves, at `/openapi.json` and
//! `/openapi.yaml`, built from tables of operations that sit beside the routers.
//!
//! Why tables and not `#[utoipa::path]` on each handler: axum's `Router` cannot list its
//! routes, several routes share one handler (`batch::dispatch`), and the hostile-input suite
//! reads the routers' `.route()` calls from the source, so the routers stay as they are.
//! Instead `tests/api/openapi.rs` reads the same route list and fails unless every served
//! route and method has exactly one entry here and every entry is served (it also calls
//! each documented operation on a live server).
//!
//! To add a route: add the `.route(...)` call to its router as usual, then one `op(...)`
//! line to that router's table in `operations.rs` (same path as in the router, relative
//! to its prefix; its scopes, body, answers and any error status beyond the defaults of
//! `document::error_statuses`); a new nested router also gets a line in
//! `document::MOUNTS` per prefix it is nested under. A new body or answer shape gets its
//! schema in `schemas.rs`, under HubSpot's name when it is HubSpot's operation.

mod document;
mod operation;
mod operations;
mod schemas;
mod schemas_associations;
mod schemas_custom_objects;
mod schemas_fixtures;
mod schemas_lists;
mod schemas_own;
mod schemas_pipelines;
mod yaml;

use std::sync::OnceLock;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(json))
        .route("/openapi.yaml", get(yaml))
}

/// The document for this server's configuration (the admin API may be off), built once.
fn document(admin: bool) -> &'static Value {
    static WITH_ADMIN: OnceLock<Value> = OnceLock::new();
    static WITHOUT_ADMIN: OnceLock<Value> = OnceLock::new();
    let cell = if admin { &WITH_ADMIN } else { &WITHOUT_ADMIN };
    cell.get_or_init(|| document::build(admin))
}

async fn json(State(state): State<AppState>) -> Json<&'static Value> {
    Json(document(state.config.admin_api))
}

async fn yaml(State(state): State<AppState>) -> impl IntoResponse {
    static WITH_ADMIN: OnceLock<String> = OnceLock::new();
    static WITHOUT_ADMIN: OnceLock<String> = OnceLock::new();
    let admin = state.config.admin_api;
    let cell = if admin { &WITH_ADMIN } else { &WITHOUT_ADMIN };
    let text = cell.get_or_init(|| yaml::to_yaml(document(admin)));
    ([(CONTENT_TYPE, "application/yaml")], text.as_str())
}
