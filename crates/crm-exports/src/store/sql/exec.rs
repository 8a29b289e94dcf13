//! What the shared statements need of a database connection inside one transaction:
//! [`Exec`], implemented once per driver (`sqlite/exec.rs`, `postgres/exec.rs`), and
//! [`RowRead`], the one way shared code reads a row of either driver. Operations are
//! `async` over `&mut dyn Exec`: PostgreSQL awaits its round trips, SQLite's adapter
//! answers at once and its operations are driven to completion on a blocking thread.
//! Imports no driver.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;

use super::builder::Sql;
use super::dialect::Dialect;
use crate::domain::Value;
use crate::domain::property::PropertyDefinition;
use crate::store::{StoreError, StoreResult};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A unit of work in one transaction, as a backend runs it.
pub type Op<T> = Box<dyn for<'e> FnOnce(&'e mut dyn Exec) -> BoxFuture<'e, StoreResult<T>> + Send>;

/// Wraps a closure as an [`Op`] (so the compiler sees its higher-ranked signature).
pub fn op<T, F>(f: F) -> Op<T>
where
    F: for<'e> FnOnce(&'e mut dyn Exec) -> BoxFuture<'e, StoreResult<T>> + Send + 'static,
{
    Box::new(f)
}

/// Reads the cells of one result row by position.
pub trait RowRead {
    fn int(&self, index: usize) -> StoreResult<i64>;
    fn opt_int(&self, index: usize) -> StoreResult<Option<i64>>;
    fn text(&self, index: usize) -> StoreResult<&str>;
    fn opt_text(&self, index: usize) -> StoreResult<Option<&str>>;
    /// A boolean column (SQLite keeps 0 or 1).
    fn flag(&self, index: usize) -> StoreResult<bool>;
    /// A record table's property cell, typed by its definition.
    fn cell(
        &self,
        index: usize,
        property: Option<&PropertyDefinition>,
    ) -> StoreResult<Option<Value>>;
}

/// Calls back for each row of a query.
pub type EachRow<'f> = dyn FnMut(&dyn RowRead) -> StoreResult<()> + Send + 'f;

/// A connection inside a transaction.
#[async_trait]
pub trait Exec: Send {
    fn dialect(&self) -> Dialect;
    /// Runs a query, handing each row to `each` in order.
    async fn query(&mut self, sql: &Sql<'_>, each: &mut EachRow<'_>) -> StoreResult<()>;
    /// Runs a statement; returns the rows it changed.
    async fn execute(&mut self, sql: &Sql<'_>) -> StoreResult<u64>;
    /// Runs statements without parameters, separated by `;` (DDL).
    async fn script(&mut self, sql: &str) -> StoreResult<()>;
    /// Loads rows into `target` (`table (column, …)`) from `data` in PostgreSQL's text
    /// COPY format; returns the rows loaded. Only where [`Dialect::copies_rows`] says so.
    async fn copy_in(&mut self, target: &str, data: bytes::Bytes) -> StoreResult<u64> {
        let _ = (target, data);
        Err(StoreError::internal("this database has no COPY"))
    }
    /// Makes the transaction end in a rollback rather than a commit, keeping nothing it
    /// wrote (an atomic batch with a failed input).
    fn roll_back_at_end(&mut self);
}

/// Every row of a query, mapped.
pub async fn rows<T: Send>(
    e: &mut dyn Exec,
    sql: &Sql<'_>,
    mut map: impl FnMut(&dyn RowRead) -> StoreResult<T> + Send,
) -> StoreResult<Vec<T>> {
    let mut found = Vec::new();
    e.query(sql, &mut |row| {
        found.push(map(row)?);
        Ok(())
    })
    .await?;
    Ok(found)
}

/// The first row of a query, mapped; the statement should select at most one.
pub async fn first<T: Send>(
    e: &mut dyn Exec,
    sql: &Sql<'_>,
    mut map: impl FnMut(&dyn RowRead) -> StoreResult<T> + Send,
) -> StoreResult<Option<T>> {
    let mut found = None;
    e.query(sql, &mut |row| {
        if found.is_none() {
            found = Some(map(row)?);
        }
        Ok(())
    })
    .await?;
    Ok(found)
}

/// The first row of a query that always returns one (a count, an insert's `RETURNING`).
pub async fn one<T: Send>(
    e: &mut dyn Exec,
    sql: &Sql<'_>,
    map: impl FnMut(&dyn RowRead) -> StoreResult<T> + Send,
) -> StoreResult<T> {
    first(e, sql, map)
        .await?
        .ok_or_else(|| StoreError::internal(format!("no row from: {}", sql.text())))
}

/// Whether a query returns any row.
pub async fn exists(e: &mut dyn Exec, sql: &Sql<'_>) -> StoreResult<bool> {
    Ok(first(e, sql, |_| Ok(())).await?.is_some())
}

/// The integer in the first column of a query's one row.
pub async fn integer(e: &mut dyn Exec, sql: &Sql<'_>) -> StoreResult<i64> {
    one(e, sql, |r| r.int(0)).await
}

/// Reads stored JSON (definitions, settings, filters).
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::caused("a stored definition is unreadable", e))
}

pub fn to_json(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::caused("a definition cannot be stored", e))
}
