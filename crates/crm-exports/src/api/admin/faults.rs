//! `POST /_crm-exports/faults` adds a fault (a request rule, or a fault for a portal's next
//! export), `GET` lists those still active with what they have left, `DELETE` clears them;
//! and [`inject`], the middleware that answers a matching request with its fault: HubSpot's
//! 429 exactly as the rate limiter sends it, its 5xx bodies, a delay, or a dropped connection.

use std::time::Duration;

use axum::Json;
use axum::body::Body as ResponseBody;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Admin, PREFIX};
use crate::api::AppState;
use crate::api::auth::{self, Auth};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{Body, parse_json};
use crate::api::rate_limit::{self, Policy};
use crate::faults::{Effect, ExportFault, Rule, RuleMatch};

/// One fault as posted: a request rule (`effect`, with `match`, `times`, `probability`,
/// `seed`) or an export fault (`export`, for `portalId` or the caller's portal).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewFault {
    #[serde(rename = "match")]
    matches: Option<RuleMatch>,
    effect: Option<Effect>,
    times: Option<u64>,
    probability: Option<f64>,
    seed: Option<u64>,
    export: Option<ExportFault>,
    portal_id: Option<i64>,
}

const STATUSES: [u16; 4] = [429, 500, 502, 503];

pub async fn add(
    State(state): State<AppState>,
    Admin(auth): Admin,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let fault: NewFault = parse_json(&body)?;
    match (fault.effect, fault.export) {
        (Some(effect), None) => {
            let rule = Rule {
                matches: fault.matches.unwrap_or_default(),
                effect,
                times: fault.times,
                probability: fault.probability,
                seed: fault.seed,
            };
            check_rule(&rule)?;
            let active = state.faults.add_rule(rule);
            Ok((StatusCode::CREATED, Json(json!(active))))
        }
        (None, Some(export)) => {
            if let Some(problem) = export.problem() {
                return Err(ApiError::validation(problem));
            }
            let portal = fault.portal_id.unwrap_or(auth.portal.0);
            state.faults.set_export_fault(portal, export.clone());
            let body = json!({"portalId": portal, "export": export});
            Ok((StatusCode::CREATED, Json(body)))
        }
        _ => Err(ApiError::validation(
            "Give exactly one of effect (a request fault) or export (a fault for the next export).",
        )),
    }
}

fn check_rule(rule: &Rule) -> ApiResult<()> {
    let e = &rule.effect;
    let mut problems = Vec::new();
    if let Some(status) = e.status.filter(|s| !STATUSES.contains(s)) {
        problems.push(format!(
            "effect.status {status} is not one of 429, 500, 502, 503"
        ));
    }
    if e.status.is_none() && e.latency_ms.is_none() && !e.drop_connection {
        problems.push("effect needs a status, latencyMs or dropConnection".to_string());
    }
    if let Some(policy) = e.policy.as_deref().filter(|p| Policy::parse(p).is_none()) {
        problems.push(format!(
            "effect.policy {policy:?} is not TEN_SECONDLY_ROLLING, SECONDLY or DAILY"
        ));
    }
    if e.latency_ms.is_some_and(|ms| ms > 60_000) {
        problems.push("effect.latencyMs is at most 60000".to_string());
    }
    if rule.times == Some(0) {
        problems.push("times is at least 1".to_string());
    }
    if rule.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
        problems.push("probability is between 0 and 1".to_string());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation_list(problems))
    }
}

pub async fn list(State(state): State<AppState>, _: Admin) -> Json<Value> {
    let (rules, exports) = state.faults.active();
    let exports: Vec<Value> = exports
        .into_iter()
        .map(|(portal, export)| json!({"portalId": portal, "export": export}))
        .collect();
    Json(json!({"rules": rules, "exports": exports}))
}

pub async fn clear(State(state): State<AppState>, _: Admin) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

/// The middleware: runs inside the rate limiter (whose `Auth` it reuses) and never touches
/// the admin API's own routes, so a rule matching everything can still be cleared.
pub async fn inject(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.faults.is_empty() || request.uri().path().starts_with(PREFIX) {
        return next.run(request).await;
    }
    let known = request.extensions().get::<Auth>().map(|a| a.portal.0);
    let portal = match known {
        None if state.faults.needs_portal() => caller_portal(&state, request.headers()).await,
        known => known,
    };
    let (method, path) = (request.method().as_str(), request.uri().path());
    let Some(effect) = state.faults.fire(method, path, portal) else {
        return next.run(request).await;
    };
    if let Some(ms) = effect.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if effect.drop_connection {
        return dropped_connection();
    }
    match effect.status {
        None => next.run(request).await,
        Some(429) => {
            let policy = effect.policy.as_deref().and_then(Policy::parse);
            rate_limit::refused_by_fault(&state, policy.unwrap_or(Policy::TenSecondly))
        }
        Some(status) => server_error(status).into_response(),
    }
}

/// The portal of the request's token (limits off: the rate limiter did not look it up).
async fn caller_portal(state: &AppState, headers: &HeaderMap) -> Option<i64> {
    let auth = auth::authenticate(state, headers).await.ok()?;
    Some(auth.portal.0)
}

/// HubSpot's 5xx body: `"message": "internal error"`; 503 asks to retry in a second.
fn server_error(status: u16) -> ApiError {
    let (code, category) = match status {
        502 => (StatusCode::BAD_GATEWAY, "BAD_GATEWAY"),
        503 => (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
    };
    let mut error = ApiError::new(code, category, "internal error");
    if status == 503 {
        error.retry_after_secs = Some(1);
    }
    error
}

/// A response whose body fails at once: the server closes the connection mid-answer, and
/// the client sees the connection drop.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("a fault dropped the connection"))
    });
    Response::new(ResponseBody::from_stream(failing))
}
