//! Custom object schemas: creating one takes its type number from the server-wide
//! sequence, stores its settings, property group and properties, creates its record table
//! and defines its association types; archiving needs it empty of live records and keeps
//! its name taken.

use std::sync::Arc;

use super::builder::{Param, Sql};
use super::dialect::{Sequence, table_name};
use super::exec::{Exec, RowRead, exists, first, from_json, rows, to_json};
use super::portals::require_portal;
use super::schemas::create_object;
use super::writes::reserve;
use crate::domain::ObjectType;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
    fully_qualified_name,
};
use crate::store::{PortalId, StoreError, StoreResult};

const COLUMNS: &str = "type_number, name, settings, archived, created_at, updated_at";

pub async fn create(
    e: &mut dyn Exec,
    portal: PortalId,
    new: &NewCustomObject,
    now: i64,
) -> StoreResult<CustomObject> {
    require_portal(e, portal).await?;
    let d = e.dialect();
    let mut taken = Sql::new(d);
    taken
        .push("SELECT 1 FROM custom_objects WHERE portal_id = ")
        .bind(portal.0)
        .push(" AND ");
    d.push_text_equals(&mut taken, "name", &new.name);
    if exists(e, &taken).await? {
        return Err(StoreError::conflict(format!(
            "An object type named \"{}\" already exists",
            new.name
        )));
    }
    let number = reserve(e, Sequence::CustomObject, 1).await?[0];
    let object = ObjectType::Custom(
        u32::try_from(number).map_err(|_| StoreError::internal("custom object types exhausted"))?,
    );
    // A concurrent create of the same name fails on the unique index: a conflict as well.
    let insert = "INSERT INTO custom_objects (type_number, portal_id, name, settings, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
    let params = vec![
        Param::Int(number),
        Param::Int(portal.0),
        Param::from(&new.name),
        Param::from(to_json(&new.settings)?),
        Param::Int(now),
    ];
    e.execute(&Sql::fixed(d, insert, params)).await?;
    let group = std::slice::from_ref(&new.group);
    create_object(e, portal, object, group, &new.properties).await?;
    for (to, name) in &new.associated {
        define_association(e, portal, object, *to, name, now).await?;
    }
    find(e, portal, object)
        .await?
        .ok_or_else(|| StoreError::internal("a created custom object vanished"))
}

/// A custom object's row, without its association definitions.
fn custom_object(portal: PortalId, row: &dyn RowRead) -> StoreResult<CustomObject> {
    let number = row.int(0)?;
    let name = row.text(1)?.to_string();
    let settings: CustomObjectSettings = from_json(row.text(2)?)?;
    Ok(CustomObject {
        object: ObjectType::Custom(number as u32),
        fully_qualified_name: fully_qualified_name(portal.0, &name),
        name,
        settings,
        associations: Vec::new(),
        archived: row.flag(3)?,
        created_at: row.int(4)?,
        updated_at: row.int(5)?,
    })
}

async fn with_associations(
    e: &mut dyn Exec,
    portal: PortalId,
    mut custom: CustomObject,
) -> StoreResult<CustomObject> {
    custom.associations = definitions_of(e, portal, Some(custom.object)).await?;
    Ok(custom)
}

/// The portal's custom objects, archived ones too, oldest first.
pub async fn list(e: &mut dyn Exec, portal: PortalId) -> StoreResult<Vec<CustomObject>> {
    let text =
        format!("SELECT {COLUMNS} FROM custom_objects WHERE portal_id = ?1 ORDER BY type_number");
    let sql = Sql::fixed(e.dialect(), &text, vec![Param::Int(portal.0)]);
    let found = rows(e, &sql, |r| custom_object(portal, r)).await?;
    let mut listed = Vec::with_capacity(found.len());
    for custom in found {
        listed.push(with_associations(e, portal, custom).await?);
    }
    Ok(listed)
}

/// One custom object of the portal, archived or not; `None` for another portal's.
pub async fn find(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<Option<CustomObject>> {
    let ObjectType::Custom(number) = object else {
        return Ok(None);
    };
    let text =
        format!("SELECT {COLUMNS} FROM custom_objects WHERE portal_id = ?1 AND type_number = ?2");
    let params = vec![Param::Int(portal.0), Param::Int(i64::from(number))];
    let sql = Sql::fixed(e.dialect(), &text, params);
    match first(e, &sql, |r| custom_object(portal, r)).await? {
        Some(custom) => Ok(Some(with_associations(e, portal, custom).await?)),
        None => Ok(None),
    }
}

/// The type number of a live custom object, its row locked until the transaction ends
/// where another process could change it.
async fn lock_live(e: &mut dyn Exec, portal: PortalId, object: ObjectType) -> StoreResult<i64> {
    let number = match object {
        ObjectType::Custom(n) => i64::from(n),
        _ => -1,
    };
    let d = e.dialect();
    let text = format!(
        "SELECT type_number FROM custom_objects WHERE portal_id = ?1 AND type_number = ?2 AND {}{}",
        d.is_false("archived"),
        d.for_update()
    );
    let sql = Sql::fixed(d, &text, vec![Param::Int(portal.0), Param::Int(number)]);
    first(e, &sql, |r| r.int(0))
        .await?
        .ok_or_else(|| StoreError::not_found(format!("object type {}", object.type_id())))
}

/// Replaces a live custom object's settings; `NotFound` for unknown or archived ones.
pub async fn update(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    settings: &CustomObjectSettings,
    now: i64,
) -> StoreResult<CustomObject> {
    let number = lock_live(e, portal, object).await?;
    let text = "UPDATE custom_objects SET settings = ?3, updated_at = ?4 \
         WHERE portal_id = ?1 AND type_number = ?2";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(number),
        Param::from(to_json(settings)?),
        Param::Int(now),
    ];
    let d = e.dialect();
    e.execute(&Sql::fixed(d, text, params)).await?;
    find(e, portal, object)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("object type {}", object.type_id())))
}

/// Archives a custom object that holds no live records (HubSpot's rule: delete the records
/// first). Its name stays taken.
pub async fn archive(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    now: i64,
) -> StoreResult<()> {
    let number = lock_live(e, portal, object).await?;
    let d = e.dialect();
    let records = format!(
        "SELECT 1 FROM {} WHERE {} LIMIT 1",
        table_name(portal, object),
        d.is_false("archived")
    );
    if exists(e, &Sql::fixed(d, &records, vec![])).await? {
        return Err(StoreError::conflict(format!(
            "Object type {} still has records; delete them first",
            object.type_id()
        )));
    }
    let text = format!(
        "UPDATE custom_objects SET archived = {}, updated_at = ?3 \
         WHERE portal_id = ?1 AND type_number = ?2",
        d.bool_literal(true)
    );
    let params = vec![Param::Int(portal.0), Param::Int(number), Param::Int(now)];
    e.execute(&Sql::fixed(d, &text, params)).await?;
    Ok(())
}

/// Defines an association type from `from` (a custom object) to `to`, with two fresh type
/// ids: one per direction, or one for an object to itself.
pub async fn define_association(
    e: &mut dyn Exec,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    name: &str,
    now: i64,
) -> StoreResult<AssociationDefinition> {
    let count = if from == to { 1 } else { 2 };
    let ids = reserve(e, Sequence::AssociationType, count).await?;
    let (type_id, inverse_id) = (ids[0], ids[ids.len() - 1]);
    let insert = "INSERT INTO association_definitions (type_id, inverse_id, portal_id, from_type, \
         to_type, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    let params = vec![
        Param::Int(type_id),
        Param::Int(inverse_id),
        Param::Int(portal.0),
        Param::from(from.type_id()),
        Param::from(to.type_id()),
        Param::from(name),
        Param::Int(now),
    ];
    let d = e.dialect();
    e.execute(&Sql::fixed(d, insert, params)).await?;
    Ok(AssociationDefinition {
        type_id,
        inverse_id,
        from,
        to,
        name: name.to_string(),
        created_at: now,
        label: None,
        inverse_label: None,
    })
}

/// Removes a definition of `object` (either end) and every edge of its types; false when
/// the portal has no such definition.
pub async fn remove_association(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    type_id: i64,
) -> StoreResult<bool> {
    let d = e.dialect();
    let text = "DELETE FROM association_definitions \
         WHERE portal_id = ?1 AND type_id = ?2 AND (from_type = ?3 OR to_type = ?3) \
         AND label IS NULL RETURNING inverse_id";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(type_id),
        Param::from(object.type_id()),
    ];
    let Some(inverse_id) = first(e, &Sql::fixed(d, text, params), |r| r.int(0)).await? else {
        return Ok(false);
    };
    let edges = "DELETE FROM associations WHERE portal_id = ?1 AND type_id IN (?2, ?3)";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(type_id),
        Param::Int(inverse_id),
    ];
    e.execute(&Sql::fixed(d, edges, params)).await?;
    Ok(true)
}

/// The portal's association definitions, custom labels included; with `object`, the
/// schema's own types with it at either end (a custom object's `associations`).
pub async fn definitions_of(
    e: &mut dyn Exec,
    portal: PortalId,
    object: Option<ObjectType>,
) -> StoreResult<Vec<AssociationDefinition>> {
    let d = e.dialect();
    let mut sql = Sql::new(d);
    sql.push("SELECT type_id, inverse_id, from_type, to_type, name, created_at, label, ");
    sql.push("inverse_label FROM association_definitions WHERE portal_id = ")
        .bind(portal.0);
    if let Some(object) = object {
        let type_id = object.type_id();
        sql.push(" AND label IS NULL AND (from_type = ")
            .bind(type_id.clone());
        sql.push(" OR to_type = ").bind(type_id).push(")");
    }
    sql.push(" ORDER BY type_id");
    rows(e, &sql, |row| {
        let object_type = |i: usize| -> StoreResult<ObjectType> {
            let text = row.text(i)?;
            ObjectType::parse(text)
                .ok_or_else(|| StoreError::internal(format!("stored object type {text:?}")))
        };
        Ok(AssociationDefinition {
            type_id: row.int(0)?,
            inverse_id: row.int(1)?,
            from: object_type(2)?,
            to: object_type(3)?,
            name: row.text(4)?.to_string(),
            created_at: row.int(5)?,
            label: row.opt_text(6)?.map(Arc::from),
            inverse_label: row.opt_text(7)?.map(Arc::from),
        })
    })
    .await
}
