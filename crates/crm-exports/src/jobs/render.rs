//! How an export turns records into cells: the column plan (record id first, then the
//! requested properties), headers as labels in the export's language or internal names, and
//! values human-readable or internal with `VALUES`. Human-readable values are option
//! labels (in the export's language), owner names, and date cells for dates and datetimes
//! (UTC; CSV spells them `YYYY-MM-DD` and `YYYY-MM-DD HH:MM`, the spreadsheets show them as
//! real dates); numbers are numbers; booleans are `true`/`false` in every format, as
//! HubSpot writes them.

use std::collections::HashMap;

use formats::{Cell, Date};

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
    Date(Date),
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
            Piece::Date(d) => Cell::Date(d),
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
        // The spelling HubSpot's files use; a spreadsheet's TRUE/FALSE would differ.
        ValueRef::Bool(b) => Piece::Text(if b { "true" } else { "false" }),
        ValueRef::Timestamp(ms) if internal => Piece::Number(ms as f64),
        ValueRef::Timestamp(ms) => {
            let with_time = property.property_type != PropertyType::Date;
            let date = if with_time {
                Date::with_time(ms)
            } else {
                Date::day(ms)
            };
            if let Some(date) = date {
                return Piece::Date(date);
            }
            // Before 1900-03-01 or after 9999: no spreadsheet date, so text.
            let start = scratch.len();
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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde_json::json;

    use super::*;

    fn property(kind: &str, field_type: &str) -> PropertyDefinition {
        serde_json::from_value(json!({
            "name": "p", "label": "P", "type": kind, "fieldType": field_type, "groupName": "g"
        }))
        .unwrap()
    }

    fn rendered(value: ValueRef<'_>, property: &PropertyDefinition, internal: bool) -> String {
        let mut scratch = String::new();
        let piece = render_value(value, property, internal, &mut scratch);
        let mut out = Vec::new();
        let mut writer = formats::CsvWriter::new(&mut out, &Default::default()).unwrap();
        formats::SheetWriter::write_row(&mut writer, &[piece.as_cell(&scratch)]).unwrap();
        formats::SheetWriter::finish(Box::new(writer)).unwrap();
        String::from_utf8(out)
            .unwrap()
            .trim_start_matches('\u{feff}')
            .trim_end()
            .to_owned()
    }

    #[test]
    fn dates_become_date_cells_that_csv_spells_as_chrono_did() {
        let (datetime, date) = (property("datetime", "date"), property("date", "date"));
        let instants = (0..3000).map(|k| k * 3_333_333_333 - 2_203_891_200_000);
        for ms in instants.chain([0, -1, 951_782_400_000, 253_402_300_799_999]) {
            let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap();
            let mut scratch = String::new();
            let piece = render_value(ValueRef::Timestamp(ms), &datetime, false, &mut scratch);
            assert!(matches!(piece, Piece::Date(_)), "{ms} is a date cell");
            let text = rendered(ValueRef::Timestamp(ms), &datetime, false);
            assert_eq!(text, t.format("%Y-%m-%d %H:%M").to_string(), "{ms}");
            let text = rendered(ValueRef::Timestamp(ms), &date, false);
            assert_eq!(text, t.format("%Y-%m-%d").to_string(), "{ms}");
        }
    }

    #[test]
    fn instants_no_spreadsheet_can_date_stay_text_and_values_stay_numbers() {
        let datetime = property("datetime", "date");
        let mut scratch = String::new();
        let early = -2_240_524_800_000; // 1899-01-01
        let piece = render_value(ValueRef::Timestamp(early), &datetime, false, &mut scratch);
        assert!(matches!(piece, Piece::Scratch { .. }));
        assert_eq!(
            rendered(ValueRef::Timestamp(early), &datetime, false),
            "1899-01-01 00:00"
        );
        let piece = render_value(ValueRef::Timestamp(early), &datetime, true, &mut scratch);
        assert_eq!(piece, Piece::Number(early as f64));
    }

    #[test]
    fn booleans_are_written_as_hubspot_spells_them() {
        let flag = property("bool", "booleancheckbox");
        assert_eq!(rendered(ValueRef::Bool(true), &flag, false), "true");
        assert_eq!(rendered(ValueRef::Bool(false), &flag, true), "false");
    }
}
