//! Reading a portal through HubSpot's public CRM APIs only (schemas, properties, owners,
//! pipelines, object pages, v4 associations, lists), so the same calls work against
//! `https://api.hubapi.com` and against another crm-exports server. Every answer is
//! turned into the fixture format's types, which the store's import already checks.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{Client, ClientError, ClientResult};
use crate::domain::custom_object::CustomObjectSettings;
use crate::domain::pipeline::{Pipeline, Stage};
use crate::domain::property::PropertyDefinition;
use crate::domain::time::parse_timestamp;
use crate::fixtures::format::{FixtureGroup, FixtureOwner, FixtureRecord};

/// The largest page HubSpot's object, owner and membership lists answer.
pub const PAGE: usize = 100;

/// One custom object schema of the source, as its schemas API answers it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSchema {
    pub object_type_id: String,
    pub name: String,
    #[serde(flatten)]
    pub settings: CustomObjectSettings,
    #[serde(default)]
    pub associations: Vec<SourceSchemaAssociation>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSchemaAssociation {
    pub from_object_type_id: String,
    pub to_object_type_id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub id: String,
}

/// `{results: [...]}` and the cursor of the next page, if any.
#[derive(Debug, Deserialize)]
struct Page<T> {
    results: Vec<T>,
    #[serde(default)]
    paging: Option<Value>,
}

fn next_after(paging: &Option<Value>) -> Option<String> {
    let after = paging.as_ref()?.pointer("/next/after")?;
    match after {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn with_after(path: &str, after: Option<&str>) -> String {
    match after {
        Some(after) => format!("{path}&after={}", urlencoding(after)),
        None => path.to_owned(),
    }
}

/// A query value percent-encoded (form encoding, as the server's query parser reads it).
fn urlencoding(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub async fn schemas(client: &Client) -> ClientResult<Vec<SourceSchema>> {
    let page: Page<SourceSchema> = client.get("/crm-object-schemas/v3/schemas").await?;
    Ok(page.results)
}

/// The object's property definitions. Their times are the source's and are not read;
/// one that does not say whether HubSpot defines it is the portal's own.
pub async fn properties(client: &Client, object: &str) -> ClientResult<Vec<PropertyDefinition>> {
    let page: Page<Value> = client.get(&format!("/crm/v3/properties/{object}")).await?;
    page.results
        .into_iter()
        .map(|mut p| {
            if let Some(fields) = p.as_object_mut() {
                for time in ["createdAt", "updatedAt", "archivedAt"] {
                    fields.remove(time);
                }
                fields.entry("hubspotDefined").or_insert(Value::Bool(false));
            }
            serde_json::from_value(p)
                .map_err(|e| ClientError::Protocol(format!("a property definition: {e}")))
        })
        .collect()
}

pub async fn groups(client: &Client, object: &str) -> ClientResult<Vec<FixtureGroup>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Group {
        name: String,
        label: String,
        #[serde(default)]
        display_order: i32,
    }
    let path = format!("/crm/v3/properties/{object}/groups");
    let page: Page<Group> = client.get(&path).await?;
    Ok(page
        .results
        .into_iter()
        .map(|g| FixtureGroup {
            name: g.name,
            label: g.label,
            display_order: g.display_order,
        })
        .collect())
}

/// Every owner, live and archived.
pub async fn owners(client: &Client) -> ClientResult<Vec<FixtureOwner>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Owner {
        id: Value,
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        first_name: Option<String>,
        #[serde(default)]
        last_name: Option<String>,
        #[serde(default)]
        archived: bool,
    }
    let mut all = Vec::new();
    for archived in [false, true] {
        let mut after: Option<String> = None;
        loop {
            let path = format!("/crm/v3/owners?limit={PAGE}&archived={archived}");
            let page: Page<Owner> = client.get(&with_after(&path, after.as_deref())).await?;
            for o in page.results {
                all.push(FixtureOwner {
                    id: id_number(&o.id)?,
                    email: o.email.unwrap_or_default(),
                    first_name: o.first_name.unwrap_or_default(),
                    last_name: o.last_name.unwrap_or_default(),
                    archived: o.archived || archived,
                });
            }
            after = next_after(&page.paging);
            if after.is_none() {
                break;
            }
        }
    }
    Ok(all)
}

fn id_number(id: &Value) -> ClientResult<i64> {
    let parsed = match id {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    parsed.ok_or_else(|| ClientError::Protocol(format!("an id that is not a number: {id}")))
}

/// The object's pipelines with their ids and times; stages archived at the source are not
/// listed by HubSpot's API, so they are not copied.
pub async fn pipelines(client: &Client, object: &str) -> ClientResult<Vec<Pipeline>> {
    let page: Page<Value> = client.get(&format!("/crm/v3/pipelines/{object}")).await?;
    page.results.iter().map(pipeline_of).collect()
}

fn time_of(value: &Value, field: &str) -> i64 {
    value
        .get(field)
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
        .unwrap_or(0)
}

fn pipeline_of(p: &Value) -> ClientResult<Pipeline> {
    let text = |v: &Value, f: &str| v.get(f).and_then(Value::as_str).map(str::to_owned);
    let order = |v: &Value| v.get("displayOrder").and_then(Value::as_i64).unwrap_or(0) as i32;
    let bad = || ClientError::Protocol(format!("a pipeline without an id or label: {p}"));
    let stages = p
        .get("stages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let stages = stages
        .iter()
        .map(|s| {
            Ok(Stage {
                id: text(s, "id").ok_or_else(bad)?,
                label: text(s, "label").ok_or_else(bad)?,
                display_order: order(s),
                metadata: s
                    .get("metadata")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                archived: false,
                created_at: time_of(s, "createdAt"),
                updated_at: time_of(s, "updatedAt"),
                archived_at: None,
            })
        })
        .collect::<ClientResult<Vec<_>>>()?;
    Ok(Pipeline {
        id: text(p, "id").ok_or_else(bad)?,
        label: text(p, "label").ok_or_else(bad)?,
        display_order: order(p),
        stages,
        archived: p.get("archived").and_then(Value::as_bool).unwrap_or(false),
        created_at: time_of(p, "createdAt"),
        updated_at: time_of(p, "updatedAt"),
        archived_at: None,
    })
}

/// A record as the object, batch and search APIs answer it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceRecord {
    id: Value,
    /// The fixture's own map type, so a record's values are not copied into another.
    #[serde(default)]
    properties: BTreeMap<String, Value>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    archived: bool,
}

fn records_of(page: Vec<SourceRecord>, archived: bool) -> ClientResult<Vec<FixtureRecord>> {
    page.into_iter()
        .map(|mut r| {
            r.properties.retain(|_, v| !v.is_null());
            Ok(FixtureRecord {
                id: id_number(&r.id)?,
                properties: r.properties,
                created_at: r.created_at,
                updated_at: r.updated_at,
                archived: r.archived || archived,
            })
        })
        .collect()
}

/// One page of an object's records with the named properties, and the next cursor.
pub async fn records(
    client: &Client,
    object: &str,
    properties: &[String],
    archived: bool,
    after: Option<&str>,
) -> ClientResult<(Vec<FixtureRecord>, Option<String>)> {
    let path = format!(
        "/crm/v3/objects/{object}?limit={PAGE}&archived={archived}&properties={}",
        urlencoding(&properties.join(","))
    );
    let page: Page<SourceRecord> = client.get(&with_after(&path, after)).await?;
    let next = next_after(&page.paging);
    Ok((records_of(page.results, archived)?, next))
}

/// The largest page the search API answers, and how far it pages into one query.
pub const SEARCH_PAGE: usize = 200;
pub const SEARCH_CAP: usize = 10_000;

/// The property holding a record's last change: contacts name it apart from every other
/// object.
pub fn modified_property(object_key: &str) -> &'static str {
    match object_key {
        "contacts" => "lastmodifieddate",
        _ => "hs_lastmodifieddate",
    }
}

/// How many live records the object has and when the latest changed (epoch ms), from one
/// search for the most recently changed record.
pub async fn latest_change(
    client: &Client,
    (object, modified): (&str, &str),
) -> ClientResult<(u64, Option<i64>)> {
    #[derive(Deserialize)]
    struct Found {
        #[serde(default)]
        total: u64,
        results: Vec<SourceRecord>,
    }
    let body = json!({
        "sorts": [{"propertyName": modified, "direction": "DESCENDING"}],
        "properties": [modified],
        "limit": 1,
    });
    let path = format!("/crm/v3/objects/{object}/search");
    let found: Found = client.post(&path, &body).await?;
    let latest = found.results.first().and_then(|r| {
        let text = r.updated_at.as_deref()?;
        parse_timestamp(text)
    });
    Ok((found.total, latest))
}

/// One page of the live records changed at or after `since` (epoch ms), oldest change
/// first, and the next cursor within this query.
pub async fn changed_since(
    client: &Client,
    (object, modified): (&str, &str),
    properties: &[String],
    since: i64,
    after: Option<&str>,
) -> ClientResult<(Vec<FixtureRecord>, Option<String>)> {
    let mut body = json!({
        "filterGroups": [{"filters": [
            {"propertyName": modified, "operator": "GTE", "value": since.to_string()}
        ]}],
        "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
        "properties": properties,
        "limit": SEARCH_PAGE,
    });
    if let Some(after) = after {
        body["after"] = Value::String(after.to_owned());
    }
    let path = format!("/crm/v3/objects/{object}/search");
    let page: Page<SourceRecord> = client.post(&path, &body).await?;
    let next = next_after(&page.paging);
    Ok((records_of(page.results, false)?, next))
}

/// A type of an association as the v4 API reads it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceType {
    pub category: String,
    pub type_id: i64,
    #[serde(default)]
    pub label: Option<String>,
}

/// A 400 for a pair of objects the source cannot associate (a custom object defined
/// with some objects only) means no types and no associations, not a failure.
fn unless_unrelated<T: Default>(answer: ClientResult<T>) -> ClientResult<T> {
    match answer {
        Err(e) if e.status() == Some(reqwest::StatusCode::BAD_REQUEST) => Ok(T::default()),
        other => other,
    }
}

/// The association types the source has from `from` to `to`.
pub async fn labels(client: &Client, from: &str, to: &str) -> ClientResult<Vec<SourceType>> {
    let path = format!("/crm/v4/associations/{from}/{to}/labels");
    let page: ClientResult<Page<SourceType>> = client.get(&path).await;
    unless_unrelated(page.map(|p| p.results))
}

/// The associations from each of `ids` to records of `to`: `(from id, to id, types)`. A
/// record with more than a page of them (HubSpot answers 500) comes back with a cursor,
/// and is asked for again from there until none is left.
pub async fn associations(
    client: &Client,
    (from, to): (&str, &str),
    ids: &[i64],
) -> ClientResult<Vec<(i64, i64, Vec<SourceType>)>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct To {
        to_object_id: Value,
        association_types: Vec<SourceType>,
    }
    #[derive(Deserialize)]
    struct Result {
        from: Value,
        to: Vec<To>,
        #[serde(default)]
        paging: Option<Value>,
    }
    let path = format!("/crm/v4/associations/{from}/{to}/batch/read");
    let mut inputs: Vec<Value> = ids.iter().map(|id| json!({"id": id.to_string()})).collect();
    let mut edges = Vec::new();
    while !inputs.is_empty() {
        let body = json!({ "inputs": inputs });
        let page: ClientResult<Page<Result>> = client.post(&path, &body).await;
        let mut again = Vec::new();
        for result in unless_unrelated(page.map(|p| p.results))? {
            let from_id = id_number(result.from.get("id").unwrap_or(&Value::Null))?;
            for to in result.to {
                edges.push((from_id, id_number(&to.to_object_id)?, to.association_types));
            }
            if let Some(after) = next_after(&result.paging) {
                again.push(json!({"id": from_id.to_string(), "after": after}));
            }
        }
        inputs = again;
    }
    Ok(edges)
}

/// A list of the source with its filters and (MANUAL and SNAPSHOT) members.
#[derive(Clone, Debug)]
pub struct SourceList {
    pub name: String,
    pub object_type_id: String,
    pub processing_type: String,
    pub filter_branch: Option<Value>,
    pub members: Vec<i64>,
}

/// A list of the source as its search answers it: no filters, no members.
#[derive(Clone, Debug)]
pub struct ListSummary {
    pub id: i64,
    pub name: String,
    pub object_type_id: String,
    pub processing_type: String,
}

/// Every list of the source, 500 a request.
pub async fn list_summaries(client: &Client) -> ClientResult<Vec<ListSummary>> {
    let mut found = Vec::new();
    let mut offset = 0;
    loop {
        let body = json!({"count": 500, "offset": offset});
        let page: Value = client.post("/crm/v3/lists/search", &body).await?;
        let lists = page.get("lists").and_then(Value::as_array).cloned();
        let lists = lists.unwrap_or_default();
        offset += lists.len();
        for list in &lists {
            let text = |f: &str| list.get(f).and_then(Value::as_str).unwrap_or("").to_owned();
            found.push(ListSummary {
                id: list.get("listId").map(id_number).transpose()?.unwrap_or(0),
                name: text("name"),
                object_type_id: text("objectTypeId"),
                processing_type: text("processingType"),
            });
        }
        if lists.is_empty() || page.get("hasMore").and_then(Value::as_bool) != Some(true) {
            break;
        }
    }
    Ok(found)
}

/// The source lists (by id) each of `ids` of the object belongs to, 100 records a request.
pub async fn memberships(
    client: &Client,
    object_type_id: &str,
    ids: &[i64],
) -> ClientResult<Vec<(i64, Vec<i64>)>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let inputs: Vec<Value> = chunk
            .iter()
            .map(|id| json!({"objectTypeId": object_type_id, "recordId": id.to_string()}))
            .collect();
        let path = "/crm/v3/lists/records/memberships/batch/read";
        let page: Page<Value> = client.post(path, &json!({ "inputs": inputs })).await?;
        for result in &page.results {
            let id = id_number(result.get("recordId").unwrap_or(&Value::Null))?;
            let lists = result
                .get("recordListMemberships")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|m| id_number(m.get("listId").unwrap_or(&Value::Null)))
                .collect::<ClientResult<Vec<_>>>()?;
            found.push((id, lists));
        }
    }
    Ok(found)
}

/// One list with its filters and (MANUAL and SNAPSHOT) members.
pub async fn list(client: &Client, id: i64) -> ClientResult<SourceList> {
    let answer: Value = client
        .get(&format!("/crm/v3/lists/{id}?includeFilters=true"))
        .await?;
    let list = answer.get("list").cloned().unwrap_or_default();
    let text = |f: &str| list.get(f).and_then(Value::as_str).unwrap_or("").to_owned();
    let processing_type = text("processingType");
    let mut members = Vec::new();
    if processing_type != "DYNAMIC" {
        let mut after: Option<String> = None;
        loop {
            let path = format!("/crm/v3/lists/{id}/memberships?limit=250");
            let page: Page<Value> = client.get(&with_after(&path, after.as_deref())).await?;
            for m in &page.results {
                members.push(id_number(m.get("recordId").unwrap_or(&Value::Null))?);
            }
            after = next_after(&page.paging);
            if after.is_none() {
                break;
            }
        }
    }
    Ok(SourceList {
        name: text("name"),
        object_type_id: text("objectTypeId"),
        processing_type,
        filter_branch: list.get("filterBranch").cloned().filter(|f| !f.is_null()),
        members,
    })
}
