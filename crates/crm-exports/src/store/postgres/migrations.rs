//! The PostgreSQL schema migrations, embedded in the binary and applied in order at open,
//! recorded in `schema_migrations`. Several processes may start at once, so the whole run
//! holds an advisory lock scoped to the current schema and happens in one transaction.

use tokio_postgres::Client;

use crate::store::StoreResult;

/// Versions may have gaps (features land in any order); each is applied once.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        include_str!("../../../migrations/postgres/0002_associations.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/postgres/0003_owners.sql"),
    ),
    (
        4,
        include_str!("../../../migrations/postgres/0004_lists.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/postgres/0005_exports.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/postgres/0006_custom_objects.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/postgres/0007_expected_record_count.sql"),
    ),
];

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
    for (version, sql) in MIGRATIONS {
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

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn every_migration_file_is_registered_once_under_its_number() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres");
        let mut on_disk: Vec<i64> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .split('_')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
        on_disk.sort();
        let registered: Vec<i64> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
        assert_eq!(registered, on_disk);
    }
}
