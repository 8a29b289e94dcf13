//! The schemas API for custom objects under `/crm-object-schemas/v3/schemas` and
//! `/crm-object-schemas/2026-03/schemas`: create a schema (its properties checked by the
//! properties API's rules, its `associatedObjects` turned into association types), list,
//! read, update its settings, archive it once it holds no records, and define or remove
//! association types. Reading needs `crm.schemas.custom.read`, writing
//! `crm.schemas.custom.write`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, QueryParams, parse_json};
use super::properties::{PropertyCreate, definition_from, property_json};
use super::{AppState, resolve_object};
use crate::domain::ObjectType;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, Labels, NewCustomObject,
    check_settings, default_group, find_live, is_reserved_object_name, is_valid_object_name,
    system_properties,
};
use crate::domain::property::PropertyDefinition;
use crate::domain::schema::ObjectSchema;
use crate::domain::time::format_datetime;
use crate::store::StoreError;

const READ: &[&str] = &["crm.schemas.custom.read"];
const WRITE: &[&str] = &["crm.schemas.custom.write"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list).post(create))
        .route("/batch/read", post(batch_read))
        .route("/{object_type}", get(read).patch(update).delete(archive))
        .route("/{object_type}/associations", post(define_association))
        .route(
            "/{object_type}/associations/{association_id}",
            delete(remove_association),
        )
}

fn definition_json(d: &AssociationDefinition) -> Json_ {
    json!({
        "id": d.type_id.to_string(),
        "fromObjectTypeId": d.from.type_id(),
        "toObjectTypeId": d.to.type_id(),
        "name": d.name,
        "createdAt": format_datetime(d.created_at),
        "updatedAt": format_datetime(d.created_at),
    })
}

/// HubSpot's `ObjectTypeDefinition`: the schema without its properties and associations.
fn definition_only_json(c: &CustomObject, portal: i64) -> Json_ {
    let ObjectType::Custom(number) = c.object else {
        return Json_::Null;
    };
    let s = &c.settings;
    let mut body = json!({
        "id": number.to_string(),
        "objectTypeId": c.object.type_id(),
        "name": c.name,
        "fullyQualifiedName": c.fully_qualified_name,
        "labels": {"singular": s.labels.singular, "plural": s.labels.plural},
        "requiredProperties": s.required_properties,
        "searchableProperties": s.searchable_properties,
        "secondaryDisplayProperties": s.secondary_display_properties,
        "allowsSensitiveProperties": s.allows_sensitive_properties,
        "metaType": "PORTAL_SPECIFIC",
        "portalId": portal,
        "archived": c.archived,
        "createdAt": format_datetime(c.created_at),
        "updatedAt": format_datetime(c.updated_at),
    });
    if let Some(p) = &s.primary_display_property {
        body["primaryDisplayProperty"] = json!(p);
    }
    if let Some(d) = &s.description {
        body["description"] = json!(d);
    }
    body
}

/// HubSpot's `ObjectSchema`: the definition with its properties and association types.
fn schema_json(c: &CustomObject, properties: &[PropertyDefinition], portal: i64) -> Json_ {
    let mut body = definition_only_json(c, portal);
    body["properties"] = properties.iter().map(|p| property_json(p, None)).collect();
    body["associations"] = c.associations.iter().map(definition_json).collect();
    body
}

async fn schema_body(state: &AppState, auth: &Auth, c: &CustomObject) -> ApiResult<Json_> {
    // An archived schema's properties stay stored, but the store serves schemas of live
    // objects only; its answer then lists none.
    let properties = if c.archived {
        Vec::new()
    } else {
        state
            .store
            .schemas
            .object_schema(auth.portal, c.object)
            .await?
            .properties
            .clone()
    };
    Ok(schema_json(c, &properties, auth.portal.0))
}

/// The portal's live custom object `segment` names (id, fully qualified name or name).
async fn find(
    state: &AppState,
    auth: &Auth,
    segment: &str,
) -> ApiResult<std::sync::Arc<ObjectSchema>> {
    let all = state
        .store
        .custom_objects
        .custom_objects(auth.portal)
        .await?;
    let object = find_live(&all, segment.trim())
        .map(|c| c.object)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find object type {segment}")))?;
    Ok(state
        .store
        .schemas
        .object_schema(auth.portal, object)
        .await?)
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let archived = QueryParams::parse(raw.as_deref()).bool("archived")?;
    let mut results = Vec::new();
    for c in state
        .store
        .custom_objects
        .custom_objects(auth.portal)
        .await?
    {
        if c.archived == archived {
            results.push(schema_body(&state, &auth, &c).await?);
        }
    }
    Ok(Json(json!({ "results": results })))
}

/// `POST …/schemas/batch/read`: the named schemas (id, fully qualified name or name), in
/// the order named; names matching no live schema of the portal are left out.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchRead {
    inputs: Vec<String>,
    #[serde(default = "yes")]
    include_property_definitions: bool,
    #[serde(default = "yes")]
    include_association_definitions: bool,
    /// Accepted for the SDK's sake; this service keeps no audit metadata.
    #[serde(default)]
    #[allow(dead_code)]
    include_audit_metadata: bool,
}

fn yes() -> bool {
    true
}

async fn batch_read(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let input: BatchRead = parse_json(&body)?;
    let limit = state.config.batch_limit;
    if input.inputs.len() > limit {
        return Err(ApiError::validation(format!(
            "Batch has {} inputs; at most {limit} are allowed per request",
            input.inputs.len()
        )));
    }
    let all = state
        .store
        .custom_objects
        .custom_objects(auth.portal)
        .await?;
    let mut results = Vec::new();
    for name in &input.inputs {
        let Some(custom) = find_live(&all, name.trim()) else {
            continue;
        };
        let mut body = schema_body(&state, &auth, custom).await?;
        if !input.include_property_definitions {
            body["properties"] = json!([]);
        }
        if !input.include_association_definitions {
            body["associations"] = json!([]);
        }
        results.push(body);
    }
    Ok(Json(json!({ "results": results })))
}

async fn read(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let schema = find(&state, &auth, &object_type).await?;
    let custom = schema
        .custom
        .as_ref()
        .ok_or_else(|| ApiError::not_found(format!("Unable to find object type {object_type}")))?;
    Ok(Json(schema_json(custom, &schema.properties, auth.portal.0)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemaCreate {
    name: String,
    labels: Labels,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    primary_display_property: Option<String>,
    #[serde(default)]
    secondary_display_properties: Vec<String>,
    #[serde(default)]
    required_properties: Vec<String>,
    #[serde(default)]
    searchable_properties: Option<Vec<String>>,
    #[serde(default)]
    allows_sensitive_properties: bool,
    /// Property inputs: HubSpot fills in `type` (string), `fieldType` and `groupName`.
    #[serde(default)]
    properties: Vec<serde_json::Map<String, Json_>>,
    #[serde(default)]
    associated_objects: Vec<String>,
}

/// A schema's property input with HubSpot's defaults filled in, checked by the same rules
/// as the properties API; `isPrimaryDisplayLabel` is returned beside it.
fn schema_property(
    mut raw: serde_json::Map<String, Json_>,
    group: &str,
    index: usize,
    now: i64,
) -> ApiResult<(PropertyDefinition, bool)> {
    let primary = raw
        .remove("isPrimaryDisplayLabel")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    raw.entry("type").or_insert_with(|| json!("string"));
    if !raw.contains_key("fieldType") {
        let property_type = raw["type"]
            .as_str()
            .and_then(crate::domain::PropertyType::parse);
        let field_type = property_type.map_or("text", |t| match t {
            crate::domain::PropertyType::String => "text",
            other => other.valid_field_types()[0],
        });
        raw.insert("fieldType".into(), json!(field_type));
    }
    raw.entry("groupName").or_insert_with(|| json!(group));
    let input: PropertyCreate = serde_json::from_value(Json_::Object(raw)).map_err(|e| {
        ApiError::validation(format!(
            "Invalid input JSON: field `properties[{index}]`: {e}"
        ))
    })?;
    Ok((definition_from(input, now)?, primary))
}

/// `my_object_to_contact`: the schema's name and the other object's singular name.
async fn association_name(
    state: &AppState,
    auth: &Auth,
    from_name: &str,
    to: ObjectType,
) -> ApiResult<String> {
    let to_name = if to.is_custom() {
        let schema = state.store.schemas.object_schema(auth.portal, to).await?;
        schema
            .custom
            .as_ref()
            .map_or_else(|| to.type_id().into_owned(), |c| c.name.clone())
    } else {
        to.singular().into_owned()
    };
    Ok(format!("{from_name}_to_{to_name}").to_ascii_lowercase())
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    auth.require(WRITE)?;
    let input: SchemaCreate = parse_json(&body)?;
    let now = state.clock.now_ms();
    check_name(&input.name)?;
    let mut problems = Vec::new();
    let group = default_group(&input.name, &input.labels);
    let (properties, system_count, primary) =
        schema_properties(&input, &group.name, now, &mut problems)?;
    let settings = CustomObjectSettings {
        labels: input.labels,
        description: input.description,
        searchable_properties: input
            .searchable_properties
            .unwrap_or_else(|| primary.iter().cloned().collect()),
        primary_display_property: primary,
        secondary_display_properties: input.secondary_display_properties,
        required_properties: input.required_properties,
        allows_sensitive_properties: input.allows_sensitive_properties,
    };
    problems.extend(check_settings(&settings, &properties));
    if properties.len() == system_count {
        problems.push("A schema needs at least one property of its own".to_string());
    }
    let mut associated = Vec::new();
    for name in &input.associated_objects {
        match resolve_object(&state, auth.portal, name).await {
            Ok(object) if !associated.iter().any(|(o, _)| *o == object) => {
                let definition = association_name(&state, &auth, &input.name, object).await?;
                associated.push((object, definition));
            }
            Ok(_) => {}
            Err(_) => problems.push(format!(
                "associatedObjects names {name:?}, which is not an object type"
            )),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::validation_list(problems));
    }
    let new = NewCustomObject {
        name: input.name,
        settings,
        group,
        properties,
        associated,
    };
    let created = state
        .store
        .custom_objects
        .create_custom_object(auth.portal, new, now)
        .await?;
    let body = schema_body(&state, &auth, &created).await?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// A new schema's name: a letter, then letters, digits and underscores, and not a standard
/// object's.
fn check_name(name: &str) -> ApiResult<()> {
    if !is_valid_object_name(name) {
        return Err(ApiError::validation_list(vec![format!(
            "name {name:?} must start with a letter and hold only letters, digits and underscores (at most 100)"
        )]));
    }
    if is_reserved_object_name(name) {
        return Err(ApiError::validation_list(vec![format!(
            "name {name:?} is the name of a standard object"
        )]));
    }
    Ok(())
}

/// The system properties, then the request's own, with how many are system properties
/// and the primary display property (named, or the first marked as the primary label).
fn schema_properties(
    input: &SchemaCreate,
    group: &str,
    now: i64,
    problems: &mut Vec<String>,
) -> ApiResult<(Vec<PropertyDefinition>, usize, Option<String>)> {
    let mut properties = system_properties(group, &input.labels, now);
    let system_count = properties.len();
    let mut primary = input.primary_display_property.clone();
    for (index, raw) in input.properties.iter().cloned().enumerate() {
        let (property, is_primary) = schema_property(raw, group, index, now)?;
        if properties.iter().any(|p| p.name == property.name) {
            problems.push(format!(
                "Property {:?} is defined twice or is a system property",
                property.name
            ));
        }
        if property.group_name != group {
            problems.push(format!(
                "Property {:?} names group {:?}; a new schema's properties go in {:?}",
                property.name, property.group_name, group
            ));
        }
        if is_primary && primary.is_none() {
            primary = Some(property.name.clone());
        }
        properties.push(property);
    }
    Ok((properties, system_count, primary))
}

/// HubSpot's `ObjectTypeDefinitionPatch`; any other field is a 400 naming it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SchemaPatch {
    #[serde(default)]
    labels: Option<Labels>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    primary_display_property: Option<String>,
    #[serde(default)]
    secondary_display_properties: Option<Vec<String>>,
    #[serde(default)]
    required_properties: Option<Vec<String>>,
    #[serde(default)]
    searchable_properties: Option<Vec<String>>,
    #[serde(default)]
    allows_sensitive_properties: Option<bool>,
    #[serde(default)]
    clear_description: Option<bool>,
    /// Accepted as HubSpot's spec has it; archived schemas here are always restorable.
    #[serde(default)]
    #[allow(dead_code)]
    restorable: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let schema = find(&state, &auth, &object_type).await?;
    let patch: SchemaPatch = parse_json(&body)?;
    let Some(custom) = schema.custom.as_ref() else {
        return Err(ApiError::not_found(format!(
            "Unable to find object type {object_type}"
        )));
    };
    let mut settings = custom.settings.clone();
    if let Some(labels) = patch.labels {
        settings.labels = labels;
    }
    if let Some(d) = patch.description {
        settings.description = Some(d);
    }
    if patch.clear_description == Some(true) {
        settings.description = None;
    }
    if let Some(p) = patch.primary_display_property {
        settings.primary_display_property = Some(p);
    }
    if let Some(v) = patch.secondary_display_properties {
        settings.secondary_display_properties = v;
    }
    if let Some(v) = patch.required_properties {
        settings.required_properties = v;
    }
    if let Some(v) = patch.searchable_properties {
        settings.searchable_properties = v;
    }
    if let Some(v) = patch.allows_sensitive_properties {
        settings.allows_sensitive_properties = v;
    }
    let problems = check_settings(&settings, &schema.properties);
    if !problems.is_empty() {
        return Err(ApiError::validation_list(problems));
    }
    let updated = state
        .store
        .custom_objects
        .update_custom_object(auth.portal, schema.object, settings, state.clock.now_ms())
        .await?;
    Ok(Json(definition_only_json(&updated, auth.portal.0)))
}

async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(WRITE)?;
    let schema = find(&state, &auth, &object_type).await?;
    state
        .store
        .custom_objects
        .archive_custom_object(auth.portal, schema.object, state.clock.now_ms())
        .await
        .map_err(|e| match e {
            // HubSpot's rule: a schema with records cannot be deleted.
            StoreError::Conflict {
                message,
                source: None,
            } => ApiError::validation(message),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefinitionCreate {
    from_object_type_id: String,
    to_object_type_id: String,
    #[serde(default)]
    name: Option<String>,
}

async fn define_association(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Json_>)> {
    auth.require(WRITE)?;
    let schema = find(&state, &auth, &object_type).await?;
    let input: DefinitionCreate = parse_json(&body)?;
    let from = resolve_object(&state, auth.portal, &input.from_object_type_id).await?;
    let to = resolve_object(&state, auth.portal, &input.to_object_type_id).await?;
    if from != schema.object {
        return Err(ApiError::validation(format!(
            "fromObjectTypeId must be this schema's objectTypeId {}",
            schema.object.type_id()
        )));
    }
    let name = match input.name {
        Some(name) if !is_valid_object_name(&name) => {
            return Err(ApiError::validation(format!(
                "name {name:?} must start with a letter and hold only letters, digits and underscores"
            )));
        }
        Some(name) => name,
        None => {
            let own = schema.custom.as_ref().map_or("", |c| c.name.as_str());
            association_name(&state, &auth, own, to).await?
        }
    };
    let defined = state
        .store
        .custom_objects
        .define_association(auth.portal, from, to, name, state.clock.now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(definition_json(&defined))))
}

async fn remove_association(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type, association_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    auth.require(WRITE)?;
    let schema = find(&state, &auth, &object_type).await?;
    let id: i64 = association_id.trim().parse().map_err(|_| {
        ApiError::validation(format!("{association_id:?} is not an association type id"))
    })?;
    if !state
        .store
        .custom_objects
        .remove_association_definition(auth.portal, schema.object, id)
        .await?
    {
        return Err(ApiError::not_found(format!(
            "Association type {id} is not defined on {object_type}"
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}
