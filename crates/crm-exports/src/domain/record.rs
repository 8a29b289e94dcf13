//! A stored CRM record and its typed property values. Values are kept typed (numbers as
//! numbers, timestamps as epoch ms) so filters compare correctly and exports format them
//! without re-parsing; on the wire every value is a string.

use super::property::{PropertyDefinition, PropertyType};
use super::time;

/// A normalised property value. "No value" is the absence of a `Value`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Real(f64),
    Bool(bool),
    /// Epoch milliseconds, for date and datetime properties.
    Timestamp(i64),
}

impl Value {
    /// The string HubSpot puts in a record's `properties` map for this value.
    pub fn to_wire(&self, definition: Option<&PropertyDefinition>) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Integer(n) => n.to_string(),
            Value::Real(x) => format_real(*x),
            Value::Bool(b) => b.to_string(),
            Value::Timestamp(ms) => match definition.map(|d| d.property_type) {
                Some(PropertyType::Date) => time::format_date(*ms),
                _ => time::format_datetime(*ms),
            },
        }
    }
}

/// Whole reals print without a fractional part (`17`, not `17.0`), like HubSpot's numbers.
pub fn format_real(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A record as read from the store: system fields plus the requested property values.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived: bool,
    pub archived_at: Option<i64>,
    /// Requested properties in request order; `None` where the record has no value.
    pub properties: Vec<(String, Option<Value>)>,
}

impl Record {
    pub fn get(&self, property: &str) -> Option<&Value> {
        self.properties
            .iter()
            .find(|(name, _)| name == property)
            .and_then(|(_, v)| v.as_ref())
    }
}
