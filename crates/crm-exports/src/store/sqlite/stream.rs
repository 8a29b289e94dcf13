//! An export's read from SQLite: the shared stream statement run once on the export's own
//! read-only connection (one statement, so one consistent snapshot), each value copied from
//! SQLite's row straight into the compact batch the file writer takes, typed as
//! [`super::exec::cell_value`] types it, with no record or string per value. The bounded
//! channel keeps memory constant.

use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::exec::{Bound, SqliteExec, run_now};
use crate::domain::batch::RecordBatch;
use crate::domain::property::PropertyType;
use crate::store::database::BatchRead;
use crate::store::sql::dialect::Dialect;
use crate::store::sql::records::stream_statement;
use crate::store::sql::schemas;
use crate::store::{BatchSink, StoreResult};

/// How many records go to the sink at a time.
const BATCH: usize = 512;

pub fn stream_batches(
    conn: &mut Connection,
    read: &BatchRead,
    sink: &BatchSink,
) -> StoreResult<u64> {
    let schema = match &read.schema {
        Some(schema) => schema.clone(),
        None => {
            let mut exec = SqliteExec::new(conn);
            let load = schemas::load(&mut exec, read.portal, read.object);
            Arc::new(run_now(Box::pin(load))?)
        }
    };
    let (sql, properties) = stream_statement(
        Dialect::Sqlite,
        read.portal,
        &schema,
        &read.predicate,
        &read.projection,
    );
    let kinds: Vec<PropertyType> = properties.iter().map(|p| p.property_type).collect();
    let mut statement = conn.prepare(sql.text())?;
    for (i, param) in sql.params().iter().enumerate() {
        statement.raw_bind_parameter(i + 1, Bound(param))?;
    }
    let mut rows = statement.raw_query();
    let new_batch = || RecordBatch::with_capacity(kinds.len(), BATCH);
    let mut batch = new_batch();
    let mut sent = 0u64;
    while let Some(row) = rows.next()? {
        batch.start_row(row.get(0)?);
        for (i, kind) in kinds.iter().enumerate() {
            match row.get_ref(1 + i)? {
                ValueRef::Null => batch.push_missing(),
                ValueRef::Integer(n) => match kind {
                    PropertyType::Bool => batch.push_bool(n != 0),
                    PropertyType::Date | PropertyType::Datetime => batch.push_timestamp(n),
                    _ => batch.push_integer(n),
                },
                ValueRef::Real(x) => batch.push_real(x),
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => batch.push_text_bytes(bytes),
            }
        }
        if batch.len() == BATCH {
            sent += batch.len() as u64;
            if sink
                .send(std::mem::replace(&mut batch, new_batch()).sealed())
                .is_err()
            {
                return Ok(sent);
            }
        }
    }
    if !batch.is_empty() {
        sent += batch.len() as u64;
        let _ = sink.send(batch.sealed());
    }
    Ok(sent)
}
