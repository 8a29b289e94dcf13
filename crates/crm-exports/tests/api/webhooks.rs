//! Completion webhooks end to end: subscriptions on every export family (created with a
//! secret shown once, listed, deleted, refused with HubSpot's 400 body, other portals'
//! ids a 404, the export scope required), and deliveries to a receiver on loopback driven
//! by the delivery worker's step: one per subscribed state change, signed as HubSpot signs
//! its v3 webhooks, retried with the same event id, kept across a restart, never another
//! portal's, and linking the export's status absolutely on the subscription's family.

#[path = "../common/receiver.rs"]
mod receiver;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use crm_exports::api::ApiConfig;
use crm_exports::clock::Clock;
use crm_exports::domain::webhook::HostPolicy;
use crm_exports::jobs::delivery::{Deliverer, DeliveryConfig};
use crm_exports::server;
use crm_exports::store::{SharedStore, Webhooks};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use self::receiver::{Received, Receiver};
use crate::helpers::{TestApp, assert_hubspot_error};

const FAMILIES: [&str; 3] = [
    "/crm/v3/exports",
    "/crm/exports/2026-03",
    "/crm/exports/2026-09",
];

async fn app() -> TestApp {
    TestApp::spawn_with(ApiConfig {
        webhook_hosts: HostPolicy::parse("127.0.0.1"),
        ..TestApp::config()
    })
    .await
}

fn deliverer(store: SharedStore) -> Deliverer {
    deliverer_with(
        store,
        DeliveryConfig {
            public_url: Some("http://crm.example".into()),
            ..DeliveryConfig::default()
        },
    )
}

/// A deliverer allowed to call loopback, with `config`'s status link settings.
fn deliverer_with(store: SharedStore, config: DeliveryConfig) -> Deliverer {
    let config = DeliveryConfig {
        hosts: HostPolicy::parse("127.0.0.1"),
        attempt_timeout: Duration::from_secs(5),
        ..config
    };
    let store: Arc<dyn Webhooks> = store;
    Deliverer::new(store, config, Clock::system())
}

async fn subscribe(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    subscribe_on(app, FAMILIES[0], token, url, events).await
}

async fn subscribe_on(
    app: &TestApp,
    family: &str,
    token: &str,
    url: &str,
    events: &[&str],
) -> Value {
    let body = json!({"targetUrl": url, "events": events});
    let reply = app
        .send(
            reqwest::Method::POST,
            &format!("{family}/webhooks"),
            Some(token),
            Some(crate::helpers::Body::Json(body)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

/// Starts a small VIEW export of `token`'s portal and runs the queue.
async fn run_export(app: &TestApp, token: &str) -> String {
    let request = json!({
        "exportType": "VIEW", "exportName": "Hooked", "format": "CSV", "language": "EN",
        "objectType": "CONTACT", "objectProperties": ["email"],
    });
    let reply = app
        .send(
            reqwest::Method::POST,
            "/crm/v3/exports/export/async",
            Some(token),
            Some(crate::helpers::Body::Json(request)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    app.run_exports().await;
    reply.body["id"].as_str().unwrap().to_string()
}

/// The signature the receiver computes itself from what it got, as HubSpot documents it.
fn expected_signature(secret: &str, url: &str, got: &Received) -> String {
    let timestamp = &got.headers["x-hubspot-request-timestamp"];
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}{url}", got.method).as_bytes());
    mac.update(&got.body);
    mac.update(timestamp.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn subscriptions_are_created_listed_and_deleted_on_every_family() {
    let app = app().await;
    for family in FAMILIES {
        let body = json!({"targetUrl": "http://127.0.0.1:9/hook", "events": ["export.completed"]});
        let created = app.post(&format!("{family}/webhooks"), body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_string();
        assert!(created.body["secret"].as_str().unwrap().len() >= 32);
        let listed = app.get(&format!("{family}/webhooks")).await;
        let ids: Vec<&str> = listed.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&id.as_str()), "{}", listed.body);
        // The secret is shown once only.
        assert!(listed.body["results"][0].get("secret").is_none());
        let log = app.get(&format!("{family}/webhooks/{id}/deliveries")).await;
        assert_eq!(log.status, StatusCode::OK);
        assert_eq!(log.body["results"], json!([]));
        let deleted = app.delete(&format!("{family}/webhooks/{id}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        let again = app.delete(&format!("{family}/webhooks/{id}")).await;
        assert_hubspot_error(&again, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    }
}

#[tokio::test]
async fn bad_subscriptions_get_hubspots_400_and_store_nothing() {
    let app = app().await;
    let bad = [
        json!({"targetUrl": "not a url", "events": ["export.completed"]}),
        json!({"targetUrl": "ftp://127.0.0.1/x", "events": ["export.completed"]}),
        json!({"targetUrl": "http://127.0.0.1/x", "events": ["export.exploded"]}),
        json!({"targetUrl": "http://127.0.0.1/x", "events": []}),
        json!({"targetUrl": "http://127.0.0.1/x"}),
        json!({"events": ["export.failed"]}),
        // Not allowed by this server's policy (only 127.0.0.1 besides public addresses).
        json!({"targetUrl": "http://10.0.0.1/x", "events": ["export.failed"]}),
        json!({"targetUrl": "http://localhost/x", "events": ["export.failed"]}),
        json!({"targetUrl": 7, "events": ["export.failed"]}),
    ];
    for body in bad {
        let reply = app.post("/crm/v3/exports/webhooks", body.clone()).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let listed = app.get("/crm/v3/exports/webhooks").await;
    assert_eq!(listed.body["results"], json!([]));
}

#[tokio::test]
async fn other_portals_subscriptions_are_not_found_and_the_scope_is_required() {
    let app = app().await;
    let created = app
        .post(
            "/crm/v3/exports/webhooks",
            json!({"targetUrl": "http://127.0.0.1:9/hook", "events": ["export.failed"]}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap();
    let other = app.token_for(app.portal.0 + 1, &["crm.export"]).await;
    for (method, path) in [
        (
            reqwest::Method::GET,
            format!("/crm/v3/exports/webhooks/{id}"),
        ),
        (
            reqwest::Method::GET,
            format!("/crm/v3/exports/webhooks/{id}/deliveries"),
        ),
        (
            reqwest::Method::DELETE,
            format!("/crm/v3/exports/webhooks/{id}"),
        ),
    ] {
        let reply = app.send(method, &path, Some(&other), None).await;
        assert_hubspot_error(&reply, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    }
    let listed = app
        .send(
            reqwest::Method::GET,
            "/crm/v3/exports/webhooks",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(listed.body["results"], json!([]));
    let unscoped = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let reply = app
        .send(
            reqwest::Method::GET,
            "/crm/v3/exports/webhooks",
            Some(&unscoped),
            None,
        )
        .await;
    assert_hubspot_error(&reply, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    let mine = app.get(&format!("/crm/v3/exports/webhooks/{id}")).await;
    assert_eq!(mine.status, StatusCode::OK);
}

#[tokio::test]
async fn a_finished_export_is_delivered_once_signed_and_never_to_another_portal() {
    let app = app().await;
    let receiver = Receiver::start(&[]);
    let created = subscribe(&app, &app.token, &receiver.url, &["export.completed"]).await;
    let secret = created["secret"].as_str().unwrap();
    let other = app
        .token_for(app.portal.0 + 1, &TestApp::all_scopes())
        .await;
    let other_receiver = Receiver::start(&[]);
    subscribe(&app, &other, &other_receiver.url, &["export.canceled"]).await;
    run_export(&app, &other).await;
    let export = run_export(&app, &app.token).await;
    let worker = deliverer(app.store.clone());
    let now = Clock::system().now_ms();
    assert_eq!(worker.deliver_once(now).await.unwrap(), 1);
    assert_eq!(worker.deliver_once(now + 86_400_000).await.unwrap(), 0);
    let got = receiver.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let delivery = &got[0];
    assert_eq!(
        (delivery.method.as_str(), delivery.path.as_str()),
        ("POST", "/hooks/exports")
    );
    assert_eq!(
        delivery.headers["x-hubspot-signature-v3"],
        expected_signature(secret, &receiver.url, delivery)
    );
    let body = delivery.json();
    assert_eq!(body["eventType"], "export.completed");
    assert_eq!(body["exportId"], export.as_str());
    assert_eq!(body["portalId"], app.portal.0);
    assert_eq!(body["exportState"], "DONE");
    assert_eq!(body["recordCount"], 0);
    assert!(body["eventId"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(body["occurredAt"].as_i64().is_some());
    assert_eq!(
        body["statusUrl"],
        format!("http://crm.example/crm/v3/exports/export/async/tasks/{export}/status")
    );
    // The other portal's export finished, but it subscribed to cancellations only.
    assert!(other_receiver.received().is_empty());
}

#[tokio::test]
async fn without_a_public_url_the_status_url_is_the_subscriptions_family_at_the_address_it_called()
{
    let app = app().await;
    let receiver = Receiver::start(&[]);
    for family in FAMILIES {
        subscribe_on(
            &app,
            family,
            &app.token,
            &receiver.url,
            &["export.completed"],
        )
        .await;
    }
    let export = run_export(&app, &app.token).await;
    let worker = deliverer_with(app.store.clone(), DeliveryConfig::default());
    assert_eq!(
        worker.deliver_once(Clock::system().now_ms()).await.unwrap(),
        3
    );
    let mut links: Vec<String> = receiver
        .received()
        .iter()
        .map(|got| got.json()["statusUrl"].as_str().unwrap().to_string())
        .collect();
    links.sort();
    let mut expected: Vec<String> = FAMILIES
        .iter()
        .map(|f| format!("{}{f}/export/async/tasks/{export}/status", app.base))
        .collect();
    expected.sort();
    assert_eq!(links, expected);
    // Each link is absolute and answers the export's status on its own family.
    let client = reqwest::Client::new();
    for link in links {
        let reply = client
            .get(&link)
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK, "{link}");
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["status"], "COMPLETE", "{link}");
    }
}

#[tokio::test]
async fn a_subscription_made_outside_the_api_links_the_numbered_family_at_the_servers_address() {
    let app = app().await;
    let receiver = Receiver::start(&[]);
    let events = vec![crm_exports::domain::webhook::WebhookEvent::Completed];
    let new = crm_exports::store::NewWebhook {
        target_url: receiver.url.clone(),
        events,
        secret: "s3cret".into(),
        links: crm_exports::store::StatusLinks {
            family: crm_exports::domain::webhook::NUMBERED_FAMILY.into(),
            origin: None,
        },
    };
    let now = Clock::system().now_ms();
    app.store
        .create_webhook(app.portal, new, now)
        .await
        .unwrap()
        .unwrap();
    let export = run_export(&app, &app.token).await;
    let config = DeliveryConfig {
        local_origin: Some(app.base.clone()),
        ..DeliveryConfig::default()
    };
    let worker = deliverer_with(app.store.clone(), config);
    assert_eq!(
        worker.deliver_once(Clock::system().now_ms()).await.unwrap(),
        1
    );
    assert_eq!(
        receiver.received()[0].json()["statusUrl"],
        format!(
            "{}/crm/v3/exports/export/async/tasks/{export}/status",
            app.base
        )
    );
}

#[tokio::test]
async fn a_receiver_failing_three_times_gets_the_fourth_attempt_with_the_same_event_id() {
    let app = app().await;
    let receiver = Receiver::start(&[500, 503, 404]);
    let created = subscribe(&app, &app.token, &receiver.url, &["export.completed"]).await;
    run_export(&app, &app.token).await;
    let worker = deliverer(app.store.clone());
    let mut now = Clock::system().now_ms();
    for _ in 0..4 {
        assert_eq!(worker.deliver_once(now).await.unwrap(), 1);
        // Not due again before its backoff has passed.
        assert_eq!(worker.deliver_once(now + 1).await.unwrap(), 0);
        now += 2 * 86_400_000;
    }
    assert_eq!(worker.deliver_once(now).await.unwrap(), 0);
    let got = receiver.received();
    assert_eq!(got.len(), 4);
    let ids: Vec<Value> = got.iter().map(|r| r.json()["eventId"].clone()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let id = created["id"].as_str().unwrap();
    let log = app
        .get(&format!("/crm/v3/exports/webhooks/{id}/deliveries"))
        .await;
    let delivery = &log.body["results"][0];
    assert_eq!(delivery["state"], "DELIVERED");
    assert_eq!(delivery["attemptCount"], 4);
    assert_eq!(delivery["eventId"], ids[0]);
    let codes: Vec<&Value> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["statusCode"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(503), &json!(404), &json!(200)]);
}

#[tokio::test]
async fn a_pending_delivery_survives_a_restart() {
    let app = app().await;
    let receiver = Receiver::start(&[500]);
    let created = subscribe(
        &app,
        &app.token,
        &receiver.url,
        &["export.completed", "export.failed"],
    )
    .await;
    run_export(&app, &app.token).await;
    let now = Clock::system().now_ms();
    assert_eq!(
        deliverer(app.store.clone())
            .deliver_once(now)
            .await
            .unwrap(),
        1
    );
    // A new process: the database reopened from its file, nothing kept in memory.
    let reopened: SharedStore = server::open_store(app.data_dir()).expect("the store reopens");
    let restarted = deliverer(reopened);
    assert_eq!(restarted.deliver_once(now + 86_400_000).await.unwrap(), 1);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].json()["eventId"], got[1].json()["eventId"]);
    let id = created["id"].as_str().unwrap();
    let log = app
        .get(&format!("/crm/v3/exports/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(log.body["results"][0]["state"], "DELIVERED");
    assert_eq!(log.body["results"].as_array().unwrap().len(), 1);
}
