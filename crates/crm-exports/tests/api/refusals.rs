//! Input HubSpot refuses is refused here the same way, with HubSpot's body: wrong shapes of
//! JSON, non-JSON content types, badly encoded URLs, repeated single-valued parameters,
//! oversize and slow requests, unsatisfiable ranges, fields no SDK sends. None changes
//! anything stored, and no message names a Rust type.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crm_exports::api::ApiConfig;

use crate::helpers::{Body, Reply, TestApp, assert_hubspot_error};

async fn raw(app: &TestApp, method: Method, path: &str, body: &str) -> Reply {
    app.send(
        method,
        path,
        Some(&app.token.clone()),
        Some(Body::Raw(body.into())),
    )
    .await
}

/// Sends `request` as bytes on a new connection and returns everything the server wrote
/// before closing it.
async fn exchange(app: &TestApp, request: &[u8]) -> String {
    let address = app.base.trim_start_matches("http://");
    let mut socket = TcpStream::connect(address).await.unwrap();
    socket.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer));
    read.await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// The status, headers and parsed body of one raw answer.
fn parse_answer(answer: &str) -> (u16, String, Value) {
    let (head, body) = answer.split_once("\r\n\r\n").expect("a complete answer");
    let status = head[9..12].parse().unwrap();
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), body)
}

fn assert_no_rust_names(reply: &Reply) {
    let text = reply.body.to_string();
    for leak in [
        "struct ",
        "usize",
        "u64",
        "i64",
        "untagged enum",
        "sequence",
        "Rust",
    ] {
        assert!(!text.contains(leak), "{leak:?} in {text}");
    }
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_400_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        ("/crm/v3/objects/contacts", r#"[{"email": "a@b.c"}]"#),
        ("/crm/v3/objects/contacts", "[]"),
        (
            "/crm/v3/objects/contacts",
            r#"{"propertiez": {"email": "a@b.c"}}"#,
        ),
        ("/crm/v3/objects/contacts", "{}"),
        (
            "/crm/v3/objects/contacts/batch/create",
            r#"{"inputs": [[{"email": "a@b.c"}]]}"#,
        ),
        (
            "/crm/v3/objects/contacts/batch/create",
            r#"{"inputs": [{}]}"#,
        ),
        (
            "/crm/v3/objects/contacts",
            r#"{"properties": {"firstname": "a\u0000b"}}"#,
        ),
        (
            "/crm/v3/objects/contacts",
            r#"{"properties": {"firstname": 1e400}}"#,
        ),
        ("/crm/v3/objects/contacts/search", r#"{"limit": -1}"#),
    ];
    for (path, body) in cases {
        let reply = raw(&app, Method::POST, path, body).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert_no_rust_names(&reply);
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let reply = raw(&app, Method::POST, "/crm/v3/objects/contacts", &deep).await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(app.all_ids("contacts").await.is_empty());

    let created = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": "Ada"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let before = app
        .get(&format!("/crm/v3/objects/contacts/{id}"))
        .await
        .body;
    for body in ["[]", "{}", r#"{"properties": []}"#] {
        let reply = raw(
            &app,
            Method::PATCH,
            &format!("/crm/v3/objects/contacts/{id}"),
            body,
        )
        .await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let after = app
        .get(&format!("/crm/v3/objects/contacts/{id}"))
        .await
        .body;
    assert_eq!(
        before, after,
        "a refused update changes nothing, not even updatedAt"
    );
}

#[tokio::test]
async fn a_wrong_type_is_named_in_json_words() {
    let app = TestApp::spawn().await;
    let reply = raw(
        &app,
        Method::POST,
        "/crm/v3/objects/contacts/search",
        r#"{"limit": "x"}"#,
    )
    .await;
    let message = reply.body["message"].as_str().unwrap();
    assert!(
        message.contains("`limit`") && message.contains("whole number"),
        "{message}"
    );
    let reply = raw(&app, Method::POST, "/crm/v3/exports/export/async", "[]").await;
    let message = reply.body["message"].as_str().unwrap();
    assert!(message.contains("expected an object"), "{message}");
    assert_no_rust_names(&reply);
}

#[tokio::test]
async fn an_export_request_with_a_field_no_sdk_sends_is_400_naming_it() {
    let app = TestApp::spawn().await;
    let mut request = json!({
        "exportType": "VIEW", "exportName": "x", "format": "CSV", "language": "EN",
        "objectType": "CONTACT", "objectProperties": ["email"],
        "publicCrmSearchRequest": {"filterGroup": [{"filters": []}]},
    });
    let reply = app
        .post("/crm/v3/exports/export/async", request.clone())
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("filterGroup"),
        "{}",
        reply.body
    );
    request["publicCrmSearchRequest"] = json!({"filterGroups": [{"filters": [], "extra": 1}]});
    let reply = app
        .post("/crm/v3/exports/export/async", request.clone())
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        reply.body["message"].as_str().unwrap().contains("extra"),
        "{}",
        reply.body
    );
    request["publicCrmSearchRequest"] = json!({});
    request["exportNmae"] = json!("typo");
    let reply = app.post("/crm/v3/exports/export/async", request).await;
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("exportNmae"),
        "{}",
        reply.body
    );
    let details = app.get("/crm/v3/exports/export/1").await;
    assert_eq!(details.status, StatusCode::FORBIDDEN, "nothing was queued");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = reqwest::Client::new()
            .post(format!("{}/crm/v3/objects/contacts", app.base))
            .bearer_auth(&app.token)
            .body(r#"{"properties": {"email": "a@b.c"}}"#);
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "error");
        assert_eq!(body["category"], "VALIDATION_ERROR");
    }
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "a@b.c"}}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "application/json still works"
    );
    assert_eq!(app.all_ids("contacts").await.len(), 1);
}

#[tokio::test]
async fn badly_encoded_urls_and_repeated_single_values_are_400() {
    let app = TestApp::spawn().await;
    for path in [
        "/crm/v3/objects/contacts/%ff%fe",
        "/crm/v3/objects/contacts?limit=%zz",
        "/crm/v3/objects/contacts?after=%ff",
        "/crm/v3/objects/contacts/1?idProperty=%00",
        "/crm/v3/objects/contacts?limit=1&limit=2",
        "/crm/v3/objects/contacts?archived=true&archived=false",
    ] {
        let reply = app.get(path).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let many = (0..2_001)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let reply = app
        .get(&format!("/crm/v3/objects/contacts?properties={many}"))
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        reply.body["message"].as_str().unwrap().contains("2001"),
        "{}",
        reply.body
    );
    // Arrays may repeat.
    let reply = app
        .get("/crm/v3/objects/contacts?properties=email&properties=firstname")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn a_search_in_with_more_than_100_values_is_400_naming_the_limit() {
    let app = TestApp::spawn().await;
    let values: Vec<String> = (0..100_000).map(|i| format!("v{i}@example.com")).collect();
    let reply = app
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN", "values": values}]}]}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let message = reply.body["message"].as_str().unwrap();
    assert!(
        message.contains("100000 values") && message.contains("at most 100"),
        "{message}"
    );
    let hundred: Vec<String> = values.into_iter().take(100).collect();
    let reply = app
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN", "values": hundred}]}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn an_oversize_body_is_413_with_connection_close() {
    let app = TestApp::spawn_with(ApiConfig {
        max_body_bytes: 4096,
        ..TestApp::config()
    })
    .await;
    let big = "x".repeat(8000);
    let reply = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": big}}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "VALIDATION_ERROR");
    assert_eq!(reply.headers["connection"], "close");
    assert!(app.all_ids("contacts").await.is_empty());
}

#[tokio::test]
async fn a_body_that_never_arrives_is_408_with_hubspots_body_and_connection_close() {
    let app = TestApp::spawn_with(ApiConfig {
        request_timeout: Duration::from_millis(300),
        ..TestApp::config()
    })
    .await;
    let request = format!(
        "POST /crm/v3/objects/contacts HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{",
        app.token
    );
    let (status, head, body) = parse_answer(&exchange(&app, request.as_bytes()).await);
    assert_eq!(status, 408);
    assert!(head.contains("connection: close"), "{head}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["category"], "TIMEOUT");
}

#[tokio::test]
async fn an_unparsable_request_line_gets_hubspots_400() {
    let app = TestApp::spawn().await;
    let (status, head, body) =
        parse_answer(&exchange(&app, b"GET /\xff\xfe HTTP/1.1\r\nhost: x\r\n\r\n").await);
    assert_eq!(status, 400);
    assert!(head.contains("connection: close"), "{head}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["category"], "VALIDATION_ERROR");
    assert!(body["correlationId"].as_str().is_some(), "{body}");
}

#[tokio::test]
async fn an_unsatisfiable_range_and_a_repeated_link_parameter_get_hubspots_body() {
    let app = TestApp::spawn().await;
    app.post(
        "/crm/v3/objects/contacts",
        json!({"properties": {"email": "r@example.com"}}),
    )
    .await;
    let started = app
        .post(
            "/crm/v3/exports/export/async",
            json!({"exportType": "VIEW", "exportName": "r", "format": "CSV", "language": "EN",
                   "objectType": "CONTACT", "objectProperties": ["email"]}),
        )
        .await;
    app.run_exports().await;
    let id = started.body["id"].as_str().unwrap();
    let status = app
        .get(&format!("/crm/v3/exports/export/async/tasks/{id}/status"))
        .await;
    let link = status.body["result"].as_str().unwrap().to_string();
    let response = reqwest::Client::new()
        .get(&link)
        .header("range", "bytes=999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert!(response.headers().contains_key("content-range"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert!(body["correlationId"].as_str().is_some());

    let (status, _, bytes) = app.fetch(&format!("{link}&signature=00")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["status"], "error");
}
