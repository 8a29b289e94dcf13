//! An export's read from PostgreSQL: every match of its predicate, as the compact batches
//! the file writer takes, from one server-side cursor in one repeatable-read snapshot. It
//! runs on a thread of its own with a connection of its own, driven by a single-threaded
//! runtime on that thread: the connection's socket reads and the row decoding then share
//! one thread instead of handing each few kilobytes of rows from one runtime worker to
//! another, which cost more than the decoding itself, and the thread can wait for room in
//! the writer's channel without holding up the service's runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Config, IsolationLevel, NoTls, Transaction};

use super::cells::CellReader;
use super::exec::PgExec;
use crate::domain::batch::RecordBatch;
use crate::domain::schema::ObjectSchema;
use crate::store::database::BatchRead;
use crate::store::sql::dialect::Dialect;
use crate::store::sql::records::stream_statement;
use crate::store::sql::schemas::known_or_load;
use crate::store::{BatchSink, StoreError, StoreResult};

/// Records per batch handed to the writer.
const BATCH_ROWS: usize = 1024;

/// Rows the server sends per fetch from the cursor: about a megabyte of a typical export's
/// rows, so a fetch's round trip is rare, and with the next fetch queued the server
/// never waits on it.
const FETCH_ROWS: usize = 4096;

/// Streams `read` into `sink` on the calling thread, which it blocks until the last batch
/// is taken, the reader hangs up or `abandoned` is set. Returns the records sent.
pub fn stream_blocking(
    config: &Config,
    read: &BatchRead,
    sink: &BatchSink,
    abandoned: &AtomicBool,
) -> StoreResult<u64> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| StoreError::caused("cannot start the export's reader", e))?;
    runtime.block_on(async {
        let (mut client, connection) = config.connect(NoTls).await?;
        let driver = tokio::spawn(connection);
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let known = read.schema.clone();
        let schema = known_or_load(&mut PgExec::new(&tx), known, read.portal, read.object).await?;
        let sent = stream(&tx, read, &schema, sink, abandoned).await?;
        tx.commit().await?;
        drop(client);
        // The connection ends once its client is gone.
        let _ = driver.await;
        Ok(sent)
    })
}

/// Sets its flag when dropped: held by the async side of a read, it tells the reading
/// thread that nobody waits for it any more (the export was aborted).
pub struct AbandonOnDrop(pub Arc<AtomicBool>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The statement selects only the id and the projected columns; each value goes from the
/// row's buffer straight into the batch, read as [`CellReader`] types it, with no record,
/// name or string of its own.
async fn stream(
    tx: &Transaction<'_>,
    read: &BatchRead,
    schema: &ObjectSchema,
    sink: &BatchSink,
    abandoned: &AtomicBool,
) -> StoreResult<u64> {
    let (sql, properties) = stream_statement(
        Dialect::Postgres,
        read.portal,
        schema,
        &read.predicate,
        &read.projection,
    );
    let statement = tx.prepare(sql.text()).await?;
    let readers = statement.columns()[1..]
        .iter()
        .zip(&properties)
        .map(|(column, property)| CellReader::new(column.type_(), Some(property)))
        .collect::<StoreResult<Vec<_>>>()?;
    let params: Vec<&(dyn ToSql + Sync)> = sql.params().iter().map(|p| p as _).collect();
    let new_batch = || RecordBatch::with_capacity(readers.len(), BATCH_ROWS);
    let cursor = tx.bind(&statement, &params).await?;
    let mut batch = new_batch();
    let mut sent = 0u64;
    // One fetch is always queued behind the one being read, so the server goes on
    // producing rows while this thread decodes, instead of waiting a round trip per fetch.
    let mut current = tx.query_portal_raw(&cursor, FETCH_ROWS as i32).await?;
    loop {
        let next = tx.query_portal_raw(&cursor, FETCH_ROWS as i32).await?;
        let mut rows = std::pin::pin!(current);
        let mut fetched = 0;
        // Rows are decoded as they arrive and dropped at once, so the received bytes are
        // still in cache and their buffers are reused.
        while let Some(row) = rows.next().await {
            let row = row?;
            fetched += 1;
            batch.start_row(row.try_get(0)?);
            for (i, reader) in readers.iter().enumerate() {
                reader.push(&row, 1 + i, &mut batch)?;
            }
            if batch.len() == BATCH_ROWS {
                if !deliver(sink, abandoned, std::mem::replace(&mut batch, new_batch())) {
                    return Ok(sent);
                }
                sent += BATCH_ROWS as u64;
            }
        }
        if fetched < FETCH_ROWS {
            // The cursor is exhausted; the queued fetch finds no rows.
            let mut rest = std::pin::pin!(next);
            while let Some(row) = rest.next().await {
                row?;
            }
            break;
        }
        current = next;
    }
    let count = batch.len() as u64;
    if count > 0 && deliver(sink, abandoned, batch) {
        sent += count;
    }
    Ok(sent)
}

/// Hands a batch to the writer; `false` when it hung up or nobody waits for the export.
/// Waiting for room in the channel blocks this thread, and with it this connection: the
/// server stops sending, and memory stays bounded however many rows match.
fn deliver(sink: &BatchSink, abandoned: &AtomicBool, batch: RecordBatch) -> bool {
    !abandoned.load(Ordering::Relaxed) && sink.send(batch.sealed()).is_ok()
}
