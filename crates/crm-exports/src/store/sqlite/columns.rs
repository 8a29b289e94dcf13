//! How properties map onto SQLite: one table per portal and object type, one column per
//! property (`p_<name>`) with a storage class fitting its type, and the system fields
//! (`hs_object_id`, create and modified dates) on the record's own columns. A flat table is
//! what lets an export stream as fast as `sqlite3 -csv` dumps one.

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};

use crate::domain::property::{PropertyDefinition, PropertyType, SystemField, system_field};
use crate::domain::{ObjectType, Value};
use crate::store::PortalId;

pub fn table_name(portal: PortalId, object: ObjectType) -> String {
    format!(
        "records_{}_{}",
        portal.0,
        object.type_id().replace('-', "_")
    )
}

/// The column (or system column) holding a property. Names are validated identifiers, so
/// quoting is enough to make them safe in SQL.
pub fn column_expr(object: ObjectType, property: &str) -> String {
    match system_field(object, property) {
        Some(SystemField::Id) => "id".to_string(),
        Some(SystemField::CreatedAt) => "created_at".to_string(),
        Some(SystemField::UpdatedAt) => "updated_at".to_string(),
        None => format!("\"p_{property}\""),
    }
}

pub fn column_type(property: &PropertyDefinition) -> &'static str {
    match property.property_type {
        PropertyType::Number => "NUMERIC",
        PropertyType::Bool | PropertyType::Date | PropertyType::Datetime => "INTEGER",
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
        "CREATE TABLE {} (id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, \
         updated_at INTEGER NOT NULL, archived INTEGER NOT NULL DEFAULT 0, archived_at INTEGER",
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

/// A unique index over the live records' values of a unique property, ignoring case.
pub fn unique_index_sql(portal: PortalId, object: ObjectType, property: &str) -> String {
    let table = table_name(portal, object);
    let column = column_expr(object, property);
    format!(
        "CREATE UNIQUE INDEX \"{table}_{property}_unique\" ON {table} ({column} COLLATE NOCASE) \
         WHERE archived = 0 AND {column} IS NOT NULL"
    )
}

pub fn to_sql(value: &Value) -> ToSqlOutput<'_> {
    match value {
        Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Integer(n) | Value::Timestamp(n) => ToSqlOutput::Owned(SqlValue::Integer(*n)),
        Value::Real(x) => ToSqlOutput::Owned(SqlValue::Real(*x)),
        Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
    }
}

pub fn to_owned_sql(value: &Value) -> SqlValue {
    match value {
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Integer(n) | Value::Timestamp(n) => SqlValue::Integer(*n),
        Value::Real(x) => SqlValue::Real(*x),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
    }
}

/// Reads a stored cell back into a typed value for its property.
pub fn from_sql(property: Option<&PropertyDefinition>, cell: ValueRef<'_>) -> Option<Value> {
    let kind = property.map(|p| p.property_type);
    match cell {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(match kind {
            Some(PropertyType::Bool) => Value::Bool(n != 0),
            Some(PropertyType::Date | PropertyType::Datetime) => Value::Timestamp(n),
            _ => Value::Integer(n),
        }),
        ValueRef::Real(x) => Some(Value::Real(x)),
        ValueRef::Text(bytes) => Some(Value::Text(String::from_utf8_lossy(bytes).into_owned())),
        ValueRef::Blob(bytes) => Some(Value::Text(String::from_utf8_lossy(bytes).into_owned())),
    }
}
