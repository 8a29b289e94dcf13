//! The webhook statements: subscriptions, the deliveries an export's state change writes
//! in the transaction that makes it ([`enqueue`], called from `exports.rs`), the claim of
//! due deliveries under a lease, and an attempt's result, fenced on the claimed attempt so
//! a worker whose lease ran out changes nothing.

use super::builder::{Param, Sql};
use super::exec::{Exec, RowRead, first, integer, one, rows, to_json};
use crate::domain::webhook::{MAX_SUBSCRIPTIONS, WebhookEvent};
use crate::store::{
    AttemptResult, ClaimedDelivery, DeliveryAttempt, DeliveryRow, DeliveryState, NewWebhook,
    NextStep, PortalId, StatusLinks, StoreError, StoreResult, WebhookRow,
};

const SUBSCRIPTION_COLUMNS: &str =
    "id, portal_id, target_url, events, secret, created_at, export_family, request_origin";

const DELIVERY_COLUMNS: &str = "id, subscription_id, portal_id, event_id, event_type, export_id, \
     export_state, record_count, occurred_at, state, attempts, next_attempt_at, last_status, \
     last_error, completed_at";

/// Deliveries due at `?1`: pending, their time come, and not under a live lease.
const DUE: &str = "state = 'PENDING' AND next_attempt_at <= ?1 \
     AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)";

fn subscription_row(r: &dyn RowRead) -> StoreResult<WebhookRow> {
    let events = serde_json::from_str(r.text(3)?)
        .map_err(|e| StoreError::caused("stored webhook events are unreadable", e))?;
    Ok(WebhookRow {
        id: r.int(0)?,
        portal: PortalId(r.int(1)?),
        target_url: r.text(2)?.to_string(),
        events,
        secret: r.text(4)?.to_string(),
        created_at: r.int(5)?,
        links: links_at(r, 6)?,
    })
}

/// The family and origin columns read from `column` on.
fn links_at(r: &dyn RowRead, column: usize) -> StoreResult<StatusLinks> {
    Ok(StatusLinks {
        family: r.text(column)?.to_string(),
        origin: r.opt_text(column + 1)?.map(str::to_string),
    })
}

fn delivery_row(r: &dyn RowRead) -> StoreResult<DeliveryRow> {
    let state = r.text(9)?;
    let state = DeliveryState::parse(state)
        .ok_or_else(|| StoreError::internal(format!("unknown delivery state {state}")))?;
    Ok(DeliveryRow {
        id: r.int(0)?,
        subscription_id: r.int(1)?,
        portal: PortalId(r.int(2)?),
        event_id: r.text(3)?.to_string(),
        event_type: r.text(4)?.to_string(),
        export_id: r.int(5)?,
        export_state: r.text(6)?.to_string(),
        record_count: r.opt_int(7)?,
        occurred_at: r.int(8)?,
        state,
        attempts: r.int(10)?,
        next_attempt_at: r.opt_int(11)?,
        last_status: r.opt_int(12)?,
        last_error: r.opt_text(13)?.map(str::to_string),
        completed_at: r.opt_int(14)?,
        log: Vec::new(),
    })
}

/// Creates a subscription unless the portal has as many as it may keep (then `None`).
pub async fn create(
    e: &mut dyn Exec,
    portal: PortalId,
    new: &NewWebhook,
    now: i64,
) -> StoreResult<Option<WebhookRow>> {
    let d = e.dialect();
    let count = "SELECT COUNT(*) FROM webhook_subscriptions WHERE portal_id = ?1";
    let held = integer(e, &Sql::fixed(d, count, vec![Param::Int(portal.0)])).await?;
    if held >= MAX_SUBSCRIPTIONS as i64 {
        return Ok(None);
    }
    let names: Vec<&str> = new.events.iter().map(|e| e.as_str()).collect();
    let text = format!(
        "INSERT INTO webhook_subscriptions (portal_id, target_url, events, secret, created_at, \
         export_family, request_origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         RETURNING {SUBSCRIPTION_COLUMNS}"
    );
    let params = vec![
        Param::Int(portal.0),
        Param::from(&new.target_url),
        Param::from(to_json(&names)?),
        Param::from(&new.secret),
        Param::Int(now),
        Param::from(&new.links.family),
        Param::from(new.links.origin.as_deref()),
    ];
    one(e, &Sql::fixed(d, &text, params), subscription_row)
        .await
        .map(Some)
}

pub async fn list(e: &mut dyn Exec, portal: PortalId) -> StoreResult<Vec<WebhookRow>> {
    let text = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE portal_id = ?1 ORDER BY id"
    );
    let sql = Sql::fixed(e.dialect(), &text, vec![Param::Int(portal.0)]);
    rows(e, &sql, subscription_row).await
}

pub async fn get(e: &mut dyn Exec, portal: PortalId, id: i64) -> StoreResult<Option<WebhookRow>> {
    let text = format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE id = ?1 AND portal_id = ?2"
    );
    let sql = Sql::fixed(
        e.dialect(),
        &text,
        vec![Param::Int(id), Param::Int(portal.0)],
    );
    first(e, &sql, subscription_row).await
}

/// Deletes a subscription with its deliveries (pending ones are never sent); `false` when
/// the portal has no such subscription.
pub async fn delete(e: &mut dyn Exec, portal: PortalId, id: i64) -> StoreResult<bool> {
    let d = e.dialect();
    let params = || vec![Param::Int(id), Param::Int(portal.0)];
    let owned = "SELECT id FROM webhook_deliveries WHERE subscription_id = ?1 AND portal_id = ?2";
    let attempts = format!("DELETE FROM webhook_attempts WHERE delivery_id IN ({owned})");
    e.execute(&Sql::fixed(d, &attempts, params())).await?;
    let deliveries = "DELETE FROM webhook_deliveries WHERE subscription_id = ?1 AND portal_id = ?2";
    e.execute(&Sql::fixed(d, deliveries, params())).await?;
    let subscription = "DELETE FROM webhook_subscriptions WHERE id = ?1 AND portal_id = ?2";
    Ok(e.execute(&Sql::fixed(d, subscription, params())).await? == 1)
}

/// Deletes the deliveries that ended (delivered, or failed for good) before `before`, with
/// their attempts: the retention sweep, so the delivery log does not grow without end. A
/// delivery still being retried is kept whatever its age.
pub async fn delete_completed_before(e: &mut dyn Exec, before: i64) -> StoreResult<u64> {
    let d = e.dialect();
    let ended = "SELECT id FROM webhook_deliveries WHERE completed_at < ?1";
    let attempts = format!("DELETE FROM webhook_attempts WHERE delivery_id IN ({ended})");
    e.execute(&Sql::fixed(d, &attempts, vec![Param::Int(before)]))
        .await?;
    let deliveries = "DELETE FROM webhook_deliveries WHERE completed_at < ?1";
    e.execute(&Sql::fixed(d, deliveries, vec![Param::Int(before)]))
        .await
}

/// A subscription's latest `limit` deliveries, newest first, each with its attempts.
pub async fn deliveries(
    e: &mut dyn Exec,
    subscription: i64,
    limit: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    let d = e.dialect();
    let text = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = ?1 \
         ORDER BY id DESC LIMIT ?2"
    );
    let params = vec![Param::Int(subscription), Param::Int(limit)];
    let mut found = rows(e, &Sql::fixed(d, &text, params), delivery_row).await?;
    for delivery in &mut found {
        let text = "SELECT attempt, at, status_code, error FROM webhook_attempts \
             WHERE delivery_id = ?1 ORDER BY attempt";
        let sql = Sql::fixed(d, text, vec![Param::Int(delivery.id)]);
        delivery.log = rows(e, &sql, |r| {
            Ok(DeliveryAttempt {
                attempt: r.int(0)?,
                at: r.int(1)?,
                status_code: r.opt_int(2)?,
                error: r.opt_text(3)?.map(str::to_string),
            })
        })
        .await?;
    }
    Ok(found)
}

/// Writes one delivery per subscription of the export's portal that asked for `event`,
/// all with one new event id; run in the transaction that moved the export into the
/// event's state, so the change and its deliveries are stored together or not at all.
pub async fn enqueue(
    e: &mut dyn Exec,
    export_id: i64,
    event: WebhookEvent,
    now: i64,
) -> StoreResult<()> {
    let text = "INSERT INTO webhook_deliveries (subscription_id, portal_id, event_id, event_type, \
         export_id, export_state, record_count, occurred_at, state, attempts, next_attempt_at) \
         SELECT s.id, s.portal_id, ?2, ?3, x.id, x.state, x.record_count, CAST(?4 AS BIGINT), \
         'PENDING', 0, CAST(?4 AS BIGINT) \
         FROM webhook_subscriptions s JOIN exports x ON x.portal_id = s.portal_id \
         WHERE x.id = ?1 AND s.events LIKE ?5 ORDER BY s.id";
    let params = vec![
        Param::Int(export_id),
        Param::from(uuid::Uuid::new_v4().to_string()),
        Param::from(event.as_str()),
        Param::Int(now),
        Param::from(format!("%\"{}\"%", event.as_str())),
    ];
    let sql = Sql::fixed(e.dialect(), text, params);
    e.execute(&sql).await?;
    Ok(())
}

/// Claims up to `limit` due deliveries until `now + lease_ms`, counting the attempt they
/// start. The due condition is repeated on the updated row, so of two workers racing for
/// one delivery (PostgreSQL re-reads a row another transaction changed) only one gets it.
pub async fn claim(
    e: &mut dyn Exec,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> StoreResult<Vec<ClaimedDelivery>> {
    let d = e.dialect();
    let text = format!(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, lease_expires_at = ?2 \
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE {DUE} \
         ORDER BY next_attempt_at, id LIMIT ?3) AND {DUE} RETURNING {DELIVERY_COLUMNS}"
    );
    let params = vec![
        Param::Int(now),
        Param::Int(now + lease_ms),
        Param::Int(limit),
    ];
    let mut claimed = rows(e, &Sql::fixed(d, &text, params), delivery_row).await?;
    claimed.sort_by_key(|row| (row.next_attempt_at, row.id));
    let mut found = Vec::with_capacity(claimed.len());
    for delivery in claimed {
        let text = "SELECT target_url, secret, export_family, request_origin \
             FROM webhook_subscriptions WHERE id = ?1";
        let sql = Sql::fixed(d, text, vec![Param::Int(delivery.subscription_id)]);
        let target = first(e, &sql, |r| {
            Ok((
                r.text(0)?.to_string(),
                r.text(1)?.to_string(),
                links_at(r, 2)?,
            ))
        })
        .await?;
        if let Some((target_url, secret, links)) = target {
            found.push(ClaimedDelivery {
                delivery,
                target_url,
                secret,
                links,
            });
        }
    }
    Ok(found)
}

/// Records the result of the attempt a claim started; `false` (nothing written) when that
/// claim no longer holds the delivery (its lease ran out and another worker took it, or
/// the subscription was deleted).
pub async fn record(
    e: &mut dyn Exec,
    id: i64,
    attempt: i64,
    result: &AttemptResult,
    now: i64,
) -> StoreResult<bool> {
    let d = e.dialect();
    let (state, next_at, completed_at) = match result.next {
        NextStep::Delivered => (DeliveryState::Delivered, None, Some(now)),
        NextStep::RetryAt(at) => (DeliveryState::Pending, Some(at), None),
        NextStep::GiveUp => (DeliveryState::Failed, None, Some(now)),
    };
    let text = "UPDATE webhook_deliveries SET state = ?3, next_attempt_at = ?4, \
         completed_at = ?5, last_status = ?6, last_error = ?7, lease_expires_at = NULL \
         WHERE id = ?1 AND attempts = ?2 AND state = 'PENDING'";
    let params = vec![
        Param::Int(id),
        Param::Int(attempt),
        Param::from(state.as_str()),
        Param::from(next_at),
        Param::from(completed_at),
        Param::from(result.status_code),
        Param::from(result.error.as_deref()),
    ];
    if e.execute(&Sql::fixed(d, text, params)).await? != 1 {
        return Ok(false);
    }
    let text = "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error) \
         VALUES (?1, ?2, ?3, ?4, ?5)";
    let params = vec![
        Param::Int(id),
        Param::Int(attempt),
        Param::Int(now),
        Param::from(result.status_code),
        Param::from(result.error.as_deref()),
    ];
    e.execute(&Sql::fixed(d, text, params)).await?;
    Ok(true)
}
