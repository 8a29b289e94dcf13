//! The access log: one `info` line per request, written by the `observe` middleware once
//! the response is ready, with the method, the matched route (a template: never the path
//! or query a client sent, so link signatures and ids in paths stay out of the log), the
//! status, the duration, the correlation id and, once the token is checked, the portal.
//! The portal reaches the line through a task-local the authentication step fills in.

use std::cell::Cell;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use uuid::Uuid;

use crate::store::PortalId;

tokio::task_local! {
    /// The portal the current request authenticated as, if it did.
    static REQUEST_PORTAL: Cell<Option<i64>>;
}

/// Runs a request with room for its portal.
pub async fn with_portal_slot<F: Future>(request: F) -> F::Output {
    REQUEST_PORTAL.scope(Cell::new(None), request).await
}

/// Notes the portal of the request being served (outside a request, does nothing).
pub fn note_portal(portal: PortalId) {
    let _ = REQUEST_PORTAL.try_with(|slot| slot.set(Some(portal.0)));
}

fn current_portal() -> Option<i64> {
    REQUEST_PORTAL.try_with(Cell::get).ok().flatten()
}

/// Writes the request's access line.
pub fn write(
    method: &Method,
    route: &str,
    status: StatusCode,
    elapsed: Duration,
    correlation_id: Uuid,
) {
    tracing::info!(
        target: "crm_exports::access",
        method = %method,
        route,
        status = status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        portal = current_portal(),
        correlation_id = %correlation_id,
        "request"
    );
}
