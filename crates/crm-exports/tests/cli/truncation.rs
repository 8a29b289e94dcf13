//! Text over Excel's 32,767-character cell limit: the XLSX export cuts it, the export's
//! details count the cut cells and name their properties, and `export start` warns; a CSV
//! keeps the whole text and says nothing.

use serde_json::json;

use crate::harness::{Server, read_rows};

/// Creates a contact through the API with the server's token.
async fn create_contact(server: &Server, properties: serde_json::Value) {
    crm_exports::client::install_tls_provider();
    let response = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/contacts", server.base_url))
        .bearer_auth(server.token())
        .json(&json!({ "properties": properties }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

fn export(server: &Server, cwd: &std::path::Path, format: &str) -> crate::harness::Ran {
    server
        .client(
            cwd,
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--properties",
                "email,message",
                "--format",
                format,
                "--name",
                format,
            ],
        )
        .expect_ok()
}

#[tokio::test]
async fn an_xlsx_export_that_cut_text_says_so_in_its_details_and_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let long = "é".repeat(40_000);
    create_contact(
        &server,
        json!({"email": "long@example.com", "message": long}),
    )
    .await;
    create_contact(
        &server,
        json!({"email": "short@example.com", "message": "hi"}),
    )
    .await;
    // The commands below block; the server is another process, so nothing waits on them.
    let cwd = dir.path().to_path_buf();
    let xlsx = export(&server, &cwd, "xlsx");
    assert!(
        xlsx.stderr.contains(
            "warning: 1 cell was cut at 32,767 characters, the format's cell limit, in: message"
        ),
        "{}",
        xlsx.stderr
    );
    let rows = read_rows(&cwd.join(xlsx.stdout.trim()));
    let cut = rows
        .iter()
        .find(|r| r.contains(&"long@example.com".to_string()))
        .unwrap();
    assert!(
        cut.iter()
            .any(|cell| cell.chars().count() == 32_767 && cell.starts_with('é'))
    );

    // The details say the same to any client, as numbers and names.
    let id = last_export_id(&server, &cwd);
    let details = server.client(&cwd, &["export", "get", &id]).expect_ok();
    let details: serde_json::Value = serde_json::from_str(&details.stdout).unwrap();
    assert_eq!(details["truncatedCellCount"], 1, "{details}");
    assert_eq!(details["truncatedProperties"], json!(["message"]));

    // CSV has no cell limit: the whole text, no warning, a count of zero.
    let csv = export(&server, &cwd, "csv");
    assert!(!csv.stderr.contains("warning"), "{}", csv.stderr);
    let rows = read_rows(&cwd.join(csv.stdout.trim()));
    assert!(
        rows.iter()
            .flatten()
            .any(|cell| cell.chars().count() == 40_000)
    );
    let id = last_export_id(&server, &cwd);
    let details = server.client(&cwd, &["export", "get", &id]).expect_ok();
    let details: serde_json::Value = serde_json::from_str(&details.stdout).unwrap();
    assert_eq!(details["truncatedCellCount"], 0, "{details}");
    assert_eq!(details["truncatedProperties"], json!([]));
}

/// The newest export's id, from the export log as JSON.
fn last_export_id(server: &Server, cwd: &std::path::Path) -> String {
    let listed = server
        .client_command(cwd, &["export", "list", "--limit", "1"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    listed["results"][0]["id"].as_str().unwrap().to_owned()
}
