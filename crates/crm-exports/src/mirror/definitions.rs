//! The definitions step (owners, custom object schemas, property groups, custom
//! properties, association labels, pipelines: what records and edges name, so written
//! first, in one transaction) and the lists step (filters, processing type, members; last,
//! once their members exist). What the mirror has already is left as it is.

use std::collections::HashSet;

use crate::domain::ObjectType;
use crate::domain::pipeline::has_pipelines;
use crate::domain::property::PropertyDefinition;
use crate::domain::schema::ObjectSchema;
use crate::fixtures::Fixture;
use crate::fixtures::format::{FixtureList, FixtureSchema};
use crate::store::ObjectRef;

use super::labels::{LabelMap, Named, key_for};
use super::source::{self, ListSummary, SourceSchema};
use super::{Mirror, MirrorResult};

const STEP: &str = "definitions";
const LISTS: &str = "lists";

pub async fn copy(
    mirror: &mut Mirror<'_>,
    objects: &[Named],
    schemas: &[SourceSchema],
    labels: &LabelMap,
) -> MirrorResult<()> {
    if mirror.is_done(STEP) {
        return Ok(());
    }
    copy_definitions(mirror, objects, schemas, labels, &Held::default()).await
}

/// After a finished import, copies the definitions made at the source since (the
/// owners, schemas and labels the mirror lacks, and every object's pipelines again).
pub async fn copy_again(
    mirror: &mut Mirror<'_>,
    objects: &[Named],
    schemas: &[SourceSchema],
    labels: &LabelMap,
) -> MirrorResult<()> {
    let stores = mirror.stores;
    let catalog = stores
        .custom_objects
        .association_catalog(mirror.portal)
        .await?;
    let customs = stores.custom_objects.custom_objects(mirror.portal).await?;
    let held = Held {
        owners: stores
            .owners
            .list_owners(mirror.portal)
            .await?
            .iter()
            .map(|o| o.id)
            .collect(),
        schemas: customs.iter().map(|c| c.name.clone()).collect(),
        labels: catalog
            .defined()
            .iter()
            .map(|d| d.name.to_ascii_lowercase())
            .collect(),
    };
    copy_definitions(mirror, objects, schemas, labels, &held).await
}

/// What the mirror has already and is left as it is.
#[derive(Default)]
struct Held {
    owners: HashSet<i64>,
    schemas: HashSet<String>,
    labels: HashSet<String>,
}

async fn copy_definitions(
    mirror: &mut Mirror<'_>,
    objects: &[Named],
    schemas: &[SourceSchema],
    labels: &LabelMap,
    held: &Held,
) -> MirrorResult<()> {
    let client = mirror.client;
    let mut owners = source::owners(client).await?;
    owners.retain(|o| !held.owners.contains(&o.id));
    let mut fixture = Fixture {
        owners,
        ..Fixture::default()
    };
    let wanted: HashSet<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    let new_schemas = schemas
        .iter()
        .filter(|s| wanted.contains(s.name.as_str()) && !held.schemas.contains(&s.name));
    for schema in new_schemas {
        let associated = schema
            .associations
            .iter()
            .filter(|a| a.from_object_type_id == schema.object_type_id)
            .filter_map(|a| key_for(objects, &a.to_object_type_id))
            .filter(|key| key != &schema.name)
            .collect();
        let made = FixtureSchema::of(&schema.name, &schema.settings, associated, Vec::new());
        fixture.schemas.push(made);
    }
    let mut pipelines = Vec::new();
    for object in objects {
        add_definitions(mirror, &mut fixture, object).await?;
        let standard = ObjectType::parse(&object.key).filter(|o| ObjectType::STANDARD.contains(o));
        let reference = match standard {
            Some(o) => ObjectRef::Known(o),
            None => match fixture.schemas.iter().position(|s| s.name == object.key) {
                Some(i) => ObjectRef::New(i),
                None => continue,
            },
        };
        if standard.is_none_or(has_pipelines) {
            let copied = source::pipelines(client, &object.path).await?;
            if !copied.is_empty() {
                pipelines.push((reference, copied));
            }
        }
    }
    fixture.association_labels = labels
        .drafts
        .iter()
        .filter(|l| wanted.contains(l.from_object_type.as_str()))
        .filter(|l| wanted.contains(l.to_object_type.as_str()))
        .filter(|l| !held.labels.contains(&l.name.to_ascii_lowercase()))
        .cloned()
        .collect();
    eprintln!(
        "definitions: {} owners, {} schemas, {} labels, {} pipelines",
        fixture.owners.len(),
        fixture.schemas.len(),
        fixture.association_labels.len(),
        pipelines.iter().map(|(_, p)| p.len()).sum::<usize>()
    );
    mirror
        .write(&fixture, |data| data.pipelines = pipelines, STEP, None)
        .await
}

/// The object's groups and custom properties the mirror lacks (a custom object's go in its
/// schema, which the mirror is about to create).
async fn add_definitions(
    mirror: &Mirror<'_>,
    fixture: &mut Fixture,
    object: &Named,
) -> MirrorResult<()> {
    let client = mirror.client;
    let new_schema = fixture.schemas.iter().position(|s| s.name == object.key);
    let stored = match new_schema {
        Some(_) => None,
        None => Some(mirror.local_schema(&object.key).await?),
    };
    let (have_groups, have_properties): (HashSet<String>, HashSet<String>) = match &stored {
        None => Default::default(),
        Some((_, schema)) => (
            schema.groups.iter().map(|g| g.name.clone()).collect(),
            schema.properties.iter().map(|p| p.name.clone()).collect(),
        ),
    };
    let groups: Vec<_> = source::groups(client, &object.path)
        .await?
        .into_iter()
        .filter(|g| !have_groups.contains(&g.name))
        .collect();
    let at_source = source::properties(client, &object.path).await?;
    if let Some((local, schema)) = &stored {
        update_differing(mirror, (object, *local, schema), &at_source).await?;
    }
    let properties: Vec<_> = at_source
        .into_iter()
        .filter(|p| !p.hubspot_defined && !have_properties.contains(&p.name))
        .map(|p| crate::fixtures::property_of(&p, None))
        .collect();
    match new_schema {
        Some(i) => {
            // A new custom object's own group is made with it.
            let labels = &fixture.schemas[i].labels;
            let own = crate::domain::custom_object::default_group(&object.key, labels).name;
            let groups: Vec<_> = groups.into_iter().filter(|g| g.name != own).collect();
            if !groups.is_empty() {
                fixture.property_groups.insert(object.key.clone(), groups);
            }
            fixture.schemas[i].properties = properties;
        }
        None => {
            if !groups.is_empty() {
                fixture.property_groups.insert(object.key.clone(), groups);
            }
            if !properties.is_empty() {
                fixture.properties.insert(object.key.clone(), properties);
            }
        }
    }
    Ok(())
}

/// Gives the mirror's properties the source's label, description, group, display order,
/// field type and options where they differ (HubSpot's own properties too: a portal may
/// have added options to `industry`, say). A property whose type differs is left as it
/// is, since its stored values would not read back; so is a group the mirror lacks.
async fn update_differing(
    mirror: &Mirror<'_>,
    (object, local, schema): (&Named, ObjectType, &ObjectSchema),
    at_source: &[PropertyDefinition],
) -> MirrorResult<()> {
    let groups: HashSet<&str> = schema.groups.iter().map(|g| g.name.as_str()).collect();
    let mut changed = Vec::new();
    for theirs in at_source {
        let Some(ours) = schema.property(&theirs.name) else {
            continue;
        };
        if ours.property_type != theirs.property_type {
            continue;
        }
        let mut next = ours.clone();
        next.label.clone_from(&theirs.label);
        next.description.clone_from(&theirs.description);
        next.display_order = theirs.display_order;
        next.field_type.clone_from(&theirs.field_type);
        next.options.clone_from(&theirs.options);
        if groups.contains(theirs.group_name.as_str()) {
            next.group_name.clone_from(&theirs.group_name);
        }
        if &next != ours {
            changed.push(next);
        }
    }
    if !changed.is_empty() {
        eprintln!(
            "{}: {} property definitions updated",
            object.key,
            changed.len()
        );
        let stores = mirror.stores;
        stores
            .schemas
            .update_properties(mirror.portal, local, changed)
            .await?;
    }
    Ok(())
}

/// Copies every list of the objects imported whose name the mirror does not hold yet
/// (after a finished import, `again` copies the lists made at the source since).
pub async fn copy_lists(
    mirror: &mut Mirror<'_>,
    objects: &[Named],
    summaries: &[ListSummary],
    again: bool,
) -> MirrorResult<usize> {
    if mirror.is_done(LISTS) && !again {
        return Ok(0);
    }
    let have: HashSet<String> = mirror
        .stores
        .lists
        .portal_lists(mirror.portal)
        .await?
        .into_iter()
        .map(|l| l.name)
        .collect();
    let mut fixture = Fixture::default();
    for summary in summaries {
        let Some(key) = key_for(objects, &summary.object_type_id) else {
            continue;
        };
        if have.contains(&summary.name) {
            continue;
        }
        let list = source::list(mirror.client, summary.id).await?;
        let object_type_id = match ObjectType::parse(&key) {
            Some(o) if ObjectType::STANDARD.contains(&o) => o.type_id().into_owned(),
            _ => key,
        };
        fixture.lists.push(FixtureList {
            name: list.name,
            object_type_id,
            processing_type: list.processing_type,
            filter_branch: list.filter_branch,
            members: list.members,
        });
    }
    let count = fixture.lists.len();
    eprintln!("lists: {count} copied");
    mirror.write(&fixture, |_| {}, LISTS, None).await?;
    Ok(count)
}
