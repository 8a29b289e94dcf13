//! Wire shapes shared by the record endpoints: a record as `SimplePublicObject`, the
//! projection a read returns, and a client's `properties` map parsed against the schema
//! into typed values (every bad property reported at once).

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value as Json, json};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::QueryParams;
use crate::domain::pipeline::place_in_pipeline;
use crate::domain::property::system_field;
use crate::domain::schema::ObjectSchema;
use crate::domain::search::scalar_text;
use crate::domain::time::format_datetime;
use crate::domain::value_error::PropertyValueError;
use crate::domain::{ObjectType, Record};
use crate::store::{PropertyValues, RecordKey};

/// Whether requested-but-empty properties appear as `null` (reads) or are left out (writes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    Include,
    Omit,
}

pub fn record_json(record: &Record, schema: &ObjectSchema, nulls: Nulls) -> Json {
    let mut properties = Map::new();
    for (name, value) in &record.properties {
        match value {
            Some(v) => {
                properties.insert(name.clone(), json!(v.to_wire(schema.property(name))));
            }
            None if nulls == Nulls::Include => {
                properties.insert(name.clone(), Json::Null);
            }
            None => {}
        }
    }
    let mut body = Map::new();
    body.insert("id".into(), json!(record.id.to_string()));
    body.insert("properties".into(), Json::Object(properties));
    body.insert(
        "createdAt".into(),
        json!(format_datetime(record.created_at)),
    );
    body.insert(
        "updatedAt".into(),
        json!(format_datetime(record.updated_at)),
    );
    body.insert("archived".into(), json!(record.archived));
    if let Some(at) = record.archived_at {
        body.insert("archivedAt".into(), json!(format_datetime(at)));
    }
    Json::Object(body)
}

/// The system properties every response carries, whatever was asked for.
fn system_properties(object: ObjectType) -> [&'static str; 3] {
    [
        object.created_property(),
        "hs_object_id",
        object.last_modified_property(),
    ]
}

/// What a read returns: the named properties that exist (unknown names are ignored, as
/// HubSpot does), or the object's defaults when none are named; plus the system ones.
pub fn read_projection(schema: &ObjectSchema, requested: Option<Vec<String>>) -> Vec<String> {
    let mut names: Vec<String> = match requested {
        Some(list) if !list.is_empty() => list
            .into_iter()
            .filter(|n| schema.property(n).is_some())
            .collect(),
        _ => schema
            .object
            .default_properties()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    for name in system_properties(schema.object) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    dedup(names)
}

/// What a write returns: the properties it set, plus the system ones.
pub fn write_projection(schema: &ObjectSchema, values: &PropertyValues) -> Vec<String> {
    let mut names: Vec<String> = values.iter().map(|(n, _)| n.clone()).collect();
    names.extend(
        system_properties(schema.object)
            .iter()
            .map(|s| s.to_string()),
    );
    dedup(names)
}

fn dedup(names: Vec<String>) -> Vec<String> {
    let mut seen = Vec::with_capacity(names.len());
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen
}

pub fn requested_properties(query: &QueryParams) -> Option<Vec<String>> {
    query.list("properties")
}

/// Parses a client's `properties` map. Unknown, read-only and badly typed properties are
/// all collected, so one response names every problem.
pub fn parse_properties(
    schema: &ObjectSchema,
    raw: &BTreeMap<String, Json>,
    owners: &HashSet<String>,
    creating: bool,
) -> Result<PropertyValues, Vec<PropertyValueError>> {
    let mut values = Vec::with_capacity(raw.len());
    let mut problems = Vec::new();
    for (name, value) in raw {
        let Some(definition) = schema.property(name) else {
            problems.push(PropertyValueError::unknown(name));
            continue;
        };
        if definition.read_only_value || system_field(schema.object, name).is_some() {
            problems.push(PropertyValueError::new(
                name,
                "READ_ONLY_VALUE",
                format!("Property \"{name}\" is read-only"),
            ));
            continue;
        }
        let text = match value {
            Json::Null => String::new(),
            other => match scalar_text(other) {
                Some(t) => t,
                None => {
                    problems.push(PropertyValueError::new(
                        name,
                        "INVALID_TYPE",
                        format!("Property \"{name}\" must be a string, number or boolean"),
                    ));
                    continue;
                }
            },
        };
        if schema.object == ObjectType::Contacts
            && name == "email"
            && !text.is_empty()
            && !looks_like_email(&text)
        {
            problems.push(PropertyValueError::new(
                name,
                "INVALID_EMAIL",
                format!("Email address {text} is invalid"),
            ));
            continue;
        }
        if is_owner_reference(definition) && !text.is_empty() && !owners.contains(text.trim()) {
            problems.push(PropertyValueError::new(
                name,
                "INVALID_OPTION",
                format!("{text:?} is not the id of an owner of this portal"),
            ));
            continue;
        }
        match definition.parse_value(&text) {
            Ok(v) => values.push((name.clone(), v)),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty()
        && let Err(e) = place_in_pipeline(schema.object, &mut values, creating)
    {
        problems.push(e);
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

fn is_owner_reference(definition: &crate::domain::PropertyDefinition) -> bool {
    definition.referenced_object_type.as_deref() == Some("OWNER")
}

/// The ids of the portal's live owners, loaded only when some input sets an owner property.
pub async fn owners_for<'a>(
    state: &AppState,
    auth: &Auth,
    schema: &ObjectSchema,
    raws: impl IntoIterator<Item = &'a BTreeMap<String, Json>>,
) -> ApiResult<HashSet<String>> {
    let needed = raws.into_iter().any(|raw| {
        raw.keys()
            .any(|name| schema.property(name).is_some_and(is_owner_reference))
    });
    if !needed {
        return Ok(HashSet::new());
    }
    Ok(state
        .store
        .list_owners(auth.portal)
        .await?
        .into_iter()
        .filter(|o| !o.archived)
        .map(|o| o.id.to_string())
        .collect())
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

/// Resolves `{objectId}` (or a batch input's `id`) with an optional `idProperty`.
pub fn record_key(
    schema: &ObjectSchema,
    id: &str,
    id_property: Option<&str>,
) -> ApiResult<RecordKey> {
    match id_property.filter(|p| !p.is_empty() && *p != "hs_object_id") {
        None => id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(RecordKey::Id)
            .ok_or_else(|| ApiError::validation(format!("{id:?} is not a valid record id"))),
        Some(property) => {
            if schema.unique_property(property).is_none() {
                return Err(ApiError::validation(format!(
                    "\"{property}\" is not a unique property of {}; idProperty must name one",
                    schema.object
                )));
            }
            Ok(RecordKey::Unique {
                property: property.to_string(),
                value: id.to_string(),
            })
        }
    }
}

pub fn resolve_object(segment: &str) -> ApiResult<ObjectType> {
    ObjectType::parse(segment)
        .ok_or_else(|| ApiError::validation(format!("Unable to infer object type from: {segment}")))
}
