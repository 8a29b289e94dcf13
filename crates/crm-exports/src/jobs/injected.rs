//! A fault the admin API left for a portal's next export, applied to it once claimed
//! instead of running it: `fail` ends it through the same path a permanent failure takes
//! (FAILED, shown as CANCELED with `errors[]` on the task status), `cancel` as a client's
//! cancel would. Nothing else the portal holds changes.

use super::JobError;
use crate::faults::ExportFault;
use crate::store::{ExportOutcome, ExportQueue, ExportRow};

pub async fn apply(
    queue: &dyn ExportQueue,
    row: &ExportRow,
    fault: ExportFault,
    now: i64,
) -> Result<(), JobError> {
    tracing::info!(
        export_id = row.id,
        ?fault,
        "applying an injected export fault"
    );
    match fault {
        ExportFault::Fail(reason) => {
            let outcome = ExportOutcome::Failed { error: reason };
            queue
                .finish_export(row.id, row.attempt, outcome, now)
                .await?;
        }
        ExportFault::Cancel(_) => {
            queue.cancel_export(row.portal, row.id, now).await?;
        }
    }
    Ok(())
}
