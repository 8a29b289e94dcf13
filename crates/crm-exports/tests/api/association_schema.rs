//! The associations schema API on both path families: custom labels created, listed from
//! either side, renamed and deleted; associations made with a custom label, read back and
//! exported under its text; association limits configured and enforced; bad requests
//! answered with HubSpot's error body and changing nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::exports::parse_csv;
use crate::helpers::{Body, Reply, TestApp, assert_hubspot_error};

const SCHEMA_PREFIXES: [&str; 2] = ["/crm/v4/associations", "/crm/associations/2026-03"];

async fn put(app: &TestApp, path: &str, body: Value) -> Reply {
    let token = app.token.clone();
    app.send(Method::PUT, path, Some(&token), Some(Body::Json(body)))
        .await
}

async fn one_contact_and_company(app: &TestApp) -> (String, String) {
    let contact = app
        .create_many("contacts", vec![json!({"email": "ann@example.com"})])
        .await;
    let company = app
        .create_many("companies", vec![json!({"name": "Acme"})])
        .await;
    (contact[0].clone(), company[0].clone())
}

fn label_of(results: &Value, type_id: &Value) -> Option<Value> {
    results["results"]
        .as_array()?
        .iter()
        .find(|t| &t["typeId"] == type_id)
        .map(|t| t["label"].clone())
}

#[tokio::test]
async fn custom_labels_are_created_read_from_either_side_renamed_and_deleted_on_both_families() {
    let app = TestApp::spawn().await;
    for (n, prefix) in SCHEMA_PREFIXES.iter().enumerate() {
        let created = app
            .post(
                &format!("{prefix}/contacts/companies/labels"),
                json!({"label": format!("Manager {n}"), "name": format!("manager_{n}"),
                       "inverseLabel": format!("Managed by {n}")}),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let results = created.body["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "{}", created.body);
        assert!(results.iter().all(|t| t["category"] == "USER_DEFINED"));
        let (forward, inverse) = (results[0]["typeId"].clone(), results[1]["typeId"].clone());
        assert_ne!(forward, inverse);

        let from_contacts = app
            .get(&format!("{prefix}/contacts/companies/labels"))
            .await;
        assert_eq!(
            label_of(&from_contacts.body, &forward),
            Some(json!(format!("Manager {n}")))
        );
        // HubSpot's own types stay listed beside the custom one.
        assert_eq!(
            label_of(&from_contacts.body, &json!(279)),
            Some(Value::Null)
        );
        assert_eq!(
            label_of(&from_contacts.body, &json!(1)),
            Some(json!("Primary"))
        );
        let from_companies = app.get(&format!("{prefix}/0-2/0-1/labels")).await;
        assert_eq!(
            label_of(&from_companies.body, &inverse),
            Some(json!(format!("Managed by {n}")))
        );

        let renamed = put(
            &app,
            &format!("{prefix}/contacts/companies/labels"),
            json!({"associationTypeId": forward, "label": format!("Boss {n}")}),
        )
        .await;
        assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{}", renamed.body);
        let after = app
            .get(&format!("{prefix}/contacts/companies/labels"))
            .await;
        assert_eq!(
            label_of(&after.body, &forward),
            Some(json!(format!("Boss {n}")))
        );
        let from_companies = app
            .get(&format!("{prefix}/companies/contacts/labels"))
            .await;
        assert_eq!(
            label_of(&from_companies.body, &inverse),
            Some(json!(format!("Managed by {n}")))
        );

        let deleted = app
            .delete(&format!("{prefix}/companies/contacts/labels/{inverse}"))
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        let gone = app
            .get(&format!("{prefix}/contacts/companies/labels"))
            .await;
        assert_eq!(label_of(&gone.body, &forward), None);
        let again = app
            .delete(&format!("{prefix}/contacts/companies/labels/{forward}"))
            .await;
        assert_hubspot_error(&again, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    }
}

#[tokio::test]
async fn bad_label_requests_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let path = "/crm/v4/associations/contacts/companies/labels";
    let made = app
        .post(path, json!({"label": "Manager", "name": "manager"}))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let before = app.get(path).await.body;
    let cases = [
        (
            json!({"label": "No name"}),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        ),
        (
            json!({"label": "  ", "name": "blank"}),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        ),
        (
            json!({"label": "x".repeat(101), "name": "long"}),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        ),
        (
            json!({"label": "Again", "name": "MANAGER"}),
            StatusCode::CONFLICT,
            "CONFLICT",
        ),
    ];
    for (body, status, category) in cases {
        let reply = app.post(path, body.clone()).await;
        assert_hubspot_error(&reply, status, category);
    }
    let widgets = app
        .post(
            "/crm/associations/2026-03/contacts/widgets/labels",
            json!({"label": "a", "name": "a"}),
        )
        .await;
    assert_hubspot_error(&widgets, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    // HubSpot's own types cannot be renamed or deleted; unknown ones are not found.
    let builtin = put(
        &app,
        path,
        json!({"associationTypeId": 279, "label": "Mine"}),
    )
    .await;
    assert_hubspot_error(&builtin, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let primary = app.delete(&format!("{path}/1")).await;
    assert_hubspot_error(&primary, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let unknown = app.delete(&format!("{path}/987654321")).await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let not_an_id = app.delete(&format!("{path}/abc")).await;
    assert_hubspot_error(&not_an_id, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let unlabeled = put(&app, path, json!({"associationTypeId": 279})).await;
    assert_hubspot_error(&unlabeled, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(app.get(path).await.body, before);
    // A token without the companies write scope cannot create a label from companies.
    let reader = app
        .token_for(
            app.portal.0,
            &["crm.objects.contacts.read", "crm.objects.companies.read"],
        )
        .await;
    let refused = app
        .send(
            Method::POST,
            "/crm/v4/associations/companies/contacts/labels",
            Some(&reader),
            Some(Body::Json(json!({"label": "Owner", "name": "owner"}))),
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    assert_eq!(app.get(path).await.body, before);
}

/// Creates a contact→company label and returns its two type ids.
async fn manager_label(app: &TestApp) -> (i64, i64) {
    let created = app
        .post(
            "/crm/associations/2026-03/contacts/companies/labels",
            json!({"label": "Manager", "name": "manager", "inverseLabel": "Manages"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let ids = &created.body["results"];
    (
        ids[0]["typeId"].as_i64().unwrap(),
        ids[1]["typeId"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn an_association_with_a_custom_label_is_stored_read_back_and_exported_under_it() {
    let app = TestApp::spawn().await;
    let (type_id, inverse_id) = manager_label(&app).await;
    let (contact, company) = one_contact_and_company(&app).await;
    let made = put(
        &app,
        &format!("/crm/v4/objects/contacts/{contact}/associations/companies/{company}"),
        json!([{"associationCategory": "USER_DEFINED", "associationTypeId": type_id}]),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["labels"], json!(["Manager"]));

    let read = app
        .get(&format!(
            "/crm/v4/objects/contacts/{contact}/associations/companies"
        ))
        .await;
    assert_eq!(
        read.body["results"][0]["associationTypes"],
        json!([{"category": "USER_DEFINED", "typeId": type_id, "label": "Manager"}]),
        "{}",
        read.body
    );
    let back = app
        .get(&format!(
            "/crm/objects/2026-03/companies/{company}/associations/contacts"
        ))
        .await;
    assert_eq!(
        back.body["results"][0]["associationTypes"],
        json!([{"category": "USER_DEFINED", "typeId": inverse_id, "label": "Manages"}]),
        "{}",
        back.body
    );

    let text = app
        .export_text(json!({
            "exportType": "VIEW", "exportName": "managers", "format": "CSV", "language": "EN",
            "objectType": "CONTACT", "objectProperties": ["email"], "associatedObjectType": ["COMPANY"],
            "includeLabeledAssociations": true, "publicCrmSearchRequest": {"filterGroups": []}}))
        .await;
    let rows = parse_csv(text.as_bytes());
    let column = rows[0]
        .iter()
        .position(|h| h == "Associated Company IDs (Manager)")
        .unwrap_or_else(|| panic!("no custom label column in {:?}", rows[0]));
    assert_eq!(rows[1][column], company);
    let primary = rows[0]
        .iter()
        .position(|h| h == "Associated Company IDs (Primary)")
        .expect("HubSpot's label stays beside it");
    assert_eq!(rows[1][primary], "", "the pair has no primary association");
}

#[tokio::test]
async fn association_limits_are_configured_on_both_families_and_refuse_edges_over_them() {
    let app = TestApp::spawn().await;
    let contacts = app
        .create_many(
            "contacts",
            vec![json!({"firstname": "A"}), json!({"firstname": "B"})],
        )
        .await;
    let companies = app
        .create_many(
            "companies",
            vec![json!({"name": "X"}), json!({"name": "Y"})],
        )
        .await;
    let (type_id, _) = manager_label(&app).await;
    let config = "/crm/v4/associations/definitions/configurations";
    let created = app
        .post(
            &format!("{config}/contacts/companies/batch/create"),
            json!({"inputs": [{"category": "USER_DEFINED", "typeId": type_id, "maxToObjectIds": 1}]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.body["results"],
        json!([{"category": "USER_DEFINED", "typeId": type_id, "label": "Manager",
                "userEnforcedMaxToObjectIds": 1}])
    );
    let listed = app
        .get("/crm/associations/2026-03/definitions/configurations/0-1/0-2")
        .await;
    assert_eq!(listed.body["results"], created.body["results"]);
    let all = app.get(&format!("{config}/all")).await;
    assert_eq!(all.body["results"], created.body["results"]);

    // One manager company per contact: the second is refused, alone and in a batch.
    let first = format!(
        "/crm/v4/objects/contacts/{}/associations/companies/{}",
        contacts[0], companies[0]
    );
    let spec = json!([{"associationCategory": "USER_DEFINED", "associationTypeId": type_id}]);
    assert_eq!(
        put(&app, &first, spec.clone()).await.status,
        StatusCode::CREATED
    );
    let second = format!(
        "/crm/objects/2026-03/contacts/{}/associations/companies/{}",
        contacts[0], companies[1]
    );
    let over = put(&app, &second, spec.clone()).await;
    assert_hubspot_error(&over, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let batch = app
        .post(
            "/crm/v4/associations/contacts/companies/batch/create",
            json!({"inputs": [
                {"from": {"id": contacts[0]}, "to": {"id": companies[1]}, "types": [spec[0].clone()]},
                {"from": {"id": contacts[1]}, "to": {"id": companies[1]}, "types": [spec[0].clone()]}]}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::MULTI_STATUS, "{}", batch.body);
    assert_eq!(batch.body["numErrors"], 1);
    assert_eq!(batch.body["errors"][0]["category"], "VALIDATION_ERROR");
    assert_eq!(batch.body["results"][0]["fromObjectId"], contacts[1]);
    let held = app
        .get(&format!(
            "/crm/v4/objects/contacts/{}/associations/companies",
            contacts[0]
        ))
        .await;
    assert_eq!(
        held.body["results"].as_array().unwrap().len(),
        1,
        "{}",
        held.body
    );

    // Raised on the dated family, then purged: the edge fits.
    let dated = "/crm/associations/2026-03/definitions/configurations/contacts/companies/batch";
    let raised = app
        .post(&format!("{dated}/update"),
              json!({"inputs": [{"category": "USER_DEFINED", "typeId": type_id, "maxToObjectIds": 2}]}))
        .await;
    assert_eq!(raised.status, StatusCode::OK, "{}", raised.body);
    assert_eq!(raised.body["results"][0]["userEnforcedMaxToObjectIds"], 2);
    let purged = app
        .post(
            &format!("{dated}/purge"),
            json!({"inputs": [{"category": "USER_DEFINED", "typeId": type_id}]}),
        )
        .await;
    assert_eq!(purged.status, StatusCode::NO_CONTENT, "{}", purged.body);
    assert_eq!(
        app.get(&format!("{config}/all")).await.body["results"],
        json!([])
    );
    assert_eq!(put(&app, &second, spec).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn bad_limit_requests_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let batch = "/crm/v4/associations/definitions/configurations/contacts/companies/batch";
    let made = app
        .post(&format!("{batch}/create"),
              json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 3}]}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let before = app
        .get("/crm/v4/associations/definitions/configurations/all")
        .await
        .body;
    let refused = [
        (
            "create",
            json!({"inputs": [{"category": "USER_DEFINED", "typeId": 279, "maxToObjectIds": 3}]}),
        ),
        (
            "create",
            json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 4, "maxToObjectIds": 3}]}),
        ),
        (
            "update",
            json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 0}]}),
        ),
        (
            "update",
            json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279}]}),
        ),
        (
            "purge",
            json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 280}]}),
        ),
        ("create", json!({"inputs": "all"})),
    ];
    for (operation, body) in refused {
        let reply = app
            .post(&format!("{batch}/{operation}"), body.clone())
            .await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let unknown = app
        .post(&format!("{batch}/replace"), json!({"inputs": []}))
        .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    // Creating a set limit and updating an unset one are per-input errors (207).
    let twice = app
        .post(&format!("{batch}/create"),
              json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 9}]}))
        .await;
    assert_eq!(twice.status, StatusCode::MULTI_STATUS, "{}", twice.body);
    let unset = app
        .post(
            &format!("{batch}/update"),
            json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 1, "maxToObjectIds": 1}]}),
        )
        .await;
    assert_eq!(unset.status, StatusCode::MULTI_STATUS, "{}", unset.body);
    assert_eq!(
        app.get("/crm/v4/associations/definitions/configurations/all")
            .await
            .body,
        before
    );
}

#[tokio::test]
async fn a_record_created_with_associations_over_a_limit_is_refused_and_not_stored() {
    let app = TestApp::spawn().await;
    let (contact, company) = one_contact_and_company(&app).await;
    let limited = app
        .post(
            "/crm/v4/associations/definitions/configurations/companies/contacts/batch/create",
            json!({"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 280, "maxToObjectIds": 1}]}),
        )
        .await;
    assert_eq!(limited.status, StatusCode::CREATED, "{}", limited.body);
    let linked = put(
        &app,
        &format!("/crm/v4/objects/contacts/{contact}/associations/companies/{company}"),
        json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]),
    )
    .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.body);
    // The company already has its one contact: a new contact cannot join it on create.
    let refused = app
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "bo@example.com"}, "associations": [{"to": {"id": company},
                   "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]}),
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let search = app
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"filterGroups": [{"filters": [
            {"propertyName": "email", "operator": "EQ", "value": "bo@example.com"}]}]}),
        )
        .await;
    assert_eq!(
        search.body["total"], 0,
        "nothing was stored: {}",
        search.body
    );
    // Without associations over the limit the same create works.
    let made = app
        .post(
            "/crm/objects/2026-03/contacts",
            json!({"properties": {"email": "bo@example.com"}}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
}
