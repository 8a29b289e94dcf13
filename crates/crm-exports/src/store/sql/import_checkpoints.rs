//! Where each import from a source stands in a portal: one row per step, replaced in the
//! transaction that writes the step's page, so the row and the data it follows are
//! committed together or not at all.

use super::builder::{Param, Sql};
use super::exec::{Exec, rows};
use crate::store::{ImportCheckpoint, PortalId, StoreResult};

pub async fn save(
    e: &mut dyn Exec,
    portal: PortalId,
    checkpoint: &ImportCheckpoint,
    now: i64,
) -> StoreResult<()> {
    let d = e.dialect();
    let text = "INSERT INTO import_checkpoints (portal_id, source, step, cursor, updated_at) \
                VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (portal_id, source, step) \
                DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at";
    let params = vec![
        Param::Int(portal.0),
        Param::from(checkpoint.source.as_str()),
        Param::from(checkpoint.step.as_str()),
        Param::from(checkpoint.cursor.as_str()),
        Param::Int(now),
    ];
    e.execute(&Sql::fixed(d, text, params)).await?;
    Ok(())
}

/// The steps of imports from `source` into `portal`, by step name.
pub async fn load(
    e: &mut dyn Exec,
    portal: PortalId,
    source: &str,
) -> StoreResult<Vec<ImportCheckpoint>> {
    let text = "SELECT step, cursor FROM import_checkpoints WHERE portal_id = ?1 AND source = ?2 \
                ORDER BY step";
    let params = vec![Param::Int(portal.0), Param::from(source)];
    let sql = Sql::fixed(e.dialect(), text, params);
    rows(e, &sql, |r| {
        Ok(ImportCheckpoint {
            source: source.to_owned(),
            step: r.text(0)?.to_owned(),
            cursor: r.text(1)?.to_owned(),
        })
    })
    .await
}
