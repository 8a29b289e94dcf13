//! `export list` against a real server: JSON when the output is not a terminal (or with
//! `--json`), a table with `--table`, paging with `--limit`/`--after`/`--all`, the state
//! and object filters, another portal's exports never listed, and a token without the
//! export scope refused in one line.

use serde_json::Value;

use crate::harness::{Server, run, seed};

const COUNTS: &[&str] = &[
    "--contacts",
    "20",
    "--companies",
    "4",
    "--deals",
    "0",
    "--tickets",
    "0",
];

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn names(listed: &Value) -> Vec<String> {
    listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|e| e["exportName"].as_str().unwrap().to_owned())
        .collect()
}

/// Queues an export without waiting (the server runs no workers).
fn queue(server: &Server, dir: &std::path::Path, object: &str, name: &str) {
    server
        .client(
            dir,
            &[
                "export",
                "start",
                "--object",
                object,
                "--name",
                name,
                "--no-wait",
            ],
        )
        .expect_ok();
}

fn token(dir: &std::path::Path, portal: &str, scopes: &str) -> String {
    let data = dir.to_str().unwrap();
    let ran = run(
        dir,
        &[
            "token",
            "create",
            "--data-dir",
            data,
            "--portal",
            portal,
            "--scopes",
            scopes,
        ],
    )
    .expect_ok();
    ran.stdout.trim().to_owned()
}

#[test]
fn export_list_pages_filters_and_prints_json_or_a_table() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), COUNTS).expect_ok();
    let server = Server::start(dir.path(), &["--workers", "0"]);
    for (object, name) in [
        ("contacts", "c1"),
        ("companies", "k1"),
        ("contacts", "c2"),
        ("contacts", "c3"),
    ] {
        queue(&server, dir.path(), object, name);
    }
    let id_of = |name: &str| {
        let all = json(
            &server
                .client(dir.path(), &["export", "list"])
                .expect_ok()
                .stdout,
        );
        all["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["exportName"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    server
        .client(dir.path(), &["export", "cancel", &id_of("c2")])
        .expect_ok();

    let all = json(
        &server
            .client(dir.path(), &["export", "list"])
            .expect_ok()
            .stdout,
    );
    assert_eq!(names(&all), ["c3", "c2", "k1", "c1"]);
    assert!(all.get("paging").is_none(), "{all}");
    assert_eq!(all["results"][1]["exportState"], "CANCELED");

    let first = json(
        &server
            .client(dir.path(), &["export", "list", "--limit", "2"])
            .expect_ok()
            .stdout,
    );
    assert_eq!(names(&first), ["c3", "c2"]);
    let after = first["paging"]["next"]["after"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = json(
        &server
            .client(
                dir.path(),
                &["export", "list", "--limit", "2", "--after", &after],
            )
            .expect_ok()
            .stdout,
    );
    assert_eq!(names(&second), ["k1", "c1"]);
    let followed = json(
        &server
            .client(dir.path(), &["export", "list", "--limit", "1", "--all"])
            .expect_ok()
            .stdout,
    );
    assert_eq!(names(&followed), ["c3", "c2", "k1", "c1"]);

    let run_list = |args: &[&str]| {
        let mut full = vec!["export", "list", "--json"];
        full.extend_from_slice(args);
        names(&json(&server.client(dir.path(), &full).expect_ok().stdout))
    };
    assert_eq!(run_list(&["--state", "ENQUEUED"]), ["c3", "k1", "c1"]);
    assert_eq!(run_list(&["--state", "canceled,done"]), ["c2"]);
    assert_eq!(run_list(&["--object", "companies"]), ["k1"]);
    assert_eq!(
        run_list(&[
            "--object", "contacts", "--state", "ENQUEUED", "--limit", "1", "--all"
        ]),
        ["c3", "c1"]
    );

    let table = server
        .client(dir.path(), &["export", "list", "--table", "--limit", "3"])
        .expect_ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", table.stdout);
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("STATE"),
        "{}",
        table.stdout
    );
    assert!(
        lines[1].contains("c3") && lines[1].contains("ENQUEUED"),
        "{}",
        table.stdout
    );
    assert!(
        lines[2].contains("CANCELED") && lines[2].contains("0-1"),
        "{}",
        table.stdout
    );
    assert!(table.stderr.contains("--after"), "{}", table.stderr);
}

#[test]
fn export_list_shows_only_the_tokens_portal_and_needs_the_export_scope() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), COUNTS).expect_ok();
    let server = Server::start(dir.path(), &["--workers", "0"]);
    queue(&server, dir.path(), "contacts", "portal one's");
    let other = token(dir.path(), "2", "crm.export");
    let listed = json(
        &server
            .client(dir.path(), &["export", "list", "--token", &other])
            .expect_ok()
            .stdout,
    );
    assert!(names(&listed).is_empty(), "{listed}");

    let no_scope = token(dir.path(), "1", "crm.objects.contacts.read");
    let error = server
        .client(dir.path(), &["export", "list", "--token", &no_scope])
        .expect_one_error_line();
    assert!(
        error.contains("403") && error.contains("MISSING_SCOPES"),
        "{error}"
    );
    let error = server
        .client(dir.path(), &["export", "list", "--state", "SOMETIMES"])
        .expect_one_error_line();
    assert!(
        error.contains("400") && error.contains("SOMETIMES"),
        "{error}"
    );
}
