//! What an operator of a real `serve` process sees: the JSON log of an export (its
//! lifecycle lines carrying the export id, portal and attempt, and never a token or a link's
//! signature), `/metrics` moving during and after an export (queue depth, exports by state,
//! rows, bytes, durations, the store pool), and a completion webhook that survives the
//! process being killed between two attempts.

#[path = "../common/receiver.rs"]
// These tests read deliveries' bodies only; the API tests read the rest.
#[allow(dead_code)]
mod receiver;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use self::receiver::Receiver;
use crate::harness::{Server, call, seed_contacts};

const CONTACTS: u64 = 40;

/// A client for what needs no token: the metrics and the signed download link.
fn http() -> reqwest::Client {
    crm_exports::client::install_tls_provider();
    reqwest::Client::new()
}

async fn send(server: &Server, token: &str, method: reqwest::Method, path: &str) -> Value {
    call(server, token, method, path, None).await
}

/// Starts a CSV export of every contact's email; returns its id.
async fn start_export(server: &Server, token: &str) -> String {
    let request = json!({
        "exportType": "VIEW", "exportName": "Operated", "format": "CSV", "language": "EN",
        "objectType": "CONTACT", "objectProperties": ["email"],
    });
    let path = "/crm/v3/exports/export/async";
    let started = call(server, token, reqwest::Method::POST, path, Some(request)).await;
    started["id"].as_str().unwrap().to_owned()
}

/// Polls the task status until the export is COMPLETE; returns the status body.
async fn wait_until_complete(server: &Server, token: &str, id: &str) -> Value {
    let path = format!("/crm/v3/exports/export/async/tasks/{id}/status");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = send(server, token, reqwest::Method::GET, &path).await;
        if status["status"] == "COMPLETE" {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the export did not finish: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn metrics(server: &Server) -> String {
    let url = format!("{}/metrics", server.base_url);
    http().get(url).send().await.unwrap().text().await.unwrap()
}

/// The value of the series named exactly `series` (name and labels), 0 when absent.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

/// Every JSON line of the log at `path` (the log holds nothing else).
fn log_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("the log");
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
        .collect()
}

#[tokio::test]
async fn a_json_log_carries_an_exports_lifecycle_and_nothing_secret() {
    let dir = tempfile::tempdir().unwrap();
    seed_contacts(dir.path(), CONTACTS).expect_ok();
    let log = dir.path().join("serve.log");
    let env = [("CRM_EXPORTS_LOG", "debug")];
    let server = Server::start_logging_to(dir.path(), &["--log-format", "json"], &env, &log);
    let token = server.token();
    let id = start_export(&server, &token).await;
    let status = wait_until_complete(&server, &token, &id).await;
    let link = status["result"]
        .as_str()
        .expect("a download link")
        .to_owned();
    let file = http().get(&link).send().await.unwrap();
    assert!(file.status().is_success(), "{}", file.status());
    drop(server);

    let lines = log_lines(&log);
    let export_line = |message: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} line in the log"))
            .clone()
    };
    for message in ["export claimed", "export finished"] {
        let line = export_line(message);
        let span = &line["span"];
        assert_eq!(span["name"], "export", "{line}");
        assert_eq!(span["export_id"].to_string(), id, "{line}");
        assert_eq!(span["portal"], 1, "{line}");
        assert_eq!(span["attempt"], 1, "{line}");
    }
    let finished = export_line("export finished");
    assert_eq!(finished["fields"]["rows"], CONTACTS, "{finished}");
    assert!(
        finished["fields"]["bytes"].as_u64().unwrap() > 0,
        "{finished}"
    );
    assert!(finished["fields"]["duration_ms"].is_u64(), "{finished}");
    // One access line per request, by route pattern: the download's among them.
    let accessed: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["route"].is_string() && l["fields"]["status"].is_u64())
        .collect();
    assert!(accessed.len() >= 3, "{accessed:?}");

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains(&token), "the token is in the log");
    let signature = link.split_once('?').map(|(_, query)| query).unwrap_or("");
    assert!(!signature.is_empty(), "{link}");
    for part in signature.split('&') {
        let value = part.split_once('=').map_or(part, |(_, v)| v);
        assert!(
            value.len() < 8 || !text.contains(value),
            "a link parameter is in the log: {part}"
        );
    }
    assert!(!text.contains('\u{1b}'), "colour codes in a log file");
}

#[tokio::test]
async fn metrics_move_while_exports_queue_run_and_finish() {
    let dir = tempfile::tempdir().unwrap();
    seed_contacts(dir.path(), CONTACTS).expect_ok();
    // One worker holding each export 1.5 s: a second portal's export waits in the queue.
    let flags = ["--export-workers", "1", "--test-hold-claimed-ms", "1500"];
    let server = Server::start(dir.path(), &flags);
    let token = server.token();
    let other = send(
        &server,
        &token,
        reqwest::Method::POST,
        "/_crm-exports/portals",
    )
    .await;
    let other_token = other["token"].as_str().expect("a token").to_owned();
    let before = metrics(&server).await;

    let first = start_export(&server, &token).await;
    let second = start_export(&server, &other_token).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = metrics(&server).await;
    assert_eq!(
        sample(&during, "crm_exports_export_queue_depth"),
        1.0,
        "{during}"
    );
    wait_until_complete(&server, &token, &first).await;
    wait_until_complete(&server, &other_token, &second).await;
    let after = metrics(&server).await;

    let grew = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(sample(&after, "crm_exports_export_queue_depth"), 0.0);
    assert_eq!(grew("crm_exports_exports_total{state=\"DONE\"}"), 2.0);
    assert_eq!(
        grew("crm_exports_export_duration_seconds_count{format=\"csv\"}"),
        2.0
    );
    // The second portal is new and empty: its export has no data rows.
    assert_eq!(grew("crm_exports_export_rows_total"), CONTACTS as f64);
    assert!(grew("crm_exports_export_bytes_total") > 0.0, "{after}");
    let pool = |state: &str| {
        let series = format!("crm_exports_store_pool_connections{{state=\"{state}\"}}");
        sample(&after, &series)
    };
    assert!(pool("idle") + pool("in_use") >= 1.0, "{after}");
    assert!(
        after.contains("crm_exports_store_pool_waiting"),
        "no pool gauge: {after}"
    );
}

#[tokio::test]
async fn a_webhook_delivery_survives_the_server_being_killed_between_attempts() {
    let dir = tempfile::tempdir().unwrap();
    seed_contacts(dir.path(), CONTACTS).expect_ok();
    let receiver = Receiver::start(&[500]);
    let flags = [
        "--webhook-allow-hosts",
        "127.0.0.1",
        "--test-webhook-backoff-ms",
        "2000",
    ];
    let server = Server::start(dir.path(), &flags);
    let token = server.token();
    let subscription = json!({"targetUrl": receiver.url, "events": ["export.completed"]});
    let path = "/crm/v3/exports/webhooks";
    call(
        &server,
        &token,
        reqwest::Method::POST,
        path,
        Some(subscription),
    )
    .await;
    let id = start_export(&server, &token).await;
    wait_until_complete(&server, &token, &id).await;
    wait_for_deliveries(&receiver, 1).await;
    // Killed (SIGKILL) with the delivery's retry pending, then started again.
    drop(server);
    let restarted = Server::start(dir.path(), &flags);
    let got = wait_for_deliveries(&receiver, 2).await;
    assert_eq!(got[0]["eventId"], got[1]["eventId"]);
    assert_eq!(got[1]["exportId"], id.as_str());
    assert_eq!(got[1]["exportState"], "DONE");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "delivered once more than asked"
    );
    drop(restarted);
}

async fn wait_for_deliveries(receiver: &Receiver, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = receiver.received();
        if got.len() >= count {
            return got.iter().map(|r| r.json()).collect();
        }
        assert!(
            Instant::now() < deadline,
            "{} deliveries, not {count}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
