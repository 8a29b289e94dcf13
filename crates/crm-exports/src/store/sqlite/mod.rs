//! The SQLite backend (rusqlite, bundled SQLite): one writer connection behind a mutex
//! using `BEGIN IMMEDIATE`, a small pool of read-only connections in WAL mode, every
//! operation run on a blocking thread so the async runtime never waits on disk, and each
//! export read on a connection of its own. One process serves the API, so schemas, tokens
//! and finished exports are cached. SQLite specifics stay here.

mod claim;
mod exec;
#[cfg(test)]
mod like_prefilter_tests;
mod migrations;
mod snapshot;
mod stream;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{FromSqlError, ValueRef};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Notify;

use self::exec::{SqliteExec, run_now};
use crate::domain::token::TokenPattern;
use crate::store::database::{Backend, BatchRead, Claim, Database};
use crate::store::sql::exec::Op;
use crate::store::{BatchSink, ExportRow, PoolUse, StoreError, StoreResult};

const MAX_IDLE_READERS: usize = 8;

/// The SQLite store: every role over [`Sqlite`].
pub type SqliteStore = Database<Sqlite>;

pub struct Sqlite {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// Reader connections running a statement now (the idle ones are in `readers`).
    readers_busy: Arc<AtomicU64>,
}

impl Database<Sqlite> {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // The one writer keeps 64 MiB of pages: bulk writes (batch create, seeding) insert
        // into unique and association indexes at random, and a cache that holds those
        // indexes' upper levels and hot leaves keeps each insert from re-reading pages.
        writer.pragma_update(None, "cache_size", -65536)?;
        // Checkpoint every 32 MiB of WAL rather than 4 MiB: a page rewritten by many
        // transactions in between is copied back (and synced) once.
        writer.pragma_update(None, "wal_autocheckpoint", 8192)?;
        writer.set_prepared_statement_cache_capacity(128);
        migrations::apply(&mut writer)?;
        Ok(Database::new(Sqlite {
            path: path.to_path_buf(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            readers_busy: Arc::new(AtomicU64::new(0)),
        }))
    }
}

/// Runs `op` in one `BEGIN IMMEDIATE` transaction on the writer: committed when it
/// succeeds (unless it asked for a rollback), rolled back otherwise.
fn in_transaction<T>(conn: &mut Connection, op: Op<T>) -> StoreResult<T> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let mut exec = SqliteExec::new(conn);
    let result = run_now(op(&mut exec));
    let roll_back = exec.roll_back;
    match result {
        Ok(value) if !roll_back => match conn.execute_batch("COMMIT") {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e.into())
            }
        },
        other => {
            // A failed statement may have ended the transaction already.
            let _ = conn.execute_batch("ROLLBACK");
            other
        }
    }
}

impl Backend for Sqlite {
    const CACHES: bool = true;
    const STAMPS_SCHEMAS: bool = false;

    async fn read<T: Send + 'static>(&self, op: Op<T>) -> StoreResult<T> {
        let (readers, path) = (self.readers.clone(), self.path.clone());
        let busy = BusyReader::count(self.readers_busy.clone());
        blocking(move || {
            let _busy = busy;
            let pooled = readers.lock().map_err(|_| poisoned())?.pop();
            let mut conn = match pooled {
                Some(c) => c,
                None => read_only_connection(&path)?,
            };
            // Reads run statement by statement, each on its own snapshot, as a read
            // never needs two statements to agree (and BEGIN/COMMIT would cost each call).
            let result = run_now(op(&mut SqliteExec::new(&mut conn)));
            let mut idle = readers.lock().map_err(|_| poisoned())?;
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
            result
        })
        .await
    }

    async fn write<T: Send + 'static>(&self, op: Op<T>) -> StoreResult<T> {
        let writer = self.writer.clone();
        blocking(move || {
            let mut conn = writer.lock().map_err(|_| poisoned())?;
            in_transaction(&mut conn, op)
        })
        .await
    }

    fn claim(claim: Claim) -> Op<Option<ExportRow>> {
        claim::claim(claim)
    }

    async fn stream_batches(&self, read: BatchRead, sink: BatchSink) -> StoreResult<u64> {
        let path = self.path.clone();
        blocking(move || {
            let mut conn = read_only_connection(&path)?;
            stream::stream_batches(&mut conn, &read, &sink)
        })
        .await
    }

    /// Workers share the API's process, which wakes them itself.
    fn forward_export_wakeups(&self, _wake: Arc<Notify>) {}

    async fn save_snapshot(&self, _name: &str, dir: &Path) -> StoreResult<u64> {
        let (writer, dir) = (self.writer.clone(), dir.to_path_buf());
        blocking(move || {
            let conn = writer.lock().map_err(|_| poisoned())?;
            snapshot::save(&conn, &dir)
        })
        .await
    }

    async fn restore_snapshot(&self, _name: &str, dir: &Path) -> StoreResult<()> {
        let (writer, dir) = (self.writer.clone(), dir.to_path_buf());
        blocking(move || {
            let mut conn = writer.lock().map_err(|_| poisoned())?;
            snapshot::restore(&mut conn, &dir)
        })
        .await
    }

    /// The snapshot is the file in its folder, which the caller removes.
    async fn delete_snapshot(&self, _name: &str, _dir: &Path) -> StoreResult<()> {
        Ok(())
    }

    /// The writer, and the readers: busy ones counted, idle ones kept for reuse. Export
    /// streams read over connections of their own and are not counted.
    fn pool_use(&self) -> PoolUse {
        let writer_busy = u64::from(self.writer.try_lock().is_err());
        let idle_readers = self.readers.lock().map_or(0, |r| r.len() as u64);
        PoolUse {
            in_use: writer_busy + self.readers_busy.load(Ordering::Relaxed),
            idle: (1 - writer_busy) + idle_readers,
            max: None,
            waiting: 0,
        }
    }
}

/// Counts a read as busy from when it is asked for until it ends (dropped on its thread).
struct BusyReader(Arc<AtomicU64>);

impl BusyReader {
    fn count(busy: Arc<AtomicU64>) -> Self {
        busy.fetch_add(1, Ordering::Relaxed);
        Self(busy)
    }
}

impl Drop for BusyReader {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A read-only connection: a pooled reader, or an export's own, which holds its read
/// snapshot for as long as the export runs and must not starve the pooled readers.
fn read_only_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    Ok(conn)
}

fn poisoned() -> StoreError {
    StoreError::internal("a database connection lock was poisoned")
}

async fn blocking<T, F>(f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> StoreResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::caused("a database task failed", e))?
}

/// Per-connection settings, and the token-matching function search uses.
fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 16 MiB of page cache per connection: API reads touch few pages, and an export's
    // sequential scan gains nothing from a bigger cache but would hold the memory.
    conn.pragma_update(None, "cache_size", -16384)?;
    conn.create_scalar_function(
        "hs_contains_token",
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            // hs_contains_token(pattern, value, value, ...): whether any value holds a
            // token matching the pattern. One call per row for all the searched columns;
            // the pattern is a bound parameter, folded once per statement and kept by
            // SQLite beside it.
            let pattern = ctx.get_or_create_aux(0, |v| -> Result<_, FromSqlError> {
                Ok(TokenPattern::new(v.as_str()?))
            })?;
            Ok((1..ctx.len()).any(|i| match ctx.get_raw(i) {
                ValueRef::Null | ValueRef::Blob(_) => false,
                ValueRef::Text(t) => pattern.matches(&String::from_utf8_lossy(t)),
                ValueRef::Integer(n) => pattern.matches(&n.to_string()),
                ValueRef::Real(x) => pattern.matches(&x.to_string()),
            }))
        },
    )?;
    Ok(())
}
