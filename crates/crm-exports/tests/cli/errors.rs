//! Every error the server returns, and a server that is not there, is one clear line on
//! stderr and a non-zero exit: unknown object types named first, mistyped properties with
//! the nearest names, a 403 with the scope it needs, a refused connection with `serve`.

use crate::harness::{Server, run, seed};

/// A portal with a few records: enough for the server to answer about contacts.
const FEW: &[&str] = &[
    "--contacts",
    "5",
    "--companies",
    "1",
    "--deals",
    "0",
    "--tickets",
    "0",
];

#[test]
fn a_bad_token_an_unknown_property_and_an_unknown_export_are_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), FEW).expect_ok();
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
    assert!(
        error.contains("Start it with `crm-exports serve`"),
        "{error}"
    );
}

#[test]
fn without_a_token_the_client_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let error = run(
        dir.path(),
        &["export", "status", "1", "--data-dir", "nowhere"],
    )
    .expect_one_error_line();
    assert!(
        error.contains("no token") && error.contains("dev-token"),
        "{error}"
    );
}

#[test]
fn an_unknown_object_type_is_named_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), FEW).expect_ok();
    let server = Server::start(dir.path(), &[]);
    let error = server
        .client(dir.path(), &["export", "start", "--object", "persons"])
        .expect_one_error_line();
    assert!(
        error.starts_with("error: unknown object type \"persons\"")
            && error.contains("contacts, companies, deals, tickets"),
        "{error}"
    );
    assert!(!error.contains("--properties"), "{error}");
    // A near miss gets a suggestion; an unknown associated type is named the same way.
    let error = server
        .client(dir.path(), &["export", "start", "--object", "contatcs"])
        .expect_one_error_line();
    assert!(error.contains("did you mean contacts?"), "{error}");
    let error = server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--associated",
                "compnies",
            ],
        )
        .expect_one_error_line();
    assert!(
        error.contains("unknown object type \"compnies\" (did you mean companies?)"),
        "{error}"
    );
}

#[test]
fn a_mistyped_property_gets_the_nearest_names_of_the_portal() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), FEW).expect_ok();
    let server = Server::start(dir.path(), &[]);
    let error = server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--properties",
                "email,firstnme",
                "--filter",
                "lifecyclestag EQ lead",
            ],
        )
        .expect_one_error_line();
    assert!(error.contains("400"), "{error}");
    assert!(
        error.contains("\"firstnme\" is not a property of CONTACT (did you mean firstname"),
        "{error}"
    );
    assert!(
        error.contains(
            "\"lifecyclestag\" is not a property of CONTACT (did you mean lifecyclestage"
        ),
        "{error}"
    );
}

#[test]
fn a_403_names_the_scope_the_token_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let data = dir.path().to_str().unwrap();
    let token = run(
        dir.path(),
        &[
            "token",
            "create",
            "--portal",
            "1",
            "--scopes",
            "crm.objects.contacts.read",
            "--data-dir",
            data,
        ],
    )
    .expect_ok()
    .stdout;
    let error = server
        .client(
            dir.path(),
            &["export", "status", "1", "--token", token.trim()],
        )
        .expect_one_error_line();
    assert!(
        error.contains("403") && error.contains("MISSING_SCOPES"),
        "{error}"
    );
    assert!(
        error.contains("the token lacks the scope crm.export"),
        "{error}"
    );
}
