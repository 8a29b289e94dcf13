//! Authentication, scopes and portal isolation.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Body, TestApp, assert_hubspot_error};

#[tokio::test]
async fn a_request_without_a_token_is_401_invalid_authentication() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(Method::GET, "/crm/v3/objects/contacts", None, None)
        .await;
    assert_hubspot_error(&reply, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
    let reply = app
        .send(
            Method::POST,
            "/crm/objects/2026-03/contacts",
            None,
            Some(Body::Raw("{nope".into())),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
}

#[tokio::test]
async fn an_unknown_or_revoked_token_is_401() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(
            Method::GET,
            "/crm/v3/objects/contacts",
            Some("pat-na1-00000000-0000-0000-0000-000000000000"),
            None,
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");

    let token = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let ok = app
        .send(Method::GET, "/crm/v3/objects/contacts", Some(&token), None)
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let tokens = app.store.list_tokens().await.unwrap();
    let id = tokens.last().unwrap().id;
    assert!(app.store.revoke_token(id, 1).await.unwrap());
    let reply = app
        .send(Method::GET, "/crm/v3/objects/contacts", Some(&token), None)
        .await;
    assert_hubspot_error(&reply, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
}

#[tokio::test]
async fn an_under_scoped_token_is_403_naming_the_scopes_that_would_do() {
    let app = TestApp::spawn().await;
    let token = app
        .token_for(app.portal.0, &["crm.objects.companies.read"])
        .await;
    for path in ["/crm/v3/objects/contacts", "/crm/objects/2026-03/0-1"] {
        let reply = app.send(Method::GET, path, Some(&token), None).await;
        assert_hubspot_error(&reply, StatusCode::FORBIDDEN, "MISSING_SCOPES");
        assert_eq!(
            reply.body["errors"][0]["context"]["requiredGranularScopes"],
            json!(["crm.objects.contacts.read"])
        );
    }
    // Reading companies is allowed, writing them is not.
    let read = app
        .send(Method::GET, "/crm/v3/objects/companies", Some(&token), None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let write = app
        .send(
            Method::POST,
            "/crm/v3/objects/companies",
            Some(&token),
            Some(Body::Json(json!({"properties": {"name": "Acme"}}))),
        )
        .await;
    assert_hubspot_error(&write, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    assert_eq!(
        write.body["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.objects.companies.write"])
    );
    let search = app
        .send(
            Method::POST,
            "/crm/v3/objects/contacts/search",
            Some(&token),
            Some(Body::Json(json!({}))),
        )
        .await;
    assert_hubspot_error(&search, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    let batch = app
        .send(
            Method::POST,
            "/crm/v3/objects/contacts/batch/read",
            Some(&token),
            Some(Body::Json(json!({"inputs": []}))),
        )
        .await;
    assert_hubspot_error(&batch, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    // Nothing was written by the refused create.
    assert!(app.all_ids("companies").await.is_empty());
}

#[tokio::test]
async fn tickets_accept_the_legacy_tickets_scope() {
    let app = TestApp::spawn().await;
    let token = app.token_for(app.portal.0, &["tickets"]).await;
    let reply = app
        .send(
            Method::POST,
            "/crm/v3/objects/tickets",
            Some(&token),
            Some(Body::Json(
                json!({"properties": {"subject": "Printer on fire"}}),
            )),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn a_record_of_one_portal_does_not_exist_for_another() {
    let app = TestApp::spawn().await;
    let created = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "ada@portal-a.example", "firstname": "Ada"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_string();
    let other = app.token_for(777, &TestApp::all_scopes()).await;
    let b = |method, path: String, body: Option<serde_json::Value>| {
        let other = other.clone();
        let app = &app;
        async move {
            app.send(method, &path, Some(&other), body.map(Body::Json))
                .await
        }
    };

    for prefix in crate::helpers::OBJECT_PREFIXES {
        let read = b(Method::GET, format!("{prefix}/contacts/{id}"), None).await;
        assert_hubspot_error(&read, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let by_email = b(
            Method::GET,
            format!("{prefix}/contacts/ada@portal-a.example?idProperty=email"),
            None,
        )
        .await;
        assert_eq!(by_email.status, StatusCode::NOT_FOUND);
        let update = b(
            Method::PATCH,
            format!("{prefix}/contacts/{id}"),
            Some(json!({"properties": {"firstname": "Eve"}})),
        )
        .await;
        assert_hubspot_error(&update, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let list = b(Method::GET, format!("{prefix}/contacts"), None).await;
        assert_eq!(list.body["results"], json!([]));
        let search = b(
            Method::POST,
            format!("{prefix}/contacts/search"),
            Some(json!({})),
        )
        .await;
        assert_eq!(search.body["total"], 0);
        let batch = b(
            Method::POST,
            format!("{prefix}/contacts/batch/read"),
            Some(json!({"inputs": [{"id": id}]})),
        )
        .await;
        assert_eq!(batch.status, StatusCode::MULTI_STATUS);
        assert_eq!(batch.body["results"], json!([]));
        let archive = b(Method::DELETE, format!("{prefix}/contacts/{id}"), None).await;
        assert_eq!(archive.status, StatusCode::NO_CONTENT);
    }
    // The other portal can use the same email: uniqueness is per portal.
    let same_email = b(
        Method::POST,
        "/crm/v3/objects/contacts".into(),
        Some(json!({"properties": {"email": "ada@portal-a.example"}})),
    )
    .await;
    assert_eq!(same_email.status, StatusCode::CREATED);
    assert_ne!(same_email.body["id"], json!(id));

    // Portal A's record is untouched by everything portal B did.
    let mine = app
        .get(&format!(
            "/crm/v3/objects/contacts/{id}?properties=firstname"
        ))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.body["properties"]["firstname"], "Ada");
    assert_eq!(mine.body["archived"], false);
}
