//! The properties API under `/crm/v3/properties/{objectType}` and
//! `/crm/properties/2026-03/{objectType}`: list and read definitions (labels in `locale`),
//! create custom properties (one or a batch) with HubSpot's type/fieldType rules, and read
//! or create property groups. Updating and archiving them is in `property_changes`.

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, QueryParams, last_segment, parse_json};
use super::{Access, AppState, object_schema};
use crate::domain::property::{
    PropertyDefinition, PropertyGroup, PropertyOption, PropertyType, is_valid_property_name,
};
use crate::domain::schema::ObjectSchema;
use crate::domain::time::format_datetime;
use crate::store::StoreError;

/// HubSpot's `Property` JSON, with the label in `language` when a translation exists.
pub fn property_json(p: &PropertyDefinition, language: Option<&str>) -> Json_ {
    let options: Vec<Json_> = p
        .options
        .iter()
        .map(|o| json!({"label": o.label, "value": o.value, "displayOrder": o.display_order, "hidden": o.hidden}))
        .collect();
    let mut body = json!({
        "name": p.name,
        "label": language.map_or(p.label.as_str(), |l| p.label_in(l)),
        "type": p.property_type,
        "fieldType": p.field_type,
        "groupName": p.group_name,
        "description": p.description,
        "options": options,
        "displayOrder": p.display_order,
        "hidden": p.hidden,
        "formField": p.form_field,
        "calculated": p.calculated,
        "externalOptions": p.external_options,
        "hasUniqueValue": p.has_unique_value,
        "hubspotDefined": p.hubspot_defined,
        "archived": p.is_archived(),
        "modificationMetadata": {
            "archivable": !p.hubspot_defined,
            "readOnlyDefinition": p.read_only_definition,
            "readOnlyValue": p.read_only_value,
        },
    });
    if let Some(r) = &p.referenced_object_type {
        body["referencedObjectType"] = json!(r);
    }
    if let Some(t) = p.created_at {
        body["createdAt"] = json!(format_datetime(t));
    }
    if let Some(t) = p.updated_at {
        body["updatedAt"] = json!(format_datetime(t));
    }
    if let Some(t) = p.archived_at {
        body["archivedAt"] = json!(format_datetime(t));
    }
    body
}

pub(super) fn group_json(g: &PropertyGroup) -> Json_ {
    json!({"name": g.name, "label": g.label, "displayOrder": g.display_order, "archived": g.archived})
}

fn language(query: &QueryParams) -> Option<String> {
    query
        .get("locale")
        .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaRead).await?;
    let query = QueryParams::parse(raw.as_deref());
    let lang = language(&query);
    // `archived=true` lists the recycling bin instead of the live properties.
    let shown = if query.bool("archived")? {
        &schema.archived_properties
    } else {
        &schema.properties
    };
    let wanted = query.list("properties");
    let results: Vec<Json_> = shown
        .iter()
        .filter(|p| wanted.as_ref().is_none_or(|w| w.contains(&p.name)))
        .map(|p| property_json(p, lang.as_deref()))
        .collect();
    Ok(Json(json!({ "results": results })))
}

pub async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaRead).await?;
    let query = QueryParams::parse(raw.as_deref());
    let property = if query.bool("archived")? {
        schema.archived_property(&name)
    } else {
        schema.property(&name)
    };
    let property =
        property.ok_or_else(|| ApiError::not_found(format!("Property {name} does not exist")))?;
    Ok(Json(property_json(property, language(&query).as_deref())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PropertyCreate {
    name: String,
    label: String,
    #[serde(rename = "type")]
    property_type: String,
    field_type: String,
    group_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    options: Vec<OptionInput>,
    #[serde(default)]
    display_order: Option<i32>,
    #[serde(default)]
    has_unique_value: bool,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    form_field: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OptionInput {
    label: String,
    value: String,
    #[serde(default)]
    display_order: Option<i32>,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    description: Option<String>,
}

/// A property's options from a request, in order (a missing `displayOrder` is the
/// position); every option needs a label and a value, and values must differ.
pub(super) fn options_from(inputs: Vec<OptionInput>) -> Result<Vec<PropertyOption>, Vec<String>> {
    let mut problems = Vec::new();
    let mut seen: Vec<&String> = Vec::new();
    for o in &inputs {
        if o.value.is_empty() || o.label.is_empty() {
            problems.push("Every option needs a label and a value".to_string());
        } else if seen.contains(&&o.value) {
            problems.push(format!("Option value {:?} appears twice", o.value));
        }
        seen.push(&o.value);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(inputs
        .into_iter()
        .enumerate()
        .map(|(i, o)| PropertyOption {
            label: o.label,
            value: o.value,
            display_order: o.display_order.unwrap_or(i as i32),
            hidden: o.hidden,
            description: o.description,
            translations: Default::default(),
        })
        .collect())
}

/// Checks a create request against HubSpot's rules; every problem is reported.
pub(super) fn definition_from(input: PropertyCreate, now: i64) -> ApiResult<PropertyDefinition> {
    let mut problems = Vec::new();
    if !is_valid_property_name(&input.name) {
        problems.push(format!(
            "Property name {:?} must start with a lower-case letter and hold only lower-case letters, digits and underscores (at most 100)",
            input.name
        ));
    }
    if input.label.trim().is_empty() {
        problems.push("Property label must not be empty".to_string());
    }
    let property_type = PropertyType::parse(&input.property_type);
    match property_type {
        None => problems.push(format!(
            "Property type {:?} is not one of bool, date, datetime, enumeration, number, phone_number, string",
            input.property_type
        )),
        Some(t) if !t.valid_field_types().contains(&input.field_type.as_str()) => problems.push(format!(
            "fieldType {:?} is not valid for type {:?}; use one of {}",
            input.field_type,
            input.property_type,
            t.valid_field_types().join(", ")
        )),
        Some(PropertyType::Enumeration) if input.options.is_empty() => {
            problems.push("An enumeration property needs at least one option".to_string())
        }
        Some(t) if input.has_unique_value && !matches!(t, PropertyType::String | PropertyType::Number) => {
            problems.push("Only string and number properties can have unique values".to_string())
        }
        Some(_) => {}
    }
    let options = options_from(input.options).unwrap_or_else(|mut more| {
        problems.append(&mut more);
        Vec::new()
    });
    let Some(property_type) = property_type.filter(|_| problems.is_empty()) else {
        return Err(ApiError::validation_list(problems));
    };
    Ok(PropertyDefinition {
        description: input.description,
        display_order: input.display_order.unwrap_or(-1),
        has_unique_value: input.has_unique_value,
        hidden: input.hidden,
        form_field: input.form_field,
        options,
        ..PropertyDefinition::custom(
            input.name,
            input.label,
            property_type,
            input.field_type,
            input.group_name,
            now,
        )
    })
}

async fn create_one(
    state: &AppState,
    auth: &Auth,
    schema: &ObjectSchema,
    input: PropertyCreate,
) -> ApiResult<Json_> {
    let definition = definition_from(input, state.clock.now_ms())?;
    let created = state
        .store
        .schemas
        .create_property(auth.portal, schema.object, definition)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(what) => ApiError::validation(format!("{what} does not exist")),
            other => other.into(),
        })?;
    Ok(property_json(&created, None))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
    let input: PropertyCreate = parse_json(&body)?;
    let created = create_one(&state, &auth, &schema, input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize)]
struct Inputs<T> {
    inputs: Vec<T>,
}

#[derive(Deserialize)]
struct NameInput {
    name: String,
}

pub async fn batch(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let started = format_datetime(state.clock.now_ms());
    let respond = |status, results: Vec<Json_>| {
        (
            status,
            Json(
                json!({"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": format_datetime(state.clock.now_ms())}),
            ),
        )
    };
    // Each operation has its own route; the path names it.
    match last_segment(&uri) {
        "create" => {
            let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
            let input: Inputs<PropertyCreate> = parse_json(&body)?;
            let mut results = Vec::new();
            for p in input.inputs {
                results.push(create_one(&state, &auth, &schema, p).await?);
            }
            Ok(respond(StatusCode::CREATED, results))
        }
        "read" => {
            let schema = object_schema(&state, &auth, &object_type, Access::SchemaRead).await?;
            let input: Inputs<NameInput> = parse_json(&body)?;
            let lang = language(&QueryParams::parse(raw.as_deref()));
            let results = input
                .inputs
                .iter()
                .filter_map(|n| schema.property(&n.name))
                .map(|p| property_json(p, lang.as_deref()))
                .collect();
            Ok(respond(StatusCode::OK, results))
        }
        other => Err(ApiError::not_found(format!(
            "Unknown property batch operation {other:?}; expected create or read"
        ))),
    }
}

pub async fn list_groups(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaRead).await?;
    let results: Vec<Json_> = schema.groups.iter().map(group_json).collect();
    Ok(Json(json!({ "results": results })))
}

pub async fn read_group(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, name)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaRead).await?;
    let group = schema
        .groups
        .iter()
        .find(|g| g.name == name)
        .ok_or_else(|| ApiError::not_found(format!("Property group {name} does not exist")))?;
    Ok(Json(group_json(group)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupCreate {
    name: String,
    label: String,
    #[serde(default)]
    display_order: Option<i32>,
}

pub async fn create_group(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
    let input: GroupCreate = parse_json(&body)?;
    if !is_valid_property_name(&input.name) || input.label.trim().is_empty() {
        return Err(ApiError::validation(format!(
            "Group name {:?} must be a lower-case identifier and the label must not be empty",
            input.name
        )));
    }
    let group = PropertyGroup {
        name: input.name,
        label: input.label,
        display_order: input.display_order.unwrap_or(-1),
        archived: false,
    };
    let created = state
        .store
        .schemas
        .create_property_group(auth.portal, schema.object, group)
        .await?;
    Ok((StatusCode::CREATED, Json(group_json(&created))))
}
