//! The pacing export faults of the admin API (`stallAfterRows`, `rowsPerSecond`) and the
//! injected `cancel`'s count in the export metrics: an export held by a fault stays
//! PROCESSING with its lease kept, a cancel still ends it, and clearing the faults lets it
//! finish.

use std::time::{Duration, Instant};

use crm_exports::jobs::{ExportConfig, RunOutcome};
use crm_exports::server::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::helpers::{TestApp, assert_hubspot_error};

const STATUS: &str = "/crm/v3/exports/export/async/tasks";

/// A server whose export leases last under a second, so a stalled export that did not
/// renew its lease would be claimed again within the test.
async fn app_with_short_leases() -> TestApp {
    TestApp::spawn_with_settings(Settings {
        api: TestApp::config(),
        export: ExportConfig {
            lease: Duration::from_millis(600),
            ..ExportConfig::default()
        },
        ..Settings::default()
    })
    .await
}

async fn contacts(app: &TestApp, n: usize) {
    let emails = (0..n).map(|i| json!({"email": format!("c{i}@example.com")}));
    app.create_many("contacts", emails.collect()).await;
}

async fn add_export_fault(app: &TestApp, fault: Value) {
    let added = app
        .post("/_crm-exports/faults", json!({"export": fault}))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
}

async fn start_export(app: &TestApp) -> String {
    let request = json!({
        "exportType": "VIEW", "exportName": "contacts", "format": "CSV", "language": "EN",
        "objectType": "CONTACT", "objectProperties": ["email"],
    });
    let reply = app.post("/crm/v3/exports/export/async", request).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

/// One worker step on a task of its own, as a worker process runs it.
fn run_in_background(app: &TestApp) -> JoinHandle<RunOutcome> {
    let (runner, now) = (app.runner.clone(), app.clock.now_ms());
    tokio::spawn(async move { runner.run_once(now).await.expect("the runner step") })
}

async fn status_of(app: &TestApp, id: &str) -> Value {
    app.get(&format!("{STATUS}/{id}/status")).await.body
}

/// The export's details once `check` holds; fails after ten seconds.
async fn details_when(app: &TestApp, id: &str, check: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let details = app.get(&format!("/crm/v3/exports/export/{id}")).await.body;
        if check(&details) {
            return details;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the export never got there: {details}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_stall_fault_holds_the_export_processing_at_its_rows_until_it_is_canceled() {
    let app = app_with_short_leases().await;
    contacts(&app, 10).await;
    add_export_fault(&app, json!({"stallAfterRows": 4})).await;
    let id = start_export(&app).await;
    let worker = run_in_background(&app);
    details_when(&app, &id, |d| d["recordCount"] == 4).await;
    // Well past the lease: still PROCESSING at 4 rows, and no other worker may claim it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status_of(&app, &id).await["status"], "PROCESSING");
    let details = app.get(&format!("/crm/v3/exports/export/{id}")).await.body;
    assert_eq!(details["recordCount"], 4, "{details}");
    let second = app.runner.run_once(app.clock.now_ms()).await.unwrap();
    assert_eq!(
        second,
        RunOutcome::Idle,
        "the stalled export kept its lease"
    );

    let cancel = format!("/crm/v3/exports/export/{id}/cancel");
    let canceled = app.post(&cancel, json!({})).await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    let ran = tokio::time::timeout(Duration::from_secs(10), worker).await;
    assert!(ran.expect("the worker gives up once canceled").is_ok());
    assert_eq!(status_of(&app, &id).await["status"], "CANCELED");
}

#[tokio::test]
async fn clearing_the_faults_lets_a_stalled_export_finish_with_every_row() {
    let app = app_with_short_leases().await;
    contacts(&app, 10).await;
    add_export_fault(&app, json!({"stallAfterRows": 3})).await;
    let id = start_export(&app).await;
    let worker = run_in_background(&app);
    details_when(&app, &id, |d| d["recordCount"] == 3).await;
    assert_eq!(status_of(&app, &id).await["status"], "PROCESSING");
    let cleared = app.delete("/_crm-exports/faults").await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    let ran = tokio::time::timeout(Duration::from_secs(10), worker).await;
    assert!(ran.expect("the worker goes on once released").is_ok());
    let status = status_of(&app, &id).await;
    assert_eq!(status["status"], "COMPLETE", "{status}");
    let (code, _, file) = app.fetch(status["result"].as_str().unwrap()).await;
    assert_eq!(code, StatusCode::OK);
    // A header and ten data rows.
    assert_eq!(String::from_utf8_lossy(&file).lines().count(), 11);
}

#[tokio::test]
async fn a_rate_fault_throttles_the_next_export_and_then_lets_it_finish() {
    let app = app_with_short_leases().await;
    contacts(&app, 30).await;
    add_export_fault(&app, json!({"rowsPerSecond": 10})).await;
    let id = start_export(&app).await;
    let started = Instant::now();
    let worker = run_in_background(&app);
    details_when(&app, &id, |d| d["recordCount"].as_i64().unwrap_or(0) > 0).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // 30 rows at 10 a second take 2.9 s from the first: not done after one.
    assert_eq!(status_of(&app, &id).await["status"], "PROCESSING");
    let ran = tokio::time::timeout(Duration::from_secs(20), worker).await;
    assert!(ran.expect("the throttled export ends").is_ok());
    assert!(started.elapsed() >= Duration::from_millis(2900));
    let details = app.get(&format!("/crm/v3/exports/export/{id}")).await.body;
    assert_eq!(details["exportState"], "DONE", "{details}");
    assert_eq!(details["recordCount"], 30);
    // Only the next export: the one after runs at full speed.
    let next = start_export(&app).await;
    let started = Instant::now();
    app.run_exports().await;
    assert!(started.elapsed() < Duration::from_millis(2900));
    assert_eq!(status_of(&app, &next).await["status"], "COMPLETE");
}

/// `crm_exports_exports_total{state="CANCELED"}` as `/metrics` shows it (0 before the
/// first). The recorder is shared by every test in this process, so it only grows.
async fn canceled_count(app: &TestApp) -> f64 {
    let metrics = app.send(Method::GET, "/metrics", None, None).await;
    let text = metrics.body.as_str().expect("the metrics text").to_string();
    text.lines()
        .find_map(|line| line.strip_prefix(r#"crm_exports_exports_total{state="CANCELED"} "#))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

#[tokio::test]
async fn an_injected_cancel_is_counted_as_a_canceled_export() {
    let app = TestApp::spawn().await;
    let before = canceled_count(&app).await;
    add_export_fault(&app, json!({"cancel": true})).await;
    let id = start_export(&app).await;
    app.run_exports().await;
    assert_eq!(status_of(&app, &id).await["status"], "CANCELED");
    let after = canceled_count(&app).await;
    assert!(after >= before + 1.0, "{before} then {after}");
}

#[tokio::test]
async fn a_rate_of_zero_rows_is_refused() {
    let app = TestApp::spawn().await;
    for bad in [
        json!({"export": {"rowsPerSecond": 0}}),
        json!({"export": {"stallAfterRows": -1}}),
        json!({"export": {"rowsPerSecond": "fast"}}),
    ] {
        let reply = app.post("/_crm-exports/faults", bad.clone()).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let listed = app.get("/_crm-exports/faults").await;
    assert_eq!(listed.body["exports"], json!([]), "{}", listed.body);
}
