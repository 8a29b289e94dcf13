//! Snapshots on PostgreSQL, kept in the database itself as a schema of their own beside the
//! store's (`crm_snapshot_<hash of the store's schema and the name>`), so any process of
//! the deployment can restore one and no dump tool or file outside the database is needed.
//! Saving copies every table in one REPEATABLE READ transaction (one consistent moment):
//! the fixed tables as plain copies, the record tables (which differ by portal and
//! property) with their column defaults, plus their index definitions, the sequences'
//! positions and the migration versions. Restoring, in one transaction: the record tables
//! are dropped and made again from the snapshot's, the fixed tables are emptied and
//! refilled (their constraints stay), the indexes are created and the sequences set back.
//! Other processes' requests wait on the tables' locks until it commits.

use sha2::{Digest, Sha256};
use tokio_postgres::{Client, Transaction};

use crate::store::{StoreError, StoreResult};

/// The schema holding snapshot `name` of the store whose schema is `store_schema`.
fn snapshot_schema(store_schema: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("{store_schema}/{name}").as_bytes());
    format!("crm_snapshot_{}", hex::encode(&digest[..12]))
}

async fn schemas(tx: &Transaction<'_>, name: &str) -> StoreResult<(String, String)> {
    let store: String = tx.query_one("SELECT current_schema()", &[]).await?.get(0);
    let snapshot = snapshot_schema(&store, name);
    Ok((store, snapshot))
}

/// The store's tables holding data (every base table but the migrations), by name.
async fn tables(tx: &Transaction<'_>, schema: &str) -> StoreResult<Vec<String>> {
    let rows = tx
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = $1 AND table_type = 'BASE TABLE' \
               AND table_name <> 'schema_migrations' AND table_name NOT LIKE 'crm\\_%' \
             ORDER BY table_name",
            &[&schema],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

fn is_record_table(table: &str) -> bool {
    table.starts_with("records_")
}

async fn schema_exists(tx: &Transaction<'_>, schema: &str) -> StoreResult<bool> {
    let found = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .await?;
    Ok(found.is_some())
}

/// Saves every table as snapshot `name`; returns the bytes its tables take.
pub async fn save(client: &mut Client, name: &str) -> StoreResult<u64> {
    let tx = client.transaction().await?;
    tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .await?;
    let (store, snapshot) = schemas(&tx, name).await?;
    if schema_exists(&tx, &snapshot).await? {
        return Err(StoreError::conflict(format!(
            "A snapshot named {name} exists already."
        )));
    }
    tx.batch_execute(&format!("CREATE SCHEMA {snapshot}"))
        .await?;
    for table in tables(&tx, &store).await? {
        let copy = if is_record_table(&table) {
            format!(
                "CREATE TABLE {snapshot}.{table} (LIKE {table} INCLUDING DEFAULTS); \
                 INSERT INTO {snapshot}.{table} SELECT * FROM {table}"
            )
        } else {
            format!("CREATE TABLE {snapshot}.{table} AS SELECT * FROM {table}")
        };
        tx.batch_execute(&copy).await?;
    }
    let catalog = format!(
        "CREATE TABLE {snapshot}.crm_indexes AS SELECT indexdef FROM pg_indexes \
           WHERE schemaname = current_schema() AND tablename LIKE 'records\\_%' \
             AND indexname NOT LIKE '%\\_pkey'; \
         CREATE TABLE {snapshot}.crm_sequences AS SELECT sequencename::text AS name, last_value \
           FROM pg_sequences WHERE schemaname = current_schema(); \
         CREATE TABLE {snapshot}.crm_migrations AS SELECT version FROM schema_migrations"
    );
    tx.batch_execute(&catalog).await?;
    let size: i64 = tx
        .query_one(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&snapshot],
        )
        .await?
        .get(0);
    tx.commit().await?;
    Ok(size.max(0) as u64)
}

/// Replaces every table with snapshot `name`'s, in one transaction.
pub async fn restore(client: &mut Client, name: &str) -> StoreResult<()> {
    let tx = client.transaction().await?;
    let (store, snapshot) = schemas(&tx, name).await?;
    if !schema_exists(&tx, &snapshot).await? {
        return Err(StoreError::not_found(format!("snapshot {name}")));
    }
    same_migrations(&tx, &snapshot).await?;
    let (current, saved) = (tables(&tx, &store).await?, tables(&tx, &snapshot).await?);
    let fixed: Vec<&String> = current.iter().filter(|t| !is_record_table(t)).collect();
    if fixed
        != saved
            .iter()
            .filter(|t| !is_record_table(t))
            .collect::<Vec<_>>()
    {
        return Err(StoreError::conflict(
            "The snapshot's tables are not this store's.",
        ));
    }
    for table in current.iter().filter(|t| is_record_table(t)) {
        tx.batch_execute(&format!("DROP TABLE {table}")).await?;
    }
    let all_fixed: Vec<&str> = fixed.iter().map(|t| t.as_str()).collect();
    tx.batch_execute(&format!("TRUNCATE {}", all_fixed.join(", ")))
        .await?;
    for table in parents_first(&tx, &store, &fixed).await? {
        tx.batch_execute(&format!(
            "INSERT INTO {table} OVERRIDING SYSTEM VALUE SELECT * FROM {snapshot}.{table}"
        ))
        .await?;
    }
    for table in saved.iter().filter(|t| is_record_table(t)) {
        tx.batch_execute(&format!(
            "CREATE TABLE {table} (LIKE {snapshot}.{table} INCLUDING DEFAULTS); \
             ALTER TABLE {table} ADD PRIMARY KEY (id); \
             INSERT INTO {table} SELECT * FROM {snapshot}.{table}"
        ))
        .await?;
    }
    restore_catalog(&tx, &snapshot).await?;
    tx.commit().await?;
    Ok(())
}

/// `tables` ordered so that every table comes after the tables its foreign keys name,
/// as rows are refilled with the keys checked at each statement.
async fn parents_first<'t>(
    tx: &Transaction<'_>,
    schema: &str,
    tables: &[&'t String],
) -> StoreResult<Vec<&'t String>> {
    let keys = tx
        .query(
            "SELECT child.relname::text, parent.relname::text FROM pg_constraint c \
             JOIN pg_class child ON child.oid = c.conrelid \
             JOIN pg_class parent ON parent.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = child.relnamespace \
             WHERE c.contype = 'f' AND n.nspname = $1 AND child.oid <> parent.oid",
            &[&schema],
        )
        .await?;
    let keys: Vec<(String, String)> = keys.iter().map(|r| (r.get(0), r.get(1))).collect();
    let mut ordered: Vec<&String> = Vec::new();
    let mut left: Vec<&String> = tables.to_vec();
    while !left.is_empty() {
        let ready = |t: &&String| {
            keys.iter()
                .filter(|(child, _)| child == *t)
                .all(|(_, parent)| !left.contains(&parent))
        };
        let (now, later): (Vec<&String>, Vec<&String>) = left.iter().partition(|t| ready(t));
        if now.is_empty() {
            return Err(StoreError::internal(
                "the tables' foreign keys form a cycle",
            ));
        }
        ordered.extend(now);
        left = later;
    }
    Ok(ordered)
}

async fn same_migrations(tx: &Transaction<'_>, snapshot: &str) -> StoreResult<()> {
    let versions = |table: String| async move {
        let text =
            format!("SELECT coalesce(array_agg(version ORDER BY version), '{{}}') FROM {table}");
        let row = tx.query_one(&text, &[]).await?;
        Ok::<Vec<i64>, StoreError>(row.get(0))
    };
    let now = versions("schema_migrations".to_string()).await?;
    if now != versions(format!("{snapshot}.crm_migrations")).await? {
        return Err(StoreError::conflict(
            "The snapshot was saved by another version of the database schema.",
        ));
    }
    Ok(())
}

/// The record tables' indexes (their definitions name this store's schema) and the
/// sequences' positions, as saved.
async fn restore_catalog(tx: &Transaction<'_>, snapshot: &str) -> StoreResult<()> {
    let indexes = tx
        .query(&format!("SELECT indexdef FROM {snapshot}.crm_indexes"), &[])
        .await?;
    for row in indexes {
        tx.batch_execute(row.get::<_, &str>(0)).await?;
    }
    let sequences = tx
        .query(
            &format!("SELECT name, last_value FROM {snapshot}.crm_sequences"),
            &[],
        )
        .await?;
    for row in sequences {
        let (sequence, last): (String, Option<i64>) = (row.get(0), row.get(1));
        let quoted = format!("\"{}\"", sequence.replace('"', "\"\""));
        let text = match last {
            Some(value) => format!("SELECT setval('{quoted}', {value}, true)"),
            // Never used when saved: it starts over.
            None => format!("ALTER SEQUENCE {quoted} RESTART"),
        };
        tx.batch_execute(&text).await?;
    }
    Ok(())
}

/// Drops snapshot `name`'s schema, if it has one.
pub async fn delete(client: &mut Client, name: &str) -> StoreResult<()> {
    let tx = client.transaction().await?;
    let (_, snapshot) = schemas(&tx, name).await?;
    tx.batch_execute(&format!("DROP SCHEMA IF EXISTS {snapshot} CASCADE"))
        .await?;
    tx.commit().await?;
    Ok(())
}
