//! The client commands back off when the server rate-limits them: `seed --via-api` and
//! `export start` against a server allowing few requests per ten seconds finish their work,
//! waiting out each 429's `Retry-After`, and say that they waited.

use crate::harness::{Server, read_rows, run};

#[test]
fn seed_via_api_and_export_start_wait_out_429s_and_finish() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--rate-limit-per-10s", "20"]);
    let data = dir.path().to_str().unwrap();
    let seeded = run(
        dir.path(),
        &[
            "seed",
            "--data-dir",
            data,
            "--via-api",
            &server.base_url,
            // A small seed sends one record a request: over 30 requests.
            "--contacts",
            "30",
            "--companies",
            "5",
            "--deals",
            "0",
            "--tickets",
            "0",
        ],
    )
    .expect_ok();
    assert!(
        seeded.stderr.contains("is rate-limiting requests"),
        "{}",
        seeded.stderr
    );
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("contacts.csv");
    let exported = server
        .client(
            work.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--format",
                "csv",
                "--properties",
                "email",
                "--out",
                out.to_str().unwrap(),
            ],
        )
        .expect_ok();
    assert!(
        exported.stdout.contains("contacts.csv"),
        "{}",
        exported.stdout
    );
    // Every seeded contact, and the header.
    assert_eq!(read_rows(&out).len(), 31);
}
