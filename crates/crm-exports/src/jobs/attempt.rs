//! One attempt at a claimed export, in named phases: (for tests only, a **hold** that keeps
//! the claimed export PROCESSING a set time), **select** (the records it exports
//! and the columns it writes), **read** (the store streams them on a task of its own),
//! **render and write** (the file, on a blocking thread), **heartbeat** (renews the lease
//! while the writer works, reports progress, and gives up when the lease is lost or the
//! worker stops), and **publish** (a last lease check, then the file moves into place).
//! An injected pacing fault holds the writer row by row (its [`RowPace`]); the heartbeat
//! runs on meanwhile, and abandoning the attempt wakes the writer to give up.
//! Times come from the attempt's `now`: each heartbeat is the timer's interval after the
//! last, so no phase reads a clock.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::Runner;
use super::associated::{self, AssociatedTarget, AssociationColumns};
use super::file::{self, FileJob, write_file};
use super::render::ColumnPlan;
use crate::domain::batch::RecordBatch;
use crate::domain::export::ExportType;
use crate::domain::list::ProcessingType;
use crate::domain::search::{Predicate, SearchLimits, parse_predicate};
use crate::faults::RowPace;
use crate::store::{CutText, ExportOutcome, ExportRow, StoreError, StoreResult};

/// Why an export's work stopped short.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sheet(#[from] formats::FormatError),
    /// Writing the file in the data folder failed (the path goes to the log only).
    #[error("cannot write the export file: {0}")]
    File(#[source] std::io::Error),
    /// Where files are kept (the folder or the bucket) failed.
    #[error("the export file store failed: {0}")]
    Blob(#[source] std::io::Error),
    #[error("{0}")]
    Message(String),
}

impl JobError {
    pub fn message(text: impl Into<String>) -> Self {
        JobError::Message(text.into())
    }
}

/// Why an attempt failed, and whether trying again could help.
#[derive(Debug)]
pub enum Failure {
    Retryable(JobError),
    Permanent(JobError),
    /// The lease is gone (canceled, or taken over): drop the result silently.
    LeaseLost,
    /// The worker is shutting down: hand the export back to the queue at once.
    Interrupted,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Retryable(e.into())
    }
}

/// What an export selects and writes.
struct Selection {
    predicate: Predicate,
    plan: ColumnPlan,
    associations: Option<AssociationColumns>,
}

/// Aborts its task when dropped: a side task that must not outlive its attempt.
struct AbortWhenDropped(JoinHandle<()>);

impl Drop for AbortWhenDropped {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The file a finished writer left, and when it finished.
struct Written {
    file: file::Written,
    at: i64,
}

pub struct Attempt<'r> {
    runner: &'r Runner,
    row: &'r ExportRow,
    /// When the attempt began.
    now: i64,
    /// The time of the last heartbeat (`now` before the first).
    latest: AtomicI64,
    /// An injected fault's pace for the writer's rows.
    pace: Option<Arc<RowPace>>,
}

impl<'r> Attempt<'r> {
    pub fn new(
        runner: &'r Runner,
        row: &'r ExportRow,
        now: i64,
        pace: Option<Arc<RowPace>>,
    ) -> Self {
        Self {
            runner,
            row,
            now,
            latest: AtomicI64::new(now),
            pace,
        }
    }

    /// The time the attempt has reached: when it began, plus the heartbeats since.
    pub fn latest(&self) -> i64 {
        self.latest.load(Ordering::Relaxed)
    }

    /// Runs the phases; on success the file is in place and the outcome says where.
    pub async fn run(&self) -> Result<(ExportOutcome, i64), Failure> {
        self.hold().await?;
        let selection = self.select().await?;
        // Dropped (and so aborted, if still counting) when the attempt ends.
        let _counting = self.report_expected_count(&selection.predicate).await?;
        let temp = self
            .runner
            .blobs
            .temp_path(&super::leftovers::file_name(
                self.row.id,
                self.row.attempt,
                "part",
            ))
            .map_err(|e| Failure::Permanent(JobError::File(e)))?;
        let (reader, batches) = self.read(selection.predicate.clone(), selection.plan.projection());
        let rows_written = Arc::new(AtomicU64::new(0));
        let writer = self.render_and_write(selection, batches, temp.clone(), rows_written.clone());
        let written = self.heartbeat(reader, writer, &rows_written, &temp).await;
        match written {
            Ok(written) => self.publish(written, &temp).await,
            Err(failure) => {
                let _ = std::fs::remove_file(&temp);
                Err(failure)
            }
        }
    }

    /// Hold (tests only, `ExportConfig::hold_claimed`): waits that long before selecting,
    /// renewing the lease as the heartbeat does, so a cancel or a stop still ends it.
    async fn hold(&self) -> Result<(), Failure> {
        let hold = self.runner.config.hold_claimed;
        if hold.is_zero() {
            return Ok(());
        }
        let (row, queue, lease_ms) = (self.row, &self.runner.queue, self.runner.lease_ms());
        let mut beat = tokio::time::interval(beat_period(self.runner.config.lease));
        let first = beat.tick().await;
        let mut stopping = self.runner.stopping.subscribe();
        let until = tokio::time::sleep(hold);
        tokio::pin!(until);
        loop {
            tokio::select! {
                _ = super::wait_until_stopped(&mut stopping) => return Err(Failure::Interrupted),
                _ = &mut until => {
                    self.latest.store(self.now + hold.as_millis() as i64, Ordering::Relaxed);
                    return Ok(());
                }
                tick = beat.tick() => {
                    if self.runner.gate.is_restoring() {
                        return Err(Failure::Interrupted);
                    }
                    let at = self.now + (tick - first).as_millis() as i64;
                    self.latest.store(at, Ordering::Relaxed);
                    if !queue.renew_export_lease(row.id, row.attempt, at, lease_ms).await? {
                        return Err(Failure::LeaseLost);
                    }
                }
            }
        }
    }

    /// Select: the predicate (a LIST export's list, or a VIEW export's own search), the
    /// column plan with owner names, and the association columns.
    async fn select(&self) -> Result<Selection, Failure> {
        let (row, store) = (self.row, &self.runner.stream);
        let request = &row.request;
        let schema = store.export_schema(row.portal, request.object_type).await?;
        let predicate = self.predicate(&schema).await?;
        let owner_names = if ColumnPlan::needs_owner_names(request, &schema) {
            store
                .export_owners(row.portal)
                .await?
                .into_iter()
                .map(|o| (o.id.to_string(), o.display_name()))
                .collect()
        } else {
            Default::default()
        };
        let plan = ColumnPlan::new(request, &schema, owner_names);
        Ok(Selection {
            predicate,
            plan,
            associations: self.association_columns().await?,
        })
    }

    /// Counts the records the export will hold, so the details show the total
    /// (`expectedRecordCount`) from the start; records changed meanwhile can make the final
    /// `recordCount` differ. A free-text `query` is counted beside the read instead of
    /// before it: its count is a second scan as slow as the export's own, which would
    /// otherwise double the export's time. The returned guard stops that count when the
    /// attempt ends first.
    async fn report_expected_count(
        &self,
        predicate: &Predicate,
    ) -> Result<Option<AbortWhenDropped>, Failure> {
        let row = self.row;
        let (stream, queue) = (self.runner.stream.clone(), self.runner.queue.clone());
        let (portal, object, predicate) = (row.portal, row.request.object_type, predicate.clone());
        let (id, attempt) = (row.id, row.attempt);
        let beside_the_read = predicate.query.is_some();
        let count = async move {
            let count = stream
                .count_export_records(portal, object, predicate)
                .await?;
            queue
                .report_expected_record_count(id, attempt, count as i64)
                .await
        };
        if !beside_the_read {
            count.await?;
            return Ok(None);
        }
        Ok(Some(AbortWhenDropped(tokio::spawn(async move {
            if let Err(e) = count.await {
                tracing::warn!(error = %e, "the export's records could not be counted");
            }
        }))))
    }

    /// A LIST export selects the list's members: a DYNAMIC list by its filters, the others
    /// by their stored members. A VIEW export uses its own search request. Limits were
    /// enforced when the export was requested; the worker takes what was stored.
    async fn predicate(
        &self,
        schema: &crate::domain::schema::ObjectSchema,
    ) -> Result<Predicate, Failure> {
        let (row, request) = (self.row, &self.row.request);
        let list_id = request
            .list_id
            .filter(|_| request.export_type == ExportType::List);
        let list = match list_id {
            Some(id) => Some(
                self.runner
                    .stream
                    .export_list(row.portal, id)
                    .await?
                    .ok_or_else(|| {
                        Failure::Permanent(JobError::message(format!("list {id} no longer exists")))
                    })?,
            ),
            None => None,
        };
        let dynamic = list
            .as_ref()
            .filter(|l| l.processing_type == ProcessingType::Dynamic);
        let (groups, sorts, query) = match (&list, dynamic) {
            (_, Some(l)) => (l.filter_groups.clone(), Vec::new(), None),
            (Some(_), None) => (Vec::new(), Vec::new(), None),
            (None, _) => (
                request.filter_groups.clone(),
                request.sorts.clone(),
                request.query.clone(),
            ),
        };
        let unlimited = SearchLimits::unlimited();
        let mut predicate = parse_predicate(&groups, &sorts, query.as_deref(), schema, &unlimited)
            .map_err(|p| {
                Failure::Permanent(JobError::message(format!(
                    "the export's filters are no longer valid: {}",
                    p.join("; ")
                )))
            })?;
        if dynamic.is_none() {
            predicate.members_of_list = list.map(|l| l.id);
        }
        Ok(predicate)
    }

    async fn association_columns(&self) -> StoreResult<Option<AssociationColumns>> {
        let (row, store) = (self.row, &self.runner.stream);
        let request = &row.request;
        if request.associated_object_types.is_empty() {
            return Ok(None);
        }
        let mut targets = Vec::new();
        for &object in &request.associated_object_types {
            let schema = store.export_schema(row.portal, object).await?;
            targets.push(AssociatedTarget::from_schema(&schema));
        }
        Ok(Some(AssociationColumns {
            store: store.clone(),
            runtime: tokio::runtime::Handle::current(),
            portal: row.portal,
            from: request.object_type,
            targets,
            catalog: store.export_association_catalog(row.portal).await?,
            display: request.include_primary_display,
            labeled: request.include_labeled,
            cap: (!request.unlimited_associations).then_some(associated::PER_ROW_CAP),
            display_cache: Default::default(),
        }))
    }

    /// Read: the store streams the selected records into a small bounded channel, so memory
    /// stays constant however many match.
    fn read(
        &self,
        predicate: Predicate,
        projection: Vec<String>,
    ) -> (
        JoinHandle<StoreResult<u64>>,
        std::sync::mpsc::Receiver<RecordBatch>,
    ) {
        let (sender, receiver) = std::sync::mpsc::sync_channel(4);
        let store = self.runner.stream.clone();
        let (portal, object) = (self.row.portal, self.row.request.object_type);
        let reader = tokio::spawn(async move {
            store
                .stream_batches(portal, object, predicate, projection, sender)
                .await
        });
        (reader, receiver)
    }

    /// Render and write: the file, on a blocking thread, counting rows as it goes.
    fn render_and_write(
        &self,
        selection: Selection,
        batches: std::sync::mpsc::Receiver<RecordBatch>,
        temp: PathBuf,
        rows_written: Arc<AtomicU64>,
    ) -> JoinHandle<Result<file::Written, JobError>> {
        let (request, config) = (self.row.request.clone(), self.runner.config.clone());
        let pace = self.pace.clone();
        tokio::task::spawn_blocking(move || {
            let job = FileJob {
                request: &request,
                plan: &selection.plan,
                associations: selection.associations.as_ref(),
                temp: &temp,
                config: &config,
                pace: pace.as_deref(),
            };
            write_file(&job, batches, &rows_written)
        })
    }

    /// Heartbeat: renews the lease until the writer is done, shows the rows written so far
    /// on the details endpoint, and abandons the work when the lease is lost (canceled or
    /// taken over), the database cannot be reached, or the worker stops.
    async fn heartbeat(
        &self,
        reader: JoinHandle<StoreResult<u64>>,
        writer: JoinHandle<Result<file::Written, JobError>>,
        rows_written: &AtomicU64,
        temp: &std::path::Path,
    ) -> Result<Written, Failure> {
        let (row, queue, lease_ms) = (self.row, &self.runner.queue, self.runner.lease_ms());
        // Beat every second (or faster for short leases): a cancel is noticed within a
        // second, and the lease never comes close to expiring while the worker is alive.
        let mut beat = tokio::time::interval(beat_period(self.runner.config.lease));
        let first = beat.tick().await;
        // Times go on from where an earlier phase (the hold) left them.
        let base = self.latest();
        let mut rows_reported = 0;
        let mut stopping = self.runner.stopping.subscribe();
        tokio::pin!(writer);
        let written = loop {
            tokio::select! {
                result = &mut writer => break result,
                _ = super::wait_until_stopped(&mut stopping) => {
                    self.abandon(&reader, &writer, temp);
                    return Err(Failure::Interrupted);
                }
                tick = beat.tick() => {
                    // A snapshot's restore waits for this step: hand the export back.
                    if self.runner.gate.is_restoring() {
                        self.abandon(&reader, &writer, temp);
                        return Err(Failure::Interrupted);
                    }
                    let at = base + (tick - first).as_millis() as i64;
                    self.latest.store(at, Ordering::Relaxed);
                    let renewed = queue.renew_export_lease(row.id, row.attempt, at, lease_ms).await;
                    let rows = rows_written.load(Ordering::Relaxed);
                    let reported = match renewed {
                        Ok(true) if rows != rows_reported => {
                            queue.report_export_progress(row.id, row.attempt, rows as i64).await
                        }
                        Ok(true) => Ok(()),
                        // Lost, or unknown (the database is unreachable): either way this
                        // attempt ends here, and its half-written file with it.
                        Ok(false) => {
                            self.abandon(&reader, &writer, temp);
                            return Err(Failure::LeaseLost);
                        }
                        Err(e) => Err(e),
                    };
                    if let Err(e) = reported {
                        self.abandon(&reader, &writer, temp);
                        return Err(e.into());
                    }
                    if rows != rows_reported {
                        tracing::debug!(rows, "export progress");
                    }
                    rows_reported = rows;
                }
            }
        };
        let read = reader.await.map_err(|e| {
            Failure::Retryable(JobError::message(format!("the record reader stopped: {e}")))
        })?;
        match (written, read) {
            (Ok(Ok(file)), Ok(_)) => Ok(Written {
                file,
                at: self.latest(),
            }),
            (Ok(Err(e)), _) => Err(Failure::Permanent(e)),
            (Err(e), _) => Err(Failure::Permanent(JobError::message(format!(
                "the file writer stopped: {e}"
            )))),
            (_, Err(e)) => Err(e.into()),
        }
    }

    /// Publish: checks the lease once more right before the file becomes visible, then
    /// moves it into place under a key derived from the export id (a retry overwrites).
    async fn publish(
        &self,
        written: Written,
        temp: &std::path::Path,
    ) -> Result<(ExportOutcome, i64), Failure> {
        let (row, runner) = (self.row, self.runner);
        let renewed = runner
            .queue
            .renew_export_lease(row.id, row.attempt, written.at, runner.lease_ms())
            .await;
        if !matches!(renewed, Ok(true)) {
            let _ = std::fs::remove_file(temp);
            return Err(match renewed {
                Err(e) => e.into(),
                _ => Failure::LeaseLost,
            });
        }
        let file = &written.file;
        let key = format!("export-{}.{}", row.id, file.extension);
        let size = runner
            .blobs
            .commit(temp, &key)
            .await
            .map_err(|e| Failure::Retryable(JobError::Blob(e)))?;
        if file.cut_cells > 0 {
            tracing::warn!(
                export_id = row.id,
                cells = file.cut_cells,
                columns = ?file.cut_columns,
                "text longer than the format's cell limit was cut"
            );
        }
        let outcome = ExportOutcome::Done {
            record_count: file.rows as i64,
            file_key: key,
            file_size: size as i64,
            cut: CutText {
                cells: file.cut_cells as i64,
                properties: file.cut_columns.clone(),
            },
        };
        Ok((outcome, written.at))
    }
}

/// How often the lease is renewed.
fn beat_period(lease: Duration) -> Duration {
    (lease / 3).min(Duration::from_secs(1))
}

impl Attempt<'_> {
    /// Stops the reader and the writer (waking one a pace holds) and drops the
    /// half-written file.
    fn abandon<T, U>(
        &self,
        reader: &JoinHandle<T>,
        writer: &JoinHandle<U>,
        temp: &std::path::Path,
    ) {
        if let Some(pace) = &self.pace {
            pace.abandon();
        }
        reader.abort();
        writer.abort();
        let _ = std::fs::remove_file(temp);
    }
}
