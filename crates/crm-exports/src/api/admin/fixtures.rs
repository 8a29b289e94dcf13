//! `POST /_crm-exports/portals/{portalId}/fixtures` loads a fixture file (the body) into a
//! portal in one transaction, refusing a wrong one whole with HubSpot's validation body,
//! each problem in `errors[]` with its field path in `in` and its line and column in
//! `context`; `GET` on the same path dumps the portal in the same form.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Admin;
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorDetail};
use crate::api::extract::{Body, Path};
use crate::api::strict_json::plain_message;
use crate::fixtures::{self, FixtureError, FixtureProblem};
use crate::store::PortalId;

pub async fn load(
    State(state): State<AppState>,
    _: Admin,
    Path(portal): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    let Ok(text) = std::str::from_utf8(&body) else {
        return Err(ApiError::validation("The fixture is not UTF-8 text."));
    };
    let now = state.clock.now_ms();
    match fixtures::load(&state.store, PortalId(portal), text, now).await {
        Ok(loaded) => Ok(Json(json!({
            "portalId": portal,
            "owners": loaded.owners,
            "schemas": loaded.schemas,
            "records": loaded.records,
            "associations": loaded.associations,
            "lists": loaded.lists,
        }))),
        Err(e) => Err(refusal(e)),
    }
}

pub async fn dump(
    State(state): State<AppState>,
    _: Admin,
    Path(portal): Path<i64>,
) -> ApiResult<Response> {
    let fixture = fixtures::dump(&state.store, PortalId(portal))
        .await
        .map_err(refusal)?;
    let text = fixtures::to_text(&fixture);
    Ok(([(CONTENT_TYPE, "application/json")], text).into_response())
}

fn refusal(e: FixtureError) -> ApiError {
    match e {
        FixtureError::Refused(mut problems) => {
            // serde's own messages name Rust types (`struct Fixture`, `i64`); say it plainly.
            for problem in problems.iter_mut().filter(|p| p.path.is_empty()) {
                problem.message = plain_message(&problem.message);
            }
            let messages = problems.iter().map(ToString::to_string).collect();
            let mut error = ApiError::validation_list(messages);
            error.errors = problems.iter().map(detail).collect();
            error
        }
        FixtureError::UnknownPortal(portal) => {
            ApiError::not_found(format!("Portal {portal} does not exist on this server."))
        }
        FixtureError::Store(e) => e.into(),
    }
}

fn detail(problem: &FixtureProblem) -> ErrorDetail {
    let mut context = serde_json::Map::new();
    context.insert("line".into(), json!([problem.line.to_string()]));
    context.insert("column".into(), json!([problem.column.to_string()]));
    ErrorDetail {
        message: problem.to_string(),
        code: Some("INVALID_FIXTURE".to_string()),
        location: (!problem.path.is_empty()).then(|| problem.path.clone()),
        context: Some(context),
    }
}
