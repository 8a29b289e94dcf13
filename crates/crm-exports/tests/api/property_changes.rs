//! Updating and archiving properties and property groups, and reading schemas in a batch,
//! on both path families: each change as a client reads it back, and each refusal with
//! HubSpot's body and nothing changed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PROPERTY_PREFIXES, TestApp, assert_hubspot_error};

async fn create_tier(app: &TestApp, prefix: &str, name: &str) {
    let created = app
        .post(
            &format!("{prefix}/contacts"),
            json!({"name": name, "label": "Tier", "type": "enumeration", "fieldType": "select",
                   "groupName": "contactinformation",
                   "options": [{"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
}

async fn read(app: &TestApp, prefix: &str, name: &str) -> Value {
    let reply = app.get(&format!("{prefix}/contacts/{name}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_property_update_changes_the_given_fields_and_reads_back() {
    let app = TestApp::spawn().await;
    for (n, prefix) in PROPERTY_PREFIXES.iter().enumerate() {
        let name = format!("tier_{n}");
        create_tier(&app, prefix, &name).await;
        let patched = app
            .patch(
                &format!("{prefix}/contacts/{name}"),
                json!({"label": "Customer tier", "description": "How much they buy",
                       "groupName": "conversioninformation", "hidden": true, "displayOrder": 4,
                       "options": [{"label": "Gold", "value": "gold"}, {"label": "Bronze", "value": "bronze"}]}),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        let body = read(&app, prefix, &name).await;
        assert_eq!(body, patched.body);
        assert_eq!(body["label"], "Customer tier");
        assert_eq!(body["description"], "How much they buy");
        assert_eq!(body["groupName"], "conversioninformation");
        assert_eq!(
            (body["hidden"].clone(), body["displayOrder"].clone()),
            (json!(true), json!(4))
        );
        let values: Vec<&str> = body["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, ["gold", "bronze"]);
        // Untouched fields stay as they were.
        assert_eq!(
            (body["type"].clone(), body["fieldType"].clone()),
            (json!("enumeration"), json!("select"))
        );
        // A type of the same storage kind may change too.
        let retyped = app
            .patch(
                &format!("{prefix}/contacts/{name}"),
                json!({"type": "string", "fieldType": "text"}),
            )
            .await;
        assert_eq!(retyped.status, StatusCode::OK, "{}", retyped.body);
        assert_eq!(retyped.body["type"], "string");
    }
}

#[tokio::test]
async fn a_refused_property_update_is_400_or_404_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let prefix = PROPERTY_PREFIXES[1];
    create_tier(&app, prefix, "tier").await;
    let before = read(&app, prefix, "tier").await;
    let default_before = read(&app, prefix, "firstname").await;
    let cases = [
        (
            "firstname",
            json!({"type": "number", "fieldType": "number"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "tier",
            json!({"type": "number", "fieldType": "number"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "tier",
            json!({"fieldType": "date"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "tier",
            json!({"groupName": "no_such_group"}),
            StatusCode::BAD_REQUEST,
        ),
        ("tier", json!({"options": []}), StatusCode::BAD_REQUEST),
        ("tier", json!({"label": 7}), StatusCode::BAD_REQUEST),
        (
            "no_such_property",
            json!({"label": "x"}),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (name, body, status) in cases {
        let reply = app
            .patch(&format!("{prefix}/contacts/{name}"), body.clone())
            .await;
        let category = if status == StatusCode::NOT_FOUND {
            "OBJECT_NOT_FOUND"
        } else {
            "VALIDATION_ERROR"
        };
        assert_hubspot_error(&reply, status, category);
        assert_eq!(reply.status, status, "{name} {body}");
    }
    assert_eq!(read(&app, prefix, "tier").await, before);
    assert_eq!(read(&app, prefix, "firstname").await, default_before);
    // A default property whose definition is not read-only may take a new label, but keeps
    // its type.
    let path = format!("{prefix}/deals/closed_lost_reason");
    let retyped = app
        .patch(&path, json!({"type": "number", "fieldType": "number"}))
        .await;
    assert_hubspot_error(&retyped, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let relabeled = app.patch(&path, json!({"label": "Why we lost"})).await;
    assert_eq!(relabeled.status, StatusCode::OK, "{}", relabeled.body);
    assert_eq!(relabeled.body["label"], "Why we lost");
}

#[tokio::test]
async fn an_archived_property_leaves_the_schema_for_the_recycling_bin() {
    let app = TestApp::spawn().await;
    for (n, prefix) in PROPERTY_PREFIXES.iter().enumerate() {
        let name = format!("tier_{n}");
        create_tier(&app, prefix, &name).await;
        let deleted = app.delete(&format!("{prefix}/contacts/{name}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        let gone = app.get(&format!("{prefix}/contacts/{name}")).await;
        assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let bin = app
            .get(&format!("{prefix}/contacts?archived=true"))
            .await
            .body;
        let archived = bin["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == json!(name))
            .expect("in the bin");
        assert_eq!(archived["archived"], true);
        assert!(archived["archivedAt"].is_string());
        let archived_one = app
            .get(&format!("{prefix}/contacts/{name}?archived=true"))
            .await;
        assert_eq!(archived_one.status, StatusCode::OK);
        // Records no longer take it.
        let write = app
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {name.clone(): "gold"}}),
            )
            .await;
        assert_hubspot_error(&write, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        // The name stays taken.
        let again = app
            .post(&format!("{prefix}/contacts"), json!({"name": name, "label": "T", "type": "string", "fieldType": "text", "groupName": "contactinformation"}))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    }
}

#[tokio::test]
async fn a_default_property_cannot_be_archived_alone_or_in_a_batch() {
    let app = TestApp::spawn().await;
    let prefix = PROPERTY_PREFIXES[0];
    create_tier(&app, prefix, "tier").await;
    let refused = app.delete(&format!("{prefix}/contacts/email")).await;
    assert_hubspot_error(&refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let batch = app
        .post(
            &format!("{prefix}/contacts/batch/archive"),
            json!({"inputs": [{"name": "tier"}, {"name": "email"}]}),
        )
        .await;
    assert_hubspot_error(&batch, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    // Nothing was archived, not even the custom one named first.
    read(&app, prefix, "tier").await;
    read(&app, prefix, "email").await;
    let unknown = app
        .delete(&format!("{prefix}/contacts/no_such_property"))
        .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn a_batch_archive_answers_204_for_live_archived_and_unknown_names() {
    let app = TestApp::spawn().await;
    for (n, prefix) in PROPERTY_PREFIXES.iter().enumerate() {
        let (a, b) = (format!("a_{n}"), format!("b_{n}"));
        create_tier(&app, prefix, &a).await;
        create_tier(&app, prefix, &b).await;
        app.delete(&format!("{prefix}/contacts/{b}")).await;
        let reply = app
            .post(
                &format!("{prefix}/contacts/batch/archive"),
                json!({"inputs": [{"name": a}, {"name": b}, {"name": "never_was"}]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
        assert_eq!(reply.body, Value::Null);
        let live = app.get(&format!("{prefix}/contacts")).await.body;
        assert!(
            live["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["name"] != json!(a) && p["name"] != json!(b))
        );
        let bad = app
            .post(
                &format!("{prefix}/contacts/batch/archive"),
                json!({"inputs": [{"nom": "x"}]}),
            )
            .await;
        assert_hubspot_error(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn a_group_is_renamed_and_archived_once_it_is_empty() {
    let app = TestApp::spawn().await;
    for (n, prefix) in PROPERTY_PREFIXES.iter().enumerate() {
        let group = format!("extras_{n}");
        let created = app
            .post(
                &format!("{prefix}/contacts/groups"),
                json!({"name": group, "label": "Extras"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let patched = app
            .patch(
                &format!("{prefix}/contacts/groups/{group}"),
                json!({"label": "More", "displayOrder": 3}),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        let read_back = app
            .get(&format!("{prefix}/contacts/groups/{group}"))
            .await
            .body;
        assert_eq!(
            (
                read_back["label"].clone(),
                read_back["displayOrder"].clone()
            ),
            (json!("More"), json!(3))
        );
        // A group that holds properties stays.
        let held = app
            .delete(&format!("{prefix}/contacts/groups/contactinformation"))
            .await;
        assert_hubspot_error(&held, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let deleted = app
            .delete(&format!("{prefix}/contacts/groups/{group}"))
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        let gone = app.get(&format!("{prefix}/contacts/groups/{group}")).await;
        assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let listed = app.get(&format!("{prefix}/contacts/groups")).await.body;
        assert!(
            listed["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["name"] != json!(group))
        );
        let unknown = app
            .patch(
                &format!("{prefix}/contacts/groups/{group}"),
                json!({"label": "x"}),
            )
            .await;
        assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    }
}

#[tokio::test]
async fn property_changes_need_the_objects_schema_write_scope() {
    let app = TestApp::spawn().await;
    create_tier(&app, PROPERTY_PREFIXES[0], "tier").await;
    let reader = app
        .token_for(
            app.portal.0,
            &["crm.objects.contacts.read", "crm.schemas.contacts.read"],
        )
        .await;
    for (method, path, body) in [
        (
            Method::PATCH,
            "/crm/v3/properties/contacts/tier",
            Some(json!({"label": "x"})),
        ),
        (
            Method::DELETE,
            "/crm/properties/2026-03/contacts/tier",
            None,
        ),
        (
            Method::POST,
            "/crm/v3/properties/contacts/batch/archive",
            Some(json!({"inputs": [{"name": "tier"}]})),
        ),
        (
            Method::PATCH,
            "/crm/v3/properties/contacts/groups/contactinformation",
            Some(json!({"label": "x"})),
        ),
        (
            Method::DELETE,
            "/crm/properties/2026-03/contacts/groups/contactinformation",
            None,
        ),
    ] {
        let reply = app
            .send(
                method,
                path,
                Some(&reader),
                body.map(crate::helpers::Body::Json),
            )
            .await;
        assert_hubspot_error(&reply, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    }
    assert_eq!(
        read(&app, PROPERTY_PREFIXES[0], "tier").await["label"],
        "Tier"
    );
}

#[tokio::test]
async fn schemas_are_read_in_a_batch_on_both_families() {
    let app = TestApp::spawn().await;
    let created = app
        .post(
            "/crm-object-schemas/v3/schemas",
            json!({"name": "cars", "labels": {"singular": "Car", "plural": "Cars"},
                   "primaryDisplayProperty": "model", "properties": [{"name": "model", "label": "Model"}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let type_id = created.body["objectTypeId"].as_str().unwrap().to_string();
    for prefix in [
        "/crm-object-schemas/v3/schemas",
        "/crm-object-schemas/2026-03/schemas",
    ] {
        let reply = app
            .post(
                &format!("{prefix}/batch/read"),
                json!({"inputs": [type_id, "no_such_object", "cars"], "includePropertyDefinitions": true,
                       "includeAssociationDefinitions": false, "includeAuditMetadata": false}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let results = reply.body["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "{}", reply.body);
        assert!(results.iter().all(|r| r["objectTypeId"] == json!(type_id)));
        assert!(
            results[0]["properties"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "model")
        );
        assert_eq!(results[0]["associations"], json!([]));
        let bad = app
            .post(&format!("{prefix}/batch/read"), json!({"inputs": "cars"}))
            .await;
        assert_hubspot_error(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let no_scope = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let refused = app
        .send(
            Method::POST,
            "/crm-object-schemas/v3/schemas/batch/read",
            Some(&no_scope),
            Some(crate::helpers::Body::Json(json!({"inputs": ["cars"]}))),
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
}
