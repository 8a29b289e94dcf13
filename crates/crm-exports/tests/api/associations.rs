//! Associations: batch and per-record endpoints on both path families, reads from either
//! side, labels, 1,000 associations on one record (paged as HubSpot pages them), and bad
//! input changing nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, TestApp, assert_hubspot_error};

const BATCH_PREFIXES: [&str; 2] = ["/crm/v4/associations", "/crm/associations/2026-03"];
const RECORD_PREFIXES: [&str; 2] = ["/crm/v4/objects", "/crm/objects/2026-03"];

async fn people_and_firms(app: &TestApp, n: usize) -> (Vec<String>, Vec<String>) {
    let contacts = app
        .create_many(
            "contacts",
            (0..n)
                .map(|i| json!({"firstname": format!("C{i}")}))
                .collect(),
        )
        .await;
    let companies = app
        .create_many(
            "companies",
            (0..n)
                .map(|i| json!({"name": format!("Firm {i}")}))
                .collect(),
        )
        .await;
    (contacts, companies)
}

fn to_ids(result: &Value) -> Vec<String> {
    result["to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["toObjectId"].to_string())
        .collect()
}

#[tokio::test]
async fn batch_create_read_and_archive_work_from_either_side_on_both_path_families() {
    let app = TestApp::spawn().await;
    let (contacts, companies) = people_and_firms(&app, 4).await;
    for (n, prefix) in BATCH_PREFIXES.iter().enumerate() {
        let (c, f) = (&contacts[n * 2], &companies[n * 2]);
        let created = app
            .post(
                &format!("{prefix}/contacts/companies/batch/create"),
                json!({"inputs": [{"from": {"id": c}, "to": {"id": f}, "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279},
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}]}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.body["results"][0]["labels"], json!(["Primary"]));

        let from_contact = app
            .post(
                &format!("{prefix}/0-1/0-2/batch/read"),
                json!({"inputs": [{"id": c}]}),
            )
            .await;
        assert_eq!(from_contact.status, StatusCode::OK, "{}", from_contact.body);
        assert_eq!(to_ids(&from_contact.body["results"][0]), vec![f.clone()]);
        let types: Vec<i64> = from_contact.body["results"][0]["to"][0]["associationTypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["typeId"].as_i64().unwrap())
            .collect();
        assert_eq!(types, [1, 279]);
        let from_company = app
            .post(
                &format!("{prefix}/companies/contacts/batch/read"),
                json!({"inputs": [{"id": f}]}),
            )
            .await;
        assert_eq!(to_ids(&from_company.body["results"][0]), vec![c.clone()]);
        let inverse: Vec<i64> = from_company.body["results"][0]["to"][0]["associationTypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["typeId"].as_i64().unwrap())
            .collect();
        assert_eq!(inverse, [2, 280]);

        let labels_removed = app
            .post(
                &format!("{prefix}/contacts/companies/batch/labels/archive"),
                json!({"inputs": [{"from": {"id": c}, "to": {"id": f}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}]}),
            )
            .await;
        assert!(
            labels_removed.status.is_success(),
            "{}",
            labels_removed.body
        );
        let after_labels = app
            .post(
                &format!("{prefix}/contacts/companies/batch/read"),
                json!({"inputs": [{"id": c}]}),
            )
            .await;
        assert_eq!(
            after_labels.body["results"][0]["to"][0]["associationTypes"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        let archived = app
            .post(
                &format!("{prefix}/contacts/companies/batch/archive"),
                json!({"inputs": [{"from": {"id": c}, "to": [{"id": f}]}]}),
            )
            .await;
        let want = if prefix.contains("/v4/") {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::OK
        };
        assert_eq!(archived.status, want, "{}", archived.body);
        let gone = app
            .post(
                &format!("{prefix}/companies/contacts/batch/read"),
                json!({"inputs": [{"id": f}]}),
            )
            .await;
        assert_eq!(
            gone.status,
            StatusCode::MULTI_STATUS,
            "no associations left: {}",
            gone.body
        );
        assert_eq!(gone.body["results"], json!([]));

        let default = app
            .post(
                &format!("{prefix}/deals/contacts/batch/associate/default"),
                json!({"inputs": []}),
            )
            .await;
        assert_eq!(default.status, StatusCode::OK);
        let labels = app
            .get(&format!("{prefix}/contacts/companies/labels"))
            .await;
        let ids: Vec<i64> = labels.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["typeId"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [279, 1]);
        assert_eq!(labels.body["results"][1]["label"], "Primary");
    }
}

#[tokio::test]
async fn per_record_put_get_and_delete_work_on_both_path_families() {
    let app = TestApp::spawn().await;
    let (contacts, companies) = people_and_firms(&app, 2).await;
    let deals = app
        .create_many(
            "deals",
            vec![json!({"dealname": "D"}), json!({"dealname": "E"})],
        )
        .await;
    for (n, prefix) in RECORD_PREFIXES.iter().enumerate() {
        let (c, f, d) = (&contacts[n], &companies[n], &deals[n]);
        let default = app
            .send(
                Method::PUT,
                &format!("{prefix}/contacts/{c}/associations/default/companies/{f}"),
                Some(&app.token),
                None,
            )
            .await;
        assert_eq!(default.status, StatusCode::OK, "{}", default.body);
        assert_eq!(
            default.body["results"][0]["associationSpec"]["associationTypeId"],
            279
        );
        let typed = app
            .send(
                Method::PUT,
                &format!("{prefix}/deals/{d}/associations/companies/{f}"),
                Some(&app.token),
                Some(Body::Json(
                    json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}]),
                )),
            )
            .await;
        assert_eq!(typed.status, StatusCode::CREATED, "{}", typed.body);
        assert_eq!(typed.body["labels"], json!(["Primary"]));
        let listed = app
            .get(&format!("{prefix}/companies/{f}/associations/contacts"))
            .await;
        assert_eq!(listed.body["results"][0]["toObjectId"].to_string(), *c);
        let deals_of_firm = app
            .get(&format!("{prefix}/companies/{f}/associations/deals"))
            .await;
        assert_eq!(
            deals_of_firm.body["results"][0]["associationTypes"][0]["typeId"],
            6
        );
        let deleted = app
            .send(
                Method::DELETE,
                &format!("{prefix}/companies/{f}/associations/contacts/{c}"),
                Some(&app.token),
                None,
            )
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let empty = app
            .get(&format!("{prefix}/contacts/{c}/associations/companies"))
            .await;
        assert_eq!(empty.body["results"], json!([]));
    }
}

#[tokio::test]
async fn a_thousand_associations_on_one_record_page_back_completely() {
    let app = TestApp::spawn().await;
    let firm = app
        .create_many("companies", vec![json!({"name": "Big"})])
        .await
        .remove(0);
    let people = app
        .create_many(
            "contacts",
            (0..1000)
                .map(|i| json!({"firstname": format!("P{i}")}))
                .collect(),
        )
        .await;
    let inputs: Vec<Value> = people
        .iter()
        .map(|p| json!({"from": {"id": firm}, "to": {"id": p}}))
        .collect();
    let created = app
        .post(
            "/crm/v4/associations/companies/contacts/batch/associate/default",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.body["results"].as_array().unwrap().len(), 1000);
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let page = app
            .get(&format!(
                "/crm/v4/objects/companies/{firm}/associations/contacts?limit=500&after={after}"
            ))
            .await;
        seen.extend(
            page.body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["toObjectId"].to_string()),
        );
        match page.body["paging"]["next"]["after"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, people);
    // A batch read answers 500 a record, with a cursor the next read gives with the id.
    let path = "/crm/associations/2026-03/companies/contacts/batch/read";
    let mut read_back = Vec::new();
    let mut input = json!({"id": firm});
    loop {
        let read = app.post(path, json!({"inputs": [input.clone()]})).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
        let result = &read.body["results"][0];
        let page = to_ids(result);
        assert!(page.len() <= 500, "{} in one page", page.len());
        read_back.extend(page);
        match result["paging"]["next"]["after"].as_str() {
            Some(after) => input = json!({"id": firm, "after": after}),
            None => break,
        }
    }
    assert_eq!(read_back, people);
}

#[tokio::test]
async fn bad_association_requests_change_nothing() {
    let app = TestApp::spawn().await;
    let (contacts, companies) = people_and_firms(&app, 1).await;
    let (c, f) = (&contacts[0], &companies[0]);
    let wrong_type = app
        .post("/crm/v4/associations/contacts/companies/batch/create",
              json!({"inputs": [{"from": {"id": c}, "to": {"id": f}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341}]}]}))
        .await;
    assert_hubspot_error(&wrong_type, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let unknown_object = app
        .post(
            "/crm/v4/associations/contacts/widgets/batch/read",
            json!({"inputs": []}),
        )
        .await;
    assert_hubspot_error(&unknown_object, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let malformed = app
        .send(
            Method::POST,
            "/crm/v4/associations/contacts/companies/batch/create",
            Some(&app.token),
            Some(Body::Raw("{".into())),
        )
        .await;
    assert_hubspot_error(&malformed, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let missing = app
        .post("/crm/v4/associations/contacts/companies/batch/create",
              json!({"inputs": [{"from": {"id": c}, "to": {"id": "999999"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]}))
        .await;
    assert_eq!(missing.status, StatusCode::MULTI_STATUS, "{}", missing.body);
    assert_eq!(
        missing.body["errors"][0]["context"]["ids"],
        json!(["999999"])
    );

    // Another portal can neither link nor see portal 1's records.
    let other = app.token_for(777, &TestApp::all_scopes()).await;
    let theirs = app
        .send(
            Method::PUT,
            &format!("/crm/v4/objects/contacts/{c}/associations/default/companies/{f}"),
            Some(&other),
            None,
        )
        .await;
    assert_hubspot_error(&theirs, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let token = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let refused = app
        .send(
            Method::GET,
            &format!("/crm/v4/objects/contacts/{c}/associations/companies"),
            Some(&token),
            None,
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");

    let nothing = app
        .post(
            "/crm/v4/associations/contacts/companies/batch/read",
            json!({"inputs": [{"id": c}]}),
        )
        .await;
    assert_eq!(
        nothing.body["results"],
        json!([]),
        "no request above stored an association"
    );
}

#[tokio::test]
async fn record_reads_list_associations_by_plural_name_with_one_entry_per_type() {
    let app = TestApp::spawn().await;
    let (contacts, companies) = people_and_firms(&app, 1).await;
    let (c, f) = (&contacts[0], &companies[0]);
    app.post(
        "/crm/v4/associations/contacts/companies/batch/create",
        json!({"inputs": [{"from": {"id": c}, "to": {"id": f}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1},
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]}),
    )
    .await;
    let read = app
        .get(&format!(
            "/crm/v3/objects/contacts/{c}?associations=companies,deals"
        ))
        .await;
    assert_eq!(
        read.body["associations"],
        json!({"companies": {"results": [
            {"id": f, "type": "contact_to_company"},
            {"id": f, "type": "contact_to_company_unlabeled"}]}})
    );
    let page = app
        .get("/crm/objects/2026-03/companies?associations=contacts")
        .await;
    assert_eq!(
        page.body["results"][0]["associations"]["contacts"]["results"][1]["id"],
        json!(c)
    );
    let plain = app.get(&format!("/crm/v3/objects/contacts/{c}")).await;
    assert!(plain.body.get("associations").is_none());
    app.delete(&format!("/crm/v3/objects/companies/{f}")).await;
    let after_archive = app
        .get(&format!(
            "/crm/v3/objects/contacts/{c}?associations=companies"
        ))
        .await;
    assert!(
        after_archive.body.get("associations").is_none(),
        "an archived company is not listed"
    );
}

#[tokio::test]
async fn associations_given_on_create_are_made_with_the_record_or_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let firm = app
        .create_many("companies", vec![json!({"name": "Acme"})])
        .await
        .remove(0);
    let link = |type_id: i64, to: &str| json!([{"to": {"id": to}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}]);
    let created = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": "Linked"}, "associations": link(279, &firm)}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    let read = app
        .get(&format!(
            "/crm/v3/objects/companies/{firm}?associations=contacts"
        ))
        .await;
    assert_eq!(
        read.body["associations"]["contacts"]["results"][0]["id"],
        json!(id)
    );

    let batch = app
        .post(
            "/crm/objects/2026-03/deals/batch/create",
            json!({"inputs": [{"properties": {"dealname": "D"}, "associations": link(341, &firm)}]}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::CREATED, "{}", batch.body);
    let deals = app
        .post(
            "/crm/v4/associations/companies/deals/batch/read",
            json!({"inputs": [{"id": firm}]}),
        )
        .await;
    assert_eq!(
        deals.body["results"][0]["to"][0]["associationTypes"][0]["typeId"],
        342
    );

    let missing = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": "Orphan"}, "associations": link(279, "999999")}),
        )
        .await;
    assert_hubspot_error(&missing, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let wrong_type = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": "Odd"}, "associations": link(341, &firm)}),
        )
        .await;
    assert_hubspot_error(&wrong_type, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let ids = app.all_ids("contacts").await;
    assert_eq!(
        ids,
        vec![id.to_string()],
        "refused creates stored no record"
    );
}
