//! Search requests: HubSpot's `filterGroups` (filters AND-ed inside a group, groups OR-ed),
//! the 13 operators, sorts and the free-text `query`, parsed against the object's property
//! definitions into typed conditions the store turns into its own query language.
//!
//! Semantics chosen where HubSpot leaves them open: string comparisons ignore letter case;
//! `NEQ`, `NOT_IN` and `NOT_CONTAINS_TOKEN` also match records with no value; on a
//! multi-select property `EQ`/`IN` match when any selected option equals the value.

use serde::{Deserialize, Serialize};

use super::property::{PropertyDefinition, PropertyType};
use super::record::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    HasProperty,
    NotHasProperty,
    ContainsToken,
    NotContainsToken,
}

impl Operator {
    pub const ALL: [(&'static str, Operator); 13] = [
        ("EQ", Operator::Eq),
        ("NEQ", Operator::Neq),
        ("LT", Operator::Lt),
        ("LTE", Operator::Lte),
        ("GT", Operator::Gt),
        ("GTE", Operator::Gte),
        ("BETWEEN", Operator::Between),
        ("IN", Operator::In),
        ("NOT_IN", Operator::NotIn),
        ("HAS_PROPERTY", Operator::HasProperty),
        ("NOT_HAS_PROPERTY", Operator::NotHasProperty),
        ("CONTAINS_TOKEN", Operator::ContainsToken),
        ("NOT_CONTAINS_TOKEN", Operator::NotContainsToken),
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|(_, op)| *op)
    }
}

/// What a condition compares against, already typed by the property's type.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    None,
    One(Value),
    Range(Value, Value),
    Many(Vec<Value>),
    /// A token pattern for the `*_CONTAINS_TOKEN` operators; `*` matches any run.
    Token(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub property: PropertyDefinition,
    pub operator: Operator,
    pub operand: Operand,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sort {
    pub property: PropertyDefinition,
    pub descending: bool,
}

/// A parsed search: OR over groups of AND-ed conditions, sorts, and the text query over
/// the given searchable properties.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Predicate {
    pub groups: Vec<Vec<Condition>>,
    pub sorts: Vec<Sort>,
    pub query: Option<String>,
    pub query_properties: Vec<PropertyDefinition>,
    /// Only records that are stored members of this (MANUAL or SNAPSHOT) list.
    pub members_of_list: Option<i64>,
}

/// Caps on a search request's shape. HubSpot's documented figures conflict, so they are
/// configurable; the defaults accept the largest documented request.
#[derive(Clone, Copy, Debug)]
pub struct SearchLimits {
    pub max_groups: usize,
    pub max_filters_per_group: usize,
    pub max_filters_total: usize,
    pub max_query_chars: usize,
    /// Values in one `IN` or `NOT_IN` filter (HubSpot: 100).
    pub max_in_values: usize,
}

impl SearchLimits {
    /// No caps: for predicates that were checked when they were stored (exports, lists).
    pub fn unlimited() -> Self {
        Self {
            max_groups: usize::MAX,
            max_filters_per_group: usize::MAX,
            max_filters_total: usize::MAX,
            max_query_chars: usize::MAX,
            max_in_values: usize::MAX,
        }
    }
}

impl Default for SearchLimits {
    fn default() -> Self {
        Self {
            max_groups: 6,
            max_filters_per_group: 10,
            max_filters_total: 25,
            max_query_chars: 3000,
            max_in_values: 100,
        }
    }
}

/// One problem per filter with more `values` than `max` allows.
pub fn check_value_counts(groups: &[RawFilterGroup], max: usize) -> Vec<String> {
    groups
        .iter()
        .flat_map(|g| &g.filters)
        .filter_map(|f| {
            let n = f.values.as_ref().map_or(0, Vec::len);
            (n > max).then(|| {
                format!(
                    "Filter on \"{}\" has {n} values; at most {max} are allowed in one filter",
                    f.property_name
                )
            })
        })
        .collect()
}

/// A filter as clients send it. Values may arrive as strings, numbers or booleans. Fields
/// outside HubSpot's `Filter` are refused.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawFilter {
    /// The exports guide's example spells it `property`.
    #[serde(alias = "property")]
    pub property_name: String,
    pub operator: String,
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub values: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub high_value: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawFilterGroup {
    #[serde(default)]
    pub filters: Vec<RawFilter>,
}

/// A sort entry: HubSpot documents objects; SDK typings make some callers send strings,
/// either a property name or a JSON-encoded object.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RawSort {
    Object {
        #[serde(rename = "propertyName", alias = "property")]
        property_name: String,
        /// CRM search spells it `direction` (`ASCENDING`); the exports guide `order` (`ASC`).
        #[serde(default, alias = "order", skip_serializing_if = "Option::is_none")]
        direction: Option<String>,
    },
    Text(String),
}

/// Turns a JSON scalar into the text HubSpot would have received.
pub fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Looks properties up by name for the parser.
pub trait PropertyLookup {
    fn property(&self, name: &str) -> Option<&PropertyDefinition>;
    fn searchable(&self) -> Vec<PropertyDefinition>;
}

impl PropertyLookup for [PropertyDefinition] {
    fn property(&self, name: &str) -> Option<&PropertyDefinition> {
        self.iter().find(|p| p.name == name)
    }
    fn searchable(&self) -> Vec<PropertyDefinition> {
        self.iter().filter(|p| p.searchable).cloned().collect()
    }
}

/// Parses groups, sorts and query; returns every problem found, not just the first.
pub fn parse_predicate(
    groups: &[RawFilterGroup],
    sorts: &[RawSort],
    query: Option<&str>,
    properties: &(impl PropertyLookup + ?Sized),
    limits: &SearchLimits,
) -> Result<Predicate, Vec<String>> {
    let mut errors = check_value_counts(groups, limits.max_in_values);
    let parsed_groups = parse_groups(groups, properties, limits, &mut errors);
    let parsed_sorts = sorts
        .iter()
        .filter_map(|sort| parse_sort(sort, properties, &mut errors))
        .collect();
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = query
        && q.chars().count() > limits.max_query_chars
    {
        errors.push(format!(
            "query is longer than {} characters",
            limits.max_query_chars
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Predicate {
        groups: parsed_groups,
        sorts: parsed_sorts,
        query: query.map(str::to_string),
        query_properties: if query.is_some() {
            properties.searchable()
        } else {
            Vec::new()
        },
        members_of_list: None,
    })
}

/// The filter groups within the limits; an empty group is dropped, since it would match
/// everything and silently widen an OR.
fn parse_groups(
    groups: &[RawFilterGroup],
    properties: &(impl PropertyLookup + ?Sized),
    limits: &SearchLimits,
    errors: &mut Vec<String>,
) -> Vec<Vec<Condition>> {
    if groups.len() > limits.max_groups {
        errors.push(format!(
            "Too many filter groups: {} (at most {})",
            groups.len(),
            limits.max_groups
        ));
    }
    let total: usize = groups.iter().map(|g| g.filters.len()).sum();
    if total > limits.max_filters_total {
        errors.push(format!(
            "Too many filters: {total} (at most {} in all)",
            limits.max_filters_total
        ));
    }
    let mut parsed = Vec::new();
    for group in groups {
        if group.filters.len() > limits.max_filters_per_group {
            errors.push(format!(
                "Too many filters in one group: {} (at most {})",
                group.filters.len(),
                limits.max_filters_per_group
            ));
        }
        let mut conditions = Vec::new();
        for filter in &group.filters {
            match parse_condition(filter, properties) {
                Ok(c) => conditions.push(c),
                Err(e) => errors.push(e),
            }
        }
        if !conditions.is_empty() {
            parsed.push(conditions);
        }
    }
    parsed
}

/// One sort: an object (`propertyName` and `direction` or `order`), or text: a property
/// name, `-name` for descending, or the object as JSON (an unreadable one is skipped).
fn parse_sort(
    sort: &RawSort,
    properties: &(impl PropertyLookup + ?Sized),
    errors: &mut Vec<String>,
) -> Option<Sort> {
    let (name, direction) = match sort {
        RawSort::Object {
            property_name,
            direction,
        } => (property_name.clone(), direction.clone()),
        RawSort::Text(text) => match serde_json::from_str::<RawSort>(text) {
            Ok(RawSort::Object {
                property_name,
                direction,
            }) => (property_name, direction),
            _ if text.trim_start().starts_with('{') => return None,
            _ => match text.strip_prefix('-') {
                Some(name) => (name.to_string(), Some("DESCENDING".into())),
                None => (text.clone(), None),
            },
        },
    };
    let descending = match direction.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("ASCENDING") | Some("ASC") => false,
        Some("DESCENDING") | Some("DESC") | Some("DES") => true,
        Some(other) => {
            errors.push(format!(
                "Sort direction {other:?} is not ASCENDING or DESCENDING"
            ));
            false
        }
    };
    match properties.property(&name) {
        Some(p) => Some(Sort {
            property: p.clone(),
            descending,
        }),
        None => {
            errors.push(format!("Sort property \"{name}\" does not exist"));
            None
        }
    }
}

fn parse_condition(
    filter: &RawFilter,
    properties: &(impl PropertyLookup + ?Sized),
) -> Result<Condition, String> {
    let name = &filter.property_name;
    let property = properties
        .property(name)
        .ok_or_else(|| format!("Filter property \"{name}\" does not exist"))?
        .clone();
    let operator = Operator::parse(&filter.operator)
        .ok_or_else(|| format!("Unknown filter operator {:?}", filter.operator))?;
    let single = |field: &Option<serde_json::Value>, field_name: &str| -> Result<String, String> {
        field.as_ref().and_then(scalar_text).ok_or_else(|| {
            format!(
                "Filter on \"{name}\" with {} needs a `{field_name}`",
                filter.operator
            )
        })
    };
    let typed = |text: &str| filter_value(&property, text);
    let operand = match operator {
        Operator::HasProperty | Operator::NotHasProperty => Operand::None,
        Operator::ContainsToken | Operator::NotContainsToken => {
            Operand::Token(single(&filter.value, "value")?)
        }
        Operator::Between => Operand::Range(
            typed(&single(&filter.value, "value")?)?,
            typed(&single(&filter.high_value, "highValue")?)?,
        ),
        Operator::In | Operator::NotIn => {
            let raw = filter.values.as_ref().ok_or_else(|| {
                format!(
                    "Filter on \"{name}\" with {} needs `values`",
                    filter.operator
                )
            })?;
            let mut values = Vec::with_capacity(raw.len());
            for v in raw {
                let text = scalar_text(v)
                    .ok_or_else(|| format!("Filter values on \"{name}\" must be strings"))?;
                values.push(typed(&text)?);
            }
            Operand::Many(values)
        }
        _ => Operand::One(typed(&single(&filter.value, "value")?)?),
    };
    Ok(Condition {
        property,
        operator,
        operand,
    })
}

/// Types a filter value by its property. Enumeration values are compared as text, without
/// checking options, as HubSpot does (a filter for a removed option is legal and empty).
fn filter_value(property: &PropertyDefinition, text: &str) -> Result<Value, String> {
    let bad = |what: &str| {
        format!(
            "{text:?} is not a valid {what} for filter on \"{}\"",
            property.name
        )
    };
    Ok(match property.property_type {
        PropertyType::Number => {
            let x: f64 = text.trim().parse().map_err(|_| bad("number"))?;
            if !x.is_finite() {
                return Err(bad("number"));
            }
            Value::Real(x)
        }
        PropertyType::Bool => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("boolean")),
        },
        PropertyType::Date | PropertyType::Datetime => {
            Value::Timestamp(super::time::parse_timestamp(text).ok_or_else(|| bad("date"))?)
        }
        _ => Value::Text(text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_operator_parses_in_any_case() {
        assert_eq!(Operator::ALL.len(), 13);
        assert_eq!(
            Operator::parse("not_has_property"),
            Some(Operator::NotHasProperty)
        );
        assert_eq!(Operator::parse("LIKE"), None);
    }
}
