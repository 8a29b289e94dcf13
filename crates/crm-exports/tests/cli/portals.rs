//! `portal create` and `portal reset` against a running server's admin API: a new portal
//! with a token that works, and a reset that empties the portal and deletes its export
//! files from the server's folder; refusals are one error line.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Server, call, run};

/// `portal …` with `--url` and the data folder (for the development token).
fn portal(server: &Server, args: &[&str]) -> crate::harness::Ran {
    let data = server.data_dir.to_str().unwrap();
    let mut full = vec!["portal"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--url", &server.base_url, "--data-dir", data]);
    run(&server.data_dir, &full)
}

/// Starts an export as `token` and waits for the server's workers to finish it; returns
/// the file it left in the data folder.
async fn finished_export_file(server: &Server, token: &str) -> std::path::PathBuf {
    let request = json!({"exportType": "VIEW", "exportName": "c", "format": "CSV",
        "language": "EN", "objectType": "CONTACT", "objectProperties": ["email"]});
    let post = reqwest::Method::POST;
    let started = call(
        server,
        token,
        post,
        "/crm/v3/exports/export/async",
        Some(request),
    )
    .await;
    let id = started["id"].as_str().unwrap().to_string();
    let status = format!("/crm/v3/exports/export/async/tasks/{id}/status");
    let deadline = Instant::now() + Duration::from_secs(30);
    while call(server, token, reqwest::Method::GET, &status, None).await["status"] != "COMPLETE" {
        assert!(Instant::now() < deadline, "the export never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
        .data_dir
        .join("exports")
        .join(format!("export-{id}.csv"))
}

fn created(stdout: &str) -> (String, String) {
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name}in {stdout}"))
            .trim()
            .to_string()
    };
    (field("portal "), field("token "))
}

#[tokio::test]
async fn a_created_portal_works_and_a_reset_empties_it_and_deletes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (portal_id, token) = created(&portal(&server, &["create"]).expect_ok().stdout);
    assert_ne!(portal_id, "1");
    let contact = json!({"properties": {"email": "reset@example.com"}});
    let post = reqwest::Method::POST;
    call(
        &server,
        &token,
        post,
        "/crm/v3/objects/contacts",
        Some(contact),
    )
    .await;
    let file = finished_export_file(&server, &token).await;
    assert!(file.exists(), "{}", file.display());

    let reset = portal(&server, &["reset", "--portal", &portal_id]).expect_ok();
    assert!(
        reset.stdout.contains("removed 1 exports"),
        "{}",
        reset.stdout
    );
    assert!(!file.exists(), "the reset deleted the export file");
    let left = call(
        &server,
        &token,
        reqwest::Method::GET,
        "/crm/v3/objects/contacts",
        None,
    )
    .await;
    assert_eq!(
        left["results"],
        json!([]),
        "the token still works, on an empty portal"
    );

    let json = portal(&server, &["create", "--json", "--token-name", "ci"]).expect_ok();
    let body: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert!(body["portalId"].as_i64().unwrap() > portal_id.parse::<i64>().unwrap());
    assert!(body["token"].as_str().is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn refusals_are_one_line_naming_the_servers_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let unknown = portal(&server, &["reset", "--portal", "99999"]).expect_one_error_line();
    assert!(unknown.contains("404"), "{unknown}");
    let (_, plain_token) = created(&portal(&server, &["create"]).expect_ok().stdout);
    let refused = portal(&server, &["create", "--token", &plain_token]).expect_one_error_line();
    assert!(
        refused.contains("403") && refused.contains("MISSING_SCOPES"),
        "{refused}"
    );
}
