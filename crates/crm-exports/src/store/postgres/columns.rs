//! How properties map onto PostgreSQL: one table per portal and object type, one column per
//! property (`p_<name>`), the same flat layout as SQLite so an export is one sequential
//! scan. PostgreSQL columns are strictly typed, so each property type gets a column class:
//! numbers are `double precision`, booleans and dates epoch integers (`bigint`), the rest
//! `text`. Text compares ignore ASCII case through `lower(column COLLATE "C")`, which is
//! what SQLite's `NOCASE` does, and sorts by code point as SQLite does.

use sha2::{Digest, Sha256};
use tokio_postgres::Row;
use tokio_postgres::types::{ToSql, Type};

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

/// Reads cell `index` back into a typed value for its property. A whole number in a
/// `double precision` column reads as an integer, as SQLite's NUMERIC columns store it.
pub fn read_cell(
    row: &Row,
    index: usize,
    property: Option<&PropertyDefinition>,
) -> StoreResult<Option<Value>> {
    let kind = property.map(|p| p.property_type);
    let column_type = row.columns()[index].type_().clone();
    Ok(if column_type == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(index)?.map(|x| {
            if x.fract() == 0.0 && x.abs() < 9.2e18 {
                Value::Integer(x as i64)
            } else {
                Value::Real(x)
            }
        })
    } else if column_type == Type::INT8 {
        row.try_get::<_, Option<i64>>(index)?.map(|n| match kind {
            Some(PropertyType::Bool) => Value::Bool(n != 0),
            Some(PropertyType::Date | PropertyType::Datetime) => Value::Timestamp(n),
            _ => Value::Integer(n),
        })
    } else if column_type == Type::TEXT {
        row.try_get::<_, Option<String>>(index)?.map(Value::Text)
    } else {
        return Err(StoreError::Internal(format!(
            "unexpected column type {column_type} in a record table"
        )));
    })
}
