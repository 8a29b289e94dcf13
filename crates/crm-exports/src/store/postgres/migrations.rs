//! Applies the PostgreSQL migrations ([`crate::store::migrations::POSTGRES`]) in order at
//! open, recording each in `schema_migrations`. Several processes may start at once, so the whole run
//! holds an advisory lock scoped to the current schema and happens in one transaction.

use tokio_postgres::Client;

use crate::store::StoreResult;
use crate::store::migrations::POSTGRES;

pub async fn apply(client: &mut Client) -> StoreResult<()> {
    let tx = client.transaction().await?;
    // Two processes migrating one schema at once would both try to create the same tables.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('crm_exports.migrations.' || current_schema()))",
        &[],
    )
    .await?;
    // Checked first rather than `IF NOT EXISTS`, whose notice every start would log.
    let fresh = tx
        .query_one("SELECT to_regclass('schema_migrations') IS NULL", &[])
        .await?
        .get::<_, bool>(0);
    if fresh {
        tx.batch_execute("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY)")
            .await?;
    }
    for (version, sql) in POSTGRES {
        let done = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .await?
            .is_some();
        if !done {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
