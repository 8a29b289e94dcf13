//! `token create` without `--portal` makes a new portal each time, with the next free id,
//! and its token sees only that portal's records.

use serde_json::{Value, json};

use crate::harness::{Server, run};

fn new_portal_token(dir: &std::path::Path) -> (String, String) {
    let data = dir.to_str().unwrap();
    let ran = run(
        dir,
        &["token", "create", "--scopes", "all", "--data-dir", data],
    )
    .expect_ok();
    let created = ran
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("created portal "))
        .unwrap_or_else(|| panic!("no portal named: {}", ran.stderr))
        .to_owned();
    (created, ran.stdout.trim().to_owned())
}

async fn call(server: &Server, token: &str, method: reqwest::Method, body: Option<Value>) -> Value {
    crm_exports::client::install_tls_provider();
    let mut request = reqwest::Client::new()
        .request(
            method,
            format!("{}/crm/v3/objects/contacts", server.base_url),
        )
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_token_without_a_portal_gets_a_new_portal_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    // The first start makes portal 1 and the development token.
    let server = Server::start(dir.path(), &[]);
    let (first, first_token) = new_portal_token(dir.path());
    let (second, second_token) = new_portal_token(dir.path());
    assert_ne!(first, "1");
    assert_ne!(first, second);

    let contact = json!({"properties": {"email": "only@first.example"}});
    call(&server, &first_token, reqwest::Method::POST, Some(contact)).await;
    let count = |page: Value| page["results"].as_array().unwrap().len();
    assert_eq!(
        count(call(&server, &first_token, reqwest::Method::GET, None).await),
        1
    );
    assert_eq!(
        count(call(&server, &second_token, reqwest::Method::GET, None).await),
        0
    );
    assert_eq!(
        count(call(&server, &server.token(), reqwest::Method::GET, None).await),
        0
    );
}
