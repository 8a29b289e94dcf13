//! List operations on both path families: rename (and a LIST export of the renamed list),
//! delete and restore, folders, the lists holding a record, join order, copying and
//! clearing members, and legacy id mapping; each with its main refusals.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::exports::parse_csv;
use crate::helpers::{Body, Reply, TestApp, assert_hubspot_error};

const PREFIXES: [&str; 2] = ["/crm/v3/lists", "/crm/lists/2026-03"];

async fn put(app: &TestApp, path: &str, body: Option<Value>) -> Reply {
    let token = app.token.clone();
    app.send(Method::PUT, path, Some(&token), body.map(Body::Json))
        .await
}

/// A MANUAL contact list named `name` holding `members`; returns its id.
async fn manual_list(app: &TestApp, prefix: &str, name: &str, members: &[String]) -> String {
    let created = app
        .post(
            prefix,
            json!({"name": name, "objectTypeId": "0-1", "processingType": "MANUAL"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id = created.body["list"]["listId"].as_str().unwrap().to_string();
    let added = put(
        app,
        &format!("{prefix}/{id}/memberships/add"),
        Some(json!(members)),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    id
}

fn member_ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["recordId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_renamed_list_keeps_its_id_members_and_list_exports_on_both_families() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many(
            "contacts",
            vec![
                json!({"email": "a@example.com"}),
                json!({"email": "b@example.com"}),
            ],
        )
        .await;
    let mut lists = Vec::new();
    for (n, prefix) in PREFIXES.iter().enumerate() {
        let list = manual_list(&app, prefix, &format!("Old {n}"), &ids).await;
        lists.push(list.clone());
        let renamed = put(
            &app,
            &format!("{prefix}/{list}/update-list-name?listName=New%20{n}&includeFilters=true"),
            None,
        )
        .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        assert_eq!(renamed.body["updatedList"]["name"], format!("New {n}"));
        assert_eq!(renamed.body["updatedList"]["listId"], list.as_str());
        assert_eq!(renamed.body["updatedList"]["size"], 2);
        let by_name = app
            .get(&format!("{prefix}/object-type-id/0-1/name/new%20{n}"))
            .await;
        assert_eq!(
            by_name.body["list"]["listId"],
            list.as_str(),
            "{}",
            by_name.body
        );
        let old = app
            .get(&format!("{prefix}/object-type-id/0-1/name/Old%20{n}"))
            .await;
        assert_hubspot_error(&old, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");

        let text = app
            .export_text(
                json!({"exportType": "LIST", "listId": list, "exportName": format!("New {n}"),
                                "format": "CSV", "language": "EN", "objectType": "CONTACT",
                                "objectProperties": ["email"]}),
            )
            .await;
        let rows = parse_csv(text.as_bytes());
        let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
        assert_eq!(exported, ids, "the renamed list's members are exported");
    }
    // Another list's name, a blank name and an unknown list are refused.
    let taken = put(
        &app,
        &format!(
            "{}/{}/update-list-name?listName=new%201",
            PREFIXES[0], lists[0]
        ),
        None,
    )
    .await;
    assert_hubspot_error(&taken, StatusCode::CONFLICT, "CONFLICT");
    let blank = put(
        &app,
        &format!("{}/1/update-list-name?listName=%20", PREFIXES[1]),
        None,
    )
    .await;
    assert_hubspot_error(&blank, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let unknown = put(
        &app,
        &format!("{}/987654/update-list-name?listName=x", PREFIXES[1]),
        None,
    )
    .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let kept = app
        .get(&format!("{}/object-type-id/0-1/name/New%200", PREFIXES[0]))
        .await;
    assert_eq!(
        kept.status,
        StatusCode::OK,
        "a refused rename changes nothing"
    );
}

#[tokio::test]
async fn a_deleted_list_is_restored_with_its_members_on_both_families() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many("contacts", vec![json!({"firstname": "A"})])
        .await;
    for (n, prefix) in PREFIXES.iter().enumerate() {
        let list = manual_list(&app, prefix, &format!("Kept {n}"), &ids).await;
        let deleted = app.delete(&format!("{prefix}/{list}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_hubspot_error(
            &app.get(&format!("{prefix}/{list}")).await,
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
        );
        let export = app
            .post("/crm/v3/exports/export/async", json!({"exportType": "LIST", "listId": list, "exportName": "x",
                   "format": "CSV", "language": "EN", "objectType": "CONTACT", "objectProperties": ["email"]}))
            .await;
        assert_hubspot_error(&export, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");

        let restored = put(&app, &format!("{prefix}/{list}/restore"), None).await;
        assert_eq!(restored.status, StatusCode::NO_CONTENT, "{}", restored.body);
        let back = app.get(&format!("{prefix}/{list}")).await;
        assert_eq!(back.body["list"]["size"], 1, "{}", back.body);
        let again = put(&app, &format!("{prefix}/{list}/restore"), None).await;
        assert_hubspot_error(&again, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let unknown = put(&app, &format!("{}/987654/restore", PREFIXES[0]), None).await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    // A deleted list's name is free; the list cannot come back while it is taken.
    let list = manual_list(&app, PREFIXES[0], "Twice", &[]).await;
    app.delete(&format!("{}/{list}", PREFIXES[0])).await;
    manual_list(&app, PREFIXES[0], "twice", &[]).await;
    let clash = put(&app, &format!("{}/{list}/restore", PREFIXES[0]), None).await;
    assert_hubspot_error(&clash, StatusCode::CONFLICT, "CONFLICT");
}

fn child_ids(folder: &Value) -> Vec<i64> {
    folder["childNodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn folders_form_a_tree_that_holds_lists_on_both_families() {
    let app = TestApp::spawn().await;
    let (v3, dated) = (PREFIXES[0], PREFIXES[1]);
    let top = app
        .post(&format!("{v3}/folders"), json!({"name": "Marketing"}))
        .await;
    assert_eq!(top.status, StatusCode::OK, "{}", top.body);
    let top_id = top.body["folder"]["id"].as_i64().unwrap();
    assert_eq!(top.body["folder"]["parentFolderId"], 0);
    let sub = app
        .post(
            &format!("{dated}/folders"),
            json!({"name": "Events", "parentFolderId": top_id.to_string()}),
        )
        .await;
    // HubSpot's schemas type folder ids as integers on v3 and as strings on 2026-03, and
    // each family's SDK checks its own.
    let sub_id: i64 = sub.body["folder"]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(sub.body["folder"]["parentFolderId"], top_id.to_string());
    let root = app.get(&format!("{v3}/folders")).await;
    assert_eq!(child_ids(&root.body["folder"]), vec![top_id]);
    assert_eq!(
        child_ids(&root.body["folder"]["childNodes"][0]),
        vec![sub_id]
    );

    let list = manual_list(&app, v3, "Attendees", &[]).await;
    let filed = put(
        &app,
        &format!("{dated}/folders/move-list"),
        Some(json!({"listId": list, "newFolderId": sub_id.to_string()})),
    )
    .await;
    assert_eq!(filed.status, StatusCode::NO_CONTENT, "{}", filed.body);
    let read = app.get(&format!("{dated}/folders?folderId={sub_id}")).await;
    assert_eq!(
        read.body["folder"]["childLists"],
        json!([list.parse::<i64>().unwrap()])
    );
    let root = app.get(&format!("{dated}/folders?folderId=0")).await;
    assert_eq!(
        root.body["folder"]["childLists"],
        json!([]),
        "only the folder read lists its lists"
    );

    let renamed = put(
        &app,
        &format!("{v3}/folders/{top_id}/rename?newFolderName=Growth"),
        None,
    )
    .await;
    assert_eq!(renamed.body["folder"]["name"], "Growth", "{}", renamed.body);
    let into_itself = put(&app, &format!("{v3}/folders/{top_id}/move/{sub_id}"), None).await;
    assert_hubspot_error(&into_itself, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let moved = put(&app, &format!("{dated}/folders/{sub_id}/move/0"), None).await;
    assert_eq!(
        moved.body["folder"]["parentFolderId"], "0",
        "{}",
        moved.body
    );
    let full = app.delete(&format!("{v3}/folders/{sub_id}")).await;
    assert_hubspot_error(&full, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    put(
        &app,
        &format!("{v3}/folders/move-list"),
        Some(json!({"listId": list, "newFolderId": "0"})),
    )
    .await;
    let emptied = app.delete(&format!("{dated}/folders/{sub_id}")).await;
    assert_eq!(emptied.status, StatusCode::NO_CONTENT, "{}", emptied.body);
    let gone = app.get(&format!("{v3}/folders?folderId={sub_id}")).await;
    assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");

    // The root stays put; unknown folders and lists are not found.
    let root_rename = put(
        &app,
        &format!("{v3}/folders/0/rename?newFolderName=x"),
        None,
    )
    .await;
    assert_hubspot_error(&root_rename, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let nameless = app
        .post(&format!("{v3}/folders"), json!({"parentFolderId": "0"}))
        .await;
    assert_hubspot_error(&nameless, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let orphan = app
        .post(
            &format!("{v3}/folders"),
            json!({"name": "x", "parentFolderId": "999"}),
        )
        .await;
    assert_hubspot_error(&orphan, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let nowhere = put(
        &app,
        &format!("{v3}/folders/move-list"),
        Some(json!({"listId": list, "newFolderId": "999"})),
    )
    .await;
    assert_hubspot_error(&nowhere, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let tree = app.get(&format!("{v3}/folders")).await;
    assert_eq!(
        child_ids(&tree.body["folder"]),
        vec![top_id],
        "{}",
        tree.body
    );

    // A list created with `listFolderId` is filed there; an unknown folder creates nothing.
    let filed = app
        .post(
            dated,
            json!({"name": "Filed", "objectTypeId": "0-1", "processingType": "MANUAL",
                            "listFolderId": top_id.to_string()}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.body);
    let top = app.get(&format!("{v3}/folders?folderId={top_id}")).await;
    let filed_id: i64 = filed.body["list"]["listId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(top.body["folder"]["childLists"], json!([filed_id]));
    let lost = app
        .post(v3, json!({"name": "Lost", "objectTypeId": "0-1", "processingType": "MANUAL", "listFolderId": 999}))
        .await;
    assert_hubspot_error(&lost, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let missing = app.get(&format!("{v3}/object-type-id/0-1/name/Lost")).await;
    assert_hubspot_error(&missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
}

fn list_ids_of(memberships: &Value) -> Vec<String> {
    memberships
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["listId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn memberships_by_record_join_order_copies_and_clears_on_both_families() {
    let app = TestApp::spawn().await;
    let ids = app
        .create_many(
            "contacts",
            vec![
                json!({"lifecyclestage": "lead"}),
                json!({"firstname": "B"}),
                json!({"firstname": "C"}),
            ],
        )
        .await;
    let (v3, dated) = (PREFIXES[0], PREFIXES[1]);
    let first = manual_list(&app, v3, "First", &[ids[1].clone(), ids[0].clone()]).await;
    let leads = app
        .post(dated, json!({"name": "Leads", "objectTypeId": "0-1", "processingType": "DYNAMIC",
            "filterBranch": {"filterBranchType": "OR", "filters": [], "filterBranches": [{"filterBranchType": "AND", "filterBranches": [],
            "filters": [{"filterType": "PROPERTY", "property": "lifecyclestage",
                         "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["lead"]}}]}]}}))
        .await;
    let leads = leads.body["list"]["listId"].as_str().unwrap().to_string();

    let held = app
        .get(&format!("{v3}/records/0-1/{}/memberships", ids[0]))
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    assert_eq!(
        list_ids_of(&held.body["results"]),
        vec![first.clone(), leads.clone()]
    );
    let batch = app
        .post(&format!("{dated}/records/memberships/batch/read"),
              json!({"inputs": [{"objectTypeId": "0-1", "recordId": ids[1]}, {"objectTypeId": "contacts", "recordId": ids[2]}]}))
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    assert_eq!(
        list_ids_of(&batch.body["results"][0]["recordListMemberships"]),
        vec![first.clone()]
    );
    assert_eq!(batch.body["results"][1]["recordListMemberships"], json!([]));

    // Join order: ids[1] joined before ids[0] (both in one call, then by id).
    let page = app
        .get(&format!("{dated}/{first}/memberships/join-order?limit=1"))
        .await;
    assert_eq!(
        page.body["results"].as_array().unwrap().len(),
        1,
        "{}",
        page.body
    );
    let after = page.body["paging"]["next"]["after"]
        .as_str()
        .unwrap()
        .to_string();
    // The link is absolute, on the host the client called, as every other paging link.
    assert_eq!(
        page.body["paging"]["next"]["link"],
        format!(
            "{}{dated}/{first}/memberships/join-order?limit=1&after={after}",
            app.base
        )
    );
    let rest = app
        .get(&format!(
            "{v3}/{first}/memberships/join-order?after={after}"
        ))
        .await;
    let mut joined = member_ids(&page.body);
    joined.extend(member_ids(&rest.body));
    let mut sorted = ids[..2].to_vec();
    sorted.sort();
    assert_eq!(joined, sorted);
    assert!(rest.body.get("paging").is_none());

    let copy = manual_list(&app, dated, "Copy", &[ids[2].clone()]).await;
    for source in [&first, &leads] {
        let copied = put(
            &app,
            &format!("{v3}/{copy}/memberships/add-from/{source}"),
            None,
        )
        .await;
        assert_eq!(copied.status, StatusCode::NO_CONTENT, "{}", copied.body);
    }
    let copied = app.get(&format!("{v3}/{copy}")).await;
    assert_eq!(copied.body["list"]["size"], 3);
    let into_dynamic = put(
        &app,
        &format!("{dated}/{leads}/memberships/add-from/{first}"),
        None,
    )
    .await;
    assert_hubspot_error(&into_dynamic, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let companies = app
        .post(
            v3,
            json!({"name": "Firms", "objectTypeId": "0-2", "processingType": "MANUAL"}),
        )
        .await;
    let firms = companies.body["list"]["listId"].as_str().unwrap();
    let other_type = put(
        &app,
        &format!("{v3}/{copy}/memberships/add-from/{firms}"),
        None,
    )
    .await;
    assert_hubspot_error(&other_type, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");

    let cleared = app.delete(&format!("{dated}/{copy}/memberships")).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT, "{}", cleared.body);
    assert_eq!(
        app.get(&format!("{v3}/{copy}")).await.body["list"]["size"],
        0
    );
    let dynamic = app.delete(&format!("{v3}/{leads}/memberships")).await;
    assert_hubspot_error(&dynamic, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(
        app.get(&format!("{v3}/{leads}")).await.body["list"]["size"],
        1
    );
    let bad_record = app.get(&format!("{v3}/records/0-1/abc/memberships")).await;
    assert_hubspot_error(&bad_record, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let bad_cursor = app
        .get(&format!("{v3}/{first}/memberships/join-order?after=zz"))
        .await;
    assert_hubspot_error(&bad_cursor, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}

#[tokio::test]
async fn legacy_list_ids_map_to_no_list_on_both_families() {
    let app = TestApp::spawn().await;
    for prefix in PREFIXES {
        let one = app
            .get(&format!("{prefix}/idmapping?legacyListId=123"))
            .await;
        assert_hubspot_error(&one, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let none = app.get(&format!("{prefix}/idmapping")).await;
        assert_hubspot_error(&none, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let many = app
            .post(&format!("{prefix}/idmapping"), json!(["1", 2]))
            .await;
        assert_eq!(many.status, StatusCode::OK, "{}", many.body);
        assert_eq!(
            many.body,
            json!({"legacyListIdsToIdsMapping": [], "missingLegacyListIds": ["1", "2"]})
        );
        let bad = app
            .post(&format!("{prefix}/idmapping"), json!(["list-1"]))
            .await;
        assert_hubspot_error(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    // A token without a lists scope is refused.
    let token = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let refused = app
        .send(
            Method::GET,
            "/crm/v3/lists/idmapping?legacyListId=1",
            Some(&token),
            None,
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
}
