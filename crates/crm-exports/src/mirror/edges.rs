//! Copying the associations of one object's records, a page of ids at a time, to records
//! of its own type and of every type after it (so each edge is read from one end only:
//! between records of one type, from the lower id). HubSpot's types keep their ids; a
//! custom label's type is named through the [`LabelMap`], and one read from its inverse
//! side is written from the other end.

use std::collections::BTreeMap;

use crate::fixtures::Fixture;
use crate::fixtures::format::{FixtureAssociation, FixtureAssociationType, FixtureRecordRef};

use super::labels::{LabelMap, Named};
use super::source::{self, SourceType};
use super::{Mirror, MirrorResult};

/// `objects[0]` is the object whose records are read; the rest come after it.
pub async fn copy(
    mirror: &mut Mirror<'_>,
    objects: &[Named],
    labels: &LabelMap,
) -> MirrorResult<usize> {
    let from = &objects[0];
    let step = format!("associations:{}", from.key);
    let mut after = match mirror.cursor(&step) {
        Some(super::ImportCheckpoint::DONE) => return Ok(0),
        Some(cursor) => Some(cursor.to_owned()),
        None => None,
    };
    let mut copied = 0;
    loop {
        let (ids, next) = source::record_ids(mirror.client, &from.path, after.as_deref()).await?;
        let mut found: BTreeMap<(FixtureRecordRef, FixtureRecordRef), Vec<FixtureAssociationType>> =
            BTreeMap::new();
        if !ids.is_empty() {
            for to in objects {
                let pair = (from.path.as_str(), to.path.as_str());
                for (from_id, to_id, types) in
                    source::associations(mirror.client, pair, &ids).await?
                {
                    if from.key == to.key && from_id > to_id {
                        continue;
                    }
                    let ends = ((from, from_id), (to, to_id));
                    add_edge(&mut found, ends, &types, labels);
                }
            }
        }
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
        match next {
            Some(next) => after = Some(next),
            None => return Ok(copied),
        }
    }
}

fn reference(object: &Named, id: i64) -> FixtureRecordRef {
    FixtureRecordRef {
        object_type: object.key.clone(),
        id,
    }
}

/// Adds each type of one edge, from the end its definition reads it from.
fn add_edge(
    found: &mut BTreeMap<(FixtureRecordRef, FixtureRecordRef), Vec<FixtureAssociationType>>,
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
