//! Record reads and writes in PostgreSQL: ids from the server-wide sequence, uniqueness
//! checked before writing so a conflict names the record already holding the value, and
//! reads that select only the projected columns.

use tokio_postgres::{Row, Transaction};

use super::associations;
use super::columns::{Params, column_expr, is_text, read_cell, table_name, text_key};
use crate::domain::property::PropertyDefinition;
use crate::domain::schema::ObjectSchema;
use crate::domain::{ObjectType, Record, Value};
use crate::store::{
    Edge, PortalId, PropertyValues, RecordKey, StoreError, StoreResult, Visibility, WriteFailure,
    WriteOp, Written,
};

/// The leading system columns of every record select, before the projected properties.
const SYSTEM_COLUMNS: &str = "id, created_at, updated_at, archived, archived_at";
const SYSTEM_COLUMN_COUNT: usize = 5;

pub async fn write(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    ops: &[WriteOp],
    now: i64,
) -> StoreResult<Vec<Result<Written, WriteFailure>>> {
    let mut outcomes = Vec::with_capacity(ops.len());
    for op in ops {
        let outcome = match op {
            WriteOp::Create(values, edges) => {
                let mut missing = None;
                for e in edges {
                    if !is_live(tx, portal, e.to, e.to_id).await? {
                        missing = Some(e.to_id);
                        break;
                    }
                }
                match missing {
                    Some(id) => Err(WriteFailure::MissingAssociationTarget(id)),
                    None => {
                        let created = create(tx, portal, schema, values, now).await?;
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
                                )
                                .await?;
                            }
                        }
                        created
                    }
                }
            }
            WriteOp::Update(key, values) => match resolve_live(tx, portal, schema, key).await? {
                Some(id) => update(tx, portal, schema, id, values, now).await?,
                None => Err(WriteFailure::NotFound(key.clone())),
            },
            WriteOp::Upsert(key, values) => match resolve_live(tx, portal, schema, key).await? {
                Some(id) => update(tx, portal, schema, id, values, now).await?,
                None => match key {
                    RecordKey::Unique { property, value } => {
                        let mut values = values.clone();
                        if !values.iter().any(|(name, _)| name == property) {
                            values.push((property.clone(), Some(Value::Text(value.clone()))));
                        }
                        create(tx, portal, schema, &values, now).await?
                    }
                    RecordKey::Id(_) => Err(WriteFailure::NotFound(key.clone())),
                },
            },
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

pub async fn next_record_id(tx: &Transaction<'_>) -> StoreResult<i64> {
    Ok(tx
        .query_one("SELECT nextval('record_ids')", &[])
        .await?
        .get(0))
}

/// The property a write names, which must be in the schema: the API drops unknown names,
/// and one must never reach the SQL.
fn known<'s>(schema: &'s ObjectSchema, name: &str) -> StoreResult<&'s PropertyDefinition> {
    schema
        .property(name)
        .ok_or_else(|| StoreError::Internal(format!("unknown property {name}")))
}

/// `column = value`, comparing text without regard to ASCII case.
fn equals(
    object: ObjectType,
    property: &PropertyDefinition,
    value: &Value,
    params: &mut Params,
) -> String {
    let column = column_expr(object, &property.name);
    let placeholder = params.key(property.property_type, value);
    if is_text(property.property_type) {
        format!("{} = {placeholder}", text_key(&column))
    } else {
        format!("{column} = {placeholder}")
    }
}

/// Fails with `Duplicate` if a unique value being written already belongs to another
/// live record.
async fn check_unique(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    values: &PropertyValues,
    own_id: i64,
) -> StoreResult<Result<(), WriteFailure>> {
    for (name, value) in values {
        let (Some(value), Some(property)) = (value, schema.unique_property(name)) else {
            continue;
        };
        let mut params = Params::default();
        let matches = equals(schema.object, property, value, &mut params);
        let own = params.push(own_id);
        let sql = format!(
            "SELECT id FROM {} WHERE {matches} AND NOT archived AND id != {own} LIMIT 1",
            table_name(portal, schema.object),
        );
        if let Some(row) = tx.query_opt(&sql, &params.refs()).await? {
            return Ok(Err(WriteFailure::Duplicate {
                property: name.clone(),
                value: value.to_wire(None),
                existing_id: row.get(0),
            }));
        }
    }
    Ok(Ok(()))
}

async fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    values: &PropertyValues,
    now: i64,
) -> StoreResult<Result<Written, WriteFailure>> {
    if let Err(failure) = check_unique(tx, portal, schema, values, 0).await? {
        return Ok(Err(failure));
    }
    let id = next_record_id(tx).await?;
    let mut params = Params::default();
    let mut names = String::from("id, created_at, updated_at");
    let mut placeholders = format!(
        "{}, {}, {}",
        params.push(id),
        params.push(now),
        params.push(now)
    );
    for (name, value) in values {
        let Some(value) = value else { continue };
        let property = known(schema, name)?;
        names.push_str(", ");
        names.push_str(&column_expr(schema.object, name));
        placeholders.push_str(", ");
        placeholders.push_str(&params.value(property.property_type, value));
    }
    tx.execute(
        &format!(
            "INSERT INTO {} ({names}) VALUES ({placeholders})",
            table_name(portal, schema.object)
        ),
        &params.refs(),
    )
    .await?;
    Ok(Ok(Written { id, created: true }))
}

async fn update(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    id: i64,
    values: &PropertyValues,
    now: i64,
) -> StoreResult<Result<Written, WriteFailure>> {
    if let Err(failure) = check_unique(tx, portal, schema, values, id).await? {
        return Ok(Err(failure));
    }
    let mut params = Params::default();
    let mut sql = format!(
        "UPDATE {} SET updated_at = {}",
        table_name(portal, schema.object),
        params.push(now)
    );
    for (name, value) in values {
        let property = known(schema, name)?;
        let placeholder = match value {
            Some(v) => params.value(property.property_type, v),
            None => "NULL".to_string(),
        };
        sql.push_str(&format!(
            ", {} = {placeholder}",
            column_expr(schema.object, name)
        ));
    }
    sql.push_str(&format!(" WHERE id = {}", params.push(id)));
    tx.execute(&sql, &params.refs()).await?;
    Ok(Ok(Written { id, created: false }))
}

/// Whether record `id` of `object` exists in the portal and is not archived.
pub async fn is_live(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    id: i64,
) -> StoreResult<bool> {
    Ok(tx
        .query_opt(
            &format!(
                "SELECT 1 FROM {} WHERE id = $1 AND NOT archived",
                table_name(portal, object)
            ),
            &[&id],
        )
        .await?
        .is_some())
}

/// The condition selecting the record a key names (live or archived alike).
fn key_condition(
    schema: &ObjectSchema,
    key: &RecordKey,
    params: &mut Params,
) -> StoreResult<String> {
    Ok(match key {
        RecordKey::Id(id) => format!("id = {}", params.push(*id)),
        RecordKey::Unique { property, value } => {
            let definition = schema
                .unique_property(property)
                .ok_or_else(|| StoreError::Internal(format!("{property} is not unique")))?;
            equals(
                schema.object,
                definition,
                &Value::Text(value.clone()),
                params,
            )
        }
    })
}

/// The id of the live record a key names, if any.
async fn resolve_live(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    key: &RecordKey,
) -> StoreResult<Option<i64>> {
    let mut params = Params::default();
    let condition = key_condition(schema, key, &mut params)?;
    let row = tx
        .query_opt(
            &format!(
                "SELECT id FROM {} WHERE {condition} AND NOT archived ORDER BY id DESC LIMIT 1",
                table_name(portal, schema.object)
            ),
            &params.refs(),
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
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
    row: &Row,
    columns: &[(String, Option<&PropertyDefinition>)],
) -> StoreResult<Record> {
    let mut properties = Vec::with_capacity(columns.len());
    for (i, (name, definition)) in columns.iter().enumerate() {
        properties.push((
            name.clone(),
            read_cell(row, SYSTEM_COLUMN_COUNT + i, *definition)?,
        ));
    }
    Ok(Record {
        id: row.try_get(0)?,
        created_at: row.try_get(1)?,
        updated_at: row.try_get(2)?,
        archived: row.try_get(3)?,
        archived_at: row.try_get(4)?,
        properties,
    })
}

fn archived_flag(visibility: Visibility) -> bool {
    visibility == Visibility::Archived
}

pub async fn read(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    keys: &[RecordKey],
    projection: &[String],
    visibility: Visibility,
) -> StoreResult<Vec<Option<Record>>> {
    let (select, columns) = select_list(schema, projection);
    let table = table_name(portal, schema.object);
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        let mut params = Params::default();
        let condition = key_condition(schema, key, &mut params)?;
        let flag = params.push(archived_flag(visibility));
        let row = tx
            .query_opt(
                &format!(
                    "SELECT {select} FROM {table} WHERE {condition} AND archived = {flag} \
                     ORDER BY id DESC LIMIT 1"
                ),
                &params.refs(),
            )
            .await?;
        found.push(row.map(|r| record_from_row(&r, &columns)).transpose()?);
    }
    Ok(found)
}

pub async fn list(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    after: i64,
    limit: usize,
    projection: &[String],
    visibility: Visibility,
) -> StoreResult<Vec<Record>> {
    let (select, columns) = select_list(schema, projection);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = tx
        .query(
            &format!(
                "SELECT {select} FROM {} WHERE id > $1 AND archived = $2 ORDER BY id LIMIT $3",
                table_name(portal, schema.object)
            ),
            &[&after, &archived_flag(visibility), &limit],
        )
        .await?;
    rows.iter().map(|r| record_from_row(r, &columns)).collect()
}

pub async fn archive(
    tx: &Transaction<'_>,
    portal: PortalId,
    schema: &ObjectSchema,
    keys: &[RecordKey],
    now: i64,
) -> StoreResult<usize> {
    let mut archived = 0;
    for key in keys {
        if let Some(id) = resolve_live(tx, portal, schema, key).await? {
            archived += tx
                .execute(
                    &format!(
                        "UPDATE {} SET archived = TRUE, archived_at = $2, updated_at = $2 WHERE id = $1",
                        table_name(portal, schema.object)
                    ),
                    &[&id, &now],
                )
                .await? as usize;
        }
    }
    Ok(archived)
}
