//! Requests that race each other answer as if they had come one after the other, never 500,
//! on SQLite and on PostgreSQL: an update or batch update that loses to an archive of the
//! same record is a 404 (or that input's error in a 207), as if the archive had come first;
//! and 40 export starts sent at once in one portal with the daily quota of 30 are accepted
//! exactly 30 times, the other 10 refused with HubSpot's 429.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crm_exports::server::Settings;

use crate::helpers::TestApp;

fn settings() -> Settings {
    Settings {
        api: TestApp::config(),
        ..Settings::default()
    }
}

async fn updates_racing_an_archive(app: Arc<TestApp>) {
    for round in 0..60 {
        let created = app
            .post(
                "/crm/v3/objects/contacts",
                json!({"properties": {"firstname": format!("R{round}")}}),
            )
            .await;
        let id = created.body["id"].as_str().unwrap().to_owned();
        let path = format!("/crm/v3/objects/contacts/{id}");
        let (a, b, c) = (app.clone(), app.clone(), app.clone());
        let (p, q) = (path.clone(), path.clone());
        let update = tokio::spawn(async move {
            a.patch(&p, json!({"properties": {"lastname": "Raced"}}))
                .await
        });
        let batch = tokio::spawn(async move {
            b.post(
                "/crm/v3/objects/contacts/batch/update",
                json!({"inputs": [{"id": id, "properties": {"jobtitle": "Raced"}}]}),
            )
            .await
        });
        let archive = tokio::spawn(async move { c.delete(&q).await });
        let (update, batch, archive) = (
            update.await.unwrap(),
            batch.await.unwrap(),
            archive.await.unwrap(),
        );
        assert_eq!(archive.status, StatusCode::NO_CONTENT);
        for reply in [&update, &batch] {
            assert!(
                matches!(reply.status, StatusCode::OK | StatusCode::NOT_FOUND),
                "round {round}: {} {}",
                reply.status,
                reply.body
            );
            if reply.status == StatusCode::NOT_FOUND {
                assert_eq!(reply.body["category"], "OBJECT_NOT_FOUND", "{}", reply.body);
            }
        }
    }
}

async fn forty_simultaneous_export_starts(app: Arc<TestApp>) {
    let request = json!({"exportType": "VIEW", "exportName": "race", "format": "CSV",
                         "language": "EN", "objectType": "CONTACT",
                         "objectProperties": ["email"]});
    let starts: Vec<_> = (0..40)
        .map(|_| {
            let (app, request) = (app.clone(), request.clone());
            tokio::spawn(async move { app.post("/crm/v3/exports/export/async", request).await })
        })
        .collect();
    let mut accepted = 0;
    for start in starts {
        let reply = start.await.unwrap();
        match reply.status {
            StatusCode::ACCEPTED => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(reply.body["category"], "RATE_LIMITS", "{}", reply.body)
            }
            other => panic!("an export start answered {other}: {}", reply.body),
        }
    }
    assert_eq!(accepted, 30, "the quota is 30 exports a day");
    let log = app.get("/crm/v3/exports/export?limit=100").await;
    assert_eq!(
        log.body["results"].as_array().map(Vec::len),
        Some(30),
        "{}",
        log.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_racing_an_archive_on_sqlite_are_200_or_404_never_500() {
    updates_racing_an_archive(Arc::new(TestApp::spawn_with_settings(settings()).await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored"]
async fn updates_racing_an_archive_on_postgres_are_200_or_404_never_500() {
    let app = Arc::new(TestApp::spawn_on_postgres(settings()).await);
    updates_racing_an_archive(app.clone()).await;
    app.drop_postgres_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_simultaneous_export_starts_on_sqlite_are_accepted_exactly_30_times() {
    forty_simultaneous_export_starts(Arc::new(TestApp::spawn_with_settings(settings()).await))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored"]
async fn forty_simultaneous_export_starts_on_postgres_are_accepted_exactly_30_times() {
    let app = Arc::new(TestApp::spawn_on_postgres(settings()).await);
    forty_simultaneous_export_starts(app.clone()).await;
    app.drop_postgres_schema().await;
}
