//! Small builders the contract tests share: a portal, typed property values parsed the way
//! the API parses them, custom properties, predicates, and export requests.

use crm_exports::domain::ObjectType;
use crm_exports::domain::export::{ExportFormat, ExportRequest, ExportType};
use crm_exports::domain::property::PropertyDefinition;
use crm_exports::domain::search::{
    Predicate, RawFilterGroup, RawSort, SearchLimits, parse_predicate,
};
use crm_exports::domain::{Record, Value};
use crm_exports::store::{
    ExportQuota, ExportRow, PortalId, PropertyValues, SharedStore, WriteOp, Written,
};

pub const NOW: i64 = 1_760_000_000_000;
pub const CONTACTS: ObjectType = ObjectType::Contacts;

pub async fn portal(store: &SharedStore) -> PortalId {
    store.create_portal(NOW).await.expect("a new portal")
}

/// Values typed by the contact schema, from the strings a client sends.
pub async fn values(store: &SharedStore, portal: PortalId, raw: &[(&str, &str)]) -> PropertyValues {
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    raw.iter()
        .map(|(name, text)| {
            let property = schema
                .property(name)
                .unwrap_or_else(|| panic!("contacts have no property {name}"));
            (name.to_string(), property.parse_value(text).unwrap())
        })
        .collect()
}

/// Creates one contact and returns its id.
pub async fn contact(store: &SharedStore, portal: PortalId, raw: &[(&str, &str)]) -> i64 {
    let values = values(store, portal, raw).await;
    let written = store
        .write_records(
            portal,
            CONTACTS,
            vec![WriteOp::Create(values, vec![])].into(),
            true,
            NOW,
        )
        .await
        .unwrap();
    match written.as_slice() {
        [Ok(Written { id, created: true })] => *id,
        other => panic!("the contact was not created: {other:?}"),
    }
}

/// Adds a custom contact property: `number`, `bool`, `date`, `string` or
/// `enumeration`/`checkbox` (a multi-select with options a, b and c).
pub async fn custom_property(store: &SharedStore, portal: PortalId, name: &str, kind: &str) {
    let (property_type, field_type) = match kind {
        "number" => ("number", "number"),
        "bool" => ("bool", "booleancheckbox"),
        "date" => ("date", "date"),
        "checkbox" => ("enumeration", "checkbox"),
        _ => ("string", "text"),
    };
    let definition: PropertyDefinition = serde_json::from_value(serde_json::json!({
        "name": name,
        "label": name,
        "type": property_type,
        "fieldType": field_type,
        "groupName": "contactinformation",
        "hubspotDefined": false,
        "options": [
            {"label": "A", "value": "a"},
            {"label": "B", "value": "b"},
            {"label": "C", "value": "c"}
        ]
    }))
    .unwrap();
    store
        .create_property(portal, CONTACTS, definition)
        .await
        .expect("the property is created");
}

/// A contact predicate from HubSpot-shaped JSON filter groups and sorts.
pub async fn predicate(
    store: &SharedStore,
    portal: PortalId,
    groups: serde_json::Value,
    sorts: serde_json::Value,
    query: Option<&str>,
) -> Predicate {
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    let groups: Vec<RawFilterGroup> = serde_json::from_value(groups).unwrap();
    let sorts: Vec<RawSort> = serde_json::from_value(sorts).unwrap();
    parse_predicate(
        &groups,
        &sorts,
        query,
        schema.properties.as_slice(),
        &SearchLimits::unlimited(),
    )
    .expect("a valid predicate")
}

/// The ids of records, in order.
pub fn ids(records: &[Record]) -> Vec<i64> {
    records.iter().map(|r| r.id).collect()
}

pub fn text(value: &str) -> Option<Value> {
    Some(Value::Text(value.to_string()))
}

pub fn export_request(name: &str) -> ExportRequest {
    ExportRequest {
        export_type: ExportType::View,
        export_name: name.to_string(),
        format: ExportFormat::Csv,
        language: "EN".to_string(),
        object_type: CONTACTS,
        object_properties: vec!["email".to_string()],
        internal_names: false,
        internal_values: false,
        filter_groups: vec![],
        sorts: vec![],
        query: None,
        list_id: None,
        associated_object_types: vec![],
        include_primary_display: false,
        include_labeled: false,
        unlimited_associations: false,
        csv_formula_guard: false,
    }
}

/// Queues `request` for `portal` as the API does, with a quota no test reaches.
pub async fn queue_export(
    store: &SharedStore,
    portal: PortalId,
    request: &ExportRequest,
    at: i64,
) -> ExportRow {
    let unlimited = ExportQuota {
        since: 0,
        max: u64::MAX,
    };
    store
        .create_export_within_quota(portal, request, at, unlimited)
        .await
        .unwrap()
        .expect("an unlimited quota has room")
}
