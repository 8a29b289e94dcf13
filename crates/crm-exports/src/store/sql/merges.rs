//! Merging two records and deleting one for good (GDPR). A merge keeps the primary's id
//! and values, fills the values it lacks from the merged record, moves the merged record's
//! associations and list memberships to it, deletes the merged row and remembers that its
//! id now names the primary (`merged_records`) and, as HubSpot does, in the primary's
//! `hs_merged_object_ids`. A permanent delete removes the row, its edges in both directions,
//! its list memberships and the merged ids that named it.

use super::builder::{Param, Sql};
use super::dialect::table_name;
use super::exec::{Exec, first};
use super::records::{is_live, read, resolve_any};
use crate::domain::schema::ObjectSchema;
use crate::domain::{ObjectType, Record, Value};
use crate::store::{MergeRefusal, PortalId, RecordKey, StoreResult, Visibility};

/// HubSpot's property listing the ids merged into a record. Portals made before it was a
/// default lack it; their merges only remember the ids in `merged_records`.
const MERGED_IDS: &str = "hs_merged_object_ids";

/// The record an id names now: itself, or the record it was (last) merged into.
pub async fn current_id(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    id: i64,
) -> StoreResult<i64> {
    let text = "SELECT primary_id FROM merged_records \
                WHERE portal_id = ?1 AND object_type = ?2 AND merged_id = ?3";
    let params = vec![
        Param::Int(portal.0),
        Param::from(object.type_id()),
        Param::Int(id),
    ];
    let sql = Sql::fixed(e.dialect(), text, params);
    let found = first(e, &sql, |r| r.int(0)).await?;
    Ok(found.unwrap_or(id))
}

pub async fn merge(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    primary: i64,
    merged: i64,
    now: i64,
) -> StoreResult<Result<(), MergeRefusal>> {
    let object = schema.object;
    let (given_primary, given_merged) = (primary, merged);
    let primary = current_id(e, portal, object, primary).await?;
    let merged = current_id(e, portal, object, merged).await?;
    if primary == merged {
        return Ok(Err(MergeRefusal::SameRecord));
    }
    for (id, given) in [(primary, given_primary), (merged, given_merged)] {
        if !is_live(e, portal, object, id).await? {
            return Ok(Err(MergeRefusal::Missing(given)));
        }
    }
    let names: Vec<String> = schema.properties.iter().map(|p| p.name.clone()).collect();
    let keys = [RecordKey::Id(merged), RecordKey::Id(primary)];
    let mut both = read(e, portal, schema, &keys, &names, Visibility::Live)
        .await?
        .into_iter();
    let (Some(Some(absorbed)), kept) = (both.next(), both.next().flatten()) else {
        return Ok(Err(MergeRefusal::Missing(given_merged)));
    };
    let merged_ids = schema
        .property(MERGED_IDS)
        .map(|_| merged_id_list(kept.as_ref(), &absorbed, merged));
    let d = e.dialect();
    let table = table_name(portal, object);
    // The merged row goes first, so values unique per portal (a contact's email) can move.
    let mut delete = Sql::new(d);
    delete.push("DELETE FROM ").push(&table);
    delete.push(" WHERE id = ").bind(merged);
    e.execute(&delete).await?;
    let mut update = Sql::new(d);
    update
        .push("UPDATE ")
        .push(&table)
        .push(" SET updated_at = ");
    update.bind(now);
    for (name, value) in &absorbed.properties {
        let (Some(value), Some(definition)) = (value, schema.property(name)) else {
            continue;
        };
        let column = d.column(object, name);
        if matches!(column.as_ref(), "id" | "created_at" | "updated_at") || name == MERGED_IDS {
            continue;
        }
        update.push(", ").push(&column).push(" = COALESCE(");
        update.push(&column).push(", ");
        update.bind(d.stored_value(definition.property_type, value).into_owned());
        update.push(")");
    }
    if let Some(ids) = merged_ids {
        update
            .push(", ")
            .push(&d.column(object, MERGED_IDS))
            .push(" = ");
        update.bind(ids);
    }
    update.push(" WHERE id = ").bind(primary);
    e.execute(&update).await?;
    move_associations(e, portal, object, merged, primary).await?;
    move_memberships(e, merged, primary).await?;
    remember_merge(e, portal, object, merged, primary, now).await?;
    Ok(Ok(()))
}

/// The primary's `hs_merged_object_ids` after a merge: the ids it listed, those the merged
/// record listed, and the merged record's own id, ascending, `;`-joined.
fn merged_id_list(primary: Option<&Record>, absorbed: &Record, merged: i64) -> String {
    let listed = |record: Option<&Record>| -> Vec<i64> {
        let text = record.and_then(|r| {
            r.properties.iter().find_map(|(name, value)| match value {
                Some(Value::Text(text)) if name == MERGED_IDS => Some(text.clone()),
                _ => None,
            })
        });
        text.iter()
            .flat_map(|t| t.split(';'))
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    };
    let mut ids = listed(primary);
    ids.extend(listed(Some(absorbed)));
    ids.push(merged);
    ids.sort_unstable();
    ids.dedup();
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    ids.join(";")
}

/// Moves every edge of `from` (both directions) to `to`; edges between the two are dropped
/// and edges `to` already has are kept once.
async fn move_associations(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    from: i64,
    to: i64,
) -> StoreResult<()> {
    let d = e.dialect();
    let statements = [
        "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, type_id, \
         created_at) SELECT portal_id, from_type, CAST(?4 AS BIGINT), to_type, to_id, type_id, created_at \
         FROM associations WHERE portal_id = ?1 AND from_type = ?2 AND from_id = ?3 \
         AND NOT (to_type = ?2 AND to_id IN (?3, ?4)) ON CONFLICT DO NOTHING",
        "INSERT INTO associations (portal_id, from_type, from_id, to_type, to_id, type_id, \
         created_at) SELECT portal_id, from_type, from_id, to_type, CAST(?4 AS BIGINT), type_id, created_at \
         FROM associations WHERE portal_id = ?1 AND to_type = ?2 AND to_id = ?3 \
         AND NOT (from_type = ?2 AND from_id IN (?3, ?4)) ON CONFLICT DO NOTHING",
    ];
    for text in statements {
        let params = vec![
            Param::Int(portal.0),
            Param::from(object.type_id()),
            Param::Int(from),
            Param::Int(to),
        ];
        e.execute(&Sql::fixed(d, text, params)).await?;
    }
    delete_edges(e, portal, object, from).await
}

async fn delete_edges(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    id: i64,
) -> StoreResult<()> {
    let text = "DELETE FROM associations WHERE portal_id = ?1 AND \
                ((from_type = ?2 AND from_id = ?3) OR (to_type = ?2 AND to_id = ?3))";
    let params = vec![
        Param::Int(portal.0),
        Param::from(object.type_id()),
        Param::Int(id),
    ];
    e.execute(&Sql::fixed(e.dialect(), text, params)).await?;
    Ok(())
}

/// Record ids are unique server-wide, so a list member's id names one record alone.
async fn move_memberships(e: &mut dyn Exec, from: i64, to: i64) -> StoreResult<()> {
    let d = e.dialect();
    let text = "INSERT INTO list_members (list_id, record_id, added_at) \
                SELECT list_id, CAST(?2 AS BIGINT), added_at FROM list_members WHERE record_id = ?1 \
                ON CONFLICT DO NOTHING";
    e.execute(&Sql::fixed(d, text, vec![Param::Int(from), Param::Int(to)]))
        .await?;
    let text = "DELETE FROM list_members WHERE record_id = ?1";
    e.execute(&Sql::fixed(d, text, vec![Param::Int(from)]))
        .await?;
    Ok(())
}

/// `merged` names `primary` from now on, and so do the ids merged into `merged` before.
async fn remember_merge(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    merged: i64,
    primary: i64,
    now: i64,
) -> StoreResult<()> {
    let d = e.dialect();
    let params = || {
        vec![
            Param::Int(portal.0),
            Param::from(object.type_id()),
            Param::Int(merged),
            Param::Int(primary),
        ]
    };
    let text = "UPDATE merged_records SET primary_id = ?4 \
                WHERE portal_id = ?1 AND object_type = ?2 AND primary_id = ?3";
    e.execute(&Sql::fixed(d, text, params())).await?;
    let text = "INSERT INTO merged_records (portal_id, object_type, merged_id, primary_id, \
                merged_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    let mut with_time = params();
    with_time.push(Param::Int(now));
    e.execute(&Sql::fixed(d, text, with_time)).await?;
    Ok(())
}

/// Deletes the record `key` names, live or archived, for good; `false` if none matches.
pub async fn purge(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    key: &RecordKey,
) -> StoreResult<bool> {
    let object = schema.object;
    let Some(id) = resolve_any(e, portal, schema, key).await? else {
        return Ok(false);
    };
    let d = e.dialect();
    let mut delete = Sql::new(d);
    delete
        .push("DELETE FROM ")
        .push(&table_name(portal, object))
        .push(" WHERE id = ")
        .bind(id);
    e.execute(&delete).await?;
    delete_edges(e, portal, object, id).await?;
    let text = "DELETE FROM list_members WHERE record_id = ?1";
    e.execute(&Sql::fixed(d, text, vec![Param::Int(id)]))
        .await?;
    let text = "DELETE FROM merged_records WHERE portal_id = ?1 AND object_type = ?2 \
                AND (merged_id = ?3 OR primary_id = ?3)";
    let params = vec![
        Param::Int(portal.0),
        Param::from(object.type_id()),
        Param::Int(id),
    ];
    e.execute(&Sql::fixed(d, text, params)).await?;
    Ok(true)
}
