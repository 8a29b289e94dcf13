//! Writing pipelines and stages (create 201, replace, patch, delete 204) and reading their
//! audit events, on both path families. Writes need the object's schema write scope, as
//! HubSpot's pipeline endpoints do; audits the object's read scope. Deleting takes
//! `validateReferencesBeforeDelete` / `validateDealStageUsagesBeforeDelete` (default false
//! on these API versions): with either true, a delete (or a replace that drops stages) is
//! refused while live records are in what it takes away.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value as Json_, json};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, Path, QueryParams, parse_json};
use super::pipelines::{pipeline_json, pipeline_object, stage_json};
use crate::domain::ObjectType;
use crate::domain::pipeline_edit::{Answer, AuditAction, PipelineEdit, PipelineError, Subject};
use crate::domain::pipeline_input::{
    parse_pipeline, parse_pipeline_patch, parse_stage, parse_stage_patch,
};
use crate::domain::time::format_datetime;
use crate::store::PipelineAudit;

type Reply = ApiResult<(StatusCode, Json<Json_>)>;

async fn write_object(state: &AppState, auth: &Auth, segment: &str) -> ApiResult<ObjectType> {
    pipeline_object(state, auth, segment, |o| o.schema_write_scopes().to_vec()).await
}

fn body_json(body: &[u8]) -> ApiResult<Json_> {
    parse_json::<Json_>(body)
}

fn validate_flag(raw: Option<&str>) -> ApiResult<bool> {
    let query = QueryParams::parse(raw);
    Ok(query.bool("validateReferencesBeforeDelete")?
        || query.bool("validateDealStageUsagesBeforeDelete")?)
}

/// Applies one edit and answers with what it made or changed (`status`), or 204.
async fn run(
    state: &AppState,
    auth: &Auth,
    object: ObjectType,
    edit: PipelineEdit,
    validate: bool,
    status: StatusCode,
) -> Reply {
    let now = state.clock.now_ms();
    let applied = state
        .store
        .pipelines
        .edit_pipelines(auth.portal, object, edit, validate, now)
        .await?
        .map_err(|refused| match refused {
            PipelineError::NotFound(message) => ApiError::not_found(message),
            PipelineError::Invalid(message) => ApiError::validation(message),
        })?;
    Ok(match applied.answer {
        Answer::Pipeline(p) => (status, Json(pipeline_json(&p))),
        Answer::Stage(s) => (status, Json(stage_json(&s))),
        Answer::Nothing => (StatusCode::NO_CONTENT, Json(Json_::Null)),
    })
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> Reply {
    let object = write_object(&state, &auth, &object_type).await?;
    let input = parse_pipeline(object, &body_json(&body)?).map_err(ApiError::validation_list)?;
    let edit = PipelineEdit::CreatePipeline(input);
    run(&state, &auth, object, edit, false, StatusCode::CREATED).await
}

pub async fn replace(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    Body(body): Body,
) -> Reply {
    let object = write_object(&state, &auth, &object_type).await?;
    let validate = validate_flag(raw.as_deref())?;
    let input = parse_pipeline(object, &body_json(&body)?).map_err(ApiError::validation_list)?;
    let edit = PipelineEdit::ReplacePipeline(pipeline_id, input);
    run(&state, &auth, object, edit, validate, StatusCode::OK).await
}

pub async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    Body(body): Body,
) -> Reply {
    let object = write_object(&state, &auth, &object_type).await?;
    let validate = validate_flag(raw.as_deref())?;
    let patch = parse_pipeline_patch(&body_json(&body)?).map_err(ApiError::validation_list)?;
    let edit = PipelineEdit::PatchPipeline(pipeline_id, patch);
    run(&state, &auth, object, edit, validate, StatusCode::OK).await
}

pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    let object = write_object(&state, &auth, &object_type).await?;
    let validate = validate_flag(raw.as_deref())?;
    let edit = PipelineEdit::DeletePipeline(pipeline_id);
    let _nothing = run(
        &state,
        &auth,
        object,
        edit,
        validate,
        StatusCode::NO_CONTENT,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn create_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
    Body(body): Body,
) -> Reply {
    let object = write_object(&state, &auth, &object_type).await?;
    let input = parse_stage(object, &body_json(&body)?).map_err(ApiError::validation_list)?;
    let edit = PipelineEdit::CreateStage(pipeline_id, input);
    run(&state, &auth, object, edit, false, StatusCode::CREATED).await
}

pub async fn replace_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id, stage_id)): Path<(String, String, String)>,
    Body(body): Body,
) -> Reply {
    let object = write_object(&state, &auth, &object_type).await?;
    let input = parse_stage(object, &body_json(&body)?).map_err(ApiError::validation_list)?;
    let edit = PipelineEdit::ReplaceStage(pipeline_id, stage_id, input);
    run(&state, &auth, object, edit, false, StatusCode::OK).await
}

pub async fn patch_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id, stage_id)): Path<(String, String, String)>,
    Body(body): Body,
) -> Reply {
    let object = write_object(&state, &auth, &object_type).await?;
    let body = body_json(&body)?;
    let patch = parse_stage_patch(object, &body).map_err(ApiError::validation_list)?;
    let edit = PipelineEdit::PatchStage(pipeline_id, stage_id, patch);
    run(&state, &auth, object, edit, false, StatusCode::OK).await
}

pub async fn delete_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id, stage_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    let object = write_object(&state, &auth, &object_type).await?;
    let validate = validate_flag(raw.as_deref())?;
    let edit = PipelineEdit::DeleteStage(pipeline_id, stage_id);
    let _nothing = run(
        &state,
        &auth,
        object,
        edit,
        validate,
        StatusCode::NO_CONTENT,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// HubSpot's `PublicAuditInfo`: the event's own id as `identifier`, what it left as
/// `rawObject`.
fn audit_json(portal: i64, audit: &PipelineAudit) -> Json_ {
    let (raw, what) = match &audit.subject {
        Subject::Pipeline(p) => (pipeline_json(p), format!("Pipeline {}", p.id)),
        Subject::Stage { stage, .. } => (stage_json(stage), format!("Stage {}", stage.id)),
    };
    let verb = match audit.action {
        AuditAction::Create => "created",
        AuditAction::Update => "updated",
        AuditAction::Delete => "deleted",
    };
    json!({
        "identifier": audit.id.to_string(), "action": audit.action.as_str(),
        "portalId": portal, "timestamp": format_datetime(audit.at),
        "message": format!("{what} {verb}"), "rawObject": raw,
    })
}

async fn audits(
    state: &AppState,
    auth: &Auth,
    segment: &str,
    pipeline_id: String,
    stage_id: Option<String>,
) -> ApiResult<Json<Json_>> {
    let object = pipeline_object(state, auth, segment, |o| o.read_scopes().to_vec()).await?;
    let schema = state
        .store
        .schemas
        .object_schema(auth.portal, object)
        .await?;
    let pipeline = schema.pipelines().iter().find(|p| p.id == pipeline_id);
    let known = match (&pipeline, &stage_id) {
        (Some(p), Some(stage)) => p.stage(stage).is_some(),
        (found, None) => found.is_some(),
        (None, Some(_)) => false,
    };
    if !known {
        return Err(ApiError::not_found(match &stage_id {
            Some(stage) => format!("Stage {stage} does not exist in pipeline {pipeline_id}"),
            None => format!("Pipeline {pipeline_id} does not exist"),
        }));
    }
    let found = state
        .store
        .pipelines
        .pipeline_audits(auth.portal, object, pipeline_id, stage_id)
        .await?;
    let results: Vec<Json_> = found.iter().map(|a| audit_json(auth.portal.0, a)).collect();
    Ok(Json(json!({ "results": results })))
}

pub async fn audit(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    audits(&state, &auth, &object_type, pipeline_id, None).await
}

pub async fn stage_audit(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, pipeline_id, stage_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Json_>> {
    audits(&state, &auth, &object_type, pipeline_id, Some(stage_id)).await
}
