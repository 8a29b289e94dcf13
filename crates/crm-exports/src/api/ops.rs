//! Operational endpoints outside HubSpot's API: `/healthz` (liveness: the process answers),
//! `/readyz` (readiness: the store answers a trivial query, else 503 with our error body)
//! and Prometheus `/metrics` (the queue-depth gauge is counted at each scrape), plus the
//! HubSpot-shaped 404 for unknown routes.

use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::store::with_causes;

pub async fn healthz() -> &'static str {
    "ok"
}

/// How long readiness waits for the store: a database that hangs is not ready either.
const READY_WAIT: Duration = Duration::from_secs(5);

pub async fn readyz(State(state): State<AppState>) -> ApiResult<&'static str> {
    let probe = state.store.exports.count_queued_exports();
    match tokio::time::timeout(READY_WAIT, probe).await {
        Ok(Ok(_)) => Ok("ok"),
        Ok(Err(e)) => Err(ApiError::unavailable(with_causes(&e), 5)),
        Err(_) => Err(ApiError::unavailable("the store did not answer in time", 5)),
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // Counted here rather than kept by the workers: any process (an API without workers,
    // a worker on another machine) then reports the same, current figure.
    match state.store.exports.count_queued_exports().await {
        Ok(depth) => metrics::gauge!("crm_exports_export_queue_depth").set(depth as f64),
        Err(e) => tracing::warn!("cannot count the export queue: {}", with_causes(&e)),
    }
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
