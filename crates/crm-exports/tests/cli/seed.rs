//! `seed` through the store and through the batch API: the counts, the associations, the
//! owners, one list of each kind, and the refusal to seed over existing records.

use serde_json::{Value, json};

use crate::harness::{Server, run, seed};

/// Calls the API with the server's token, returning the JSON body.
async fn api(server: &Server, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let client = {
        crm_exports::client::install_tls_provider();
        reqwest::Client::new()
    };
    let mut request = client
        .request(method, format!("{}{path}", server.base_url))
        .bearer_auth(server.token());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn total(server: &Server, object: &str, filters: Value) -> u64 {
    let body = json!({"filterGroups": filters, "limit": 1});
    let found = api(
        server,
        reqwest::Method::POST,
        &format!("/crm/v3/objects/{object}/search"),
        Some(body),
    )
    .await;
    found["total"].as_u64().unwrap()
}

#[tokio::test]
async fn the_store_seed_makes_what_it_says_with_owners_associations_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    let ran = seed(
        dir.path(),
        &[
            "--contacts",
            "150",
            "--companies",
            "15",
            "--deals",
            "40",
            "--tickets",
            "20",
        ],
    )
    .expect_ok();
    assert!(
        ran.stdout.contains(
            "with 15 companies, 150 contacts, 40 deals, 20 tickets, 6 owners and 3 lists"
        ),
        "{}",
        ran.stdout
    );
    // The data folder is ready to serve: the seed created the portal and its token.
    let server = Server::start(dir.path(), &[]);
    for (object, expected) in [
        ("contacts", 150),
        ("companies", 15),
        ("deals", 40),
        ("tickets", 20),
    ] {
        assert_eq!(
            total(&server, object, json!([])).await,
            expected,
            "{object}"
        );
    }
    let owners = api(&server, reqwest::Method::GET, "/crm/v3/owners", None).await;
    assert_eq!(owners["results"].as_array().unwrap().len(), 6);
    // Every deal has a company and a contact; the dates span years.
    let deals = api(
        &server,
        reqwest::Method::GET,
        "/crm/v3/objects/deals?limit=100&associations=companies,contacts&properties=createdate",
        None,
    )
    .await;
    let deals = deals["results"].as_array().unwrap();
    for deal in deals {
        assert!(
            deal["associations"]["companies"]["results"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            "{deal}"
        );
        assert!(
            deal["associations"]["contacts"]["results"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            "{deal}"
        );
    }
    let years: std::collections::BTreeSet<&str> = deals
        .iter()
        .map(|d| &d["properties"]["createdate"].as_str().unwrap()[..4])
        .collect();
    assert!(years.len() >= 4, "{years:?}");
    // One list of each kind; the DYNAMIC one matches exactly the contacts in Paris.
    let lists = api(
        &server,
        reqwest::Method::GET,
        "/crm/v3/lists?listIds=1&listIds=2&listIds=3",
        None,
    )
    .await;
    let kinds: Vec<&str> = lists["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["processingType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["MANUAL", "SNAPSHOT", "DYNAMIC"]);
    let in_paris = total(
        &server,
        "contacts",
        json!([{"filters": [{"propertyName": "city", "operator": "EQ", "value": "Paris"}]}]),
    )
    .await;
    assert!(in_paris > 0);
    assert_eq!(lists["lists"][2]["size"], in_paris);
    let customers = total(&server, "contacts", json!([{"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]}])).await;
    assert_eq!(lists["lists"][1]["size"], customers);
    assert_eq!(lists["lists"][0]["size"], 8);
    // Seeding again into the same portal would clash on emails: refused, nothing added.
    let error = seed(dir.path(), &["--contacts", "5"]).expect_one_error_line();
    assert!(error.contains("already holds"), "{error}");
    assert_eq!(total(&server, "contacts", json!([])).await, 150);
}

#[tokio::test]
async fn seeding_through_the_batch_api_creates_records_with_their_associations() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let data = dir.path().to_str().unwrap();
    let ran = run(
        dir.path(),
        &[
            "seed",
            "--data-dir",
            data,
            "--via-api",
            &server.base_url,
            "--contacts",
            "130",
            "--companies",
            "8",
            "--deals",
            "12",
            "--tickets",
            "6",
        ],
    )
    .expect_ok();
    assert!(ran.stderr.contains("no owners"), "{}", ran.stderr);
    for (object, expected) in [
        ("contacts", 130),
        ("companies", 8),
        ("deals", 12),
        ("tickets", 6),
    ] {
        assert_eq!(
            total(&server, object, json!([])).await,
            expected,
            "{object}"
        );
    }
    // A contact's `company` property names the company it is associated with.
    let contacts = api(
        &server,
        reqwest::Method::GET,
        "/crm/v3/objects/contacts?limit=100&associations=companies&properties=company",
        None,
    )
    .await;
    let mut checked = 0;
    for contact in contacts["results"].as_array().unwrap() {
        let Some(company) = contact["associations"]["companies"]["results"][0]["id"].as_str()
        else {
            continue;
        };
        let company = api(
            &server,
            reqwest::Method::GET,
            &format!("/crm/v3/objects/companies/{company}?properties=name"),
            None,
        )
        .await;
        assert_eq!(
            company["properties"]["name"],
            contact["properties"]["company"]
        );
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
}
