//! A fault the admin API left for a portal's next export, applied to it once claimed
//! instead of running it: `fail` becomes the attempt's outcome, recorded (and logged and
//! counted) by the runner as a permanent failure is (FAILED, shown as CANCELED with
//! `errors[]` on the task status); `cancel` cancels it as a client's cancel would (and is
//! counted as one). The pacing faults (`stallAfterRows`, `rowsPerSecond`) are not applied
//! here: the attempt runs under their [`RowPace`](crate::faults::RowPace). Nothing else the
//! portal holds changes.

use super::JobError;
use crate::domain::export::ExportState;
use crate::faults::ExportFault;
use crate::store::{ExportOutcome, ExportQueue, ExportRow};

/// Applies `fault` to the claimed export `row`; the outcome the runner records, if any.
pub async fn apply(
    queue: &dyn ExportQueue,
    row: &ExportRow,
    fault: ExportFault,
    now: i64,
) -> Result<Option<ExportOutcome>, JobError> {
    tracing::info!(?fault, "applying an injected export fault");
    match fault {
        ExportFault::Fail(reason) => Ok(Some(ExportOutcome::Failed { error: reason })),
        ExportFault::Cancel(_) => {
            let canceled = queue.cancel_export(row.portal, row.id, now).await?;
            if canceled.is_some_and(|r| r.state == ExportState::Canceled) {
                tracing::info!("export canceled");
                metrics::counter!("crm_exports_exports_total", "state" => "CANCELED").increment(1);
            }
            Ok(None)
        }
        ExportFault::StallAfterRows(_) | ExportFault::RowsPerSecond(_) => Err(JobError::message(
            "a pacing fault is applied while the export runs",
        )),
    }
}
