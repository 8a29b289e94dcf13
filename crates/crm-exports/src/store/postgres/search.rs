//! Search in PostgreSQL: a parsed [`Predicate`] becomes one parameterised WHERE clause over
//! the record table's columns, counted for `total` and paged with LIMIT/OFFSET; an export
//! streams the same query through a server-side portal, a batch of rows at a time.

use std::sync::mpsc::{SyncSender, TrySendError};

use tokio_postgres::Transaction;

use super::columns::{Params, column_expr, is_text, table_name, text_key};
use super::records::{record_from_row, select_list};
use crate::domain::schema::ObjectSchema;
use crate::domain::search::{Condition, Operand, Operator, Predicate};
use crate::domain::{ObjectType, Record, Value};
use crate::store::{PortalId, RecordSink, StoreError, StoreResult};

/// Rows fetched from the server per round trip while streaming.
const STREAM_BATCH: i32 = 1000;

pub async fn search(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    predicate: &Predicate,
    offset: usize,
    limit: usize,
    projection: &[String],
) -> StoreResult<(u64, Vec<Record>)> {
    let table = table_name(portal, schema.object);
    let mut params = Params::default();
    let filter = where_clause(schema.object, predicate, &mut params);
    let total: i64 = tx
        .query_one(
            &format!("SELECT COUNT(*) FROM {table} WHERE {filter}"),
            &params.refs(),
        )
        .await?
        .get(0);
    let (select, columns) = select_list(schema, projection);
    let order = order_clause(schema.object, predicate);
    let limit = params.push(i64::try_from(limit).unwrap_or(i64::MAX));
    let offset = params.push(i64::try_from(offset).unwrap_or(i64::MAX));
    let rows = tx
        .query(
            &format!(
                "SELECT {select} FROM {table} WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            ),
            &params.refs(),
        )
        .await?;
    let records = rows
        .iter()
        .map(|r| record_from_row(r, &columns))
        .collect::<StoreResult<_>>()?;
    Ok((total as u64, records))
}

/// The sorts, then id, so pages and exports have one stable order.
pub fn order_clause(object: ObjectType, predicate: &Predicate) -> String {
    let mut order = String::new();
    for sort in &predicate.sorts {
        let column = column_expr(object, &sort.property.name);
        let key = if is_text(sort.property.property_type) {
            text_key(&column)
        } else {
            column.clone()
        };
        let direction = if sort.descending { "DESC" } else { "ASC" };
        // Records without a value sort last in either direction.
        order.push_str(&format!("({column} IS NULL), {key} {direction}, "));
    }
    order.push_str("id ASC");
    order
}

/// Sends every match to `sink` in batches. One statement in one repeatable-read
/// transaction, so the export reads one consistent snapshot; rows come from a portal
/// (a server-side cursor) a batch at a time and the bounded channel pushes back, so
/// memory stays constant however many rows match.
pub async fn stream(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    predicate: &Predicate,
    projection: &[String],
    sink: RecordSink,
) -> StoreResult<u64> {
    let mut params = Params::default();
    let filter = where_clause(schema.object, predicate, &mut params);
    let (select, columns) = select_list(schema, projection);
    let statement = tx
        .prepare(&format!(
            "SELECT {select} FROM {} WHERE {filter} ORDER BY {}",
            table_name(portal, schema.object),
            order_clause(schema.object, predicate)
        ))
        .await?;
    let cursor = tx.bind(&statement, &params.refs()).await?;
    let mut sent = 0u64;
    loop {
        let rows = tx.query_portal(&cursor, STREAM_BATCH).await?;
        if rows.is_empty() {
            return Ok(sent);
        }
        let batch = rows
            .iter()
            .map(|r| record_from_row(r, &columns))
            .collect::<StoreResult<Vec<_>>>()?;
        let count = batch.len() as u64;
        let full = rows.len() == STREAM_BATCH as usize;
        drop(rows);
        if !send(&sink, batch).await? {
            // The reader hung up: stop early.
            return Ok(sent);
        }
        sent += count;
        if !full {
            return Ok(sent);
        }
    }
}

/// Hands `item` to a blocking channel from the async runtime; `false` when the reader hung
/// up. Most sends find room at once; only a full channel waits, and it waits on a blocking
/// thread, never on the runtime.
async fn send<T: Send + 'static>(sink: &SyncSender<T>, item: T) -> StoreResult<bool> {
    match sink.try_send(item) {
        Ok(()) => Ok(true),
        Err(TrySendError::Disconnected(_)) => Ok(false),
        Err(TrySendError::Full(item)) => {
            let sink = sink.clone();
            tokio::task::spawn_blocking(move || sink.send(item).is_ok())
                .await
                .map_err(|e| StoreError::Internal(format!("streaming task failed: {e}")))
        }
    }
}

/// `NOT archived AND (group OR group ...) AND (query terms)`.
pub fn where_clause(object: ObjectType, predicate: &Predicate, params: &mut Params) -> String {
    let mut clause = String::from("NOT archived");
    if let Some(list) = predicate.members_of_list {
        clause.push_str(&format!(
            " AND id IN (SELECT record_id FROM list_members WHERE list_id = {})",
            params.push(list)
        ));
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
                    let pattern = format!("{}*", term.trim_end_matches('*'));
                    token_match(&column_expr(object, &p.name), &pattern, params)
                })
                .collect();
            if matches.is_empty() {
                clause.push_str(" AND FALSE");
            } else {
                clause.push_str(&format!(" AND ({})", matches.join(" OR ")));
            }
        }
    }
    clause
}

/// `domain::search::contains_token` in SQL: the `*` glob becomes a LIKE pattern.
fn token_match(column: &str, pattern: &str, params: &mut Params) -> String {
    let pattern = pattern.trim().to_lowercase();
    if pattern.is_empty() {
        return "FALSE".to_string();
    }
    let like = escape_like(&pattern).replace('*', "%");
    format!(
        "crm_contains_token({column}::text, {}::text)",
        params.push(like)
    )
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn condition_sql(object: ObjectType, condition: &Condition, params: &mut Params) -> String {
    let column = column_expr(object, &condition.property.name);
    let kind = condition.property.property_type;
    let multi = condition.property.is_multi_select();
    let key = if is_text(kind) {
        text_key(&column)
    } else {
        column.clone()
    };
    match (&condition.operator, &condition.operand) {
        (Operator::HasProperty, _) => format!("{column} IS NOT NULL"),
        (Operator::NotHasProperty, _) => format!("{column} IS NULL"),
        (Operator::ContainsToken, Operand::Token(t)) => token_match(&column, t, params),
        (Operator::NotContainsToken, Operand::Token(t)) => {
            format!("NOT {}", token_match(&column, t, params))
        }
        (Operator::Eq, Operand::One(v)) if multi => option_match(&column, v, params),
        (Operator::Neq, Operand::One(v)) if multi => {
            format!(
                "({column} IS NULL OR NOT {})",
                option_match(&column, v, params)
            )
        }
        (Operator::Eq, Operand::One(v)) => format!("{key} = {}", params.key(kind, v)),
        (Operator::Neq, Operand::One(v)) => {
            format!("({column} IS NULL OR {key} != {})", params.key(kind, v))
        }
        (op @ (Operator::Lt | Operator::Lte | Operator::Gt | Operator::Gte), Operand::One(v)) => {
            let symbol = match op {
                Operator::Lt => "<",
                Operator::Lte => "<=",
                Operator::Gt => ">",
                _ => ">=",
            };
            format!("{key} {symbol} {}", params.key(kind, v))
        }
        (Operator::Between, Operand::Range(low, high)) => {
            let low = params.key(kind, low);
            let high = params.key(kind, high);
            format!("({key} BETWEEN {low} AND {high})")
        }
        (Operator::In | Operator::NotIn, Operand::Many(values)) => {
            let matched = if values.is_empty() {
                "FALSE".to_string()
            } else if multi {
                let parts: Vec<String> = values
                    .iter()
                    .map(|v| option_match(&column, v, params))
                    .collect();
                format!("({})", parts.join(" OR "))
            } else {
                let marks: Vec<String> = values.iter().map(|v| params.key(kind, v)).collect();
                format!("{key} IN ({})", marks.join(", "))
            };
            if condition.operator == Operator::In {
                matched
            } else {
                format!("({column} IS NULL OR NOT {matched})")
            }
        }
        // The parser pairs every operator with its operand shape; anything else matches nothing.
        _ => "FALSE".to_string(),
    }
}

/// Whether a `;`-joined multi-select value includes the option `v`, ignoring case.
fn option_match(column: &str, v: &Value, params: &mut Params) -> String {
    let pattern = format!("%;{};%", escape_like(&v.to_wire(None)));
    format!(
        "(';' || {column} || ';' ILIKE {}::text)",
        params.push(pattern)
    )
}
