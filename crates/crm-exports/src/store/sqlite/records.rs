//! Record reads and writes in SQLite: ids from the server-wide sequence, uniqueness checked
//! before writing so a conflict names the record already holding the value, and reads that
//! select only the projected columns.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{
    CachedStatement, Connection, OptionalExtension, Row, Transaction, params_from_iter,
};

use super::associations;
use super::columns::{self, column_expr, table_name};
use crate::domain::property::PropertyDefinition;
use crate::domain::schema::ObjectSchema;
use crate::domain::{Record, Value};
use crate::store::{
    Edge, PortalId, PropertyValues, RecordKey, StoreError, StoreResult, Visibility, WriteFailure,
    WriteOp, Written,
};

/// The leading system columns of every record select, before the projected properties.
const SYSTEM_COLUMNS: &str = "id, created_at, updated_at, archived, archived_at";
pub const SYSTEM_COLUMN_COUNT: usize = 5;

pub fn write(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    ops: &[WriteOp],
    now: i64,
) -> StoreResult<Vec<Result<Written, WriteFailure>>> {
    tx.set_prepared_statement_cache_capacity(128);
    let creations = ops
        .iter()
        .filter(|op| matches!(op, WriteOp::Create(..) | WriteOp::Upsert(..)))
        .count();
    let mut ids = IdBlock::reserve(tx, creations)?;
    let mut taken = TakenValues::load(tx, portal, schema, ops)?;
    let mut insert = Insert::default();
    let mut outcomes = Vec::with_capacity(ops.len());
    for op in ops {
        let outcome = match op {
            WriteOp::Create(values, edges) => {
                let mut missing = None;
                for e in edges {
                    if !is_live(tx, portal, e.to, e.to_id)? {
                        missing = Some(e.to_id);
                        break;
                    }
                }
                match missing {
                    Some(id) => Err(WriteFailure::MissingAssociationTarget(id)),
                    None => {
                        let created = create(
                            tx,
                            portal,
                            schema,
                            &mut taken,
                            &mut insert,
                            values,
                            now,
                            &mut ids,
                        )?;
                        if let Ok(written) = &created {
                            for e in edges {
                                let edge = Edge {
                                    from_id: written.id,
                                    to_id: e.to_id,
                                    type_id: e.type_id,
                                    inverse_id: e.inverse_id,
                                };
                                associations::associate(
                                    tx,
                                    portal,
                                    schema.object,
                                    e.to,
                                    &[edge],
                                    now,
                                )?;
                            }
                        }
                        created
                    }
                }
            }
            WriteOp::Update(key, values) => match resolve_live(tx, portal, schema, key)? {
                Some(id) => update(tx, portal, schema, &mut taken, id, values, now)?,
                None => Err(WriteFailure::NotFound(key.clone())),
            },
            WriteOp::Upsert(key, values) => match resolve_live(tx, portal, schema, key)? {
                Some(id) => update(tx, portal, schema, &mut taken, id, values, now)?,
                None => match key {
                    RecordKey::Unique { property, value } => {
                        let mut values = values.clone();
                        if !values.iter().any(|(name, _)| name == property) {
                            values.push((property.clone(), Some(Value::Text(value.clone()))));
                        }
                        create(
                            tx,
                            portal,
                            schema,
                            &mut taken,
                            &mut insert,
                            &values,
                            now,
                            &mut ids,
                        )?
                    }
                    RecordKey::Id(_) => Err(WriteFailure::NotFound(key.clone())),
                },
            },
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Record ids reserved for one write call with a single sequence update. Ids of creates
/// that fail stay unused: ids need to be unique and increasing, not gapless.
struct IdBlock {
    next: i64,
    end: i64,
}

impl IdBlock {
    fn reserve(tx: &Transaction<'_>, count: usize) -> StoreResult<Self> {
        if count == 0 {
            return Ok(IdBlock { next: 0, end: 0 });
        }
        let count = count as i64;
        let first: i64 = tx
            .prepare_cached(
                "UPDATE sequences SET next_value = next_value + ?1 WHERE name = 'record_id' \
                 RETURNING next_value - ?1",
            )?
            .query_row([count], |r| r.get(0))?;
        Ok(IdBlock {
            next: first,
            end: first + count,
        })
    }

    fn take(&mut self) -> StoreResult<i64> {
        if self.next >= self.end {
            return Err(StoreError::Internal("record id block exhausted".into()));
        }
        self.next += 1;
        Ok(self.next - 1)
    }
}

/// Which unique values live records hold, for the uniqueness checks of one write call.
///
/// A call made only of creates (a batch create) looks up every unique text value it will
/// write in one query before its first insert, and adds each value it inserts, so a record
/// conflicting with an earlier input of the same call is caught too. Any other call (an
/// update can take or free a value) and unique values that are not text ask the database
/// per record. Text compares ignoring ASCII case, as the `NOCASE` unique index does.
struct TakenValues {
    /// The schema's unique properties.
    unique: Vec<String>,
    /// (index into `unique`, value in ASCII lower case) → the live record holding it.
    known: Option<HashMap<(usize, String), i64>>,
}

/// Values per lookup query, well under SQLite's limit on bound parameters.
const LOOKUP_CHUNK: usize = 500;

impl TakenValues {
    fn load(
        tx: &Transaction<'_>,
        portal: PortalId,
        schema: &ObjectSchema,
        ops: &[WriteOp],
    ) -> StoreResult<Self> {
        let unique: Vec<String> = schema
            .properties
            .iter()
            .filter(|p| p.is_unique(schema.object))
            .map(|p| p.name.clone())
            .collect();
        let only_creates = ops.iter().all(|op| matches!(op, WriteOp::Create(..)));
        if unique.is_empty() || !only_creates {
            return Ok(Self {
                unique,
                known: None,
            });
        }
        let mut known = HashMap::new();
        for (index, property) in unique.iter().enumerate() {
            let wanted: Vec<&str> = ops
                .iter()
                .filter_map(|op| match op {
                    WriteOp::Create(values, _) => Some(values),
                    _ => None,
                })
                .flat_map(|values| values.iter())
                .filter(|(name, _)| name == property)
                .filter_map(|(_, value)| match value {
                    Some(Value::Text(text)) => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            let column = column_expr(schema.object, property);
            let table = table_name(portal, schema.object);
            for chunk in wanted.chunks(LOOKUP_CHUNK) {
                let sql = format!(
                    "SELECT id, {column} FROM {table} WHERE {column} COLLATE NOCASE IN ({}) \
                     AND archived = 0",
                    vec!["?"; chunk.len()].join(", ")
                );
                let mut statement = tx.prepare_cached(&sql)?;
                let mut rows = statement.query(params_from_iter(chunk))?;
                while let Some(row) = rows.next()? {
                    let held: String = row.get(1)?;
                    known.insert((index, held.to_ascii_lowercase()), row.get(0)?);
                }
            }
        }
        Ok(Self {
            unique,
            known: Some(known),
        })
    }

    /// Fails with `Duplicate` if a unique value being written already belongs to another
    /// live record.
    fn check(
        &self,
        tx: &Transaction<'_>,
        portal: PortalId,
        schema: &ObjectSchema,
        values: &PropertyValues,
        own_id: i64,
    ) -> StoreResult<Result<(), WriteFailure>> {
        for (name, value) in values {
            let Some(value) = value else {
                continue;
            };
            let Some(index) = self.unique.iter().position(|u| u == name) else {
                continue;
            };
            let existing = match (&self.known, value) {
                (Some(known), Value::Text(text)) => {
                    known.get(&(index, text.to_ascii_lowercase())).copied()
                }
                _ => {
                    let sql = format!(
                        "SELECT id FROM {} WHERE {} = ?1 COLLATE NOCASE AND archived = 0 AND id != ?2",
                        table_name(portal, schema.object),
                        column_expr(schema.object, name)
                    );
                    tx.prepare_cached(&sql)?
                        .query_row(rusqlite::params![columns::to_sql(value), own_id], |r| {
                            r.get(0)
                        })
                        .optional()?
                }
            };
            if let Some(existing_id) = existing {
                return Ok(Err(WriteFailure::Duplicate {
                    property: name.clone(),
                    value: value.to_wire(None),
                    existing_id,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Records that `id` now holds the unique values among `values`.
    fn note(&mut self, values: &PropertyValues, id: i64) {
        let Some(known) = &mut self.known else {
            return;
        };
        for (name, value) in values {
            if let (Some(Value::Text(text)), Some(index)) =
                (value, self.unique.iter().position(|u| u == name))
            {
                known.insert((index, text.to_ascii_lowercase()), id);
            }
        }
    }
}

/// The insert statement for the properties the last create set, kept while the next
/// creates set the same ones (a batch's inputs usually do), so its SQL is neither rebuilt
/// nor looked up in the statement cache per record.
#[derive(Default)]
struct Insert<'c> {
    properties: Vec<String>,
    statement: Option<CachedStatement<'c>>,
}

impl<'c> Insert<'c> {
    fn statement(
        &mut self,
        conn: &'c Connection,
        portal: PortalId,
        schema: &ObjectSchema,
        values: &PropertyValues,
    ) -> StoreResult<&mut CachedStatement<'c>> {
        let set = values.iter().filter(|(_, v)| v.is_some()).map(|(n, _)| n);
        if self.statement.is_none() || !set.clone().eq(self.properties.iter()) {
            self.properties = set.cloned().collect();
            let mut sql = format!(
                "INSERT INTO {} (id, created_at, updated_at",
                table_name(portal, schema.object)
            );
            for name in &self.properties {
                sql.push_str(", ");
                sql.push_str(&column_expr(schema.object, name));
            }
            sql.push_str(") VALUES (?, ?, ?");
            sql.push_str(&", ?".repeat(self.properties.len()));
            sql.push(')');
            self.statement = Some(conn.prepare_cached(&sql)?);
        }
        Ok(self
            .statement
            .as_mut()
            .expect("the statement was prepared above"))
    }
}

#[allow(clippy::too_many_arguments)]
fn create<'c>(
    tx: &'c Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    taken: &mut TakenValues,
    insert: &mut Insert<'c>,
    values: &PropertyValues,
    now: i64,
    ids: &mut IdBlock,
) -> StoreResult<Result<Written, WriteFailure>> {
    if let Err(failure) = taken.check(tx, portal, schema, values, 0)? {
        return Ok(Err(failure));
    }
    let id = ids.take()?;
    let statement = insert.statement(tx, portal, schema, values)?;
    statement.raw_bind_parameter(1, id)?;
    statement.raw_bind_parameter(2, now)?;
    statement.raw_bind_parameter(3, now)?;
    for (i, value) in values.iter().filter_map(|(_, v)| v.as_ref()).enumerate() {
        statement.raw_bind_parameter(4 + i, columns::to_sql(value))?;
    }
    statement.raw_execute()?;
    taken.note(values, id);
    Ok(Ok(Written { id, created: true }))
}

fn update(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    taken: &mut TakenValues,
    id: i64,
    values: &PropertyValues,
    now: i64,
) -> StoreResult<Result<Written, WriteFailure>> {
    if let Err(failure) = taken.check(tx, portal, schema, values, id)? {
        return Ok(Err(failure));
    }
    let mut sql = format!(
        "UPDATE {} SET updated_at = ?",
        table_name(portal, schema.object)
    );
    let mut bound: Vec<SqlValue> = vec![SqlValue::Integer(now)];
    for (name, value) in values {
        sql.push_str(&format!(", {} = ?", column_expr(schema.object, name)));
        bound.push(value.as_ref().map_or(SqlValue::Null, columns::to_owned_sql));
    }
    sql.push_str(" WHERE id = ?");
    bound.push(SqlValue::Integer(id));
    tx.prepare_cached(&sql)?.execute(params_from_iter(bound))?;
    Ok(Ok(Written { id, created: false }))
}

/// Whether record `id` of `object` exists in the portal and is not archived.
pub fn is_live(
    conn: &Connection,
    portal: PortalId,
    object: crate::domain::ObjectType,
    id: i64,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT 1 FROM {} WHERE id = ?1 AND archived = 0",
            table_name(portal, object)
        ))?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The id of the live record a key names, if any.
fn resolve_live(
    conn: &Connection,
    portal: PortalId,
    schema: &ObjectSchema,
    key: &RecordKey,
) -> StoreResult<Option<i64>> {
    let table = table_name(portal, schema.object);
    Ok(match key {
        RecordKey::Id(id) => conn
            .prepare_cached(&format!(
                "SELECT id FROM {table} WHERE id = ?1 AND archived = 0"
            ))?
            .query_row([id], |r| r.get(0))
            .optional()?,
        RecordKey::Unique { property, value } => conn
            .prepare_cached(&format!(
                "SELECT id FROM {table} WHERE {} = ?1 COLLATE NOCASE AND archived = 0",
                column_expr(schema.object, property)
            ))?
            .query_row([value], |r| r.get(0))
            .optional()?,
    })
}

/// The select list for a projection, and each projected column's definition.
pub fn select_list<'s>(
    schema: &'s ObjectSchema,
    projection: &[String],
) -> (String, Vec<(String, Option<&'s PropertyDefinition>)>) {
    let mut sql = String::from(SYSTEM_COLUMNS);
    let mut columns = Vec::with_capacity(projection.len());
    for name in projection {
        let definition = schema.property(name);
        if definition.is_none() {
            // Unknown names are dropped by the API; never let one reach the SQL.
            continue;
        }
        sql.push_str(", ");
        sql.push_str(&column_expr(schema.object, name));
        columns.push((name.clone(), definition));
    }
    (sql, columns)
}

pub fn record_from_row(
    row: &Row<'_>,
    columns: &[(String, Option<&PropertyDefinition>)],
) -> rusqlite::Result<Record> {
    let mut properties = Vec::with_capacity(columns.len());
    for (i, (name, definition)) in columns.iter().enumerate() {
        let cell = row.get_ref(SYSTEM_COLUMN_COUNT + i)?;
        properties.push((name.clone(), columns::from_sql(*definition, cell)));
    }
    Ok(Record {
        id: row.get(0)?,
        created_at: row.get(1)?,
        updated_at: row.get(2)?,
        archived: row.get::<_, i64>(3)? != 0,
        archived_at: row.get(4)?,
        properties,
    })
}

fn archived_flag(visibility: Visibility) -> i64 {
    match visibility {
        Visibility::Live => 0,
        Visibility::Archived => 1,
    }
}

pub fn read(
    conn: &Connection,
    portal: PortalId,
    schema: &ObjectSchema,
    keys: &[RecordKey],
    projection: &[String],
    visibility: Visibility,
) -> StoreResult<Vec<Option<Record>>> {
    let (select, columns) = select_list(schema, projection);
    let table = table_name(portal, schema.object);
    let flag = archived_flag(visibility);
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        let record =
            match key {
                RecordKey::Id(id) => conn
                    .prepare_cached(&format!(
                        "SELECT {select} FROM {table} WHERE id = ?1 AND archived = ?2"
                    ))?
                    .query_row(rusqlite::params![id, flag], |r| {
                        record_from_row(r, &columns)
                    })
                    .optional()?,
                RecordKey::Unique { property, value } => {
                    if schema.unique_property(property).is_none() {
                        return Err(StoreError::Internal(format!("{property} is not unique")));
                    }
                    conn.prepare_cached(&format!(
                    "SELECT {select} FROM {table} WHERE {} = ?1 COLLATE NOCASE AND archived = ?2 \
                     ORDER BY id DESC LIMIT 1",
                    column_expr(schema.object, property)
                ))?
                .query_row(rusqlite::params![value, flag], |r| record_from_row(r, &columns))
                .optional()?
                }
            };
        found.push(record);
    }
    Ok(found)
}

pub fn list(
    conn: &Connection,
    portal: PortalId,
    schema: &ObjectSchema,
    after: i64,
    limit: usize,
    projection: &[String],
    visibility: Visibility,
) -> StoreResult<Vec<Record>> {
    let (select, columns) = select_list(schema, projection);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {select} FROM {} WHERE id > ?1 AND archived = ?2 ORDER BY id LIMIT ?3",
        table_name(portal, schema.object)
    ))?;
    let rows = stmt.query_map(
        rusqlite::params![after, archived_flag(visibility), limit as i64],
        |r| record_from_row(r, &columns),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn archive(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    keys: &[RecordKey],
    now: i64,
) -> StoreResult<usize> {
    let mut archived = 0;
    for key in keys {
        if let Some(id) = resolve_live(tx, portal, schema, key)? {
            archived += tx
                .prepare_cached(&format!(
                    "UPDATE {} SET archived = 1, archived_at = ?2, updated_at = ?2 WHERE id = ?1",
                    table_name(portal, schema.object)
                ))?
                .execute(rusqlite::params![id, now])?;
        }
    }
    Ok(archived)
}
