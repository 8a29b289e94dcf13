//! Custom object schemas in SQLite: creating one reserves its type number, stores its
//! settings, property group and properties, creates its record table and defines its
//! association types; archiving needs it empty of live records.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::portals;
use crate::domain::ObjectType;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
    fully_qualified_name,
};
use crate::store::{PortalId, StoreError, StoreResult};

fn next_value(tx: &Transaction<'_>, sequence: &str, count: i64) -> StoreResult<i64> {
    Ok(tx.query_row(
        "UPDATE sequences SET next_value = next_value + ?2 WHERE name = ?1 RETURNING next_value - ?2",
        params![sequence, count],
        |r| r.get(0),
    )?)
}

pub fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    new: &NewCustomObject,
    now: i64,
) -> StoreResult<CustomObject> {
    if !portals::portal_exists(tx, portal)? {
        return Err(StoreError::NotFound(format!("portal {}", portal.0)));
    }
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM custom_objects WHERE portal_id = ?1 AND name = ?2 COLLATE NOCASE)",
        params![portal.0, new.name],
        |r| r.get(0),
    )?;
    if taken {
        return Err(StoreError::Conflict(format!(
            "An object type named \"{}\" already exists",
            new.name
        )));
    }
    let number = next_value(tx, "custom_object", 1)?;
    let object = ObjectType::Custom(
        u32::try_from(number).map_err(|_| StoreError::Internal("custom types exhausted".into()))?,
    );
    tx.execute(
        "INSERT INTO custom_objects (type_number, portal_id, name, settings, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![number, portal.0, new.name, portals::to_json(&new.settings)?, now],
    )?;
    portals::create_object(
        tx,
        portal,
        object,
        std::slice::from_ref(&new.group),
        &new.properties,
    )?;
    for (to, name) in &new.associated {
        define_association(tx, portal, object, *to, name, now)?;
    }
    find(tx, portal, object)?
        .ok_or_else(|| StoreError::Internal("a created custom object vanished".into()))
}

fn custom_object(
    conn: &Connection,
    portal: PortalId,
    row: &rusqlite::Row<'_>,
) -> StoreResult<CustomObject> {
    let number: i64 = row.get(0)?;
    let object = ObjectType::Custom(number as u32);
    let name: String = row.get(1)?;
    let settings: CustomObjectSettings = portals::from_json(&row.get::<_, String>(2)?)?;
    Ok(CustomObject {
        object,
        fully_qualified_name: fully_qualified_name(portal.0, &name),
        name,
        settings,
        associations: definitions_of(conn, portal, Some(object))?,
        archived: row.get(3)?,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
    })
}

const COLUMNS: &str = "type_number, name, settings, archived, created_at, updated_at";

/// The portal's custom objects, archived ones too, oldest first.
pub fn list(conn: &Connection, portal: PortalId) -> StoreResult<Vec<CustomObject>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM custom_objects WHERE portal_id = ?1 ORDER BY type_number"
    ))?;
    let mut rows = stmt.query([portal.0])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(custom_object(conn, portal, row)?);
    }
    Ok(found)
}

/// One custom object of the portal, archived or not; `None` for another portal's.
pub fn find(
    conn: &Connection,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<Option<CustomObject>> {
    let ObjectType::Custom(number) = object else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM custom_objects WHERE portal_id = ?1 AND type_number = ?2"
    ))?;
    let mut rows = stmt.query(params![portal.0, number])?;
    match rows.next()? {
        Some(row) => Ok(Some(custom_object(conn, portal, row)?)),
        None => Ok(None),
    }
}

fn live(conn: &Connection, portal: PortalId, object: ObjectType) -> StoreResult<CustomObject> {
    find(conn, portal, object)?
        .filter(|c| !c.archived)
        .ok_or_else(|| StoreError::NotFound(format!("object type {}", object.type_id())))
}

pub fn update(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    settings: &CustomObjectSettings,
    now: i64,
) -> StoreResult<CustomObject> {
    let current = live(tx, portal, object)?;
    tx.execute(
        "UPDATE custom_objects SET settings = ?3, updated_at = ?4 WHERE portal_id = ?1 AND type_number = ?2",
        params![portal.0, custom_number(current.object), portals::to_json(settings)?, now],
    )?;
    live(tx, portal, object)
}

/// Archives a custom object that holds no live records (HubSpot's rule: delete the records
/// first). Its name stays taken.
pub fn archive(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    now: i64,
) -> StoreResult<()> {
    live(tx, portal, object)?;
    let has_records: bool = tx.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE archived = 0)",
            super::columns::table_name(portal, object)
        ),
        [],
        |r| r.get(0),
    )?;
    if has_records {
        return Err(StoreError::Conflict(format!(
            "Object type {} still has records; delete them first",
            object.type_id()
        )));
    }
    tx.execute(
        "UPDATE custom_objects SET archived = 1, updated_at = ?3 WHERE portal_id = ?1 AND type_number = ?2",
        params![portal.0, custom_number(object), now],
    )?;
    Ok(())
}

fn custom_number(object: ObjectType) -> i64 {
    match object {
        ObjectType::Custom(n) => i64::from(n),
        _ => 0,
    }
}

/// Defines an association type from `from` (a custom object) to `to`, with two fresh type
/// ids: one per direction, or one for an object to itself.
pub fn define_association(
    tx: &Transaction<'_>,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    name: &str,
    now: i64,
) -> StoreResult<AssociationDefinition> {
    let ids = if from == to { 1 } else { 2 };
    let type_id = next_value(tx, "association_type", ids)?;
    let inverse_id = type_id + ids - 1;
    tx.execute(
        "INSERT INTO association_definitions (type_id, inverse_id, portal_id, from_type, to_type, name, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![type_id, inverse_id, portal.0, from.type_id(), to.type_id(), name, now],
    )?;
    Ok(AssociationDefinition {
        type_id,
        inverse_id,
        from,
        to,
        name: name.to_string(),
        created_at: now,
    })
}

/// Removes a definition of `object` (either end) and every edge of its types.
pub fn remove_association(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    type_id: i64,
) -> StoreResult<bool> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT inverse_id FROM association_definitions \
             WHERE portal_id = ?1 AND type_id = ?2 AND (from_type = ?3 OR to_type = ?3)",
            params![portal.0, type_id, object.type_id()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(inverse_id) = found else {
        return Ok(false);
    };
    tx.execute(
        "DELETE FROM associations WHERE portal_id = ?1 AND type_id IN (?2, ?3)",
        params![portal.0, type_id, inverse_id],
    )?;
    tx.execute(
        "DELETE FROM association_definitions WHERE portal_id = ?1 AND type_id = ?2",
        params![portal.0, type_id],
    )?;
    Ok(true)
}

/// The portal's association definitions; with `object`, those with it at either end.
pub fn definitions_of(
    conn: &Connection,
    portal: PortalId,
    object: Option<ObjectType>,
) -> StoreResult<Vec<AssociationDefinition>> {
    let mut stmt = conn.prepare_cached(
        "SELECT type_id, inverse_id, from_type, to_type, name, created_at FROM association_definitions \
         WHERE portal_id = ?1 AND (?2 IS NULL OR from_type = ?2 OR to_type = ?2) ORDER BY type_id",
    )?;
    let mut rows = stmt.query(params![portal.0, object.map(|o| o.type_id())])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let object_type = |i: usize| -> StoreResult<ObjectType> {
            let text: String = row.get(i)?;
            ObjectType::parse(&text)
                .ok_or_else(|| StoreError::Internal(format!("stored object type {text:?}")))
        };
        found.push(AssociationDefinition {
            type_id: row.get(0)?,
            inverse_id: row.get(1)?,
            from: object_type(2)?,
            to: object_type(3)?,
            name: row.get(4)?,
            created_at: row.get(5)?,
        });
    }
    Ok(found)
}
