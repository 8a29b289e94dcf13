//! Batch endpoints: `batch/create|read|update|upsert|archive` with at most the configured
//! number of inputs (100 by default). A batch is atomic — one bad input fails it with 4xx
//! and nothing is stored — unless every input carries an `objectWriteTraceId`, HubSpot's
//! opt-in to multi-status: then good inputs are applied and bad ones come back in `errors[]`
//! with status 207. Batch reads answer 207 when some ids are missing.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult, ErrorDetail};
use super::extract::{Body, IdText, QueryParams, last_segment, parse_json};
use super::records::{CreateInput, write_failure_error};
use super::wire::{self, Nulls, RecordBody};
use super::{Access, AppState, object_schema};
use crate::domain::Record;
use crate::domain::schema::ObjectSchema;
use crate::domain::time::format_datetime;
use crate::store::{PropertyValues, RecordKey, Visibility, WriteFailure, WriteOp, Written};

#[derive(Deserialize)]
struct Inputs<T> {
    inputs: Vec<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyedInput {
    id: IdText,
    properties: BTreeMap<String, Json_>,
    #[serde(default)]
    id_property: Option<String>,
    #[serde(default)]
    object_write_trace_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReadInputs {
    inputs: Vec<IdOnly>,
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    id_property: Option<String>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: IdText,
}

pub async fn dispatch(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
    Body(body): Body,
) -> ApiResult<Response> {
    // Each operation has its own route (see `objects_router`); the path names it.
    let operation = last_segment(&uri);
    let access = if operation == "read" {
        Access::Read
    } else {
        Access::Write
    };
    let schema = object_schema(&state, &auth, &object_type, access).await?;
    let query = QueryParams::parse(raw.as_deref());
    let mut batch = Batch {
        state: &state,
        auth: &auth,
        schema: &schema,
        started_at: state.clock.now_ms(),
        owners: Default::default(),
    };
    match operation {
        "create" => {
            let inputs: Vec<CreateInput> = parse_inputs(&state, &body)?;
            batch.owners =
                wire::owners_for(&state, &auth, &schema, inputs.iter().map(|i| &i.properties))
                    .await?;
            batch.create(inputs).await
        }
        "update" | "upsert" => {
            let inputs: Vec<KeyedInput> = parse_inputs(&state, &body)?;
            batch.owners =
                wire::owners_for(&state, &auth, &schema, inputs.iter().map(|i| &i.properties))
                    .await?;
            batch.keyed(inputs, operation == "upsert").await
        }
        "read" => {
            let input: ReadInputs = parse_json(&body)?;
            check_size(&state, input.inputs.len())?;
            wire::check_property_count("properties", input.properties.len())?;
            batch.read(input, query.bool("archived")?).await
        }
        "archive" => {
            let input: Inputs<IdOnly> = parse_json(&body)?;
            check_size(&state, input.inputs.len())?;
            batch.archive(input.inputs).await
        }
        other => Err(ApiError::not_found(format!(
            "Unknown batch operation {other:?}; expected create, read, update, upsert or archive"
        ))),
    }
}

fn parse_inputs<T: serde::de::DeserializeOwned>(
    state: &AppState,
    body: &[u8],
) -> ApiResult<Vec<T>> {
    let parsed: Inputs<T> = parse_json(body)?;
    check_size(state, parsed.inputs.len())?;
    Ok(parsed.inputs)
}

fn check_size(state: &AppState, count: usize) -> ApiResult<()> {
    let max = state.config.batch_limit;
    if count > max {
        return Err(ApiError::validation(format!(
            "Batch has {count} inputs; at most {max} are allowed per request"
        ))
        .with_context("maxInputs", vec![max.to_string()]));
    }
    Ok(())
}

/// One input's failure, reported in a 207's `errors[]`.
struct InputError {
    error: ApiError,
    trace_id: Option<String>,
    ids: Vec<String>,
}

fn standard_error(e: &InputError) -> Json_ {
    let mut context = Map::new();
    if let Some(t) = &e.trace_id {
        context.insert("objectWriteTraceId".into(), json!([t]));
    }
    if !e.ids.is_empty() {
        context.insert("ids".into(), json!(e.ids));
    }
    let details: Vec<&ErrorDetail> = e.error.errors.iter().collect();
    json!({
        "status": "error",
        "category": e.error.category,
        "message": e.error.message,
        "context": context,
        "links": {},
        "errors": details,
    })
}

struct Batch<'a> {
    state: &'a AppState,
    auth: &'a Auth,
    schema: &'a Arc<ObjectSchema>,
    started_at: i64,
    /// Owner ids the inputs may name (loaded only if some input sets an owner).
    owners: std::collections::HashSet<String>,
}

/// A parsed write input: the op and its trace id.
struct PlannedWrite {
    op: WriteOp,
    trace_id: Option<String>,
}

/// A batch response: keys in the order a JSON map writes them (sorted), so it is
/// serialized straight from here with the same bytes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchBody<'s> {
    completed_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<Json_>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    num_errors: Option<usize>,
    results: Vec<RecordBody<'s>>,
    started_at: String,
    status: &'static str,
}

impl Batch<'_> {
    /// Reads back the written records that have a projection in `projections` (updates,
    /// and creates whose values may not read back as written) into `found`, by write index.
    /// One store read per distinct projection rather than one per record, since a batch
    /// usually sets the same properties on every input.
    async fn read_back(
        &self,
        projections: &[Option<Vec<String>>],
        outcomes: &[Result<Written, WriteFailure>],
        found: &mut [Option<Record>],
    ) -> ApiResult<()> {
        let mut pending: Vec<usize> = (0..projections.len())
            .filter(|&i| projections[i].is_some())
            .collect();
        while let Some(&first) = pending.first() {
            let projection = &projections[first];
            let (same, rest): (Vec<usize>, Vec<usize>) = pending
                .into_iter()
                .partition(|&i| projections[i] == *projection);
            pending = rest;
            let keys = same
                .iter()
                .filter_map(|&i| outcomes[i].as_ref().ok())
                .map(|w| RecordKey::Id(w.id))
                .collect();
            let records = self
                .state
                .store
                .records
                .read_records(
                    self.auth.portal,
                    self.schema.object,
                    keys,
                    projection.clone().unwrap_or_default(),
                    Visibility::Live,
                )
                .await?;
            for (i, record) in same.into_iter().zip(records) {
                found[i] = record;
            }
        }
        Ok(())
    }

    fn respond(
        &self,
        results: Vec<RecordBody<'_>>,
        errors: Vec<InputError>,
        success: StatusCode,
    ) -> Response {
        let mut body = BatchBody {
            completed_at: format_datetime(self.state.clock.now_ms()),
            errors: None,
            num_errors: None,
            results,
            started_at: format_datetime(self.started_at),
            status: "COMPLETE",
        };
        let status = if errors.is_empty() {
            success
        } else {
            body.num_errors = Some(errors.len());
            body.errors = Some(errors.iter().map(standard_error).collect());
            StatusCode::MULTI_STATUS
        };
        (status, Json(body)).into_response()
    }

    fn multi_status(trace_ids: impl Iterator<Item = Option<String>>) -> bool {
        let mut any = false;
        for t in trace_ids {
            if t.filter(|t| !t.is_empty()).is_none() {
                return false;
            }
            any = true;
        }
        any
    }

    async fn create(&self, inputs: Vec<CreateInput>) -> ApiResult<Response> {
        let multi = Self::multi_status(inputs.iter().map(|i| i.object_write_trace_id.clone()));
        let with_associations = inputs.iter().any(|i| !i.associations.is_empty());
        let catalog =
            super::associations::catalog_if(self.state, self.auth, with_associations).await?;
        let planned = inputs.into_iter().map(|input| {
            let trace_id = input.object_write_trace_id.clone();
            let plan = super::associations::inline_edges(
                self.auth,
                &catalog,
                self.schema.object,
                &input.associations,
            )
            .and_then(|edges| Ok((edges, self.parse_values(input.properties, true)?)))
            .map(|(edges, values)| PlannedWrite {
                op: WriteOp::Create(values, edges),
                trace_id: input.object_write_trace_id,
            });
            (trace_id, plan)
        });
        self.apply(planned.collect(), multi, false, StatusCode::CREATED)
            .await
    }

    async fn keyed(&self, inputs: Vec<KeyedInput>, upsert: bool) -> ApiResult<Response> {
        let multi = Self::multi_status(inputs.iter().map(|i| i.object_write_trace_id.clone()));
        let planned = inputs.into_iter().map(|input| {
            let trace_id = input.object_write_trace_id.clone();
            (trace_id, self.plan_keyed(input, upsert))
        });
        self.apply(planned.collect(), multi, upsert, StatusCode::OK)
            .await
    }

    fn plan_keyed(&self, input: KeyedInput, upsert: bool) -> ApiResult<PlannedWrite> {
        let key = wire::record_key(self.schema, &input.id.text(), input.id_property.as_deref())?;
        let mut raw = input.properties;
        // An upsert that creates sets its key property, so validate that value too.
        if upsert && let RecordKey::Unique { property, value } = &key {
            raw.entry(property.clone()).or_insert_with(|| json!(value));
        }
        let values = self.parse_values(raw, false)?;
        Ok(PlannedWrite {
            op: if upsert {
                WriteOp::Upsert(key, values)
            } else {
                WriteOp::Update(key, values)
            },
            trace_id: input.object_write_trace_id,
        })
    }

    fn parse_values(
        &self,
        raw: BTreeMap<String, Json_>,
        creating: bool,
    ) -> ApiResult<PropertyValues> {
        wire::parse_properties(self.schema, raw, &self.owners, creating)
            .map_err(|p| ApiError::invalid_properties(&p))
    }

    /// Writes the valid inputs; in atomic mode the first problem fails the whole batch.
    async fn apply(
        &self,
        planned: Vec<(Option<String>, ApiResult<PlannedWrite>)>,
        multi: bool,
        report_new: bool,
        success: StatusCode,
    ) -> ApiResult<Response> {
        let (writes, mut errors) = split_planned(planned, multi)?;
        let (ops, trace_ids): (Vec<WriteOp>, Vec<Option<String>>) =
            writes.into_iter().map(|w| (w.op, w.trace_id)).unzip();
        let mut ops: Arc<[WriteOp]> = ops.into();
        let now = self.state.clock.now_ms();
        let (portal, schema) = (self.auth.portal, self.schema.clone());
        let outcomes = self
            .state
            .store
            .records
            .write_records_with(portal, schema, ops.clone(), !multi, now)
            .await?;
        if !multi && let Some(Err(failure)) = outcomes.iter().find(|o| o.is_err()) {
            return Err(write_failure_error(self.schema, failure));
        }
        let mut records = self.records_written(&mut ops, &outcomes, now).await?;
        let mut results = Vec::new();
        for (i, (trace_id, outcome)) in trace_ids.into_iter().zip(outcomes).enumerate() {
            // A record archived by another request between the write and the read-back is
            // answered as if the archive came first: not found.
            let outcome = match (outcome, records[i].take()) {
                (Ok(written), Some(record)) => Ok((written, record)),
                (Ok(written), None) => Err(WriteFailure::NotFound(RecordKey::Id(written.id))),
                (Err(failure), _) => Err(failure),
            };
            match outcome {
                Err(failure) if !multi => return Err(write_failure_error(self.schema, &failure)),
                Ok((written, record)) => results.push(RecordBody {
                    record,
                    schema: self.schema,
                    nulls: Nulls::Omit,
                    new: report_new.then_some(written.created),
                }),
                Err(failure) => errors.push(self.failed_input(&failure, trace_id)),
            }
        }
        Ok(self.respond(results, errors, success))
    }

    /// The records the writes left, in input order: a created record answered from the
    /// values written, moved out of the ops now that the store is done with them; the rest
    /// read back.
    async fn records_written(
        &self,
        ops: &mut Arc<[WriteOp]>,
        outcomes: &[Result<Written, WriteFailure>],
        now: i64,
    ) -> ApiResult<Vec<Option<Record>>> {
        let mut copied;
        let ops: &mut [WriteOp] = match Arc::get_mut(ops) {
            Some(ops) => ops,
            None => {
                copied = ops.to_vec();
                &mut copied
            }
        };
        let mut records: Vec<Option<Record>> = vec![None; ops.len()];
        let mut projections: Vec<Option<Vec<String>>> = vec![None; ops.len()];
        for (i, (op, outcome)) in ops.iter_mut().zip(outcomes).enumerate() {
            match (op, outcome) {
                (WriteOp::Create(values, _), Ok(written))
                    if wire::reads_back_as_written(values) =>
                {
                    let values = std::mem::take(values);
                    records[i] = Some(wire::created_record(self.schema, written.id, now, values));
                }
                (
                    WriteOp::Create(values, _)
                    | WriteOp::Update(_, values)
                    | WriteOp::Upsert(_, values),
                    Ok(_),
                ) => projections[i] = Some(wire::write_projection(self.schema, values)),
                (_, Err(_)) => {}
            }
        }
        self.read_back(&projections, outcomes, &mut records).await?;
        Ok(records)
    }

    /// A failed input as `errors[]` shows it, with the ids it names.
    fn failed_input(&self, failure: &WriteFailure, trace_id: Option<String>) -> InputError {
        let ids = match failure {
            WriteFailure::NotFound(key) => vec![key.display()],
            WriteFailure::MissingAssociationTarget(id) => vec![id.to_string()],
            WriteFailure::OverAssociationLimit { record_id, .. } => {
                // 0 stands for the record the input would have created.
                [*record_id]
                    .iter()
                    .filter(|id| **id != 0)
                    .map(i64::to_string)
                    .collect()
            }
            WriteFailure::Duplicate { existing_id, .. } => vec![existing_id.to_string()],
        };
        InputError {
            error: write_failure_error(self.schema, failure),
            trace_id,
            ids,
        }
    }

    async fn read(&self, input: ReadInputs, archived: bool) -> ApiResult<Response> {
        let keys = input
            .inputs
            .iter()
            .map(|i| wire::record_key(self.schema, &i.id.text(), input.id_property.as_deref()))
            .collect::<ApiResult<Vec<_>>>()?;
        let projection = wire::read_projection(self.schema, Some(input.properties));
        let found = self
            .state
            .store
            .records
            .read_records(
                self.auth.portal,
                self.schema.object,
                keys.clone(),
                projection,
                Visibility::from_archived_flag(archived),
            )
            .await?;
        let mut results = Vec::new();
        let mut missing = Vec::new();
        for (key, record) in keys.iter().zip(found) {
            match record {
                Some(record) => results.push(RecordBody {
                    record,
                    schema: self.schema,
                    nulls: Nulls::Include,
                    new: None,
                }),
                None => missing.push(key.display()),
            }
        }
        let errors = if missing.is_empty() {
            Vec::new()
        } else {
            vec![InputError {
                error: ApiError::not_found(format!(
                    "Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.",
                    self.schema.object.singular().to_uppercase()
                )),
                trace_id: None,
                ids: missing,
            }]
        };
        Ok(self.respond(results, errors, StatusCode::OK))
    }

    async fn archive(&self, inputs: Vec<IdOnly>) -> ApiResult<Response> {
        let keys = inputs
            .iter()
            .map(|i| wire::record_key(self.schema, &i.id.text(), None))
            .collect::<ApiResult<Vec<_>>>()?;
        self.state
            .store
            .records
            .archive_records(
                self.auth.portal,
                self.schema.object,
                keys,
                self.state.clock.now_ms(),
            )
            .await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

/// The planned writes, and the inputs that failed to parse: reported in `errors[]` in
/// multi-status mode, failing the whole batch (named by index) otherwise.
fn split_planned(
    planned: Vec<(Option<String>, ApiResult<PlannedWrite>)>,
    multi: bool,
) -> ApiResult<(Vec<PlannedWrite>, Vec<InputError>)> {
    let mut errors = Vec::new();
    let mut writes = Vec::new();
    for (index, (trace_id, plan)) in planned.into_iter().enumerate() {
        match plan {
            Ok(w) => writes.push(w),
            Err(error) if multi => errors.push(InputError {
                error,
                trace_id,
                ids: Vec::new(),
            }),
            Err(mut error) => {
                error.message = format!("Input {index}: {}", error.message);
                return Err(error);
            }
        }
    }
    Ok((writes, errors))
}
