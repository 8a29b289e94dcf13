//! The export queue's statements. The export row is the job: a claim takes a lease on it,
//! and every later write of the worker (renew, progress, finish) is fenced on the claimed
//! `attempt` and the `PROCESSING` state, so a worker that lost its lease changes nothing.
//! How a claim finds its export differs per database (`sqlite/claim.rs`,
//! `postgres/claim.rs`); what it writes is here.

use super::builder::{Param, Sql};
use super::exec::{Exec, RowRead, first, integer, one, rows, to_json};
use super::webhooks;
use crate::domain::export::{ExportRequest, ExportState};
use crate::domain::webhook::WebhookEvent;
use crate::store::database::Claim;
use crate::store::{
    CutText, ExportLogPage, ExportOutcome, ExportQuota, ExportRow, PortalId, StoreError,
    StoreResult,
};

pub const COLUMNS: &str = "id, portal_id, request, state, attempt, record_count, file_key, \
     file_size, last_error, requested_at, started_at, completed_at, updated_at, expected_record_count, \
     truncated_cell_count, truncated_properties";

/// Exports that are due (`?1` is now): queued and due to run, or running under a lease
/// that expired.
pub const DUE: &str = "((e.state = 'ENQUEUED' AND e.run_at <= ?1) \
     OR (e.state = 'PROCESSING' AND e.lease_expires_at <= ?1))";

/// No other export of the candidate's portal runs under a live lease (`?1` is now):
/// HubSpot runs one export at a time per portal.
pub const PORTAL_IDLE: &str = "NOT EXISTS (SELECT 1 FROM exports o WHERE o.portal_id = e.portal_id \
     AND o.id != e.id AND o.state = 'PROCESSING' AND o.lease_expires_at > ?1)";

const FENCE: &str = "WHERE id = ?1 AND attempt = ?2 AND state = 'PROCESSING'";

pub fn export_row(r: &dyn RowRead) -> StoreResult<ExportRow> {
    let request = serde_json::from_str::<ExportRequest>(r.text(2)?)
        .map_err(|e| StoreError::caused("a stored export request is unreadable", e))?;
    let state = r.text(3)?;
    let state = ExportState::parse(state)
        .ok_or_else(|| StoreError::internal(format!("unknown export state {state}")))?;
    Ok(ExportRow {
        id: r.int(0)?,
        portal: PortalId(r.int(1)?),
        request,
        state,
        attempt: r.int(4)?,
        record_count: r.opt_int(5)?,
        file_key: r.opt_text(6)?.map(str::to_string),
        file_size: r.opt_int(7)?,
        last_error: r.opt_text(8)?.map(str::to_string),
        requested_at: r.int(9)?,
        started_at: r.opt_int(10)?,
        completed_at: r.opt_int(11)?,
        updated_at: r.int(12)?,
        expected_record_count: r.opt_int(13)?,
        cut: cut_text(r)?,
    })
}

fn cut_text(r: &dyn RowRead) -> StoreResult<CutText> {
    let properties = match r.opt_text(15)? {
        Some(names) => serde_json::from_str(names)
            .map_err(|e| StoreError::caused("stored truncated properties are unreadable", e))?,
        None => Vec::new(),
    };
    Ok(CutText {
        cells: r.opt_int(14)?.unwrap_or(0),
        properties,
    })
}

async fn select_one(
    e: &mut dyn Exec,
    condition: &str,
    params: Vec<Param<'_>>,
) -> StoreResult<Option<ExportRow>> {
    let text = format!("SELECT {COLUMNS} FROM exports WHERE {condition}");
    let sql = Sql::fixed(e.dialect(), &text, params);
    first(e, &sql, export_row).await
}

/// Queues an export (announced to listening workers where the database can).
async fn create(
    e: &mut dyn Exec,
    portal: PortalId,
    request: &ExportRequest,
    now: i64,
) -> StoreResult<ExportRow> {
    let d = e.dialect();
    let text = format!(
        "INSERT INTO exports (portal_id, request, state, run_at, requested_at, updated_at) \
         VALUES (?1, ?2, 'ENQUEUED', ?3, ?3, ?3) RETURNING {COLUMNS}"
    );
    let params = vec![
        Param::Int(portal.0),
        Param::from(to_json(request)?),
        Param::Int(now),
    ];
    let row = one(e, &Sql::fixed(d, &text, params), export_row).await?;
    if let Some(notice) = d.export_created_notice(portal) {
        e.execute(&notice).await?;
    }
    Ok(row)
}

pub async fn get(e: &mut dyn Exec, portal: PortalId, id: i64) -> StoreResult<Option<ExportRow>> {
    let params = vec![Param::Int(id), Param::Int(portal.0)];
    select_one(e, "id = ?1 AND portal_id = ?2", params).await
}

pub async fn get_by_id(e: &mut dyn Exec, id: i64) -> StoreResult<Option<ExportRow>> {
    select_one(e, "id = ?1", vec![Param::Int(id)]).await
}

/// A page of the export log; the object type is read from the stored request's JSON.
pub async fn list(
    e: &mut dyn Exec,
    portal: PortalId,
    page: &ExportLogPage,
) -> StoreResult<Vec<ExportRow>> {
    let d = e.dialect();
    let mut sql = Sql::new(d);
    sql.push("SELECT ")
        .push(COLUMNS)
        .push(" FROM exports WHERE portal_id = ");
    sql.bind(portal.0);
    if let Some(before) = page.before {
        sql.push(" AND id < ").bind(before);
    }
    if !page.states.is_empty() {
        sql.push(" AND state IN (");
        sql.bind_list(page.states.iter().map(|s| s.as_str()));
        sql.push(")");
    }
    if let Some(object) = page.object {
        sql.push(" AND ")
            .push(&d.json_text("request", "objectType"));
        sql.push(" = ").bind(object.type_id());
    }
    let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
    rows(e, &sql, export_row).await
}

/// Exports `portal` requested at or after `since`, for the rolling quota.
async fn count_since(e: &mut dyn Exec, portal: PortalId, since: i64) -> StoreResult<u64> {
    let text = "SELECT COUNT(*) FROM exports WHERE portal_id = ?1 AND requested_at >= ?2";
    let sql = Sql::fixed(
        e.dialect(),
        text,
        vec![Param::Int(portal.0), Param::Int(since)],
    );
    Ok(integer(e, &sql).await? as u64)
}

/// Creates the export if the portal's quota has room, in one write transaction with the
/// count, so simultaneous starts cannot all see room. SQLite's write transactions are
/// IMMEDIATE (one writer at a time); PostgreSQL takes the portal's quota lock first, since
/// under READ COMMITTED a plain count would not see the others' uncommitted inserts.
pub async fn create_within_quota(
    e: &mut dyn Exec,
    portal: PortalId,
    request: &ExportRequest,
    now: i64,
    quota: ExportQuota,
) -> StoreResult<Option<ExportRow>> {
    if let Some(lock) = e.dialect().export_quota_lock(portal) {
        e.execute(&lock).await?;
    }
    if count_since(e, portal, quota.since).await? >= quota.max {
        return Ok(None);
    }
    create(e, portal, request, now).await.map(Some)
}

/// Fails an export whose lease expired once too often (its worker keeps dying).
pub async fn fail_interrupted(e: &mut dyn Exec, id: i64, now: i64) -> StoreResult<()> {
    tracing::warn!(
        export_id = id,
        "export failed: it was interrupted too many times"
    );
    let text = "UPDATE exports SET state = 'FAILED', completed_at = ?2, updated_at = ?2, \
         last_error = 'The export was interrupted too many times.', worker_id = NULL, \
         lease_expires_at = NULL WHERE id = ?1";
    let d = e.dialect();
    e.execute(&Sql::fixed(d, text, vec![Param::Int(id), Param::Int(now)]))
        .await?;
    webhooks::enqueue(e, id, WebhookEvent::Failed, now).await
}

/// Takes a lease on export `id` for the claiming worker until `now + lease_ms`; returns the
/// export as it now stands. `taking_over` says the export was running under a lease that
/// expired (its worker died or stalled), which is logged.
pub async fn take_lease(
    e: &mut dyn Exec,
    id: i64,
    claim: &Claim,
    taking_over: bool,
) -> StoreResult<ExportRow> {
    let (worker_id, now, lease_ms) = (claim.worker_id.as_str(), claim.now, claim.lease_ms);
    let text = format!(
        "UPDATE exports SET state = 'PROCESSING', attempt = attempt + 1, worker_id = ?2, \
         lease_expires_at = ?3, started_at = COALESCE(started_at, ?4), updated_at = ?4, \
         record_count = NULL, expected_record_count = NULL, \
         truncated_cell_count = NULL, truncated_properties = NULL WHERE id = ?1 RETURNING {COLUMNS}"
    );
    let params = vec![
        Param::Int(id),
        Param::from(worker_id),
        Param::Int(now + lease_ms),
        Param::Int(now),
    ];
    let d = e.dialect();
    let row = one(e, &Sql::fixed(d, &text, params), export_row).await?;
    if taking_over {
        tracing::warn!(
            export_id = id,
            portal = row.portal.0,
            attempt = row.attempt,
            worker = worker_id,
            "export taken over: the lease of its last attempt expired"
        );
    }
    Ok(row)
}

/// Extends a lease; `false` when the lease was lost (reclaimed, or the export canceled).
pub async fn renew(
    e: &mut dyn Exec,
    id: i64,
    attempt: i64,
    now: i64,
    lease_ms: i64,
) -> StoreResult<bool> {
    let text = format!("UPDATE exports SET lease_expires_at = ?3, updated_at = ?4 {FENCE}");
    let params = vec![
        Param::Int(id),
        Param::Int(attempt),
        Param::Int(now + lease_ms),
        Param::Int(now),
    ];
    let d = e.dialect();
    Ok(e.execute(&Sql::fixed(d, &text, params)).await? == 1)
}

/// Records how many rows the current attempt has written, for the details endpoint.
pub async fn progress(e: &mut dyn Exec, id: i64, attempt: i64, written: i64) -> StoreResult<()> {
    let text = format!("UPDATE exports SET record_count = ?3 {FENCE}");
    let params = vec![Param::Int(id), Param::Int(attempt), Param::Int(written)];
    let d = e.dialect();
    e.execute(&Sql::fixed(d, &text, params)).await?;
    Ok(())
}

/// Records how many records the current attempt will write, once it has counted them.
pub async fn expected(e: &mut dyn Exec, id: i64, attempt: i64, count: i64) -> StoreResult<()> {
    let text = format!("UPDATE exports SET expected_record_count = ?3 {FENCE}");
    let params = vec![Param::Int(id), Param::Int(attempt), Param::Int(count)];
    let d = e.dialect();
    e.execute(&Sql::fixed(d, &text, params)).await?;
    Ok(())
}

/// Records the outcome of an attempt; `false` (and nothing written) if the lease was lost.
pub async fn finish(
    e: &mut dyn Exec,
    id: i64,
    attempt: i64,
    outcome: &ExportOutcome,
    now: i64,
) -> StoreResult<bool> {
    let fenced = vec![Param::Int(id), Param::Int(attempt)];
    let event = match outcome {
        ExportOutcome::Done { .. } => Some(WebhookEvent::Completed),
        ExportOutcome::Failed { .. } => Some(WebhookEvent::Failed),
        ExportOutcome::Retry { .. } => None,
    };
    let (set, values): (&str, Vec<Param<'_>>) = match outcome {
        ExportOutcome::Done {
            record_count,
            file_key,
            file_size,
            cut,
        } => (
            "state = 'DONE', record_count = ?3, file_key = ?4, file_size = ?5, completed_at = ?6, \
             updated_at = ?6, truncated_cell_count = ?7, truncated_properties = ?8",
            vec![
                Param::Int(*record_count),
                Param::from(file_key),
                Param::Int(*file_size),
                Param::Int(now),
                Param::Int(cut.cells),
                Param::from(to_json(&cut.properties)?),
            ],
        ),
        ExportOutcome::Retry { error, run_at } => (
            "state = 'ENQUEUED', last_error = ?3, run_at = ?4, updated_at = ?5",
            vec![Param::from(error), Param::Int(*run_at), Param::Int(now)],
        ),
        ExportOutcome::Failed { error } => (
            "state = 'FAILED', last_error = ?3, completed_at = ?4, updated_at = ?4",
            vec![Param::from(error), Param::Int(now)],
        ),
    };
    let text =
        format!("UPDATE exports SET {set}, worker_id = NULL, lease_expires_at = NULL {FENCE}");
    let params = fenced.into_iter().chain(values).collect();
    let d = e.dialect();
    let finished = e.execute(&Sql::fixed(d, &text, params)).await? == 1;
    if let Some(event) = event.filter(|_| finished) {
        webhooks::enqueue(e, id, event, now).await?;
    }
    Ok(finished)
}

/// Cancels an export that is queued or running; returns it as it now stands.
pub async fn cancel(
    e: &mut dyn Exec,
    portal: PortalId,
    id: i64,
    now: i64,
) -> StoreResult<Option<ExportRow>> {
    let text = "UPDATE exports SET state = 'CANCELED', completed_at = ?3, updated_at = ?3, \
         worker_id = NULL, lease_expires_at = NULL \
         WHERE id = ?1 AND portal_id = ?2 AND state IN ('ENQUEUED', 'PROCESSING')";
    let params = vec![Param::Int(id), Param::Int(portal.0), Param::Int(now)];
    let d = e.dialect();
    if e.execute(&Sql::fixed(d, text, params)).await? == 1 {
        webhooks::enqueue(e, id, WebhookEvent::Canceled, now).await?;
    }
    get(e, portal, id).await
}

/// Exports waiting to run (queued, or back in the queue for a retry), for the queue-depth
/// gauge.
pub async fn count_queued(e: &mut dyn Exec) -> StoreResult<i64> {
    let text = "SELECT COUNT(*) FROM exports WHERE state = 'ENQUEUED'";
    let sql = Sql::fixed(e.dialect(), text, Vec::new());
    integer(e, &sql).await
}

/// Deletes the finished exports requested before `before`, and the webhook deliveries that
/// ended before then; returns the exports, by id.
pub async fn delete_before(e: &mut dyn Exec, before: i64) -> StoreResult<Vec<ExportRow>> {
    // The delivery log is kept as long as the exports it announced.
    webhooks::delete_completed_before(e, before).await?;
    let text = format!(
        "DELETE FROM exports WHERE requested_at < ?1 AND state IN ('DONE', 'FAILED', 'CANCELED') \
         RETURNING {COLUMNS}"
    );
    let d = e.dialect();
    let mut deleted = rows(
        e,
        &Sql::fixed(d, &text, vec![Param::Int(before)]),
        export_row,
    )
    .await?;
    deleted.sort_by_key(|row| row.id);
    Ok(deleted)
}
