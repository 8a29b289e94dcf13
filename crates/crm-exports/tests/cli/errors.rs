//! Every error the server returns, and a server that is not there, is one clear line on
//! stderr and a non-zero exit.

use crate::harness::{Server, run, seed};

#[test]
fn a_bad_token_an_unknown_property_and_an_unknown_export_are_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    seed(
        dir.path(),
        &[
            "--contacts",
            "5",
            "--companies",
            "1",
            "--deals",
            "0",
            "--tickets",
            "0",
        ],
    )
    .expect_ok();
    let server = Server::start(dir.path(), &[]);
    let error = server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--token",
                "not-a-token",
            ],
        )
        .expect_one_error_line();
    assert!(
        error.contains("401") && error.contains("INVALID_AUTHENTICATION"),
        "{error}"
    );

    let error = server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--properties",
                "email,shoe_size",
            ],
        )
        .expect_one_error_line();
    assert!(
        error.contains("400") && error.contains("shoe_size"),
        "{error}"
    );

    let error = server
        .client(dir.path(), &["export", "status", "999999"])
        .expect_one_error_line();
    assert!(error.contains("403") && error.contains("999999"), "{error}");

    let error = server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--filter",
                "city LIKE Paris",
            ],
        )
        .expect_one_error_line();
    assert!(error.contains("unknown operator \"LIKE\""), "{error}");
}

#[test]
fn a_server_that_is_down_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // A port that was free a moment ago and has nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let ran = run(
        dir.path(),
        &[
            "export",
            "start",
            "--object",
            "contacts",
            "--base-url",
            &url,
            "--token",
            "x",
        ],
    );
    let error = ran.expect_one_error_line();
    assert!(error.contains(&format!("cannot reach {url}")), "{error}");
}

#[test]
fn without_a_token_the_client_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let error = run(
        dir.path(),
        &["--data-dir", "nowhere", "export", "status", "1"],
    )
    .expect_one_error_line();
    assert!(
        error.contains("no token") && error.contains("dev-token"),
        "{error}"
    );
}
