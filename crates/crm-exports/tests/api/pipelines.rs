//! Pipelines: HubSpot's default deal and ticket pipelines on both path families, stage
//! values checked on write, stage labels in exports, and pipelines and stages created,
//! changed, deleted and audited through the API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, Reply, TestApp, assert_hubspot_error};

const PREFIXES: [&str; 2] = ["/crm/v3/pipelines", "/crm/pipelines/2026-03"];

async fn put(app: &TestApp, path: &str, body: Value) -> Reply {
    app.send(
        Method::PUT,
        path,
        Some(&app.token.clone()),
        Some(Body::Json(body)),
    )
    .await
}

fn deal_stage(label: &str, order: i32, probability: f64) -> Value {
    json!({"label": label, "displayOrder": order, "metadata": {"probability": probability}})
}

/// Creates a deal pipeline with the given stages; returns its body.
async fn create_deal_pipeline(app: &TestApp, prefix: &str, label: &str, stages: &[&str]) -> Value {
    let stages: Vec<Value> = stages
        .iter()
        .enumerate()
        .map(|(i, l)| deal_stage(l, i as i32, 0.5))
        .collect();
    let made = app
        .post(
            &format!("{prefix}/deals"),
            json!({"label": label, "displayOrder": 3, "stages": stages}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.body
}

fn actions(reply: &Reply) -> Vec<String> {
    reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect()
}

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

#[tokio::test]
async fn a_pipeline_is_created_changed_deleted_restored_and_audited_on_both_path_families() {
    let app = TestApp::spawn().await;
    for (n, prefix) in PREFIXES.iter().enumerate() {
        let made =
            create_deal_pipeline(&app, prefix, &format!("Renewals {n}"), &["Ask", "Won"]).await;
        let id = made["id"].as_str().unwrap().to_string();
        assert_ne!(id, "default");
        assert_eq!(made["stages"][1]["label"], "Won");
        assert_eq!(made["stages"][1]["metadata"]["probability"], "0.5");
        assert_eq!(made["archived"], false);
        let listed = app.get(&format!("{prefix}/0-3")).await;
        assert_eq!(listed.body["results"].as_array().unwrap().len(), 2 + n);
        assert_eq!(app.get(&format!("{prefix}/deals/{id}")).await.body, made);

        let renamed = app
            .patch(
                &format!("{prefix}/deals/{id}"),
                json!({"label": format!("Upsell {n}")}),
            )
            .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        assert_eq!(renamed.body["label"], format!("Upsell {n}"));
        let kept = made["stages"][0]["id"].clone();
        let replaced = put(&app, &format!("{prefix}/deals/{id}"), json!({"label": format!("Upsell {n}"), "displayOrder": 1,
            "stages": [{"stageId": kept, "label": "Asked", "displayOrder": 0, "metadata": {"probability": "0.3"}},
                       deal_stage("Signed", 1, 1.0)]})).await;
        assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
        assert_eq!(replaced.body["stages"][0]["id"], kept);
        assert_eq!(replaced.body["stages"][0]["label"], "Asked");
        assert_eq!(replaced.body["stages"][1]["label"], "Signed");
        assert_eq!(replaced.body["stages"].as_array().unwrap().len(), 2);

        let gone = app.delete(&format!("{prefix}/deals/{id}")).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        let missing = app.get(&format!("{prefix}/deals/{id}")).await;
        assert_hubspot_error(&missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        let restored = app
            .patch(&format!("{prefix}/deals/{id}"), json!({"archived": false}))
            .await;
        assert_eq!(restored.status, StatusCode::OK, "{}", restored.body);
        assert_eq!(restored.body["archived"], false);

        let audit = app.get(&format!("{prefix}/deals/{id}/audit")).await;
        assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
        assert_eq!(
            actions(&audit),
            ["CREATE", "UPDATE", "UPDATE", "DELETE", "UPDATE"]
        );
        assert_eq!(audit.body["results"][0]["portalId"], app.portal.0);
        assert_eq!(
            audit.body["results"][0]["rawObject"]["label"],
            format!("Renewals {n}")
        );
        let stage_audit = app
            .get(&format!(
                "{prefix}/deals/{id}/stages/{}/audit",
                kept.as_str().unwrap()
            ))
            .await;
        assert_eq!(actions(&stage_audit), ["CREATE", "UPDATE"]);
    }
}

#[tokio::test]
async fn stages_are_created_read_replaced_patched_and_deleted_on_both_path_families() {
    let app = TestApp::spawn().await;
    for (n, prefix) in PREFIXES.iter().enumerate() {
        let made = create_deal_pipeline(&app, prefix, &format!("Stages {n}"), &["One"]).await;
        let base = format!("{prefix}/deals/{}/stages", made["id"].as_str().unwrap());
        let two = app.post(&base, deal_stage("Two", 1, 0.7)).await;
        assert_eq!(two.status, StatusCode::CREATED, "{}", two.body);
        let stage = two.body["id"].as_str().unwrap().to_string();
        assert_eq!(two.body["writePermissions"], "CRM_PERMISSIONS_ENFORCEMENT");
        assert_eq!(app.get(&format!("{base}/{stage}")).await.body, two.body);
        let replaced = put(&app, &format!("{base}/{stage}"), deal_stage("Deux", 2, 0.8)).await;
        assert_eq!(replaced.body["label"], "Deux");
        assert_eq!(replaced.body["metadata"]["probability"], "0.8");
        let patched = app
            .patch(&format!("{base}/{stage}"), json!({"label": "Zwei"}))
            .await;
        assert_eq!(patched.body["label"], "Zwei");
        assert_eq!(patched.body["displayOrder"], 2);
        let listed = app.get(&base).await;
        let labels: Vec<&str> = listed.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["One", "Zwei"]);
        let clash = app.post(&base, deal_stage("zwei", 3, 0.1)).await;
        assert_hubspot_error(&clash, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert_eq!(
            app.delete(&format!("{base}/{stage}")).await.status,
            StatusCode::NO_CONTENT
        );
        let gone = app.get(&format!("{base}/{stage}")).await;
        assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
        assert_eq!(
            app.get(&base).await.body["results"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn pipeline_writes_refuse_what_hubspot_refuses_and_change_nothing() {
    let app = TestApp::spawn().await;
    let no_probability = app
        .post("/crm/v3/pipelines/deals", json!({"label": "P", "displayOrder": 0, "stages": [{"label": "S", "displayOrder": 0, "metadata": {}}]}))
        .await;
    assert_hubspot_error(&no_probability, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let too_likely = app
        .post(
            "/crm/v3/pipelines/deals",
            json!({"label": "P", "displayOrder": 0, "stages": [deal_stage("S", 0, 1.5)]}),
        )
        .await;
    assert_hubspot_error(&too_likely, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let bad_state = app
        .post("/crm/v3/pipelines/tickets", json!({"label": "T", "displayOrder": 0, "stages": [{"label": "S", "displayOrder": 0, "metadata": {"ticketState": "MAYBE"}}]}))
        .await;
    assert_hubspot_error(&bad_state, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let taken = app
        .post("/crm/v3/pipelines/deals", json!({"label": "sales pipeline", "displayOrder": 0, "stages": [deal_stage("S", 0, 0.1)]}))
        .await;
    assert_hubspot_error(&taken, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let last = app.delete("/crm/v3/pipelines/deals/default").await;
    assert_hubspot_error(&last, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let archive = app
        .patch("/crm/v3/pipelines/deals/default", json!({"archived": true}))
        .await;
    assert_hubspot_error(&archive, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let unknown = app
        .patch("/crm/v3/pipelines/deals/nope", json!({"label": "X"}))
        .await;
    assert_hubspot_error(&unknown, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let contacts = app
        .post(
            "/crm/v3/pipelines/contacts",
            json!({"label": "C", "displayOrder": 0, "stages": []}),
        )
        .await;
    assert_hubspot_error(&contacts, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let reader = app
        .token_for(app.portal.0, &["crm.objects.deals.read"])
        .await;
    let refused = app
        .send(
            Method::POST,
            "/crm/v3/pipelines/deals",
            Some(&reader),
            Some(Body::Json(
                json!({"label": "R", "displayOrder": 0, "stages": [deal_stage("S", 0, 0.1)]}),
            )),
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    let listed = app.get("/crm/v3/pipelines/deals").await;
    assert_eq!(listed.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed.body["results"][0]["stages"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    assert_eq!(
        app.get("/crm/v3/pipelines/deals/default/audit").await.body["results"],
        json!([])
    );
}

#[tokio::test]
async fn deleting_a_stage_records_use_is_refused_only_when_asked_to_validate() {
    let app = TestApp::spawn().await;
    let made = create_deal_pipeline(&app, PREFIXES[0], "Used", &["Busy", "Idle"]).await;
    let (pipeline, busy) = (
        made["id"].as_str().unwrap(),
        made["stages"][0]["id"].as_str().unwrap(),
    );
    let deal = app
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "In use", "pipeline": pipeline, "dealstage": busy}}),
        )
        .await;
    assert_eq!(deal.status, StatusCode::CREATED, "{}", deal.body);
    let stage = format!("/crm/v3/pipelines/deals/{pipeline}/stages/{busy}");
    let refused = app
        .delete(&format!("{stage}?validateDealStageUsagesBeforeDelete=true"))
        .await;
    assert_hubspot_error(&refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(app.get(&stage).await.status, StatusCode::OK);
    let whole = app
        .delete(&format!(
            "/crm/v3/pipelines/deals/{pipeline}?validateReferencesBeforeDelete=true"
        ))
        .await;
    assert_hubspot_error(&whole, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(app.delete(&stage).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&stage).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_export_of_deals_in_a_new_pipeline_shows_its_pipeline_and_stage_labels() {
    let app = TestApp::spawn().await;
    let made = create_deal_pipeline(
        &app,
        PREFIXES[1],
        "Partner Channel",
        &["Referred", "Partner Signed"],
    )
    .await;
    let pipeline = made["id"].as_str().unwrap();
    let signed = made["stages"][1]["id"].as_str().unwrap();
    let deal = app
        .post("/crm/objects/2026-03/deals", json!({"properties": {"dealname": "Via partner", "pipeline": pipeline, "dealstage": signed}}))
        .await;
    assert_eq!(deal.status, StatusCode::CREATED, "{}", deal.body);
    let elsewhere = app
        .post("/crm/v3/objects/deals", json!({"properties": {"dealname": "Mixed", "pipeline": "default", "dealstage": signed}}))
        .await;
    assert_hubspot_error(&elsewhere, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let stage_property = app.get("/crm/v3/properties/deals/dealstage").await;
    assert!(
        stage_property.body["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == signed && o["label"] == "Partner Signed")
    );

    let text = app
        .export_text(json!({"exportType": "VIEW", "exportName": "partner deals", "format": "CSV", "language": "EN",
                            "objectType": "DEAL", "objectProperties": ["dealname", "pipeline", "dealstage"]}))
        .await;
    assert!(
        text.contains("Via partner,Partner Channel,Partner Signed"),
        "{text}"
    );
    let internal = app
        .export_text(json!({"exportType": "VIEW", "exportName": "ids", "format": "CSV", "language": "EN",
                            "objectType": "DEAL", "objectProperties": ["dealname", "pipeline", "dealstage"],
                            "exportInternalValuesOptions": ["VALUES"]}))
        .await;
    assert!(
        internal.contains(&format!("Via partner,{pipeline},{signed}")),
        "{internal}"
    );
}

#[tokio::test]
async fn a_ticket_created_without_a_pipeline_lands_in_the_first_pipeline_by_display_order() {
    let app = TestApp::spawn().await;
    let made = app
        .post("/crm/v3/pipelines/tickets", json!({"label": "Escalations", "displayOrder": -1,
              "stages": [{"label": "Raised", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
                         {"label": "Solved", "displayOrder": 1, "metadata": {"ticketState": "closed"}}]}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["stages"][1]["metadata"]["ticketState"], "CLOSED");
    let ticket = app
        .post(
            "/crm/v3/objects/tickets",
            json!({"properties": {"subject": "Urgent"}}),
        )
        .await;
    assert_eq!(ticket.body["properties"]["hs_pipeline"], made.body["id"]);
    assert_eq!(
        ticket.body["properties"]["hs_pipeline_stage"],
        made.body["stages"][0]["id"]
    );
}

#[tokio::test]
async fn a_custom_object_starts_without_pipelines_and_takes_new_ones_on_both_path_families() {
    let app = TestApp::spawn().await;
    let schema = app
        .post(
            "/crm-object-schemas/v3/schemas",
            json!({"name": "projects_x", "labels": {"singular": "Project", "plural": "Projects"},
                   "primaryDisplayProperty": "title", "requiredProperties": ["title"],
                   "properties": [{"name": "title", "label": "Title"}]}),
        )
        .await;
    assert_eq!(schema.status, StatusCode::CREATED, "{}", schema.body);
    let type_id = schema.body["objectTypeId"].as_str().unwrap().to_string();
    for (n, prefix) in PREFIXES.iter().enumerate() {
        let listed = app.get(&format!("{prefix}/{type_id}")).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        assert_eq!(listed.body["results"].as_array().unwrap().len(), n);
        let made = app
            .post(&format!("{prefix}/{type_id}"), json!({"label": format!("Delivery {n}"), "displayOrder": n,
                  "stages": [{"label": "Planned", "displayOrder": 0, "metadata": {"colour": "grey"}}]}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(
            made.body["stages"][0]["metadata"],
            json!({"colour": "grey"})
        );
        let by_name = app
            .get(&format!(
                "{prefix}/projects_x/{}",
                made.body["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(by_name.body, made.body);
    }
    let reader = app
        .token_for(app.portal.0, &["crm.objects.custom.read"])
        .await;
    let refused = app
        .send(
            Method::DELETE,
            &format!("/crm/v3/pipelines/{type_id}/whatever"),
            Some(&reader),
            None,
        )
        .await;
    assert_hubspot_error(&refused, StatusCode::FORBIDDEN, "MISSING_SCOPES");
}

#[tokio::test]
async fn a_custom_objects_records_take_its_pipeline_stages_and_exports_label_them() {
    let app = TestApp::spawn().await;
    let schema = app
        .post(
            "/crm-object-schemas/2026-03/schemas",
            json!({"name": "shipments", "labels": {"singular": "Shipment", "plural": "Shipments"},
                   "primaryDisplayProperty": "reference", "requiredProperties": ["reference"],
                   "properties": [{"name": "reference", "label": "Reference"}]}),
        )
        .await;
    assert_eq!(schema.status, StatusCode::CREATED, "{}", schema.body);
    let type_id = schema.body["objectTypeId"].as_str().unwrap().to_string();
    let made = app
        .post(&format!("/crm/v3/pipelines/{type_id}"), json!({"label": "Freight", "displayOrder": 0,
              "stages": [{"label": "Packed", "displayOrder": 0}, {"label": "Delivered", "displayOrder": 1}]}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let pipeline = made.body["id"].as_str().unwrap();
    let delivered = made.body["stages"][1]["id"].as_str().unwrap();
    let stage_property = app
        .get(&format!("/crm/v3/properties/{type_id}/hs_pipeline_stage"))
        .await;
    assert_eq!(
        stage_property.status,
        StatusCode::OK,
        "{}",
        stage_property.body
    );
    assert!(
        stage_property.body["options"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["value"] == delivered && o["label"] == "Delivered"),
        "{}",
        stage_property.body
    );
    let record = app
        .post(
            &format!("/crm/objects/2026-03/{type_id}"),
            json!({"properties":
              {"reference": "SH-1", "hs_pipeline": pipeline, "hs_pipeline_stage": delivered}}),
        )
        .await;
    assert_eq!(record.status, StatusCode::CREATED, "{}", record.body);
    let unknown_stage = app
        .post(&format!("/crm/v3/objects/{type_id}"), json!({"properties":
              {"reference": "SH-2", "hs_pipeline": pipeline, "hs_pipeline_stage": "no-such-stage"}}))
        .await;
    assert_hubspot_error(&unknown_stage, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");

    let text = app
        .export_text(json!({"exportType": "VIEW", "exportName": "shipments", "format": "CSV", "language": "EN",
                            "objectType": type_id, "objectProperties": ["reference", "hs_pipeline", "hs_pipeline_stage"]}))
        .await;
    assert!(text.contains("SH-1,Freight,Delivered"), "{text}");
    assert!(!text.contains("SH-2"), "{text}");
}
