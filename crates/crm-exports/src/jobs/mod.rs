//! The export runner: claim the next due export under a lease, stream its records from the
//! store in constant memory, render them through the format's sheet writer (partitioned and
//! zipped past the format's row limit, and a CSV over the zip threshold zipped), keep the
//! lease alive by heartbeat, and record the outcome fenced on the lease. `run_once(now)` is
//! the testable step; `work` loops it until shutdown. Imports `domain`, `store`, `blob` and
//! `formats`; never the API.

pub mod associated;
pub mod render;

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow};
use formats::{Cell, Format, PartitionOptions, Partitioner, SheetOptions};
use tokio::sync::Notify;

use self::associated::AssociationColumns;
use self::render::{ColumnPlan, Rendered};
use crate::blob::Blobs;
use crate::domain::batch::RecordBatch;
use crate::domain::export::{ExportFormat, ExportRequest, ExportState, ExportType};
use crate::domain::search::{SearchLimits, parse_predicate};
use crate::domain::time::now_ms;
use crate::store::{ExportOutcome, ExportRow, SharedStore, StoreError};

#[derive(Clone, Debug)]
pub struct ExportConfig {
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// Claims before an export that keeps losing its worker is failed.
    pub max_attempts: i64,
    /// Data rows per part; `None` uses the format's limit (1,000,000 for CSV and XLSX as
    /// HubSpot does, 65,535 for XLS).
    pub partition_rows: Option<u64>,
    /// A CSV larger than this is delivered zipped (HubSpot: 2 MB).
    pub csv_zip_bytes: u64,
    /// How long files and export rows are kept.
    pub retention: Duration,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            max_attempts: 3,
            partition_rows: None,
            csv_zip_bytes: 2 * 1024 * 1024,
            retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// HubSpot splits CSV and XLSX exports at a million rows.
const HUBSPOT_PART_ROWS: u64 = 1_000_000;

#[derive(Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Idle,
    Ran { id: i64, state: ExportState },
}

#[derive(Clone)]
pub struct Runner {
    store: SharedStore,
    blobs: Arc<Blobs>,
    worker_id: String,
    config: ExportConfig,
    /// Set by [`Runner::stop`]; shared by every clone, so one call stops all workers.
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

/// The content type and file extension of a finished export file.
pub fn file_kind(key: &str) -> (&'static str, &'static str) {
    match key.rsplit('.').next() {
        Some("zip") => ("application/zip", "zip"),
        Some("xlsx") => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Some("xls") => ("application/vnd.ms-excel", "xls"),
        _ => ("text/csv; charset=utf-8", "csv"),
    }
}

fn sheet_format(format: ExportFormat) -> Format {
    match format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Xlsx => Format::Xlsx,
        ExportFormat::Xls => Format::Xls,
    }
}

/// Why an attempt failed, and whether trying again could help.
enum Failure {
    Retryable(anyhow::Error),
    Permanent(anyhow::Error),
    /// The lease is gone (canceled, or taken over): drop the result silently.
    LeaseLost,
    /// The worker is shutting down: hand the export back to the queue at once.
    Interrupted,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Retryable(anyhow!(e))
    }
}

impl Runner {
    pub fn new(
        store: SharedStore,
        blobs: Arc<Blobs>,
        worker_id: String,
        config: ExportConfig,
    ) -> Self {
        Self {
            store,
            blobs,
            worker_id,
            config,
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

    fn lease_ms(&self) -> i64 {
        self.config.lease.as_millis() as i64
    }

    /// Claims and runs at most one export.
    pub async fn run_once(&self, now: i64) -> anyhow::Result<RunOutcome> {
        if self.is_stopping() {
            return Ok(RunOutcome::Idle);
        }
        let Some(row) = self
            .store
            .claim_export(
                &self.worker_id,
                now,
                self.lease_ms(),
                self.config.max_attempts,
            )
            .await?
        else {
            return Ok(RunOutcome::Idle);
        };
        tracing::info!(export_id = row.id, attempt = row.attempt, "export claimed");
        let outcome = match self.produce(&row).await {
            Ok(done) => done,
            Err(Failure::LeaseLost) => {
                tracing::info!(export_id = row.id, "lease lost; result dropped");
                return Ok(RunOutcome::Ran {
                    id: row.id,
                    state: self.current_state(&row).await,
                });
            }
            Err(Failure::Interrupted) => ExportOutcome::Retry {
                error: "The worker shut down; the export was queued again.".to_string(),
                run_at: now_ms(),
            },
            Err(Failure::Permanent(e)) => ExportOutcome::Failed {
                error: format!("{e:#}"),
            },
            Err(Failure::Retryable(e)) if row.attempt >= self.config.max_attempts => {
                ExportOutcome::Failed {
                    error: format!("{e:#}"),
                }
            }
            Err(Failure::Retryable(e)) => {
                // Exponential backoff: 2 s, 4 s, 8 s ... capped at five minutes.
                let delay = (1000i64 << row.attempt.clamp(1, 8)).min(300_000);
                ExportOutcome::Retry {
                    error: format!("{e:#}"),
                    run_at: now_ms() + delay,
                }
            }
        };
        if let ExportOutcome::Failed { error } | ExportOutcome::Retry { error, .. } = &outcome {
            tracing::warn!(export_id = row.id, "export attempt failed: {error}");
        }
        self.store
            .finish_export(row.id, row.attempt, outcome, now_ms())
            .await?;
        Ok(RunOutcome::Ran {
            id: row.id,
            state: self.current_state(&row).await,
        })
    }

    async fn current_state(&self, row: &ExportRow) -> ExportState {
        match self.store.get_export(row.portal, row.id).await {
            Ok(Some(r)) => r.state,
            _ => row.state,
        }
    }

    /// Writes the file while renewing the lease; on success moves it into place.
    async fn produce(&self, row: &ExportRow) -> Result<ExportOutcome, Failure> {
        let request = row.request.clone();
        let schema = self
            .store
            .object_schema(row.portal, request.object_type)
            .await?;
        // Limits were enforced when the export was requested; the worker takes what was stored.
        let unlimited = SearchLimits::unlimited();
        // A LIST export selects the list's members: a DYNAMIC list by its filters, the
        // others by their stored members. A VIEW export uses its own search request.
        let list = match request
            .list_id
            .filter(|_| request.export_type == ExportType::List)
        {
            Some(id) => Some(
                self.store
                    .get_list(row.portal, id)
                    .await?
                    .ok_or_else(|| Failure::Permanent(anyhow!("list {id} no longer exists")))?,
            ),
            None => None,
        };
        let (groups, sorts, query) = match &list {
            Some(l) if l.processing_type == "DYNAMIC" => {
                (l.filter_groups.clone(), Vec::new(), None)
            }
            Some(_) => (Vec::new(), Vec::new(), None),
            None => (
                request.filter_groups.clone(),
                request.sorts.clone(),
                request.query.clone(),
            ),
        };
        let mut predicate = parse_predicate(
            &groups,
            &sorts,
            query.as_deref(),
            schema.as_ref(),
            &unlimited,
        )
        .map_err(|p| {
            Failure::Permanent(anyhow!(
                "the export's filters are no longer valid: {}",
                p.join("; ")
            ))
        })?;
        if let Some(l) = list.filter(|l| l.processing_type != "DYNAMIC") {
            predicate.members_of_list = Some(l.id);
        }
        let owner_names = if ColumnPlan::needs_owner_names(&request, &schema) {
            self.store
                .list_owners(row.portal)
                .await?
                .into_iter()
                .map(|o| (o.id.to_string(), o.display_name()))
                .collect()
        } else {
            Default::default()
        };
        let plan = ColumnPlan::new(&request, &schema, owner_names);
        let temp = self
            .blobs
            .temp_path(&format!("export-{}-{}.part", row.id, row.attempt))
            .map_err(|e| Failure::Permanent(e.into()))?;

        let (sender, receiver) = std::sync::mpsc::sync_channel(4);
        let store = self.store.clone();
        let (portal, object, projection) = (row.portal, request.object_type, plan.projection());
        let reader = tokio::spawn(async move {
            store
                .stream_batches(portal, object, predicate, projection, sender)
                .await
        });
        let associations = if request.associated_object_types.is_empty() {
            None
        } else {
            let mut targets = Vec::new();
            for &object in &request.associated_object_types {
                let schema = self.store.object_schema(row.portal, object).await?;
                targets.push(associated::AssociatedTarget::from_schema(&schema));
            }
            Some(AssociationColumns {
                store: self.store.clone(),
                runtime: tokio::runtime::Handle::current(),
                portal: row.portal,
                from: request.object_type,
                targets,
                catalog: crate::store::association_catalog(self.store.as_ref(), row.portal).await?,
                display: request.include_primary_display,
                labeled: request.include_labeled,
                cap: (!request.unlimited_associations).then_some(associated::PER_ROW_CAP),
            })
        };
        let rows_written = Arc::new(AtomicU64::new(0));
        let writer = {
            let (temp, config) = (temp.clone(), self.config.clone());
            let rows_written = rows_written.clone();
            tokio::task::spawn_blocking(move || {
                write_file(
                    &request,
                    &plan,
                    associations.as_ref(),
                    &temp,
                    &config,
                    receiver,
                    &rows_written,
                )
            })
        };
        let mut rows_reported = 0;

        // Heartbeat until the writer is done; a lost lease abandons the work.
        // Beat every second (or faster for short leases): a cancel is noticed within a
        // second, and the lease never comes close to expiring while the worker is alive.
        let mut beat = tokio::time::interval((self.config.lease / 3).min(Duration::from_secs(1)));
        beat.tick().await;
        let mut stopping = self.stopping.subscribe();
        tokio::pin!(writer);
        let written = loop {
            tokio::select! {
                result = &mut writer => break result,
                _ = wait_until_stopped(&mut stopping) => {
                    reader.abort();
                    writer.abort();
                    let _ = std::fs::remove_file(&temp);
                    return Err(Failure::Interrupted);
                }
                _ = beat.tick() => {
                    let renewed = self.store.renew_export_lease(row.id, row.attempt, now_ms(), self.lease_ms()).await;
                    if !matches!(renewed, Ok(true)) {
                        // Lost, or unknown (the database is unreachable): either way this
                        // attempt ends here, and its half-written file with it.
                        reader.abort();
                        writer.abort();
                        let _ = std::fs::remove_file(&temp);
                        return Err(match renewed {
                            Err(e) => e.into(),
                            _ => Failure::LeaseLost,
                        });
                    }
                    // The details endpoint shows the rows written so far.
                    let rows = rows_written.load(Ordering::Relaxed);
                    if rows != rows_reported {
                        self.store.report_export_progress(row.id, row.attempt, rows as i64).await?;
                        rows_reported = rows;
                    }
                }
            }
        };
        let read = reader
            .await
            .map_err(|e| Failure::Retryable(anyhow!("the record reader stopped: {e}")))?;
        let written =
            written.map_err(|e| Failure::Retryable(anyhow!("the file writer stopped: {e}")));
        let written = match (written, read) {
            (Ok(Ok(done)), Ok(_)) => done,
            (Ok(Err(e)), _) | (Err(Failure::Retryable(e)), _) => {
                let _ = std::fs::remove_file(&temp);
                return Err(Failure::Permanent(e));
            }
            (_, Err(e)) => {
                let _ = std::fs::remove_file(&temp);
                return Err(e.into());
            }
            (Err(other), _) => return Err(other),
        };
        // Check the lease once more right before the file becomes visible.
        if !self
            .store
            .renew_export_lease(row.id, row.attempt, now_ms(), self.lease_ms())
            .await?
        {
            let _ = std::fs::remove_file(&temp);
            return Err(Failure::LeaseLost);
        }
        let key = format!("export-{}.{}", row.id, written.extension);
        let size = self
            .blobs
            .commit(&temp, &key)
            .await
            .map_err(|e| Failure::Retryable(e.into()))?;
        if written.cut_cells > 0 {
            tracing::warn!(
                export_id = row.id,
                cells = written.cut_cells,
                columns = ?written.cut_columns,
                "text longer than the format's cell limit was cut"
            );
        }
        Ok(ExportOutcome::Done {
            record_count: written.rows as i64,
            file_key: key,
            file_size: size as i64,
        })
    }

    /// Deletes exports (and their files) requested before the retention period.
    pub async fn delete_expired(&self, now: i64) -> anyhow::Result<usize> {
        let before = now - self.config.retention.as_millis() as i64;
        let removed = self.store.delete_exports_before(before).await?;
        for row in &removed {
            if let Some(key) = &row.file_key {
                self.blobs.delete(key).await?;
            }
        }
        Ok(removed.len())
    }

    /// Runs exports until [`Runner::stop`] is called, waking on `wake` or every second.
    pub async fn work(self, wake: Arc<Notify>) {
        let mut stopping = self.stopping.subscribe();
        let mut last_cleanup = 0;
        while !self.is_stopping() {
            let now = now_ms();
            if now - last_cleanup > 3_600_000 {
                last_cleanup = now;
                if let Err(e) = self.delete_expired(now).await {
                    tracing::warn!("retention cleanup failed: {e:#}");
                }
            }
            match self.run_once(now).await {
                Ok(RunOutcome::Ran { .. }) => continue,
                Ok(RunOutcome::Idle) => {}
                Err(e) => tracing::warn!("export worker step failed: {e:#}"),
            }
            tokio::select! {
                _ = wait_until_stopped(&mut stopping) => {},
                _ = wake.notified() => {},
                _ = tokio::time::sleep(Duration::from_secs(1)) => {},
            }
        }
    }
}

/// Resolves once `stop` is set (the guard `wait_for` returns must not live across awaits).
async fn wait_until_stopped(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await.map(|_| ());
}

/// What [`write_file`] wrote.
struct Written {
    rows: u64,
    extension: &'static str,
    /// Cells cut at the format's cell limit, and the columns they were in (properties by
    /// internal name, association columns by header).
    cut_cells: u64,
    cut_columns: Vec<String>,
}

/// Writes the whole file on a blocking thread, counting rows in `rows_written` as it goes.
fn write_file(
    request: &ExportRequest,
    plan: &ColumnPlan,
    associations: Option<&AssociationColumns>,
    temp: &Path,
    config: &ExportConfig,
    receiver: std::sync::mpsc::Receiver<RecordBatch>,
    rows_written: &AtomicU64,
) -> anyhow::Result<Written> {
    let format = sheet_format(request.format);
    let mut header_names = plan.headers.clone();
    let association_headers = associations.map(AssociationColumns::headers);
    header_names.extend(association_headers.iter().flatten().cloned());
    let headers: Vec<&str> = header_names.iter().map(String::as_str).collect();
    let file = File::create(temp).with_context(|| format!("cannot create {}", temp.display()))?;
    let options = partition_options(request, format, config, temp);
    let mut partitioner = Partitioner::new(format, &headers, BufWriter::new(file), options)?;
    let mut scratch = String::new();
    for batch in receiver {
        let extra = match associations {
            Some(a) => a.cells(batch.ids())?,
            None => vec![Vec::new(); batch.len()],
        };
        let mut pieces = Vec::with_capacity(headers.len());
        for (row, extra) in extra.iter().enumerate() {
            plan.render(batch.ids()[row], batch.row(row), &mut scratch, &mut pieces);
            let cells: Vec<Cell<'_>> = pieces
                .iter()
                .map(|p| p.as_cell(&scratch))
                .chain(extra.iter().map(Rendered::as_cell))
                .collect();
            partitioner.write_row(&cells)?;
        }
        rows_written.fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    let summary = partitioner.finish()?;
    // Column 0 is the record id; then the properties, then the association columns.
    let cut_columns = summary
        .cut_cells
        .columns()
        .into_iter()
        .filter_map(|column| match column.checked_sub(1) {
            Some(i) if i < plan.properties.len() => Some(plan.properties[i].name.clone()),
            _ => header_names.get(column).cloned(),
        })
        .collect();
    Ok(Written {
        rows: summary.data_rows,
        extension: if summary.zipped {
            "zip"
        } else {
            request.format.extension()
        },
        cut_cells: summary.cut_cells.total(),
        cut_columns,
    })
}

/// Parts of 1,000,000 rows as HubSpot splits CSV and XLSX (XLS parts hold the format's
/// 65,535), a CSV over the zip threshold zipped, spool files beside the export file.
fn partition_options(
    request: &ExportRequest,
    format: Format,
    config: &ExportConfig,
    temp: &Path,
) -> PartitionOptions {
    let part_rows = config.partition_rows.or(match format {
        Format::Xls => None,
        _ => Some(HUBSPOT_PART_ROWS),
    });
    PartitionOptions {
        max_data_rows_per_part: part_rows,
        entry_stem: file_stem(&request.export_name),
        zip_single_part_over: (format == Format::Csv).then_some(config.csv_zip_bytes),
        sheet: SheetOptions {
            sheet_name: "Export".to_string(),
            application: "crm-exports".to_string(),
            // Spool files go beside the file being written, in the data folder.
            tempdir: temp.parent().map(Path::to_path_buf),
            column_widths: None,
            csv_formula_guard: request.csv_formula_guard,
        },
    }
}

/// A file name from the export name: letters, digits, `-` and `_` kept, the rest `_`.
pub fn file_stem(export_name: &str) -> String {
    let stem: String = export_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if stem.trim_matches('_').is_empty() {
        "export".to_string()
    } else {
        stem
    }
}
