//! Per-portal schemas: the property groups and property definitions of each object type
//! (stored as JSON, in order) and its pipelines, loaded into an [`ObjectSchema`]; creating
//! a property adds its column to the record table (and a unique index when its values must
//! be unique); updating or archiving one, or a group, replaces its stored definition (the
//! column stays).

use std::sync::Arc;

use super::builder::{Param, Sql};
use super::dialect::table_name;
use super::exec::{Exec, exists, from_json, one, rows, to_json};
use super::portals::require_portal;
use crate::domain::ObjectType;
use crate::domain::pipeline::has_pipelines;
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::schema::ObjectSchema;
use crate::store::cache::SchemaStamp;
use crate::store::{PortalId, StoreError, StoreResult};

/// Definitions per multi-row insert: a standard object has hundreds of properties, and
/// every statement is a round trip.
const DEFINITIONS_PER_INSERT: usize = 200;

/// Stores an object type's groups and properties and creates its record table.
pub async fn create_object(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    groups: &[PropertyGroup],
    properties: &[PropertyDefinition],
) -> StoreResult<()> {
    let type_id = object.type_id();
    let group_rows = groups
        .iter()
        .map(|g| Ok(vec![Param::from(g.name.as_str()), Param::from(to_json(g)?)]))
        .collect::<StoreResult<Vec<_>>>()?;
    insert_definitions(
        e,
        "property_groups (portal_id, object_type, name, definition)",
        portal,
        &type_id,
        group_rows,
    )
    .await?;
    let property_rows = properties
        .iter()
        .enumerate()
        .map(|(position, p)| {
            Ok(vec![
                Param::from(p.name.as_str()),
                Param::Int(position as i64),
                Param::from(to_json(p)?),
            ])
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let into = "properties (portal_id, object_type, name, position, definition)";
    insert_definitions(e, into, portal, &type_id, property_rows).await?;
    let d = e.dialect();
    let mut ddl = d.create_table(portal, object, properties);
    for p in properties.iter().filter(|p| p.is_unique(object)) {
        ddl.push_str(";\n");
        ddl.push_str(&d.unique_index(portal, object, &p.name));
    }
    e.script(&ddl).await
}

/// Inserts rows of `(portal, object type, values…)` into `into`, in order, a chunk per
/// statement.
async fn insert_definitions(
    e: &mut dyn Exec,
    into: &str,
    portal: PortalId,
    object: &str,
    values: Vec<Vec<Param<'_>>>,
) -> StoreResult<()> {
    let d = e.dialect();
    for chunk in values.chunks(DEFINITIONS_PER_INSERT) {
        let mut sql = Sql::new(d);
        sql.push("INSERT INTO ").push(into).push(" VALUES ");
        for (i, row) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(portal.0).push(", ").bind(object).push(", ");
            sql.bind_list(row.iter().cloned()).push(")");
        }
        e.execute(&sql).await?;
    }
    Ok(())
}

/// The schema of a live object type of the portal: its properties in order and its groups
/// in the order they were created. `NotFound` for an unknown portal, or a custom object
/// of another portal or archived.
pub async fn load(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<ObjectSchema> {
    require_portal(e, portal).await?;
    let custom = match object {
        ObjectType::Custom(_) => Some(
            super::custom_objects::find(e, portal, object)
                .await?
                .filter(|c| !c.archived)
                .ok_or_else(|| {
                    StoreError::not_found(format!("object type {}", object.type_id()))
                })?,
        ),
        _ => None,
    };
    let d = e.dialect();
    let type_id = object.type_id();
    let of_object = || vec![Param::Int(portal.0), Param::from(type_id.as_ref())];
    let text = "SELECT definition FROM properties WHERE portal_id = ?1 AND object_type = ?2 \
         ORDER BY position";
    let properties = rows(e, &Sql::fixed(d, text, of_object()), |r| {
        from_json(r.text(0)?)
    })
    .await?;
    let text = format!(
        "SELECT definition FROM property_groups WHERE portal_id = ?1 AND object_type = ?2 \
         ORDER BY {}",
        d.creation_order()
    );
    let groups = rows(e, &Sql::fixed(d, &text, of_object()), |r| {
        from_json(r.text(0)?)
    })
    .await?;
    let schema = match custom {
        Some(custom) => ObjectSchema::for_custom(custom, properties, groups),
        None => ObjectSchema::new(object, properties, groups),
    };
    if !has_pipelines(object) {
        return Ok(schema);
    }
    let own = super::pipelines::load(e, portal, object).await?;
    Ok(if own.is_empty() {
        schema
    } else {
        schema.with_pipelines(own)
    })
}

/// When the portal's schemas last changed (PostgreSQL only, whose triggers keep
/// `crm_schema_versions`); 0 for a stamp never set. Read before the schema it vouches for,
/// so a change committed in between shows as a newer stamp next time, never the reverse.
pub async fn stamp(e: &mut dyn Exec, portal: PortalId) -> StoreResult<SchemaStamp> {
    let text = "SELECT COALESCE(MAX(version) FILTER (WHERE portal_id = ?1), 0), \
         COALESCE(MAX(version) FILTER (WHERE portal_id = 0), 0) \
         FROM crm_schema_versions WHERE portal_id IN (?1, 0)";
    let sql = Sql::fixed(e.dialect(), text, vec![Param::Int(portal.0)]);
    one(e, &sql, |r| {
        Ok(SchemaStamp {
            portal: r.int(0)?,
            all: r.int(1)?,
        })
    })
    .await
}

/// `known` when the caller has the schema already (a store that caches them), or the
/// schema read in this transaction.
pub async fn known_or_load(
    e: &mut dyn Exec,
    known: Option<Arc<ObjectSchema>>,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<Arc<ObjectSchema>> {
    match known {
        Some(schema) => Ok(schema),
        None => Ok(Arc::new(load(e, portal, object).await?)),
    }
}

pub async fn create_property(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    property: PropertyDefinition,
) -> StoreResult<PropertyDefinition> {
    require_portal(e, portal).await?;
    let d = e.dialect();
    // Two processes adding properties to one table must not both read the same positions.
    if let Some(lock) = d.lock_table(&table_name(portal, object)) {
        e.script(&lock).await?;
    }
    let schema = load(e, portal, object).await?;
    if schema.property(&property.name).is_some() {
        return Err(StoreError::conflict(format!(
            "A property named \"{}\" already exists",
            property.name
        )));
    }
    if schema.archived_property(&property.name).is_some() {
        return Err(StoreError::conflict(format!(
            "A property named \"{}\" exists in the recycling bin (archived)",
            property.name
        )));
    }
    if !schema.groups.iter().any(|g| g.name == property.group_name) {
        return Err(StoreError::not_found(format!(
            "property group \"{}\"",
            property.group_name
        )));
    }
    let text = "INSERT INTO properties (portal_id, object_type, name, position, definition) \
         VALUES (?1, ?2, ?3, ?4, ?5)";
    let params = vec![
        Param::Int(portal.0),
        Param::from(object.type_id()),
        Param::from(&property.name),
        Param::Int((schema.properties.len() + schema.archived_properties.len()) as i64),
        Param::from(to_json(&property)?),
    ];
    e.execute(&Sql::fixed(d, text, params)).await?;
    e.script(&d.add_column(portal, object, &property)).await?;
    if property.is_unique(object) {
        e.script(&d.unique_index(portal, object, &property.name))
            .await?;
    }
    Ok(property)
}

pub async fn create_property_group(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    group: PropertyGroup,
) -> StoreResult<PropertyGroup> {
    let d = e.dialect();
    let type_id = object.type_id();
    let text =
        "SELECT 1 FROM property_groups WHERE portal_id = ?1 AND object_type = ?2 AND name = ?3";
    let params = vec![
        Param::Int(portal.0),
        Param::from(type_id.as_ref()),
        Param::from(&group.name),
    ];
    if exists(e, &Sql::fixed(d, text, params)).await? {
        return Err(StoreError::conflict(format!(
            "A property group named \"{}\" already exists",
            group.name
        )));
    }
    let row = vec![vec![
        Param::from(&group.name),
        Param::from(to_json(&group)?),
    ]];
    let into = "property_groups (portal_id, object_type, name, definition)";
    insert_definitions(e, into, portal, &type_id, row).await?;
    Ok(group)
}

/// Replaces the stored definitions of `properties` (matched by name), all or none: an
/// update, or an archive (which sets `archivedAt`). `NotFound` names the first unknown one.
pub async fn update_properties(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    properties: Vec<PropertyDefinition>,
) -> StoreResult<Vec<PropertyDefinition>> {
    let d = e.dialect();
    let text = "UPDATE properties SET definition = ?4 \
         WHERE portal_id = ?1 AND object_type = ?2 AND name = ?3";
    for property in &properties {
        let params = vec![
            Param::Int(portal.0),
            Param::from(object.type_id()),
            Param::from(&property.name),
            Param::from(to_json(property)?),
        ];
        if e.execute(&Sql::fixed(d, text, params)).await? == 0 {
            return Err(StoreError::not_found(format!(
                "property \"{}\"",
                property.name
            )));
        }
    }
    Ok(properties)
}

/// Replaces a group's stored definition (matched by name): an update, or an archive.
pub async fn update_property_group(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    group: PropertyGroup,
) -> StoreResult<PropertyGroup> {
    let d = e.dialect();
    let text = "UPDATE property_groups SET definition = ?4 \
         WHERE portal_id = ?1 AND object_type = ?2 AND name = ?3";
    let params = vec![
        Param::Int(portal.0),
        Param::from(object.type_id()),
        Param::from(&group.name),
        Param::from(to_json(&group)?),
    ];
    if e.execute(&Sql::fixed(d, text, params)).await? == 0 {
        return Err(StoreError::not_found(format!(
            "property group \"{}\"",
            group.name
        )));
    }
    Ok(group)
}
