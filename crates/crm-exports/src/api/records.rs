//! Single-record endpoints and list pages under `/crm/v3/objects/{objectType}` and
//! `/crm/objects/2026-03/{objectType}`: create (201), read (with `properties`,
//! `idProperty`, `archived`), update, archive (204), and id-ordered pages with an `after`
//! cursor and `paging` only when another page exists.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, QueryParams, parse_json};
use super::paging::NextPage;
use super::wire::{self, Nulls, record_json};
use super::{Access, AppState, object_schema};
use crate::domain::schema::ObjectSchema;
use crate::store::{RecordKey, Visibility, WriteFailure, WriteOp, Written};

/// List pages hold at most this many records; larger `limit`s are clamped, as the SDKs'
/// paging helpers expect.
pub const MAX_PAGE_SIZE: usize = 100;

/// Whether a write creates its record (defaults such as a ticket's pipeline then apply).
const CREATING: bool = true;

/// HubSpot's `SimplePublicObjectInputForCreate`: `properties` is required (an empty map
/// is allowed), so a misspelt `propertiez` is a 400 rather than an empty record.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateInput {
    pub properties: BTreeMap<String, Json_>,
    #[serde(default)]
    pub associations: Vec<Json_>,
    #[serde(default)]
    pub object_write_trace_id: Option<String>,
}

/// HubSpot's `SimplePublicObjectInput`: `properties` is required.
#[derive(Deserialize)]
pub struct UpdateInput {
    pub properties: BTreeMap<String, Json_>,
}

/// HubSpot's message for a unique value already taken.
pub fn write_failure_error(schema: &ObjectSchema, failure: &WriteFailure) -> ApiError {
    match failure {
        WriteFailure::Duplicate {
            property,
            value,
            existing_id,
        } => {
            let message =
                if schema.object == crate::domain::ObjectType::Contacts && property == "email" {
                    format!("Contact already exists. Existing ID: {existing_id}")
                } else {
                    format!(
                        "A {} with {property} {value:?} already exists. Existing ID: {existing_id}",
                        schema.object.singular()
                    )
                };
            ApiError::conflict(message)
        }
        WriteFailure::MissingAssociationTarget(id) => ApiError::validation(format!(
            "Cannot associate: record {id} does not exist in this portal"
        ))
        .with_context("ids", vec![id.to_string()]),
        WriteFailure::OverAssociationLimit { record_id, limit } => {
            let who = match record_id {
                0 => "the new record".to_string(),
                id => format!("record {id}"),
            };
            ApiError::validation(format!(
                "Cannot associate: {who} would have more than the {} associations of type {} to {} that this portal allows",
                limit.max_to_object_ids, limit.type_id, limit.to
            ))
        }
        WriteFailure::NotFound(key) => ApiError::not_found(format!(
            "No {} with id {} exists",
            schema.object.singular(),
            key.display()
        )),
    }
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    next: NextPage,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::Read).await?;
    let query = QueryParams::parse(raw.as_deref());
    let limit = query
        .number::<usize>("limit")?
        .unwrap_or(10)
        .clamp(1, MAX_PAGE_SIZE);
    let after = query.id_cursor()?;
    let visibility = Visibility::from_archived_flag(query.bool("archived")?);
    let projection = wire::read_projection(&schema, wire::requested_properties(&query));
    let mut records = state
        .store
        .records
        .list_records(
            auth.portal,
            schema.object,
            after,
            limit + 1,
            projection,
            visibility,
        )
        .await?;
    let more = records.len() > limit;
    records.truncate(limit);
    let mut results: Vec<Json_> = records
        .iter()
        .map(|r| record_json(r, &schema, Nulls::Include))
        .collect();
    super::associations::attach_to_records(
        &state,
        &auth,
        schema.object,
        &mut results,
        query.list("associations"),
    )
    .await?;
    let mut body = json!({ "results": results });
    if more && let Some(last) = records.last() {
        body["paging"] = json!({"next": next.json(&last.id.to_string())});
    }
    Ok(Json(body))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let schema = object_schema(&state, &auth, &object_type, Access::Write).await?;
    let input: CreateInput = parse_json(&body)?;
    let catalog =
        super::associations::catalog_if(&state, &auth, !input.associations.is_empty()).await?;
    let edges =
        super::associations::inline_edges(&auth, &catalog, schema.object, &input.associations)?;
    let owners = wire::owners_for(&state, &auth, &schema, [&input.properties]).await?;
    let values = wire::parse_properties(&schema, input.properties, &owners, CREATING)
        .map_err(|p| ApiError::invalid_properties(&p))?;
    let projection = wire::write_projection(&schema, &values);
    // Answered from what was written, unless a value might read back differently.
    let answer = wire::reads_back_as_written(&values).then(|| values.clone());
    let ops: Arc<[WriteOp]> = Arc::new([WriteOp::Create(values, edges)]);
    let now = state.clock.now_ms();
    let written = write_one(&state, &auth, &schema, ops, now).await?;
    let record = match answer {
        Some(values) => record_json(
            &wire::created_record(&schema, written.id, now, values),
            &schema,
            Nulls::Omit,
        ),
        None => read_written(&state, &auth, &schema, written, projection).await?,
    };
    Ok((StatusCode::CREATED, Json(record)))
}

pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::Read).await?;
    let query = QueryParams::parse(raw.as_deref());
    let key = wire::record_key(&schema, &id, query.get("idProperty"))?;
    let projection = wire::read_projection(&schema, wire::requested_properties(&query));
    let visibility = Visibility::from_archived_flag(query.bool("archived")?);
    let found = state
        .store
        .records
        .read_records(
            auth.portal,
            schema.object,
            vec![key],
            projection,
            visibility,
        )
        .await?
        .pop()
        .flatten()
        .ok_or_else(|| ApiError::not_found("resource not found"))?;
    let mut one = [record_json(&found, &schema, Nulls::Include)];
    super::associations::attach_to_records(
        &state,
        &auth,
        schema.object,
        &mut one,
        query.list("associations"),
    )
    .await?;
    let [body] = one;
    Ok(Json(body))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::Write).await?;
    let query = QueryParams::parse(raw.as_deref());
    let key = wire::record_key(&schema, &id, query.get("idProperty"))?;
    let input: UpdateInput = parse_json(&body)?;
    let owners = wire::owners_for(&state, &auth, &schema, [&input.properties]).await?;
    let values = wire::parse_properties(&schema, input.properties, &owners, !CREATING)
        .map_err(|p| ApiError::invalid_properties(&p))?;
    let projection = wire::write_projection(&schema, &values);
    let ops: Arc<[WriteOp]> = Arc::new([WriteOp::Update(key, values)]);
    let written = write_one(&state, &auth, &schema, ops, state.clock.now_ms()).await?;
    Ok(Json(
        read_written(&state, &auth, &schema, written, projection).await?,
    ))
}

pub async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let schema = object_schema(&state, &auth, &object_type, Access::Write).await?;
    let key = wire::record_key(&schema, &id, None)?;
    // Like HubSpot, archiving a record that is missing or already archived succeeds.
    state
        .store
        .records
        .archive_records(auth.portal, schema.object, vec![key], state.clock.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn write_one(
    state: &AppState,
    auth: &Auth,
    schema: &Arc<ObjectSchema>,
    ops: Arc<[WriteOp]>,
    now: i64,
) -> ApiResult<Written> {
    let outcome = state
        .store
        .records
        .write_records_with(auth.portal, schema.clone(), ops, true, now)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("a write returned no outcome"))?;
    outcome.map_err(|failure| write_failure_error(schema, &failure))
}

async fn read_written(
    state: &AppState,
    auth: &Auth,
    schema: &ObjectSchema,
    written: Written,
    projection: Vec<String>,
) -> ApiResult<Json_> {
    let record = state
        .store
        .records
        .read_records(
            auth.portal,
            schema.object,
            vec![RecordKey::Id(written.id)],
            projection,
            Visibility::Live,
        )
        .await?
        .pop()
        .flatten()
        // Archived by another request since the write: answered as if that came first.
        .ok_or_else(|| ApiError::not_found("resource not found"))?;
    Ok(record_json(&record, schema, Nulls::Omit))
}
