//! Copying the associations of one object's records, 1,000 ids at a time, to records
//! of its own type and of every type after it (so each edge is read from one end only:
//! between records of one type, from the lower id). HubSpot's types keep their ids; a
//! custom label's type is named through the [`LabelMap`], and one read from its inverse
//! side is written from the other end.

use std::collections::BTreeMap;

use crate::fixtures::Fixture;
use crate::fixtures::format::{FixtureAssociation, FixtureAssociationType, FixtureRecordRef};
use crate::store::Visibility;

use super::labels::{LabelMap, Named};
use super::source::{self, SourceType};
use super::{Mirror, MirrorResult};

/// Ids a v4 batch read takes: HubSpot's bound since February 2025, and this service's.
const IDS_PER_READ: usize = 1000;

/// `objects[0]` is the object whose records' edges are read; the rest come after it. The
/// ids are the mirror's own (its records were copied in the step before), read 1,000 at
/// a time, so the source is asked only for the associations.
pub async fn copy(
    mirror: &mut Mirror<'_>,
    objects: &[Named],
    labels: &LabelMap,
) -> MirrorResult<usize> {
    let from = &objects[0];
    let step = format!("associations:{}", from.key);
    let mut after: i64 = match mirror.cursor(&step) {
        Some(super::ImportCheckpoint::DONE) => return Ok(0),
        Some(cursor) => cursor.parse().unwrap_or(0),
        None => 0,
    };
    // Edges need both ends: objects the mirror holds no records of are not asked about.
    let mut targets = Vec::new();
    for to in objects {
        if holds_records(mirror, &to.key).await? {
            targets.push(to);
        }
    }
    if !targets.iter().any(|t| t.key == from.key) {
        mirror
            .write(&Fixture::default(), |_| {}, &step, None)
            .await?;
        return Ok(0);
    }
    let local = mirror.local_object(&from.key).await?;
    let mut copied = 0;
    loop {
        let ids: Vec<i64> = mirror
            .stores
            .records
            .list_records(
                mirror.portal,
                local,
                after,
                IDS_PER_READ,
                vec![],
                Visibility::Live,
            )
            .await?
            .iter()
            .map(|r| r.id)
            .collect();
        let mut found = Found::new();
        for to in targets.iter().filter(|_| !ids.is_empty()) {
            let pair = (from.path.as_str(), to.path.as_str());
            for (from_id, to_id, types) in source::associations(mirror.client, pair, &ids).await? {
                if from.key == to.key && from_id > to_id {
                    continue;
                }
                let ends = ((from, from_id), (*to, to_id));
                add_edge(&mut found, ends, &types, labels);
            }
        }
        let next = match ids.len() == IDS_PER_READ {
            true => ids.last().map(i64::to_string),
            false => None,
        };
        let fixture = Fixture {
            associations: found
                .into_iter()
                .map(|((from, to), types)| FixtureAssociation { from, to, types })
                .collect(),
            ..Fixture::default()
        };
        copied += fixture.associations.len();
        mirror
            .write(&fixture, |_| {}, &step, next.as_deref())
            .await?;
        eprintln!("{}: {copied} associations copied", from.key);
        match next.and_then(|n| n.parse().ok()) {
            Some(next) => after = next,
            None => return Ok(copied),
        }
    }
}

/// Edges by their ends, with every type each has.
pub type Found = BTreeMap<(FixtureRecordRef, FixtureRecordRef), Vec<FixtureAssociationType>>;

async fn holds_records(mirror: &Mirror<'_>, key: &str) -> MirrorResult<bool> {
    let object = mirror.local_object(key).await?;
    let some = mirror
        .stores
        .records
        .list_records(mirror.portal, object, 0, 1, vec![], Visibility::Live)
        .await?;
    Ok(!some.is_empty())
}

fn reference(object: &Named, id: i64) -> FixtureRecordRef {
    FixtureRecordRef {
        object_type: object.key.clone(),
        id,
    }
}

/// Adds each type of one edge, from the end its definition reads it from.
pub fn add_edge(
    found: &mut Found,
    ((from, from_id), (to, to_id)): ((&Named, i64), (&Named, i64)),
    types: &[SourceType],
    labels: &LabelMap,
) {
    for kind in types {
        let forward = (reference(from, from_id), reference(to, to_id));
        let (ends, kind) = match kind.category.as_str() {
            "HUBSPOT_DEFINED" => (
                forward,
                FixtureAssociationType {
                    association_category: kind.category.clone(),
                    association_type_id: Some(kind.type_id),
                    name: None,
                },
            ),
            _ => {
                let Some(resolved) = labels.resolve(&from.key, &to.key, kind.type_id) else {
                    eprintln!(
                        "note: association type {} from {} to {} is unknown; not copied",
                        kind.type_id, from.key, to.key
                    );
                    continue;
                };
                let ends = match resolved.forward {
                    true => forward,
                    false => (forward.1, forward.0),
                };
                let kind = FixtureAssociationType {
                    association_category: "USER_DEFINED".to_owned(),
                    association_type_id: None,
                    name: Some(resolved.name),
                };
                (ends, kind)
            }
        };
        let types = found.entry(ends).or_default();
        if !types.contains(&kind) {
            types.push(kind);
        }
    }
}
