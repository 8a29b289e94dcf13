//! Watches the exports table every 20 ms for the rule HubSpot keeps and the claim must
//! hold across processes: a portal never has two exports PROCESSING at once. It keeps
//! watching through a PostgreSQL restart by reconnecting, and counts what it saw, so the
//! test can tell that it watched while exports were running.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Mutex;

#[derive(Debug, Default)]
pub struct Seen {
    /// Polls that found at least one export PROCESSING.
    pub busy_polls: u64,
    /// Each `(portal, exports PROCESSING)` seen with more than one.
    pub violations: Vec<(i64, i64)>,
}

pub struct ProcessingWatch {
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl ProcessingWatch {
    pub fn start(database_url: &str) -> ProcessingWatch {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let url = database_url.to_owned();
        let task = tokio::spawn({
            let (seen, stop) = (seen.clone(), stop.clone());
            async move {
                while !stop.load(Ordering::Relaxed) {
                    // Returns when the connection fails (a restart); then connect again.
                    watch_one_connection(&url, &seen, &stop).await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        ProcessingWatch { seen, stop, task }
    }

    pub async fn finish(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        std::mem::take(&mut *self.seen.lock().await)
    }
}

async fn watch_one_connection(url: &str, seen: &Mutex<Seen>, stop: &AtomicBool) {
    let Ok((client, connection)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await else {
        return;
    };
    tokio::spawn(connection);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    while !stop.load(Ordering::Relaxed) {
        every.tick().await;
        let Ok(rows) = client
            .query(
                "SELECT portal_id, COUNT(*) FROM exports WHERE state = 'PROCESSING' \
                 GROUP BY portal_id",
                &[],
            )
            .await
        else {
            return;
        };
        let mut seen = seen.lock().await;
        if !rows.is_empty() {
            seen.busy_polls += 1;
        }
        for row in rows {
            let (portal, processing): (i64, i64) = (row.get(0), row.get(1));
            if processing > 1 {
                seen.violations.push((portal, processing));
            }
        }
    }
}
