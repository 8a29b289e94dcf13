//! Pipelines: HubSpot's default deal and ticket pipelines on both path families, stage
//! values checked on write, and stage labels in exports.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, assert_hubspot_error};

#[tokio::test]
async fn the_default_pipelines_and_stages_are_listed_on_both_path_families() {
    let app = TestApp::spawn().await;
    for prefix in ["/crm/v3/pipelines", "/crm/pipelines/2026-03"] {
        let deals = app.get(&format!("{prefix}/deals")).await;
        assert_eq!(deals.status, StatusCode::OK, "{}", deals.body);
        let sales = &deals.body["results"][0];
        assert_eq!(sales["id"], "default");
        assert_eq!(sales["stages"].as_array().unwrap().len(), 7);
        assert_eq!(sales["stages"][0]["id"], "appointmentscheduled");
        assert_eq!(sales["stages"][0]["label"], "Appointment Scheduled");
        assert_eq!(sales["createdAt"], "1970-01-01T00:00:00.000Z");
        let one = app.get(&format!("{prefix}/0-3/default")).await;
        assert_eq!(one.body["label"], sales["label"]);
        let stages = app.get(&format!("{prefix}/deals/default/stages")).await;
        assert_eq!(stages.body["results"], sales["stages"]);
        let stage = app
            .get(&format!("{prefix}/deals/default/stages/closedwon"))
            .await;
        assert_eq!(stage.body["metadata"]["isClosed"], "true");
        let tickets = app.get(&format!("{prefix}/tickets")).await;
        assert_eq!(tickets.body["results"][0]["id"], "0");
        let missing = app.get(&format!("{prefix}/deals/nope")).await;
        assert_hubspot_error(&missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let contacts = app.get(&format!("{prefix}/contacts")).await;
        assert_hubspot_error(&contacts, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let token = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let refused = app
        .send(Method::GET, "/crm/v3/pipelines/deals", Some(&token), None)
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
}

#[tokio::test]
async fn a_deal_stage_must_be_a_stage_of_the_pipelines_and_exports_show_its_label() {
    let app = TestApp::spawn().await;
    let bad = app
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "X", "dealstage": "wishful_thinking"}}),
        )
        .await;
    assert_hubspot_error(&bad, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(bad.body["errors"][0]["code"], "INVALID_OPTION");
    let good = app
        .post("/crm/v3/objects/deals", json!({"properties": {"dealname": "Y", "pipeline": "default", "dealstage": "closedwon"}}))
        .await;
    assert_eq!(good.status, StatusCode::CREATED, "{}", good.body);

    let text = app
        .export_text(
            json!({"exportType": "VIEW", "exportName": "deals", "format": "CSV", "language": "EN",
                   "objectType": "DEAL", "objectProperties": ["dealname", "dealstage"]}),
        )
        .await;
    assert!(text.contains("Y,Closed Won"), "{text}");
}

#[tokio::test]
async fn a_ticket_without_a_pipeline_lands_in_the_first_stage_and_stages_must_fit_their_pipeline() {
    let app = TestApp::spawn().await;
    let ticket = app
        .post(
            "/crm/v3/objects/tickets",
            json!({"properties": {"subject": "Help"}}),
        )
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.body);
    assert_eq!(ticket.body["properties"]["hs_pipeline"], "0");
    assert_eq!(ticket.body["properties"]["hs_pipeline_stage"], "1");
    let batch = app
        .post(
            "/crm/objects/2026-03/tickets/batch/create",
            json!({"inputs": [{"properties": {"subject": "More help"}}]}),
        )
        .await;
    assert_eq!(
        batch.body["results"][0]["properties"]["hs_pipeline_stage"],
        "1"
    );
    let mismatch = app
        .post("/crm/v3/objects/tickets", json!({"properties": {"subject": "X", "hs_pipeline": "0", "hs_pipeline_stage": "closedwon"}}))
        .await;
    assert_hubspot_error(&mismatch, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let deal = app
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "D", "pipeline": "default", "dealstage": "4"}}),
        )
        .await;
    assert_hubspot_error(&deal, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
}
