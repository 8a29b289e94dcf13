//! Owners: the owners API on both path families, `hubspot_owner_id` checked on write, and
//! owner names in exports.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, assert_hubspot_error, ids_of};

#[tokio::test]
async fn owners_are_paged_found_by_id_or_user_id_and_named_in_exports() {
    let app = TestApp::spawn().await;
    let mut owners = Vec::new();
    for i in 0..3 {
        let o = app
            .store
            .create_owner(
                app.portal,
                &format!("o{i}@owners.example"),
                &format!("Olive{i}"),
                "Owner",
                1,
            )
            .await
            .unwrap();
        owners.push(o);
    }
    for prefix in ["/crm/v3/owners/", "/crm/v3/owners", "/crm/owners/2026-03"] {
        let page = app.get(&format!("{prefix}?limit=2")).await;
        assert_eq!(page.status, StatusCode::OK, "{prefix}: {}", page.body);
        assert_eq!(
            ids_of(&page.body),
            vec![owners[0].id.to_string(), owners[1].id.to_string()]
        );
        let after = page.body["paging"]["next"]["after"].as_str().unwrap();
        let rest = app.get(&format!("{prefix}?limit=2&after={after}")).await;
        assert_eq!(ids_of(&rest.body), vec![owners[2].id.to_string()]);
        assert!(rest.body.get("paging").is_none());
    }
    let by_email = app.get("/crm/v3/owners?email=O1@owners.example").await;
    assert_eq!(by_email.body["results"][0]["firstName"], "Olive1");
    let one = app.get(&format!("/crm/v3/owners/{}", owners[2].id)).await;
    assert_eq!(one.body["email"], "o2@owners.example");
    let by_user = app
        .get(&format!(
            "/crm/owners/2026-03/{}?idProperty=userId",
            owners[2].user_id
        ))
        .await;
    assert_eq!(by_user.body["id"], owners[2].id.to_string());
    let missing = app.get("/crm/v3/owners/42").await;
    assert_hubspot_error(&missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let token = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let refused = app
        .send(Method::GET, "/crm/v3/owners", Some(&token), None)
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");

    let unknown = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "x@owned.example", "hubspot_owner_id": "31337"}}),
        )
        .await;
    assert_hubspot_error(&unknown, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(unknown.body["errors"][0]["code"], "INVALID_OPTION");
    let other = app.token_for(99, &TestApp::all_scopes()).await;
    let foreign = app
        .send(
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(&other),
            Some(crate::helpers::Body::Json(
                json!({"properties": {"hubspot_owner_id": owners[0].id.to_string()}}),
            )),
        )
        .await;
    assert_hubspot_error(&foreign, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let owned = app
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({"inputs": [{"properties": {"email": "y@owned.example", "hubspot_owner_id": owners[1].id.to_string()}}]}),
        )
        .await;
    assert_eq!(owned.status, StatusCode::CREATED, "{}", owned.body);

    let text = app
        .export_text(
            json!({"exportType": "VIEW", "exportName": "owned", "format": "CSV", "language": "EN",
                   "objectType": "0-1", "objectProperties": ["email", "hubspot_owner_id"]}),
        )
        .await;
    assert!(text.contains("y@owned.example,Olive1 Owner"), "{text}");
}
