//! Changing and archiving property definitions and groups, on both properties families:
//! `PATCH …/{objectType}/{propertyName}` (a partial update by HubSpot's rules: a HubSpot
//! default property keeps its type and field type, a read-only definition changes not at
//! all), `DELETE …/{propertyName}` and `POST …/batch/archive` (to the recycling bin; default
//! properties cannot be archived), and `PATCH`/`DELETE …/groups/{groupName}`. Writing needs
//! the object's `crm.schemas.<object>.write` scope.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value as Json_;

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, parse_json};
use super::properties::{OptionInput, group_json, options_from, property_json};
use super::{Access, AppState, object_schema};
use crate::domain::property::{PropertyDefinition, PropertyType};
use crate::domain::schema::ObjectSchema;

/// HubSpot's `PropertyUpdate`: every field optional, the given ones overwritten.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PropertyUpdate {
    label: Option<String>,
    #[serde(rename = "type")]
    property_type: Option<String>,
    field_type: Option<String>,
    group_name: Option<String>,
    description: Option<String>,
    options: Option<Vec<OptionInput>>,
    display_order: Option<i32>,
    hidden: Option<bool>,
    form_field: Option<bool>,
}

/// The live property `name`, or HubSpot's 404.
fn live<'s>(schema: &'s ObjectSchema, name: &str) -> ApiResult<&'s PropertyDefinition> {
    schema
        .property(name)
        .ok_or_else(|| ApiError::not_found(format!("Property {name} does not exist")))
}

/// The definition `update` makes of `current`, or every reason it cannot.
fn updated(
    schema: &ObjectSchema,
    current: &PropertyDefinition,
    update: PropertyUpdate,
    now: i64,
) -> ApiResult<PropertyDefinition> {
    let name = &current.name;
    if current.read_only_definition {
        return Err(ApiError::validation(format!(
            "Property {name} has a read-only definition and cannot be changed"
        )));
    }
    let mut problems = Vec::new();
    let mut next = current.clone();
    retype(
        current,
        &mut next,
        update.property_type,
        update.field_type,
        &mut problems,
    );
    if let Some(label) = update.label {
        if label.trim().is_empty() {
            problems.push("Property label must not be empty".to_string());
        }
        next.label = label;
    }
    if let Some(group) = update.group_name {
        if !schema.groups.iter().any(|g| g.name == group) {
            problems.push(format!("Property group {group:?} does not exist"));
        }
        next.group_name = group;
    }
    if let Some(options) = update.options {
        match options_from(options) {
            Ok(options) => next.options = options,
            Err(mut more) => problems.append(&mut more),
        }
    }
    if next.property_type == PropertyType::Enumeration && next.options.is_empty() {
        problems.push("An enumeration property needs at least one option".to_string());
    }
    next.description = update.description.unwrap_or(next.description);
    next.display_order = update.display_order.unwrap_or(next.display_order);
    next.hidden = update.hidden.unwrap_or(next.hidden);
    next.form_field = update.form_field.unwrap_or(next.form_field);
    next.updated_at = Some(now);
    if problems.is_empty() {
        Ok(next)
    } else {
        Err(ApiError::validation_list(problems))
    }
}

/// Applies a new `type` and `fieldType` to `next`, noting why they cannot apply.
fn retype(
    current: &PropertyDefinition,
    next: &mut PropertyDefinition,
    property_type: Option<String>,
    field_type: Option<String>,
    problems: &mut Vec<String>,
) {
    let name = &current.name;
    if let Some(text) = property_type {
        match PropertyType::parse(&text) {
            None => problems.push(format!(
                "Property type {text:?} is not one of bool, date, datetime, enumeration, number, phone_number, string"
            )),
            Some(t) if t != current.property_type && current.hubspot_defined => problems.push(
                format!("{name} is a HubSpot default property; its type cannot be changed"),
            ),
            Some(t) if !current.property_type.can_become(t) => problems.push(format!(
                "Property {name} cannot change from {:?} to {text:?}: its stored values would not fit",
                current.property_type
            )),
            Some(t) => next.property_type = t,
        }
    }
    if let Some(field_type) = field_type {
        if current.hubspot_defined && field_type != current.field_type {
            problems.push(format!(
                "{name} is a HubSpot default property; its fieldType cannot be changed"
            ));
        }
        next.field_type = field_type;
    }
    if !next
        .property_type
        .valid_field_types()
        .contains(&next.field_type.as_str())
    {
        problems.push(format!(
            "fieldType {:?} is not valid for type {:?}; use one of {}",
            next.field_type,
            next.property_type,
            next.property_type.valid_field_types().join(", ")
        ));
    }
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, name)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
    let input: PropertyUpdate = parse_json(&body)?;
    let next = updated(&schema, live(&schema, &name)?, input, state.clock.now_ms())?;
    let mut saved = state
        .store
        .schemas
        .update_properties(auth.portal, schema.object, vec![next])
        .await?;
    Ok(Json(property_json(&saved.remove(0), None)))
}

/// The definitions of `names` archived at `now`; names that are unknown or already
/// archived are skipped (HubSpot's batch archive answers 204 for them), default
/// properties refused.
fn archived(
    schema: &ObjectSchema,
    names: &[String],
    now: i64,
) -> ApiResult<Vec<PropertyDefinition>> {
    let mut out: Vec<PropertyDefinition> = Vec::new();
    for name in names {
        let Some(p) = schema.property(name) else {
            continue;
        };
        if p.hubspot_defined {
            return Err(ApiError::validation(format!(
                "{name} is a HubSpot default property and cannot be archived"
            ))
            .with_context("propertyName", vec![name.clone()]));
        }
        if out.iter().any(|o| o.name == *name) {
            continue;
        }
        let mut p = p.clone();
        p.archived_at = Some(now);
        p.updated_at = Some(now);
        out.push(p);
    }
    Ok(out)
}

async fn archive_named(
    state: &AppState,
    schema: &ObjectSchema,
    auth: &Auth,
    names: &[String],
) -> ApiResult<()> {
    let definitions = archived(schema, names, state.clock.now_ms())?;
    if !definitions.is_empty() {
        state
            .store
            .schemas
            .update_properties(auth.portal, schema.object, definitions)
            .await?;
    }
    Ok(())
}

pub async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
    live(&schema, &name)?;
    archive_named(&state, &schema, &auth, &[name]).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Inputs {
    inputs: Vec<NameInput>,
}

#[derive(Deserialize)]
struct NameInput {
    name: String,
}

pub async fn batch_archive(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
    let input: Inputs = parse_json(&body)?;
    let limit = state.config.batch_limit;
    if input.inputs.len() > limit {
        return Err(ApiError::validation(format!(
            "Batch has {} inputs; at most {limit} are allowed per request",
            input.inputs.len()
        )));
    }
    let names: Vec<String> = input.inputs.into_iter().map(|i| i.name).collect();
    archive_named(&state, &schema, &auth, &names).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// HubSpot's `PropertyGroupUpdate`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupUpdate {
    label: Option<String>,
    display_order: Option<i32>,
}

fn live_group<'s>(
    schema: &'s ObjectSchema,
    name: &str,
) -> ApiResult<&'s crate::domain::property::PropertyGroup> {
    schema
        .groups
        .iter()
        .find(|g| g.name == name)
        .ok_or_else(|| ApiError::not_found(format!("Property group {name} does not exist")))
}

pub async fn update_group(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, name)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
    let input: GroupUpdate = parse_json(&body)?;
    let mut group = live_group(&schema, &name)?.clone();
    if let Some(label) = input.label {
        if label.trim().is_empty() {
            return Err(ApiError::validation("Group label must not be empty"));
        }
        group.label = label;
    }
    group.display_order = input.display_order.unwrap_or(group.display_order);
    let saved = state
        .store
        .schemas
        .update_property_group(auth.portal, schema.object, group)
        .await?;
    Ok(Json(group_json(&saved)))
}

/// Archives a group that holds no live property (move or archive them first).
pub async fn archive_group(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let schema = object_schema(&state, &auth, &object_type, Access::SchemaWrite).await?;
    let mut group = live_group(&schema, &name)?.clone();
    let held = schema
        .properties
        .iter()
        .filter(|p| p.group_name == name)
        .count();
    if held > 0 {
        return Err(ApiError::validation(format!(
            "Property group {name} still holds {held} properties; move or archive them first"
        )));
    }
    group.archived = true;
    state
        .store
        .schemas
        .update_property_group(auth.portal, schema.object, group)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
