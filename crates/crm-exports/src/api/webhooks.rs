//! Completion webhooks (an extension; HubSpot's export API has none) on every export
//! family, under `…/webhooks`: create a subscription (201, with its signing secret shown
//! only then), list them, delete one, and read one's delivery log. The export scope
//! guards them all; another portal's subscription is a 404 like an unknown one. Which
//! targets are allowed is the server's `--webhook-allow-hosts` policy. A subscription
//! keeps the family and origin it was created through, for its deliveries' status links.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::exports::{CalledHost, EXPORT_SCOPE};
use super::extract::{Body, parse_json};
use crate::domain::webhook::{
    MAX_SUBSCRIPTIONS, SubscriptionInput, parse_subscription, secret_text,
};
use crate::store::{DeliveryRow, NewWebhook, StatusLinks, WebhookRow};

/// Deliveries the log shows, newest first.
const LOG_LIMIT: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list).post(create))
        .route("/webhooks/{webhook_id}", get(read).delete(remove))
        .route("/webhooks/{webhook_id}/deliveries", get(deliveries))
}

fn webhook_id(text: &str) -> ApiResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::validation("Unable to parse value for path parameter: webhookId"))
}

fn unknown(id: i64) -> ApiError {
    ApiError::not_found(format!("No webhook subscription with id {id}"))
}

fn subscription_body(row: &WebhookRow) -> Value {
    json!({
        "id": row.id.to_string(),
        "targetUrl": row.target_url,
        "events": row.events,
        "createdAt": row.created_at,
    })
}

/// Where the deliveries' status links point: the family the subscription request came in
/// on (its path less `/webhooks`) and the origin it was addressed to.
fn status_links(uri: &axum::http::Uri, host: &CalledHost) -> StatusLinks {
    let path = uri.path().trim_end_matches('/');
    StatusLinks {
        family: path.trim_end_matches("/webhooks").to_string(),
        origin: host.origin(),
    }
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    host: CalledHost,
    OriginalUri(uri): OriginalUri,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(EXPORT_SCOPE)?;
    let input: SubscriptionInput = parse_json(&body)?;
    let draft = parse_subscription(input, &state.config.webhook_hosts)
        .map_err(ApiError::validation_list)?;
    let new = NewWebhook {
        target_url: draft.target_url,
        events: draft.events,
        secret: secret_text(rand::random()),
        links: status_links(&uri, &host),
    };
    let now = state.clock.now_ms();
    let Some(row) = state
        .store
        .webhooks
        .create_webhook(auth.portal, new, now)
        .await?
    else {
        return Err(ApiError::validation(format!(
            "A portal may keep at most {MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first."
        )));
    };
    let mut body = subscription_body(&row);
    body["secret"] = json!(row.secret);
    Ok((StatusCode::CREATED, Json(body)))
}

async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(EXPORT_SCOPE)?;
    let rows = state.store.webhooks.list_webhooks(auth.portal).await?;
    let results: Vec<Value> = rows.iter().map(subscription_body).collect();
    Ok(Json(json!({ "results": results })))
}

async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require(EXPORT_SCOPE)?;
    let id = webhook_id(&id)?;
    let row = state.store.webhooks.get_webhook(auth.portal, id).await?;
    row.map(|row| Json(subscription_body(&row)))
        .ok_or_else(|| unknown(id))
}

async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(EXPORT_SCOPE)?;
    let id = webhook_id(&id)?;
    match state.store.webhooks.delete_webhook(auth.portal, id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(unknown(id)),
    }
}

fn delivery_body(d: &DeliveryRow) -> Value {
    let attempts: Vec<Value> = d
        .log
        .iter()
        .map(|a| {
            json!({
                "attempt": a.attempt,
                "at": a.at,
                "statusCode": a.status_code,
                "error": a.error,
            })
        })
        .collect();
    json!({
        "id": d.id.to_string(),
        "eventId": d.event_id,
        "eventType": d.event_type,
        "exportId": d.export_id.to_string(),
        "state": d.state.as_str(),
        "attemptCount": d.attempts,
        "nextAttemptAt": d.next_attempt_at,
        "lastStatusCode": d.last_status,
        "occurredAt": d.occurred_at,
        "completedAt": d.completed_at,
        "attempts": attempts,
    })
}

async fn deliveries(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require(EXPORT_SCOPE)?;
    let id = webhook_id(&id)?;
    let found = state
        .store
        .webhooks
        .webhook_deliveries(auth.portal, id, LOG_LIMIT)
        .await?
        .ok_or_else(|| unknown(id))?;
    let results: Vec<Value> = found.iter().map(delivery_body).collect();
    Ok(Json(json!({ "results": results })))
}
