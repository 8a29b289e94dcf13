//! The export queue in SQLite. The export row is the job: claiming sets a lease inside one
//! `BEGIN IMMEDIATE` transaction (SQLite has one writer, so no `SKIP LOCKED` is needed),
//! and every later write is fenced on the claimed `attempt` and the `PROCESSING` state.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::domain::export::{ExportRequest, ExportState};
use crate::store::{ExportLogPage, ExportOutcome, ExportRow, PortalId, StoreError, StoreResult};

const COLUMNS: &str = "id, portal_id, request, state, attempt, record_count, file_key, file_size, \
     last_error, requested_at, started_at, completed_at, updated_at, expected_record_count";

fn export_row(r: &Row<'_>) -> rusqlite::Result<Result<ExportRow, StoreError>> {
    let request: String = r.get(2)?;
    let state: String = r.get(3)?;
    let parsed = serde_json::from_str::<ExportRequest>(&request)
        .map_err(|e| StoreError::Internal(format!("stored export request is unreadable: {e}")))
        .and_then(|request| {
            let state = ExportState::parse(&state)
                .ok_or_else(|| StoreError::Internal(format!("unknown export state {state}")))?;
            Ok((request, state))
        });
    Ok(match parsed {
        Ok((request, state)) => Ok(ExportRow {
            id: r.get(0)?,
            portal: PortalId(r.get(1)?),
            request,
            state,
            attempt: r.get(4)?,
            record_count: r.get(5)?,
            file_key: r.get(6)?,
            file_size: r.get(7)?,
            last_error: r.get(8)?,
            requested_at: r.get(9)?,
            started_at: r.get(10)?,
            completed_at: r.get(11)?,
            updated_at: r.get(12)?,
            expected_record_count: r.get(13)?,
        }),
        Err(e) => Err(e),
    })
}

fn one(
    conn: &Connection,
    sql_where: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Option<ExportRow>> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM exports WHERE {sql_where}"))?
        .query_row(args, export_row)
        .optional()?;
    found.transpose()
}

pub fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    request: &ExportRequest,
    now: i64,
) -> StoreResult<ExportRow> {
    let json = serde_json::to_string(request).map_err(|e| StoreError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO exports (portal_id, request, state, run_at, requested_at, updated_at) \
         VALUES (?1, ?2, 'ENQUEUED', ?3, ?3, ?3)",
        params![portal.0, json, now],
    )?;
    let id = tx.last_insert_rowid();
    one(tx, "id = ?1", [id])?.ok_or_else(|| StoreError::Internal("a new export vanished".into()))
}

pub fn get(conn: &Connection, portal: PortalId, id: i64) -> StoreResult<Option<ExportRow>> {
    one(conn, "id = ?1 AND portal_id = ?2", params![id, portal.0])
}

pub fn get_by_id(conn: &Connection, id: i64) -> StoreResult<Option<ExportRow>> {
    one(conn, "id = ?1", [id])
}

/// A page of the export log; the object type is read from the stored request's JSON.
pub fn list(
    conn: &Connection,
    portal: PortalId,
    page: &ExportLogPage,
) -> StoreResult<Vec<ExportRow>> {
    let states: Vec<&str> = page.states.iter().map(|s| s.as_str()).collect();
    let states = serde_json::to_string(&states).map_err(|e| StoreError::Internal(e.to_string()))?;
    let object = page.object.map(|o| o.type_id().into_owned());
    let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
    // NULL parameters switch a condition off, so one cached statement serves every filter.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM exports WHERE portal_id = ?1 \
           AND (?2 IS NULL OR id < ?2) \
           AND (?3 = '[]' OR state IN (SELECT value FROM json_each(?3))) \
           AND (?4 IS NULL OR json_extract(request, '$.objectType') = ?4) \
         ORDER BY id DESC LIMIT ?5"
    ))?;
    let found = stmt.query_map(
        params![portal.0, page.before, states, object, limit],
        export_row,
    )?;
    found.collect::<Result<Vec<_>, _>>()?.into_iter().collect()
}

pub fn count_since(conn: &Connection, portal: PortalId, since: i64) -> StoreResult<u64> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM exports WHERE portal_id = ?1 AND requested_at >= ?2",
        params![portal.0, since],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

pub fn claim(
    tx: &Transaction<'_>,
    worker_id: &str,
    now: i64,
    lease_ms: i64,
    max_attempts: i64,
) -> StoreResult<Option<ExportRow>> {
    loop {
        // Due work of a portal that has no other export running under a live lease: HubSpot
        // runs one export at a time per portal.
        let candidate: Option<(i64, String, i64)> = tx
            .prepare_cached(
                "SELECT e.id, e.state, e.attempt FROM exports e \
                 WHERE ((e.state = 'ENQUEUED' AND e.run_at <= ?1) \
                        OR (e.state = 'PROCESSING' AND e.lease_expires_at <= ?1)) \
                   AND NOT EXISTS (SELECT 1 FROM exports o WHERE o.portal_id = e.portal_id \
                        AND o.id != e.id AND o.state = 'PROCESSING' AND o.lease_expires_at > ?1) \
                 ORDER BY e.run_at, e.id LIMIT 1",
            )?
            .query_row([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((id, state, attempt)) = candidate else {
            return Ok(None);
        };
        if state == "PROCESSING" && attempt >= max_attempts {
            tx.execute(
                "UPDATE exports SET state = 'FAILED', completed_at = ?2, updated_at = ?2, \
                 last_error = 'The export was interrupted too many times.', worker_id = NULL, \
                 lease_expires_at = NULL WHERE id = ?1",
                params![id, now],
            )?;
            continue;
        }
        tx.execute(
            "UPDATE exports SET state = 'PROCESSING', attempt = attempt + 1, worker_id = ?2, \
             lease_expires_at = ?3, started_at = COALESCE(started_at, ?4), updated_at = ?4, \
             record_count = NULL, expected_record_count = NULL WHERE id = ?1",
            params![id, worker_id, now + lease_ms, now],
        )?;
        return one(tx, "id = ?1", [id]);
    }
}

pub fn renew(
    tx: &Transaction<'_>,
    id: i64,
    attempt: i64,
    now: i64,
    lease_ms: i64,
) -> StoreResult<bool> {
    let changed = tx.execute(
        "UPDATE exports SET lease_expires_at = ?3, updated_at = ?4 \
         WHERE id = ?1 AND attempt = ?2 AND state = 'PROCESSING'",
        params![id, attempt, now + lease_ms, now],
    )?;
    Ok(changed == 1)
}

/// Records how many rows the current attempt has written, for the details endpoint.
pub fn progress(tx: &Transaction<'_>, id: i64, attempt: i64, rows: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE exports SET record_count = ?3 WHERE id = ?1 AND attempt = ?2 AND state = 'PROCESSING'",
        params![id, attempt, rows],
    )?;
    Ok(())
}

/// Records how many records the current attempt will write, once it has counted them.
pub fn expected(tx: &Transaction<'_>, id: i64, attempt: i64, count: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE exports SET expected_record_count = ?3 \
         WHERE id = ?1 AND attempt = ?2 AND state = 'PROCESSING'",
        params![id, attempt, count],
    )?;
    Ok(())
}

pub fn finish(
    tx: &Transaction<'_>,
    id: i64,
    attempt: i64,
    outcome: ExportOutcome,
    now: i64,
) -> StoreResult<bool> {
    let fence = "WHERE id = ?1 AND attempt = ?2 AND state = 'PROCESSING'";
    let changed = match outcome {
        ExportOutcome::Done {
            record_count,
            file_key,
            file_size,
        } => tx.execute(
            &format!(
                "UPDATE exports SET state = 'DONE', record_count = ?3, file_key = ?4, file_size = ?5, \
                 completed_at = ?6, updated_at = ?6, worker_id = NULL, lease_expires_at = NULL {fence}"
            ),
            params![id, attempt, record_count, file_key, file_size, now],
        )?,
        ExportOutcome::Retry { error, run_at } => tx.execute(
            &format!(
                "UPDATE exports SET state = 'ENQUEUED', last_error = ?3, run_at = ?4, updated_at = ?5, \
                 worker_id = NULL, lease_expires_at = NULL {fence}"
            ),
            params![id, attempt, error, run_at, now],
        )?,
        ExportOutcome::Failed { error } => tx.execute(
            &format!(
                "UPDATE exports SET state = 'FAILED', last_error = ?3, completed_at = ?4, updated_at = ?4, \
                 worker_id = NULL, lease_expires_at = NULL {fence}"
            ),
            params![id, attempt, error, now],
        )?,
    };
    Ok(changed == 1)
}

pub fn cancel(
    tx: &Transaction<'_>,
    portal: PortalId,
    id: i64,
    now: i64,
) -> StoreResult<Option<ExportRow>> {
    tx.execute(
        "UPDATE exports SET state = 'CANCELED', completed_at = ?3, updated_at = ?3, \
         worker_id = NULL, lease_expires_at = NULL \
         WHERE id = ?1 AND portal_id = ?2 AND state IN ('ENQUEUED', 'PROCESSING')",
        params![id, portal.0, now],
    )?;
    get(tx, portal, id)
}

pub fn delete_before(tx: &Transaction<'_>, before: i64) -> StoreResult<Vec<ExportRow>> {
    let rows = {
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLUMNS} FROM exports WHERE requested_at < ?1 AND state IN ('DONE', 'FAILED', 'CANCELED')"
        ))?;
        let found = stmt.query_map([before], export_row)?;
        found
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .collect::<StoreResult<Vec<_>>>()?
    };
    for row in &rows {
        tx.execute("DELETE FROM exports WHERE id = ?1", [row.id])?;
    }
    Ok(rows)
}
