//! Reading records: select lists of the projected columns, the condition a record key
//! names, rows mapped into [`Record`]s, and the reads built on them (by key, by page, by
//! search predicate, liveness checks; a merged record's id reads its primary), archiving,
//! and the statement an export streams.

use super::builder::{Param, Sql};
use super::dialect::{Dialect, is_text, table_name};
use super::exec::{Exec, RowRead, exists, first, integer, rows};
use super::predicate::{order_by, push_where};
use crate::domain::property::PropertyDefinition;
use crate::domain::schema::ObjectSchema;
use crate::domain::search::Predicate;
use crate::domain::{ObjectType, Record, Value};
use crate::store::{PortalId, RecordKey, StoreError, StoreResult, Visibility};

/// The leading system columns of every record select, before the projected properties.
const SYSTEM_COLUMNS: &str = "id, created_at, updated_at, archived, archived_at";
const SYSTEM_COLUMN_COUNT: usize = 5;

/// The projected columns of a select: each property's name and definition.
pub type Columns<'s> = Vec<(String, Option<&'s PropertyDefinition>)>;

/// The select list for a projection, after `leading`, and each projected column.
/// Unknown names are dropped (the API drops them first; one must never reach the SQL).
fn select_after<'s>(
    dialect: Dialect,
    leading: &str,
    schema: &'s ObjectSchema,
    projection: &[String],
) -> (String, Columns<'s>) {
    let mut sql = String::from(leading);
    let mut columns = Vec::with_capacity(projection.len());
    for name in projection {
        let Some(definition) = schema.property(name) else {
            continue;
        };
        sql.push_str(", ");
        sql.push_str(&dialect.column(schema.object, name));
        columns.push((name.clone(), Some(definition)));
    }
    (sql, columns)
}

pub fn select_list<'s>(
    dialect: Dialect,
    schema: &'s ObjectSchema,
    projection: &[String],
) -> (String, Columns<'s>) {
    select_after(dialect, SYSTEM_COLUMNS, schema, projection)
}

pub fn record_from_row(row: &dyn RowRead, columns: &Columns<'_>) -> StoreResult<Record> {
    let mut properties = Vec::with_capacity(columns.len());
    for (i, (name, definition)) in columns.iter().enumerate() {
        properties.push((
            name.clone(),
            row.cell(SYSTEM_COLUMN_COUNT + i, *definition)?,
        ));
    }
    Ok(Record {
        id: row.int(0)?,
        created_at: row.int(1)?,
        updated_at: row.int(2)?,
        archived: row.flag(3)?,
        archived_at: row.opt_int(4)?,
        properties,
    })
}

/// Appends `column = value` for a property, comparing text without regard to ASCII case.
pub fn push_equals<'a>(
    sql: &mut Sql<'a>,
    object: ObjectType,
    property: &PropertyDefinition,
    value: Param<'a>,
) {
    let d = sql.dialect();
    let column = d.column(object, &property.name);
    if is_text(property.property_type) {
        sql.push(&d.text_key(&column));
    } else {
        sql.push(&column);
    }
    sql.push(" = ").bind(value);
}

/// Appends the condition selecting the record a key names (live or archived alike).
fn push_key(sql: &mut Sql<'_>, schema: &ObjectSchema, key: &RecordKey) -> StoreResult<()> {
    match key {
        RecordKey::Id(id) => {
            sql.push("id = ").bind(*id);
        }
        RecordKey::Unique { property, value } => {
            let definition = schema
                .unique_property(property)
                .ok_or_else(|| StoreError::internal(format!("{property} is not unique")))?;
            let kind = definition.property_type;
            let value = sql
                .dialect()
                .key_value(kind, &Value::Text(value.clone()))
                .into_owned();
            push_equals(sql, schema.object, definition, value);
        }
    }
    Ok(())
}

/// Whether record `id` of `object` exists in the portal and is not archived.
pub async fn is_live(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    id: i64,
) -> StoreResult<bool> {
    let d = e.dialect();
    let mut sql = Sql::new(d);
    sql.push("SELECT 1 FROM ").push(&table_name(portal, object));
    sql.push(" WHERE id = ")
        .bind(id)
        .push(" AND ")
        .push(&d.is_false("archived"));
    exists(e, &sql).await
}

/// The ids among `ids` of live records of `object` (at most a few hundred ids a call).
pub async fn live_among(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    ids: &[i64],
) -> StoreResult<Vec<i64>> {
    let d = e.dialect();
    let mut sql = Sql::new(d);
    sql.push("SELECT id FROM ")
        .push(&table_name(portal, object));
    sql.push(" WHERE id IN (").bind_list(ids.iter().copied());
    sql.push(") AND ").push(&d.is_false("archived"));
    rows(e, &sql, |r| r.int(0)).await
}

/// The id of the live record a key names, if any.
pub async fn resolve_live(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    key: &RecordKey,
) -> StoreResult<Option<i64>> {
    let d = e.dialect();
    let mut sql = Sql::new(d);
    sql.push("SELECT id FROM ")
        .push(&table_name(portal, schema.object))
        .push(" WHERE ");
    push_key(&mut sql, schema, key)?;
    sql.push(" AND ").push(&d.is_false("archived"));
    sql.push(" ORDER BY id DESC LIMIT 1");
    first(e, &sql, |r| r.int(0)).await
}

/// The id of the record a key names, live or archived, if any.
pub async fn resolve_any(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    key: &RecordKey,
) -> StoreResult<Option<i64>> {
    let mut sql = Sql::new(e.dialect());
    sql.push("SELECT id FROM ")
        .push(&table_name(portal, schema.object))
        .push(" WHERE ");
    push_key(&mut sql, schema, key)?;
    sql.push(" ORDER BY id DESC LIMIT 1");
    first(e, &sql, |r| r.int(0)).await
}

/// The live records among `ids` (in id order; ids without one are skipped), read by
/// chunks of ids in one query each rather than one query per id.
pub async fn read_live(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    ids: &[i64],
    projection: &[String],
) -> StoreResult<Vec<Record>> {
    let d = e.dialect();
    let (select, columns) = select_list(d, schema, projection);
    let table = table_name(portal, schema.object);
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        let mut sql = Sql::new(d);
        sql.push("SELECT ")
            .push(&select)
            .push(" FROM ")
            .push(&table);
        sql.push(" WHERE id IN (").bind_list(chunk.iter().copied());
        sql.push(") AND ").push(&d.is_false("archived"));
        sql.push(" ORDER BY id");
        found.extend(rows(e, &sql, |r| record_from_row(r, &columns)).await?);
    }
    Ok(found)
}

/// Records by key, in key order; `None` where no record of that visibility matches. A
/// live read by the id of a record merged into another reads that other record.
pub async fn read(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    keys: &[RecordKey],
    projection: &[String],
    visibility: Visibility,
) -> StoreResult<Vec<Option<Record>>> {
    let d = e.dialect();
    let (select, columns) = select_list(d, schema, projection);
    let table = table_name(portal, schema.object);
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        let mut sql = Sql::new(d);
        sql.push("SELECT ")
            .push(&select)
            .push(" FROM ")
            .push(&table)
            .push(" WHERE ");
        push_key(&mut sql, schema, key)?;
        sql.push(" AND ").push(&archived_condition(d, visibility));
        sql.push(" ORDER BY id DESC LIMIT 1");
        let mut record = first(e, &sql, |r| record_from_row(r, &columns)).await?;
        if let (None, RecordKey::Id(id), Visibility::Live) = (&record, key, visibility) {
            let current = super::merges::current_id(e, portal, schema.object, *id).await?;
            if current != *id {
                let mut sql = Sql::new(d);
                sql.push("SELECT ")
                    .push(&select)
                    .push(" FROM ")
                    .push(&table);
                sql.push(" WHERE id = ").bind(current);
                sql.push(" AND ").push(&d.is_false("archived"));
                record = first(e, &sql, |r| record_from_row(r, &columns)).await?;
            }
        }
        found.push(record);
    }
    Ok(found)
}

/// A page of records in id order, after the id `after`.
pub async fn list(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    after: i64,
    limit: usize,
    projection: &[String],
    visibility: Visibility,
) -> StoreResult<Vec<Record>> {
    let d = e.dialect();
    let (select, columns) = select_list(d, schema, projection);
    let mut sql = Sql::new(d);
    sql.push("SELECT ")
        .push(&select)
        .push(" FROM ")
        .push(&table_name(portal, schema.object));
    sql.push(" WHERE id > ").bind(after);
    sql.push(" AND ").push(&archived_condition(d, visibility));
    sql.push(" ORDER BY id LIMIT ").bind(limit_param(limit));
    rows(e, &sql, |r| record_from_row(r, &columns)).await
}

/// Records of one visibility, as a literal: SQLite re-prepares a statement at every new
/// binding of a parameter it compared with a partial index's condition (`archived = 0`).
fn archived_condition(d: Dialect, visibility: Visibility) -> String {
    match visibility {
        Visibility::Live => d.is_false("archived"),
        Visibility::Archived => format!("archived = {}", d.bool_literal(true)),
    }
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The total number of live matches, and the page at `offset`.
pub async fn search(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    predicate: &Predicate,
    page: (usize, usize),
    projection: &[String],
) -> StoreResult<(u64, Vec<Record>)> {
    let (offset, limit) = page;
    let d = e.dialect();
    let table = table_name(portal, schema.object);
    let mut count = Sql::new(d);
    count
        .push("SELECT COUNT(*) FROM ")
        .push(&table)
        .push(" WHERE ");
    push_where(&mut count, schema.object, predicate);
    let total = integer(e, &count).await?;
    let (select, columns) = select_list(d, schema, projection);
    let mut sql = Sql::new(d);
    sql.push("SELECT ")
        .push(&select)
        .push(" FROM ")
        .push(&table)
        .push(" WHERE ");
    push_where(&mut sql, schema.object, predicate);
    sql.push(" ORDER BY ")
        .push(&order_by(d, schema.object, predicate));
    sql.push(" LIMIT ").bind(limit_param(limit));
    sql.push(" OFFSET ").bind(limit_param(offset));
    let records = rows(e, &sql, |r| record_from_row(r, &columns)).await?;
    Ok((total as u64, records))
}

/// Archives the live records among `keys`; returns how many.
pub async fn archive(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    keys: &[RecordKey],
    now: i64,
) -> StoreResult<usize> {
    let d = e.dialect();
    let table = table_name(portal, schema.object);
    let mut archived = 0;
    for key in keys {
        if let Some(id) = resolve_live(e, portal, schema, key).await? {
            let mut sql = Sql::new(d);
            sql.push("UPDATE ")
                .push(&table)
                .push(" SET archived = ")
                .push(d.bool_literal(true));
            sql.push(", archived_at = ")
                .bind(now)
                .push(", updated_at = ")
                .bind(now);
            sql.push(" WHERE id = ").bind(id);
            archived += e.execute(&sql).await? as usize;
        }
    }
    Ok(archived)
}

/// The statement an export streams: the id and the projected columns of every match, in
/// the predicate's order, with each projected property's definition.
pub fn stream_statement<'a, 's>(
    dialect: Dialect,
    portal: PortalId,
    schema: &'s ObjectSchema,
    predicate: &'a Predicate,
    projection: &[String],
) -> (Sql<'a>, Vec<&'s PropertyDefinition>) {
    let (select, columns) = select_after(dialect, "id", schema, projection);
    let mut sql = Sql::new(dialect);
    sql.push("SELECT ")
        .push(&select)
        .push(" FROM ")
        .push(&table_name(portal, schema.object));
    sql.push(" WHERE ");
    push_where(&mut sql, schema.object, predicate);
    sql.push(" ORDER BY ")
        .push(&order_by(dialect, schema.object, predicate));
    let properties = columns.into_iter().filter_map(|(_, d)| d).collect();
    (sql, properties)
}
