//! Merging records and deleting contacts for good (GDPR), on both path families: what the
//! primary keeps and takes over, how the merged id reads afterwards, what a permanent delete
//! leaves behind (nothing), and HubSpot's errors.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, TestApp, assert_hubspot_error, ids_of};

async fn one(app: &TestApp, object: &str, properties: Value) -> String {
    let made = app
        .post(
            &format!("/crm/v3/objects/{object}"),
            json!({ "properties": properties }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.body["id"].as_str().unwrap().to_string()
}

async fn associate(app: &TestApp, contact: &str, company: &str) {
    let path =
        format!("/crm/v4/objects/contacts/{contact}/associations/default/companies/{company}");
    let linked = app
        .send(Method::PUT, &path, Some(&app.token.clone()), None)
        .await;
    assert!(linked.status.is_success(), "{}", linked.body);
}

async fn manual_list(app: &TestApp, name: &str, members: &[&str]) -> String {
    let created = app
        .post(
            "/crm/v3/lists",
            json!({"name": name, "objectTypeId": "0-1", "processingType": "MANUAL"}),
        )
        .await;
    let list = created.body["list"]["listId"].as_str().unwrap().to_string();
    let added = app
        .send(
            Method::PUT,
            &format!("/crm/v3/lists/{list}/memberships/add"),
            Some(&app.token.clone()),
            Some(Body::Json(json!(members))),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    list
}

async fn company_contacts(app: &TestApp, company: &str) -> Vec<String> {
    let listed = app
        .get(&format!(
            "/crm/v4/objects/companies/{company}/associations/contacts"
        ))
        .await;
    listed.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["toObjectId"].to_string())
        .collect()
}

async fn list_members(app: &TestApp, list: &str) -> Vec<String> {
    let members = app.get(&format!("/crm/v3/lists/{list}/memberships")).await;
    members.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recordId"].as_str().unwrap().to_string())
        .collect()
}

async fn search_emails(app: &TestApp) -> Vec<String> {
    let found = app
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"properties": ["email"], "limit": 100}),
        )
        .await;
    found.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["email"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn a_merged_contact_gives_the_primary_its_missing_values_links_and_lists_and_reads_as_it() {
    let app = TestApp::spawn().await;
    let primary = one(
        &app,
        "contacts",
        json!({"email": "keep@example.com", "firstname": "Kim"}),
    )
    .await;
    let merged = one(&app, "contacts", json!({"email": "old@example.com", "firstname": "Old", "lastname": "Stone", "phone": "123"})).await;
    let company = one(&app, "companies", json!({"name": "Acme"})).await;
    associate(&app, &merged, &company).await;
    let list = manual_list(&app, "Merged members", &[&merged]).await;

    let reply = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": primary, "objectIdToMerge": merged}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["id"], primary);
    let read = app
        .get(&format!(
            "/crm/v3/objects/contacts/{primary}?properties=email,firstname,lastname,phone"
        ))
        .await;
    assert_eq!(read.body["properties"]["email"], "keep@example.com");
    assert_eq!(read.body["properties"]["firstname"], "Kim");
    assert_eq!(read.body["properties"]["lastname"], "Stone");
    assert_eq!(read.body["properties"]["phone"], "123");
    let by_old_id = app.get(&format!("/crm/v3/objects/contacts/{merged}")).await;
    assert_eq!(by_old_id.status, StatusCode::OK, "{}", by_old_id.body);
    assert_eq!(by_old_id.body["id"], primary);

    assert_eq!(
        company_contacts(&app, &company).await,
        vec![primary.clone()]
    );
    assert_eq!(list_members(&app, &list).await, vec![primary.clone()]);
    assert_eq!(search_emails(&app).await, ["keep@example.com"]);
    let listed = app.get("/crm/v3/objects/contacts?limit=100").await;
    assert_eq!(ids_of(&listed.body), vec![primary.clone()]);
    let text = app
        .export_text(json!({"exportType": "VIEW", "exportName": "after merge", "format": "CSV", "language": "EN",
                            "objectType": "CONTACT", "objectProperties": ["email"]}))
        .await;
    assert!(
        text.contains("keep@example.com") && !text.contains("old@example.com"),
        "{text}"
    );
}

#[tokio::test]
async fn companies_merge_on_the_dated_path_and_a_merged_id_merges_as_its_primary() {
    let app = TestApp::spawn().await;
    let a = one(&app, "companies", json!({"name": "A"})).await;
    let b = one(
        &app,
        "companies",
        json!({"name": "B", "domain": "b.example"}),
    )
    .await;
    let c = one(&app, "companies", json!({"name": "C"})).await;
    let merged = app
        .post(
            "/crm/objects/2026-03/companies/merge",
            json!({"primaryObjectId": a, "objectIdToMerge": b}),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    assert_eq!(merged.body["properties"]["domain"], "b.example");
    // B now names A: merging C into B puts C into A.
    let again = app
        .post(
            "/crm/objects/2026-03/0-2/merge",
            json!({"primaryObjectId": b, "objectIdToMerge": c}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.body["id"], a);
    // A lists every id merged into it, as HubSpot's `hs_merged_object_ids` does.
    let read = app
        .get(&format!(
            "/crm/v3/objects/companies/{a}?properties=hs_merged_object_ids"
        ))
        .await;
    let mut expected: Vec<i64> = [&b, &c].iter().map(|id| id.parse().unwrap()).collect();
    expected.sort_unstable();
    let expected: Vec<String> = expected.iter().map(i64::to_string).collect();
    assert_eq!(
        read.body["properties"]["hs_merged_object_ids"],
        expected.join(";"),
        "{}",
        read.body
    );
    let written = app
        .patch(
            &format!("/crm/v3/objects/companies/{a}"),
            json!({"properties": {"hs_merged_object_ids": "1"}}),
        )
        .await;
    assert_hubspot_error(&written, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(
        app.get(&format!("/crm/v3/objects/companies/{c}"))
            .await
            .body["id"],
        a
    );
    let same = app
        .post(
            "/crm/v3/objects/companies/merge",
            json!({"primaryObjectId": a, "objectIdToMerge": b}),
        )
        .await;
    assert_hubspot_error(&same, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_merge_refuses_one_record_unknown_ids_other_portals_and_unknown_types() {
    let app = TestApp::spawn().await;
    let a = one(&app, "contacts", json!({"firstname": "A"})).await;
    let b = one(&app, "contacts", json!({"firstname": "B"})).await;
    let itself = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": a, "objectIdToMerge": a}),
        )
        .await;
    assert_hubspot_error(&itself, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let unknown = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": a, "objectIdToMerge": "987654321"}),
        )
        .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let company = one(&app, "companies", json!({"name": "Not a contact"})).await;
    let wrong_type = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": a, "objectIdToMerge": company}),
        )
        .await;
    assert_hubspot_error(&wrong_type, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let no_type = app
        .post(
            "/crm/v3/objects/widgets/merge",
            json!({"primaryObjectId": a, "objectIdToMerge": b}),
        )
        .await;
    assert_hubspot_error(&no_type, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let malformed = app
        .post(
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": a}),
        )
        .await;
    assert_hubspot_error(&malformed, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let other = app.token_for(778, &TestApp::all_scopes()).await;
    let theirs = app
        .send(
            Method::POST,
            "/crm/v3/objects/contacts/merge",
            Some(&other),
            Some(Body::Json(
                json!({"primaryObjectId": a, "objectIdToMerge": b}),
            )),
        )
        .await;
    assert_hubspot_error(&theirs, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let reader = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let refused = app
        .send(
            Method::POST,
            "/crm/v3/objects/contacts/merge",
            Some(&reader),
            Some(Body::Json(
                json!({"primaryObjectId": a, "objectIdToMerge": b}),
            )),
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    // Nothing was merged by any of these.
    assert_eq!(
        app.get(&format!("/crm/v3/objects/contacts/{b}")).await.body["id"],
        b
    );
}

#[tokio::test]
async fn a_gdpr_delete_leaves_nothing_of_the_contact_on_both_path_families() {
    let app = TestApp::spawn().await;
    let company = one(&app, "companies", json!({"name": "Acme"})).await;
    for (n, prefix) in ["/crm/v3/objects", "/crm/objects/2026-03"]
        .iter()
        .enumerate()
    {
        let email = format!("gone{n}@example.com");
        let contact = one(
            &app,
            "contacts",
            json!({"email": email, "firstname": "Gone"}),
        )
        .await;
        associate(&app, &contact, &company).await;
        let list = manual_list(&app, &format!("GDPR {n}"), &[&contact]).await;
        let body = if n == 0 {
            json!({"objectId": contact})
        } else {
            json!({"objectId": email, "idProperty": "email"})
        };
        let deleted = app
            .post(&format!("{prefix}/contacts/gdpr-delete"), body)
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        for path in [
            format!("/crm/v3/objects/contacts/{contact}"),
            format!("/crm/v3/objects/contacts/{contact}?archived=true"),
        ] {
            assert_hubspot_error(
                &app.get(&path).await,
                StatusCode::NOT_FOUND,
                "OBJECT_NOT_FOUND",
            );
        }
        let archived = app.get("/crm/v3/objects/contacts?archived=true").await;
        assert!(!ids_of(&archived.body).contains(&contact));
        assert!(company_contacts(&app, &company).await.is_empty());
        assert!(list_members(&app, &list).await.is_empty());
        assert!(!search_emails(&app).await.contains(&email));
        // The email is free again: a new contact may take it.
        one(&app, "contacts", json!({"email": email})).await;
    }
}

#[tokio::test]
async fn a_gdpr_delete_refuses_unknown_contacts_other_portals_and_other_objects() {
    let app = TestApp::spawn().await;
    let unknown = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": "987654321"}),
        )
        .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let by_email = app
        .post(
            "/crm/v3/objects/contacts/gdpr-delete",
            json!({"objectId": "nobody@example.com", "idProperty": "email"}),
        )
        .await;
    assert_hubspot_error(&by_email, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let company = one(&app, "companies", json!({"name": "Kept"})).await;
    let companies = app
        .post(
            "/crm/v3/objects/companies/gdpr-delete",
            json!({"objectId": company}),
        )
        .await;
    assert_hubspot_error(&companies, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    assert_eq!(
        app.get(&format!("/crm/v3/objects/companies/{company}"))
            .await
            .status,
        StatusCode::OK
    );
    let kept = one(&app, "contacts", json!({"email": "kept@example.com"})).await;
    let other = app.token_for(779, &TestApp::all_scopes()).await;
    let theirs = app
        .send(
            Method::POST,
            "/crm/v3/objects/contacts/gdpr-delete",
            Some(&other),
            Some(Body::Json(json!({"objectId": kept}))),
        )
        .await;
    assert_hubspot_error(&theirs, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let still = app.get(&format!("/crm/v3/objects/contacts/{kept}")).await;
    assert_eq!(still.status, StatusCode::OK);
    let missing = app
        .post("/crm/v3/objects/contacts/gdpr-delete", json!({}))
        .await;
    assert_hubspot_error(&missing, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}
