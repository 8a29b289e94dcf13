//! The pipelines API on `/crm/v3/pipelines/{objectType}` and
//! `/crm/pipelines/2026-03/{objectType}` for deals, tickets and custom objects: the routes,
//! the reads (the portal's pipelines and stages, HubSpot's defaults until it changes any,
//! with the object's read scope) and how pipelines and stages are written as JSON. The
//! writes and audits are in `pipeline_writes`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::Path;
use super::pipeline_writes as writes;
use super::{AppState, resolve_object};
use crate::domain::ObjectType;
use crate::domain::pipeline::{Pipeline, Stage, WRITE_PERMISSIONS, has_pipelines, live_pipelines};
use crate::domain::time::format_datetime;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{object_type}", get(list).post(writes::create))
        .route(
            "/{object_type}/{pipeline_id}",
            get(one)
                .put(writes::replace)
                .patch(writes::patch)
                .delete(writes::delete),
        )
        .route("/{object_type}/{pipeline_id}/audit", get(writes::audit))
        .route(
            "/{object_type}/{pipeline_id}/stages",
            get(stages).post(writes::create_stage),
        )
        .route(
            "/{object_type}/{pipeline_id}/stages/{stage_id}",
            get(stage)
                .put(writes::replace_stage)
                .patch(writes::patch_stage)
                .delete(writes::delete_stage),
        )
        .route(
            "/{object_type}/{pipeline_id}/stages/{stage_id}/audit",
            get(writes::stage_audit),
        )
}

/// Adds `archivedAt` where HubSpot does: only on what is archived.
fn with_archived_at(mut body: Json_, archived_at: Option<i64>) -> Json_ {
    if let Some(at) = archived_at {
        body["archivedAt"] = json!(format_datetime(at));
    }
    body
}

pub fn stage_json(s: &Stage) -> Json_ {
    let body = json!({
        "id": s.id, "label": s.label, "displayOrder": s.display_order, "metadata": s.metadata,
        "archived": s.archived, "createdAt": format_datetime(s.created_at),
        "updatedAt": format_datetime(s.updated_at), "writePermissions": WRITE_PERMISSIONS,
    });
    with_archived_at(body, s.archived_at)
}

pub fn pipeline_json(p: &Pipeline) -> Json_ {
    let stages: Vec<Json_> = p.live_stages().into_iter().map(stage_json).collect();
    let body = json!({
        "id": p.id, "label": p.label, "displayOrder": p.display_order, "stages": stages,
        "archived": p.archived, "createdAt": format_datetime(p.created_at),
        "updatedAt": format_datetime(p.updated_at),
    });
    with_archived_at(body, p.archived_at)
}

/// Resolves `{objectType}` to a type with pipelines, checking the caller holds one of the
/// scopes `scopes_of` names for it.
pub async fn pipeline_object(
    state: &AppState,
    auth: &Auth,
    segment: &str,
    scopes_of: impl FnOnce(ObjectType) -> Vec<&'static str>,
) -> ApiResult<ObjectType> {
    let object = resolve_object(state, auth.portal, segment).await?;
    auth.require(&scopes_of(object))?;
    if !has_pipelines(object) {
        return Err(ApiError::validation(format!(
            "{object} have no pipelines; deals, tickets and custom objects do"
        )));
    }
    Ok(object)
}

/// The portal's pipelines of `{objectType}`, archived ones included.
async fn pipelines_of(state: &AppState, auth: &Auth, segment: &str) -> ApiResult<Vec<Pipeline>> {
    let object = pipeline_object(state, auth, segment, |o| o.read_scopes().to_vec()).await?;
    let schema = state
        .store
        .schemas
        .object_schema(auth.portal, object)
        .await?;
    Ok(schema.pipelines().to_vec())
}

fn find<'a>(all: &'a [Pipeline], id: &str) -> ApiResult<&'a Pipeline> {
    all.iter()
        .find(|p| p.id == id && !p.archived)
        .ok_or_else(|| ApiError::not_found(format!("Pipeline {id} does not exist")))
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
) -> ApiResult<Json<Json_>> {
    let all = pipelines_of(&state, &auth, &object_type).await?;
    let results: Vec<Json_> = live_pipelines(&all)
        .into_iter()
        .map(pipeline_json)
        .collect();
    Ok(Json(json!({ "results": results })))
}

async fn one(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    let all = pipelines_of(&state, &auth, &object_type).await?;
    Ok(Json(pipeline_json(find(&all, &pipeline_id)?)))
}

async fn stages(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    let all = pipelines_of(&state, &auth, &object_type).await?;
    let pipeline = find(&all, &pipeline_id)?;
    let results: Vec<Json_> = pipeline.live_stages().into_iter().map(stage_json).collect();
    Ok(Json(json!({ "results": results })))
}

async fn stage(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id, stage_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Json_>> {
    let all = pipelines_of(&state, &auth, &object_type).await?;
    let pipeline = find(&all, &pipeline_id)?;
    let stage = pipeline
        .stage(&stage_id)
        .filter(|s| !s.archived)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Stage {stage_id} does not exist in pipeline {pipeline_id}"
            ))
        })?;
    Ok(Json(stage_json(stage)))
}
