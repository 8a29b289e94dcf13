//! Portals, tokens and per-portal schemas in PostgreSQL: creating a portal seeds HubSpot's
//! default properties and creates one record table per standard object type (custom
//! objects get theirs when defined); creating a property
//! adds its column (and a unique index when its values must be unique).

use tokio_postgres::{Row, Transaction};

use super::columns;
use crate::domain::ObjectType;
use crate::domain::defaults;
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::schema::ObjectSchema;
use crate::store::{PortalId, StoreError, StoreResult, TokenInfo};

pub async fn portal_exists(tx: &Transaction<'_>, portal: PortalId) -> StoreResult<bool> {
    Ok(tx
        .query_opt("SELECT 1 FROM portals WHERE id = $1", &[&portal.0])
        .await?
        .is_some())
}

/// Serialises portal creation: new ids are the highest plus one (as SQLite's rowids are),
/// and two processes must not pick the same one.
pub async fn lock_portals(tx: &Transaction<'_>) -> StoreResult<()> {
    tx.batch_execute("LOCK TABLE portals IN SHARE ROW EXCLUSIVE MODE")
        .await?;
    Ok(())
}

pub async fn create_portal(
    tx: &Transaction<'_>,
    id: Option<PortalId>,
    now: i64,
) -> StoreResult<PortalId> {
    lock_portals(tx).await?;
    let row = tx
        .query_one(
            "INSERT INTO portals (id, created_at) \
             VALUES (COALESCE($1, (SELECT COALESCE(MAX(id), 0) + 1 FROM portals)), $2) RETURNING id",
            &[&id.map(|p| p.0), &now],
        )
        .await?;
    let portal = PortalId(row.get(0));
    for object in ObjectType::STANDARD {
        let d = defaults::for_object(object);
        create_object(tx, portal, object, &d.groups, &d.properties).await?;
    }
    Ok(portal)
}

/// Stores an object type's groups and properties and creates its record table: a few
/// statements rather than one per property, since a standard object has hundreds and every
/// statement is a round trip.
pub async fn create_object(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    groups: &[PropertyGroup],
    properties: &[PropertyDefinition],
) -> StoreResult<()> {
    let group_names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    let group_definitions = groups
        .iter()
        .map(to_json)
        .collect::<StoreResult<Vec<_>>>()?;
    tx.execute(
        "INSERT INTO property_groups (portal_id, object_type, name, definition) \
         SELECT $1, $2, g.name, g.definition \
         FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS g(name, definition, n) ORDER BY g.n",
        &[&portal.0, &object.type_id(), &group_names, &group_definitions],
    )
    .await?;
    let property_names: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
    let property_definitions = properties
        .iter()
        .map(to_json)
        .collect::<StoreResult<Vec<_>>>()?;
    tx.execute(
        "INSERT INTO properties (portal_id, object_type, name, position, definition) \
         SELECT $1, $2, p.name, p.n - 1, p.definition \
         FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS p(name, definition, n)",
        &[
            &portal.0,
            &object.type_id(),
            &property_names,
            &property_definitions,
        ],
    )
    .await?;
    let mut ddl = columns::create_table_sql(portal, object, properties);
    ddl.push_str(";\n");
    for p in properties.iter().filter(|p| p.is_unique(object)) {
        ddl.push_str(&columns::unique_index_sql(portal, object, &p.name));
        ddl.push_str(";\n");
    }
    tx.batch_execute(&ddl).await?;
    Ok(())
}

pub async fn list_portals(tx: &Transaction<'_>) -> StoreResult<Vec<PortalId>> {
    let rows = tx.query("SELECT id FROM portals ORDER BY id", &[]).await?;
    Ok(rows.iter().map(|r| PortalId(r.get(0))).collect())
}

async fn insert_group(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    group: &PropertyGroup,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO property_groups (portal_id, object_type, name, definition) VALUES ($1, $2, $3, $4)",
        &[&portal.0, &object.type_id(), &group.name, &to_json(group)?],
    )
    .await?;
    Ok(())
}

async fn insert_property(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    property: &PropertyDefinition,
    position: i64,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO properties (portal_id, object_type, name, position, definition) VALUES ($1, $2, $3, $4, $5)",
        &[&portal.0, &object.type_id(), &property.name, &position, &to_json(property)?],
    )
    .await?;
    Ok(())
}

pub(super) fn to_json(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("stored definition is unreadable: {e}")))
}

fn definitions<T: serde::de::DeserializeOwned>(rows: &[Row]) -> StoreResult<Vec<T>> {
    rows.iter()
        .map(|r| from_json(r.get::<_, &str>(0)))
        .collect()
}

pub async fn load_schema(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<ObjectSchema> {
    if !portal_exists(tx, portal).await? {
        return Err(StoreError::NotFound(format!("portal {}", portal.0)));
    }
    // A custom object exists only in its own portal, and only until it is archived.
    let custom = match object {
        ObjectType::Custom(_) => Some(
            super::custom_objects::find(tx, portal, object)
                .await?
                .filter(|c| !c.archived)
                .ok_or_else(|| StoreError::NotFound(format!("object type {}", object.type_id())))?,
        ),
        _ => None,
    };
    let properties = tx
        .query(
            "SELECT definition FROM properties WHERE portal_id = $1 AND object_type = $2 ORDER BY position",
            &[&portal.0, &object.type_id()],
        )
        .await?;
    let groups = tx
        .query(
            "SELECT definition FROM property_groups WHERE portal_id = $1 AND object_type = $2 ORDER BY seq",
            &[&portal.0, &object.type_id()],
        )
        .await?;
    let (properties, groups) = (definitions(&properties)?, definitions(&groups)?);
    Ok(match custom {
        Some(custom) => ObjectSchema::for_custom(custom, properties, groups),
        None => ObjectSchema::new(object, properties, groups),
    })
}

pub async fn create_property(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    property: PropertyDefinition,
) -> StoreResult<PropertyDefinition> {
    if !portal_exists(tx, portal).await? {
        return Err(StoreError::NotFound(format!("portal {}", portal.0)));
    }
    // Two processes adding properties to one table must not both read the same positions.
    tx.execute(
        &format!(
            "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
            columns::table_name(portal, object)
        ),
        &[],
    )
    .await?;
    let schema = load_schema(tx, portal, object).await?;
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
    )
    .await?;
    tx.batch_execute(&columns::add_column_sql(portal, object, &property))
        .await?;
    if property.is_unique(object) {
        tx.batch_execute(&columns::unique_index_sql(portal, object, &property.name))
            .await?;
    }
    Ok(property)
}

pub async fn create_property_group(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    group: PropertyGroup,
) -> StoreResult<PropertyGroup> {
    let exists = tx
        .query_opt(
            "SELECT 1 FROM property_groups WHERE portal_id = $1 AND object_type = $2 AND name = $3",
            &[&portal.0, &object.type_id(), &group.name],
        )
        .await?
        .is_some();
    if exists {
        return Err(StoreError::Conflict(format!(
            "A property group named \"{}\" already exists",
            group.name
        )));
    }
    insert_group(tx, portal, object, &group).await?;
    Ok(group)
}

pub async fn create_token(
    tx: &Transaction<'_>,
    portal: PortalId,
    name: &str,
    scopes: &[String],
    token_hash: &str,
    now: i64,
) -> StoreResult<TokenInfo> {
    if !portal_exists(tx, portal).await? {
        return Err(StoreError::NotFound(format!("portal {}", portal.0)));
    }
    let row = tx
        .query_one(
            "INSERT INTO tokens (portal_id, name, token_hash, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&portal.0, &name, &token_hash, &scopes.join(" "), &now],
        )
        .await?;
    Ok(TokenInfo {
        id: row.get(0),
        portal,
        name: name.to_string(),
        scopes: scopes.to_vec(),
        created_at: now,
        revoked_at: None,
    })
}

const TOKEN_COLUMNS: &str = "id, portal_id, name, scopes, created_at, revoked_at";

fn token_row(r: &Row) -> TokenInfo {
    let scopes: &str = r.get(3);
    TokenInfo {
        id: r.get(0),
        portal: PortalId(r.get(1)),
        name: r.get(2),
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
        created_at: r.get(4),
        revoked_at: r.get(5),
    }
}

pub async fn token_by_hash(
    tx: &Transaction<'_>,
    token_hash: &str,
) -> StoreResult<Option<TokenInfo>> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL"
            ),
            &[&token_hash],
        )
        .await?;
    Ok(row.as_ref().map(token_row))
}

pub async fn list_tokens(tx: &Transaction<'_>) -> StoreResult<Vec<TokenInfo>> {
    let rows = tx
        .query(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"),
            &[],
        )
        .await?;
    Ok(rows.iter().map(token_row).collect())
}

pub async fn revoke_token(tx: &Transaction<'_>, id: i64, now: i64) -> StoreResult<bool> {
    let changed = tx
        .execute(
            "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &now],
        )
        .await?;
    Ok(changed == 1)
}
