//! Search: each of the 13 operators, AND inside groups and OR across them, sorts, the
//! text query, projections, paging and the 10,000-result cap.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crm_exports::api::ApiConfig;

use crate::helpers::{OBJECT_PREFIXES, TestApp, assert_hubspot_error, ids_of};
use crate::properties::create_test_properties;

/// Four live contacts and one archived one; returns the live ids in creation order.
async fn dataset(app: &TestApp) -> Vec<String> {
    create_test_properties(app).await;
    let ids = app
        .create_many(
            "contacts",
            vec![
                json!({"email": "a0@acme.example", "firstname": "Acme Corp", "lastname": "Alpha", "score": "10",
                       "joined_on": "2024-01-01", "member_since": "2024-01-01T10:00:00Z", "vip": "true", "interests": "apples;bananas"}),
                json!({"email": "a1@other.example", "firstname": "AcmeTech", "lastname": "beta", "score": "20",
                       "joined_on": "2024-02-01", "member_since": "1706781600000", "vip": "false", "interests": "cherries"}),
                json!({"firstname": "Carol", "lastname": "Gamma", "score": "30"}),
                json!({"email": "a3@acme.example", "firstname": "dave", "lastname": "ALPHA", "interests": "bananas"}),
                json!({"email": "gone@acme.example", "lastname": "Alpha", "score": "10"}),
            ],
        )
        .await;
    let reply = app
        .delete(&format!("/crm/v3/objects/contacts/{}", ids[4]))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    ids[..4].to_vec()
}

async fn matching(app: &TestApp, prefix: &str, filters: Value) -> Vec<String> {
    let body = json!({"filterGroups": [{"filters": filters}], "limit": 100});
    let reply = app.post(&format!("{prefix}/contacts/search"), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body["total"].as_u64().unwrap() as usize,
        ids_of(&reply.body).len()
    );
    ids_of(&reply.body)
}

fn pick(ids: &[String], which: &[usize]) -> Vec<String> {
    which.iter().map(|&i| ids[i].clone()).collect()
}

#[tokio::test]
async fn each_of_the_13_operators_selects_the_right_records() {
    let app = TestApp::spawn().await;
    let ids = dataset(&app).await;
    let f = |p: &str, op: &str, v: Value| json!([{"propertyName": p, "operator": op, "value": v}]);
    for prefix in OBJECT_PREFIXES {
        let cases: Vec<(Value, Vec<usize>)> = vec![
            (f("lastname", "EQ", json!("alpha")), vec![0, 3]),
            (f("lastname", "NEQ", json!("Alpha")), vec![1, 2]),
            (f("score", "NEQ", json!(10)), vec![1, 2, 3]),
            (f("score", "LT", json!("20")), vec![0]),
            (f("score", "LTE", json!("20")), vec![0, 1]),
            (f("score", "GT", json!("10")), vec![1, 2]),
            (f("score", "GTE", json!(20)), vec![1, 2]),
            (f("member_since", "GT", json!("1704103200000")), vec![1]),
            (f("joined_on", "LT", json!("2024-02-01")), vec![0]),
            (
                json!([{"propertyName": "score", "operator": "BETWEEN", "value": "10", "highValue": "20"}]),
                vec![0, 1],
            ),
            (
                json!([{"propertyName": "member_since", "operator": "BETWEEN", "value": "2024-01-01T10:00:00Z", "highValue": "2024-02-01T10:00:00Z"}]),
                vec![0, 1],
            ),
            (
                json!([{"propertyName": "firstname", "operator": "IN", "values": ["carol", "DAVE"]}]),
                vec![2, 3],
            ),
            (
                json!([{"propertyName": "score", "operator": "NOT_IN", "values": ["10", "30"]}]),
                vec![1, 3],
            ),
            (
                json!([{"propertyName": "email", "operator": "HAS_PROPERTY"}]),
                vec![0, 1, 3],
            ),
            (
                json!([{"propertyName": "email", "operator": "NOT_HAS_PROPERTY"}]),
                vec![2],
            ),
            (f("firstname", "CONTAINS_TOKEN", json!("acme")), vec![0]),
            (
                f("email", "CONTAINS_TOKEN", json!("*@acme.example")),
                vec![0, 3],
            ),
            (
                f("firstname", "NOT_CONTAINS_TOKEN", json!("acme")),
                vec![1, 2, 3],
            ),
            (f("vip", "EQ", json!(true)), vec![0]),
            (f("interests", "EQ", json!("bananas")), vec![0, 3]),
            (
                json!([{"propertyName": "interests", "operator": "IN", "values": ["cherries", "apples"]}]),
                vec![0, 1],
            ),
        ];
        for (filters, want) in cases {
            assert_eq!(
                matching(&app, prefix, filters.clone()).await,
                pick(&ids, &want),
                "{prefix}: {filters}"
            );
        }
    }
}

#[tokio::test]
async fn filters_are_and_ed_inside_a_group_and_groups_or_ed() {
    let app = TestApp::spawn().await;
    let ids = dataset(&app).await;
    let body = json!({"filterGroups": [
        {"filters": [{"propertyName": "lastname", "operator": "EQ", "value": "alpha"},
                     {"propertyName": "score", "operator": "HAS_PROPERTY"}]},
        {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Carol"}]}
    ]});
    let reply = app.post("/crm/v3/objects/contacts/search", body).await;
    assert_eq!(ids_of(&reply.body), pick(&ids, &[0, 2]));
}

#[tokio::test]
async fn sorts_order_results_and_empty_values_come_last() {
    let app = TestApp::spawn().await;
    let ids = dataset(&app).await;
    let sorted = |sorts: Value| {
        let app = &app;
        async move {
            let reply = app
                .post(
                    "/crm/objects/2026-03/contacts/search",
                    json!({"sorts": sorts}),
                )
                .await;
            ids_of(&reply.body)
        }
    };
    assert_eq!(
        sorted(json!([{"propertyName": "score", "direction": "DESCENDING"}])).await,
        pick(&ids, &[2, 1, 0, 3])
    );
    assert_eq!(
        sorted(json!([{"propertyName": "score", "direction": "ASCENDING"}])).await,
        pick(&ids, &[0, 1, 2, 3])
    );
    assert_eq!(
        sorted(json!([{"propertyName": "firstname"}])).await,
        pick(&ids, &[0, 1, 2, 3])
    );
    assert_eq!(
        sorted(json!(["-firstname"])).await,
        pick(&ids, &[3, 2, 1, 0])
    );
    assert_eq!(sorted(json!(["email"])).await, pick(&ids, &[0, 1, 3, 2]));
}

#[tokio::test]
async fn the_query_searches_the_default_searchable_properties() {
    let app = TestApp::spawn().await;
    let ids = dataset(&app).await;
    let reply = app
        .post("/crm/v3/objects/contacts/search", json!({"query": "carol"}))
        .await;
    assert_eq!(ids_of(&reply.body), pick(&ids, &[2]));
    let reply = app
        .post("/crm/v3/objects/contacts/search", json!({"query": "acme"}))
        .await;
    assert_eq!(
        ids_of(&reply.body),
        pick(&ids, &[0, 1, 3]),
        "name and email tokens, prefix match"
    );
    let reply = app
        .post("/crm/v3/objects/contacts/search", json!({"query": "zebra"}))
        .await;
    assert_eq!(reply.body["total"], 0);
}

#[tokio::test]
async fn properties_choose_what_comes_back() {
    let app = TestApp::spawn().await;
    dataset(&app).await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"properties": ["score", "no_such"], "limit": 1}),
        )
        .await;
    let properties = reply.body["results"][0]["properties"].as_object().unwrap();
    assert_eq!(properties["score"], "10");
    assert!(!properties.contains_key("no_such"));
    assert!(!properties.contains_key("firstname"));
    let defaults = app.post("/crm/v3/objects/contacts/search", json!({})).await;
    let properties = defaults.body["results"][0]["properties"]
        .as_object()
        .unwrap();
    for name in [
        "email",
        "firstname",
        "lastname",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    ] {
        assert!(properties.contains_key(name), "{name}");
    }
}

#[tokio::test]
async fn paging_with_after_sees_every_match_once_and_the_cap_stops_it() {
    let app = TestApp::spawn_with(ApiConfig {
        search_result_cap: 50,
        ..TestApp::config()
    })
    .await;
    let people: Vec<Value> = (0..60)
        .map(|i| json!({"lastname": "Many", "firstname": format!("M{i}")}))
        .collect();
    let created = app.create_many("contacts", people).await;
    let mut seen = Vec::new();
    let mut after: Value = json!(0);
    loop {
        let reply = app
            .post("/crm/v3/objects/contacts/search", json!({"filterGroups": [{"filters": [{"propertyName": "lastname", "operator": "EQ", "value": "Many"}]}], "limit": 20, "after": after}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body["total"], 60, "total counts every match");
        seen.extend(ids_of(&reply.body));
        match reply.body["paging"]["next"]["after"].as_str() {
            Some(next) => after = json!(next),
            None => break,
        }
    }
    assert_eq!(seen, created[..50].to_vec(), "paging stops at the cap");
    let beyond = app
        .post("/crm/v3/objects/contacts/search", json!({"after": "50"}))
        .await;
    assert_hubspot_error(&beyond, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let default_cap = TestApp::spawn().await;
    let beyond = default_cap
        .post("/crm/v3/objects/contacts/search", json!({"after": "10000"}))
        .await;
    assert_hubspot_error(&beyond, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

#[tokio::test]
async fn malformed_searches_are_400_naming_the_problem() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"limit": 201}), "200"),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "shoe_size", "operator": "EQ", "value": "9"}]}]}),
            "shoe_size",
        ),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}]}),
            "LIKE",
        ),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": "soon"}]}]}),
            "soon",
        ),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN"}]}]}),
            "values",
        ),
        (
            json!({"sorts": [{"propertyName": "shoe_size"}]}),
            "shoe_size",
        ),
        (
            json!({"filterGroups": vec![json!({"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}); 7]}),
            "filter groups",
        ),
    ];
    for (body, needle) in cases {
        let reply = app.post("/crm/v3/objects/contacts/search", body).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(
            reply.body["message"].as_str().unwrap().contains(needle),
            "{needle}: {}",
            reply.body
        );
    }
}
