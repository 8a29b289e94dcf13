//! Search in SQLite: a parsed [`Predicate`] becomes one parameterised WHERE clause over the
//! record table's columns, counted for `total` and paged with LIMIT/OFFSET. Token matching
//! uses the `hs_contains_token` function registered on every connection.

use rusqlite::Connection;
use rusqlite::types::{Value as SqlValue, ValueRef};

use super::columns::{self, column_expr, table_name};
use super::records::{SYSTEM_COLUMN_COUNT, record_from_row, select_list};
use crate::domain::batch::RecordBatch;
use crate::domain::property::{PropertyDefinition, PropertyType};
use crate::domain::schema::ObjectSchema;
use crate::domain::search::{Condition, Operand, Operator, Predicate};
use crate::domain::{ObjectType, Record, Value};
use crate::store::{BatchSink, PortalId, RecordSink, StoreResult};

pub fn search(
    conn: &Connection,
    portal: PortalId,
    schema: &ObjectSchema,
    predicate: &Predicate,
    offset: usize,
    limit: usize,
    projection: &[String],
) -> StoreResult<(u64, Vec<Record>)> {
    let table = table_name(portal, schema.object);
    let mut params = Vec::new();
    let filter = where_clause(schema.object, predicate, &mut params);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM {table} WHERE {filter}"))?
        .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
    let (select, columns) = select_list(schema, projection);
    let order = order_clause(schema.object, predicate);
    params.push(SqlValue::Integer(limit as i64));
    params.push(SqlValue::Integer(offset as i64));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {select} FROM {table} WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
        record_from_row(r, &columns)
    })?;
    Ok((total as u64, rows.collect::<Result<_, _>>()?))
}

/// The sorts, then id, so pages and exports have one stable order.
fn order_clause(object: ObjectType, predicate: &Predicate) -> String {
    let mut order = String::new();
    for sort in &predicate.sorts {
        let column = column_expr(object, &sort.property.name);
        let collate = if is_text(sort.property.property_type) {
            " COLLATE NOCASE"
        } else {
            ""
        };
        let direction = if sort.descending { "DESC" } else { "ASC" };
        // Records without a value sort last in either direction.
        order.push_str(&format!(
            "{column} IS NULL, {column}{collate} {direction}, "
        ));
    }
    order.push_str("id ASC");
    order
}

/// How many records go to the sink at a time.
const BATCH: usize = 512;

/// The statement an export streams: every match, in the predicate's order.
fn stream_sql<'s>(
    portal: PortalId,
    schema: &'s ObjectSchema,
    predicate: &Predicate,
    projection: &[String],
    params: &mut Vec<SqlValue>,
) -> (String, Vec<(String, Option<&'s PropertyDefinition>)>) {
    let filter = where_clause(schema.object, predicate, params);
    let (select, columns) = select_list(schema, projection);
    let sql = format!(
        "SELECT {select} FROM {} WHERE {filter} ORDER BY {}",
        table_name(portal, schema.object),
        order_clause(schema.object, predicate)
    );
    (sql, columns)
}

/// Sends every match to `sink` in batches; one statement, so the export reads one
/// consistent snapshot, and the bounded channel keeps memory constant.
pub fn stream(
    conn: &Connection,
    portal: PortalId,
    schema: &ObjectSchema,
    predicate: &Predicate,
    projection: &[String],
    sink: &RecordSink,
) -> StoreResult<u64> {
    let mut params = Vec::new();
    let (sql, columns) = stream_sql(portal, schema, predicate, projection, &mut params);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut sent = 0u64;
    while let Some(row) = rows.next()? {
        batch.push(record_from_row(row, &columns)?);
        if batch.len() == BATCH {
            sent += batch.len() as u64;
            if sink
                .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .is_err()
            {
                return Ok(sent);
            }
        }
    }
    if !batch.is_empty() {
        sent += batch.len() as u64;
        let _ = sink.send(batch);
    }
    Ok(sent)
}

/// [`stream`] into compact batches: values are copied from SQLite's row straight into the
/// batch, typed as [`columns::from_sql`] types them, with no record or string per value.
pub fn stream_batches(
    conn: &Connection,
    portal: PortalId,
    schema: &ObjectSchema,
    predicate: &Predicate,
    projection: &[String],
    sink: &BatchSink,
) -> StoreResult<u64> {
    let mut params = Vec::new();
    let (sql, columns) = stream_sql(portal, schema, predicate, projection, &mut params);
    let kinds: Vec<Option<PropertyType>> = columns
        .iter()
        .map(|(_, d)| d.map(|d| d.property_type))
        .collect();
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let new_batch = || RecordBatch::with_capacity(kinds.len(), BATCH);
    let mut batch = new_batch();
    let mut sent = 0u64;
    while let Some(row) = rows.next()? {
        batch.start_row(row.get(0)?);
        for (i, kind) in kinds.iter().enumerate() {
            match row.get_ref(SYSTEM_COLUMN_COUNT + i)? {
                ValueRef::Null => batch.push_missing(),
                ValueRef::Integer(n) => match kind {
                    Some(PropertyType::Bool) => batch.push_bool(n != 0),
                    Some(PropertyType::Date | PropertyType::Datetime) => batch.push_timestamp(n),
                    _ => batch.push_integer(n),
                },
                ValueRef::Real(x) => batch.push_real(x),
                ValueRef::Text(bytes) | ValueRef::Blob(bytes) => batch.push_text_bytes(bytes),
            }
        }
        if batch.len() == BATCH {
            sent += batch.len() as u64;
            if sink
                .send(std::mem::replace(&mut batch, new_batch()))
                .is_err()
            {
                return Ok(sent);
            }
        }
    }
    if !batch.is_empty() {
        sent += batch.len() as u64;
        let _ = sink.send(batch);
    }
    Ok(sent)
}

fn is_text(kind: PropertyType) -> bool {
    matches!(
        kind,
        PropertyType::String | PropertyType::PhoneNumber | PropertyType::Enumeration
    )
}

/// `archived = 0 AND (group OR group ...) AND (query terms)`.
pub fn where_clause(
    object: ObjectType,
    predicate: &Predicate,
    params: &mut Vec<SqlValue>,
) -> String {
    let mut clause = String::from("archived = 0");
    if let Some(list) = predicate.members_of_list {
        params.push(SqlValue::Integer(list));
        clause.push_str(" AND id IN (SELECT record_id FROM list_members WHERE list_id = ?)");
    }
    if !predicate.groups.is_empty() {
        let groups: Vec<String> = predicate
            .groups
            .iter()
            .map(|group| {
                let conditions: Vec<String> = group
                    .iter()
                    .map(|c| condition_sql(object, c, params))
                    .collect();
                format!("({})", conditions.join(" AND "))
            })
            .collect();
        clause.push_str(&format!(" AND ({})", groups.join(" OR ")));
    }
    if let Some(query) = &predicate.query {
        for term in query.split_whitespace() {
            let matches: Vec<String> = predicate
                .query_properties
                .iter()
                .map(|p| {
                    params.push(SqlValue::Text(format!("{}*", term.trim_end_matches('*'))));
                    format!("hs_contains_token({}, ?)", column_expr(object, &p.name))
                })
                .collect();
            if matches.is_empty() {
                clause.push_str(" AND 0");
            } else {
                clause.push_str(&format!(" AND ({})", matches.join(" OR ")));
            }
        }
    }
    clause
}

fn condition_sql(object: ObjectType, condition: &Condition, params: &mut Vec<SqlValue>) -> String {
    let column = column_expr(object, &condition.property.name);
    let text = is_text(condition.property.property_type);
    let multi = condition.property.is_multi_select();
    let collate = if text { " COLLATE NOCASE" } else { "" };
    let mut bind = |v: &Value| {
        params.push(columns::to_owned_sql(v));
    };
    match (&condition.operator, &condition.operand) {
        (Operator::HasProperty, _) => format!("{column} IS NOT NULL"),
        (Operator::NotHasProperty, _) => format!("{column} IS NULL"),
        (Operator::ContainsToken, Operand::Token(t)) => {
            params.push(SqlValue::Text(t.clone()));
            format!("hs_contains_token({column}, ?)")
        }
        (Operator::NotContainsToken, Operand::Token(t)) => {
            params.push(SqlValue::Text(t.clone()));
            format!("NOT hs_contains_token({column}, ?)")
        }
        (Operator::Eq, Operand::One(v)) if multi => option_match(&column, v, params),
        (Operator::Neq, Operand::One(v)) if multi => {
            format!(
                "({column} IS NULL OR NOT {})",
                option_match(&column, v, params)
            )
        }
        (Operator::Eq, Operand::One(v)) => {
            bind(v);
            format!("{column} = ?{collate}")
        }
        (Operator::Neq, Operand::One(v)) => {
            bind(v);
            format!("({column} IS NULL OR {column} != ?{collate})")
        }
        (op @ (Operator::Lt | Operator::Lte | Operator::Gt | Operator::Gte), Operand::One(v)) => {
            bind(v);
            let symbol = match op {
                Operator::Lt => "<",
                Operator::Lte => "<=",
                Operator::Gt => ">",
                _ => ">=",
            };
            format!("{column} {symbol} ?{collate}")
        }
        (Operator::Between, Operand::Range(low, high)) => {
            bind(low);
            bind(high);
            format!("({column}{collate} BETWEEN ? AND ?)")
        }
        (Operator::In | Operator::NotIn, Operand::Many(values)) => {
            let matched = if values.is_empty() {
                "0".to_string()
            } else if multi {
                let parts: Vec<String> = values
                    .iter()
                    .map(|v| option_match(&column, v, params))
                    .collect();
                format!("({})", parts.join(" OR "))
            } else {
                values.iter().for_each(&mut bind);
                let marks = vec!["?"; values.len()].join(", ");
                format!("{column}{collate} IN ({marks})")
            };
            if condition.operator == Operator::In {
                matched
            } else {
                format!("({column} IS NULL OR NOT {matched})")
            }
        }
        // The parser pairs every operator with its operand shape; anything else matches nothing.
        _ => "0".to_string(),
    }
}

/// Whether a `;`-joined multi-select value includes the option `v`, ignoring case.
fn option_match(column: &str, v: &Value, params: &mut Vec<SqlValue>) -> String {
    let option = v
        .to_wire(None)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    params.push(SqlValue::Text(format!("%;{option};%")));
    format!("(';' || {column} || ';' LIKE ? ESCAPE '\\')")
}
