//! Wake-ups across processes: on PostgreSQL, creating an export sends a NOTIFY that wakes
//! every process LISTENing for it at once, without waiting for their polling.
//! SQLite has no such channel (its API wakes its own workers), so this runs on PostgreSQL
//! only.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crm_exports::store::SharedStore;

use crate::fixtures::{NOW, export_request, portal, queue_export};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
async fn a_new_export_wakes_the_workers_of_another_process() {
    crate::backends::run_on_postgres(a_new_export_wakes_listening_workers).await;
}

async fn a_new_export_wakes_listening_workers(store: SharedStore) {
    let portal = portal(&store).await;
    let wake = Arc::new(Notify::new());
    let listening = wake.notified();
    tokio::pin!(listening);
    listening.as_mut().enable();
    store.forward_export_wakeups(wake.clone());
    // The listener wakes everyone once when it starts listening.
    tokio::time::timeout(Duration::from_secs(10), listening)
        .await
        .expect("the listener starts");
    let woken = wake.notified();
    tokio::pin!(woken);
    woken.as_mut().enable();
    queue_export(&store, portal, &export_request("wake up"), NOW).await;
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("creating an export wakes the listening workers");
}
