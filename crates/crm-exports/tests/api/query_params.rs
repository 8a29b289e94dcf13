//! Query parameters checked against HubSpot's declared types (int32, boolean, enums) with
//! its 400; absolute `paging.next.link`s that lead to the next page; and `Allow` naming a
//! path's own methods (404 for HubSpot paths this service lacks).

use crm_exports::server::Settings;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{OBJECT_PREFIXES, PROPERTY_PREFIXES, TestApp, assert_hubspot_error};

#[tokio::test]
async fn a_limit_past_int32_is_400_while_the_largest_int32_is_clamped() {
    let app = TestApp::spawn().await;
    app.create_many("contacts", vec![json!({"email": "a@example.com"})])
        .await;
    for prefix in OBJECT_PREFIXES {
        let too_big = app
            .get(&format!("{prefix}/contacts?limit=2147483648"))
            .await;
        assert_hubspot_error(&too_big, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(
            too_big.body["message"].as_str().unwrap().contains("limit"),
            "{}",
            too_big.body
        );
        let largest = app
            .get(&format!("{prefix}/contacts?limit=2147483647"))
            .await;
        assert_eq!(largest.status, StatusCode::OK, "{}", largest.body);
        assert_eq!(largest.body["results"].as_array().unwrap().len(), 1);
        // As before: a negative page size is refused by the endpoint's own range.
        let negative = app.get(&format!("{prefix}/contacts?limit=-5")).await;
        assert_hubspot_error(&negative, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let owners = app.get("/crm/v3/owners?limit=99999999999").await;
    assert_hubspot_error(&owners, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_boolean_that_is_neither_true_nor_false_is_400_where_hubspot_declares_one() {
    let app = TestApp::spawn().await;
    let id = app
        .create_many("contacts", vec![json!({"email": "b@example.com"})])
        .await
        .remove(0);
    for path in [
        "/crm/v3/objects/contacts?archived=34359738367".to_string(),
        format!("/crm/objects/2026-03/contacts/{id}?archived=34359738367"),
        "/crm/v3/properties/contacts/email?archived=yes".to_string(),
        "/crm-object-schemas/v3/schemas?archived=1".to_string(),
        "/crm/v3/owners?archived=34359738367".to_string(),
    ] {
        let reply = app.get(&path).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert_eq!(
            reply.body["context"]["archived"][0],
            json!(path.rsplit('=').next().unwrap()),
            "{path}: {}",
            reply.body
        );
    }
    let fine = app
        .get(&format!("/crm/v3/objects/contacts/{id}?archived=FALSE"))
        .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);
}

#[tokio::test]
async fn a_data_sensitivity_outside_hubspots_enum_is_400_on_both_families() {
    let app = TestApp::spawn().await;
    for prefix in PROPERTY_PREFIXES {
        let bad = app
            .get(&format!("{prefix}/contacts?dataSensitivity=secret"))
            .await;
        assert_hubspot_error(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(
            bad.body["message"]
                .as_str()
                .unwrap()
                .contains("non_sensitive, sensitive, highly_sensitive"),
            "{}",
            bad.body
        );
        let good = app
            .get(&format!("{prefix}/contacts?dataSensitivity=non_sensitive"))
            .await;
        assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    }
}

#[tokio::test]
async fn a_caller_without_a_token_hears_401_before_a_bad_query() {
    let app = TestApp::spawn().await;
    let reply = app
        .send(
            Method::GET,
            "/crm/v3/objects/contacts?limit=2147483648",
            None,
            None,
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
}

#[tokio::test]
async fn paging_next_link_is_absolute_and_leads_to_the_next_page() {
    let app = TestApp::spawn().await;
    let people: Vec<_> = (0..3)
        .map(|i| json!({"email": format!("p{i}@example.com")}))
        .collect();
    let ids = app.create_many("contacts", people).await;
    for prefix in OBJECT_PREFIXES {
        let first = app
            .get(&format!("{prefix}/contacts?limit=2&properties=email"))
            .await;
        let next = &first.body["paging"]["next"];
        let link = next["link"].as_str().expect("a link");
        assert_eq!(
            link,
            format!(
                "{}{prefix}/contacts?limit=2&properties=email&after={}",
                app.base,
                next["after"].as_str().unwrap()
            )
        );
        let second = app.get(link.strip_prefix(&app.base).unwrap()).await;
        assert_eq!(second.status, StatusCode::OK);
        assert_eq!(second.body["results"][0]["id"], json!(ids[2]));
        assert!(second.body.get("paging").is_none(), "{}", second.body);
    }
}

#[tokio::test]
async fn paging_links_use_the_configured_public_url() {
    let app = TestApp::spawn_with_settings(Settings {
        api: TestApp::config(),
        public_url: Some("https://crm.example.test/".into()),
        ..Settings::default()
    })
    .await;
    let people: Vec<_> = (0..2)
        .map(|i| json!({"email": format!("q{i}@example.com")}))
        .collect();
    app.create_many("contacts", people).await;
    let page = app.get("/crm/v3/objects/contacts?limit=1").await;
    let link = page.body["paging"]["next"]["link"].as_str().unwrap();
    assert!(
        link.starts_with("https://crm.example.test/crm/v3/objects/contacts?limit=1&after="),
        "{link}"
    );
}

async fn options(app: &TestApp, path: &str) -> (StatusCode, Option<String>) {
    let reply = app
        .send(Method::OPTIONS, path, Some(&app.token.clone()), None)
        .await;
    let allow = reply
        .headers
        .get("allow")
        .map(|v| v.to_str().unwrap().to_string());
    (reply.status, allow)
}

#[tokio::test]
async fn allow_lists_the_paths_own_methods_and_paths_this_service_lacks_are_404() {
    let app = TestApp::spawn().await;
    let cases = [
        ("/crm/v3/objects/contacts/17", Some("GET,HEAD,PATCH,DELETE")),
        ("/crm/v3/objects/contacts/batch/read", Some("POST")),
        ("/crm/objects/2026-03/contacts/batch/upsert", Some("POST")),
        ("/crm/v3/properties/contacts/batch/create", Some("POST")),
        (
            "/crm/v4/associations/contacts/companies/batch/read",
            Some("POST"),
        ),
        // HubSpot's paths that a wildcard used to take, now routes of their own.
        ("/crm/v3/objects/contacts/merge", Some("POST")),
        ("/crm/objects/2026-03/contacts/gdpr-delete", Some("POST")),
        ("/crm/v3/objects/contacts/batch/frobnicate", None),
        ("/crm/v3/properties/contacts/batch/frobnicate", None),
        (
            "/crm/v4/associations/contacts/companies/batch/frobnicate",
            None,
        ),
    ];
    for (path, allow) in cases {
        let (status, got) = options(&app, path).await;
        match allow {
            Some(methods) => {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
                assert_eq!(got.as_deref(), Some(methods), "{path}");
            }
            None => {
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
                assert_eq!(got, None, "{path}");
            }
        }
    }
    // The batch operations still work on their own routes.
    let read = app
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({"inputs": [], "properties": []}),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
}
