//! The shared statements on rusqlite: [`SqliteExec`] runs a [`Sql`] on a connection inside
//! a transaction (statements prepared once per connection and cached), rows are read
//! through [`RowRead`], and an operation, which here never waits, is driven to its end on
//! the calling (blocking) thread by [`run_now`]. rusqlite's errors become [`StoreError`]s,
//! constraint violations conflicts.

use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, ErrorCode, Row, ToSql};

use crate::domain::Value;
use crate::domain::property::{PropertyDefinition, PropertyType};
use crate::store::sql::builder::{Param, Sql};
use crate::store::sql::dialect::Dialect;
use crate::store::sql::exec::{BoxFuture, EachRow, Exec, RowRead};
use crate::store::{StoreError, StoreResult};

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        // Checks run before writes, so a broken uniqueness constraint means another writer
        // (the command line, say) got there first: the conflict the check would report.
        if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
            return StoreError::constraint(e);
        }
        StoreError::caused("SQLite failed", e)
    }
}

/// A connection inside a transaction its backend opened.
pub struct SqliteExec<'c> {
    pub conn: &'c mut Connection,
    pub roll_back: bool,
}

impl<'c> SqliteExec<'c> {
    pub fn new(conn: &'c mut Connection) -> Self {
        Self {
            conn,
            roll_back: false,
        }
    }

    fn each(&mut self, sql: &Sql<'_>, each: &mut EachRow<'_>) -> StoreResult<()> {
        let mut statement = self.conn.prepare_cached(sql.text())?;
        for (i, param) in sql.params().iter().enumerate() {
            statement.raw_bind_parameter(i + 1, Bound(param))?;
        }
        let mut rows = statement.raw_query();
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        Ok(())
    }

    fn run(&mut self, sql: &Sql<'_>) -> StoreResult<u64> {
        let mut statement = self.conn.prepare_cached(sql.text())?;
        for (i, param) in sql.params().iter().enumerate() {
            statement.raw_bind_parameter(i + 1, Bound(param))?;
        }
        Ok(statement.raw_execute()? as u64)
    }
}

#[async_trait]
impl Exec for SqliteExec<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&mut self, sql: &Sql<'_>, each: &mut EachRow<'_>) -> StoreResult<()> {
        self.each(sql, each)
    }

    async fn execute(&mut self, sql: &Sql<'_>) -> StoreResult<u64> {
        self.run(sql)
    }

    async fn script(&mut self, sql: &str) -> StoreResult<()> {
        Ok(self.conn.execute_batch(sql)?)
    }

    fn roll_back_at_end(&mut self) {
        self.roll_back = true;
    }
}

/// A parameter as SQLite binds it: booleans as 0 or 1, text without a copy.
pub struct Bound<'p, 'a>(pub &'p Param<'a>);

impl ToSql for Bound<'_, '_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Param::Null => ToSqlOutput::Owned(SqlValue::Null),
            Param::Int(n) => ToSqlOutput::Owned(SqlValue::Integer(*n)),
            Param::Real(x) => ToSqlOutput::Owned(SqlValue::Real(*x)),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
        })
    }
}

/// Reads a stored cell back into a typed value for its property: integers are booleans or
/// timestamps where the property says so; invalid UTF-8 is replaced, never refused.
pub fn cell_value(kind: Option<PropertyType>, cell: ValueRef<'_>) -> Option<Value> {
    match cell {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(match kind {
            Some(PropertyType::Bool) => Value::Bool(n != 0),
            Some(PropertyType::Date | PropertyType::Datetime) => Value::Timestamp(n),
            _ => Value::Integer(n),
        }),
        ValueRef::Real(x) => Some(Value::Real(x)),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            Some(Value::Text(String::from_utf8_lossy(bytes).into_owned()))
        }
    }
}

impl RowRead for Row<'_> {
    fn int(&self, index: usize) -> StoreResult<i64> {
        Ok(self.get(index)?)
    }

    fn opt_int(&self, index: usize) -> StoreResult<Option<i64>> {
        Ok(self.get(index)?)
    }

    fn text(&self, index: usize) -> StoreResult<&str> {
        Ok(self
            .get_ref(index)?
            .as_str()
            .map_err(rusqlite::Error::from)?)
    }

    fn opt_text(&self, index: usize) -> StoreResult<Option<&str>> {
        Ok(self
            .get_ref(index)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?)
    }

    fn flag(&self, index: usize) -> StoreResult<bool> {
        Ok(self.get::<_, i64>(index)? != 0)
    }

    fn cell(
        &self,
        index: usize,
        property: Option<&PropertyDefinition>,
    ) -> StoreResult<Option<Value>> {
        Ok(cell_value(
            property.map(|p| p.property_type),
            self.get_ref(index)?,
        ))
    }
}

/// Drives an operation to its end on this thread. SQLite's adapter answers every call at
/// once, so one poll completes it; an operation that waited on anything else is a bug.
pub fn run_now<T>(mut future: BoxFuture<'_, StoreResult<T>>) -> StoreResult<T> {
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(StoreError::internal(
            "a SQLite operation waited on something other than SQLite",
        )),
    }
}
