//! Wire shapes shared by the record endpoints: a record as `SimplePublicObject`, the
//! projection a read returns, and a client's `properties` map parsed against the schema
//! into typed values (every bad property reported at once).

use std::collections::{BTreeMap, HashSet};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value as Json, json};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::QueryParams;
use crate::domain::pipeline::place_in_pipeline;
use crate::domain::property::{PropertyType, SystemField, system_field};
use crate::domain::schema::ObjectSchema;
use crate::domain::time::format_datetime;
use crate::domain::value_error::PropertyValueError;
use crate::domain::{ObjectType, Record, Value};
use crate::store::{PropertyValues, RecordKey, reads_back_unchanged};

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

/// A record as `SimplePublicObject`, serialized straight from the record (batch responses
/// carry a hundred): the same JSON as [`record_json`] gives, keys sorted as its maps sort
/// them, without building the maps. `new` is upserts' flag.
pub struct RecordBody<'s> {
    pub record: Record,
    pub schema: &'s ObjectSchema,
    pub nulls: Nulls,
    pub new: Option<bool>,
}

impl Serialize for RecordBody<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = &self.record;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("archived", &record.archived)?;
        if let Some(at) = record.archived_at {
            map.serialize_entry("archivedAt", &format_datetime(at))?;
        }
        map.serialize_entry("createdAt", &format_datetime(record.created_at))?;
        map.serialize_entry("id", &record.id.to_string())?;
        if let Some(new) = self.new {
            map.serialize_entry("new", &new)?;
        }
        map.serialize_entry("properties", &PropertiesBody(self))?;
        map.serialize_entry("updatedAt", &format_datetime(record.updated_at))?;
        map.end()
    }
}

struct PropertiesBody<'a, 's>(&'a RecordBody<'s>);

impl Serialize for PropertiesBody<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let RecordBody {
            record,
            schema,
            nulls,
            ..
        } = self.0;
        let mut shown: Vec<&(String, Option<Value>)> = record
            .properties
            .iter()
            .filter(|(_, v)| v.is_some() || *nulls == Nulls::Include)
            .collect();
        // A map keeps one entry per name, the last written, in name order.
        shown.reverse();
        shown.sort_by(|a, b| a.0.cmp(&b.0));
        shown.dedup_by(|later, earlier| later.0 == earlier.0);
        let mut map = serializer.serialize_map(Some(shown.len()))?;
        for (name, value) in shown {
            match value {
                None => map.serialize_entry(name, &())?,
                Some(Value::Text(text)) => map.serialize_entry(name, text)?,
                // Only timestamps need the definition (a date or a date and time).
                Some(timestamp @ Value::Timestamp(_)) => {
                    map.serialize_entry(name, &timestamp.to_wire(schema.property(name)))?
                }
                Some(other) => map.serialize_entry(name, &other.to_wire(None))?,
            }
        }
        map.end()
    }
}

/// Whether a create's values all read back as written (see [`reads_back_unchanged`]), so
/// its answer can be built by [`created_record`] instead of reading the record back.
pub fn reads_back_as_written(values: &PropertyValues) -> bool {
    values
        .iter()
        .all(|(_, v)| v.as_ref().is_none_or(reads_back_unchanged))
}

/// The record a create wrote, from the values it wrote (which [`reads_back_as_written`]
/// accepted), as reading it back by [`write_projection`] gives it: the values, then the
/// system properties from the new id and `now`.
pub fn created_record(schema: &ObjectSchema, id: i64, now: i64, values: PropertyValues) -> Record {
    let mut properties: Vec<(String, Option<Value>)> = Vec::with_capacity(values.len() + 3);
    for (name, value) in values {
        // A property named twice (a default added after a cleared value) is one column,
        // holding the value that was set.
        match properties.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => {
                if value.is_some() {
                    slot.1 = value;
                }
            }
            None => properties.push((name, value)),
        }
    }
    for name in system_properties(schema.object) {
        // Reads drop names the schema lacks.
        let (false, Some(definition)) = (
            properties.iter().any(|(n, _)| n == name),
            schema.property(name),
        ) else {
            continue;
        };
        let n = match system_field(schema.object, name) {
            Some(SystemField::Id) => id,
            _ => now,
        };
        // As a read types a system column by its property's definition.
        let value = match definition.property_type {
            PropertyType::Bool => Value::Bool(n != 0),
            PropertyType::Date | PropertyType::Datetime => Value::Timestamp(n),
            _ => Value::Integer(n),
        };
        properties.push((name.to_string(), Some(value)));
    }
    Record {
        id,
        created_at: now,
        updated_at: now,
        archived: false,
        archived_at: None,
        properties,
    }
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

/// Property names one request may name, in `properties=`, a body's `properties` list, or
/// a written record's `properties` map: more than any object has (HubSpot allows 1,000
/// custom properties per object beside its own).
pub const MAX_PROPERTIES_PER_REQUEST: usize = 2_000;

/// 400 when `count` names of `field` exceed [`MAX_PROPERTIES_PER_REQUEST`].
pub fn check_property_count(field: &str, count: usize) -> ApiResult<()> {
    if count > MAX_PROPERTIES_PER_REQUEST {
        return Err(ApiError::validation(format!(
            "`{field}` names {count} properties; at most {MAX_PROPERTIES_PER_REQUEST} are allowed in one request"
        )));
    }
    Ok(())
}

pub fn requested_properties(query: &QueryParams) -> Option<Vec<String>> {
    query.list("properties")
}

/// Parses a client's `properties` map. Unknown, read-only and badly typed properties are
/// all collected, so one response names every problem. The map is consumed: names and text
/// move into the values.
pub fn parse_properties(
    schema: &ObjectSchema,
    raw: BTreeMap<String, Json>,
    owners: &HashSet<String>,
    creating: bool,
) -> Result<PropertyValues, Vec<PropertyValueError>> {
    if raw.len() > MAX_PROPERTIES_PER_REQUEST {
        return Err(vec![PropertyValueError::new(
            "properties",
            "TOO_MANY_PROPERTIES",
            format!(
                "A record's `properties` names {} properties; at most {MAX_PROPERTIES_PER_REQUEST} are allowed",
                raw.len()
            ),
        )]);
    }
    let mut values = Vec::with_capacity(raw.len());
    let mut problems = Vec::new();
    for (name, value) in raw {
        let Some(definition) = schema.property(&name) else {
            problems.push(PropertyValueError::unknown(&name));
            continue;
        };
        if definition.read_only_value || system_field(schema.object, &name).is_some() {
            problems.push(PropertyValueError::new(
                &name,
                "READ_ONLY_VALUE",
                format!("Property \"{name}\" is read-only"),
            ));
            continue;
        }
        let text = match value_text(&name, value) {
            Ok(text) => text,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if schema.object == ObjectType::Contacts
            && name == "email"
            && !text.is_empty()
            && !looks_like_email(&text)
        {
            problems.push(PropertyValueError::new(
                &name,
                "INVALID_EMAIL",
                format!("Email address {text} is invalid"),
            ));
            continue;
        }
        if is_owner_reference(definition) && !text.is_empty() && !owners.contains(text.trim()) {
            problems.push(PropertyValueError::new(
                &name,
                "INVALID_OPTION",
                format!("{text:?} is not the id of an owner of this portal"),
            ));
            continue;
        }
        match definition.parse_owned_value(text) {
            Ok(v) => values.push((name, v)),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty()
        && let Err(e) = place_in_pipeline(schema.object, schema.pipelines(), &mut values, creating)
    {
        problems.push(e);
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// A property value as the text HubSpot reads it: strings as they are, numbers and booleans
/// spelled out, null as empty (clearing the property); arrays and objects are refused.
fn value_text(name: &str, value: Json) -> Result<String, PropertyValueError> {
    match value {
        Json::Null => Ok(String::new()),
        Json::String(s) => Ok(s),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        Json::Array(_) | Json::Object(_) => Err(PropertyValueError::new(
            name,
            "INVALID_TYPE",
            format!("Property \"{name}\" must be a string, number or boolean"),
        )),
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
    let owner_properties: Vec<&str> = schema
        .properties
        .iter()
        .filter(|p| is_owner_reference(p))
        .map(|p| p.name.as_str())
        .collect();
    let needed = raws
        .into_iter()
        .any(|raw| owner_properties.iter().any(|name| raw.contains_key(*name)));
    if !needed {
        return Ok(HashSet::new());
    }
    Ok(state
        .store
        .owners
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::defaults;

    fn schema(object: ObjectType) -> ObjectSchema {
        let defaults = defaults::for_object(object);
        ObjectSchema::new(object, defaults.properties.clone(), defaults.groups.clone())
    }

    #[test]
    fn a_record_body_is_the_json_of_its_record_map() {
        let contacts = schema(ObjectType::Contacts);
        let deals = schema(ObjectType::Deals);
        let property = |name: &str, value: Option<Value>| (name.to_string(), value);
        let record = |archived_at: Option<i64>, properties| Record {
            id: 17,
            created_at: 1_572_406_217_883,
            updated_at: 1_700_000_000_000,
            archived: archived_at.is_some(),
            archived_at,
            properties,
        };
        let cases = [
            (&contacts, record(None, vec![])),
            (
                &contacts,
                record(
                    None,
                    vec![
                        property(
                            "lastname",
                            Some(Value::Text("O'Brien, \"Jr\"\n李 🎉".into())),
                        ),
                        property("email", Some(Value::Text("a@example.com".into()))),
                        property("phone", None),
                        property("createdate", Some(Value::Timestamp(1_572_406_217_883))),
                        property("hs_object_id", Some(Value::Integer(17))),
                        property("zzz_unknown", Some(Value::Real(1.25))),
                        property("annualrevenue", Some(Value::Real(1e20))),
                        property("firstname", Some(Value::Text("first".into()))),
                        property("firstname", None),
                        property("firstname", Some(Value::Text("last wins".into()))),
                        property("Upper", Some(Value::Bool(true))),
                    ],
                ),
            ),
            (
                &deals,
                record(
                    Some(1_800_000_000_000),
                    vec![
                        property("closedate", Some(Value::Timestamp(1_706_659_200_000))),
                        property("amount", Some(Value::Integer(-5))),
                        property("dealname", None),
                    ],
                ),
            ),
        ];
        for (schema, record) in cases {
            for nulls in [Nulls::Include, Nulls::Omit] {
                for new in [None, Some(true)] {
                    let mut want = record_json(&record, schema, nulls);
                    if let Some(new) = new {
                        want["new"] = json!(new);
                    }
                    let body = RecordBody {
                        record: record.clone(),
                        schema,
                        nulls,
                        new,
                    };
                    assert_eq!(
                        serde_json::to_string(&body).unwrap(),
                        serde_json::to_string(&want).unwrap()
                    );
                }
            }
        }
    }
}
