//! What the runner tells operators once an attempt's outcome is recorded: the lifecycle
//! line (finished with rows, bytes and duration; failed with the reason; queued again for
//! a retry) and the export metrics — `crm_exports_exports_total{state}`,
//! `crm_exports_export_duration_seconds{format}`, `crm_exports_export_rows_total` and
//! `crm_exports_export_bytes_total`. Called inside the export's span.

use crate::store::{ExportOutcome, ExportRow};

/// Logs and counts an outcome the store accepted; `at` is when the attempt ended.
pub fn record(row: &ExportRow, outcome: &ExportOutcome, at: i64) {
    let format = row.request.format.extension();
    // From the request, so the figure is what the caller waited, retries included.
    let seconds = (at - row.requested_at).max(0) as f64 / 1000.0;
    match outcome {
        ExportOutcome::Done {
            record_count,
            file_size,
            ..
        } => {
            tracing::info!(
                rows = record_count,
                bytes = file_size,
                duration_ms = at - row.requested_at,
                "export finished"
            );
            metrics::counter!("crm_exports_exports_total", "state" => "DONE").increment(1);
            metrics::histogram!("crm_exports_export_duration_seconds", "format" => format)
                .record(seconds);
            metrics::counter!("crm_exports_export_rows_total").increment(*record_count as u64);
            metrics::counter!("crm_exports_export_bytes_total").increment(*file_size as u64);
        }
        ExportOutcome::Failed { error } => {
            tracing::warn!(reason = %error, "export failed");
            metrics::counter!("crm_exports_exports_total", "state" => "FAILED").increment(1);
        }
        ExportOutcome::Retry { error, run_at } => {
            tracing::info!(reason = %error, retry_at = run_at, "export queued again for a retry");
            metrics::counter!("crm_exports_exports_total", "state" => "RETRIED").increment(1);
        }
    }
}
