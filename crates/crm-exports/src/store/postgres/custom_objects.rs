//! Custom object schemas in PostgreSQL: creating one takes its type number from a sequence,
//! stores its settings, property group and properties, creates its record table and defines
//! its association types; archiving needs it empty of live records.

use tokio_postgres::{Row, Transaction};

use super::portals;
use crate::domain::ObjectType;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
    fully_qualified_name,
};
use crate::store::{PortalId, StoreError, StoreResult};

pub async fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    new: &NewCustomObject,
    now: i64,
) -> StoreResult<CustomObject> {
    if !portals::portal_exists(tx, portal).await? {
        return Err(StoreError::NotFound(format!("portal {}", portal.0)));
    }
    let taken = tx
        .query_opt(
            "SELECT 1 FROM custom_objects WHERE portal_id = $1 AND lower(name) = lower($2)",
            &[&portal.0, &new.name],
        )
        .await?
        .is_some();
    if taken {
        return Err(StoreError::Conflict(format!(
            "An object type named \"{}\" already exists",
            new.name
        )));
    }
    // A concurrent create of the same name fails on the unique index: a conflict as well.
    let number: i64 = tx
        .query_one(
            "INSERT INTO custom_objects (type_number, portal_id, name, settings, created_at, updated_at) \
             VALUES (nextval('custom_object_numbers'), $1, $2, $3, $4, $4) RETURNING type_number",
            &[&portal.0, &new.name, &portals::to_json(&new.settings)?, &now],
        )
        .await?
        .get(0);
    let object = ObjectType::Custom(
        u32::try_from(number).map_err(|_| StoreError::Internal("custom types exhausted".into()))?,
    );
    portals::create_object(
        tx,
        portal,
        object,
        std::slice::from_ref(&new.group),
        &new.properties,
    )
    .await?;
    for (to, name) in &new.associated {
        define_association(tx, portal, object, *to, name, now).await?;
    }
    find(tx, portal, object)
        .await?
        .ok_or_else(|| StoreError::Internal("a created custom object vanished".into()))
}

const COLUMNS: &str = "type_number, name, settings, archived, created_at, updated_at";

async fn custom_object(
    tx: &Transaction<'_>,
    portal: PortalId,
    row: &Row,
) -> StoreResult<CustomObject> {
    let number: i64 = row.get(0);
    let object = ObjectType::Custom(number as u32);
    let name: String = row.get(1);
    Ok(CustomObject {
        object,
        fully_qualified_name: fully_qualified_name(portal.0, &name),
        name,
        settings: portals::from_json(row.get::<_, &str>(2))?,
        associations: definitions_of(tx, portal, Some(object)).await?,
        archived: row.get(3),
        created_at: row.get(4),
        updated_at: row.get(5),
    })
}

/// The portal's custom objects, archived ones too, oldest first.
pub async fn list(tx: &Transaction<'_>, portal: PortalId) -> StoreResult<Vec<CustomObject>> {
    let rows = tx
        .query(
            &format!(
                "SELECT {COLUMNS} FROM custom_objects WHERE portal_id = $1 ORDER BY type_number"
            ),
            &[&portal.0],
        )
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        found.push(custom_object(tx, portal, row).await?);
    }
    Ok(found)
}

/// One custom object of the portal, archived or not; `None` for another portal's.
pub async fn find(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<Option<CustomObject>> {
    let ObjectType::Custom(number) = object else {
        return Ok(None);
    };
    let row = tx
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM custom_objects WHERE portal_id = $1 AND type_number = $2"
            ),
            &[&portal.0, &i64::from(number)],
        )
        .await?;
    match row {
        Some(row) => Ok(Some(custom_object(tx, portal, &row).await?)),
        None => Ok(None),
    }
}

/// A live custom object, its row locked until the transaction ends.
async fn lock_live(tx: &Transaction<'_>, portal: PortalId, object: ObjectType) -> StoreResult<i64> {
    let number = match object {
        ObjectType::Custom(n) => i64::from(n),
        _ => -1,
    };
    tx.query_opt(
        "SELECT type_number FROM custom_objects \
         WHERE portal_id = $1 AND type_number = $2 AND NOT archived FOR UPDATE",
        &[&portal.0, &number],
    )
    .await?
    .map(|r| r.get(0))
    .ok_or_else(|| StoreError::NotFound(format!("object type {}", object.type_id())))
}

pub async fn update(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    settings: &CustomObjectSettings,
    now: i64,
) -> StoreResult<CustomObject> {
    let number = lock_live(tx, portal, object).await?;
    tx.execute(
        "UPDATE custom_objects SET settings = $3, updated_at = $4 WHERE portal_id = $1 AND type_number = $2",
        &[&portal.0, &number, &portals::to_json(settings)?, &now],
    )
    .await?;
    find(tx, portal, object)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("object type {}", object.type_id())))
}

/// Archives a custom object that holds no live records (HubSpot's rule: delete the records
/// first). Its name stays taken.
pub async fn archive(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    now: i64,
) -> StoreResult<()> {
    let number = lock_live(tx, portal, object).await?;
    let has_records = tx
        .query_opt(
            &format!(
                "SELECT 1 FROM {} WHERE NOT archived LIMIT 1",
                super::columns::table_name(portal, object)
            ),
            &[],
        )
        .await?
        .is_some();
    if has_records {
        return Err(StoreError::Conflict(format!(
            "Object type {} still has records; delete them first",
            object.type_id()
        )));
    }
    tx.execute(
        "UPDATE custom_objects SET archived = TRUE, updated_at = $3 WHERE portal_id = $1 AND type_number = $2",
        &[&portal.0, &number, &now],
    )
    .await?;
    Ok(())
}

/// Defines an association type from `from` (a custom object) to `to`, with two fresh type
/// ids: one per direction, or one for an object to itself.
pub async fn define_association(
    tx: &Transaction<'_>,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    name: &str,
    now: i64,
) -> StoreResult<AssociationDefinition> {
    let type_id: i64 = tx
        .query_one("SELECT nextval('association_type_ids')", &[])
        .await?
        .get(0);
    let inverse_id: i64 = if from == to {
        type_id
    } else {
        tx.query_one("SELECT nextval('association_type_ids')", &[])
            .await?
            .get(0)
    };
    tx.execute(
        "INSERT INTO association_definitions (type_id, inverse_id, portal_id, from_type, to_type, name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&type_id, &inverse_id, &portal.0, &from.type_id(), &to.type_id(), &name, &now],
    )
    .await?;
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
pub async fn remove_association(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: ObjectType,
    type_id: i64,
) -> StoreResult<bool> {
    let found = tx
        .query_opt(
            "DELETE FROM association_definitions \
             WHERE portal_id = $1 AND type_id = $2 AND (from_type = $3 OR to_type = $3) \
             RETURNING inverse_id",
            &[&portal.0, &type_id, &object.type_id()],
        )
        .await?;
    let Some(row) = found else {
        return Ok(false);
    };
    let inverse_id: i64 = row.get(0);
    tx.execute(
        "DELETE FROM associations WHERE portal_id = $1 AND type_id IN ($2, $3)",
        &[&portal.0, &type_id, &inverse_id],
    )
    .await?;
    Ok(true)
}

/// The portal's association definitions; with `object`, those with it at either end.
pub async fn definitions_of(
    tx: &Transaction<'_>,
    portal: PortalId,
    object: Option<ObjectType>,
) -> StoreResult<Vec<AssociationDefinition>> {
    let object = object.map(|o| o.type_id().into_owned());
    let rows = tx
        .query(
            "SELECT type_id, inverse_id, from_type, to_type, name, created_at FROM association_definitions \
             WHERE portal_id = $1 AND ($2::text IS NULL OR from_type = $2 OR to_type = $2) ORDER BY type_id",
            &[&portal.0, &object],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let object_type = |i: usize| -> StoreResult<ObjectType> {
                let text: &str = row.get(i);
                ObjectType::parse(text)
                    .ok_or_else(|| StoreError::Internal(format!("stored object type {text:?}")))
            };
            Ok(AssociationDefinition {
                type_id: row.get(0),
                inverse_id: row.get(1),
                from: object_type(2)?,
                to: object_type(3)?,
                name: row.get(4),
                created_at: row.get(5),
            })
        })
        .collect()
}
