//! How properties map onto PostgreSQL: one table per portal and object type, one column per
//! property (`p_<name>`), the same flat layout as SQLite so an export is one sequential
//! scan. PostgreSQL columns are strictly typed, so each property type gets a column class:
//! numbers are `double precision`, booleans and dates epoch integers (`bigint`), the rest
//! `text`. Text compares ignore ASCII case through `lower(column COLLATE "C")`, which is
//! what SQLite's `NOCASE` does, and sorts by code point as SQLite does.

use sha2::{Digest, Sha256};
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql, Type};

use crate::domain::batch::RecordBatch;
use crate::domain::property::{PropertyDefinition, PropertyType, SystemField, system_field};
use crate::domain::{ObjectType, Value};
use crate::store::{PortalId, StoreError, StoreResult};

/// PostgreSQL truncates identifiers longer than this many bytes.
const MAX_IDENTIFIER_BYTES: usize = 63;

pub fn table_name(portal: PortalId, object: ObjectType) -> String {
    format!(
        "records_{}_{}",
        portal.0,
        object.type_id().replace('-', "_")
    )
}

fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

/// The quoted column of a property. A name too long for a PostgreSQL identifier keeps a
/// prefix and gains a hash of the whole name, so two long names never share a column.
fn column_name(property: &str) -> String {
    let plain = format!("p_{property}");
    if plain.len() <= MAX_IDENTIFIER_BYTES {
        return format!("\"{plain}\"");
    }
    let mut cut = MAX_IDENTIFIER_BYTES - 2 - 1 - 16;
    while !property.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("\"p_{}_{}\"", &property[..cut], short_hash(property))
}

/// The column (or system column) holding a property. Names are validated identifiers, so
/// quoting is enough to make them safe in SQL.
pub fn column_expr(object: ObjectType, property: &str) -> String {
    match system_field(object, property) {
        Some(SystemField::Id) => "id".to_string(),
        Some(SystemField::CreatedAt) => "created_at".to_string(),
        Some(SystemField::UpdatedAt) => "updated_at".to_string(),
        None => column_name(property),
    }
}

/// Whether values of this type compare and sort as text, ignoring ASCII case.
pub fn is_text(kind: PropertyType) -> bool {
    matches!(
        kind,
        PropertyType::String | PropertyType::PhoneNumber | PropertyType::Enumeration
    )
}

/// The expression a text column is compared and sorted by.
pub fn text_key(column: &str) -> String {
    format!("lower({column} COLLATE \"C\")")
}

/// Numbers are `double precision`: HubSpot's numbers are doubles, and comparing and sorting
/// them needs a numeric column. SQLite's NUMERIC keeps whole numbers beyond 2^53 exact,
/// which a double cannot; no HubSpot number property needs them.
fn column_type(property: &PropertyDefinition) -> &'static str {
    match property.property_type {
        PropertyType::Number => "DOUBLE PRECISION",
        PropertyType::Bool | PropertyType::Date | PropertyType::Datetime => "BIGINT",
        _ => "TEXT",
    }
}

/// Whether a property gets a column of its own (system fields do not).
pub fn has_column(object: ObjectType, property: &str) -> bool {
    system_field(object, property).is_none()
}

pub fn create_table_sql(
    portal: PortalId,
    object: ObjectType,
    properties: &[PropertyDefinition],
) -> String {
    let mut sql = format!(
        "CREATE TABLE {} (id BIGINT PRIMARY KEY, created_at BIGINT NOT NULL, \
         updated_at BIGINT NOT NULL, archived BOOLEAN NOT NULL DEFAULT FALSE, archived_at BIGINT",
        table_name(portal, object)
    );
    for p in properties.iter().filter(|p| has_column(object, &p.name)) {
        sql.push_str(&format!(
            ", {} {}",
            column_expr(object, &p.name),
            column_type(p)
        ));
    }
    sql.push(')');
    sql
}

pub fn add_column_sql(
    portal: PortalId,
    object: ObjectType,
    property: &PropertyDefinition,
) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {} {}",
        table_name(portal, object),
        column_expr(object, &property.name),
        column_type(property)
    )
}

/// A unique index over the live records' values of a unique property, ignoring case.
pub fn unique_index_sql(portal: PortalId, object: ObjectType, property: &str) -> String {
    let table = table_name(portal, object);
    let column = column_expr(object, property);
    format!(
        "CREATE UNIQUE INDEX \"{table}_u_{}\" ON {table} ({}) \
         WHERE NOT archived AND {column} IS NOT NULL",
        short_hash(property),
        text_key(&column)
    )
}

/// Parameters of one statement, numbered as they are pushed.
#[derive(Default)]
pub struct Params(Vec<Box<dyn ToSql + Sync + Send>>);

impl Params {
    /// Adds a parameter and returns its placeholder.
    pub fn push(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    /// Adds a value for a column of property type `kind`, with an explicit cast so the
    /// parameter's type is the value's own. A text value aimed at a numeric column that
    /// does not read as a number becomes NULL, which compares with nothing.
    pub fn value(&mut self, kind: PropertyType, value: &Value) -> String {
        if is_text(kind) {
            return format!("{}::text", self.push(value.to_wire(None)));
        }
        match value {
            Value::Integer(n) | Value::Timestamp(n) => format!("{}::int8", self.push(*n)),
            Value::Bool(b) => format!("{}::int8", self.push(i64::from(*b))),
            Value::Real(x) => format!("{}::float8", self.push(*x)),
            Value::Text(s) => format!("{}::float8", self.push(s.trim().parse::<f64>().ok())),
        }
    }

    /// A value to compare with [`text_key`] of a text column, or as [`Params::value`].
    pub fn key(&mut self, kind: PropertyType, value: &Value) -> String {
        if is_text(kind) {
            format!(
                "{}::text",
                self.push(value.to_wire(None).to_ascii_lowercase())
            )
        } else {
            self.value(kind, value)
        }
    }

    pub fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0
            .iter()
            .map(|b| b.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// How a column of a record select reads back, fixed by its PostgreSQL type and its
/// property's type: numbers come from `double precision`, booleans and dates from epoch
/// integers, the rest from text. Deciding once per statement, rather than per cell, is
/// what lets an export read a million rows without comparing types a million times.
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
            return Err(StoreError::Internal(format!(
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
                Some(TextCell(text)) => batch.push_text(text),
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

/// The text of a `text` cell. `&str` reads the same bytes, but compares the column's type
/// name with three extension types on every cell before doing so, which an export of
/// millions of cells notices; a record table's text columns are always plain `text`.
struct TextCell<'a>(&'a str);

impl<'a> FromSql<'a> for TextCell<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(TextCell(std::str::from_utf8(raw)?))
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

/// Reads cell `index` back into a typed value for its property.
pub fn read_cell(
    row: &Row,
    index: usize,
    property: Option<&PropertyDefinition>,
) -> StoreResult<Option<Value>> {
    CellReader::new(row.columns()[index].type_(), property)?.read(row, index)
}
