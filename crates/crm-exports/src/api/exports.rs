//! The exports API on `/crm/v3/exports/...` and `/crm/exports/2026-03/...`: start an export
//! (202 with a task locator), its task status (HubSpot's four statuses, and a freshly signed
//! download link when complete), its details (`exportState`, `recordCount`, and the
//! `expectedRecordCount` extension once the worker has counted the records), and two things
//! HubSpot's API lacks: cancelling an export (`POST …/export/{id}/cancel`, as HubSpot's UI
//! can), the export log (`GET …/export`, in `export_log`) and the download route the
//! signed links point at, which needs no token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, Path, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value as Json_, json};
use tokio::sync::Notify;
use tower::ServiceExt;

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, QueryParams, parse_json};
use crate::blob::Blobs;
use crate::blob::signing::{LinkError, UrlSigner};
use crate::domain::ObjectType;
use crate::domain::custom_object::find_live;
use crate::domain::export::{
    ExportRequest, ExportState, ExportType, RawExportRequest, file_kind, file_stem, parse_request,
};
use crate::domain::schema::ObjectSchema;
use crate::domain::search::parse_predicate;
use crate::domain::time::format_datetime;
use crate::store::{ExportQuota, ExportRow};

pub(super) const EXPORT_SCOPE: &[&str] = &["crm.export"];
const DAY_MS: i64 = 86_400_000;

/// What the exports API needs besides the store.
pub struct ExportsContext {
    pub blobs: Arc<Blobs>,
    pub signer: UrlSigner,
    /// Wakes the workers when an export is queued.
    pub wake: Arc<Notify>,
    /// Exports a portal may request in any rolling 24 hours (HubSpot: 30).
    pub daily_quota: u64,
    /// The base URL download links use; by default the `Host` the client called.
    pub public_url: Option<String>,
    /// How long a download link works (HubSpot: five minutes).
    pub link_ttl_secs: i64,
}

/// The export routes under one prefix (`/crm/v3/exports` or a dated one).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/export", get(super::export_log::list))
        .route("/export/async", post(start))
        .route("/export/async/tasks/{task_id}/status", get(status))
        .route("/export/{export_id}", get(details))
        .route("/export/{export_id}/cancel", post(cancel))
        .merge(super::webhooks::routes())
}

pub fn download_routes() -> Router<AppState> {
    Router::new().route("/exports-download/{export_id}", get(download))
}

fn parse_id(text: &str, name: &str) -> ApiResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ApiError::validation(format!("Unable to parse value for path parameter: {name}"))
        })
}

/// HubSpot's answer for an export id the caller cannot see, known or not.
fn not_permitted(id: i64, auth: &Auth) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        format!(
            "Permission to get export file cannot be granted for exportId {id} and portalId {}",
            auth.portal.0
        ),
    )
}

/// The `Host` header the client sent, taken alone: copying every header per status poll
/// costs more than the rest of the request's own work.
pub(super) struct CalledHost(Option<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for CalledHost {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(CalledHost(parts.headers.get(HOST).cloned()))
    }
}

impl CalledHost {
    /// `http://` and the `Host` the client called, when it sent one that is a host and
    /// port (not text that would make a link point elsewhere).
    pub(super) fn origin(&self) -> Option<String> {
        let text = self.0.as_ref()?.to_str().ok()?;
        let authority: axum::http::uri::Authority = text.parse().ok()?;
        (authority.as_str() == text && !text.contains('@')).then(|| format!("http://{text}"))
    }
}

pub(super) fn base_url(state: &AppState, host: &CalledHost) -> String {
    if let Some(url) = &state.exports.public_url {
        return url.trim_end_matches('/').to_string();
    }
    host.origin()
        .unwrap_or_else(|| "http://127.0.0.1".to_string())
}

async fn start(
    State(state): State<AppState>,
    auth: Auth,
    host: CalledHost,
    OriginalUri(uri): OriginalUri,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    auth.require(EXPORT_SCOPE)?;
    let raw: RawExportRequest = parse_json(&body)?;
    let request = checked_request(&state, &auth, raw).await?;
    let now = state.clock.now_ms();
    let quota = ExportQuota {
        since: now - DAY_MS,
        max: state.exports.daily_quota,
    };
    let Some(row) = state
        .store
        .exports
        .create_export_within_quota(auth.portal, &request, now, quota)
        .await?
    else {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITS",
            format!(
                "You have reached the limit of {} exports in a rolling 24 hours.",
                state.exports.daily_quota
            ),
        );
        error.status = StatusCode::TOO_MANY_REQUESTS;
        return Err(error);
    };
    state.exports.wake.notify_waiters();
    let prefix = uri
        .path()
        .trim_end_matches('/')
        .trim_end_matches("/export/async");
    let status_url = format!(
        "{}{prefix}/export/async/tasks/{}/status",
        base_url(&state, &host),
        row.id
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"id": row.id.to_string(), "links": {"status": status_url}})),
    ))
}

/// The request parsed against the portal's schemas, its filters checked with the API's
/// caps (so a bad one is a 400, not a failed export), and a LIST export's list checked.
async fn checked_request(
    state: &AppState,
    auth: &Auth,
    raw: RawExportRequest,
) -> ApiResult<ExportRequest> {
    let custom = state
        .store
        .custom_objects
        .custom_objects(auth.portal)
        .await?;
    let mut schemas: HashMap<ObjectType, Arc<ObjectSchema>> = HashMap::new();
    let live = custom.iter().filter(|c| !c.archived).map(|c| c.object);
    for object in ObjectType::STANDARD.into_iter().chain(live) {
        let schema = state
            .store
            .schemas
            .object_schema(auth.portal, object)
            .await?;
        schemas.insert(object, schema);
    }
    // A standard type by any spelling, or one of the portal's custom objects by id or name.
    let resolve = |text: &str| {
        ObjectType::parse(text)
            .filter(|o| !o.is_custom())
            .or_else(|| find_live(&custom, text).map(|c| c.object))
    };
    let guard = state.config.csv_formula_guard;
    let request = parse_request(raw, resolve, |o| schemas.get(&o).cloned(), guard)
        .map_err(ApiError::validation_list)?;
    parse_predicate(
        &request.filter_groups,
        &request.sorts,
        request.query.as_deref(),
        schemas[&request.object_type].as_ref(),
        &state.config.search_limits,
    )
    .map_err(ApiError::validation_list)?;
    let list_id = request
        .list_id
        .filter(|_| request.export_type == ExportType::List);
    if let Some(list_id) = list_id {
        match state.store.lists.get_list(auth.portal, list_id).await? {
            Some(l) if l.object == request.object_type => {}
            Some(l) => {
                return Err(ApiError::validation(format!(
                    "List {list_id} holds {} records, not {}",
                    l.object, request.object_type
                )));
            }
            None => {
                return Err(ApiError::validation(format!(
                    "List {list_id} does not exist"
                )));
            }
        }
    }
    Ok(request)
}

async fn visible_export(
    state: &AppState,
    auth: &Auth,
    id_text: &str,
    name: &str,
) -> ApiResult<Arc<ExportRow>> {
    auth.require(EXPORT_SCOPE)?;
    let id = parse_id(id_text, name)?;
    state
        .store
        .exports
        .get_export(auth.portal, id)
        .await?
        .ok_or_else(|| not_permitted(id, auth))
}

/// A new link on every call, valid for the link TTL: presigned by the bucket when files
/// live in S3, else signed by this service for its own download route.
async fn download_link(state: &AppState, host: &CalledHost, row: &ExportRow) -> ApiResult<String> {
    let ttl = state.exports.link_ttl_secs;
    if let Some(key) = &row.file_key {
        let (content_type, extension) = file_kind(key);
        let file_name = format!("{}.{extension}", file_stem(&row.request.export_name));
        let ttl = std::time::Duration::from_secs(ttl.max(1) as u64);
        if let Some(url) = state
            .exports
            .blobs
            .presigned_url(key, ttl, &file_name, content_type)
            .await
        {
            return url.map_err(ApiError::internal);
        }
    }
    let expires = state.clock.now_ms() / 1000 + ttl;
    let signature = state.exports.signer.sign(row.id, expires);
    Ok(format!(
        "{}/exports-download/{}?expires={expires}&signature={signature}",
        base_url(state, host),
        row.id
    ))
}

/// HubSpot's task status. Clients poll it, so it is serialized straight from this struct
/// rather than through a JSON map; the fields are in the order such a map writes its keys
/// (sorted), so the bytes are the same. HubSpot's schema requires `completedAt`, `startedAt`
/// and `status`, and strict clients (the Python SDKs with response validation on) refuse a
/// body without them, so every state carries all three (see [`TaskStatus::of`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskStatus {
    completed_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Json_>,
    links: NoLinks,
    num_errors: u32,
    requested_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<String>,
    started_at: String,
    status: &'static str,
}

/// `{}`: the task status has no links.
#[derive(Serialize)]
struct NoLinks {}

impl TaskStatus {
    /// The status of `row` answered at `now`, without the download link (the caller adds
    /// it when complete). Before a worker starts the export, `startedAt` is `requestedAt`;
    /// until the export ends, `completedAt` is `now`, the time of the answer: the moment up
    /// to which the export is known not to have finished. `numErrors` is always the length
    /// of `errors`, which appears only when there are errors.
    fn of(row: &ExportRow, now: i64) -> Self {
        let started = row.started_at.unwrap_or(row.requested_at);
        let completed = match row.completed_at {
            Some(at) if row.state.is_terminal() => at,
            _ => now.max(started),
        };
        // One error, the reason, for a failed export; none otherwise.
        let failed = row.state == ExportState::Failed;
        let errors = failed.then(|| {
            json!([{
                "status": "error",
                "category": "EXPORT_FAILED",
                "message": failure_reason(row),
                "context": {"exportId": [row.id.to_string()]},
                "links": {},
                "errors": [],
            }])
        });
        TaskStatus {
            completed_at: format_datetime(completed),
            num_errors: u32::from(failed),
            errors,
            links: NoLinks {},
            requested_at: format_datetime(row.requested_at),
            result: None,
            started_at: format_datetime(started),
            status: row.state.task_status(),
        }
    }
}

async fn status(
    State(state): State<AppState>,
    auth: Auth,
    host: CalledHost,
    Path(task_id): Path<String>,
) -> ApiResult<Json<TaskStatus>> {
    let row = visible_export(&state, &auth, &task_id, "taskId").await?;
    let mut body = TaskStatus::of(&row, state.clock.now_ms());
    if row.state == ExportState::Done {
        body.result = Some(download_link(&state, &host, &row).await?);
    }
    Ok(Json(body))
}

/// The export as `GET …/export/{id}` and the export log show it: HubSpot's details fields,
/// and what the log needs besides (the format, when it was requested, started and
/// finished, and why it failed). `recordCount` is the rows written so far while it runs.
pub(super) fn details_json(row: &ExportRow) -> Json_ {
    let mut properties = vec!["hs_object_id".to_string()];
    properties.extend(row.request.object_properties.iter().cloned());
    let mut body = json!({
        "id": row.id.to_string(),
        "exportName": row.request.export_name,
        "exportType": row.request.export_type,
        "exportState": row.state.as_str(),
        "objectType": row.request.object_type.type_id(),
        "objectProperties": properties,
        "format": row.request.format,
        "createdAt": format_datetime(row.requested_at),
        "updatedAt": format_datetime(row.updated_at),
        "requestedAt": format_datetime(row.requested_at),
    });
    if let Some(n) = row.record_count {
        body["recordCount"] = json!(n);
    }
    if let Some(at) = row.started_at {
        body["startedAt"] = json!(format_datetime(at));
    }
    if let Some(at) = row.completed_at {
        body["completedAt"] = json!(format_datetime(at));
    }
    if row.state == ExportState::Failed {
        body["failureReason"] = json!(failure_reason(row));
    }
    // This service's extension: the total the rows written are heading for.
    if let Some(n) = row.expected_record_count {
        body["expectedRecordCount"] = json!(n);
    }
    // Also ours: the text a finished file cut at its format's cell limit (HubSpot cuts it
    // silently; `numErrors` and `errors[]` on the status stay for failures).
    if row.state == ExportState::Done {
        body["truncatedCellCount"] = json!(row.cut.cells);
        body["truncatedProperties"] = json!(row.cut.properties);
    }
    body
}

/// Why a failed export failed, as the status endpoint's `errors[]` and the details say it.
fn failure_reason(row: &ExportRow) -> String {
    row.last_error
        .clone()
        .unwrap_or_else(|| "The export failed.".to_string())
}

async fn details(
    State(state): State<AppState>,
    auth: Auth,
    Path(export_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let row = visible_export(&state, &auth, &export_id, "exportId").await?;
    Ok(Json(details_json(&row)))
}

async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(export_id): Path<String>,
) -> ApiResult<Json<Json_>> {
    let row = visible_export(&state, &auth, &export_id, "exportId").await?;
    if row.state.is_terminal() {
        return Err(ApiError::conflict(format!(
            "Export {} is already {} and cannot be canceled",
            row.id,
            row.state.as_str()
        )));
    }
    let row = state
        .store
        .exports
        .cancel_export(auth.portal, row.id, state.clock.now_ms())
        .await?
        .ok_or_else(|| not_permitted(row.id, &auth))?;
    if row.state == ExportState::Canceled {
        tracing::info!(
            export_id = row.id,
            portal = auth.portal.0,
            "export canceled"
        );
        metrics::counter!("crm_exports_exports_total", "state" => "CANCELED").increment(1);
    }
    Ok(Json(details_json(&row)))
}

fn link_refused(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "INVALID_AUTHENTICATION", message)
}

async fn download(
    State(state): State<AppState>,
    Path(export_id): Path<String>,
    link: QueryParams,
    request: Request,
) -> ApiResult<Response> {
    let invalid = "This download link is invalid. Request the export status again for a new link.";
    let id = export_id
        .parse::<i64>()
        .map_err(|_| link_refused(invalid))?;
    // A parameter given twice is a link that was tampered with.
    let param = |name| link.single(name).ok().flatten();
    let expires = param("expires")
        .and_then(|e| e.parse::<i64>().ok())
        .ok_or_else(|| link_refused(invalid))?;
    let signature = param("signature").ok_or_else(|| link_refused(invalid))?;
    match state
        .exports
        .signer
        .verify(id, expires, signature, state.clock.now_ms() / 1000)
    {
        Ok(()) => {}
        Err(LinkError::Invalid) => return Err(link_refused(invalid)),
        Err(LinkError::Expired) => {
            return Err(link_refused(
                "This download link has expired. Request the export status again for a new link.",
            ));
        }
    }
    let row = state
        .store
        .exports
        .get_export_by_id(id)
        .await?
        .filter(|r| r.state == ExportState::Done)
        .ok_or_else(|| ApiError::not_found("The export file no longer exists"))?;
    let key = row
        .file_key
        .clone()
        .ok_or_else(|| ApiError::not_found("The export file no longer exists"))?;
    // Files in a bucket are downloaded from the bucket's presigned URL, never from here.
    let path = state
        .exports
        .blobs
        .local_path(&key)
        .ok_or_else(|| ApiError::not_found("The export file no longer exists"))?
        .map_err(ApiError::internal)?;
    if !path.exists() {
        return Err(ApiError::not_found("The export file no longer exists"));
    }
    let (content_type, extension) = file_kind(&key);
    // ServeFile answers Range and conditional requests, so interrupted downloads resume.
    let served = tower_http::services::ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(ApiError::internal)?;
    let mut response = served.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    let filename = format!("{}.{extension}", file_stem(&row.request.export_name));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
