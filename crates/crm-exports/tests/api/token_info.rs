//! HubSpot's private-app token introspection: a known token's portal, id and scopes; an
//! unknown or revoked one is 401; a body without `tokenKey` is 400.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, Reply, TestApp, assert_hubspot_error};

const PATH: &str = "/oauth/v2/private-apps/get/access-token-info";

/// Asks about a token, sending no `Authorization` header.
async fn introspect(app: &TestApp, body: Value) -> Reply {
    app.send(Method::POST, PATH, None, Some(Body::Json(body)))
        .await
}

#[tokio::test]
async fn a_token_is_introspected_without_an_authorization_header() {
    let app = TestApp::spawn().await;
    let token = app.token_for(42, &["crm.export", "crm.lists.read"]).await;
    let reply = introspect(&app, json!({"tokenKey": token})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["hubId"], 42);
    assert_eq!(
        reply.body["scopes"],
        json!(["crm.export", "crm.lists.read"])
    );
    assert!(
        reply.body["appId"].as_i64().is_some_and(|id| id > 0),
        "{}",
        reply.body
    );
    let own = introspect(&app, json!({"tokenKey": app.token})).await;
    assert_eq!(own.body["hubId"], app.portal.0);
    assert_ne!(own.body["appId"], reply.body["appId"]);
}

#[tokio::test]
async fn unknown_and_revoked_tokens_are_401_and_a_missing_key_400() {
    let app = TestApp::spawn().await;
    let unknown = introspect(&app, json!({"tokenKey": "pat-na1-nope"})).await;
    assert_hubspot_error(&unknown, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
    let token = app.token_for(app.portal.0, &["crm.export"]).await;
    let info = introspect(&app, json!({"tokenKey": token})).await;
    let id = info.body["appId"].as_i64().unwrap();
    assert!(app.store.revoke_token(id, 1_800_000_000_000).await.unwrap());
    let revoked = introspect(&app, json!({"tokenKey": token})).await;
    assert_hubspot_error(&revoked, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
    for body in [json!({}), json!({"tokenKey": "  "}), json!({"tokenKey": 7})] {
        let reply = introspect(&app, body).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let reply = app
        .send(Method::POST, PATH, None, Some(Body::Raw("{nope".into())))
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}
