//! Associations (v4 and date-versioned): batch create, associate-default, read, archive and
//! labels/archive under `/crm/v4/associations/{from}/{to}` and
//! `/crm/associations/2026-03/{from}/{to}`; per-record PUT (default or typed), GET and DELETE
//! under `/crm/v4/objects/...` and `/crm/objects/2026-03/...` (the labels and limits of the
//! schema API are `association_schema`'s). Reading needs the read scope of both object
//! types; writing the write scope of the from-type and the read scope of the to-type.
//! Records of another portal are never found, so they cannot be linked, and an edge over an
//! association limit is refused.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, IdText, QueryParams, last_segment, parse_json};
use super::paging::NextPage;
use super::{AppState, resolve_object};
use crate::domain::ObjectType;
use crate::domain::association::{AssociationCatalog, AssociationType, Category};
use crate::domain::time::format_datetime;
use crate::store::{AssociationLimit, Edge, EdgeRefusal, NewEdge};

const MAX_BATCH_CREATE: usize = 2_000;
const MAX_BATCH_READ: usize = 1_000;
const PAGE: usize = 500;

pub fn batch_routes() -> Router<AppState> {
    Router::new()
        .merge(super::association_schema::routes())
        .route("/{from}/{to}/batch/associate/default", post(batch_default))
        .route(
            "/{from}/{to}/batch/labels/archive",
            post(batch_labels_archive),
        )
        .route("/{from}/{to}/batch/create", post(batch))
        .route("/{from}/{to}/batch/read", post(batch))
        .route("/{from}/{to}/batch/archive", post(batch))
}

pub fn record_routes() -> Router<AppState> {
    Router::new()
        .route("/{from}/{from_id}/associations/{to}", get(list_for_record))
        .route(
            "/{from}/{from_id}/associations/{to}/{to_id}",
            put(put_typed).delete(delete_pair),
        )
        .route(
            "/{from}/{from_id}/associations/default/{to}/{to_id}",
            put(put_default),
        )
}

pub(super) fn spec_json(t: &AssociationType) -> Json_ {
    json!({"category": t.category.as_str(), "typeId": t.type_id, "label": t.label.as_deref()})
}

fn association_spec(t: &AssociationType) -> Json_ {
    json!({"associationCategory": t.category.as_str(), "associationTypeId": t.type_id})
}

/// Two object types that can be associated, with the portal's association types.
pub(super) struct Pair {
    pub from: ObjectType,
    pub to: ObjectType,
    pub catalog: AssociationCatalog,
}

/// Resolves both object types and checks the caller's scopes for reading or writing.
pub(super) async fn pair(
    state: &AppState,
    auth: &Auth,
    from: &str,
    to: &str,
    write: bool,
) -> ApiResult<Pair> {
    let from = resolve_object(state, auth.portal, from).await?;
    let to = resolve_object(state, auth.portal, to).await?;
    if write {
        auth.require(from.write_scopes())?;
    } else {
        auth.require(from.read_scopes())?;
    }
    auth.require(to.read_scopes())?;
    let catalog = portal_catalog(state, auth).await?;
    if catalog.types_between(from, to).is_empty() {
        return Err(ApiError::validation(format!(
            "{from} and {to} cannot be associated"
        )));
    }
    Ok(Pair { from, to, catalog })
}

/// The portal's association types, read from the store: a portal may have custom labels
/// between any two object types, standard ones included.
async fn portal_catalog(state: &AppState, auth: &Auth) -> ApiResult<AssociationCatalog> {
    catalog_if(state, auth, true).await
}

fn id_of(text: &str) -> ApiResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::validation(format!("{text:?} is not a valid record id")))
}

/// Parses a body id as a record id.
fn body_id(id: &IdText) -> ApiResult<i64> {
    id_of(&id.text())
}

#[derive(Deserialize)]
struct ObjectId {
    id: IdText,
}

impl ObjectId {
    fn id_value(&self) -> ApiResult<i64> {
        body_id(&self.id)
    }
}

/// A batch read's input: a record, and where its previous page of associations ended.
#[derive(Deserialize)]
struct FetchInput {
    id: IdText,
    #[serde(default)]
    after: Option<IdText>,
}

impl FetchInput {
    fn cursor(&self) -> ApiResult<(i64, i64)> {
        let after = match &self.after {
            None => 0,
            Some(after) => {
                let text = after.text();
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| {
                        ApiError::validation(format!("{text:?} is not a valid paging cursor"))
                    })?
            }
        };
        Ok((body_id(&self.id)?, after))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    #[serde(default)]
    association_category: Option<String>,
    association_type_id: i64,
}

#[derive(Deserialize)]
struct Inputs<T> {
    inputs: Vec<T>,
}

#[derive(Deserialize)]
struct CreateInput {
    from: ObjectId,
    to: ObjectId,
    #[serde(default)]
    types: Vec<Spec>,
}

#[derive(Deserialize)]
struct PairInput {
    from: ObjectId,
    to: ObjectId,
}

#[derive(Deserialize)]
struct ArchiveInput {
    from: ObjectId,
    to: Vec<ObjectId>,
}

/// Checks every spec names a type of this pair; unknown types fail the request.
fn resolve_specs(
    catalog: &AssociationCatalog,
    from: ObjectType,
    to: ObjectType,
    specs: &[Spec],
) -> ApiResult<Vec<AssociationType>> {
    if specs.is_empty() {
        return Err(ApiError::validation(
            "Each input needs at least one association type",
        ));
    }
    specs
        .iter()
        .map(|s| {
            let found = catalog
                .find_type(from, to, s.association_type_id)
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "associationTypeId {} is not a type from {from} to {to}",
                        s.association_type_id
                    ))
                })?;
            match &s.association_category {
                Some(c) if Category::parse(c) != Some(found.category) => {
                    Err(ApiError::validation(format!(
                        "associationTypeId {} is a {} type, not {c}",
                        found.type_id,
                        found.category.as_str()
                    )))
                }
                _ => Ok(found),
            }
        })
        .collect()
}

/// A batch answer; `times` are when the request started and completed.
pub(super) fn batch_body(
    results: Vec<Json_>,
    errors: Vec<Json_>,
    times: (i64, i64),
) -> (bool, Json_) {
    let (started, completed) = times;
    let mut body = json!({
        "status": "COMPLETE", "results": results,
        "startedAt": format_datetime(started), "completedAt": format_datetime(completed),
    });
    let partial = !errors.is_empty();
    if partial {
        body["numErrors"] = json!(errors.len());
        body["errors"] = Json_::Array(errors);
    }
    (partial, body)
}

fn missing_error(ids: &[i64]) -> Json_ {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    json!({"status": "error", "category": "OBJECT_NOT_FOUND",
           "message": "One or more records do not exist in this portal", "context": {"ids": ids},
           "links": {}, "errors": []})
}

/// Creates edges of the given types and answers with each pair's labels.
async fn create_edges(
    state: &AppState,
    auth: &Auth,
    from: ObjectType,
    to: ObjectType,
    pairs: Vec<(i64, i64, Vec<AssociationType>)>,
) -> ApiResult<(Vec<Json_>, Vec<EdgeRefusal>)> {
    let mut edges = Vec::new();
    let mut owners = Vec::new();
    for (index, (a, b, types)) in pairs.iter().enumerate() {
        for t in types {
            edges.push(Edge {
                from_id: *a,
                to_id: *b,
                type_id: t.type_id,
                inverse_id: t.inverse_id,
            });
            owners.push(index);
        }
    }
    let outcomes = state
        .store
        .associations
        .associate(auth.portal, from, to, edges, state.clock.now_ms())
        .await?;
    let mut failed: Vec<Option<EdgeRefusal>> = vec![None; pairs.len()];
    for (index, outcome) in owners.into_iter().zip(outcomes) {
        if let Err(refusal) = outcome {
            failed[index].get_or_insert(refusal);
        }
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for ((a, b, types), failure) in pairs.iter().zip(failed) {
        match failure {
            Some(refusal) => errors.push(refusal),
            None => results.push(json!({
                // HubSpot's LabelsBetweenObjectPair types both ids as strings.
                "fromObjectTypeId": from.type_id(), "fromObjectId": a.to_string(),
                "toObjectTypeId": to.type_id(), "toObjectId": b.to_string(),
                "labels": types.iter().filter_map(|t| t.label.as_deref()).collect::<Vec<_>>(),
            })),
        }
    }
    Ok((results, errors))
}

/// A refused edge as an entry of a batch answer's `errors[]`.
fn refusal_json(refusal: &EdgeRefusal) -> Json_ {
    match refusal {
        EdgeRefusal::Missing(ids) => missing_error(ids),
        EdgeRefusal::OverLimit { record_id, limit } => {
            json!({"status": "error", "category": "VALIDATION_ERROR",
                   "message": over_limit_message(*record_id, limit),
                   "context": {"fromObjectId": [record_id.to_string()],
                               "associationTypeId": [limit.type_id.to_string()]},
                   "links": {}, "errors": []})
        }
    }
}

fn over_limit_message(record_id: i64, limit: &AssociationLimit) -> String {
    format!(
        "Record {record_id} already has the {} associations to {} of type {} that this portal allows",
        limit.max_to_object_ids, limit.to, limit.type_id
    )
}

/// A refused edge of a single-pair request as its error: 404 for missing records, 400 for
/// an association limit.
fn refusal_error(refusal: &EdgeRefusal) -> ApiError {
    match refusal {
        EdgeRefusal::Missing(ids) => ApiError::not_found(format!(
            "Record {} does not exist",
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        EdgeRefusal::OverLimit { record_id, limit } => {
            ApiError::validation(over_limit_message(*record_id, limit))
        }
    }
}

async fn batch(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Body(body): Body,
) -> ApiResult<Response> {
    let started = state.clock.now_ms();
    // Each operation has its own route; the path names it.
    match last_segment(&uri) {
        "create" => {
            let pair = pair(&state, &auth, &from, &to, true).await?;
            batch_create(&state, &auth, pair, &body, started).await
        }
        "read" => {
            let pair = pair(&state, &auth, &from, &to, false).await?;
            batch_read(&state, &auth, pair, &body, started).await
        }
        "archive" => {
            let Pair { from, to, .. } = pair(&state, &auth, &from, &to, true).await?;
            let input: Inputs<ArchiveInput> = parse_json(&body)?;
            let mut pairs = Vec::new();
            for i in &input.inputs {
                let a = i.from.id_value()?;
                for t in &i.to {
                    pairs.push((a, t.id_value()?));
                }
            }
            state
                .store
                .associations
                .dissociate(auth.portal, from, to, pairs, None)
                .await?;
            Ok(archive_answer(uri.path(), (started, state.clock.now_ms())))
        }
        other => Err(ApiError::not_found(format!(
            "Unknown association batch operation {other:?}"
        ))),
    }
}

/// `batch/create`: 201 with the edges made, 207 when some inputs named missing records.
async fn batch_create(
    state: &AppState,
    auth: &Auth,
    Pair { from, to, catalog }: Pair,
    body: &[u8],
    started: i64,
) -> ApiResult<Response> {
    let input: Inputs<CreateInput> = parse_json(body)?;
    check_size(input.inputs.len(), MAX_BATCH_CREATE)?;
    let mut pairs = Vec::new();
    for i in &input.inputs {
        pairs.push((
            i.from.id_value()?,
            i.to.id_value()?,
            resolve_specs(&catalog, from, to, &i.types)?,
        ));
    }
    let (results, refused) = create_edges(state, auth, from, to, pairs).await?;
    let errors = refused.iter().map(refusal_json).collect();
    let (partial, body) = batch_body(results, errors, (started, state.clock.now_ms()));
    let status = if partial {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(body)).into_response())
}

/// `batch/read`: each record's edges grouped by target, 207 naming records without any.
async fn batch_read(
    state: &AppState,
    auth: &Auth,
    Pair { from, to, catalog }: Pair,
    body: &[u8],
    started: i64,
) -> ApiResult<Response> {
    let input: Inputs<FetchInput> = parse_json(body)?;
    check_size(input.inputs.len(), MAX_BATCH_READ)?;
    let cursors = input
        .inputs
        .iter()
        .map(FetchInput::cursor)
        .collect::<ApiResult<Vec<_>>>()?;
    let ids = cursors.iter().map(|(id, _)| *id).collect();
    let edges = state
        .store
        .associations
        .read_associations(auth.portal, from, to, ids)
        .await?;
    let mut results = Vec::new();
    let mut without = Vec::new();
    for (id, after) in cursors {
        let of_record = edges.iter().filter(|e| e.0 == id && e.1 > after);
        let mut to_list = grouped(&catalog, from, to, of_record);
        if to_list.is_empty() {
            without.push(id);
            continue;
        }
        // At most a page of associated records per record, as HubSpot pages them.
        let mut result = json!({"from": {"id": id.to_string()}});
        if to_list.len() > PAGE {
            to_list.truncate(PAGE);
            let last = to_list[PAGE - 1]["toObjectId"].to_string();
            result["paging"] = json!({"next": {"after": last}});
        }
        result["to"] = Json_::Array(to_list);
        results.push(result);
    }
    let errors = if without.is_empty() {
        Vec::new()
    } else {
        vec![missing_error(&without)]
    };
    let (partial, body) = batch_body(results, errors, (started, state.clock.now_ms()));
    let status = if partial {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::OK
    };
    Ok((status, Json(body)).into_response())
}

fn check_size(count: usize, max: usize) -> ApiResult<()> {
    if count > max {
        return Err(ApiError::validation(format!(
            "Batch has {count} inputs; at most {max} are allowed per request"
        )));
    }
    Ok(())
}

/// v4 answers batch archives with 204; the date-versioned API with a 200 batch response.
fn archive_answer(path: &str, times: (i64, i64)) -> Response {
    if path.starts_with("/crm/v4/") {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::OK,
            Json(batch_body(Vec::new(), Vec::new(), times).1),
        )
            .into_response()
    }
}

/// Groups `(from, to, type)` edges of one record into `[{toObjectId, associationTypes}]`.
fn grouped<'a>(
    catalog: &AssociationCatalog,
    from: ObjectType,
    to: ObjectType,
    edges: impl Iterator<Item = &'a (i64, i64, i64)>,
) -> Vec<Json_> {
    let mut out: Vec<(i64, Vec<Json_>)> = Vec::new();
    for &(_, to_id, type_id) in edges {
        let spec = catalog
            .find_type(from, to, type_id)
            .map(|t| spec_json(&t))
            .unwrap_or_else(
                || json!({"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": null}),
            );
        match out.last_mut() {
            Some((id, types)) if *id == to_id => types.push(spec),
            _ => out.push((to_id, vec![spec])),
        }
    }
    out.into_iter()
        .map(|(id, types)| json!({"toObjectId": id, "associationTypes": types}))
        .collect()
}

async fn batch_default(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<Response> {
    let started = state.clock.now_ms();
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, true).await?;
    let input: Inputs<PairInput> = parse_json(&body)?;
    check_size(input.inputs.len(), MAX_BATCH_CREATE)?;
    let default = catalog
        .default_type(from, to)
        .ok_or_else(|| ApiError::validation("no default type"))?;
    let mut pairs = Vec::new();
    for i in &input.inputs {
        pairs.push((i.from.id_value()?, i.to.id_value()?, vec![default.clone()]));
    }
    let (created, refused) = create_edges(&state, &auth, from, to, pairs).await?;
    let errors = refused.iter().map(refusal_json).collect();
    let results = created
        .iter()
        .map(|r| {
            json!({"from": {"id": r["fromObjectId"].clone()}, "to": {"id": r["toObjectId"].clone()},
                   "associationSpec": association_spec(&default)})
        })
        .collect();
    let (_, body) = batch_body(results, errors, (started, state.clock.now_ms()));
    Ok((StatusCode::OK, Json(body)).into_response())
}

async fn batch_labels_archive(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, to)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    Body(body): Body,
) -> ApiResult<Response> {
    let started = state.clock.now_ms();
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, true).await?;
    let input: Inputs<CreateInput> = parse_json(&body)?;
    for i in &input.inputs {
        let types = resolve_specs(&catalog, from, to, &i.types)?;
        let pairs = vec![(i.from.id_value()?, i.to.id_value()?)];
        let list: Vec<(i64, i64)> = types.iter().map(|t| (t.type_id, t.inverse_id)).collect();
        state
            .store
            .associations
            .dissociate(auth.portal, from, to, pairs, Some(list))
            .await?;
    }
    Ok(archive_answer(uri.path(), (started, state.clock.now_ms())))
}

async fn list_for_record(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, from_id, to)): Path<(String, String, String)>,
    next_page: NextPage,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, false).await?;
    let id = id_of(&from_id)?;
    let query = QueryParams::parse(raw.as_deref());
    let limit = query
        .number::<usize>("limit")?
        .unwrap_or(PAGE)
        .clamp(1, PAGE);
    let after = query.id_cursor()?;
    let edges = state
        .store
        .associations
        .read_associations(auth.portal, from, to, vec![id])
        .await?;
    let all = grouped(&catalog, from, to, edges.iter().filter(|e| e.1 > after));
    let page: Vec<Json_> = all.iter().take(limit).cloned().collect();
    let mut body = json!({ "results": page });
    if all.len() > limit
        && let Some(last) = page.last()
    {
        let next = last["toObjectId"].to_string();
        body["paging"] = json!({"next": next_page.json(&next)});
    }
    Ok(Json(body))
}

async fn put_default(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> ApiResult<Json<Json_>> {
    let started = state.clock.now_ms();
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, true).await?;
    let default = catalog
        .default_type(from, to)
        .ok_or_else(|| ApiError::validation("no default type"))?;
    let (a, b) = (id_of(&from_id)?, id_of(&to_id)?);
    let (created, refused) =
        create_edges(&state, &auth, from, to, vec![(a, b, vec![default.clone()])]).await?;
    if let Some(refusal) = refused.first() {
        return Err(refusal_error(refusal));
    }
    if created.is_empty() {
        return Err(ApiError::not_found(format!(
            "Record {a} or {b} does not exist"
        )));
    }
    let result = json!({"from": {"id": a.to_string()}, "to": {"id": b.to_string()},
                        "associationSpec": association_spec(&default)});
    Ok(Json(
        batch_body(vec![result], Vec::new(), (started, state.clock.now_ms())).1,
    ))
}

async fn put_typed(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let Pair { from, to, catalog } = pair(&state, &auth, &from, &to, true).await?;
    let (a, b) = (id_of(&from_id)?, id_of(&to_id)?);
    let specs: Vec<Spec> = parse_json(&body)?;
    let types = resolve_specs(&catalog, from, to, &specs)?;
    let (mut created, refused) = create_edges(&state, &auth, from, to, vec![(a, b, types)]).await?;
    if let Some(refusal) = refused.first() {
        return Err(refusal_error(refusal));
    }
    match created.pop() {
        Some(result) => Ok((StatusCode::CREATED, Json(result))),
        None => Err(ApiError::not_found(format!(
            "Record {a} or {b} does not exist"
        ))),
    }
}

async fn delete_pair(
    State(state): State<AppState>,
    auth: Auth,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let Pair { from, to, .. } = pair(&state, &auth, &from, &to, true).await?;
    let pairs = vec![(id_of(&from_id)?, id_of(&to_id)?)];
    state
        .store
        .associations
        .dissociate(auth.portal, from, to, pairs, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds each record's `associations` map for the object types named in `associations=`:
/// `{"companies": {"results": [{"id": "…", "type": "contact_to_company"}]}}`, one entry per
/// association type, as HubSpot's record reads show them.
pub async fn attach_to_records(
    state: &AppState,
    auth: &Auth,
    from: ObjectType,
    records: &mut [Json_],
    requested: Option<Vec<String>>,
) -> ApiResult<()> {
    let Some(names) = requested.filter(|n| !n.is_empty()) else {
        return Ok(());
    };
    let ids: Vec<i64> = records
        .iter()
        .filter_map(|r| r["id"].as_str()?.parse().ok())
        .collect();
    for name in names {
        let to = resolve_object(state, auth.portal, &name).await?;
        auth.require(to.read_scopes())?;
        let catalog = portal_catalog(state, auth).await?;
        let key = response_key(state, auth, to).await?;
        let edges = state
            .store
            .associations
            .read_associations(auth.portal, from, to, ids.clone())
            .await?;
        for record in records.iter_mut() {
            let Some(id) = record["id"].as_str().and_then(|s| s.parse::<i64>().ok()) else {
                continue;
            };
            let results: Vec<Json_> = edges
                .iter()
                .filter(|e| e.0 == id)
                .map(|&(_, to_id, type_id)| {
                    let kind = catalog
                        .find_type(from, to, type_id)
                        .map(|t| catalog.type_name(&t))
                        .unwrap_or_else(|| type_id.to_string());
                    json!({"id": to_id.to_string(), "type": kind})
                })
                .collect();
            if !results.is_empty() {
                record["associations"][key.as_str()] = json!({ "results": results });
            }
        }
    }
    Ok(())
}

/// The key a record read lists associated records under: the plural name of a standard
/// type, a custom object's fully qualified name.
async fn response_key(state: &AppState, auth: &Auth, object: ObjectType) -> ApiResult<String> {
    if !object.is_custom() {
        return Ok(object.plural().into_owned());
    }
    let schema = state
        .store
        .schemas
        .object_schema(auth.portal, object)
        .await?;
    Ok(schema.custom.as_ref().map_or_else(
        || object.type_id().into_owned(),
        |c| c.fully_qualified_name.clone(),
    ))
}

#[derive(Deserialize)]
struct InlineAssociation {
    to: ObjectId,
    types: Vec<Spec>,
}

/// The portal's association types, read from the store only when `wanted` (a custom object
/// may be involved); otherwise HubSpot's built-in ones.
pub async fn catalog_if(
    state: &AppState,
    auth: &Auth,
    wanted: bool,
) -> ApiResult<AssociationCatalog> {
    if wanted {
        Ok(state
            .store
            .custom_objects
            .association_catalog(auth.portal)
            .await?)
    } else {
        Ok(AssociationCatalog::standard())
    }
}

/// Parses the `associations` of a record create: each names a target record and type ids;
/// the target object type follows from the type id, as in HubSpot's API.
pub fn inline_edges(
    auth: &Auth,
    catalog: &AssociationCatalog,
    from: ObjectType,
    raw: &[Json_],
) -> ApiResult<Vec<NewEdge>> {
    let mut edges = Vec::new();
    for (index, item) in raw.iter().enumerate() {
        let parsed: InlineAssociation = serde_json::from_value(item.clone()).map_err(|e| {
            ApiError::validation(format!(
                "Invalid input JSON: field `associations[{index}]`: {e}"
            ))
        })?;
        let to_id = parsed.to.id_value()?;
        if parsed.types.is_empty() {
            return Err(ApiError::validation(format!(
                "associations[{index}] needs at least one type"
            )));
        }
        for spec in &parsed.types {
            let found = catalog
                .find_from(from, spec.association_type_id)
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "associationTypeId {} is not a type from {from}",
                        spec.association_type_id
                    ))
                })?;
            auth.require(found.to.read_scopes())?;
            edges.push(NewEdge {
                to: found.to,
                to_id,
                type_id: found.type_id,
                inverse_id: found.inverse_id,
            });
        }
    }
    Ok(edges)
}
