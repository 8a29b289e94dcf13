//! Resetting a portal to the state it was created in, in the caller's one transaction:
//! every row the portal owns goes (records with their tables, associations, labels and
//! limits, lists and folders, custom objects, properties and groups, owners, pipelines,
//! exports), then its standard objects are created again with HubSpot's default
//! definitions, as a new portal gets them. The portal row and its tokens stay.

use super::builder::{Param, Sql};
use super::dialect::table_name;
use super::exec::{Exec, rows};
use super::exports::{COLUMNS, export_row};
use super::portals::portal_exists;
use super::schemas::create_object;
use crate::domain::ObjectType;
use crate::domain::defaults;
use crate::store::{ExportRow, PortalId, StoreResult};

/// Every table holding rows of one portal by a `portal_id` column, besides `portals`,
/// `tokens` and `exports` (whose rows are returned). A feature that adds a portal-owned
/// table (webhook subscriptions, say) adds it here, and reset removes its rows.
const PORTAL_TABLES: &[&str] = &[
    "associations",
    "association_limits",
    "association_definitions",
    "import_checkpoints",
    "merged_records",
    "lists",
    "list_folders",
    "owners",
    "pipeline_audits",
    "pipelines",
    "custom_objects",
    "properties",
    "property_groups",
    "webhook_deliveries",
    "webhook_subscriptions",
];

/// Resets `portal`; `None` when there is no such portal. Returns the exports removed, whose
/// files the caller deletes once this transaction has committed.
pub async fn reset_portal(
    e: &mut dyn Exec,
    portal: PortalId,
) -> StoreResult<Option<Vec<ExportRow>>> {
    if !portal_exists(e, portal).await? {
        return Ok(None);
    }
    drop_record_tables(e, portal).await?;
    let by_portal = vec![Param::Int(portal.0)];
    let d = e.dialect();
    // Members have no portal column; they go with their lists.
    let members = "DELETE FROM list_members WHERE list_id IN \
         (SELECT id FROM lists WHERE portal_id = ?1)";
    e.execute(&Sql::fixed(d, members, by_portal.clone()))
        .await?;
    // Webhook attempts have no portal column; they go with their deliveries.
    let attempts = "DELETE FROM webhook_attempts WHERE delivery_id IN \
         (SELECT id FROM webhook_deliveries WHERE portal_id = ?1)";
    e.execute(&Sql::fixed(d, attempts, by_portal.clone()))
        .await?;
    for table in PORTAL_TABLES {
        let text = format!("DELETE FROM {table} WHERE portal_id = ?1");
        e.execute(&Sql::fixed(d, &text, by_portal.clone())).await?;
    }
    let text = format!("DELETE FROM exports WHERE portal_id = ?1 RETURNING {COLUMNS}");
    let mut exports = rows(e, &Sql::fixed(d, &text, by_portal), export_row).await?;
    exports.sort_by_key(|row| row.id);
    for object in ObjectType::STANDARD {
        let d = defaults::for_object(object);
        create_object(e, portal, object, &d.groups, &d.properties).await?;
    }
    Ok(Some(exports))
}

/// Drops the record table of every standard object and custom object of the portal.
async fn drop_record_tables(e: &mut dyn Exec, portal: PortalId) -> StoreResult<()> {
    let sql = Sql::fixed(
        e.dialect(),
        "SELECT type_number FROM custom_objects WHERE portal_id = ?1",
        vec![Param::Int(portal.0)],
    );
    let custom = rows(e, &sql, |r| Ok(ObjectType::Custom(r.int(0)? as u32))).await?;
    let script = ObjectType::STANDARD
        .into_iter()
        .chain(custom)
        .map(|object| format!("DROP TABLE IF EXISTS {}", table_name(portal, object)))
        .collect::<Vec<_>>()
        .join(";\n");
    e.script(&script).await
}
