//! The shared statements on tokio-postgres: [`PgExec`] runs a [`Sql`] in a transaction
//! (each statement text prepared once per transaction), our [`Param`]s bind to whatever
//! type PostgreSQL infers for their placeholder, and rows are read through [`RowRead`].
//! tokio-postgres's errors become [`StoreError`]s, unique violations conflicts.

use std::collections::HashMap;
use std::error::Error;

use async_trait::async_trait;
use bytes::BytesMut;
use futures_util::SinkExt;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Row, Statement, Transaction};

use super::cells::CellReader;
use crate::domain::Value;
use crate::domain::property::PropertyDefinition;
use crate::store::sql::builder::{Param, Sql};
use crate::store::sql::dialect::Dialect;
use crate::store::sql::exec::{EachRow, Exec, RowRead};
use crate::store::{StoreError, StoreResult};

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // Checks run before writes, so a unique violation means a concurrent write from
        // another process won the race: the same conflict the check would have reported.
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            return StoreError::constraint(e);
        }
        StoreError::caused("PostgreSQL failed", e)
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::caused("no database connection", e)
    }
}

/// A transaction its backend opened, with the statements it prepared so far.
pub struct PgExec<'t, 'c> {
    tx: &'t Transaction<'c>,
    prepared: HashMap<String, Statement>,
    pub roll_back: bool,
}

impl<'t, 'c> PgExec<'t, 'c> {
    pub fn new(tx: &'t Transaction<'c>) -> Self {
        Self {
            tx,
            prepared: HashMap::new(),
            roll_back: false,
        }
    }

    async fn statement(&mut self, text: &str) -> StoreResult<Statement> {
        if let Some(statement) = self.prepared.get(text) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(text).await?;
        self.prepared.insert(text.to_string(), statement.clone());
        Ok(statement)
    }
}

fn bound<'p>(sql: &'p Sql<'_>) -> Vec<&'p (dyn ToSql + Sync)> {
    sql.params()
        .iter()
        .map(|p| p as &(dyn ToSql + Sync))
        .collect()
}

#[async_trait]
impl Exec for PgExec<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn query(&mut self, sql: &Sql<'_>, each: &mut EachRow<'_>) -> StoreResult<()> {
        let statement = self.statement(sql.text()).await?;
        for row in self.tx.query(&statement, &bound(sql)).await? {
            each(&row)?;
        }
        Ok(())
    }

    async fn execute(&mut self, sql: &Sql<'_>) -> StoreResult<u64> {
        let statement = self.statement(sql.text()).await?;
        Ok(self.tx.execute(&statement, &bound(sql)).await?)
    }

    async fn script(&mut self, sql: &str) -> StoreResult<()> {
        Ok(self.tx.batch_execute(sql).await?)
    }

    async fn copy_in(&mut self, target: &str, data: bytes::Bytes) -> StoreResult<u64> {
        let sink = self
            .tx
            .copy_in::<_, bytes::Bytes>(&format!("COPY {target} FROM STDIN"))
            .await?;
        let mut sink = std::pin::pin!(sink);
        sink.send(data).await?;
        Ok(sink.as_mut().finish().await?)
    }

    fn roll_back_at_end(&mut self) {
        self.roll_back = true;
    }
}

type BindError = Box<dyn Error + Sync + Send>;

/// Our parameters bind to the type PostgreSQL inferred for their placeholder: an integer
/// into `bigint`, `integer`, `double precision`, `boolean` or text, a boolean into
/// `boolean` or `bigint`, and so on; the shared statements never need casts.
impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BindError> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(n) => bind_integer(*n, ty, out),
            Param::Real(x) if *ty == Type::FLOAT4 => (*x as f32).to_sql(ty, out),
            Param::Real(x) if *ty == Type::FLOAT8 => x.to_sql(ty, out),
            Param::Real(_) => Err(format!("cannot bind a number to a {ty} parameter").into()),
            Param::Text(s) if <&str as ToSql>::accepts(ty) => s.as_ref().to_sql(ty, out),
            Param::Text(_) => Err(format!("cannot bind text to a {ty} parameter").into()),
            Param::Bool(b) if *ty == Type::BOOL => b.to_sql(ty, out),
            Param::Bool(b) => bind_integer(i64::from(*b), ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn bind_integer(n: i64, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BindError> {
    if *ty == Type::INT8 {
        n.to_sql(ty, out)
    } else if *ty == Type::INT4 {
        i32::try_from(n)?.to_sql(ty, out)
    } else if *ty == Type::INT2 {
        i16::try_from(n)?.to_sql(ty, out)
    } else if *ty == Type::FLOAT8 {
        (n as f64).to_sql(ty, out)
    } else if *ty == Type::BOOL {
        (n != 0).to_sql(ty, out)
    } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
        n.to_string().to_sql(ty, out)
    } else {
        Err(format!("cannot bind an integer to a {ty} parameter").into())
    }
}

impl RowRead for Row {
    fn int(&self, index: usize) -> StoreResult<i64> {
        Ok(self.try_get(index)?)
    }

    fn opt_int(&self, index: usize) -> StoreResult<Option<i64>> {
        Ok(self.try_get(index)?)
    }

    fn text(&self, index: usize) -> StoreResult<&str> {
        Ok(self.try_get(index)?)
    }

    fn opt_text(&self, index: usize) -> StoreResult<Option<&str>> {
        Ok(self.try_get(index)?)
    }

    fn flag(&self, index: usize) -> StoreResult<bool> {
        Ok(self.try_get(index)?)
    }

    fn cell(
        &self,
        index: usize,
        property: Option<&PropertyDefinition>,
    ) -> StoreResult<Option<Value>> {
        CellReader::new(self.columns()[index].type_(), property)?.read(self, index)
    }
}
