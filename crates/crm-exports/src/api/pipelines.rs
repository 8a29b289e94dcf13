//! The pipelines API on `/crm/v3/pipelines/{objectType}` and
//! `/crm/pipelines/2026-03/{objectType}`: HubSpot's default pipelines and stages for deals
//! and tickets, read-only, with the object's read scope.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::{AppState, wire};
use crate::domain::pipeline::{Pipeline, Stage, pipelines};
use crate::domain::time::format_datetime;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{object_type}", get(list))
        .route("/{object_type}/{pipeline_id}", get(one))
        .route("/{object_type}/{pipeline_id}/stages", get(stages))
        .route("/{object_type}/{pipeline_id}/stages/{stage_id}", get(stage))
}

/// Default pipelines were never created or changed: HubSpot reports them at epoch 0.
fn epoch() -> String {
    format_datetime(0)
}

fn stage_json(s: &Stage) -> Json_ {
    json!({
        "id": s.id, "label": s.label, "displayOrder": s.display_order, "metadata": s.metadata,
        "archived": false, "createdAt": epoch(), "updatedAt": epoch(),
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    })
}

fn pipeline_json(p: &Pipeline) -> Json_ {
    let stages: Vec<Json_> = p.stages.iter().map(stage_json).collect();
    json!({
        "id": p.id, "label": p.label, "displayOrder": p.display_order, "stages": stages,
        "archived": false, "createdAt": epoch(), "updatedAt": epoch(),
    })
}

fn pipelines_of(auth: &Auth, object_type: &str) -> ApiResult<&'static [Pipeline]> {
    let object = wire::resolve_object(object_type)?;
    auth.require(object.read_scopes())?;
    pipelines(object).ok_or_else(|| {
        ApiError::validation(format!("{object} have no pipelines; deals and tickets do"))
    })
}

fn find<'a>(all: &'a [Pipeline], id: &str) -> ApiResult<&'a Pipeline> {
    all.iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Pipeline {id} does not exist")))
}

async fn list(
    State(_): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
) -> ApiResult<Json<Json_>> {
    let results: Vec<Json_> = pipelines_of(&auth, &object_type)?
        .iter()
        .map(pipeline_json)
        .collect();
    Ok(Json(json!({ "results": results })))
}

async fn one(
    State(_): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    let all = pipelines_of(&auth, &object_type)?;
    Ok(Json(pipeline_json(find(all, &pipeline_id)?)))
}

async fn stages(
    State(_): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    let pipeline = find(pipelines_of(&auth, &object_type)?, &pipeline_id)?;
    let results: Vec<Json_> = pipeline.stages.iter().map(stage_json).collect();
    Ok(Json(json!({ "results": results })))
}

async fn stage(
    State(_): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id, stage_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Json_>> {
    let pipeline = find(pipelines_of(&auth, &object_type)?, &pipeline_id)?;
    let stage = pipeline
        .stages
        .iter()
        .find(|s| s.id == stage_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Stage {stage_id} does not exist in pipeline {pipeline_id}"
            ))
        })?;
    Ok(Json(stage_json(stage)))
}
