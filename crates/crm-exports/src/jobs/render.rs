//! How an export turns records into cells: the column plan (record id first, then the
//! requested properties), headers as labels in the export's language or internal names, and
//! values human-readable (option labels, `YYYY-MM-DD` dates, `YYYY-MM-DD HH:MM` datetimes)
//! or internal with `VALUES`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use formats::Cell;

use crate::domain::export::ExportRequest;
use crate::domain::property::{PropertyDefinition, PropertyType};
use crate::domain::schema::ObjectSchema;
use crate::domain::{Record, Value};

/// An owned cell, so a row can be rendered once and lent to the writer as [`Cell`]s.
#[derive(Clone, Debug, PartialEq)]
pub enum Rendered {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
}

impl Rendered {
    pub fn as_cell(&self) -> Cell<'_> {
        match self {
            Rendered::Empty => Cell::Empty,
            Rendered::Text(t) => Cell::Text(t),
            Rendered::Number(x) => Cell::Number(*x),
            Rendered::Bool(b) => Cell::Bool(*b),
        }
    }
}

/// The columns of an export, in order.
pub struct ColumnPlan {
    pub headers: Vec<String>,
    /// The property read for each column after the record id.
    pub properties: Vec<PropertyDefinition>,
    pub internal_values: bool,
    /// Owner names by owner id, for properties that reference owners.
    pub owner_names: HashMap<String, String>,
}

impl ColumnPlan {
    /// Whether some exported property names owners (so their names must be loaded).
    pub fn needs_owner_names(request: &ExportRequest, schema: &ObjectSchema) -> bool {
        !request.internal_values
            && request
                .object_properties
                .iter()
                .filter_map(|n| schema.property(n))
                .any(references_owner)
    }

    pub fn new(
        request: &ExportRequest,
        schema: &ObjectSchema,
        owner_names: HashMap<String, String>,
    ) -> Self {
        let language = request.label_language();
        let header = |p: &PropertyDefinition| {
            if request.internal_names {
                p.name.clone()
            } else {
                p.label_in(&language).to_string()
            }
        };
        let id_header = match schema.property("hs_object_id") {
            Some(p) => header(p),
            None => "Record ID".to_string(),
        };
        let properties: Vec<PropertyDefinition> = request
            .object_properties
            .iter()
            .filter_map(|name| schema.property(name).cloned())
            .collect();
        let mut headers = vec![id_header];
        headers.extend(properties.iter().map(header));
        Self {
            headers,
            properties,
            internal_values: request.internal_values,
            owner_names,
        }
    }

    pub fn projection(&self) -> Vec<String> {
        self.properties.iter().map(|p| p.name.clone()).collect()
    }

    /// Renders one record; `out` is reused between rows to avoid reallocating.
    pub fn render(&self, record: &Record, out: &mut Vec<Rendered>) {
        out.clear();
        out.push(Rendered::Number(record.id as f64));
        for (property, (_, value)) in self.properties.iter().zip(&record.properties) {
            out.push(match value {
                None => Rendered::Empty,
                Some(Value::Text(id)) if !self.internal_values && references_owner(property) => {
                    Rendered::Text(
                        self.owner_names
                            .get(id)
                            .cloned()
                            .unwrap_or_else(|| id.clone()),
                    )
                }
                Some(v) => render_value(v, property, self.internal_values),
            });
        }
    }
}

fn references_owner(property: &PropertyDefinition) -> bool {
    property.referenced_object_type.as_deref() == Some("OWNER")
}

fn render_value(value: &Value, property: &PropertyDefinition, internal: bool) -> Rendered {
    match value {
        Value::Integer(n) => Rendered::Number(*n as f64),
        Value::Real(x) => Rendered::Number(*x),
        Value::Bool(b) => Rendered::Bool(*b),
        Value::Timestamp(ms) if internal => Rendered::Number(*ms as f64),
        Value::Timestamp(ms) => {
            let format = if property.property_type == PropertyType::Date {
                "%Y-%m-%d"
            } else {
                "%Y-%m-%d %H:%M"
            };
            match DateTime::<Utc>::from_timestamp_millis(*ms) {
                Some(t) => Rendered::Text(t.format(format).to_string()),
                None => Rendered::Number(*ms as f64),
            }
        }
        Value::Text(text) if internal || property.options.is_empty() => {
            Rendered::Text(text.clone())
        }
        Value::Text(text) => {
            let label = |v: &str| {
                property
                    .options
                    .iter()
                    .find(|o| o.value == v)
                    .map_or(v, |o| o.label.as_str())
                    .to_string()
            };
            if property.is_multi_select() {
                Rendered::Text(text.split(';').map(label).collect::<Vec<_>>().join(";"))
            } else {
                Rendered::Text(label(text))
            }
        }
    }
}
