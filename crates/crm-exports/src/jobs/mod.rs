//! The export runner: claim the next due export under a lease, run one attempt at it in
//! phases (`attempt.rs`: select, read, render and write, heartbeat, publish), and record
//! the outcome fenced on the lease, with failures retried by a [`RetryPolicy`]. `run_once`
//! is the testable step and takes the time it runs at; `work` loops it until shutdown,
//! reading the service's clock once per step. Depends on the store's export queue and
//! record stream only; imports `domain`, `store`, `blob`, `formats`, the clock and the fault
//! registry (a fault the admin API left for a portal's next export) and the restore gate
//! (a snapshot's restore pauses the workers), never the API.

pub mod associated;
mod attempt;
pub mod delivery;
mod file;
mod injected;
pub mod leftovers;
pub mod memory;
mod outcome_report;
pub mod render;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tracing::Instrument;

pub use self::attempt::JobError;
use self::attempt::{Attempt, Failure};
pub use self::retry::RetryPolicy;
use crate::blob::Blobs;
use crate::clock::Clock;
use crate::domain::export::ExportState;
use crate::faults::{Faults, RowPace};
use crate::restore_gate::{REQUEST_WAIT, RestoreGate};
use crate::store::{ExportOutcome, ExportQueue, ExportRow, RecordStream, with_causes as detail};

#[derive(Clone, Debug)]
pub struct ExportConfig {
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// Claims before an export that keeps failing or losing its worker is failed.
    pub max_attempts: i64,
    /// Data rows per part; `None` uses the format's limit (1,000,000 for CSV and XLSX as
    /// HubSpot does, 65,535 for XLS).
    pub partition_rows: Option<u64>,
    /// A CSV larger than this is delivered zipped (HubSpot: 2 MB).
    pub csv_zip_bytes: u64,
    /// How long files and export rows are kept.
    pub retention: Duration,
    /// For tests only: how long a worker holds an export it claimed (PROCESSING, its lease
    /// renewed) before it starts producing the file, so a client can watch every state.
    pub hold_claimed: Duration,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            max_attempts: 3,
            partition_rows: None,
            csv_zip_bytes: 2 * 1024 * 1024,
            retention: Duration::from_secs(30 * 24 * 3600),
            hold_claimed: Duration::ZERO,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Idle,
    Ran { id: i64, state: ExportState },
}

#[derive(Clone)]
pub struct Runner {
    queue: Arc<dyn ExportQueue>,
    stream: Arc<dyn RecordStream>,
    blobs: Arc<Blobs>,
    worker_id: String,
    config: ExportConfig,
    retry: RetryPolicy,
    clock: Clock,
    faults: Arc<Faults>,
    gate: Arc<RestoreGate>,
    /// Set by [`Runner::stop`]; shared by every clone, so one call stops all workers.
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

/// What a runner works with: the store's queue and record stream, and where files go.
pub struct RunnerParts {
    pub queue: Arc<dyn ExportQueue>,
    pub stream: Arc<dyn RecordStream>,
    pub blobs: Arc<Blobs>,
    pub clock: Clock,
    /// Where the admin API leaves a fault for a portal's next export.
    pub faults: Arc<Faults>,
    /// Held while a step runs; a snapshot's restore waits for it and pauses the workers.
    pub gate: Arc<RestoreGate>,
}

impl Runner {
    pub fn new(parts: RunnerParts, worker_id: String, config: ExportConfig) -> Self {
        let retry = RetryPolicy {
            max_attempts: config.max_attempts,
            ..RetryPolicy::default()
        };
        Self {
            queue: parts.queue,
            stream: parts.stream,
            blobs: parts.blobs,
            worker_id,
            config,
            retry,
            clock: parts.clock,
            faults: parts.faults,
            gate: parts.gate,
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }

    /// Asks every worker sharing this runner to stop: none claims another export, and one
    /// in progress is abandoned and re-queued at once, so another worker can take it over
    /// without waiting for the lease to expire.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// The same runner under another worker name (several workers in one process).
    pub fn with_worker_id(&self, worker_id: String) -> Self {
        Self {
            worker_id,
            ..self.clone()
        }
    }

    /// Removes the spool files of export attempts that can no longer finish (see
    /// [`leftovers::sweep`]); every worker does this as it starts.
    pub async fn sweep_leftovers(&self) -> std::io::Result<usize> {
        leftovers::sweep(&self.blobs, self.queue.as_ref()).await
    }

    fn lease_ms(&self) -> i64 {
        self.config.lease.as_millis() as i64
    }

    /// Claims and runs at most one export, at `now`, in a span naming the export, its
    /// portal and the attempt, so every line the attempt logs carries them. Nothing is
    /// claimed while a snapshot is restored; the step holds the restore gate's pass.
    pub async fn run_once(&self, now: i64) -> Result<RunOutcome, JobError> {
        if self.is_stopping() || self.gate.is_restoring() {
            return Ok(RunOutcome::Idle);
        }
        let Some(_pass) = self.gate.enter(REQUEST_WAIT).await else {
            return Ok(RunOutcome::Idle);
        };
        let (lease_ms, max_attempts) = (self.lease_ms(), self.config.max_attempts);
        let claimed = self
            .queue
            .claim_export(&self.worker_id, now, lease_ms, max_attempts)
            .await?;
        let Some(row) = claimed else {
            return Ok(RunOutcome::Idle);
        };
        let span = tracing::info_span!(
            "export",
            export_id = row.id,
            portal = row.portal.0,
            attempt = row.attempt
        );
        self.run_claimed(row, now).instrument(span).await
    }

    async fn run_claimed(&self, row: ExportRow, now: i64) -> Result<RunOutcome, JobError> {
        let format = row.request.format.extension();
        tracing::info!(format, worker = %self.worker_id, "export claimed");
        let fault = self.faults.take_export_fault(row.portal.0);
        let pace = fault.as_ref().and_then(|f| self.faults.start_pace(f));
        let (outcome, at) = match fault {
            Some(fault) if pace.is_none() => (
                injected::apply(self.queue.as_ref(), &row, fault, now).await?,
                now,
            ),
            _ => self.attempt(&row, now, pace).await,
        };
        if let Some(outcome) = outcome {
            let recorded = self
                .queue
                .finish_export(row.id, row.attempt, outcome.clone(), at)
                .await?;
            if recorded {
                outcome_report::record(&row, &outcome, at);
            }
        }
        Ok(RunOutcome::Ran {
            id: row.id,
            state: self.current_state(&row).await,
        })
    }

    /// Runs one attempt at a claimed export (paced by an injected fault's `pace`, if any):
    /// its outcome to record (none when the worker is stopping or lost the lease) and when
    /// the attempt ended.
    async fn attempt(
        &self,
        row: &ExportRow,
        now: i64,
        pace: Option<Arc<RowPace>>,
    ) -> (Option<ExportOutcome>, i64) {
        // An earlier attempt that did not finish (its process died) left its files behind.
        leftovers::remove_earlier_attempts(&self.blobs, row.id, row.attempt);
        let attempt = Attempt::new(self, row, now, pace);
        match attempt.run().await {
            Ok((done, at)) => (Some(done), at),
            Err(failure) => {
                log_failure(&failure);
                let at = attempt.latest();
                (
                    self.retry.outcome(failure, row.attempt, at, rand::random()),
                    at,
                )
            }
        }
    }

    async fn current_state(&self, row: &ExportRow) -> ExportState {
        match self.queue.get_export(row.portal, row.id).await {
            Ok(Some(r)) => r.state,
            _ => row.state,
        }
    }

    /// Deletes exports (and their files) requested a retention period before `now`.
    pub async fn delete_expired(&self, now: i64) -> Result<usize, JobError> {
        let before = now - self.config.retention.as_millis() as i64;
        let removed = self.queue.delete_exports_before(before).await?;
        for row in &removed {
            if let Some(key) = &row.file_key {
                self.blobs.delete(key).await.map_err(JobError::Blob)?;
            }
        }
        Ok(removed.len())
    }

    /// Runs exports until [`Runner::stop`] is called, waking on `wake` or every second.
    pub async fn work(self, wake: Arc<Notify>) {
        let mut stopping = self.stopping.subscribe();
        match self.sweep_leftovers().await {
            Ok(0) => {}
            Ok(n) => tracing::info!("removed {n} files of unfinished export attempts"),
            Err(e) => tracing::warn!("cannot sweep the export spool folder: {e}"),
        }
        let mut last_cleanup = 0;
        while !self.is_stopping() {
            let now = self.clock.now_ms();
            if now - last_cleanup > 3_600_000 {
                last_cleanup = now;
                if let Err(e) = self.delete_expired(now).await {
                    tracing::warn!("retention cleanup failed: {}", detail(&e));
                }
            }
            match self.run_once(now).await {
                Ok(RunOutcome::Ran { .. }) => {
                    memory::give_back();
                    continue;
                }
                Ok(RunOutcome::Idle) => {}
                Err(e) => tracing::warn!("export worker step failed: {}", detail(&e)),
            }
            tokio::select! {
                _ = wait_until_stopped(&mut stopping) => {},
                _ = wake.notified() => {},
                _ = tokio::time::sleep(Duration::from_secs(1)) => {},
            }
        }
    }
}

/// Logs why an attempt ended, with every cause (the export row keeps only the message);
/// the export's span names it.
fn log_failure(failure: &Failure) {
    match failure {
        Failure::Retryable(e) | Failure::Permanent(e) => {
            tracing::warn!("export attempt failed: {}", detail(e));
        }
        Failure::Interrupted => {
            tracing::info!("the worker is stopping; the export is queued again");
        }
        Failure::LeaseLost => tracing::info!("lease lost; result dropped"),
    }
}

/// Resolves once `stop` is set (the guard `wait_for` returns must not live across awaits).
async fn wait_until_stopped(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await.map(|_| ());
}
