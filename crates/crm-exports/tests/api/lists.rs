//! Lists: MANUAL, SNAPSHOT and DYNAMIC lists on both path families, memberships, a DYNAMIC
//! list following its records, and the bad-input cases.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, TestApp, assert_hubspot_error};

const PREFIXES: [&str; 2] = ["/crm/v3/lists", "/crm/lists/2026-03"];

fn leads_branch() -> Value {
    json!({"filterBranchType": "OR", "filters": [], "filterBranches": [
        {"filterBranchType": "AND", "filterBranches": [], "filters": [
            {"filterType": "PROPERTY", "property": "lifecyclestage",
             "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]}}]}]})
}

fn member_ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recordId"].as_str().unwrap().to_string())
        .collect()
}

async fn put(app: &TestApp, path: &str, body: Value) -> crate::helpers::Reply {
    app.send(
        Method::PUT,
        path,
        Some(&app.token.clone()),
        Some(Body::Json(body)),
    )
    .await
}

#[tokio::test]
async fn a_manual_list_takes_members_and_pages_them_on_both_path_families() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many(
            "contacts",
            (0..5)
                .map(|i| json!({"firstname": format!("M{i}")}))
                .collect(),
        )
        .await;
    for (n, prefix) in PREFIXES.iter().enumerate() {
        let created = app
            .post(&format!("{prefix}/"), json!({"name": format!("Manual {n}"), "objectTypeId": "0-1", "processingType": "MANUAL"}))
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let list = created.body["list"]["listId"].as_str().unwrap().to_string();
        assert_eq!(created.body["list"]["size"], 0);
        let added = put(
            &app,
            &format!("{prefix}/{list}/memberships/add"),
            json!([ids[0], ids[1], ids[2], "999999"]),
        )
        .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
        assert_eq!(
            added.body["recordsIdsAdded"],
            json!([ids[0], ids[1], ids[2]])
        );
        assert_eq!(added.body["recordIdsMissing"], json!(["999999"]));
        let both = put(
            &app,
            &format!("{prefix}/{list}/memberships/add-and-remove"),
            json!({"recordIdsToAdd": [ids[3]], "recordIdsToRemove": [ids[0]]}),
        )
        .await;
        assert_eq!(both.body["recordsIdsAdded"], json!([ids[3]]));
        assert_eq!(both.body["recordIdsRemoved"], json!([ids[0]]));
        let first = app
            .get(&format!("{prefix}/{list}/memberships?limit=2"))
            .await;
        assert_eq!(
            member_ids(&first.body),
            vec![ids[1].clone(), ids[2].clone()]
        );
        let after = first.body["paging"]["next"]["after"].as_str().unwrap();
        let rest = app
            .get(&format!(
                "{prefix}/{list}/memberships?limit=2&after={after}"
            ))
            .await;
        assert_eq!(member_ids(&rest.body), vec![ids[3].clone()]);
        let read = app.get(&format!("{prefix}/{list}")).await;
        assert_eq!(read.body["list"]["size"], 3);
        let by_name = app
            .get(&format!("{prefix}/object-type-id/0-1/name/manual%20{n}"))
            .await;
        assert_eq!(by_name.body["list"]["listId"], json!(list));
        let many = app.get(&format!("{prefix}?listIds={list}")).await;
        assert_eq!(many.body["lists"][0]["name"], format!("Manual {n}"));
        let deleted = app.delete(&format!("{prefix}/{list}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let gone = app.get(&format!("{prefix}/{list}")).await;
        assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    }
}

#[tokio::test]
async fn a_dynamic_list_follows_its_records_and_refuses_manual_changes() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many(
            "contacts",
            vec![
                json!({"lifecyclestage": "lead"}),
                json!({"lifecyclestage": "customer"}),
            ],
        )
        .await;
    let created = app
        .post("/crm/v3/lists", json!({"name": "Leads", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": leads_branch()}))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let list = created.body["list"]["listId"].as_str().unwrap().to_string();
    assert_eq!(created.body["list"]["processingStatus"], "COMPLETE");
    assert_eq!(
        created.body["list"]["filterBranch"]["filterBranches"][0]["filterBranchType"],
        "AND"
    );
    let members = app.get(&format!("/crm/v3/lists/{list}/memberships")).await;
    assert_eq!(member_ids(&members.body), vec![ids[0].clone()]);

    app.patch(
        &format!("/crm/v3/objects/contacts/{}", ids[1]),
        json!({"properties": {"lifecyclestage": "lead"}}),
    )
    .await;
    let members = app
        .get(&format!("/crm/lists/2026-03/{list}/memberships"))
        .await;
    assert_eq!(member_ids(&members.body), ids, "the updated record joined");
    let read = app.get(&format!("/crm/v3/lists/{list}")).await;
    assert_eq!(read.body["list"]["size"], 2);

    let refused = put(
        &app,
        &format!("/crm/v3/lists/{list}/memberships/add"),
        json!([ids[0]]),
    )
    .await;
    assert_hubspot_error(&refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let customers = json!({"filterBranchType": "OR", "filters": [], "filterBranches": [{"filterBranchType": "AND", "filterBranches": [], "filters": [
        {"filterType": "PROPERTY", "property": "lifecyclestage", "operation": {"operationType": "ENUMERATION", "operator": "IS_NONE_OF", "values": ["lead"]}}]}]});
    let updated = put(
        &app,
        &format!("/crm/v3/lists/{list}/update-list-filters"),
        json!({"filterBranch": customers}),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["updatedList"]["size"], 0);
    assert_eq!(updated.body["updatedList"]["listVersion"], 2);
}

#[tokio::test]
async fn a_snapshot_list_is_evaluated_once() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many("contacts", vec![json!({"lifecyclestage": "lead"})])
        .await;
    let created = app
        .post("/crm/v3/lists", json!({"name": "Then", "objectTypeId": "0-1", "processingType": "SNAPSHOT", "filterBranch": leads_branch()}))
        .await;
    let list = created.body["list"]["listId"].as_str().unwrap().to_string();
    app.create_many("contacts", vec![json!({"lifecyclestage": "lead"})])
        .await;
    let members = app.get(&format!("/crm/v3/lists/{list}/memberships")).await;
    assert_eq!(
        member_ids(&members.body),
        ids,
        "a lead created later is not a member"
    );
    let added = put(
        &app,
        &format!("/crm/v3/lists/{list}/memberships/remove"),
        json!([ids[0]]),
    )
    .await;
    assert_eq!(added.body["recordIdsRemoved"], json!([ids[0]]));
}

#[tokio::test]
async fn bad_list_requests_are_clear_errors_and_portals_stay_apart() {
    let app = TestApp::spawn().await;
    let unknown = app.get("/crm/v3/lists/424242").await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let events = json!({"filterBranchType": "OR", "filters": [], "filterBranches": [{"filterBranchType": "AND", "filterBranches": [],
        "filters": [{"filterType": "PAGE_VIEW", "pageUrl": "x"}]}]});
    for body in [
        json!({"name": "E", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": events}),
        json!({"name": "N", "objectTypeId": "0-1", "processingType": "DYNAMIC"}),
        json!({"name": "P", "objectTypeId": "0-1", "processingType": "SOMETIMES"}),
        json!({"name": "W", "objectTypeId": "0-99", "processingType": "MANUAL"}),
    ] {
        let reply = app.post("/crm/v3/lists", body).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let bad_property = app
        .post("/crm/v3/lists", json!({"name": "B", "objectTypeId": "0-1", "processingType": "DYNAMIC", "filterBranch": {
            "filterBranchType": "OR", "filters": [], "filterBranches": [{"filterBranchType": "AND", "filterBranches": [], "filters": [
                {"filterType": "PROPERTY", "property": "shoe_size", "operation": {"operationType": "ALL_PROPERTY", "operator": "IS_KNOWN"}}]}]}}))
        .await;
    assert_hubspot_error(&bad_property, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert!(
        bad_property.body["message"]
            .as_str()
            .unwrap()
            .contains("shoe_size")
    );

    let mine = app
        .post(
            "/crm/v3/lists",
            json!({"name": "Mine", "objectTypeId": "0-1", "processingType": "MANUAL"}),
        )
        .await;
    let list = mine.body["list"]["listId"].as_str().unwrap().to_string();
    let dup = app
        .post(
            "/crm/v3/lists",
            json!({"name": "MINE", "objectTypeId": "0-1", "processingType": "MANUAL"}),
        )
        .await;
    assert_hubspot_error(&dup, StatusCode::CONFLICT, "CONFLICT");
    let other = app.token_for(777, &TestApp::all_scopes()).await;
    let theirs = app
        .send(
            Method::GET,
            &format!("/crm/v3/lists/{list}"),
            Some(&other),
            None,
        )
        .await;
    assert_hubspot_error(&theirs, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let foreign_record = app
        .send(
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(&other),
            Some(Body::Json(json!({"properties": {}}))),
        )
        .await;
    let foreign_id = foreign_record.body["id"].as_str().unwrap().to_string();
    let added = put(
        &app,
        &format!("/crm/v3/lists/{list}/memberships/add"),
        json!([foreign_id]),
    )
    .await;
    assert_eq!(
        added.body["recordIdsMissing"],
        json!([foreign_id]),
        "another portal's record is missing here"
    );
    let token = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let refused = app
        .send(
            Method::GET,
            &format!("/crm/v3/lists/{list}"),
            Some(&token),
            None,
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
}

#[tokio::test]
async fn lists_are_searched_by_name_type_and_page_on_both_path_families() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many(
            "contacts",
            vec![json!({"firstname": "A"}), json!({"firstname": "B"})],
        )
        .await;
    let mut created = Vec::new();
    for (name, kind, object) in [
        ("Spring leads", "MANUAL", "0-1"),
        ("Autumn leads", "DYNAMIC", "0-1"),
        ("Spring firms", "MANUAL", "0-2"),
        ("Winter", "SNAPSHOT", "0-1"),
    ] {
        let mut body = json!({"name": name, "objectTypeId": object, "processingType": kind});
        if kind != "MANUAL" {
            body["filterBranch"] = leads_branch();
        }
        let reply = app.post("/crm/v3/lists/", body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        created.push(reply.body["list"]["listId"].as_str().unwrap().to_string());
    }
    put(
        &app,
        &format!("/crm/v3/lists/{}/memberships/add", created[0]),
        json!(ids),
    )
    .await;
    let names = |body: &Value| -> Vec<String> {
        body["lists"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_string())
            .collect()
    };
    for prefix in PREFIXES {
        let spring = app
            .post(&format!("{prefix}/search"), json!({"query": "SPRING"}))
            .await;
        assert_eq!(spring.status, StatusCode::OK, "{}", spring.body);
        assert_eq!(names(&spring.body), ["Spring leads", "Spring firms"]);
        assert_eq!(spring.body["total"], 2);
        assert_eq!(spring.body["hasMore"], false);
        assert_eq!(
            spring.body["lists"][0]["additionalProperties"]["hs_list_size"],
            "2"
        );
        assert_eq!(spring.body["lists"][0]["listId"], created[0].as_str());
        assert_eq!(spring.body["lists"][0]["processingType"], "MANUAL");

        let contacts = app
            .post(
                &format!("{prefix}/search"),
                json!({"objectTypeId": "0-1", "processingTypes": ["MANUAL", "DYNAMIC"], "sort": "-name"}),
            )
            .await;
        assert_eq!(names(&contacts.body), ["Spring leads", "Autumn leads"]);

        let first = app
            .post(&format!("{prefix}/search"), json!({"count": 3}))
            .await;
        assert_eq!(first.body["lists"].as_array().unwrap().len(), 3);
        assert_eq!(first.body["total"], 4);
        assert_eq!(first.body["offset"], 3);
        assert_eq!(first.body["hasMore"], true);
        let rest = app
            .post(
                &format!("{prefix}/search"),
                json!({"count": 3, "offset": 3}),
            )
            .await;
        assert_eq!(names(&rest.body), ["Winter"]);
        assert_eq!(rest.body["hasMore"], false);

        let by_ids = app
            .post(
                &format!("{prefix}/search"),
                json!({"listIds": [created[3], created[1]]}),
            )
            .await;
        assert_eq!(names(&by_ids.body), ["Autumn leads", "Winter"]);

        for bad in [
            json!({"count": 501}),
            json!({"processingTypes": ["STATIC"]}),
            json!({"sort": "size"}),
            json!({"objectTypeId": "widgets"}),
            json!({"listIds": ["abc"]}),
            json!({"count": "many"}),
        ] {
            let reply = app.post(&format!("{prefix}/search"), bad.clone()).await;
            assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        }
    }
    let other = app.token_for(2, &TestApp::all_scopes()).await;
    let theirs = app
        .send(
            Method::POST,
            "/crm/v3/lists/search",
            Some(&other),
            Some(Body::Json(json!({}))),
        )
        .await;
    assert_eq!(
        theirs.body["lists"],
        json!([]),
        "another portal sees none of these lists"
    );
    assert_eq!(theirs.body["total"], 0);
}
