//! Writing a portal's data as it was elsewhere, in the caller's one transaction: owners and
//! records keep their ids, timestamps and archived state, custom objects, properties,
//! groups and labels are created first so that records and edges can name them, and the
//! record id sequence moves past every id written, so a later create never takes one.
//! Pipelines replace the portal's with their ids kept, what an incremental import writes
//! over is removed first, and an import's checkpoint is saved with the page it follows.

use std::collections::{BTreeSet, HashMap};

use super::association_labels;
use super::associations::insert_edge;
use super::builder::{Param, Sql};
use super::custom_objects::{self, definitions_of};
use super::dialect::table_name;
use super::exec::{Exec, rows};
use super::lists;
use super::portals::require_portal;
use super::schemas;
use crate::domain::custom_object::AssociationDefinition;
use crate::domain::owner::Owner;
use crate::domain::schema::ObjectSchema;
use crate::domain::{ObjectType, Value};
use crate::store::{
    Edge, ImportedEdge, ImportedList, ImportedRecord, ListDraft, ObjectRef, PortalData, PortalId,
    StoreError, StoreResult, TypeRef,
};

/// Owners' user ids are derived from their ids, as `owners::create` derives them.
const USER_ID_OFFSET: i64 = 7_000_000;

/// Writes `data` into `portal`; a conflict with what the portal holds (an id or unique
/// value taken, a name in use) fails the whole transaction.
pub async fn import(
    e: &mut dyn Exec,
    portal: PortalId,
    data: &PortalData,
    now: i64,
) -> StoreResult<()> {
    require_portal(e, portal).await?;
    let mut highest = 0;
    for owner in &data.owners {
        insert_owner(e, portal, owner).await?;
        highest = highest.max(owner.id);
    }
    let mut created = Vec::with_capacity(data.custom_objects.len());
    for new in &data.custom_objects {
        created.push(custom_objects::create(e, portal, new, now).await?.object);
    }
    let resolve = |object: ObjectRef| match object {
        ObjectRef::Known(object) => Ok(object),
        ObjectRef::New(index) => created
            .get(index)
            .copied()
            .ok_or_else(|| StoreError::internal("an import names a custom object it lacks")),
    };
    for (object, group) in &data.groups {
        schemas::create_property_group(e, portal, resolve(*object)?, group.clone()).await?;
    }
    for (object, property) in &data.properties {
        schemas::create_property(e, portal, resolve(*object)?, property.clone()).await?;
    }
    for (object, pipelines) in &data.pipelines {
        super::pipelines::replace(e, portal, resolve(*object)?, pipelines).await?;
    }
    for ((from, to), draft) in &data.labels {
        association_labels::create(e, portal, resolve(*from)?, resolve(*to)?, draft, now).await?;
    }
    for (object, ids) in &data.replaced.records {
        super::replaced::delete_records(e, portal, *object, ids).await?;
    }
    for (object, records) in &data.records {
        let schema = schemas::load(e, portal, resolve(*object)?).await?;
        let columns = columns_set(records);
        for record in records {
            insert_record(e, portal, (&schema, &columns), record).await?;
            highest = highest.max(record.id);
        }
    }
    for replaced in &data.replaced.edges {
        super::replaced::delete_edges(e, portal, replaced).await?;
    }
    let definitions = definitions_of(e, portal, None).await?;
    for edge in &data.edges {
        let ends = (resolve(edge.from.0)?, resolve(edge.to.0)?);
        insert_imported_edge(e, portal, ends, edge, &definitions, now).await?;
    }
    for list in &data.lists {
        create_list(e, portal, resolve(list.object)?, list, now).await?;
    }
    for replaced in &data.replaced.memberships {
        super::replaced::set_memberships(e, portal, replaced, now).await?;
    }
    if highest > 0 {
        let d = e.dialect();
        rows(e, &d.advance_record_ids(highest), |_| Ok(())).await?;
    }
    if let Some(checkpoint) = &data.checkpoint {
        super::import_checkpoints::save(e, portal, checkpoint, now).await?;
    }
    Ok(())
}

async fn insert_owner(e: &mut dyn Exec, portal: PortalId, owner: &Owner) -> StoreResult<()> {
    let d = e.dialect();
    let text = format!(
        "INSERT INTO owners (portal_id, id, user_id, email, first_name, last_name, archived, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {}, ?7, ?8)",
        d.bool_literal(owner.archived)
    );
    let params = vec![
        Param::Int(portal.0),
        Param::Int(owner.id),
        Param::Int(owner.id + USER_ID_OFFSET),
        Param::from(owner.email.as_str()),
        Param::from(owner.first_name.as_str()),
        Param::from(owner.last_name.as_str()),
        Param::Int(owner.created_at),
        Param::Int(owner.updated_at),
    ];
    e.execute(&Sql::fixed(d, &text, params)).await?;
    Ok(())
}

/// The properties any of `records` sets, in a fixed order: every record is inserted with
/// this one column list (NULL where it has no value), so the statement is prepared once.
fn columns_set(records: &[ImportedRecord]) -> Vec<&str> {
    let mut names = BTreeSet::new();
    for record in records {
        let set = record.values.iter().filter(|(_, v)| v.is_some());
        names.extend(set.map(|(name, _)| name.as_str()));
    }
    names.into_iter().collect()
}

/// Inserts one record with its own id, timestamps and archived state.
async fn insert_record(
    e: &mut dyn Exec,
    portal: PortalId,
    (schema, columns): (&ObjectSchema, &[&str]),
    record: &ImportedRecord,
) -> StoreResult<()> {
    let d = e.dialect();
    let object = schema.object;
    let mut sql = Sql::new(d);
    sql.push("INSERT INTO ")
        .push(&table_name(portal, object))
        .push(" (id, created_at, updated_at, archived, archived_at");
    for name in columns {
        sql.push(", ").push(&d.column(object, name));
    }
    sql.push(") VALUES (").bind(record.id);
    sql.push(", ").bind(record.created_at);
    sql.push(", ").bind(record.updated_at);
    sql.push(", ")
        .push(d.bool_literal(record.archived))
        .push(", ");
    match record.archived {
        true => sql.bind(record.updated_at),
        false => sql.push("NULL"),
    };
    let values: HashMap<&str, &Value> = record
        .values
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.as_ref()?)))
        .collect();
    for name in columns {
        let definition = schema
            .property(name)
            .ok_or_else(|| StoreError::internal(format!("unknown property {name}")))?;
        sql.push(", ");
        match values.get(name) {
            Some(value) => sql.bind(d.stored_value(definition.property_type, value)),
            None => sql.bind(Param::Null),
        };
    }
    sql.push(")");
    e.execute(&sql).await?;
    Ok(())
}

/// Stores an edge once per association type it names.
async fn insert_imported_edge(
    e: &mut dyn Exec,
    portal: PortalId,
    (from, to): (ObjectType, ObjectType),
    edge: &ImportedEdge,
    definitions: &[AssociationDefinition],
    now: i64,
) -> StoreResult<()> {
    for kind in &edge.types {
        let (type_id, inverse_id) = match kind {
            TypeRef::Fixed {
                type_id,
                inverse_id,
            } => (*type_id, *inverse_id),
            TypeRef::Defined(name) => defined_ids(definitions, (from, to), name)?,
        };
        let made = Edge {
            from_id: edge.from.1,
            to_id: edge.to.1,
            type_id,
            inverse_id,
        };
        insert_edge(e, portal, from, to, &made, now).await?;
    }
    Ok(())
}

/// `(type id, inverse id)` read from `from` of the definition of the pair called `name`.
pub fn defined_ids(
    definitions: &[AssociationDefinition],
    (from, to): (ObjectType, ObjectType),
    name: &str,
) -> StoreResult<(i64, i64)> {
    let named = |d: &&AssociationDefinition| d.name.eq_ignore_ascii_case(name);
    if let Some(d) = definitions
        .iter()
        .filter(named)
        .find(|d| d.from == from && d.to == to)
    {
        return Ok((d.type_id, d.inverse_id));
    }
    definitions
        .iter()
        .filter(named)
        .find(|d| d.from == to && d.to == from)
        .map(|d| (d.inverse_id, d.type_id))
        .ok_or_else(|| {
            StoreError::internal(format!("no association type {name} from {from} to {to}"))
        })
}

async fn create_list(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    list: &ImportedList,
    now: i64,
) -> StoreResult<()> {
    let draft = ListDraft {
        name: list.name.clone(),
        object,
        processing_type: list.processing_type,
        filter_branch: list.filter_branch.clone(),
        filter_groups: list.filter_groups.clone(),
        initial_members: list.members.clone(),
    };
    lists::create(e, portal, &draft, now).await?;
    Ok(())
}
