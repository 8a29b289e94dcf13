//! The admin API under `/_crm-exports/`: who may call it, new portals and reset, the
//! controllable clock, the `fail` export fault and a 429 request fault (these on SQLite and
//! PostgreSQL), and the other injected request faults.

use crm_exports::api::ApiConfig;
use crm_exports::domain::scope::ADMIN_SCOPE;
use crm_exports::server::Settings;
use crm_exports::store::PortalId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, NEEDS_POSTGRES, Reply, TestApp, assert_hubspot_error};

const STATUS: &str = "/crm/v3/exports/export/async/tasks";
const SCHEMAS: &str = "/crm-object-schemas/v3/schemas";

fn car_schema() -> Value {
    json!({
        "name": "cars", "labels": {"singular": "Car", "plural": "Cars"},
        "primaryDisplayProperty": "model", "associatedObjects": ["CONTACT"],
        "properties": [{"name": "model", "label": "Model", "type": "string", "fieldType": "text"}],
    })
}

fn csv_export() -> Value {
    json!({
        "exportType": "VIEW", "exportName": "contacts", "format": "CSV", "language": "EN",
        "objectType": "CONTACT", "objectProperties": ["email"],
    })
}

async fn send_as(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Reply {
    let body = (!body.is_null()).then_some(Body::Json(body));
    app.send(method, path, Some(token), body).await
}

/// A new portal through the admin API: its id and token.
async fn new_portal(app: &TestApp) -> (i64, String) {
    let reply = app.post("/_crm-exports/portals", json!({})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["portalId"].as_i64().expect("a portal id");
    (id, reply.body["token"].as_str().unwrap().to_string())
}

async fn start_export(app: &TestApp, token: &str) -> String {
    let path = "/crm/v3/exports/export/async";
    let reply = send_as(app, token, Method::POST, path, csv_export()).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_admin_api_needs_the_admin_scope_and_lives_only_under_its_own_prefix() {
    let app = TestApp::spawn().await;
    let hubspot_only = app.token_for(1, &TestApp::all_scopes()).await;
    for (method, path) in [
        (Method::POST, "/_crm-exports/portals"),
        (Method::GET, "/_crm-exports/clock"),
        (Method::GET, "/_crm-exports/faults"),
        (Method::POST, "/_crm-exports/portals/1/reset"),
    ] {
        let reply = send_as(&app, &hubspot_only, method, path, Value::Null).await;
        assert_hubspot_error(&reply, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    }
    let anonymous = app
        .send(Method::GET, "/_crm-exports/clock", None, None)
        .await;
    assert_hubspot_error(
        &anonymous,
        StatusCode::UNAUTHORIZED,
        "INVALID_AUTHENTICATION",
    );
    // The development token holds the admin scope; HubSpot's paths have no admin route.
    assert_eq!(app.get("/_crm-exports/clock").await.status, StatusCode::OK);
    for path in [
        "/crm/v3/_crm-exports/clock",
        "/crm/v3/objects/_crm-exports/clock",
    ] {
        let reply = app.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        assert_eq!(reply.body["status"], "error", "{path}: {}", reply.body);
    }
}

#[tokio::test]
async fn with_the_admin_api_off_every_admin_path_is_404() {
    let app = TestApp::spawn_with(ApiConfig {
        admin_api: false,
        ..TestApp::config()
    })
    .await;
    for path in ["/_crm-exports/clock", "/_crm-exports/faults"] {
        assert_hubspot_error(
            &app.get(path).await,
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
        );
    }
    let reply = app.post("/_crm-exports/portals", json!({})).await;
    assert_hubspot_error(&reply, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    assert_eq!(app.store.list_portals().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_new_portal_gets_a_token_with_hubspot_scopes_and_admin_only_when_asked() {
    let app = TestApp::spawn().await;
    let (id, token) = new_portal(&app).await;
    assert_ne!(id, app.portal.0);
    let created = json!({"inputs": [{"properties": {"email": "a@example.com"}}]});
    let path = "/crm/v3/objects/contacts/batch/create";
    let reply = send_as(&app, &token, Method::POST, path, created).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // The first portal does not see the new portal's contact.
    let first = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(first.body["results"], json!([]));
    let admin_call = send_as(
        &app,
        &token,
        Method::GET,
        "/_crm-exports/clock",
        Value::Null,
    )
    .await;
    assert_hubspot_error(&admin_call, StatusCode::FORBIDDEN, "MISSING_SCOPES");

    let admin = app
        .post("/_crm-exports/portals", json!({"admin": true}))
        .await;
    assert_eq!(admin.status, StatusCode::CREATED);
    assert!(
        admin.body["scopes"]
            .as_array()
            .unwrap()
            .contains(&json!(ADMIN_SCOPE))
    );
    let typo = app
        .post("/_crm-exports/portals", json!({"admn": true}))
        .await;
    assert_hubspot_error(&typo, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

/// Fills a portal with one of everything reset removes; returns the export's file path.
async fn fill(app: &TestApp, portal: i64, token: &str) -> std::path::PathBuf {
    let contacts = json!({"inputs": [
        {"properties": {"email": "a@example.com"}}, {"properties": {"email": "b@example.com"}}]});
    let path = "/crm/v3/objects/contacts/batch/create";
    let made = send_as(app, token, Method::POST, path, contacts).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let property = json!({"name": "shoe_size", "label": "Shoe size", "type": "number",
        "fieldType": "number", "groupName": "contactinformation"});
    let made = send_as(
        app,
        token,
        Method::POST,
        "/crm/v3/properties/contacts",
        property,
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let list = json!({"name": "Friends", "objectTypeId": "0-1", "processingType": "MANUAL"});
    let made = send_as(app, token, Method::POST, "/crm/v3/lists", list).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let made = send_as(app, token, Method::POST, SCHEMAS, car_schema()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let car = json!({"properties": {"model": "T"}});
    let made = send_as(app, token, Method::POST, "/crm/v3/objects/cars", car).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    app.store
        .create_owner(PortalId(portal), "o@example.com", "O", "Wner", 0)
        .await
        .unwrap();
    let hook =
        json!({"targetUrl": "https://hooks.example.com/done", "events": ["export.completed"]});
    let made = send_as(app, token, Method::POST, "/crm/v3/exports/webhooks", hook).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = start_export(app, token).await;
    app.run_exports().await;
    let row = app.store.get_export(PortalId(portal), id.parse().unwrap());
    let key = row.await.unwrap().unwrap().file_key.clone().unwrap();
    let file = app.data_dir().join("exports").join(key);
    assert!(file.exists(), "{}", file.display());
    file
}

async fn a_reset_portal_answers_as_a_new_one_and_another_portal_is_untouched(app: TestApp) {
    let (doomed, token) = new_portal(&app).await;
    let (kept, kept_token) = new_portal(&app).await;
    let file = fill(&app, doomed, &token).await;
    let kept_file = fill(&app, kept, &kept_token).await;

    let reply = app
        .post(&format!("/_crm-exports/portals/{doomed}/reset"), json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["removedExports"], 1);

    let get = |path: &'static str, token: String| {
        let app = &app;
        async move { send_as(app, &token, Method::GET, path, Value::Null).await }
    };
    // The same token still works, on an empty portal with HubSpot's definitions.
    let contacts = get("/crm/v3/objects/contacts", token.clone()).await;
    assert_eq!(contacts.status, StatusCode::OK);
    assert_eq!(contacts.body["results"], json!([]));
    let property = get("/crm/v3/properties/contacts/shoe_size", token.clone()).await;
    assert_eq!(property.status, StatusCode::NOT_FOUND);
    let email = get("/crm/v3/properties/contacts/email", token.clone()).await;
    assert_eq!(email.status, StatusCode::OK);
    let lists = send_as(
        &app,
        &token,
        Method::POST,
        "/crm/v3/lists/search",
        json!({}),
    )
    .await;
    assert_eq!(lists.body["lists"], json!([]), "{}", lists.body);
    assert_eq!(
        get("/crm/v3/owners", token.clone()).await.body["results"],
        json!([])
    );
    assert!(!file.exists(), "the export file is deleted");
    let hooks = get("/crm/v3/exports/webhooks", token.clone()).await;
    assert_eq!(hooks.body["results"], json!([]), "{}", hooks.body);
    let schemas = send_as(&app, &token, Method::GET, SCHEMAS, Value::Null).await;
    assert_eq!(schemas.body["results"], json!([]), "{}", schemas.body);
    let again = send_as(&app, &token, Method::POST, SCHEMAS, car_schema()).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    // A new list may take the old name again.
    let list = json!({"name": "Friends", "objectTypeId": "0-1", "processingType": "MANUAL"});
    let again = send_as(&app, &token, Method::POST, "/crm/v3/lists", list).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);

    let other = get("/crm/v3/objects/contacts", kept_token.clone()).await;
    assert_eq!(other.body["results"].as_array().unwrap().len(), 2);
    let shoe = get("/crm/v3/properties/contacts/shoe_size", kept_token.clone()).await;
    assert_eq!(shoe.status, StatusCode::OK);
    assert!(kept_file.exists());
    let kept_hooks = get("/crm/v3/exports/webhooks", kept_token.clone()).await;
    assert_eq!(kept_hooks.body["results"].as_array().unwrap().len(), 1);

    let unknown = app
        .post("/_crm-exports/portals/99999/reset", json!({}))
        .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let malformed = app.post("/_crm-exports/portals/abc/reset", json!({})).await;
    assert_hubspot_error(&malformed, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    app.drop_postgres_schema().await;
}

#[tokio::test]
async fn a_reset_portal_answers_as_a_new_one_and_another_portal_is_untouched_on_sqlite() {
    a_reset_portal_answers_as_a_new_one_and_another_portal_is_untouched(TestApp::spawn().await)
        .await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored"]
async fn a_reset_portal_answers_as_a_new_one_and_another_portal_is_untouched_on_postgres() {
    let _ = NEEDS_POSTGRES;
    let settings = Settings {
        api: TestApp::config(),
        ..Settings::default()
    };
    let app = TestApp::spawn_on_postgres(settings).await;
    a_reset_portal_answers_as_a_new_one_and_another_portal_is_untouched(app).await;
}

/// Declares `$test` (an `async fn(&TestApp)`) once per store, as `$test::on_sqlite` and
/// `$test::on_postgres`, each over an app with `$settings`.
macro_rules! on_both_stores {
    ($($test:ident => $settings:expr),* $(,)?) => {$(
        mod $test {
            use super::*;

            #[tokio::test]
            async fn on_sqlite() {
                super::$test(&TestApp::spawn_with_settings($settings).await).await;
            }

            #[tokio::test]
            #[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored"]
            async fn on_postgres() {
                let _ = NEEDS_POSTGRES;
                let app = TestApp::spawn_on_postgres($settings).await;
                super::$test(&app).await;
                app.drop_postgres_schema().await;
            }
        }
    )*};
}

fn settings() -> Settings {
    Settings {
        api: TestApp::config(),
        ..Settings::default()
    }
}

fn one_export_a_day() -> Settings {
    Settings {
        daily_export_quota: 1,
        ..settings()
    }
}

on_both_stores!(
    advancing_the_clock_six_minutes_expires_a_download_link => settings(),
    advancing_the_clock_a_day_opens_a_new_export_quota_day => one_export_a_day(),
    a_fail_fault_ends_the_next_export_canceled_with_errors_and_failed_in_details => settings(),
    a_429_fault_answers_as_the_rate_limiter_its_times_then_stops_and_stores_nothing => settings(),
);

async fn advancing_the_clock_six_minutes_expires_a_download_link(app: &TestApp) {
    let id = start_export(app, &app.token).await;
    app.run_exports().await;
    let status = app.get(&format!("{STATUS}/{id}/status")).await;
    let url = status.body["result"].as_str().expect("a link").to_string();
    assert_eq!(app.fetch(&url).await.0, StatusCode::OK);

    let moved = app
        .post("/_crm-exports/clock", json!({"advanceBy": "PT6M"}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let (code, _, body) = app.fetch(&url).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "error");
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    // A fresh status read mints a link that works at the new time.
    let status = app.get(&format!("{STATUS}/{id}/status")).await;
    let fresh = status.body["result"].as_str().unwrap();
    assert_eq!(app.fetch(fresh).await.0, StatusCode::OK);
}

async fn advancing_the_clock_a_day_opens_a_new_export_quota_day(app: &TestApp) {
    start_export(app, &app.token).await;
    let over = app.post("/crm/v3/exports/export/async", csv_export()).await;
    assert_hubspot_error(&over, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITS");
    let moved = app
        .post("/_crm-exports/clock", json!({"advanceBy": "P1D"}))
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    start_export(app, &app.token).await;
}

#[tokio::test]
async fn a_fixed_clock_dates_records_and_can_be_set_and_bad_changes_are_refused() {
    let clock = crm_exports::clock::Clock::parse("fixed:2026-01-01T00:00:00Z").unwrap();
    let app = TestApp::spawn_with_settings(Settings {
        api: TestApp::config(),
        clock,
        ..Settings::default()
    })
    .await;
    let shown = app.get("/_crm-exports/clock").await;
    assert_eq!(shown.body["now"], "2026-01-01T00:00:00.000Z");
    assert_eq!(shown.body["mode"], "fixed");
    let made = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "c@example.com"}}),
        )
        .await;
    assert_eq!(
        made.body["createdAt"], "2026-01-01T00:00:00.000Z",
        "{}",
        made.body
    );
    let set = app
        .post(
            "/_crm-exports/clock",
            json!({"set": "2027-03-04T05:06:07Z"}),
        )
        .await;
    assert_eq!(set.body["now"], "2027-03-04T05:06:07.000Z");
    for bad in [
        json!({"advanceBy": "6 minutes"}),
        json!({"set": "tomorrow"}),
        json!({"advanceBy": "PT1M", "set": "2027-01-01T00:00:00Z"}),
        json!({}),
    ] {
        let reply = app.post("/_crm-exports/clock", bad.clone()).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let after = app.get("/_crm-exports/clock").await;
    assert_eq!(after.body["now"], "2027-03-04T05:06:07.000Z");
}

async fn a_429_fault_answers_as_the_rate_limiter_its_times_then_stops_and_stores_nothing(
    app: &TestApp,
) {
    let fault = json!({
        "match": {"method": "POST", "path": "/crm/v3/objects/contacts/batch/*", "portalId": 1},
        "effect": {"status": 429, "policy": "TEN_SECONDLY_ROLLING"}, "times": 2,
    });
    let added = app.post("/_crm-exports/faults", fault).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let batch = json!({"inputs": [{"properties": {"email": "f@example.com"}}]});
    let path = "/crm/v3/objects/contacts/batch/create";
    let refused = app.post(path, batch.clone()).await;
    assert_hubspot_error(&refused, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITS");
    assert_eq!(refused.body["errorType"], "RATE_LIMIT");
    assert_eq!(refused.body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(refused.headers["x-hubspot-ratelimit-remaining"], "0");
    let listed = app.get("/_crm-exports/faults").await;
    assert_eq!(listed.body["rules"][0]["remaining"], 1, "{}", listed.body);
    // Another portal's requests do not match.
    let other = app.token_for(2, &TestApp::all_scopes()).await;
    let theirs = send_as(app, &other, Method::POST, path, batch.clone()).await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_eq!(
        app.post(path, batch.clone()).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.body["results"],
        json!([])
    );
    assert_eq!(app.post(path, batch).await.status, StatusCode::CREATED);
    assert_eq!(
        app.get("/_crm-exports/faults").await.body["rules"],
        json!([])
    );
}

#[tokio::test]
async fn server_error_faults_have_hubspots_body_and_delete_clears_every_fault() {
    let app = TestApp::spawn().await;
    for status in [500, 502, 503] {
        let fault = json!({"match": {"path": "/crm/v3/owners"}, "effect": {"status": status}});
        assert_eq!(
            app.post("/_crm-exports/faults", fault).await.status,
            StatusCode::CREATED
        );
        let reply = app.get("/crm/v3/owners").await;
        assert_eq!(reply.status.as_u16(), status);
        assert_eq!(reply.body["status"], "error");
        assert_eq!(reply.body["message"], "internal error");
        assert!(reply.body["correlationId"].is_string());
        assert_eq!(
            app.delete("/_crm-exports/faults").await.status,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(app.get("/crm/v3/owners").await.status, StatusCode::OK);
    for bad in [
        json!({"effect": {"status": 404}}),
        json!({"effect": {}}),
        json!({"effect": {"status": 429, "policy": "HOURLY"}}),
        json!({"effect": {"status": 500}, "probability": 2}),
        json!({"effect": {"status": 500}, "times": 0}),
        json!({"effect": {"status": 500}, "export": {"fail": "x"}}),
        json!({"export": {"explode": true}}),
    ] {
        let reply = app.post("/_crm-exports/faults", bad.clone()).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    assert_eq!(
        app.get("/_crm-exports/faults").await.body["rules"],
        json!([])
    );
}

async fn a_fail_fault_ends_the_next_export_canceled_with_errors_and_failed_in_details(
    app: &TestApp,
) {
    let fault = json!({"export": {"fail": "the disk is full"}});
    assert_eq!(
        app.post("/_crm-exports/faults", fault).await.status,
        StatusCode::CREATED
    );
    let listed = app.get("/_crm-exports/faults").await;
    assert_eq!(listed.body["exports"][0]["portalId"], 1, "{}", listed.body);
    let id = start_export(app, &app.token).await;
    app.run_exports().await;
    let status = app.get(&format!("{STATUS}/{id}/status")).await;
    assert_eq!(status.body["status"], "CANCELED", "{}", status.body);
    assert_eq!(status.body["numErrors"], 1);
    assert_eq!(status.body["errors"][0]["message"], "the disk is full");
    let details = app.get(&format!("/crm/v3/exports/export/{id}")).await;
    assert_eq!(details.body["exportState"], "FAILED");
    // Only the next export: the one after runs.
    let next = start_export(app, &app.token).await;
    app.run_exports().await;
    let status = app.get(&format!("{STATUS}/{next}/status")).await;
    assert_eq!(status.body["status"], "COMPLETE");
}
