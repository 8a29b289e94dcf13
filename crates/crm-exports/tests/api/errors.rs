//! Malformed input gets a HubSpot-shaped 4xx and changes nothing stored; operational
//! endpoints answer.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crm_exports::api::ApiConfig;

use crate::helpers::{Body, TestApp, assert_hubspot_error};

async fn raw(app: &TestApp, method: Method, path: &str, body: &str) -> crate::helpers::Reply {
    app.send(
        method,
        path,
        Some(&app.token.clone()),
        Some(Body::Raw(body.to_string())),
    )
    .await
}

#[tokio::test]
async fn malformed_json_is_400_and_stores_nothing() {
    let app = TestApp::spawn().await;
    for (path, body) in [
        ("/crm/v3/objects/contacts", "{\"properties\": {\"email\": "),
        ("/crm/objects/2026-03/contacts", "not json"),
        ("/crm/v3/objects/contacts/batch/create", "{\"inputs\": [}"),
        ("/crm/v3/objects/contacts/search", "{} trailing"),
        ("/crm/v3/objects/contacts", ""),
    ] {
        let reply = raw(&app, Method::POST, path, body).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(
            reply.body["message"]
                .as_str()
                .unwrap()
                .starts_with("Invalid input JSON"),
            "{}",
            reply.body
        );
    }
    assert!(app.all_ids("contacts").await.is_empty());
}

#[tokio::test]
async fn a_wrong_type_is_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": "email=a@b.c"}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("properties"),
        "{}",
        reply.body
    );
    let reply = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": {"properties": {}}}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        reply.body["message"].as_str().unwrap().contains("inputs"),
        "{}",
        reply.body
    );
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": {"nested": true}}}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("firstname")
    );
    let reply = app
        .post("/crm/v3/objects/contacts/search", json!({"limit": "ten"}))
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(app.all_ids("contacts").await.is_empty());
}

#[tokio::test]
async fn an_unknown_property_is_400_naming_it_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "u@example.com", "favourite_colour": "blue", "shoe_size": "9"}}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let message = reply.body["message"].as_str().unwrap();
    assert!(
        message.contains("favourite_colour") && message.contains("shoe_size"),
        "{message}"
    );
    let codes: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["PROPERTY_DOESNT_EXIST", "PROPERTY_DOESNT_EXIST"]);
    assert!(app.all_ids("contacts").await.is_empty());

    let created = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": "Kept"}}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap();
    let bad_update = app
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"firstname": "Changed", "nope": "x"}}),
        )
        .await;
    assert_hubspot_error(&bad_update, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let after = app
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=firstname"
        ))
        .await;
    assert_eq!(
        after.body["properties"]["firstname"], "Kept",
        "a refused update changes nothing"
    );
}

#[tokio::test]
async fn an_oversize_body_is_413_and_stores_nothing() {
    let config = ApiConfig {
        max_body_bytes: 4096,
        ..TestApp::config()
    };
    let app = TestApp::spawn_with(config).await;
    let big = "x".repeat(8000);
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": big}}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "VALIDATION_ERROR");
    assert!(app.all_ids("contacts").await.is_empty());
}

#[tokio::test]
async fn an_unknown_route_or_method_gets_a_hubspot_error_body() {
    let app = TestApp::spawn().await;
    let reply = app.get("/crm/v3/nothing-here").await;
    assert_hubspot_error(&reply, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let reply = app
        .send(
            Method::PUT,
            "/crm/v3/objects/contacts",
            Some(&app.token.clone()),
            None,
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::METHOD_NOT_ALLOWED, "VALIDATION_ERROR");
}

#[tokio::test]
async fn health_and_metrics_answer_without_a_token() {
    let app = TestApp::spawn().await;
    app.get("/crm/v3/objects/contacts").await;
    let health = app.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    let metrics = app.send(Method::GET, "/metrics", None, None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(metrics.headers.get("x-hubspot-correlation-id").is_some());
}
