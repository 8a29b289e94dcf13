//! Snapshots of the admin API, on SQLite and PostgreSQL: a snapshot, then changes (records
//! created, updated and deleted, a property, an export, the portal reset), then a restore brings every row
//! back, the snapshot's finished export downloads as before, and a new export of the same
//! data is byte-identical to one taken before the changes; requests racing the restore see
//! the store before or after it, never between; a worker running an export gives it up so
//! the restore can run; and bad or unknown names are refused with HubSpot's bodies.

use std::collections::BTreeSet;
use std::time::Duration;

use crm_exports::jobs::ExportConfig;
use crm_exports::server::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{NEEDS_POSTGRES, TestApp, assert_hubspot_error};

const SNAPSHOTS: &str = "/_crm-exports/snapshots";
const CONTACTS: &str = "/crm/v3/objects/contacts";

fn export_request() -> Value {
    json!({
        "exportType": "VIEW", "exportName": "contacts", "format": "CSV", "language": "EN",
        "objectType": "CONTACT", "objectProperties": ["email", "firstname"],
    })
}

/// Starts an export, runs it, and returns its id and its file's bytes.
async fn export_file(app: &TestApp) -> (String, Vec<u8>) {
    let started = app
        .post("/crm/v3/exports/export/async", export_request())
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    app.run_exports().await;
    let id = started.body["id"].as_str().unwrap().to_string();
    (id.clone(), download(app, &id).await)
}

async fn download(app: &TestApp, id: &str) -> Vec<u8> {
    let status = app
        .get(&format!("/crm/v3/exports/export/async/tasks/{id}/status"))
        .await;
    let url = status.body["result"].as_str();
    let url = url.unwrap_or_else(|| panic!("a finished export: {}", status.body));
    let (code, _, bytes) = app.fetch(url).await;
    assert_eq!(code, StatusCode::OK);
    bytes
}

/// Every live contact, by id, with its properties as the API shows them.
async fn contacts(app: &TestApp) -> Vec<Value> {
    let reply = app
        .get(&format!("{CONTACTS}?limit=100&properties=email,firstname"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut found: Vec<Value> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            json!({"id": r["id"], "email": r["properties"]["email"],
                        "firstname": r["properties"]["firstname"]})
        })
        .collect();
    found.sort_by_key(|c| c["id"].as_str().unwrap().parse::<i64>().unwrap());
    found
}

async fn change_everything(app: &TestApp, ids: &[String]) {
    app.create_many("contacts", vec![json!({"email": "new@example.com"})])
        .await;
    let updated = app
        .patch(
            &format!("{CONTACTS}/{}", ids[0]),
            json!({"properties": {"firstname": "Changed"}}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let deleted = app.delete(&format!("{CONTACTS}/{}", ids[1])).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let property = json!({"name": "shoe_size", "label": "Shoe size", "type": "number",
        "fieldType": "number", "groupName": "contactinformation"});
    let made = app.post("/crm/v3/properties/contacts", property).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
}

async fn a_restore_brings_back_the_data_and_byte_identical_exports(app: TestApp) {
    let people =
        (0..3).map(|i| json!({"email": format!("p{i}@example.com"), "firstname": format!("P{i}")}));
    let ids = app.create_many("contacts", people.collect()).await;
    let color = json!({"name": "favorite_color", "label": "Favorite color", "type": "string",
        "fieldType": "text", "groupName": "contactinformation"});
    let made = app.post("/crm/v3/properties/contacts", color).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let (before_id, before_file) = export_file(&app).await;
    let saved_contacts = contacts(&app).await;

    let saved = app.post(SNAPSHOTS, json!({"name": "before-changes"})).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!(saved.body["name"], "before-changes");
    assert!(saved.body["size"].as_u64().unwrap() > 0, "{}", saved.body);

    change_everything(&app, &ids).await;
    let (after_id, after_file) = export_file(&app).await;
    assert_ne!(after_file, before_file, "the changes show in an export");
    assert_ne!(contacts(&app).await, saved_contacts);
    // A reset deletes every export file of the portal, the snapshot's export's too.
    let reset = format!("/_crm-exports/portals/{}/reset", app.portal.0);
    assert_eq!(app.post(&reset, json!({})).await.status, StatusCode::OK);
    let file = app
        .data_dir()
        .join("exports")
        .join(format!("export-{before_id}.csv"));
    assert!(!file.exists(), "{}", file.display());
    let color = app.get("/crm/v3/properties/contacts/favorite_color").await;
    assert_hubspot_error(&color, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");

    let restored = app
        .post(&format!("{SNAPSHOTS}/before-changes/restore"), json!({}))
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);

    assert_eq!(contacts(&app).await, saved_contacts);
    // The property made after the snapshot is gone (no cached schema still shows it).
    let shoe = app.get("/crm/v3/properties/contacts/shoe_size").await;
    assert_hubspot_error(&shoe, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    // The one made before it is back, though the reset's schema was read since.
    let color = app.get("/crm/v3/properties/contacts/favorite_color").await;
    assert_eq!(color.status, StatusCode::OK, "{}", color.body);
    // The snapshot's finished export downloads as it did; the later one is unknown.
    assert_eq!(download(&app, &before_id).await, before_file);
    let later = app
        .get(&format!(
            "/crm/v3/exports/export/async/tasks/{after_id}/status"
        ))
        .await;
    assert!(later.status.is_client_error(), "{}", later.body);
    let (_, again) = export_file(&app).await;
    assert_eq!(
        again, before_file,
        "an export of the restored data is byte-identical"
    );

    let listed = app.get(SNAPSHOTS).await;
    assert_eq!(listed.body["results"][0]["name"], "before-changes");
    assert!(listed.body["results"][0]["createdAt"].is_string());
    let deleted = app.delete(&format!("{SNAPSHOTS}/before-changes")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(SNAPSHOTS).await.body["results"], json!([]));
    app.drop_postgres_schema().await;
}

#[tokio::test]
async fn a_restore_brings_back_the_data_and_byte_identical_exports_on_sqlite() {
    a_restore_brings_back_the_data_and_byte_identical_exports(TestApp::spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored"]
async fn a_restore_brings_back_the_data_and_byte_identical_exports_on_postgres() {
    let _ = NEEDS_POSTGRES;
    let settings = Settings {
        api: TestApp::config(),
        ..Settings::default()
    };
    let app = TestApp::spawn_on_postgres(settings).await;
    a_restore_brings_back_the_data_and_byte_identical_exports(app).await;
}

/// The contact ids a list request sees.
async fn visible_ids(app: &TestApp) -> BTreeSet<String> {
    let reply = app.get(&format!("{CONTACTS}?limit=100")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let results = reply.body["results"].as_array().unwrap();
    results
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn requests_racing_a_restore_see_the_store_before_or_after_it(app: TestApp) {
    let first = (0..40).map(|i| json!({"email": format!("old{i}@example.com")}));
    app.create_many("contacts", first.collect()).await;
    let old = visible_ids(&app).await;
    let saved = app.post(SNAPSHOTS, json!({"name": "race"})).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let later = (0..40).map(|i| json!({"email": format!("new{i}@example.com")}));
    app.create_many("contacts", later.collect()).await;
    let doomed: Vec<String> = old.iter().take(20).cloned().collect();
    for id in &doomed {
        assert_eq!(
            app.delete(&format!("{CONTACTS}/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
    }
    let new = visible_ids(&app).await;
    assert_ne!(old, new);

    let app = std::sync::Arc::new(app);
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..15 {
                    seen.push(visible_ids(&app).await);
                }
                seen
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let restored = app
        .post(&format!("{SNAPSHOTS}/race/restore"), json!({}))
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    for reader in readers {
        for ids in reader.await.unwrap() {
            assert!(
                ids == old || ids == new,
                "a half-restored store: {} ids",
                ids.len()
            );
        }
    }
    assert_eq!(visible_ids(&app).await, old);
    app.drop_postgres_schema().await;
}

#[tokio::test]
async fn requests_racing_a_restore_see_the_store_before_or_after_it_on_sqlite() {
    requests_racing_a_restore_see_the_store_before_or_after_it(TestApp::spawn().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored"]
async fn requests_racing_a_restore_see_the_store_before_or_after_it_on_postgres() {
    let _ = NEEDS_POSTGRES;
    let settings = Settings {
        api: TestApp::config(),
        ..Settings::default()
    };
    let app = TestApp::spawn_on_postgres(settings).await;
    requests_racing_a_restore_see_the_store_before_or_after_it(app).await;
}

#[tokio::test]
async fn a_worker_gives_up_its_export_so_a_restore_can_run() {
    let app = TestApp::spawn_with_settings(Settings {
        api: TestApp::config(),
        export: ExportConfig {
            lease: Duration::from_millis(600),
            ..ExportConfig::default()
        },
        ..Settings::default()
    })
    .await;
    app.create_many(
        "contacts",
        vec![
            json!({"email": "a@example.com"}),
            json!({"email": "b@example.com"}),
        ],
    )
    .await;
    let saved = app.post(SNAPSHOTS, json!({"name": "quiet"})).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    // An export held after one row: its worker holds the store until a restore asks.
    let fault = json!({"export": {"stallAfterRows": 1}});
    assert_eq!(
        app.post("/_crm-exports/faults", fault).await.status,
        StatusCode::CREATED
    );
    let started = app
        .post("/crm/v3/exports/export/async", export_request())
        .await;
    let id = started.body["id"].as_str().unwrap().to_string();
    let worker = {
        let (runner, now) = (app.runner.clone(), app.clock.now_ms());
        tokio::spawn(async move { runner.run_once(now).await })
    };
    let status = format!("/crm/v3/exports/export/async/tasks/{id}/status");
    while app.get(&status).await.body["status"] != "PROCESSING" {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let path = format!("{SNAPSHOTS}/quiet/restore");
    let restore = app.post(&path, json!({}));
    let restored = tokio::time::timeout(Duration::from_secs(10), restore).await;
    let restored = restored.expect("the restore does not wait for the stalled export");
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
    assert!(worker.await.unwrap().is_ok());
    // The export was requested after the snapshot: it is gone with everything else.
    assert!(app.get(&status).await.status.is_client_error());
}

#[tokio::test]
async fn snapshot_names_are_checked_and_unknown_or_taken_names_refused() {
    let app = TestApp::spawn().await;
    for bad in [
        json!({"name": ""}),
        json!({"name": "a/b"}),
        json!({"name": "..", }),
        json!({"name": "x".repeat(65)}),
        json!({"name": 7}),
        json!({}),
        json!({"name": "ok", "extra": true}),
    ] {
        let reply = app.post(SNAPSHOTS, bad.clone()).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    assert_eq!(app.get(SNAPSHOTS).await.body["results"], json!([]));
    let name = "x".repeat(64);
    let saved = app.post(SNAPSHOTS, json!({"name": name})).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let again = app.post(SNAPSHOTS, json!({"name": name})).await;
    assert_hubspot_error(&again, StatusCode::CONFLICT, "CONFLICT");
    for path in [
        format!("{SNAPSHOTS}/missing/restore"),
        format!("{SNAPSHOTS}/bad%20name/restore"),
    ] {
        let reply = app.post(&path, json!({})).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        assert_eq!(reply.body["status"], "error");
    }
    let unknown = app
        .post(&format!("{SNAPSHOTS}/missing/restore"), json!({}))
        .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let unknown = app.delete(&format!("{SNAPSHOTS}/missing")).await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let hubspot_only = app.token_for(1, &TestApp::all_scopes()).await;
    let refused = app
        .send(reqwest::Method::GET, SNAPSHOTS, Some(&hubspot_only), None)
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
}
