//! Portals, tokens and per-portal schemas in SQLite: creating a portal seeds HubSpot's
//! default properties and creates one record table per standard object type (custom objects
//! get theirs when defined); creating a property adds its column (and a unique index when
//! its values must be unique).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::columns;
use crate::domain::ObjectType;
use crate::domain::defaults;
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::schema::ObjectSchema;
use crate::store::{PortalId, StoreError, StoreResult, TokenInfo};

pub fn portal_exists(conn: &Connection, portal: PortalId) -> StoreResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM portals WHERE id = ?1)",
        [portal.0],
        |r| r.get(0),
    )?)
}

pub fn create_portal(
    tx: &Transaction<'_>,
    id: Option<PortalId>,
    now: i64,
) -> StoreResult<PortalId> {
    tx.execute(
        "INSERT INTO portals (id, created_at) VALUES (?1, ?2)",
        params![id.map(|p| p.0), now],
    )?;
    let portal = PortalId(tx.last_insert_rowid());
    for object in ObjectType::STANDARD {
        let d = defaults::for_object(object);
        create_object(tx, portal, object, &d.groups, &d.properties)?;
    }
    Ok(portal)
}

/// Stores an object type's groups and properties and creates its record table.
pub fn create_object(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    groups: &[PropertyGroup],
    properties: &[PropertyDefinition],
) -> StoreResult<()> {
    for group in groups {
        insert_group(tx, portal, object, group)?;
    }
    for (position, property) in properties.iter().enumerate() {
        insert_property(tx, portal, object, property, position as i64)?;
    }
    tx.execute_batch(&columns::create_table_sql(portal, object, properties))?;
    for p in properties.iter().filter(|p| p.is_unique(object)) {
        tx.execute_batch(&columns::unique_index_sql(portal, object, &p.name))?;
    }
    Ok(())
}

pub fn list_portals(conn: &Connection) -> StoreResult<Vec<PortalId>> {
    let mut stmt = conn.prepare("SELECT id FROM portals ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok(PortalId(r.get(0)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn insert_group(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    group: &PropertyGroup,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO property_groups (portal_id, object_type, name, definition) VALUES (?1, ?2, ?3, ?4)",
        params![portal.0, object.type_id(), group.name, to_json(group)?],
    )?;
    Ok(())
}

fn insert_property(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    property: &PropertyDefinition,
    position: i64,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO properties (portal_id, object_type, name, position, definition) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![portal.0, object.type_id(), property.name, position, to_json(property)?],
    )?;
    Ok(())
}

pub(super) fn to_json(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("stored definition is unreadable: {e}")))
}

pub fn load_schema(
    conn: &Connection,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<ObjectSchema> {
    if !portal_exists(conn, portal)? {
        return Err(StoreError::NotFound(format!("portal {}", portal.0)));
    }
    // A custom object exists only in its own portal, and only until it is archived.
    let custom = match object {
        ObjectType::Custom(_) => Some(
            super::custom_objects::find(conn, portal, object)?
                .filter(|c| !c.archived)
                .ok_or_else(|| StoreError::NotFound(format!("object type {}", object.type_id())))?,
        ),
        _ => None,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT definition FROM properties WHERE portal_id = ?1 AND object_type = ?2 ORDER BY position",
    )?;
    let properties = stmt
        .query_map(params![portal.0, object.type_id()], |r| {
            r.get::<_, String>(0)
        })?
        .map(|row| from_json(&row?))
        .collect::<StoreResult<Vec<PropertyDefinition>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT definition FROM property_groups WHERE portal_id = ?1 AND object_type = ?2 ORDER BY rowid",
    )?;
    let groups = stmt
        .query_map(params![portal.0, object.type_id()], |r| {
            r.get::<_, String>(0)
        })?
        .map(|row| from_json(&row?))
        .collect::<StoreResult<Vec<PropertyGroup>>>()?;
    Ok(match custom {
        Some(custom) => ObjectSchema::for_custom(custom, properties, groups),
        None => ObjectSchema::new(object, properties, groups),
    })
}

pub fn create_property(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    property: PropertyDefinition,
) -> StoreResult<PropertyDefinition> {
    let schema = load_schema(tx, portal, object)?;
    if schema.property(&property.name).is_some() {
        return Err(StoreError::Conflict(format!(
            "A property named \"{}\" already exists",
            property.name
        )));
    }
    if !schema.groups.iter().any(|g| g.name == property.group_name) {
        return Err(StoreError::NotFound(format!(
            "property group \"{}\"",
            property.group_name
        )));
    }
    insert_property(
        tx,
        portal,
        object,
        &property,
        schema.properties.len() as i64,
    )?;
    tx.execute_batch(&format!(
        "ALTER TABLE {} ADD COLUMN {} {}",
        columns::table_name(portal, object),
        columns::column_expr(object, &property.name),
        columns::column_type(&property)
    ))?;
    if property.is_unique(object) {
        tx.execute_batch(&columns::unique_index_sql(portal, object, &property.name))?;
    }
    Ok(property)
}

pub fn create_property_group(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    group: PropertyGroup,
) -> StoreResult<PropertyGroup> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM property_groups WHERE portal_id = ?1 AND object_type = ?2 AND name = ?3)",
        params![portal.0, object.type_id(), group.name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(StoreError::Conflict(format!(
            "A property group named \"{}\" already exists",
            group.name
        )));
    }
    insert_group(tx, portal, object, &group)?;
    Ok(group)
}

pub fn create_token(
    tx: &Transaction<'_>,
    portal: PortalId,
    name: &str,
    scopes: &[String],
    token_hash: &str,
    now: i64,
) -> StoreResult<TokenInfo> {
    if !portal_exists(tx, portal)? {
        return Err(StoreError::NotFound(format!("portal {}", portal.0)));
    }
    tx.execute(
        "INSERT INTO tokens (portal_id, name, token_hash, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![portal.0, name, token_hash, scopes.join(" "), now],
    )?;
    Ok(TokenInfo {
        id: tx.last_insert_rowid(),
        portal,
        name: name.to_string(),
        scopes: scopes.to_vec(),
        created_at: now,
        revoked_at: None,
    })
}

const TOKEN_COLUMNS: &str = "id, portal_id, name, scopes, created_at, revoked_at";

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenInfo> {
    let scopes: String = r.get(3)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        portal: PortalId(r.get(1)?),
        name: r.get(2)?,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
        created_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

pub fn token_by_hash(conn: &Connection, token_hash: &str) -> StoreResult<Option<TokenInfo>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = ?1 AND revoked_at IS NULL"
    ))?;
    Ok(stmt.query_row([token_hash], token_row).optional()?)
}

pub fn list_tokens(conn: &Connection) -> StoreResult<Vec<TokenInfo>> {
    let mut stmt = conn.prepare(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"))?;
    let rows = stmt.query_map([], token_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn revoke_token(tx: &Transaction<'_>, id: i64, now: i64) -> StoreResult<bool> {
    let changed = tx.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now],
    )?;
    Ok(changed == 1)
}
