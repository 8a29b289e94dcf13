//! Claiming an export in PostgreSQL, where workers of many processes claim at once. A
//! claim locks the portal of the oldest due export with `FOR NO KEY UPDATE SKIP LOCKED` on
//! its row, so a worker skips a portal another one is claiming for instead of waiting, and
//! under that lock re-checks that the portal has nothing running before taking its oldest
//! due export: the lock is what keeps one export at a time per portal across processes.

use crate::store::database::Claim;
use crate::store::sql::builder::{Param, Sql};
use crate::store::sql::exec::{Exec, Op, exists, first, op};
use crate::store::sql::exports::{DUE, PORTAL_IDLE, fail_interrupted, take_lease};
use crate::store::{ExportRow, StoreResult};

/// Candidates one claim looks at before giving up until the next one.
const CLAIM_STEPS: usize = 32;

pub fn claim(claim: Claim) -> Op<Option<ExportRow>> {
    op(move |e| {
        Box::pin(async move {
            // Portals found busy, or being claimed by another worker right now.
            let mut passed_over: Vec<i64> = Vec::new();
            for _ in 0..CLAIM_STEPS {
                let Some(portal) = oldest_due_portal(e, claim.now, &passed_over).await? else {
                    return Ok(None);
                };
                match step(e, &claim, portal).await? {
                    Step::Claimed(row) => return Ok(Some(*row)),
                    Step::PassOver => passed_over.push(portal),
                    Step::Failed => {}
                }
            }
            // Whatever is left waits for the next claim.
            Ok(None)
        })
    })
}

enum Step {
    Claimed(Box<ExportRow>),
    /// The portal is busy or being claimed by another worker.
    PassOver,
    /// Its oldest export was failed for losing its lease too often; look again.
    Failed,
}

/// The portal of the oldest due export, among portals with no export running under a
/// live lease (HubSpot runs one export at a time per portal) and not passed over yet.
async fn oldest_due_portal(
    e: &mut dyn Exec,
    now: i64,
    passed_over: &[i64],
) -> StoreResult<Option<i64>> {
    let mut skipped = String::new();
    if !passed_over.is_empty() {
        let marks: Vec<String> = (2..2 + passed_over.len())
            .map(|n| format!("?{n}"))
            .collect();
        skipped = format!(" AND e.portal_id NOT IN ({})", marks.join(", "));
    }
    let text = format!(
        "SELECT e.portal_id FROM exports e WHERE {DUE}{skipped} AND {PORTAL_IDLE} \
         ORDER BY e.run_at, e.id LIMIT 1"
    );
    let mut params = vec![Param::Int(now)];
    params.extend(passed_over.iter().map(|&p| Param::Int(p)));
    let d = e.dialect();
    first(e, &Sql::fixed(d, &text, params), |r| r.int(0)).await
}

async fn step(e: &mut dyn Exec, claim: &Claim, portal: i64) -> StoreResult<Step> {
    let d = e.dialect();
    // The portal's row is the claim's lock: a worker in any process claiming for this
    // portal holds it until it commits, and the others skip the portal rather than wait.
    let lock = "SELECT 1 FROM portals WHERE id = ?1 FOR NO KEY UPDATE SKIP LOCKED";
    if !exists(e, &Sql::fixed(d, lock, vec![Param::Int(portal)])).await? {
        return Ok(Step::PassOver);
    }
    // Under the lock, fresh statements see every claim committed before it: take the
    // portal's oldest due export unless another one of its exports is running.
    let next = format!(
        "SELECT e.id, e.state, e.attempt FROM exports e WHERE {DUE} AND e.portal_id = ?2 \
         ORDER BY e.run_at, e.id LIMIT 1 FOR UPDATE"
    );
    let params = vec![Param::Int(claim.now), Param::Int(portal)];
    let found = first(e, &Sql::fixed(d, &next, params), |r| {
        Ok((r.int(0)?, r.text(1)? == "PROCESSING", r.int(2)?))
    })
    .await?;
    let Some((id, running, attempt)) = found else {
        return Ok(Step::PassOver);
    };
    let busy = "SELECT 1 FROM exports WHERE portal_id = ?1 AND id != ?2 AND state = 'PROCESSING' \
         AND lease_expires_at > ?3 LIMIT 1";
    let params = vec![Param::Int(portal), Param::Int(id), Param::Int(claim.now)];
    if exists(e, &Sql::fixed(d, busy, params)).await? {
        return Ok(Step::PassOver);
    }
    if running && attempt >= claim.max_attempts {
        fail_interrupted(e, id, claim.now).await?;
        return Ok(Step::Failed);
    }
    let row = take_lease(e, id, claim, running).await?;
    Ok(Step::Claimed(Box::new(row)))
}
