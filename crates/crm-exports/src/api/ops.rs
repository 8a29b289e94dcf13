//! Operational endpoints outside HubSpot's API: `/healthz` (the store answers) and
//! Prometheus `/metrics`, plus the HubSpot-shaped 404 for unknown routes.

use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;

use super::AppState;
use super::error::{ApiError, ApiResult};

pub async fn healthz(State(state): State<AppState>) -> ApiResult<&'static str> {
    state.store.portals.list_portals().await?;
    Ok("ok")
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

pub async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        format!("No route for {method} {}", uri.path()),
    )
}

pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "VALIDATION_ERROR",
        format!("{method} is not supported on {}", uri.path()),
    )
}
