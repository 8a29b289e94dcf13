//! Batch endpoints: create, read, update, upsert and archive, the 100-input limit, atomic
//! batches and the multi-status (207) opt-in.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{OBJECT_PREFIXES, TestApp, assert_hubspot_error, ids_of};

fn contacts(range: std::ops::Range<usize>, tag: &str) -> Vec<Value> {
    range
        .map(|i| json!({"properties": {"email": format!("{tag}{i}@batch.example"), "firstname": format!("F{i}")}}))
        .collect()
}

#[tokio::test]
async fn batch_create_read_update_and_archive_work_on_both_path_families() {
    let app = TestApp::spawn().await;
    for (n, prefix) in OBJECT_PREFIXES.iter().enumerate() {
        let tag = format!("p{n}-");
        let created = app
            .post(
                &format!("{prefix}/contacts/batch/create"),
                json!({"inputs": contacts(0..5, &tag)}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.body["status"], "COMPLETE");
        assert!(created.body["startedAt"].is_string() && created.body["completedAt"].is_string());
        let ids = ids_of(&created.body);
        let names: Vec<&str> = created.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["properties"]["firstname"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["F0", "F1", "F2", "F3", "F4"],
            "results in input order"
        );

        let inputs: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
        let read = app
            .post(
                &format!("{prefix}/contacts/batch/read"),
                json!({"inputs": inputs, "properties": ["firstname"]}),
            )
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        assert_eq!(ids_of(&read.body), ids);

        let by_email = app
            .post(
                &format!("{prefix}/contacts/batch/read"),
                json!({"idProperty": "email", "inputs": [{"id": format!("{tag}3@batch.example")}], "properties": ["email"]}),
            )
            .await;
        assert_eq!(ids_of(&by_email.body), vec![ids[3].clone()]);

        let updates: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": id, "properties": {"lastname": "Updated"}}))
            .collect();
        let updated = app
            .post(
                &format!("{prefix}/contacts/batch/update"),
                json!({"inputs": updates}),
            )
            .await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
        let one = app
            .get(&format!("{prefix}/contacts/{}?properties=lastname", ids[0]))
            .await;
        assert_eq!(one.body["properties"]["lastname"], "Updated");

        let archive: Vec<Value> = ids[..2].iter().map(|id| json!({"id": id})).collect();
        let archived = app
            .post(
                &format!("{prefix}/contacts/batch/archive"),
                json!({"inputs": archive}),
            )
            .await;
        assert_eq!(archived.status, StatusCode::NO_CONTENT);
        let gone = app.get(&format!("{prefix}/contacts/{}", ids[0])).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        let live = app.all_ids("contacts").await;
        assert!(!live.contains(&ids[0]) && !live.contains(&ids[1]) && live.contains(&ids[2]));
    }
}

#[tokio::test]
async fn a_batch_read_with_missing_ids_is_207_listing_them() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many("contacts", vec![json!({"email": "here@batch.example"})])
        .await;
    let read = app
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({"inputs": [{"id": ids[0]}, {"id": "999999"}, {"id": 888888}]}),
        )
        .await;
    assert_eq!(read.status, StatusCode::MULTI_STATUS, "{}", read.body);
    assert_eq!(ids_of(&read.body), ids);
    assert_eq!(read.body["numErrors"], 1);
    assert_eq!(read.body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(
        read.body["errors"][0]["context"]["ids"],
        json!(["999999", "888888"])
    );
}

#[tokio::test]
async fn upsert_by_email_creates_once_then_updates() {
    let app = TestApp::spawn().await;
    let existing = app
        .create_many(
            "contacts",
            vec![json!({"email": "old@batch.example", "firstname": "Old"})],
        )
        .await;
    let body = json!({"inputs": [
        {"id": "old@batch.example", "idProperty": "email", "properties": {"firstname": "Renamed"}},
        {"id": "new@batch.example", "idProperty": "email", "properties": {"firstname": "New"}}
    ]});
    for round in 0..2 {
        let reply = app
            .post("/crm/objects/2026-03/contacts/batch/upsert", body.clone())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let results = reply.body["results"].as_array().unwrap();
        assert_eq!(results[0]["id"], json!(existing[0]));
        assert_eq!(results[0]["new"], false);
        assert_eq!(results[1]["new"], round == 0, "created only the first time");
        assert_eq!(results[1]["properties"]["email"], "new@batch.example");
    }
    assert_eq!(app.all_ids("contacts").await.len(), 2);
    let renamed = app
        .get(&format!(
            "/crm/v3/objects/contacts/{}?properties=firstname",
            existing[0]
        ))
        .await;
    assert_eq!(renamed.body["properties"]["firstname"], "Renamed");
}

#[tokio::test]
async fn more_than_100_inputs_is_400_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": contacts(0..101, "big")}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(reply.body["message"].as_str().unwrap().contains("101"));
    assert!(app.all_ids("contacts").await.is_empty());
    let exactly = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": contacts(0..100, "ok")}),
        )
        .await;
    assert_eq!(exactly.status, StatusCode::CREATED);
}

#[tokio::test]
async fn one_bad_input_fails_the_whole_batch_unless_every_input_has_a_trace_id() {
    let app = TestApp::spawn().await;
    let mut inputs = contacts(0..3, "atomic");
    inputs[1] = json!({"properties": {"email": "bad@batch.example", "shoe_size": "9"}});
    let atomic = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs.clone()}),
        )
        .await;
    assert_hubspot_error(&atomic, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        atomic.body["message"]
            .as_str()
            .unwrap()
            .contains("shoe_size")
    );
    assert!(
        app.all_ids("contacts").await.is_empty(),
        "nothing of an atomic batch is stored"
    );

    for (i, input) in inputs.iter_mut().enumerate() {
        input["objectWriteTraceId"] = json!(format!("trace-{i}"));
    }
    let partial = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(partial.status, StatusCode::MULTI_STATUS, "{}", partial.body);
    assert_eq!(partial.body["numErrors"], 1);
    assert_eq!(
        partial.body["errors"][0]["context"]["objectWriteTraceId"],
        json!(["trace-1"])
    );
    assert_eq!(partial.body["results"].as_array().unwrap().len(), 2);
    assert_eq!(app.all_ids("contacts").await.len(), 2);
}

#[tokio::test]
async fn a_duplicate_email_inside_one_batch_is_409_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let inputs = json!({"inputs": [
        {"properties": {"email": "twice@batch.example"}},
        {"properties": {"email": "once@batch.example"}},
        {"properties": {"email": "TWICE@batch.example"}}
    ]});
    let reply = app
        .post("/crm/v3/objects/contacts/batch/create", inputs)
        .await;
    assert_hubspot_error(&reply, StatusCode::CONFLICT, "CONFLICT");
    assert!(app.all_ids("contacts").await.is_empty());
}

#[tokio::test]
async fn updating_a_missing_id_in_an_atomic_batch_changes_nothing() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many("contacts", vec![json!({"firstname": "Same"})])
        .await;
    let reply = app
        .post(
            "/crm/v3/objects/contacts/batch/update",
            json!({"inputs": [{"id": ids[0], "properties": {"firstname": "Changed"}}, {"id": "999999", "properties": {"firstname": "X"}}]}),
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let same = app
        .get(&format!(
            "/crm/v3/objects/contacts/{}?properties=firstname",
            ids[0]
        ))
        .await;
    assert_eq!(same.body["properties"]["firstname"], "Same");
}

#[tokio::test]
async fn a_batch_create_answers_with_what_a_read_of_the_records_returns() {
    let app = TestApp::spawn().await;
    for (name, kind, field) in [
        ("score", "number", "number"),
        ("vip", "bool", "booleancheckbox"),
        ("renewal", "date", "date"),
        ("seen", "datetime", "date"),
    ] {
        let reply = app
            .post(
                "/crm/v3/properties/contacts",
                json!({"name": name, "label": name, "type": kind, "fieldType": field,
                       "groupName": "contactinformation"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    // Numbers a store may keep in another form (whole reals, integers past 2^53) among
    // ordinary ones.
    let scores = [
        json!("17"),
        json!("1.5"),
        json!(" 7 "),
        json!(2.25),
        json!("3.0"),
        json!("1e3"),
        json!("12345678901234567"),
        json!("1.152921504606847e18"),
        json!("-0.0125"),
        json!(""),
    ];
    let inputs: Vec<Value> = scores
        .iter()
        .enumerate()
        .map(|(i, score)| {
            json!({"properties": {
                "email": format!("typed{i}@batch.example"),
                "firstname": format!("Zoë \"{i}\"\n李"),
                "lifecyclestage": "LEAD",
                "score": score,
                "vip": if i % 2 == 0 { "TRUE" } else { "false" },
                "renewal": "2024-02-29",
                "seen": "2019-10-30T05:30:17.883+02:00",
            }})
        })
        .collect();
    let created = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({ "inputs": inputs }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let ids = ids_of(&created.body);
    let read = app
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({"inputs": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
                   "properties": ["email", "firstname", "lifecyclestage", "score", "vip",
                                  "renewal", "seen", "createdate", "lastmodifieddate"]}),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    for (written, stored) in created.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(read.body["results"].as_array().unwrap())
    {
        for key in ["id", "createdAt", "updatedAt", "archived"] {
            assert_eq!(written[key], stored[key], "{key}");
        }
        // A write leaves out what it cleared; a read shows it as null.
        let mut shown = stored["properties"].as_object().unwrap().clone();
        shown.retain(|_, v| !v.is_null());
        assert_eq!(written["properties"], Value::Object(shown));
    }
    let first = &created.body["results"][0]["properties"];
    assert_eq!(first["score"], "17");
    assert_eq!(first["vip"], "true");
    assert_eq!(first["lifecyclestage"], "lead");
    assert_eq!(first["seen"], "2019-10-30T03:30:17.883Z");
    assert!(
        created.body["results"][9]["properties"]
            .get("score")
            .is_none()
    );
}
