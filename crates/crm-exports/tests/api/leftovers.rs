//! No file in `exports/tmp` outlives its export's attempt: after a crash mid-export (a
//! worker that claimed the export, wrote part of its file and died without a heartbeat)
//! and a retry that completes, the folder is empty; and a worker starting up removes the
//! files of exports that finished or were claimed again while it was down, but keeps those
//! of an attempt that may still be running elsewhere.

use std::path::PathBuf;

use serde_json::json;

use crm_exports::clock::Clock;

fn now_ms() -> i64 {
    Clock::system().now_ms()
}

use crate::helpers::TestApp;

const REQUEST: &str = r#"{"exportType": "VIEW", "exportName": "crash", "format": "CSV",
    "language": "EN", "objectType": "CONTACT", "objectProperties": ["email"]}"#;

fn spool(app: &TestApp) -> PathBuf {
    app.data_dir().join("exports").join("tmp")
}

fn spool_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(spool(app))
        .expect("the spool folder exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn start(app: &TestApp) -> i64 {
    let request: serde_json::Value = serde_json::from_str(REQUEST).unwrap();
    let reply = app.post("/crm/v3/exports/export/async", request).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    reply.body["id"].as_str().unwrap().parse().unwrap()
}

/// What a worker that died mid-export leaves: its claim, with a lease that ran out a minute
/// ago, and half a file (plus the zip it had begun) under its attempt's names.
async fn crash_mid_export(app: &TestApp, id: i64) {
    let dead = app
        .store
        .claim_export("dies-mid-export", now_ms(), -60_000, 3)
        .await
        .unwrap()
        .expect("the export is claimed");
    assert_eq!((dead.id, dead.attempt), (id, 1));
    let stem = format!("export-{id}-1");
    std::fs::write(
        spool(app).join(format!("{stem}.part")),
        "email\na@example.com\n",
    )
    .unwrap();
    std::fs::write(spool(app).join(format!("{stem}.zipping")), "PK\u{3}\u{4}").unwrap();
}

#[tokio::test]
async fn after_a_crash_mid_export_and_a_completed_retry_the_spool_folder_is_empty() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        app.post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": format!("c{i}@example.com")}}),
        )
        .await;
    }
    let id = start(&app).await;
    crash_mid_export(&app, id).await;
    assert_eq!(spool_files(&app).len(), 2);
    assert_eq!(
        app.run_exports().await,
        1,
        "the retry takes the export over"
    );
    let status = app
        .get(&format!("/crm/v3/exports/export/async/tasks/{id}/status"))
        .await;
    assert_eq!(status.body["status"], "COMPLETE", "{}", status.body);
    let (_, _, file) = app.fetch(status.body["result"].as_str().unwrap()).await;
    assert_eq!(String::from_utf8_lossy(&file).lines().count(), 21);
    assert_eq!(spool_files(&app), Vec::<String>::new());
}

#[tokio::test]
async fn a_starting_worker_removes_only_files_no_running_attempt_owns() {
    let app = TestApp::spawn().await;
    let finished = start(&app).await;
    app.run_exports().await;
    let retried = start(&app).await;
    crash_mid_export(&app, retried).await;
    // The export was claimed again (attempt 2) by a worker that is still running.
    let running = app
        .store
        .claim_export("still-running", now_ms(), 60_000, 3)
        .await
        .unwrap()
        .expect("the expired lease is taken over");
    assert_eq!((running.id, running.attempt), (retried, 2));
    let write = |name: String| std::fs::write(spool(&app).join(name), "x").unwrap();
    write(format!("export-{finished}-1.part"));
    write(format!("export-{retried}-2.part"));
    write("export-999-1.part".into());
    write("notes.txt".into());
    let removed = app.runner.sweep_leftovers().await.unwrap();
    assert_eq!(removed, 4, "{:?}", spool_files(&app));
    assert_eq!(
        spool_files(&app),
        vec![format!("export-{retried}-2.part"), "notes.txt".to_string()]
    );
}
