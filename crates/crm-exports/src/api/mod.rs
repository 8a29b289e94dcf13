//! The HTTP API: axum routers for records, batches, search and properties on both path
//! families (`/crm/v3/...` and `/crm/.../2026-03/...`), the auth extractor, HubSpot's error
//! body, and the middleware every response passes through (correlation id, metrics, rate
//! limits, injected faults, HubSpot's body on every error, URL checks, body limit, panic
//! guard), plus the web console's embedded files at `/`, the admin API at `/_crm-exports/`
//! and the OpenAPI document of all of it at `/openapi.json`. It reads and writes only
//! through the store's roles; it never imports `jobs` (an export is enqueued by creating
//! its row).

mod access_log;
mod admin;
mod association_schema;
pub(crate) mod associations;
pub mod auth;
mod batch;
mod console;
pub mod error;
mod error_shape;
mod export_log;
pub mod exports;
pub mod extract;
mod family;
mod list_folders;
mod list_lifecycle;
mod list_memberships;
mod lists;
mod merges;
mod openapi;
mod ops;
mod owners;
mod paging;
mod pipeline_writes;
mod pipelines;
mod properties;
mod property_changes;
mod query_check;
pub mod rate_limit;
mod records;
mod request_metrics;
mod schemas;
mod search;
pub mod strict_json;
mod token_info;
mod url_check;
mod webhooks;
mod wire;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tracing::Instrument;

use self::auth::Auth;
use self::error::{ApiError, ApiResult, CORRELATION_ID};
use self::rate_limit::{RateLimitConfig, RateLimiter};
use crate::clock::Clock;
use crate::domain::ObjectType;
use crate::domain::custom_object::find_live;
use crate::domain::schema::ObjectSchema;
use crate::domain::search::SearchLimits;
use crate::domain::webhook::HostPolicy;
use crate::faults::Faults;
use crate::restore_gate::RestoreGate;
use crate::store::{PortalId, Stores};

pub const CORRELATION_HEADER: &str = "x-hubspot-correlation-id";

/// API policy knobs, all set from the command line.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub batch_limit: usize,
    pub max_body_bytes: usize,
    pub search_limits: SearchLimits,
    pub search_result_cap: usize,
    pub request_timeout: Duration,
    /// HubSpot's rate limits; `None` turns them off (`--rate-limits off`).
    pub rate_limits: Option<RateLimitConfig>,
    /// Whether CSV exports guard formula-like cells when the request does not say.
    pub csv_formula_guard: bool,
    /// Whether the admin API under `/_crm-exports/` exists (`--admin-api off`: 404).
    pub admin_api: bool,
    /// Which webhook targets a subscription may name (`--webhook-allow-hosts`).
    pub webhook_hosts: HostPolicy,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            batch_limit: 100,
            max_body_bytes: 10 * 1024 * 1024,
            search_limits: SearchLimits::default(),
            search_result_cap: 10_000,
            request_timeout: Duration::from_secs(60),
            rate_limits: Some(RateLimitConfig::default()),
            csv_formula_guard: false,
            admin_api: true,
            webhook_hosts: HostPolicy::default(),
        }
    }
}

/// What every handler and layer shares, behind one `Arc`. axum clones the state for each
/// extractor and layer of every request; cloning the fields themselves was two dozen
/// atomic increments a request, fourteen of them on the one count the store's roles share,
/// which every core then fought over (a profile of the status endpoint under `wrk` put the
/// clones and drops at 12 % of the server's time).
#[derive(Clone)]
pub struct AppState(Arc<AppContext>);

impl AppState {
    pub fn new(context: AppContext) -> Self {
        AppState(Arc::new(context))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppContext;

    fn deref(&self) -> &AppContext {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct AppContext {
    pub store: Stores,
    /// Where every request reads the time.
    pub clock: Clock,
    pub config: Arc<ApiConfig>,
    pub metrics: PrometheusHandle,
    pub exports: Arc<exports::ExportsContext>,
    /// The rate limits' counters; `None` when limits are off.
    pub limits: Option<Arc<RateLimiter>>,
    /// The faults the admin API injected, shared with the export workers.
    pub faults: Arc<Faults>,
    /// Held by every request while it runs, so a snapshot's restore runs alone.
    pub gate: Arc<RestoreGate>,
    /// Where snapshots are kept: the data folder's `snapshots` folder.
    pub snapshots_dir: std::path::PathBuf,
}

/// What a handler needs the caller's token to allow on an object type.
#[derive(Clone, Copy, Debug)]
pub enum Access {
    Read,
    Write,
    SchemaRead,
    SchemaWrite,
}

/// Resolves `{objectType}` for the caller's portal: a standard type by name or id, or one of
/// the portal's live custom objects by objectTypeId, fullyQualifiedName or name (any letter
/// case). Another portal's custom type is unknown here, as a type that does not exist.
pub async fn resolve_object(
    state: &AppState,
    portal: PortalId,
    segment: &str,
) -> ApiResult<ObjectType> {
    let segment = segment.trim();
    let unknown = || ApiError::validation(format!("Unable to infer object type from: {segment}"));
    if let Some(object) = ObjectType::parse(segment).filter(|o| !o.is_custom()) {
        return Ok(object);
    }
    let custom = state.store.custom_objects.custom_objects(portal).await?;
    find_live(&custom, segment)
        .map(|c| c.object)
        .ok_or_else(unknown)
}

/// Resolves `{objectType}`, checks the caller's scopes for it, and loads its schema.
pub async fn object_schema(
    state: &AppState,
    auth: &Auth,
    segment: &str,
    access: Access,
) -> ApiResult<Arc<ObjectSchema>> {
    let object = resolve_object(state, auth.portal, segment).await?;
    match access {
        Access::Read => auth.require(object.read_scopes())?,
        Access::Write => auth.require(object.write_scopes())?,
        Access::SchemaRead => auth.require(&object.schema_read_scopes())?,
        Access::SchemaWrite => auth.require(object.schema_write_scopes())?,
    }
    Ok(state
        .store
        .schemas
        .object_schema(auth.portal, object)
        .await?)
}

fn objects_router() -> Router<AppState> {
    Router::new()
        .merge(associations::record_routes())
        .route("/{object_type}", get(records::list).post(records::create))
        .route("/{object_type}/search", post(search::search))
        .route("/{object_type}/merge", post(merges::merge))
        .route("/{object_type}/gdpr-delete", post(merges::gdpr_delete))
        // Each batch operation is its own route, so an unknown one is an unknown path.
        .route("/{object_type}/batch/create", post(batch::dispatch))
        .route("/{object_type}/batch/read", post(batch::dispatch))
        .route("/{object_type}/batch/update", post(batch::dispatch))
        .route("/{object_type}/batch/upsert", post(batch::dispatch))
        .route("/{object_type}/batch/archive", post(batch::dispatch))
        .route(
            "/{object_type}/{object_id}",
            get(records::read)
                .patch(records::update)
                .delete(records::archive),
        )
}

fn properties_router() -> Router<AppState> {
    Router::new()
        .route(
            "/{object_type}",
            get(properties::list).post(properties::create),
        )
        .route(
            "/{object_type}/groups",
            get(properties::list_groups).post(properties::create_group),
        )
        .route(
            "/{object_type}/groups/{group_name}",
            get(properties::read_group)
                .patch(property_changes::update_group)
                .delete(property_changes::archive_group),
        )
        .route("/{object_type}/batch/create", post(properties::batch))
        .route("/{object_type}/batch/read", post(properties::batch))
        .route(
            "/{object_type}/batch/archive",
            post(property_changes::batch_archive),
        )
        .route(
            "/{object_type}/{property_name}",
            get(properties::read)
                .patch(property_changes::update)
                .delete(property_changes::archive),
        )
}

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    Router::new()
        .nest("/crm/v3/objects", objects_router())
        .nest("/crm/objects/2026-03", objects_router())
        .nest("/crm/v3/properties", properties_router())
        .nest("/crm/properties/2026-03", properties_router())
        .nest("/crm/v4/objects", associations::record_routes())
        .nest("/crm/v4/associations", associations::batch_routes())
        .nest("/crm/associations/2026-03", associations::batch_routes())
        .nest("/crm-object-schemas/v3/schemas", schemas::routes())
        .nest("/crm-object-schemas/2026-03/schemas", schemas::routes())
        .nest("/crm/v3/lists", lists::routes())
        .nest("/crm/lists/2026-03", lists::routes())
        .nest("/crm/v3/owners", owners::routes())
        .nest("/crm/owners/2026-03", owners::routes())
        .nest("/crm/v3/pipelines", pipelines::routes())
        .nest("/crm/pipelines/2026-03", pipelines::routes())
        .nest("/crm/v3/exports", exports::routes())
        .nest("/crm/exports/2026-03", exports::routes())
        .nest("/crm/exports/2026-09", exports::routes())
        .merge(exports::download_routes())
        .merge(token_info::routes())
        .merge(console::routes())
        .merge(admin::router(state.config.admin_api))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            query_check::check_declared,
        ))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(openapi::routes())
        .fallback(ops::unknown_route)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a request handler panicked").into_response()
        }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            admin::wait_for_restore,
        ))
        .layer(middleware::from_fn(url_check::reject_malformed_urls))
        .layer(middleware::from_fn(error_shape::hubspot_error_bodies))
        .layer(middleware::from_fn_with_state(state.clone(), admin::inject))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::enforce,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(SetSensitiveRequestHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
        ]))
        .with_state(state)
}

/// Gives each request a correlation id (in error bodies and the response header) and a
/// span, records its count and latency by route, and writes its access line.
async fn observe(State(_state): State<AppState>, request: Request, next: Next) -> Response {
    let correlation_id = error::new_correlation_id();
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let span =
        tracing::info_span!("request", method = %method, route, correlation_id = %correlation_id);
    let served = CORRELATION_ID
        .scope(correlation_id, next.run(request))
        .instrument(span);
    let response = access_log::with_portal_slot(async {
        let mut response = served.await;
        // Outside the request span: the line holds the span's fields itself, and a JSON
        // line that repeated them (as "span" and "spans") was 18 % of a status call's
        // samples, against 11 % now.
        access_log::write(
            &method,
            route,
            response.status(),
            started.elapsed(),
            correlation_id,
        );
        if let Some(value) = header_value(correlation_id) {
            let name = HeaderName::from_static(CORRELATION_HEADER);
            response.headers_mut().insert(name, value);
        }
        response
    })
    .await;
    request_metrics::record(&method, route, response.status(), started.elapsed());
    response
}

fn header_value(id: uuid::Uuid) -> Option<HeaderValue> {
    let mut text = uuid::Uuid::encode_buffer();
    let text = id.hyphenated().encode_lower(&mut text);
    HeaderValue::from_str(text).ok()
}

/// The router behind trailing-slash normalisation: the SDKs call collection paths both with
/// and without a trailing `/`, and axum matches paths exactly.
pub fn service(state: AppState) -> tower_http::normalize_path::NormalizePath<Router> {
    use tower::Layer;
    tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash().layer(router(state))
}
