//! `import --incremental`: after an import, copying only what changed at the source since.
//! Each object type has a high-water mark, the latest change the source had when its
//! records were first read; the live records changed at or after it are found by search,
//! oldest change first, in windows under the search API's 10,000-result cap, and written
//! with every edge of theirs and their memberships of MANUAL and SNAPSHOT lists, in place
//! of the mirror's. Archived records, which HubSpot's search never answers, are listed
//! again. A record whose `updatedAt` and archived state match the mirror's is counted
//! unchanged and not written. Each page is written with the mark it reaches, so a killed
//! run continues from there. A change HubSpot does not date on the record (an association
//! or a list membership alone) is copied with the record's next change.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::domain::ObjectType;
use crate::domain::list::ProcessingType;
use crate::domain::time::parse_timestamp;
use crate::fixtures::format::{FixtureAssociation, FixtureRecord};
use crate::store::{RecordKey, ReplacedEdges, ReplacedMemberships, Visibility};

use super::edges::{Found, add_edge};
use super::labels::{LabelMap, Named, key_for};
use super::records::{self, Page, write_page};
use super::source::{self, ListSummary, SEARCH_CAP, SEARCH_PAGE};
use super::{Mirror, MirrorError, MirrorResult, Tally};

/// The checkpoint step holding an object's high-water mark (epoch ms).
pub fn since_step(key: &str) -> String {
    format!("since:{key}")
}

/// What every object's pass reads: the objects imported with their types in the mirror,
/// the label names, and which mirror list each source MANUAL or SNAPSHOT list is, by
/// object key.
pub struct Context<'a> {
    pub objects: &'a [Named],
    pub locals: HashMap<String, ObjectType>,
    pub labels: &'a LabelMap,
    pub lists: HashMap<String, Vec<(i64, i64)>>,
}

impl<'a> Context<'a> {
    /// Pairs each source list with the mirror's list of the same name (lists were copied
    /// under their names), leaving out DYNAMIC lists, whose members follow their filters.
    pub async fn new(
        mirror: &Mirror<'_>,
        objects: &'a [Named],
        labels: &'a LabelMap,
        summaries: &[ListSummary],
    ) -> MirrorResult<Context<'a>> {
        let mut locals = HashMap::new();
        for object in objects {
            if let Ok(local) = mirror.local_object(&object.key).await {
                locals.insert(object.key.clone(), local);
            }
        }
        let local = mirror.stores.lists.portal_lists(mirror.portal).await?;
        let mut lists: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
        for summary in summaries.iter().filter(|s| s.processing_type != "DYNAMIC") {
            let Some(key) = key_for(objects, &summary.object_type_id) else {
                continue;
            };
            let held = local
                .iter()
                .find(|l| l.name == summary.name && l.processing_type != ProcessingType::Dynamic);
            if let Some(held) = held {
                lists.entry(key).or_default().push((summary.id, held.id));
            }
        }
        Ok(Context {
            objects,
            locals,
            labels,
            lists,
        })
    }
}

fn changed_at(record: &FixtureRecord) -> Option<i64> {
    parse_timestamp(record.updated_at.as_deref()?)
}

/// Copies what changed of one object's records since its mark.
pub async fn copy(
    mirror: &mut Mirror<'_>,
    object: &Named,
    context: &Context<'_>,
) -> MirrorResult<Tally> {
    let names = records::wanted_properties(mirror, object).await?;
    let local = mirror.local_object(&object.key).await?;
    let modified = source::modified_property(&object.key);
    let step = since_step(&object.key);
    let mut since: i64 = mirror
        .cursor(&step)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut tally = Tally::default();
    loop {
        // One window: a search from the mark, paged until the cap is near.
        let start = since;
        let (mut after, mut read) = (None::<String>, 0);
        let finished = loop {
            let query = (object.path.as_str(), modified);
            let (found, next) =
                source::changed_since(mirror.client, query, &names, start, after.as_deref())
                    .await?;
            read += found.len();
            since = found.iter().filter_map(changed_at).fold(since, i64::max);
            let found = found
                .into_iter()
                .map(|r| records::only(r, &names))
                .collect();
            let related = Some(context);
            write_changed(
                mirror,
                (object, local),
                related,
                found,
                &mut tally,
                (&step, since),
            )
            .await?;
            match next {
                None => break true,
                Some(_) if read + SEARCH_PAGE > SEARCH_CAP => break false,
                Some(next) => after = Some(next),
            }
        };
        if finished {
            break;
        }
        if since == start {
            return Err(MirrorError::Refused(format!(
                "more than {SEARCH_CAP} records of {} changed in one millisecond, more than \
                 the search API pages through; import into a new mirror instead",
                object.key
            )));
        }
    }
    // Archived records are listed again: the mirror's edges of theirs stay as they are.
    let mut after: Option<String> = None;
    loop {
        let (found, next) =
            source::records(mirror.client, &object.path, &names, true, after.as_deref()).await?;
        let found = found
            .into_iter()
            .map(|r| records::only(r, &names))
            .collect();
        write_changed(
            mirror,
            (object, local),
            None,
            found,
            &mut tally,
            (&step, since),
        )
        .await?;
        match next {
            Some(next) => after = Some(next),
            None => return Ok(tally),
        }
    }
}

/// Counts the records written as copied (new to the mirror) or updated.
fn count(tally: &mut Tally, written: &[i64], held: &HashSet<i64>) {
    for id in written {
        match held.contains(id) {
            true => tally.updated += 1,
            false => tally.copied += 1,
        }
    }
}

/// Of `found`, the records whose change time or archived state differ from the mirror's,
/// and which of all of them the mirror holds; the rest are counted unchanged.
async fn changes(
    mirror: &Mirror<'_>,
    local: ObjectType,
    found: Vec<FixtureRecord>,
    tally: &mut Tally,
) -> MirrorResult<(Vec<FixtureRecord>, HashSet<i64>)> {
    let mut held: HashMap<i64, (i64, bool)> = HashMap::new();
    for visibility in [Visibility::Live, Visibility::Archived] {
        let keys = found.iter().map(|r| RecordKey::Id(r.id)).collect();
        let stored = mirror
            .stores
            .records
            .read_records(mirror.portal, local, keys, vec![], visibility)
            .await?;
        for record in stored.into_iter().flatten() {
            held.insert(record.id, (record.updated_at, record.archived));
        }
    }
    let mut changed = Vec::new();
    for record in found {
        match held.get(&record.id) {
            Some(&at) if Some(at) == changed_at(&record).map(|t| (t, record.archived)) => {
                tally.unchanged += 1;
            }
            _ => changed.push(record),
        }
    }
    Ok((changed, held.into_keys().collect()))
}

/// Writes the changed ones of a page of records with the mark `since`; live records found
/// by search come with their edges and list memberships as the source has them
/// (`related`).
async fn write_changed(
    mirror: &mut Mirror<'_>,
    (object, local): (&Named, ObjectType),
    related: Option<&Context<'_>>,
    found: Vec<FixtureRecord>,
    tally: &mut Tally,
    (step, since): (&str, i64),
) -> MirrorResult<()> {
    let (changed, held) = changes(mirror, local, found, tally).await?;
    let cursor = since.to_string();
    // Nothing to write: no record changed, and the mark stays where it was.
    if changed.is_empty() && mirror.cursor(step) == Some(cursor.as_str()) {
        return Ok(());
    }
    let ids: Vec<i64> = changed.iter().map(|r| r.id).collect();
    let mut page = Page::of(changed);
    if let Some(context) = related
        && !ids.is_empty()
    {
        add_edges(mirror, (object, local), context, &ids, &mut page).await?;
        add_memberships(mirror, object, context, &ids, &mut page).await?;
    }
    let written = write_page(mirror, object, page, tally, (step, Some(&cursor))).await?;
    count(tally, &written, &held);
    Ok(())
}

/// Every edge of the records `ids` as the source has them, in place of the mirror's. An
/// edge to a record the mirror lacks waits until that record is copied: being new at the
/// source, it is found by its own object's search, and its edges are read then.
async fn add_edges(
    mirror: &Mirror<'_>,
    (object, local): (&Named, ObjectType),
    context: &Context<'_>,
    ids: &[i64],
    page: &mut Page,
) -> MirrorResult<()> {
    let own: HashSet<i64> = ids.iter().copied().collect();
    let mut found = Found::new();
    let mut replaced_to = Vec::new();
    for to in context.objects {
        let Some(&to_local) = context.locals.get(&to.key) else {
            continue;
        };
        replaced_to.push(to_local);
        let pair = (object.path.as_str(), to.path.as_str());
        let read = source::associations(mirror.client, pair, ids).await?;
        let mut present: HashSet<i64> = match to.key == object.key {
            true => own.clone(),
            false => HashSet::new(),
        };
        let keys = read
            .iter()
            .map(|(_, to_id, _)| RecordKey::Id(*to_id))
            .collect();
        let stored = mirror
            .stores
            .records
            .read_records(mirror.portal, to_local, keys, vec![], Visibility::Live)
            .await?;
        present.extend(stored.into_iter().flatten().map(|r| r.id));
        for (from_id, to_id, types) in read {
            // An edge between two changed records of one type is read from both ends.
            let twice = to.key == object.key && own.contains(&to_id) && from_id > to_id;
            if present.contains(&to_id) && !twice {
                add_edge(
                    &mut found,
                    ((object, from_id), (to, to_id)),
                    &types,
                    context.labels,
                );
            }
        }
    }
    page.replaced.edges.push(ReplacedEdges {
        object: local,
        ids: ids.to_vec(),
        to: replaced_to,
    });
    page.associations = found
        .into_iter()
        .map(|((from, to), types)| FixtureAssociation { from, to, types })
        .collect();
    Ok(())
}

/// The memberships of `ids` in each of the object's MANUAL and SNAPSHOT lists, as the
/// source has them.
async fn add_memberships(
    mirror: &Mirror<'_>,
    object: &Named,
    context: &Context<'_>,
    ids: &[i64],
    page: &mut Page,
) -> MirrorResult<()> {
    let Some(lists) = context.lists.get(&object.key) else {
        return Ok(());
    };
    let type_id = match ObjectType::parse(&object.key) {
        Some(o) if ObjectType::STANDARD.contains(&o) => o.type_id().into_owned(),
        _ => object.path.clone(),
    };
    let held: BTreeMap<i64, HashSet<i64>> = source::memberships(mirror.client, &type_id, ids)
        .await?
        .into_iter()
        .map(|(id, lists)| (id, lists.into_iter().collect()))
        .collect();
    for &(source_list, mirror_list) in lists {
        let members = ids
            .iter()
            .copied()
            .filter(|id| held.get(id).is_some_and(|l| l.contains(&source_list)))
            .collect();
        page.replaced.memberships.push(ReplacedMemberships {
            list_id: mirror_list,
            ids: ids.to_vec(),
            members,
        });
    }
    Ok(())
}
