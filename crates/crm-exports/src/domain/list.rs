//! Lists: MANUAL and SNAPSHOT lists hold members; DYNAMIC lists hold a `filterBranch`
//! (an OR of AND branches of `PROPERTY` filters) that is translated here into the search
//! predicate the store already evaluates, so membership always follows the records.
//! Filter types and operations without a search equivalent are refused, naming them.

use serde_json::Value as Json;

use super::search::{RawFilter, RawFilterGroup};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessingType {
    Manual,
    Snapshot,
    Dynamic,
}

impl ProcessingType {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "MANUAL" => Some(Self::Manual),
            "SNAPSHOT" => Some(Self::Snapshot),
            "DYNAMIC" => Some(Self::Dynamic),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "MANUAL",
            Self::Snapshot => "SNAPSHOT",
            Self::Dynamic => "DYNAMIC",
        }
    }
}

fn text(v: &Json, key: &str) -> Option<String> {
    v.get(key).and_then(super::search::scalar_text)
}

/// Translates a list `filterBranch` into search filter groups.
pub fn filter_groups(branch: &Json) -> Result<Vec<RawFilterGroup>, String> {
    let kind = branch
        .get("filterBranchType")
        .and_then(Json::as_str)
        .unwrap_or("");
    if kind != "OR" {
        return Err(format!(
            "The root filter branch must be of type OR, not {kind:?}"
        ));
    }
    if branch
        .get("filters")
        .and_then(Json::as_array)
        .is_some_and(|f| !f.is_empty())
    {
        return Err("The root OR branch takes no filters; put them in AND branches".into());
    }
    let mut groups = Vec::new();
    for child in branch
        .get("filterBranches")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let kind = child
            .get("filterBranchType")
            .and_then(Json::as_str)
            .unwrap_or("");
        if kind != "AND" {
            return Err(format!(
                "Filter branch type {kind:?} is not supported; use AND branches under the OR root"
            ));
        }
        if child
            .get("filterBranches")
            .and_then(Json::as_array)
            .is_some_and(|b| !b.is_empty())
        {
            return Err("Nested filter branches inside an AND branch are not supported".into());
        }
        let mut filters = Vec::new();
        for f in child
            .get("filters")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            filters.push(property_filter(f)?);
        }
        groups.push(RawFilterGroup { filters });
    }
    Ok(groups)
}

fn property_filter(f: &Json) -> Result<RawFilter, String> {
    let kind = f.get("filterType").and_then(Json::as_str).unwrap_or("");
    if kind != "PROPERTY" {
        return Err(format!(
            "Filter type {kind:?} is not supported; only PROPERTY filters are"
        ));
    }
    let property = text(f, "property").ok_or("A PROPERTY filter needs `property`")?;
    let op = f
        .get("operation")
        .ok_or("A PROPERTY filter needs `operation`")?;
    let operation_type = text(op, "operationType")
        .unwrap_or_default()
        .to_ascii_uppercase();
    let operator = text(op, "operator")
        .unwrap_or_default()
        .to_ascii_uppercase();
    let one = |search_op: &str, value: Option<String>| -> Result<RawFilter, String> {
        Ok(RawFilter {
            property_name: property.clone(),
            operator: search_op.to_string(),
            value: value.map(Json::String),
            values: None,
            high_value: None,
        })
    };
    let value = || text(op, "value");
    match (operation_type.as_str(), operator.as_str()) {
        ("STRING" | "NUMBER" | "BOOL", "IS_EQUAL_TO") => one("EQ", value()),
        ("STRING" | "NUMBER" | "BOOL", "IS_NOT_EQUAL_TO") => one("NEQ", value()),
        ("NUMBER", "IS_GREATER_THAN") => one("GT", value()),
        ("NUMBER", "IS_GREATER_THAN_OR_EQUAL_TO") => one("GTE", value()),
        ("NUMBER", "IS_LESS_THAN") => one("LT", value()),
        ("NUMBER", "IS_LESS_THAN_OR_EQUAL_TO") => one("LTE", value()),
        ("DATETIME", "IS_BEFORE") => one("LT", text(op, "timestamp")),
        ("DATETIME", "IS_AFTER") => one("GT", text(op, "timestamp")),
        ("ALL_PROPERTY", "IS_KNOWN") => one("HAS_PROPERTY", None),
        ("ALL_PROPERTY", "IS_UNKNOWN") => one("NOT_HAS_PROPERTY", None),
        ("NUMBER_RANGED" | "RANGED_DATE", "IS_BETWEEN") => Ok(RawFilter {
            high_value: text(op, "upperBound").map(Json::String),
            ..one("BETWEEN", text(op, "lowerBound"))?
        }),
        ("ENUMERATION" | "MULTISTRING", "IS_ANY_OF" | "IS_EQUAL_TO")
        | ("ENUMERATION", "CONTAINS_ANY") => Ok(RawFilter {
            values: op.get("values").and_then(Json::as_array).cloned(),
            ..one("IN", None)?
        }),
        ("ENUMERATION", "IS_NONE_OF") => Ok(RawFilter {
            values: op.get("values").and_then(Json::as_array).cloned(),
            ..one("NOT_IN", None)?
        }),
        (t, o) => Err(format!(
            "Filter operation {t} {o} on \"{property}\" is not supported"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_or_of_and_branches_becomes_filter_groups() {
        let branch = json!({"filterBranchType": "OR", "filters": [], "filterBranches": [
            {"filterBranchType": "AND", "filterBranches": [], "filters": [
                {"filterType": "PROPERTY", "property": "lifecyclestage",
                 "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]}},
                {"filterType": "PROPERTY", "property": "email",
                 "operation": {"operationType": "ALL_PROPERTY", "operator": "IS_KNOWN"}}]}]});
        let groups = filter_groups(&branch).unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].filters[0].operator, "IN");
        assert_eq!(groups[0].filters[1].operator, "HAS_PROPERTY");
        let events = json!({"filterBranchType": "OR", "filterBranches": [{"filterBranchType": "AND",
            "filters": [{"filterType": "PAGE_VIEW"}]}]});
        assert!(filter_groups(&events).unwrap_err().contains("PAGE_VIEW"));
    }
}
