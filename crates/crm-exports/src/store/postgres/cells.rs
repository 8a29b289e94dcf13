//! How a record table's cells read back from PostgreSQL, whose columns are strictly typed:
//! numbers from `double precision` (whole ones as integers, as SQLite's NUMERIC keeps
//! them), booleans and dates from epoch integers (`bigint`), the rest from text. The column
//! classes themselves are the dialect's (`store/sql/dialect.rs`).

use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, Type};

use crate::domain::Value;
use crate::domain::batch::RecordBatch;
use crate::domain::property::{PropertyDefinition, PropertyType};
use crate::store::{StoreError, StoreResult};

/// How a column of a record select reads back, fixed by its PostgreSQL type and its
/// property's type. Deciding once per statement, rather than per cell, is what lets an
/// export read a million rows without comparing types a million times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellReader {
    Text,
    Number,
    Integer,
    Bool,
    Timestamp,
}

impl CellReader {
    pub fn new(column_type: &Type, property: Option<&PropertyDefinition>) -> StoreResult<Self> {
        let kind = property.map(|p| p.property_type);
        Ok(if *column_type == Type::FLOAT8 {
            CellReader::Number
        } else if *column_type == Type::INT8 {
            match kind {
                Some(PropertyType::Bool) => CellReader::Bool,
                Some(PropertyType::Date | PropertyType::Datetime) => CellReader::Timestamp,
                _ => CellReader::Integer,
            }
        } else if *column_type == Type::TEXT {
            CellReader::Text
        } else {
            return Err(StoreError::internal(format!(
                "unexpected column type {column_type} in a record table"
            )));
        })
    }

    /// Reads cell `index` as a typed value.
    pub fn read(self, row: &Row, index: usize) -> StoreResult<Option<Value>> {
        Ok(match self {
            CellReader::Text => row.try_get::<_, Option<String>>(index)?.map(Value::Text),
            CellReader::Number => row
                .try_get::<_, Option<f64>>(index)?
                .map(|x| whole(x).map_or(Value::Real(x), Value::Integer)),
            CellReader::Integer => row.try_get::<_, Option<i64>>(index)?.map(Value::Integer),
            CellReader::Bool => row
                .try_get::<_, Option<i64>>(index)?
                .map(|n| Value::Bool(n != 0)),
            CellReader::Timestamp => row.try_get::<_, Option<i64>>(index)?.map(Value::Timestamp),
        })
    }

    /// Appends cell `index` to the batch's current row, as [`CellReader::read`] types it;
    /// text is copied straight from the row's buffer into the batch's.
    pub fn push(self, row: &Row, index: usize, batch: &mut RecordBatch) -> StoreResult<()> {
        match self {
            CellReader::Text => match row.try_get::<_, Option<TextCell>>(index)? {
                Some(TextCell(text)) => batch.push_text_bytes(text),
                None => batch.push_missing(),
            },
            CellReader::Number => match row.try_get::<_, Option<f64>>(index)? {
                Some(x) => match whole(x) {
                    Some(n) => batch.push_integer(n),
                    None => batch.push_real(x),
                },
                None => batch.push_missing(),
            },
            CellReader::Integer | CellReader::Bool | CellReader::Timestamp => {
                match row.try_get::<_, Option<i64>>(index)? {
                    Some(n) if self == CellReader::Bool => batch.push_bool(n != 0),
                    Some(n) if self == CellReader::Timestamp => batch.push_timestamp(n),
                    Some(n) => batch.push_integer(n),
                    None => batch.push_missing(),
                }
            }
        }
        Ok(())
    }
}

/// The bytes of a `text` cell. `&str` reads the same bytes, but compares the column's
/// type name with three extension types and checks the UTF-8 on every cell, which an
/// export of millions of cells notices; a record table's text columns are always plain
/// `text`, and the batch checks a whole batch's text at once when it is sealed.
struct TextCell<'a>(&'a [u8]);

impl<'a> FromSql<'a> for TextCell<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(TextCell(raw))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TEXT
    }
}

/// A whole number in a `double precision` column reads as an integer, as SQLite's NUMERIC
/// columns store it.
fn whole(x: f64) -> Option<i64> {
    (x.fract() == 0.0 && x.abs() < 9.2e18).then_some(x as i64)
}
