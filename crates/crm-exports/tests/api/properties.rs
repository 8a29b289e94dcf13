//! The properties API: default definitions, custom properties and groups, and how records
//! and search use a custom property once it exists.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, PROPERTY_PREFIXES, TestApp, assert_hubspot_error};

/// Creates the custom contact properties the search tests filter on.
pub async fn create_test_properties(app: &TestApp) {
    let definitions = [
        json!({"name": "score", "label": "Score", "type": "number", "fieldType": "number", "groupName": "contactinformation"}),
        json!({"name": "joined_on", "label": "Joined on", "type": "date", "fieldType": "date", "groupName": "contactinformation"}),
        json!({"name": "member_since", "label": "Member since", "type": "datetime", "fieldType": "date", "groupName": "contactinformation"}),
        json!({"name": "vip", "label": "VIP", "type": "bool", "fieldType": "booleancheckbox", "groupName": "contactinformation",
               "options": [{"label": "Yes", "value": "true"}, {"label": "No", "value": "false"}]}),
        json!({"name": "interests", "label": "Interests", "type": "enumeration", "fieldType": "checkbox", "groupName": "contactinformation",
               "options": [{"label": "Apples", "value": "apples"}, {"label": "Bananas", "value": "bananas"}, {"label": "Cherries", "value": "cherries"}]}),
    ];
    for d in definitions {
        let reply = app.post("/crm/v3/properties/contacts", d).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
}

fn find<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed"))
}

#[tokio::test]
async fn default_definitions_carry_hubspots_labels_types_and_options() {
    let app = TestApp::spawn().await;
    for prefix in PROPERTY_PREFIXES {
        let all = app.get(&format!("{prefix}/contacts")).await;
        assert_eq!(all.status, StatusCode::OK);
        let firstname = find(&all.body, "firstname");
        assert_eq!(firstname["label"], "First Name");
        assert_eq!(firstname["type"], "string");
        assert_eq!(firstname["fieldType"], "text");
        let stage = find(&all.body, "lifecyclestage");
        assert!(
            stage["options"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["value"] == "lead" && o["label"] == "Lead")
        );
        let one = app.get(&format!("{prefix}/0-3/dealname")).await;
        assert_eq!(one.body["label"], "Deal Name");
        assert_eq!(one.body["hubspotDefined"], true);
        let fr = app
            .get(&format!("{prefix}/contacts/firstname?locale=fr"))
            .await;
        assert_eq!(fr.body["label"], "Prénom");
        let missing = app.get(&format!("{prefix}/contacts/shoe_size")).await;
        assert_hubspot_error(&missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let groups = app.get(&format!("{prefix}/contacts/groups")).await;
        assert!(
            groups.body["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["name"] == "contactinformation")
        );
    }
}

#[tokio::test]
async fn a_custom_property_is_listed_validated_on_write_and_searchable() {
    let app = TestApp::spawn().await;
    create_test_properties(&app).await;
    let listed = app.get("/crm/properties/2026-03/contacts").await;
    assert_eq!(find(&listed.body, "interests")["fieldType"], "checkbox");
    assert_eq!(find(&listed.body, "score")["hubspotDefined"], false);
    let created = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"score": "7", "interests": "cherries;apples"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["properties"]["interests"], "cherries;apples");
    let bad = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"interests": "durian"}}),
        )
        .await;
    assert_hubspot_error(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(bad.body["message"].as_str().unwrap().contains("interests"));
    let found = app
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "score", "operator": "GTE", "value": "7"}]}]}),
        )
        .await;
    assert_eq!(found.body["total"], 1);
}

#[tokio::test]
async fn bad_property_definitions_are_refused_and_duplicates_conflict() {
    let app = TestApp::spawn().await;
    let good = json!({"name": "tier", "label": "Tier", "type": "string", "fieldType": "text", "groupName": "contactinformation"});
    assert_eq!(
        app.post("/crm/v3/properties/contacts", good.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    let again = app.post("/crm/properties/2026-03/contacts", good).await;
    assert_hubspot_error(&again, StatusCode::CONFLICT, "CONFLICT");
    for bad in [
        json!({"name": "Bad Name", "label": "x", "type": "string", "fieldType": "text", "groupName": "contactinformation"}),
        json!({"name": "n1", "label": "x", "type": "number", "fieldType": "checkbox", "groupName": "contactinformation"}),
        json!({"name": "n2", "label": "x", "type": "enumeration", "fieldType": "select", "groupName": "contactinformation"}),
        json!({"name": "n3", "label": "x", "type": "string", "fieldType": "text", "groupName": "no_such_group"}),
        json!({"name": "n4", "label": "x", "type": "colour", "fieldType": "text", "groupName": "contactinformation"}),
    ] {
        let reply = app.post("/crm/v3/properties/contacts", bad.clone()).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let listed = app.get("/crm/v3/properties/contacts").await;
    let names: Vec<&str> = listed.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.iter().any(|n| ["n1", "n2", "n3", "n4"].contains(n)),
        "nothing refused was stored"
    );
}

#[tokio::test]
async fn a_new_group_holds_new_properties() {
    let app = TestApp::spawn().await;
    let group = app
        .post(
            "/crm/v3/properties/companies/groups",
            json!({"name": "finance", "label": "Finance", "displayOrder": 3}),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    let read = app.get("/crm/v3/properties/companies/groups/finance").await;
    assert_eq!(read.body["label"], "Finance");
    let property = app
        .post(
            "/crm/v3/properties/companies",
            json!({"name": "credit_limit", "label": "Credit limit", "type": "number", "fieldType": "number", "groupName": "finance"}),
        )
        .await;
    assert_eq!(property.status, StatusCode::CREATED, "{}", property.body);
}

#[tokio::test]
async fn a_unique_custom_property_rejects_duplicates_and_keys_reads() {
    let app = TestApp::spawn().await;
    let created = app
        .post(
            "/crm/v3/properties/companies",
            json!({"name": "vat_number", "label": "VAT number", "type": "string", "fieldType": "text", "groupName": "companyinformation", "hasUniqueValue": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let first = app
        .post(
            "/crm/v3/objects/companies",
            json!({"properties": {"name": "A", "vat_number": "GB123"}}),
        )
        .await;
    let dup = app
        .post(
            "/crm/v3/objects/companies",
            json!({"properties": {"name": "B", "vat_number": "gb123"}}),
        )
        .await;
    assert_hubspot_error(&dup, StatusCode::CONFLICT, "CONFLICT");
    let by_vat = app
        .get("/crm/v3/objects/companies/GB123?idProperty=vat_number")
        .await;
    assert_eq!(by_vat.body["id"], first.body["id"]);
}

#[tokio::test]
async fn reading_properties_needs_a_read_scope_and_creating_a_schema_write_scope() {
    let app = TestApp::spawn().await;
    let token = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let read = app
        .send(
            Method::GET,
            "/crm/v3/properties/contacts",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let write = app
        .send(
            Method::POST,
            "/crm/v3/properties/contacts",
            Some(&token),
            Some(Body::Json(json!({"name": "x", "label": "x", "type": "string", "fieldType": "text", "groupName": "contactinformation"}))),
        )
        .await;
    assert_hubspot_error(&write, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    assert_eq!(
        write.body["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.schemas.contacts.write"])
    );
}

#[tokio::test]
async fn properties_and_groups_are_created_and_read_in_batches_on_both_path_families() {
    let app = TestApp::spawn().await;
    for (n, prefix) in PROPERTY_PREFIXES.iter().enumerate() {
        let group = format!("batch_group_{n}");
        let created = app
            .post(
                &format!("{prefix}/deals/groups"),
                json!({"name": group, "label": "Batch"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let inputs: Vec<Value> = (0..3)
            .map(|i| json!({"name": format!("batch_{n}_{i}"), "label": format!("Batch {i}"), "type": "string", "fieldType": "text", "groupName": group}))
            .collect();
        let batch = app
            .post(
                &format!("{prefix}/deals/batch/create"),
                json!({"inputs": inputs}),
            )
            .await;
        assert_eq!(batch.status, StatusCode::CREATED, "{}", batch.body);
        assert_eq!(batch.body["results"].as_array().unwrap().len(), 3);
        let read = app
            .post(
                &format!("{prefix}/deals/batch/read"),
                json!({"inputs": [{"name": format!("batch_{n}_2")}, {"name": "dealname"}, {"name": "no_such"}], "archived": false}),
            )
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        let names: Vec<&str> = read.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, [format!("batch_{n}_2").as_str(), "dealname"]);
    }
}
