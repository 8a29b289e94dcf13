//! How an export turns records into cells: the column plan (record id first, then the
//! requested properties), headers as labels in the export's language or internal names, and
//! values human-readable (option labels in the export's language, `YYYY-MM-DD` dates,
//! `YYYY-MM-DD HH:MM` datetimes) or internal with `VALUES`.

use std::collections::HashMap;

use formats::Cell;

use crate::domain::batch::ValueRef;
use crate::domain::defaults;
use crate::domain::export::ExportRequest;
use crate::domain::property::{PropertyDefinition, PropertyType};
use crate::domain::schema::ObjectSchema;
use crate::domain::time;

/// An owned cell: the association columns, looked up a batch at a time, are held as these.
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
            .map(|mut p| {
                // Option labels are looked up once here, in the export's language.
                defaults::fill_option_translations(schema.object, &mut p);
                p.with_option_labels_in(&language)
            })
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

    /// Renders one row (the record id, then its values in projection order) into `out`.
    /// Cells borrow from the values and the plan where they can; text made here (dates,
    /// joined multi-select labels) goes into `scratch`, which is cleared first.
    pub fn render<'a>(
        &'a self,
        id: i64,
        values: impl Iterator<Item = Option<ValueRef<'a>>>,
        scratch: &mut String,
        out: &mut Vec<Piece<'a>>,
    ) {
        scratch.clear();
        out.clear();
        out.push(Piece::Number(id as f64));
        for (property, value) in self.properties.iter().zip(values) {
            out.push(match value {
                None => Piece::Empty,
                Some(ValueRef::Text(id)) if !self.internal_values && references_owner(property) => {
                    Piece::Text(self.owner_names.get(id).map_or(id, String::as_str))
                }
                Some(v) => render_value(v, property, self.internal_values, scratch),
            });
        }
    }
}

/// A rendered cell that borrows its text: from the record, the plan, or a range of the
/// row's scratch buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Piece<'a> {
    Empty,
    Text(&'a str),
    Scratch { start: usize, end: usize },
    Number(f64),
    Bool(bool),
}

impl<'a> Piece<'a> {
    pub fn as_cell<'c>(&self, scratch: &'c str) -> Cell<'c>
    where
        'a: 'c,
    {
        match *self {
            Piece::Empty => Cell::Empty,
            Piece::Text(t) => Cell::Text(t),
            Piece::Scratch { start, end } => Cell::Text(&scratch[start..end]),
            Piece::Number(x) => Cell::Number(x),
            Piece::Bool(b) => Cell::Bool(b),
        }
    }
}

fn references_owner(property: &PropertyDefinition) -> bool {
    property.referenced_object_type.as_deref() == Some("OWNER")
}

fn render_value<'a>(
    value: ValueRef<'a>,
    property: &'a PropertyDefinition,
    internal: bool,
    scratch: &mut String,
) -> Piece<'a> {
    match value {
        ValueRef::Integer(n) => Piece::Number(n as f64),
        ValueRef::Real(x) => Piece::Number(x),
        ValueRef::Bool(b) => Piece::Bool(b),
        ValueRef::Timestamp(ms) if internal => Piece::Number(ms as f64),
        ValueRef::Timestamp(ms) => {
            let start = scratch.len();
            let with_time = property.property_type != PropertyType::Date;
            if time::write_export_timestamp(scratch, ms, with_time) {
                Piece::Scratch {
                    start,
                    end: scratch.len(),
                }
            } else {
                Piece::Number(ms as f64)
            }
        }
        ValueRef::Text(text) if internal || property.options.is_empty() => Piece::Text(text),
        ValueRef::Text(text) => {
            let label = |v: &'a str| -> &'a str {
                property
                    .options
                    .iter()
                    .find(|o| o.value == v)
                    .map_or(v, |o| o.label.as_str())
            };
            if property.is_multi_select() {
                let start = scratch.len();
                for (i, part) in text.split(';').enumerate() {
                    if i > 0 {
                        scratch.push(';');
                    }
                    scratch.push_str(label(part));
                }
                Piece::Scratch {
                    start,
                    end: scratch.len(),
                }
            } else {
                Piece::Text(label(text))
            }
        }
    }
}
