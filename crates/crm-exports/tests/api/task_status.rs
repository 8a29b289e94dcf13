//! The task status in every state, as strict clients read it: HubSpot's schema requires
//! `completedAt`, `startedAt` and `status`, so each state carries them (with `requestedAt`
//! and a `numErrors` that matches `errors[]`), on both path families; and the other export
//! answers carry their schemas' required fields too.

use crm_exports::domain::time::parse_timestamp;
use crm_exports::store::ExportOutcome;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const PREFIXES: [&str; 2] = ["/crm/v3/exports", "/crm/exports/2026-03"];

fn now_ms() -> i64 {
    crm_exports::clock::Clock::system().now_ms()
}

fn request(name: &str) -> Value {
    json!({"exportType": "VIEW", "exportName": name, "format": "CSV", "language": "EN",
           "objectType": "CONTACT", "objectProperties": ["email"]})
}

async fn start(app: &TestApp, prefix: &str) -> String {
    let reply = app
        .post(&format!("{prefix}/export/async"), request("states"))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    // TaskLocator: `id` is required, `links` a map of strings.
    assert!(reply.body["links"]["status"].is_string(), "{}", reply.body);
    reply.body["id"].as_str().expect("a string id").to_string()
}

async fn status(app: &TestApp, prefix: &str, id: &str) -> Value {
    let reply = app
        .get(&format!("{prefix}/export/async/tasks/{id}/status"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

/// An ISO 8601 time in HubSpot's shape (`2026-12-02T07:01:02.345Z`), as epoch ms.
fn time_of(body: &Value, field: &str) -> i64 {
    let text = body[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is a string in {body}"));
    assert!(
        text.len() == 24 && text.ends_with('Z') && text.as_bytes()[19] == b'.',
        "`{field}` is {text:?}"
    );
    parse_timestamp(text).unwrap_or_else(|| panic!("`{field}` parses: {text:?}"))
}

/// The fields every state carries, and `numErrors` agreeing with `errors[]`.
fn assert_complete_shape(body: &Value, want_status: &str) {
    assert_eq!(body["status"], want_status, "{body}");
    let requested = time_of(body, "requestedAt");
    let started = time_of(body, "startedAt");
    let completed = time_of(body, "completedAt");
    assert!(requested <= started && started <= completed, "{body}");
    let errors = body
        .get("errors")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    assert_eq!(body["numErrors"], json!(errors), "{body}");
    assert_eq!(body["links"], json!({}), "{body}");
    assert_eq!(
        body.get("result").is_some(),
        want_status == "COMPLETE",
        "{body}"
    );
}

#[tokio::test]
async fn a_pending_export_shows_its_request_time_as_started_and_the_answers_time_as_completed() {
    let app = TestApp::spawn().await;
    for prefix in PREFIXES {
        let id = start(&app, prefix).await;
        let before = now_ms();
        let body = status(&app, prefix, &id).await;
        let after = now_ms();
        assert_complete_shape(&body, "PENDING");
        assert_eq!(body["startedAt"], body["requestedAt"], "{body}");
        let completed = time_of(&body, "completedAt");
        assert!(before <= completed && completed <= after, "{body}");
        assert_eq!(body["numErrors"], 0);
    }
}

#[tokio::test]
async fn a_processing_export_shows_when_its_worker_started_it() {
    let app = TestApp::spawn().await;
    for prefix in PREFIXES {
        let id = start(&app, prefix).await;
        // A worker claims it at a known time, a second after it was requested.
        let claimed_at = now_ms() + 1_000;
        let claimed = app
            .store
            .claim_export("holds-it", claimed_at, 60_000, 3)
            .await
            .unwrap()
            .expect("the export is claimed");
        assert_eq!(claimed.id.to_string(), id);
        let body = status(&app, prefix, &id).await;
        assert_complete_shape(&body, "PROCESSING");
        assert_eq!(time_of(&body, "startedAt"), claimed_at, "{body}");
        assert_ne!(body["startedAt"], body["requestedAt"]);
        // Finish it so the next prefix's export is the one claimed.
        let done = ExportOutcome::Failed {
            error: "stopped by the test".into(),
        };
        app.store
            .finish_export(claimed.id, claimed.attempt, done, claimed_at)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_complete_export_keeps_its_times_across_polls() {
    let app = TestApp::spawn().await;
    for prefix in PREFIXES {
        let id = start(&app, prefix).await;
        assert_eq!(app.run_exports().await, 1);
        let first = status(&app, prefix, &id).await;
        assert_complete_shape(&first, "COMPLETE");
        assert_eq!(first["numErrors"], 0);
        assert!(first.get("errors").is_none(), "{first}");
        let second = status(&app, prefix, &id).await;
        assert_eq!(first["completedAt"], second["completedAt"]);
        assert_eq!(first["startedAt"], second["startedAt"]);
    }
}

#[tokio::test]
async fn an_export_canceled_before_it_started_has_both_times() {
    let app = TestApp::spawn().await;
    for prefix in PREFIXES {
        let id = start(&app, prefix).await;
        let canceled = app
            .post(&format!("{prefix}/export/{id}/cancel"), json!({}))
            .await;
        assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
        let body = status(&app, prefix, &id).await;
        assert_complete_shape(&body, "CANCELED");
        assert_eq!(body["startedAt"], body["requestedAt"], "{body}");
        assert_eq!(body["numErrors"], 0);
        // The cancel's time, not the answer's: it stays put.
        let again = status(&app, prefix, &id).await;
        assert_eq!(body["completedAt"], again["completedAt"]);
        assert_eq!(app.run_exports().await, 0);
    }
}

#[tokio::test]
async fn a_failed_export_counts_its_one_error() {
    let app = TestApp::spawn().await;
    let id = start(&app, PREFIXES[1]).await;
    let claimed = app
        .store
        .claim_export("fails", now_ms(), 60_000, 3)
        .await
        .unwrap()
        .unwrap();
    let failed = ExportOutcome::Failed {
        error: "disk on fire".into(),
    };
    app.store
        .finish_export(claimed.id, claimed.attempt, failed, now_ms())
        .await
        .unwrap();
    let body = status(&app, PREFIXES[1], &id).await;
    assert_complete_shape(&body, "CANCELED");
    assert_eq!(body["numErrors"], 1);
    // StandardError's required fields.
    let error = &body["errors"][0];
    for field in [
        "status", "category", "message", "context", "links", "errors",
    ] {
        assert!(
            error.get(field).is_some(),
            "errors[0] lacks {field}: {body}"
        );
    }
    assert_eq!(error["message"], "disk on fire");
}

#[tokio::test]
async fn export_details_carry_every_field_their_schema_requires_in_each_state() {
    let app = TestApp::spawn().await;
    let queued = start(&app, PREFIXES[1]).await;
    let done = start(&app, PREFIXES[1]).await;
    app.post(
        &format!("{}/export/{queued}/cancel", PREFIXES[1]),
        json!({}),
    )
    .await;
    app.run_exports().await;
    for id in [&queued, &done] {
        let details = app.get(&format!("{}/export/{id}", PREFIXES[1])).await;
        assert_eq!(details.status, StatusCode::OK);
        let body = details.body;
        assert_eq!(body["id"], json!(id));
        for field in ["createdAt", "updatedAt"] {
            time_of(&body, field);
        }
        assert!(body["exportState"].is_string() && body["exportType"] == "VIEW");
        assert!(body["objectProperties"].is_array() && body["objectType"] == "0-1");
    }
}

/// The test-only hold (`serve --test-hold-claimed-ms`): a claimed export stays PROCESSING,
/// an export queued behind it PENDING, and a cancel still ends the held one.
#[tokio::test]
async fn a_held_export_stays_processing_with_the_next_pending_until_canceled() {
    use crm_exports::domain::export::ExportState;
    use crm_exports::jobs::{ExportConfig, RunOutcome};
    use crm_exports::server::Settings;
    let app = TestApp::spawn_with_settings(Settings {
        export: ExportConfig {
            lease: std::time::Duration::from_millis(300),
            // Far longer than the test takes: only the cancel can end it.
            hold_claimed: std::time::Duration::from_secs(600),
            ..ExportConfig::default()
        },
        api: TestApp::config(),
        ..Settings::default()
    })
    .await;
    let prefix = PREFIXES[0];
    let held = start(&app, prefix).await;
    let queued = start(&app, prefix).await;
    let runner = app.runner.clone();
    let run = tokio::spawn(async move { runner.run_once(now_ms()).await });
    while status(&app, prefix, &held).await["status"] != "PROCESSING" {
        tokio::task::yield_now().await;
    }
    // Several heartbeats later it is still held, and the next one still waits.
    let deadline = now_ms() + 1_000;
    while now_ms() < deadline {
        assert_complete_shape(&status(&app, prefix, &held).await, "PROCESSING");
        assert_complete_shape(&status(&app, prefix, &queued).await, "PENDING");
        tokio::task::yield_now().await;
    }
    let canceled = app
        .post(&format!("{prefix}/export/{held}/cancel"), json!({}))
        .await;
    assert_eq!(canceled.status, StatusCode::OK, "{}", canceled.body);
    let outcome = run.await.unwrap().unwrap();
    assert!(
        matches!(
            outcome,
            RunOutcome::Ran {
                state: ExportState::Canceled,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_complete_shape(&status(&app, prefix, &held).await, "CANCELED");
}
