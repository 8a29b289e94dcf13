//! [`RestoreGate`]: what keeps a snapshot's restore (or save) from meeting any other work.
//! API requests and export steps each hold a pass while they run; a restore first says it
//! is coming (export workers then claim nothing and abandon the attempt they run at their
//! next heartbeat, and new requests queue behind it), then waits for the passes held to
//! end, runs alone, and lets everything go on over the restored store. So no request sees a
//! half-restored store, and no worker writes into one. Imports nothing of ours.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{RwLock, RwLockReadGuard};

/// How long a request waits for a restore to end before it is answered 503.
pub const REQUEST_WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct RestoreGate {
    lock: RwLock<()>,
    /// Restores asking for the gate or running (each from the moment it asks until it is
    /// done, or dropped).
    restoring: AtomicUsize,
}

/// Counts one restore for as long as it lives, so a restore whose request is dropped
/// midway (a timeout, a client gone) still ends the pause.
struct Restoring<'g>(&'g AtomicUsize);

impl Drop for Restoring<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Held by a request or an export step while it runs.
pub type Pass<'g> = RwLockReadGuard<'g, ()>;

impl RestoreGate {
    /// A pass once no restore runs or waits, waiting at most `wait`; `None` after that.
    pub async fn enter(&self, wait: Duration) -> Option<Pass<'_>> {
        tokio::time::timeout(wait, self.lock.read()).await.ok()
    }

    /// Whether a restore runs or waits to run: work in progress should give up.
    pub fn is_restoring(&self) -> bool {
        self.restoring.load(Ordering::Acquire) > 0
    }

    /// Runs `work` alone: once every pass is given back, with no new one handed out until
    /// it is done.
    pub async fn alone<T>(&self, work: impl Future<Output = T>) -> T {
        self.restoring.fetch_add(1, Ordering::AcqRel);
        let _restoring = Restoring(&self.restoring);
        let _alone = self.lock.write().await;
        work.await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_alone_waits_for_passes_held_and_holds_new_ones_back() {
        let gate = std::sync::Arc::new(RestoreGate::default());
        let pass = gate.enter(Duration::from_secs(1)).await.unwrap();
        let alone = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.alone(async { 7 }).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(gate.is_restoring());
        assert!(!alone.is_finished(), "it waits for the pass");
        drop(pass);
        assert_eq!(alone.await.unwrap(), 7);
        assert!(!gate.is_restoring());

        let held = gate.lock.write().await;
        assert!(gate.enter(Duration::from_millis(20)).await.is_none());
        drop(held);
        assert!(gate.enter(Duration::from_millis(20)).await.is_some());
    }
}
