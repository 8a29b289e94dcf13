//! The export queue in PostgreSQL. The export row is the job. Claiming locks the portal of
//! the oldest due export with `FOR NO KEY UPDATE SKIP LOCKED` on its row, so workers in
//! many processes skip a portal another one is claiming for instead of waiting, and under
//! that lock re-checks that the portal has nothing running before taking its oldest due
//! export: the lock is what keeps one export at a time per portal across processes. Every
//! later write is fenced on the claimed `attempt` and the `PROCESSING` state.

use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};

use crate::domain::export::{ExportRequest, ExportState};
use crate::store::{
    ExportLogPage, ExportOutcome, ExportQuota, ExportRow, PortalId, StoreError, StoreResult,
};

/// The channel a new export is announced on; idle workers LISTEN to it.
pub const EXPORT_CREATED_CHANNEL: &str = "crm_exports_export_created";

const COLUMNS: &str = "id, portal_id, request, state, attempt, record_count, file_key, file_size, \
     last_error, requested_at, started_at, completed_at, updated_at";

/// Exports that are due: queued and due to run, or running under a lease that expired.
const DUE: &str = "((e.state = 'ENQUEUED' AND e.run_at <= $1) \
     OR (e.state = 'PROCESSING' AND e.lease_expires_at <= $1))";

/// Candidates one claim looks at before giving up until the next one.
const CLAIM_STEPS: usize = 32;

fn export_row(r: &Row) -> StoreResult<ExportRow> {
    let request: &str = r.try_get(2)?;
    let state: &str = r.try_get(3)?;
    let request = serde_json::from_str::<ExportRequest>(request)
        .map_err(|e| StoreError::Internal(format!("stored export request is unreadable: {e}")))?;
    let state = ExportState::parse(state)
        .ok_or_else(|| StoreError::Internal(format!("unknown export state {state}")))?;
    Ok(ExportRow {
        id: r.try_get(0)?,
        portal: PortalId(r.try_get(1)?),
        request,
        state,
        attempt: r.try_get(4)?,
        record_count: r.try_get(5)?,
        file_key: r.try_get(6)?,
        file_size: r.try_get(7)?,
        last_error: r.try_get(8)?,
        requested_at: r.try_get(9)?,
        started_at: r.try_get(10)?,
        completed_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
    })
}

async fn one(
    tx: &Transaction<'_>,
    sql_where: &str,
    args: &[&(dyn ToSql + Sync)],
) -> StoreResult<Option<ExportRow>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM exports WHERE {sql_where}"),
        args,
    )
    .await?
    .as_ref()
    .map(export_row)
    .transpose()
}

pub async fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    request: &ExportRequest,
    now: i64,
) -> StoreResult<ExportRow> {
    let json = serde_json::to_string(request).map_err(|e| StoreError::Internal(e.to_string()))?;
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO exports (portal_id, request, state, run_at, requested_at, updated_at) \
                 VALUES ($1, $2, 'ENQUEUED', $3, $3, $3) RETURNING {COLUMNS}"
            ),
            &[&portal.0, &json, &now],
        )
        .await?;
    // Delivered when the transaction commits, so a woken worker finds the row.
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&EXPORT_CREATED_CHANNEL, &portal.0.to_string()],
    )
    .await?;
    export_row(&row)
}

pub async fn get(
    tx: &Transaction<'_>,
    portal: PortalId,
    id: i64,
) -> StoreResult<Option<ExportRow>> {
    one(tx, "id = $1 AND portal_id = $2", &[&id, &portal.0]).await
}

pub async fn get_by_id(tx: &Transaction<'_>, id: i64) -> StoreResult<Option<ExportRow>> {
    one(tx, "id = $1", &[&id]).await
}

/// A page of the export log; the object type is read from the stored request's JSON.
pub async fn list(
    tx: &Transaction<'_>,
    portal: PortalId,
    page: &ExportLogPage,
) -> StoreResult<Vec<ExportRow>> {
    let states: Vec<&str> = page.states.iter().map(|s| s.as_str()).collect();
    let object = page.object.map(|o| o.type_id().into_owned());
    let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
    // NULL parameters switch a condition off, so one statement serves every filter.
    let rows = tx
        .query(
            &format!(
                "SELECT {COLUMNS} FROM exports WHERE portal_id = $1 \
                   AND ($2::BIGINT IS NULL OR id < $2) \
                   AND (cardinality($3::TEXT[]) = 0 OR state = ANY($3)) \
                   AND ($4::TEXT IS NULL OR request::jsonb ->> 'objectType' = $4) \
                 ORDER BY id DESC LIMIT $5"
            ),
            &[&portal.0, &page.before, &states, &object, &limit],
        )
        .await?;
    rows.iter().map(export_row).collect()
}

pub async fn count_since(tx: &Transaction<'_>, portal: PortalId, since: i64) -> StoreResult<u64> {
    let n: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM exports WHERE portal_id = $1 AND requested_at >= $2",
            &[&portal.0, &since],
        )
        .await?
        .get(0);
    Ok(n as u64)
}

/// Creates the export if the portal's quota has room. Starts of one portal take a lock
/// held to the end of the transaction, so each counts the exports the others inserted
/// (under READ COMMITTED a plain count would not see them until they commit).
pub async fn create_within_quota(
    tx: &Transaction<'_>,
    portal: PortalId,
    request: &ExportRequest,
    now: i64,
    quota: ExportQuota,
) -> StoreResult<Option<ExportRow>> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(\
         'crm_exports.quota.' || current_schema() || '.' || $1::bigint::text, 0))",
        &[&portal.0],
    )
    .await?;
    if count_since(tx, portal, quota.since).await? >= quota.max {
        return Ok(None);
    }
    create(tx, portal, request, now).await.map(Some)
}

/// Whether another export of the portal runs under a live lease.
async fn portal_busy(
    tx: &Transaction<'_>,
    portal: i64,
    except: i64,
    now: i64,
) -> StoreResult<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM exports WHERE portal_id = $1 AND id != $2 AND state = 'PROCESSING' \
             AND lease_expires_at > $3 LIMIT 1",
            &[&portal, &except, &now],
        )
        .await?
        .is_some())
}

pub async fn claim(
    tx: &Transaction<'_>,
    worker_id: &str,
    now: i64,
    lease_ms: i64,
    max_attempts: i64,
) -> StoreResult<Option<ExportRow>> {
    // Portals found busy, or being claimed by another worker right now, in this claim.
    let mut passed_over: Vec<i64> = Vec::new();
    for _ in 0..CLAIM_STEPS {
        // The portal of the oldest due export, among portals with no export running under
        // a live lease: HubSpot runs one export at a time per portal.
        let Some(candidate) = tx
            .query_opt(
                &format!(
                    "SELECT e.portal_id FROM exports e WHERE {DUE} \
                       AND NOT (e.portal_id = ANY($2)) \
                       AND NOT EXISTS (SELECT 1 FROM exports o WHERE o.portal_id = e.portal_id \
                            AND o.id != e.id AND o.state = 'PROCESSING' AND o.lease_expires_at > $1) \
                     ORDER BY e.run_at, e.id LIMIT 1"
                ),
                &[&now, &passed_over],
            )
            .await?
        else {
            return Ok(None);
        };
        let portal: i64 = candidate.get(0);
        // The portal's row is the claim's lock: a worker in any process claiming for this
        // portal holds it until it commits, and the others skip the portal rather than wait.
        let locked = tx
            .query_opt(
                "SELECT 1 FROM portals WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED",
                &[&portal],
            )
            .await?
            .is_some();
        if !locked {
            passed_over.push(portal);
            continue;
        }
        // Under the lock, fresh statements see every claim committed before it: take the
        // portal's oldest due export unless another one of its exports is running.
        let next = tx
            .query_opt(
                &format!(
                    "SELECT e.id, e.state, e.attempt FROM exports e WHERE {DUE} AND e.portal_id = $2 \
                     ORDER BY e.run_at, e.id LIMIT 1 FOR UPDATE"
                ),
                &[&now, &portal],
            )
            .await?;
        let Some(next) = next else {
            passed_over.push(portal);
            continue;
        };
        let (id, state, attempt): (i64, &str, i64) = (next.get(0), next.get(1), next.get(2));
        if portal_busy(tx, portal, id, now).await? {
            passed_over.push(portal);
            continue;
        }
        if state == "PROCESSING" && attempt >= max_attempts {
            tx.execute(
                "UPDATE exports SET state = 'FAILED', completed_at = $2, updated_at = $2, \
                 last_error = 'The export was interrupted too many times.', worker_id = NULL, \
                 lease_expires_at = NULL WHERE id = $1",
                &[&id, &now],
            )
            .await?;
            continue;
        }
        let row = tx
            .query_one(
                &format!(
                    "UPDATE exports SET state = 'PROCESSING', attempt = attempt + 1, worker_id = $2, \
                     lease_expires_at = $3, started_at = COALESCE(started_at, $4), updated_at = $4, \
                     record_count = NULL WHERE id = $1 RETURNING {COLUMNS}"
                ),
                &[&id, &worker_id, &(now + lease_ms), &now],
            )
            .await?;
        return export_row(&row).map(Some);
    }
    // Whatever is left waits for the next claim.
    Ok(None)
}

/// Records how many rows the current attempt has written, for the details endpoint.
pub async fn progress(tx: &Transaction<'_>, id: i64, attempt: i64, rows: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE exports SET record_count = $3 WHERE id = $1 AND attempt = $2 AND state = 'PROCESSING'",
        &[&id, &attempt, &rows],
    )
    .await?;
    Ok(())
}

pub async fn renew(
    tx: &Transaction<'_>,
    id: i64,
    attempt: i64,
    now: i64,
    lease_ms: i64,
) -> StoreResult<bool> {
    let changed = tx
        .execute(
            "UPDATE exports SET lease_expires_at = $3, updated_at = $4 \
             WHERE id = $1 AND attempt = $2 AND state = 'PROCESSING'",
            &[&id, &attempt, &(now + lease_ms), &now],
        )
        .await?;
    Ok(changed == 1)
}

pub async fn finish(
    tx: &Transaction<'_>,
    id: i64,
    attempt: i64,
    outcome: ExportOutcome,
    now: i64,
) -> StoreResult<bool> {
    let fence = "WHERE id = $1 AND attempt = $2 AND state = 'PROCESSING'";
    let changed = match outcome {
        ExportOutcome::Done {
            record_count,
            file_key,
            file_size,
        } => {
            tx.execute(
                &format!(
                    "UPDATE exports SET state = 'DONE', record_count = $3, file_key = $4, file_size = $5, \
                     completed_at = $6, updated_at = $6, worker_id = NULL, lease_expires_at = NULL {fence}"
                ),
                &[&id, &attempt, &record_count, &file_key, &file_size, &now],
            )
            .await?
        }
        ExportOutcome::Retry { error, run_at } => {
            tx.execute(
                &format!(
                    "UPDATE exports SET state = 'ENQUEUED', last_error = $3, run_at = $4, updated_at = $5, \
                     worker_id = NULL, lease_expires_at = NULL {fence}"
                ),
                &[&id, &attempt, &error, &run_at, &now],
            )
            .await?
        }
        ExportOutcome::Failed { error } => {
            tx.execute(
                &format!(
                    "UPDATE exports SET state = 'FAILED', last_error = $3, completed_at = $4, updated_at = $4, \
                     worker_id = NULL, lease_expires_at = NULL {fence}"
                ),
                &[&id, &attempt, &error, &now],
            )
            .await?
        }
    };
    Ok(changed == 1)
}

pub async fn cancel(
    tx: &Transaction<'_>,
    portal: PortalId,
    id: i64,
    now: i64,
) -> StoreResult<Option<ExportRow>> {
    tx.execute(
        "UPDATE exports SET state = 'CANCELED', completed_at = $3, updated_at = $3, \
         worker_id = NULL, lease_expires_at = NULL \
         WHERE id = $1 AND portal_id = $2 AND state IN ('ENQUEUED', 'PROCESSING')",
        &[&id, &portal.0, &now],
    )
    .await?;
    get(tx, portal, id).await
}

pub async fn delete_before(tx: &Transaction<'_>, before: i64) -> StoreResult<Vec<ExportRow>> {
    let rows = tx
        .query(
            &format!(
                "DELETE FROM exports WHERE requested_at < $1 AND state IN ('DONE', 'FAILED', 'CANCELED') \
                 RETURNING {COLUMNS}"
            ),
            &[&before],
        )
        .await?;
    let mut deleted = rows
        .iter()
        .map(export_row)
        .collect::<StoreResult<Vec<_>>>()?;
    deleted.sort_by_key(|row| row.id);
    Ok(deleted)
}
