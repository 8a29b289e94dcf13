//! The associations schema API on `/crm/v4/associations` and `/crm/associations/2026-03`:
//! the association types between two object types (`GET …/{from}/{to}/labels`), custom
//! labels (create, rename, delete; USER_DEFINED, HubSpot's own types cannot change), and the
//! per-type association limits (`…/definitions/configurations/…`: read, batch create,
//! update and purge). Reading needs the read scopes of both object types, changing the
//! write scope of the from-type, as for associations themselves.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::AppState;
use super::associations::{Pair, batch_body, pair, spec_json};
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, parse_json};
use crate::domain::ObjectType;
use crate::domain::association::{AssociationCatalog, AssociationType, Category};
use crate::domain::custom_object::AssociationDefinition;
use crate::store::{AssociationLimit, LabelDraft};

/// The longest label text or internal name accepted.
const MAX_LABEL_CHARS: usize = 100;
/// The most inputs one limits batch takes.
const MAX_LIMIT_INPUTS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{from}/{to}/labels",
            get(list_labels).post(create_label).put(update_label),
        )
        .route("/{from}/{to}/labels/{type_id}", delete(delete_label))
        .route("/definitions/configurations/all", get(all_limits))
        .route("/definitions/configurations/{from}/{to}", get(pair_limits))
        .route(
            "/definitions/configurations/{from}/{to}/batch/{operation}",
            post(limits_batch),
        )
}

async fn list_labels(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, false).await?;
    let results: Vec<Json_> = catalog
        .types_between(from, to)
        .iter()
        .map(spec_json)
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// A label text or name: trimmed, not empty, not over [`MAX_LABEL_CHARS`].
fn label_text(field: &str, text: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::validation(format!("{field} must not be empty")));
    }
    if text.chars().count() > MAX_LABEL_CHARS {
        return Err(ApiError::validation(format!(
            "{field} is longer than {MAX_LABEL_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}

fn optional_text(field: &str, text: Option<&str>) -> ApiResult<Option<String>> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| label_text(field, t))
        .transpose()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateLabel {
    label: String,
    name: String,
    #[serde(default)]
    inverse_label: Option<String>,
}

/// The types a new label made, as HubSpot answers a create: its type from `from` to `to`,
/// then the inverse one (read with the inverse label when paired).
fn created_types(d: &AssociationDefinition) -> Vec<Json_> {
    let mut results = vec![json!({"category": "USER_DEFINED", "typeId": d.type_id,
                                  "label": d.label.as_deref()})];
    if d.inverse_id != d.type_id {
        let inverse = d.inverse_label.as_deref().or(d.label.as_deref());
        results.push(json!({"category": "USER_DEFINED", "typeId": d.inverse_id, "label": inverse}));
    }
    results
}

async fn create_label(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let Pair { from, to, .. } = pair(&state, &auth, &from, &to, true).await?;
    let input: CreateLabel = parse_json(&body)?;
    let draft = LabelDraft {
        label: label_text("label", &input.label)?,
        name: label_text("name", &input.name)?,
        inverse_label: optional_text("inverseLabel", input.inverse_label.as_deref())?,
    };
    let created = state
        .store
        .custom_objects
        .create_association_label(auth.portal, (from, to), draft, state.clock.now_ms())
        .await?;
    Ok(Json(json!({ "results": created_types(&created) })))
}

/// The custom label holding `type_id` between the pair: 404 for an id the pair does not
/// have, 400 for one of HubSpot's types or a custom object's own (which have no label).
fn custom_label(
    catalog: &AssociationCatalog,
    pair: (ObjectType, ObjectType),
    id: i64,
) -> ApiResult<()> {
    let (from, to) = pair;
    if catalog.custom_label(from, to, id).is_some() {
        return Ok(());
    }
    match catalog.find_type(from, to, id) {
        Some(t) => Err(ApiError::validation(format!(
            "associationTypeId {id} is a {} type without a custom label; only custom labels can be changed",
            t.category.as_str()
        ))),
        None => Err(ApiError::not_found(format!(
            "associationTypeId {id} is not a label from {from} to {to}"
        ))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateLabel {
    association_type_id: i64,
    label: String,
    #[serde(default)]
    inverse_label: Option<String>,
}

async fn update_label(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, true).await?;
    let input: UpdateLabel = parse_json(&body)?;
    let label = label_text("label", &input.label)?;
    let inverse = optional_text("inverseLabel", input.inverse_label.as_deref())?;
    custom_label(&catalog, (from, to), input.association_type_id)?;
    let updated = state
        .store
        .custom_objects
        .update_association_label(
            auth.portal,
            (from, to),
            input.association_type_id,
            label,
            inverse,
        )
        .await?;
    if !updated {
        return Err(ApiError::not_found(format!(
            "associationTypeId {} is not a label from {from} to {to}",
            input.association_type_id
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

fn type_id_of(text: &str) -> ApiResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::validation(format!("{text:?} is not an association type id")))
}

async fn delete_label(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to, type_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, true).await?;
    let id = type_id_of(&type_id)?;
    custom_label(&catalog, (from, to), id)?;
    let deleted = state
        .store
        .custom_objects
        .delete_association_label(auth.portal, (from, to), id)
        .await?;
    if !deleted {
        return Err(ApiError::not_found(format!(
            "associationTypeId {id} is not a label from {from} to {to}"
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A limit as HubSpot's `PublicAssociationDefinitionUserConfiguration`.
fn limit_json(t: &AssociationType, limit: &AssociationLimit) -> Json_ {
    json!({"category": t.category.as_str(), "typeId": t.type_id, "label": t.label.as_deref(),
           "userEnforcedMaxToObjectIds": limit.max_to_object_ids})
}

/// The limits whose types the catalog still knows, as configurations.
fn limits_json(catalog: &AssociationCatalog, limits: &[AssociationLimit]) -> Vec<Json_> {
    limits
        .iter()
        .filter_map(|l| Some(limit_json(&catalog.find_type(l.from, l.to, l.type_id)?, l)))
        .collect()
}

async fn all_limits(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Json_>> {
    let limits = state
        .store
        .associations
        .association_limits(auth.portal, None)
        .await?;
    // Only the pairs whose two object types the caller may read.
    let readable: Vec<AssociationLimit> = limits
        .into_iter()
        .filter(|l| auth.require(l.from.read_scopes()).is_ok())
        .filter(|l| auth.require(l.to.read_scopes()).is_ok())
        .collect();
    let catalog = super::associations::catalog_if(&state, &auth, true).await?;
    Ok(Json(json!({ "results": limits_json(&catalog, &readable) })))
}

async fn pair_limits(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, false).await?;
    let limits = state
        .store
        .associations
        .association_limits(auth.portal, Some((from, to)))
        .await?;
    Ok(Json(json!({ "results": limits_json(&catalog, &limits) })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LimitInput {
    category: String,
    type_id: i64,
    #[serde(default)]
    max_to_object_ids: Option<i64>,
}

#[derive(Deserialize)]
struct LimitInputs {
    inputs: Vec<LimitInput>,
}

/// The pair's type an input names, checked against its category.
fn limited_type(pair: &Pair, input: &LimitInput) -> ApiResult<AssociationType> {
    let found = pair
        .catalog
        .find_type(pair.from, pair.to, input.type_id)
        .ok_or_else(|| {
            ApiError::validation(format!(
                "typeId {} is not an association type from {} to {}",
                input.type_id, pair.from, pair.to
            ))
        })?;
    match Category::parse(&input.category.to_ascii_uppercase()) {
        Some(c) if c == found.category => Ok(found),
        _ => Err(ApiError::validation(format!(
            "typeId {} is a {} type, not {:?}",
            found.type_id,
            found.category.as_str(),
            input.category
        ))),
    }
}

/// Parses a create or update batch: every input a type of the pair with a limit of at least
/// one; any bad input fails the whole batch.
fn parse_limits(
    pair: &Pair,
    inputs: &[LimitInput],
) -> ApiResult<Vec<(AssociationType, AssociationLimit)>> {
    inputs
        .iter()
        .map(|input| {
            let t = limited_type(pair, input)?;
            let max = input.max_to_object_ids.ok_or_else(|| {
                ApiError::validation(format!("typeId {} needs maxToObjectIds", t.type_id))
            })?;
            if max < 1 {
                return Err(ApiError::validation(format!(
                    "maxToObjectIds is {max}; it must be at least 1"
                )));
            }
            let limit = AssociationLimit {
                from: pair.from,
                to: pair.to,
                type_id: t.type_id,
                max_to_object_ids: max,
            };
            Ok((t, limit))
        })
        .collect()
}

async fn limits_batch(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to, operation)): Path<(String, String, String)>,
    Body(body): Body,
) -> ApiResult<Response> {
    let started = state.clock.now_ms();
    let replace = match operation.as_str() {
        "create" => false,
        "update" => true,
        "purge" => return purge_limits(&state, &auth, (&from, &to), &body).await,
        other => {
            return Err(ApiError::not_found(format!(
                "Unknown association configuration batch operation {other:?}"
            )));
        }
    };
    let pair = pair(&state, &auth, &from, &to, true).await?;
    let input: LimitInputs = parse_json(&body)?;
    if input.inputs.len() > MAX_LIMIT_INPUTS {
        return Err(ApiError::validation(format!(
            "Batch has {} inputs; at most {MAX_LIMIT_INPUTS} are allowed per request",
            input.inputs.len()
        )));
    }
    let parsed = parse_limits(&pair, &input.inputs)?;
    let limits = parsed.iter().map(|(_, l)| *l).collect();
    let written = state
        .store
        .associations
        .set_association_limits(auth.portal, limits, replace, state.clock.now_ms())
        .await?;
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for ((t, limit), ok) in parsed.iter().zip(written) {
        if ok && replace {
            results.push(json!({"category": t.category.as_str(), "typeId": t.type_id,
                                "userEnforcedMaxToObjectIds": limit.max_to_object_ids}));
        } else if ok {
            results.push(limit_json(t, limit));
        } else {
            let message = if replace {
                format!("No limit is set for typeId {}; create one first", t.type_id)
            } else {
                format!(
                    "A limit is already set for typeId {}; update it instead",
                    t.type_id
                )
            };
            errors.push(json!({"status": "error", "category": "VALIDATION_ERROR",
                               "message": message, "context": {"typeId": [t.type_id.to_string()]},
                               "links": {}, "errors": []}));
        }
    }
    let (partial, body) = batch_body(results, errors, (started, state.clock.now_ms()));
    let status = match (partial, replace) {
        (true, _) => StatusCode::MULTI_STATUS,
        (false, true) => StatusCode::OK,
        (false, false) => StatusCode::CREATED,
    };
    Ok((status, Json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PurgeInput {
    category: String,
    type_id: i64,
}

#[derive(Deserialize)]
struct PurgeInputs {
    inputs: Vec<PurgeInput>,
}

/// `batch/purge`: removes the named types' limits (those without one are no error); 204.
async fn purge_limits(
    state: &AppState,
    auth: &Auth,
    (from, to): (&str, &str),
    body: &[u8],
) -> ApiResult<Response> {
    let pair = pair(state, auth, from, to, true).await?;
    let input: PurgeInputs = parse_json(body)?;
    let mut type_ids = Vec::new();
    for i in &input.inputs {
        let named = LimitInput {
            category: i.category.clone(),
            type_id: i.type_id,
            max_to_object_ids: None,
        };
        type_ids.push(limited_type(&pair, &named)?.type_id);
    }
    state
        .store
        .associations
        .purge_association_limits(auth.portal, (pair.from, pair.to), type_ids)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
