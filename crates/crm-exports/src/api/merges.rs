//! Merging two records (`POST …/{objectType}/merge`, HubSpot's `PublicMergeInput`, answered
//! with the primary record) and deleting a contact for good (`POST …/contacts/gdpr-delete`,
//! `PublicGdprDeleteInput`, 204), on both path families, with the object's write scope.
//! After a merge the merged id reads as the primary; after a GDPR delete nothing of the
//! contact is left: not archived, not restorable, not in any list or association.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value as Json_;

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, Path, parse_json};
use super::wire::{self, Nulls, record_json};
use super::{Access, AppState, object_schema};
use crate::domain::ObjectType;
use crate::store::{MergeRefusal, RecordKey, Visibility};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MergeInput {
    primary_object_id: Json_,
    object_id_to_merge: Json_,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GdprDeleteInput {
    object_id: Json_,
    #[serde(default)]
    id_property: Option<String>,
}

/// A record id as the SDKs send it: a decimal string, or a number.
fn record_id(field: &str, value: &Json_) -> ApiResult<i64> {
    let parsed = match value {
        Json_::String(s) => s.trim().parse::<i64>().ok(),
        Json_::Number(n) => n.as_i64(),
        _ => None,
    };
    parsed
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::validation(format!("{field} must be a record id, not {value}")))
}

fn id_text(value: &Json_) -> Option<String> {
    match value {
        Json_::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Json_::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::Write).await?;
    let input: MergeInput = parse_json(&body)?;
    let primary = record_id("primaryObjectId", &input.primary_object_id)?;
    let merged = record_id("objectIdToMerge", &input.object_id_to_merge)?;
    if primary == merged {
        return Err(ApiError::validation(
            "A record cannot be merged with itself: primaryObjectId and objectIdToMerge are the same",
        ));
    }
    let now = state.clock.now_ms();
    let refused = state
        .store
        .records
        .merge_records(auth.portal, schema.object, primary, merged, now)
        .await?;
    match refused {
        Ok(()) => {}
        Err(MergeRefusal::SameRecord) => {
            return Err(ApiError::validation(format!(
                "Records {primary} and {merged} are already merged into one record"
            )));
        }
        Err(MergeRefusal::Missing(id)) => {
            return Err(ApiError::not_found(format!(
                "No {} with id {id} exists",
                schema.object.singular()
            )));
        }
    }
    let projection = wire::read_projection(&schema, None);
    let record = state
        .store
        .records
        .read_records(
            auth.portal,
            schema.object,
            vec![RecordKey::Id(primary)],
            projection,
            Visibility::Live,
        )
        .await?
        .pop()
        .flatten()
        .ok_or_else(|| ApiError::not_found("resource not found"))?;
    Ok(Json(record_json(&record, &schema, Nulls::Include)))
}

pub async fn gdpr_delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let schema = object_schema(&state, &auth, &object_type, Access::Write).await?;
    if schema.object != ObjectType::Contacts {
        return Err(ApiError::not_found(
            "GDPR delete is offered for contacts only",
        ));
    }
    let input: GdprDeleteInput = parse_json(&body)?;
    let id = id_text(&input.object_id).ok_or_else(|| {
        ApiError::validation(format!(
            "objectId must be a record id or, with idProperty, a value; not {}",
            input.object_id
        ))
    })?;
    let key = wire::record_key(&schema, &id, input.id_property.as_deref())?;
    let deleted = state
        .store
        .records
        .purge_record(auth.portal, schema.object, key)
        .await?;
    if !deleted {
        return Err(ApiError::not_found(format!("No contact {id} exists")));
    }
    Ok(StatusCode::NO_CONTENT)
}
