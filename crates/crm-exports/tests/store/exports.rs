//! The export queue: claims (oldest due first, one at a time per portal, even when many
//! workers claim at once), leases and their renewal, fencing, reclaim of expired leases,
//! retries, cancel, the quota count, retention, and the connection pool the metrics read.

use std::collections::HashSet;

use crm_exports::domain::ObjectType;
use crm_exports::domain::export::ExportState;
use crm_exports::store::{
    CutText, ExportLogPage, ExportOutcome, ExportQuota, ExportRow, PortalId, SharedStore,
};

use crate::contract_tests;
use crate::fixtures::{NOW, export_request, portal, queue_export};

const LEASE: i64 = 30_000;
const MAX_ATTEMPTS: i64 = 3;

contract_tests!(
    an_export_is_stored_and_visible_only_to_its_portal,
    the_oldest_due_export_is_claimed_first,
    a_portal_runs_one_export_at_a_time,
    concurrent_claims_never_run_two_exports_of_one_portal,
    a_lost_lease_fences_the_old_worker_out,
    progress_is_recorded_for_the_current_attempt_only,
    the_expected_count_is_recorded_for_the_current_attempt_only,
    an_export_interrupted_too_often_fails,
    a_retry_waits_until_its_time,
    a_canceled_export_is_never_claimed_and_stops_its_worker,
    the_quota_counts_exports_requested_since_a_time,
    the_text_a_finished_file_cut_is_kept_with_the_export,
    the_export_log_pages_a_portals_exports_newest_first_with_filters,
    retention_deletes_only_finished_exports_older_than_the_cutoff,
    the_pool_reports_the_connections_it_keeps,
);

async fn enqueue(store: &SharedStore, portal: PortalId, name: &str, at: i64) -> ExportRow {
    queue_export(store, portal, &export_request(name), at).await
}

async fn claim(store: &SharedStore, worker: &str, now: i64) -> Option<ExportRow> {
    store
        .claim_export(worker, now, LEASE, MAX_ATTEMPTS)
        .await
        .unwrap()
}

fn done(rows: i64) -> ExportOutcome {
    ExportOutcome::Done {
        record_count: rows,
        file_key: format!("exports/{rows}.csv"),
        file_size: rows * 10,
        cut: CutText::default(),
    }
}

async fn an_export_is_stored_and_visible_only_to_its_portal(store: SharedStore) {
    let portal = portal(&store).await;
    let other = crate::fixtures::portal(&store).await;
    let row = enqueue(&store, portal, "Everything", NOW).await;
    assert_eq!(row.state, ExportState::Enqueued);
    assert_eq!(row.portal, portal);
    assert_eq!(row.attempt, 0);
    assert_eq!(row.request, export_request("Everything"));
    assert_eq!((row.requested_at, row.updated_at), (NOW, NOW));
    assert_eq!(row.started_at, None);
    assert_eq!(
        store.get_export(portal, row.id).await.unwrap().as_deref(),
        Some(&row)
    );
    assert_eq!(store.get_export(other, row.id).await.unwrap(), None);
    assert_eq!(
        store.get_export_by_id(row.id).await.unwrap(),
        Some(row.clone())
    );
    assert_eq!(store.get_export_by_id(row.id + 1000).await.unwrap(), None);
}

async fn the_oldest_due_export_is_claimed_first(store: SharedStore) {
    let a = portal(&store).await;
    let b = crate::fixtures::portal(&store).await;
    let later = enqueue(&store, a, "later", NOW + 10).await;
    let first = enqueue(&store, b, "first", NOW).await;
    assert!(
        claim(&store, "w1", NOW - 1).await.is_none(),
        "nothing is due yet"
    );
    let claimed = claim(&store, "w1", NOW + 20).await.unwrap();
    assert_eq!(claimed.id, first.id);
    assert_eq!(claimed.state, ExportState::Processing);
    assert_eq!(claimed.attempt, 1);
    assert_eq!(claimed.started_at, Some(NOW + 20));
    assert_eq!(claim(&store, "w2", NOW + 20).await.unwrap().id, later.id);
    assert!(claim(&store, "w3", NOW + 20).await.is_none());
}

async fn a_portal_runs_one_export_at_a_time(store: SharedStore) {
    let a = portal(&store).await;
    let b = crate::fixtures::portal(&store).await;
    let a1 = enqueue(&store, a, "a1", NOW).await;
    let a2 = enqueue(&store, a, "a2", NOW + 1).await;
    let b1 = enqueue(&store, b, "b1", NOW + 2).await;
    let running = claim(&store, "w1", NOW + 5).await.unwrap();
    assert_eq!(running.id, a1.id);
    // a2 waits for a1; b's export goes ahead of it.
    assert_eq!(claim(&store, "w2", NOW + 5).await.unwrap().id, b1.id);
    assert!(claim(&store, "w3", NOW + 5).await.is_none());
    assert!(
        store
            .finish_export(a1.id, 1, done(3), NOW + 6)
            .await
            .unwrap()
    );
    assert_eq!(claim(&store, "w3", NOW + 7).await.unwrap().id, a2.id);
}

async fn concurrent_claims_never_run_two_exports_of_one_portal(store: SharedStore) {
    let mut portals = Vec::new();
    for _ in 0..3 {
        let p = portal(&store).await;
        for n in 0..3 {
            enqueue(&store, p, &format!("e{n}"), NOW + n).await;
        }
        portals.push(p);
    }
    let claims: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .claim_export(&format!("w{n}"), NOW + 100, LEASE, MAX_ATTEMPTS)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for c in claims {
        if let Some(row) = c.await.unwrap() {
            claimed.push(row);
        }
    }
    let mut busy: HashSet<PortalId> = claimed.iter().map(|r| r.portal).collect();
    assert_eq!(
        busy.len(),
        claimed.len(),
        "a portal got two exports at once: {claimed:?}"
    );
    // Skipped rows come back to the next claim: every portal gets its export.
    while let Some(row) = claim(&store, "sweeper", NOW + 100).await {
        assert!(
            busy.insert(row.portal),
            "portal {:?} claimed twice",
            row.portal
        );
        claimed.push(row);
    }
    assert_eq!(claimed.len(), 3);
    for row in &claimed {
        assert_eq!(
            row.request.export_name, "e0",
            "not the oldest export of its portal"
        );
    }
}

async fn progress_is_recorded_for_the_current_attempt_only(store: SharedStore) {
    let portal = portal(&store).await;
    let export = enqueue(&store, portal, "counted", NOW).await;
    claim(&store, "w1", NOW).await.unwrap();
    let rows = |store: SharedStore| async move {
        store
            .get_export(portal, export.id)
            .await
            .unwrap()
            .unwrap()
            .record_count
    };
    assert_eq!(rows(store.clone()).await, None);
    store
        .report_export_progress(export.id, 1, 5_000)
        .await
        .unwrap();
    assert_eq!(rows(store.clone()).await, Some(5_000));
    // The lease runs out; the next attempt starts from nothing and the old one is ignored.
    let second = claim(&store, "w2", NOW + LEASE + 1).await.unwrap();
    assert_eq!(second.attempt, 2);
    assert_eq!(rows(store.clone()).await, None);
    store
        .report_export_progress(export.id, 1, 9_000)
        .await
        .unwrap();
    assert_eq!(rows(store.clone()).await, None);
    store
        .report_export_progress(export.id, 2, 100)
        .await
        .unwrap();
    assert_eq!(rows(store.clone()).await, Some(100));
}

async fn the_expected_count_is_recorded_for_the_current_attempt_only(store: SharedStore) {
    let portal = portal(&store).await;
    let export = enqueue(&store, portal, "to count", NOW).await;
    let expected = |store: SharedStore| async move {
        store
            .get_export(portal, export.id)
            .await
            .unwrap()
            .unwrap()
            .expected_record_count
    };
    assert_eq!(expected(store.clone()).await, None);
    claim(&store, "w1", NOW).await.unwrap();
    store
        .report_expected_record_count(export.id, 1, 42)
        .await
        .unwrap();
    assert_eq!(expected(store.clone()).await, Some(42));
    // A new attempt counts again; the old attempt's word no longer counts.
    claim(&store, "w2", NOW + LEASE + 1).await.unwrap();
    assert_eq!(expected(store.clone()).await, None);
    store
        .report_expected_record_count(export.id, 1, 7)
        .await
        .unwrap();
    assert_eq!(expected(store.clone()).await, None);
    store
        .report_expected_record_count(export.id, 2, 43)
        .await
        .unwrap();
    assert_eq!(expected(store.clone()).await, Some(43));
}

async fn a_lost_lease_fences_the_old_worker_out(store: SharedStore) {
    let portal = portal(&store).await;
    let export = enqueue(&store, portal, "slow", NOW).await;
    let first = claim(&store, "w1", NOW).await.unwrap();
    assert!(
        !store
            .renew_export_lease(export.id, 2, NOW + 1, LEASE)
            .await
            .unwrap()
    );
    assert!(
        store
            .renew_export_lease(export.id, 1, NOW + 10_000, LEASE)
            .await
            .unwrap()
    );
    // The renewed lease holds past the first deadline.
    assert!(claim(&store, "w2", NOW + LEASE + 1).await.is_none());
    let expired = NOW + 10_000 + LEASE;
    let second = claim(&store, "w2", expired).await.unwrap();
    assert_eq!((second.id, second.attempt), (export.id, 2));
    assert_eq!(second.started_at, first.started_at);
    // The first worker's writes are refused and change nothing.
    assert!(
        !store
            .renew_export_lease(export.id, 1, expired, LEASE)
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_export(export.id, 1, done(1), expired)
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_export(export.id, 2, done(250), expired + 5)
            .await
            .unwrap()
    );
    let finished = store.get_export(portal, export.id).await.unwrap().unwrap();
    assert_eq!(finished.state, ExportState::Done);
    assert_eq!(finished.record_count, Some(250));
    assert_eq!(finished.file_key.as_deref(), Some("exports/250.csv"));
    assert_eq!(finished.file_size, Some(2_500));
    assert_eq!(finished.completed_at, Some(expired + 5));
    assert!(
        !store
            .finish_export(export.id, 2, done(9), expired + 6)
            .await
            .unwrap()
    );
    assert!(claim(&store, "w3", expired + LEASE * 10).await.is_none());
}

async fn an_export_interrupted_too_often_fails(store: SharedStore) {
    let portal = portal(&store).await;
    let export = enqueue(&store, portal, "crashy", NOW).await;
    let mut now = NOW;
    for attempt in 1..=MAX_ATTEMPTS {
        let row = claim(&store, "w", now).await.unwrap();
        assert_eq!(row.attempt, attempt);
        now += LEASE;
    }
    assert!(claim(&store, "w", now).await.is_none());
    let failed = store.get_export(portal, export.id).await.unwrap().unwrap();
    assert_eq!(failed.state, ExportState::Failed);
    assert!(failed.last_error.is_some());
    assert_eq!(failed.completed_at, Some(now));
    // The portal is free for its next export.
    let next = enqueue(&store, portal, "next", now).await;
    assert_eq!(claim(&store, "w", now).await.unwrap().id, next.id);
}

async fn a_retry_waits_until_its_time(store: SharedStore) {
    let portal = portal(&store).await;
    let export = enqueue(&store, portal, "flaky", NOW).await;
    claim(&store, "w", NOW).await.unwrap();
    let retry = ExportOutcome::Retry {
        error: "storage busy".into(),
        run_at: NOW + 60_000,
    };
    assert!(
        store
            .finish_export(export.id, 1, retry, NOW + 1)
            .await
            .unwrap()
    );
    let waiting = store.get_export(portal, export.id).await.unwrap().unwrap();
    assert_eq!(waiting.state, ExportState::Enqueued);
    assert_eq!(waiting.last_error.as_deref(), Some("storage busy"));
    assert!(claim(&store, "w", NOW + 59_999).await.is_none());
    let again = claim(&store, "w", NOW + 60_000).await.unwrap();
    assert_eq!((again.id, again.attempt), (export.id, 2));
    let failed = ExportOutcome::Failed {
        error: "bad request".into(),
    };
    assert!(
        store
            .finish_export(export.id, 2, failed, NOW + 60_001)
            .await
            .unwrap()
    );
    let row = store.get_export(portal, export.id).await.unwrap().unwrap();
    assert_eq!(row.state, ExportState::Failed);
    assert_eq!(row.last_error.as_deref(), Some("bad request"));
}

async fn a_canceled_export_is_never_claimed_and_stops_its_worker(store: SharedStore) {
    let portal = portal(&store).await;
    let queued = enqueue(&store, portal, "queued", NOW).await;
    let canceled = store
        .cancel_export(portal, queued.id, NOW + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(canceled.state, ExportState::Canceled);
    assert_eq!(canceled.completed_at, Some(NOW + 1));
    assert!(claim(&store, "w", NOW + 2).await.is_none());
    let running = enqueue(&store, portal, "running", NOW + 3).await;
    claim(&store, "w", NOW + 3).await.unwrap();
    store
        .cancel_export(portal, running.id, NOW + 4)
        .await
        .unwrap();
    assert!(
        !store
            .renew_export_lease(running.id, 1, NOW + 5, LEASE)
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_export(running.id, 1, done(1), NOW + 5)
            .await
            .unwrap()
    );
    // Canceling a finished export changes nothing; another portal cannot cancel it.
    let again = store
        .cancel_export(portal, running.id, NOW + 9)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.completed_at, Some(NOW + 4));
    let other = crate::fixtures::portal(&store).await;
    assert!(
        store
            .cancel_export(other, running.id, NOW + 9)
            .await
            .unwrap()
            .is_none()
    );
}

async fn the_quota_counts_exports_requested_since_a_time(store: SharedStore) {
    let portal = portal(&store).await;
    let other = crate::fixtures::portal(&store).await;
    for at in [NOW, NOW + 10, NOW + 20] {
        enqueue(&store, portal, "q", at).await;
    }
    enqueue(&store, other, "q", NOW + 20).await;
    let start = |since: i64, max: u64| {
        let store = store.clone();
        async move {
            let quota = ExportQuota { since, max };
            store
                .create_export_within_quota(portal, &export_request("q"), NOW + 30, quota)
                .await
                .unwrap()
        }
    };
    // Three exports since NOW fill a quota of three; the refused start stores nothing.
    assert!(start(NOW, 3).await.is_none());
    assert_eq!(listed(&store, portal, log_page(None, 10)).await.len(), 3);
    // None since NOW + 21 (the other portal's export does not count): room for one.
    assert!(start(NOW + 21, 1).await.is_some());
    // NOW + 10, NOW + 20 and the one just started fill three again; from NOW + 11 two do.
    assert!(start(NOW + 10, 3).await.is_none());
    assert!(start(NOW + 11, 3).await.is_some());
    assert_eq!(listed(&store, portal, log_page(None, 10)).await.len(), 5);
}

async fn the_text_a_finished_file_cut_is_kept_with_the_export(store: SharedStore) {
    let portal = portal(&store).await;
    let export = enqueue(&store, portal, "long notes", NOW).await;
    let running = claim(&store, "w", NOW + 1).await.unwrap();
    assert_eq!(running.cut, CutText::default());
    let cut = CutText {
        cells: 3,
        properties: vec!["notes".into(), "Associated Company IDs".into()],
    };
    let outcome = ExportOutcome::Done {
        record_count: 5,
        file_key: "exports/long.xlsx".into(),
        file_size: 50,
        cut: cut.clone(),
    };
    assert!(
        store
            .finish_export(running.id, running.attempt, outcome, NOW + 2)
            .await
            .unwrap()
    );
    let finished = store.get_export(portal, export.id).await.unwrap().unwrap();
    assert_eq!(finished.cut, cut);
    // The export log reads the same columns.
    let logged = store.list_exports(portal, log_page(None, 1)).await.unwrap();
    assert_eq!(logged[0].cut, cut);
}

fn log_page(before: Option<i64>, limit: usize) -> ExportLogPage {
    ExportLogPage {
        before,
        states: vec![],
        object: None,
        limit,
    }
}

async fn listed(store: &SharedStore, portal: PortalId, page: ExportLogPage) -> Vec<String> {
    let rows = store.list_exports(portal, page).await.unwrap();
    rows.iter().map(|r| r.request.export_name.clone()).collect()
}

async fn the_export_log_pages_a_portals_exports_newest_first_with_filters(store: SharedStore) {
    let portal = portal(&store).await;
    let other = crate::fixtures::portal(&store).await;
    let mut companies = export_request("companies");
    companies.object_type = ObjectType::Companies;
    let first = enqueue(&store, portal, "first", NOW).await;
    let company = queue_export(&store, portal, &companies, NOW + 1).await;
    let third = enqueue(&store, portal, "third", NOW + 2).await;
    enqueue(&store, other, "another portal's", NOW + 3).await;
    claim(&store, "w", NOW + 4).await.unwrap();
    store
        .finish_export(first.id, 1, done(7), NOW + 5)
        .await
        .unwrap();
    store
        .cancel_export(portal, third.id, NOW + 6)
        .await
        .unwrap();

    let everything = store
        .list_exports(portal, log_page(None, 10))
        .await
        .unwrap();
    let names: Vec<&str> = everything
        .iter()
        .map(|r| r.request.export_name.as_str())
        .collect();
    assert_eq!(names, ["third", "companies", "first"]);
    assert_eq!(everything[2].record_count, Some(7));
    assert_eq!(everything[2].state, ExportState::Done);

    assert_eq!(
        listed(&store, portal, log_page(None, 2)).await,
        ["third", "companies"]
    );
    assert_eq!(
        listed(&store, portal, log_page(Some(company.id), 2)).await,
        ["first"]
    );
    assert!(
        listed(&store, portal, log_page(Some(first.id), 2))
            .await
            .is_empty()
    );

    let done_or_canceled = ExportLogPage {
        states: vec![ExportState::Done, ExportState::Canceled],
        ..log_page(None, 10)
    };
    assert_eq!(
        listed(&store, portal, done_or_canceled).await,
        ["third", "first"]
    );
    let of_companies = ExportLogPage {
        object: Some(ObjectType::Companies),
        ..log_page(None, 10)
    };
    assert_eq!(listed(&store, portal, of_companies).await, ["companies"]);
    let queued_contacts = ExportLogPage {
        states: vec![ExportState::Enqueued],
        object: Some(ObjectType::Contacts),
        ..log_page(None, 10)
    };
    assert!(listed(&store, portal, queued_contacts).await.is_empty());
    assert_eq!(
        listed(&store, other, log_page(None, 10)).await,
        ["another portal's"]
    );
}

async fn retention_deletes_only_finished_exports_older_than_the_cutoff(store: SharedStore) {
    let portal = portal(&store).await;
    let old_done = enqueue(&store, portal, "old done", NOW).await;
    claim(&store, "w", NOW).await.unwrap();
    store
        .finish_export(old_done.id, 1, done(5), NOW + 1)
        .await
        .unwrap();
    let old_queued = enqueue(&store, portal, "old queued", NOW + 2).await;
    let old_canceled = enqueue(&store, portal, "old canceled", NOW + 3).await;
    store
        .cancel_export(portal, old_canceled.id, NOW + 3)
        .await
        .unwrap();
    let recent = enqueue(&store, portal, "recent", NOW + 1_000).await;
    store
        .cancel_export(portal, recent.id, NOW + 1_000)
        .await
        .unwrap();
    let deleted = store.delete_exports_before(NOW + 500).await.unwrap();
    // The order of the deleted rows is not part of the contract.
    let mut deleted_ids: Vec<i64> = deleted.iter().map(|r| r.id).collect();
    deleted_ids.sort();
    assert_eq!(deleted_ids, vec![old_done.id, old_canceled.id]);
    let with_file = deleted.iter().find(|r| r.id == old_done.id).unwrap();
    assert_eq!(with_file.file_key.as_deref(), Some("exports/5.csv"));
    assert!(
        store
            .get_export(portal, old_done.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .get_export(portal, old_queued.id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.get_export(portal, recent.id).await.unwrap().is_some());
    assert!(
        store
            .delete_exports_before(NOW + 500)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_pool_reports_the_connections_it_keeps(store: SharedStore) {
    let mine = portal(&store).await;
    enqueue(&store, mine, "Pooled", NOW).await;
    assert_eq!(store.count_queued_exports().await.unwrap(), 1);
    // Between calls nothing runs: every connection the store keeps is idle, and a read has
    // left at least one to reuse.
    let pool = store.connection_pool_use();
    assert_eq!(pool.in_use, 0, "{pool:?}");
    assert_eq!(pool.waiting, 0, "{pool:?}");
    assert!(pool.idle >= 1, "{pool:?}");
    if let Some(max) = pool.max {
        assert!(pool.idle <= max, "{pool:?}");
    }
}
