//! Completion webhooks: subscriptions per portal, deliveries written with the export's
//! state change (one per subscribed event, none for other portals or other events), the
//! claim of due deliveries under a lease, retries keeping the event id, fencing of a
//! worker whose claim was taken over, and the retention sweep of the delivery log.

use crm_exports::domain::webhook::WebhookEvent;
use crm_exports::store::{
    AttemptResult, CutText, DeliveryState, ExportOutcome, NewWebhook, NextStep, PortalId,
    SharedStore, StatusLinks,
};

use crate::contract_tests;
use crate::fixtures::{NOW, export_request, portal, queue_export};

const LEASE: i64 = 30_000;

contract_tests!(
    subscriptions_belong_to_their_portal,
    a_finished_export_writes_one_delivery_per_subscribed_event,
    a_canceled_export_writes_a_canceled_delivery_and_a_retry_writes_none,
    a_claimed_delivery_is_leased_and_its_retry_keeps_the_event_id,
    a_worker_whose_claim_was_taken_over_records_nothing,
    deleting_a_subscription_drops_its_pending_deliveries,
    retention_deletes_ended_deliveries_and_keeps_those_being_retried,
);

async fn subscribe(store: &SharedStore, portal: PortalId, events: &[WebhookEvent]) -> i64 {
    let new = NewWebhook {
        target_url: "https://hooks.example.com/exports".into(),
        events: events.to_vec(),
        secret: "s3cret".into(),
        links: StatusLinks {
            family: "/crm/exports/2026-03".into(),
            origin: Some("http://crm.example:8080".into()),
        },
    };
    store
        .create_webhook(portal, new, NOW)
        .await
        .unwrap()
        .expect("room for a subscription")
        .id
}

/// Queues an export, claims it and records `outcome`; returns its id.
async fn finished_export(store: &SharedStore, portal: PortalId, outcome: ExportOutcome) -> i64 {
    let row = queue_export(store, portal, &export_request("Hooked"), NOW).await;
    let claimed = store
        .claim_export("w", NOW, LEASE, 3)
        .await
        .unwrap()
        .expect("a due export");
    assert_eq!(claimed.id, row.id);
    assert!(
        store
            .finish_export(row.id, claimed.attempt, outcome, NOW + 10)
            .await
            .unwrap()
    );
    row.id
}

fn done() -> ExportOutcome {
    ExportOutcome::Done {
        record_count: 7,
        file_key: "export-1.csv".into(),
        file_size: 70,
        cut: CutText::default(),
    }
}

fn failed_with(status: i64, next: NextStep) -> AttemptResult {
    AttemptResult {
        status_code: Some(status),
        error: Some(format!("the receiver answered {status}")),
        next,
    }
}

async fn subscriptions_belong_to_their_portal(store: SharedStore) {
    let mine = portal(&store).await;
    let other = portal(&store).await;
    let id = subscribe(&store, mine, &[WebhookEvent::Completed]).await;
    let listed = store.list_webhooks(mine).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].events, vec!["export.completed"]);
    assert_eq!(listed[0].secret, "s3cret");
    assert_eq!(listed[0].links.family, "/crm/exports/2026-03");
    assert!(store.list_webhooks(other).await.unwrap().is_empty());
    assert!(store.get_webhook(other, id).await.unwrap().is_none());
    assert!(
        store
            .webhook_deliveries(other, id, 10)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.delete_webhook(other, id).await.unwrap());
    assert!(store.get_webhook(mine, id).await.unwrap().is_some());
    assert!(store.delete_webhook(mine, id).await.unwrap());
    assert!(store.get_webhook(mine, id).await.unwrap().is_none());
}

async fn a_finished_export_writes_one_delivery_per_subscribed_event(store: SharedStore) {
    let mine = portal(&store).await;
    let other = portal(&store).await;
    let completed = subscribe(&store, mine, &[WebhookEvent::Completed]).await;
    let failed_only = subscribe(&store, mine, &[WebhookEvent::Failed]).await;
    let elsewhere = subscribe(&store, other, &WebhookEvent::ALL).await;
    let export = finished_export(&store, mine, done()).await;
    let log = store
        .webhook_deliveries(mine, completed, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log.len(), 1);
    let delivery = &log[0];
    assert_eq!(delivery.export_id, export);
    assert_eq!(delivery.event_type, "export.completed");
    assert_eq!(delivery.export_state, "DONE");
    assert_eq!(delivery.record_count, Some(7));
    assert_eq!(delivery.state, DeliveryState::Pending);
    assert_eq!(delivery.next_attempt_at, Some(NOW + 10));
    let log_of = |portal, id| store.webhook_deliveries(portal, id, 10);
    assert!(log_of(mine, failed_only).await.unwrap().unwrap().is_empty());
    assert!(log_of(other, elsewhere).await.unwrap().unwrap().is_empty());
}

async fn a_canceled_export_writes_a_canceled_delivery_and_a_retry_writes_none(store: SharedStore) {
    let mine = portal(&store).await;
    let id = subscribe(&store, mine, &WebhookEvent::ALL).await;
    let retried = ExportOutcome::Retry {
        error: "busy".into(),
        run_at: NOW + 1000,
    };
    let export = finished_export(&store, mine, retried).await;
    assert!(
        store
            .webhook_deliveries(mine, id, 10)
            .await
            .unwrap()
            .unwrap()
            .is_empty()
    );
    store.cancel_export(mine, export, NOW + 20).await.unwrap();
    // Canceling again changes nothing and announces nothing.
    store.cancel_export(mine, export, NOW + 30).await.unwrap();
    let log = store
        .webhook_deliveries(mine, id, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].event_type, "export.canceled");
    assert_eq!(log[0].export_state, "CANCELED");
}

async fn a_claimed_delivery_is_leased_and_its_retry_keeps_the_event_id(store: SharedStore) {
    let mine = portal(&store).await;
    let id = subscribe(&store, mine, &[WebhookEvent::Completed]).await;
    finished_export(&store, mine, done()).await;
    let now = NOW + 100;
    let claimed = store.claim_deliveries(now, LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let first = &claimed[0];
    assert_eq!(first.delivery.attempts, 1);
    assert_eq!(first.target_url, "https://hooks.example.com/exports");
    assert_eq!(first.secret, "s3cret");
    // The claim carries where the subscription's status links point.
    assert_eq!(first.links.family, "/crm/exports/2026-03");
    assert_eq!(
        first.links.origin.as_deref(),
        Some("http://crm.example:8080")
    );
    // Under its lease, nobody else gets it.
    assert!(
        store
            .claim_deliveries(now + 1, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let retry = failed_with(500, NextStep::RetryAt(now + 5_000));
    assert!(
        store
            .record_delivery_attempt(first.delivery.id, 1, retry, now + 2)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_deliveries(now + 4_999, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .claim_deliveries(now + 5_000, LEASE, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].delivery.attempts, 2);
    assert_eq!(again[0].delivery.event_id, first.delivery.event_id);
    let delivered = AttemptResult {
        status_code: Some(204),
        error: None,
        next: NextStep::Delivered,
    };
    assert!(
        store
            .record_delivery_attempt(first.delivery.id, 2, delivered, now + 5_001)
            .await
            .unwrap()
    );
    let log = store
        .webhook_deliveries(mine, id, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log[0].state, DeliveryState::Delivered);
    assert_eq!(log[0].next_attempt_at, None);
    let codes: Vec<_> = log[0].log.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, vec![Some(500), Some(204)]);
    assert!(
        store
            .claim_deliveries(now + 99_999, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_worker_whose_claim_was_taken_over_records_nothing(store: SharedStore) {
    let mine = portal(&store).await;
    let id = subscribe(&store, mine, &[WebhookEvent::Completed]).await;
    finished_export(&store, mine, done()).await;
    let first = store.claim_deliveries(NOW + 100, LEASE, 10).await.unwrap();
    let delivery = first[0].delivery.id;
    // The first worker stalls past its lease; another claims the delivery.
    let second = store
        .claim_deliveries(NOW + 100 + LEASE, LEASE, 10)
        .await
        .unwrap();
    assert_eq!(second[0].delivery.attempts, 2);
    let late = failed_with(500, NextStep::GiveUp);
    assert!(
        !store
            .record_delivery_attempt(delivery, 1, late, NOW + 200 + LEASE)
            .await
            .unwrap()
    );
    let log = store
        .webhook_deliveries(mine, id, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log[0].state, DeliveryState::Pending);
    assert!(log[0].log.is_empty());
}

async fn deleting_a_subscription_drops_its_pending_deliveries(store: SharedStore) {
    let mine = portal(&store).await;
    let id = subscribe(&store, mine, &[WebhookEvent::Completed]).await;
    finished_export(&store, mine, done()).await;
    assert!(store.delete_webhook(mine, id).await.unwrap());
    assert!(
        store
            .claim_deliveries(NOW + 100, LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn retention_deletes_ended_deliveries_and_keeps_those_being_retried(store: SharedStore) {
    let mine = portal(&store).await;
    let id = subscribe(&store, mine, &[WebhookEvent::Completed]).await;
    finished_export(&store, mine, done()).await;
    finished_export(&store, mine, done()).await;
    let claimed = store.claim_deliveries(NOW + 100, LEASE, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let delivered = AttemptResult {
        status_code: Some(200),
        error: None,
        next: NextStep::Delivered,
    };
    let retried = failed_with(503, NextStep::RetryAt(NOW + 86_400_000));
    let (ended, pending) = (claimed[0].delivery.id, claimed[1].delivery.id);
    for (delivery, result) in [(ended, delivered), (pending, retried)] {
        assert!(
            store
                .record_delivery_attempt(delivery, 1, result, NOW + 200)
                .await
                .unwrap()
        );
    }
    // A sweep that keeps what ended at NOW + 200 removes nothing.
    store.delete_exports_before(NOW + 200).await.unwrap();
    let kept = store
        .webhook_deliveries(mine, id, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.len(), 2);
    store.delete_exports_before(NOW + 201).await.unwrap();
    let left = store
        .webhook_deliveries(mine, id, 10)
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<i64> = left.iter().map(|d| d.id).collect();
    assert_eq!(
        ids,
        vec![pending],
        "only the delivery still being retried is kept"
    );
    assert_eq!(left[0].log.len(), 1, "its attempts are kept with it");
}
