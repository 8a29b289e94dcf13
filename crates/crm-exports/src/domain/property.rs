//! Property definitions (HubSpot's `Property` model) and the rules that turn a client's raw
//! value into a normalised [`Value`]: numbers parsed, booleans `true`/`false`, dates and
//! datetimes from ISO 8601 or epoch ms, enumeration values checked against their options,
//! multi-select values joined by `;`, and an empty string clearing the value.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::ObjectType;
use super::record::Value;
use super::time;
use super::value_error::PropertyValueError;

/// HubSpot's longest accepted string value.
pub const MAX_STRING_CHARS: usize = 65_536;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyType {
    Bool,
    Date,
    Datetime,
    Enumeration,
    Number,
    PhoneNumber,
    String,
}

impl PropertyType {
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
    }

    /// The fieldTypes HubSpot accepts with this type on create.
    pub fn valid_field_types(self) -> &'static [&'static str] {
        match self {
            Self::Bool => &["booleancheckbox", "calculation_equation"],
            Self::Enumeration => &[
                "booleancheckbox",
                "checkbox",
                "radio",
                "select",
                "calculation_equation",
            ],
            Self::Date | Self::Datetime => &["date"],
            Self::String => &[
                "file",
                "text",
                "textarea",
                "calculation_equation",
                "html",
                "phonenumber",
            ],
            Self::Number => &["number", "calculation_equation"],
            Self::PhoneNumber => &["phonenumber"],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOption {
    pub label: String,
    pub value: String,
    #[serde(default)]
    pub display_order: i32,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Labels in other export languages, keyed by lower-case language code (HubSpot's
    /// default options carry FR, DE, ES and JA ones).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, String>,
}

impl PropertyOption {
    /// The label in `language` (a lower-case code such as `fr`), falling back to English.
    pub fn label_in(&self, language: &str) -> &str {
        self.translations
            .get(language)
            .map(String::as_str)
            .unwrap_or(&self.label)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyGroup {
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub display_order: i32,
    #[serde(default)]
    pub archived: bool,
}

/// One property definition, serialised in the same camelCase shape as the embedded
/// defaults so it can be stored as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDefinition {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub property_type: PropertyType,
    pub field_type: String,
    pub group_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub display_order: i32,
    #[serde(default)]
    pub has_unique_value: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub form_field: bool,
    #[serde(default)]
    pub calculated: bool,
    #[serde(default)]
    pub external_options: bool,
    #[serde(default)]
    pub referenced_object_type: Option<String>,
    #[serde(default)]
    pub read_only_value: bool,
    #[serde(default)]
    pub read_only_definition: bool,
    /// Whether the search `query` parameter looks in this property.
    #[serde(default)]
    pub searchable: bool,
    /// Labels in other export languages, keyed by lower-case language code.
    #[serde(default)]
    pub translations: BTreeMap<String, String>,
    #[serde(default)]
    pub options: Vec<PropertyOption>,
    #[serde(default = "default_true")]
    pub hubspot_defined: bool,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub updated_at: Option<i64>,
    /// When the property was archived (moved to HubSpot's recycling bin): it keeps its
    /// stored values but is unknown to reads, writes and exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<i64>,
}

fn default_true() -> bool {
    true
}

/// Record fields that are exposed as properties but live in the record's system columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemField {
    Id,
    CreatedAt,
    UpdatedAt,
}

pub fn system_field(object: ObjectType, property: &str) -> Option<SystemField> {
    match property {
        "hs_object_id" => Some(SystemField::Id),
        p if p == object.created_property() => Some(SystemField::CreatedAt),
        p if p == object.last_modified_property() => Some(SystemField::UpdatedAt),
        _ => None,
    }
}

impl PropertyType {
    /// Whether a property of this type may become `other` in place: both keep their values
    /// in the same kind of column, so the stored values stay readable.
    pub fn can_become(self, other: PropertyType) -> bool {
        use PropertyType::*;
        let kind = |t: PropertyType| match t {
            String | Enumeration | PhoneNumber => 0,
            Number => 1,
            Bool => 2,
            Date | Datetime => 3,
        };
        kind(self) == kind(other)
    }
}

impl PropertyDefinition {
    /// A portal's own property as a client defines it, created at `now`: visible, not
    /// unique, without options, and none of HubSpot's own traits (calculated, read-only,
    /// searchable, translated). Callers set what their input says over it.
    pub fn custom(
        name: String,
        label: String,
        property_type: PropertyType,
        field_type: String,
        group_name: String,
        now: i64,
    ) -> Self {
        Self {
            name,
            label,
            property_type,
            field_type,
            group_name,
            description: String::new(),
            display_order: -1,
            has_unique_value: false,
            hidden: false,
            form_field: false,
            calculated: false,
            external_options: false,
            referenced_object_type: None,
            read_only_value: false,
            read_only_definition: false,
            searchable: false,
            translations: BTreeMap::new(),
            options: Vec::new(),
            hubspot_defined: false,
            created_at: Some(now),
            updated_at: Some(now),
            archived_at: None,
        }
    }

    pub fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// Multi-select enumerations hold several options joined by `;`.
    pub fn is_multi_select(&self) -> bool {
        self.property_type == PropertyType::Enumeration && self.field_type == "checkbox"
    }

    /// Whether the property identifies a record (usable as `idProperty`, unique per portal).
    pub fn is_unique(&self, object: ObjectType) -> bool {
        self.has_unique_value || (object == ObjectType::Contacts && self.name == "email")
    }

    /// Parses a client's value. `Ok(None)` clears the property (an empty string).
    pub fn parse_value(&self, raw: &str) -> Result<Option<Value>, PropertyValueError> {
        let name = self.name.as_str();
        if raw.is_empty() {
            return Ok(None);
        }
        let invalid = |code: &'static str, what: &str| {
            PropertyValueError::new(
                name,
                code,
                format!("{raw:?} is not a valid {what} for property \"{name}\""),
            )
        };
        let value = match self.property_type {
            PropertyType::String | PropertyType::PhoneNumber => {
                if raw.chars().count() > MAX_STRING_CHARS {
                    return Err(PropertyValueError::new(
                        name,
                        "INVALID_LENGTH",
                        format!("Property \"{name}\" is longer than {MAX_STRING_CHARS} characters"),
                    ));
                }
                Value::Text(raw.to_string())
            }
            PropertyType::Number => {
                parse_number(raw).ok_or_else(|| invalid("INVALID_FLOAT", "number"))?
            }
            PropertyType::Bool => match raw.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(invalid("INVALID_BOOLEAN", "boolean (true or false)")),
            },
            PropertyType::Datetime => Value::Timestamp(
                time::parse_timestamp(raw).ok_or_else(|| invalid("INVALID_DATE", "datetime"))?,
            ),
            PropertyType::Date => {
                let ms =
                    time::parse_timestamp(raw).ok_or_else(|| invalid("INVALID_DATE", "date"))?;
                if ms.rem_euclid(time::MS_PER_DAY) != 0 {
                    return Err(PropertyValueError::new(
                        name,
                        "INVALID_DATE",
                        format!(
                            "{raw:?} is not midnight UTC; date property \"{name}\" takes a date such as 2024-01-31"
                        ),
                    ));
                }
                Value::Timestamp(ms)
            }
            PropertyType::Enumeration => Value::Text(self.parse_enumeration(raw)?),
        };
        Ok(Some(value))
    }

    /// [`parse_value`](Self::parse_value) taking the text by value: text kept as it came
    /// (string and phone number properties) is moved into the value rather than copied.
    pub fn parse_owned_value(&self, raw: String) -> Result<Option<Value>, PropertyValueError> {
        match self.property_type {
            PropertyType::String | PropertyType::PhoneNumber
                if !raw.is_empty() && raw.chars().count() <= MAX_STRING_CHARS =>
            {
                Ok(Some(Value::Text(raw)))
            }
            _ => self.parse_value(&raw),
        }
    }

    fn parse_enumeration(&self, raw: &str) -> Result<String, PropertyValueError> {
        // Options kept elsewhere without a copy here (owners) are checked by their own
        // resolver; pipelines and stages carry their options, so they are checked.
        if self.options.is_empty() {
            return Ok(raw.to_string());
        }
        let canonical = |v: &str| -> Result<String, PropertyValueError> {
            self.options
                .iter()
                .find(|o| o.value == v)
                .or_else(|| {
                    self.options
                        .iter()
                        .find(|o| o.value.eq_ignore_ascii_case(v))
                })
                .map(|o| o.value.clone())
                .ok_or_else(|| {
                    let allowed: Vec<&str> =
                        self.options.iter().map(|o| o.value.as_str()).collect();
                    PropertyValueError::new(
                        &self.name,
                        "INVALID_OPTION",
                        format!(
                            "{v:?} was not one of the allowed options for property \"{}\": [{}]",
                            self.name,
                            allowed.join(", ")
                        ),
                    )
                })
        };
        if !self.is_multi_select() {
            return canonical(raw.trim());
        }
        let mut chosen: Vec<String> = Vec::new();
        for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let value = canonical(part)?;
            if !chosen.contains(&value) {
                chosen.push(value);
            }
        }
        Ok(chosen.join(";"))
    }

    /// The label in `language` (a lower-case code such as `fr`), falling back to English.
    pub fn label_in(&self, language: &str) -> &str {
        self.translations
            .get(language)
            .map(String::as_str)
            .unwrap_or(&self.label)
    }

    /// This definition with every option labelled in `language` where it has a
    /// translation; the others keep their label.
    pub fn with_option_labels_in(mut self, language: &str) -> Self {
        for option in &mut self.options {
            if let Some(label) = option.translations.get(language) {
                option.label = label.clone();
            }
        }
        self
    }
}

/// Numbers keep integers exact and reject NaN and infinities.
fn parse_number(raw: &str) -> Option<Value> {
    let text = raw.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(Value::Integer(n));
    }
    let x = text.parse::<f64>().ok().filter(|x| x.is_finite())?;
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Some(Value::Integer(x as i64))
    } else {
        Some(Value::Real(x))
    }
}

/// Checks a custom property name: a lower-case letter, then letters, digits or `_`.
pub fn is_valid_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name.len() <= 100
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(property_type: PropertyType, field_type: &str) -> PropertyDefinition {
        let options = ["a", "b", "c"]
            .iter()
            .map(|v| PropertyOption {
                label: v.to_uppercase(),
                value: v.to_string(),
                display_order: 0,
                hidden: false,
                description: None,
                translations: BTreeMap::new(),
            })
            .collect();
        let custom = PropertyDefinition::custom;
        PropertyDefinition {
            options,
            ..custom(
                "p".into(),
                "P".into(),
                property_type,
                field_type.into(),
                "g".into(),
                0,
            )
        }
    }

    #[test]
    fn numbers_are_normalised_and_garbage_is_refused() {
        let d = definition(PropertyType::Number, "number");
        assert_eq!(d.parse_value("17").unwrap(), Some(Value::Integer(17)));
        assert_eq!(d.parse_value("17.0").unwrap(), Some(Value::Integer(17)));
        assert_eq!(d.parse_value("1.5").unwrap(), Some(Value::Real(1.5)));
        assert_eq!(d.parse_value("abc").unwrap_err().code, "INVALID_FLOAT");
        assert!(d.parse_value("NaN").is_err());
        assert_eq!(d.parse_value("").unwrap(), None);
    }

    #[test]
    fn multi_select_values_are_checked_and_joined_by_semicolons() {
        let d = definition(PropertyType::Enumeration, "checkbox");
        assert_eq!(
            d.parse_value("b; A;b").unwrap(),
            Some(Value::Text("b;a".into()))
        );
        assert_eq!(d.parse_value("a;z").unwrap_err().code, "INVALID_OPTION");
        let single = definition(PropertyType::Enumeration, "select");
        assert_eq!(
            single.parse_value("a;b").unwrap_err().code,
            "INVALID_OPTION"
        );
    }

    #[test]
    fn dates_must_fall_on_midnight_utc() {
        let d = definition(PropertyType::Date, "date");
        assert_eq!(
            d.parse_value("2024-01-31").unwrap(),
            Some(Value::Timestamp(1_706_659_200_000))
        );
        assert_eq!(
            d.parse_value("1706659200000").unwrap(),
            Some(Value::Timestamp(1_706_659_200_000))
        );
        assert!(d.parse_value("1706659200001").is_err());
    }

    #[test]
    fn booleans_accept_only_true_and_false() {
        let d = definition(PropertyType::Bool, "booleancheckbox");
        assert_eq!(d.parse_value("TRUE").unwrap(), Some(Value::Bool(true)));
        assert_eq!(d.parse_value("yes").unwrap_err().code, "INVALID_BOOLEAN");
    }

    #[test]
    fn custom_property_names_are_lower_case_identifiers() {
        assert!(is_valid_property_name("favourite_colour2"));
        assert!(!is_valid_property_name("Favourite"));
        assert!(!is_valid_property_name("2fast"));
        assert!(!is_valid_property_name("a-b"));
        assert!(!is_valid_property_name(""));
    }
}
