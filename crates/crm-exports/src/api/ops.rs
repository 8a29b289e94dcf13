//! Operational endpoints outside HubSpot's API: `/healthz` (liveness: the process answers),
//! `/readyz` (readiness: the store answers a trivial query, else 503 with our error body)
//! and Prometheus `/metrics` (the queue-depth and store-pool gauges are read at each
//! scrape), plus the HubSpot-shaped 404 for unknown routes.

use std::time::Duration;

use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::store::{PoolUse, with_causes};

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
    record_pool_use(state.store.exports.connection_pool_use());
    (
        [("content-type", "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// The store pool gauges: connections by state, callers waiting for one, and the bound.
fn record_pool_use(pool: PoolUse) {
    let connections = "crm_exports_store_pool_connections";
    metrics::gauge!(connections, "state" => "in_use").set(pool.in_use as f64);
    metrics::gauge!(connections, "state" => "idle").set(pool.idle as f64);
    metrics::gauge!("crm_exports_store_pool_waiting").set(pool.waiting as f64);
    if let Some(max) = pool.max {
        metrics::gauge!("crm_exports_store_pool_max_connections").set(max as f64);
    }
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
