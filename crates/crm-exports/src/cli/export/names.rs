//! Names the user typed, checked against the portal before the server is blamed: object
//! types (standard ones by any spelling, custom ones through the portal's schemas, an
//! unknown one named as such before anything else) and, when the server refuses an
//! export, the property names it does not have, with the nearest ones it does.

use anyhow::bail;
use serde_json::Value;

use crate::client::{Client, ClientError, CustomObjectSchema};
use crate::domain::ObjectType;

/// An object type as the export request names it.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// What the request carries: HubSpot's spelling (`CONTACT`) or an objectTypeId.
    pub api_name: String,
    /// Columns to export when `--properties` is not given; empty when unknown.
    pub default_properties: Vec<String>,
}

/// Resolves object type names, reading the portal's custom object schemas at most once.
pub struct ObjectNames<'a> {
    client: &'a Client,
    schemas: Option<Result<Vec<CustomObjectSchema>, ClientError>>,
}

impl<'a> ObjectNames<'a> {
    pub fn new(client: &'a Client) -> Self {
        ObjectNames {
            client,
            schemas: None,
        }
    }

    pub async fn resolve(&mut self, text: &str) -> anyhow::Result<Target> {
        let text = text.trim();
        if let Some(object) = ObjectType::parse(text).filter(|o| !o.is_custom()) {
            return Ok(Target {
                api_name: object.singular().to_ascii_uppercase(),
                default_properties: strings(standard_columns(object)),
            });
        }
        let client = self.client;
        if self.schemas.is_none() {
            self.schemas = Some(client.custom_object_schemas().await);
        }
        match self.schemas.as_ref().expect("loaded above") {
            Ok(schemas) => match find(schemas, text) {
                Some(schema) => Ok(Target {
                    api_name: schema.object_type_id.clone(),
                    default_properties: custom_columns(schema),
                }),
                None => bail!("{}", unknown_object(text, schemas)),
            },
            // The token may not read schemas (HubSpot asks for a scope of its own): the
            // server will say whether the type exists.
            Err(_) => Ok(Target {
                api_name: text.to_owned(),
                default_properties: Vec::new(),
            }),
        }
    }
}

fn find<'s>(schemas: &'s [CustomObjectSchema], text: &str) -> Option<&'s CustomObjectSchema> {
    schemas.iter().find(|s| {
        s.object_type_id == text
            || s.name.eq_ignore_ascii_case(text)
            || s.fully_qualified_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(text))
    })
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// A few usual columns of each standard object.
fn standard_columns(object: ObjectType) -> &'static [&'static str] {
    match object {
        ObjectType::Contacts => &[
            "email",
            "firstname",
            "lastname",
            "lifecyclestage",
            "createdate",
        ],
        ObjectType::Companies => &["name", "domain", "city", "country", "createdate"],
        ObjectType::Deals => &["dealname", "amount", "dealstage", "closedate", "createdate"],
        ObjectType::Tickets => &[
            "subject",
            "hs_pipeline_stage",
            "hs_ticket_priority",
            "createdate",
        ],
        ObjectType::Custom(_) => &[],
    }
}

/// A custom object's display property and the dates every custom object has.
fn custom_columns(schema: &CustomObjectSchema) -> Vec<String> {
    let mut columns: Vec<String> = schema.primary_display_property.iter().cloned().collect();
    columns.extend(strings(&["hs_createdate", "hs_lastmodifieddate"]));
    columns
}

fn unknown_object(text: &str, schemas: &[CustomObjectSchema]) -> String {
    let mut known: Vec<String> = ObjectType::STANDARD
        .iter()
        .map(|t| t.plural().into_owned())
        .collect();
    known.extend(schemas.iter().map(|s| s.name.clone()));
    let mut message = format!("unknown object type {text:?}");
    let near = nearest(text, known.iter().map(String::as_str));
    if !near.is_empty() {
        message.push_str(&format!(" (did you mean {}?)", near.join(" or ")));
    }
    message.push_str(&format!("; this portal has {}", known.join(", ")));
    message
}

/// Up to three of `candidates` within a few edits of `typed`, all at the smallest distance.
pub fn nearest<'c>(typed: &str, candidates: impl Iterator<Item = &'c str>) -> Vec<&'c str> {
    let typed = typed.to_ascii_lowercase();
    let limit = (typed.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .map(|c| (strsim::levenshtein(&typed, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    // Only the nearest: `firstnme` suggests firstname, not lastname too.
    let best = scored.first().map(|(d, _)| *d);
    scored
        .into_iter()
        .take_while(|(d, _)| Some(*d) == best)
        .take(3)
        .map(|(_, c)| c)
        .collect()
}

/// Every property name an export request refers to: its columns, filters and sorts.
fn referenced_properties(request: &Value) -> Vec<&str> {
    let search = &request["publicCrmSearchRequest"];
    let filters = search["filterGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["filters"].as_array().into_iter().flatten());
    let sorts = search["sorts"].as_array().into_iter().flatten();
    let mut names: Vec<&str> = request["objectProperties"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(filters)
        .chain(sorts)
        .filter_map(|v| v.as_str().or_else(|| v["propertyName"].as_str()))
        .collect();
    names.dedup();
    names
}

/// The server's refusal of `request`, followed by a "did you mean" for each property name
/// the object does not have; the refusal alone when the names cannot be checked.
pub async fn explain_refusal(
    client: &Client,
    request: &Value,
    refusal: ClientError,
) -> anyhow::Error {
    let object = request["objectType"].as_str().unwrap_or_default();
    let Ok(known) = client.property_names(object).await else {
        return refusal.into();
    };
    let hints: Vec<String> = referenced_properties(request)
        .into_iter()
        .filter(|name| !known.iter().any(|k| k == name))
        .map(|name| {
            let near = nearest(name, known.iter().map(String::as_str));
            if near.is_empty() {
                format!("{name:?} is not a property of {object}")
            } else {
                format!(
                    "{name:?} is not a property of {object} (did you mean {}?)",
                    near.join(", ")
                )
            }
        })
        .collect();
    if hints.is_empty() {
        return refusal.into();
    }
    anyhow::anyhow!("{refusal}; {}", hints.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_nearest_names_are_a_few_edits_away() {
        let names = [
            "email",
            "firstname",
            "lastname",
            "lifecyclestage",
            "hs_lead_status",
        ];
        assert_eq!(nearest("emial", names.into_iter()), ["email"]);
        assert_eq!(nearest("FirstName", names.into_iter()), ["firstname"]);
        assert_eq!(
            nearest("lifecycle_stage", names.into_iter()),
            ["lifecyclestage"]
        );
        assert!(nearest("shoe_size", names.into_iter()).is_empty());
    }

    #[test]
    fn columns_filters_and_sorts_are_checked() {
        let request = json!({
            "objectProperties": ["email", "citty"],
            "publicCrmSearchRequest": {
                "filterGroups": [{"filters": [{"propertyName": "lifecyclestag", "operator": "EQ"}]}],
                "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}]
            }
        });
        assert_eq!(
            referenced_properties(&request),
            ["email", "citty", "lifecyclestag", "createdate"]
        );
    }

    #[test]
    fn an_unknown_object_is_named_with_the_known_ones() {
        let message = unknown_object("contcts", &[]);
        assert_eq!(
            message,
            "unknown object type \"contcts\" (did you mean contacts?); this portal has contacts, companies, deals, tickets"
        );
        assert!(unknown_object("persons", &[]).starts_with("unknown object type \"persons\"; "));
    }
}
