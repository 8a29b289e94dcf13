//! Snapshots on SQLite: saved with `VACUUM INTO` as a database file of their own in the
//! snapshot's folder (a consistent copy, made while readers go on); restored on the one
//! writer connection by attaching that file and, in one `BEGIN IMMEDIATE` transaction,
//! dropping every table, creating each table of the snapshot from its own definition
//! (record tables differ by portal and property), copying its rows and creating its
//! indexes. Readers see the store before or after, never between. Foreign keys are
//! checked once the copy is complete, since tables are refilled in catalog order.

use std::path::Path;

use rusqlite::Connection;

use crate::store::{StoreError, StoreResult};

/// The snapshot's database file in its folder.
pub const FILE: &str = "store.db";

/// Writes the whole database to `dir`'s [`FILE`]; returns its size.
pub fn save(conn: &Connection, dir: &Path) -> StoreResult<u64> {
    let file = dir.join(FILE);
    let path = file
        .to_str()
        .ok_or_else(|| StoreError::internal("the snapshot folder's path is not UTF-8"))?;
    conn.execute("VACUUM INTO ?1", [path])?;
    std::fs::metadata(&file)
        .map(|m| m.len())
        .map_err(|e| StoreError::caused("cannot read the snapshot file", e))
}

/// Replaces the database's tables with those of `dir`'s [`FILE`], in one transaction.
pub fn restore(conn: &mut Connection, dir: &Path) -> StoreResult<()> {
    let file = dir.join(FILE);
    if !file.is_file() {
        return Err(StoreError::not_found("the snapshot's database file"));
    }
    let path = file
        .to_str()
        .ok_or_else(|| StoreError::internal("the snapshot folder's path is not UTF-8"))?;
    conn.execute("ATTACH DATABASE ?1 AS snapshot", [path])?;
    let restored = same_migrations(conn).and_then(|()| restore_attached(conn));
    // Foreign keys and the attachment can only change outside a transaction.
    let detached = conn.execute_batch("PRAGMA foreign_keys = ON; DETACH DATABASE snapshot");
    restored?;
    Ok(detached?)
}

fn same_migrations(conn: &Connection) -> StoreResult<()> {
    let versions = |schema: &str| -> rusqlite::Result<String> {
        conn.query_row(
            &format!(
                "SELECT coalesce(group_concat(version), '') FROM \
                 (SELECT version FROM {schema}.schema_migrations ORDER BY version)"
            ),
            [],
            |row| row.get(0),
        )
    };
    if versions("main")? != versions("snapshot")? {
        return Err(StoreError::conflict(
            "The snapshot was saved by another version of the database schema.",
        ));
    }
    Ok(())
}

fn restore_attached(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE")?;
    match copy_tables(conn) {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// The tables and indexes of `schema` that hold data (not SQLite's own, not the
/// migrations), tables first, each with its definition.
fn catalog(conn: &Connection, schema: &str) -> StoreResult<Vec<(String, String, String)>> {
    let text = format!(
        "SELECT type, name, sql FROM {schema}.sqlite_master \
         WHERE type IN ('table', 'index') AND sql IS NOT NULL \
           AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations' \
           AND tbl_name <> 'schema_migrations' \
         ORDER BY type = 'index', rowid"
    );
    let mut statement = conn.prepare(&text)?;
    let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn copy_tables(conn: &Connection) -> StoreResult<()> {
    for (kind, name, _) in catalog(conn, "main")? {
        if kind == "table" {
            conn.execute_batch(&format!("DROP TABLE main.{}", quoted(&name)))?;
        }
    }
    for (kind, name, sql) in catalog(conn, "snapshot")? {
        // Unqualified, a definition creates its table or index in `main`.
        conn.execute_batch(&sql)?;
        if kind == "table" {
            let name = quoted(&name);
            conn.execute_batch(&format!(
                "INSERT INTO main.{name} SELECT * FROM snapshot.{name}"
            ))?;
        }
    }
    let broken: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        return Err(StoreError::internal(format!(
            "the snapshot's rows break {broken} foreign keys"
        )));
    }
    Ok(())
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
