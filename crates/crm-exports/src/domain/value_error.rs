//! Why a property value was refused, with HubSpot's error codes (`PROPERTY_DOESNT_EXIST`,
//! `INVALID_OPTION`, ...), so the API can report every bad property of a request at once.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyValueError {
    pub property: String,
    pub code: &'static str,
    pub message: String,
}

impl PropertyValueError {
    pub fn new(property: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            property: property.to_string(),
            code,
            message: message.into(),
        }
    }

    pub fn unknown(property: &str) -> Self {
        Self::new(
            property,
            "PROPERTY_DOESNT_EXIST",
            format!("Property \"{property}\" does not exist"),
        )
    }
}

impl fmt::Display for PropertyValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
