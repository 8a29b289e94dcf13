//! Single-record endpoints and list pages, on both path families and every spelling of the
//! object type.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{OBJECT_PREFIXES, TestApp, assert_hubspot_error, ids_of};

#[tokio::test]
async fn a_contact_is_created_read_updated_and_archived_on_both_path_families() {
    let app = TestApp::spawn().await;
    for (n, prefix) in OBJECT_PREFIXES.iter().enumerate() {
        let email = format!("grace{n}@navy.example");
        let created = app
            .post(
                &format!("{prefix}/contacts"),
                json!({"properties": {"email": email, "firstname": "Grace", "lastname": "Hopper", "lifecyclestage": "lead"}}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_string();
        assert_eq!(created.body["properties"]["firstname"], "Grace");
        assert_eq!(created.body["properties"]["hs_object_id"], json!(id));
        assert_eq!(created.body["archived"], false);
        assert!(created.body["createdAt"].as_str().unwrap().ends_with('Z'));

        let read = app
            .get(&format!(
                "{prefix}/contacts/{id}?properties=firstname,lifecyclestage&properties=jobtitle"
            ))
            .await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.body["properties"]["firstname"], "Grace");
        assert_eq!(read.body["properties"]["lifecyclestage"], "lead");
        assert_eq!(
            read.body["properties"]["jobtitle"],
            Value::Null,
            "requested but unset is null"
        );
        assert!(
            read.body["properties"].get("lastname").is_none(),
            "not requested"
        );

        let updated = app
            .patch(
                &format!("{prefix}/contacts/{id}"),
                json!({"properties": {"lastname": "", "jobtitle": "Rear Admiral"}}),
            )
            .await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
        assert_eq!(updated.body["properties"]["jobtitle"], "Rear Admiral");
        let reread = app
            .get(&format!(
                "{prefix}/contacts/{id}?properties=lastname,jobtitle"
            ))
            .await;
        assert_eq!(
            reread.body["properties"]["lastname"],
            Value::Null,
            "an empty string clears"
        );
        assert_eq!(reread.body["properties"]["jobtitle"], "Rear Admiral");
        assert!(reread.body["updatedAt"].as_str() >= created.body["updatedAt"].as_str());
        assert_eq!(reread.body["createdAt"], created.body["createdAt"]);

        let by_email = app
            .get(&format!("{prefix}/contacts/{email}?idProperty=email"))
            .await;
        assert_eq!(by_email.status, StatusCode::OK);
        assert_eq!(by_email.body["id"], json!(id));

        let archived = app.delete(&format!("{prefix}/contacts/{id}")).await;
        assert_eq!(archived.status, StatusCode::NO_CONTENT);
        assert_eq!(archived.body, Value::Null, "204 has no body");
        let gone = app.get(&format!("{prefix}/contacts/{id}")).await;
        assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let in_bin = app
            .get(&format!("{prefix}/contacts/{id}?archived=true"))
            .await;
        assert_eq!(in_bin.status, StatusCode::OK);
        assert_eq!(in_bin.body["archived"], true);
        assert!(in_bin.body["archivedAt"].is_string());
        let archived_list = app.get(&format!("{prefix}/contacts?archived=true")).await;
        assert!(ids_of(&archived_list.body).contains(&id));
        let live_list = app.get(&format!("{prefix}/contacts")).await;
        assert!(!ids_of(&live_list.body).contains(&id));
    }
}

#[tokio::test]
async fn every_object_answers_to_its_plural_singular_and_type_id() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            ["contacts", "contact", "0-1"],
            json!({"email": "x@y.example"}),
        ),
        (
            ["companies", "company", "0-2"],
            json!({"name": "Initech", "domain": "initech.example"}),
        ),
        (
            ["deals", "deal", "0-3"],
            json!({"dealname": "Big one", "amount": "1000.50"}),
        ),
        (
            ["tickets", "ticket", "0-5"],
            json!({"subject": "Help", "hs_ticket_priority": "HIGH"}),
        ),
    ];
    for (names, properties) in cases {
        let created = app
            .post(
                &format!("/crm/v3/objects/{}", names[0]),
                json!({ "properties": properties }),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {}",
            names[0],
            created.body
        );
        let id = created.body["id"].as_str().unwrap();
        for name in names.iter().chain([&names[0].to_uppercase().as_str()]) {
            for prefix in OBJECT_PREFIXES {
                let read = app.get(&format!("{prefix}/{name}/{id}")).await;
                assert_eq!(
                    read.status,
                    StatusCode::OK,
                    "{prefix}/{name}/{id}: {}",
                    read.body
                );
                assert_eq!(read.body["id"], json!(id));
            }
        }
    }
    let unknown = app.get("/crm/v3/objects/widgets").await;
    assert_hubspot_error(&unknown, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap()
            .contains("widgets")
    );
}

#[tokio::test]
async fn values_are_normalised_by_property_type() {
    let app = TestApp::spawn().await;
    let created = app
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "Typed", "amount": 1500.0, "closedate": "1706659200000"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["properties"]["amount"], "1500");
    assert_eq!(
        created.body["properties"]["closedate"],
        "2024-01-31T00:00:00.000Z"
    );
    let iso = app
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "ISO", "closedate": "2024-01-31T02:00:00+02:00"}}),
        )
        .await;
    assert_eq!(
        iso.body["properties"]["closedate"],
        "2024-01-31T00:00:00.000Z"
    );

    let bad = app
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "Bad", "amount": "lots"}}),
        )
        .await;
    assert_hubspot_error(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(bad.body["message"].as_str().unwrap().contains("amount"));
    let bad_option = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"lifecyclestage": "wizard"}}),
        )
        .await;
    assert_hubspot_error(&bad_option, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(bad_option.body["errors"][0]["code"], "INVALID_OPTION");
    let read_only = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"hs_object_id": "5"}}),
        )
        .await;
    assert_hubspot_error(&read_only, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(read_only.body["errors"][0]["code"], "READ_ONLY_VALUE");
}

#[tokio::test]
async fn a_duplicate_contact_email_is_409_naming_the_existing_record() {
    let app = TestApp::spawn().await;
    let first = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "dup@example.com"}}),
        )
        .await;
    let id = first.body["id"].as_str().unwrap();
    let again = app
        .post(
            "/crm/objects/2026-03/contacts",
            json!({"properties": {"email": "DUP@example.com"}}),
        )
        .await;
    assert_hubspot_error(&again, StatusCode::CONFLICT, "CONFLICT");
    assert_eq!(
        again.body["message"],
        format!("Contact already exists. Existing ID: {id}")
    );
    let other = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "other@example.com"}}),
        )
        .await;
    let other_id = other.body["id"].as_str().unwrap();
    let clash = app
        .patch(
            &format!("/crm/v3/objects/contacts/{other_id}"),
            json!({"properties": {"email": "dup@example.com"}}),
        )
        .await;
    assert_hubspot_error(&clash, StatusCode::CONFLICT, "CONFLICT");
    assert_eq!(app.all_ids("contacts").await.len(), 2);
    // Once archived, the email is free again.
    app.delete(&format!("/crm/v3/objects/contacts/{id}")).await;
    let reused = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "dup@example.com"}}),
        )
        .await;
    assert_eq!(reused.status, StatusCode::CREATED);
}

#[tokio::test]
async fn paging_through_a_thousand_records_sees_each_exactly_once() {
    let app = TestApp::spawn().await;
    let properties: Vec<Value> = (0..1000)
        .map(|i| json!({"email": format!("p{i}@paging.example"), "firstname": format!("P{i}")}))
        .collect();
    let created = app.create_many("contacts", properties).await;
    assert_eq!(created.len(), 1000);
    for prefix in OBJECT_PREFIXES {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &after {
                Some(a) => format!("{prefix}/contacts/?limit=100&after={a}&properties=firstname"),
                None => format!("{prefix}/contacts?limit=100&properties=firstname"),
            };
            let page = app.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            pages += 1;
            let results = page.body["results"].as_array().unwrap();
            assert!(results.len() <= 100);
            seen.extend(ids_of(&page.body));
            match page.body.get("paging") {
                Some(paging) => after = Some(paging["next"]["after"].as_str().unwrap().to_string()),
                None => break,
            }
        }
        assert_eq!(
            pages, 10,
            "paging is absent on the last page, not followed by an empty one"
        );
        assert_eq!(seen, created, "ascending id order, each record once");
    }
    let clamped = app.get("/crm/v3/objects/contacts?limit=500").await;
    assert_eq!(clamped.body["results"].as_array().unwrap().len(), 100);
    let default = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(default.body["results"].as_array().unwrap().len(), 10);
    let bad_cursor = app.get("/crm/v3/objects/contacts?after=banana").await;
    assert_hubspot_error(&bad_cursor, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

#[tokio::test]
async fn reading_a_missing_or_malformed_id_is_a_clear_error() {
    let app = TestApp::spawn().await;
    let missing = app.get("/crm/v3/objects/contacts/999999").await;
    assert_hubspot_error(&missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let malformed = app.get("/crm/v3/objects/contacts/abc").await;
    assert_hubspot_error(&malformed, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let not_unique = app
        .get("/crm/v3/objects/contacts/abc?idProperty=firstname")
        .await;
    assert_hubspot_error(&not_unique, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let update_missing = app
        .patch(
            "/crm/v3/objects/contacts/999999",
            json!({"properties": {"firstname": "x"}}),
        )
        .await;
    assert_hubspot_error(&update_missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
}
