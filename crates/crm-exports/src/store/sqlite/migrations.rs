//! The SQLite schema migrations, embedded in the binary and applied in order, each in its
//! own transaction, recorded in `schema_migrations`.

use rusqlite::Connection;

/// Versions may have gaps (features land in any order); each is applied once.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../../migrations/sqlite/0002_associations.sql"),
    ),
    (
        3,
        include_str!("../../../migrations/sqlite/0003_owners.sql"),
    ),
    (4, include_str!("../../../migrations/sqlite/0004_lists.sql")),
    (
        5,
        include_str!("../../../migrations/sqlite/0005_exports.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/sqlite/0006_custom_objects.sql"),
    ),
    (
        7,
        include_str!("../../../migrations/sqlite/0007_expected_record_count.sql"),
    ),
];

pub fn apply(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)",
    )?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !done {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES (?1)",
                [version],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn every_migration_file_is_registered_once_under_its_number() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
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
