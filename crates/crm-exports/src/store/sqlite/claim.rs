//! Claiming an export in SQLite: the claim runs in one `BEGIN IMMEDIATE` transaction, and
//! SQLite has one writer, so the oldest due export of an idle portal can simply be taken;
//! no row locks (`SKIP LOCKED`) are needed.

use crate::store::database::Claim;
use crate::store::sql::builder::{Param, Sql};
use crate::store::sql::exec::{Op, first, op};
use crate::store::sql::exports::{DUE, PORTAL_IDLE, fail_interrupted, take_lease};

pub fn claim(claim: Claim) -> Op<Option<crate::store::ExportRow>> {
    op(move |e| {
        Box::pin(async move {
            let text = format!(
                "SELECT e.id, e.state, e.attempt FROM exports e WHERE {DUE} AND {PORTAL_IDLE} \
                 ORDER BY e.run_at, e.id LIMIT 1"
            );
            loop {
                let sql = Sql::fixed(e.dialect(), &text, vec![Param::Int(claim.now)]);
                let candidate = first(e, &sql, |r| {
                    Ok((r.int(0)?, r.text(1)? == "PROCESSING", r.int(2)?))
                })
                .await?;
                let Some((id, running, attempt)) = candidate else {
                    return Ok(None);
                };
                // A lease that expired once too often: its worker keeps dying.
                if running && attempt >= claim.max_attempts {
                    fail_interrupted(e, id, claim.now).await?;
                    continue;
                }
                let row = take_lease(e, id, &claim, running).await?;
                return Ok(Some(row));
            }
        })
    })
}
