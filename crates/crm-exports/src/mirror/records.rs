//! Copying one object type's records page by page — live ones, then archived ones — with
//! every property value the mirror's definitions take, their ids, times and archived
//! state. A record the mirror refuses (a value its definition does not accept, an owner
//! it lacks) is left out of its page and counted as failed with the reason, and the rest
//! of the page is written.

use std::collections::{BTreeMap, HashSet};

use crate::domain::property::system_field;
use crate::fixtures::format::{FixtureAssociation, FixtureRecord, FixtureRecordRef};
use crate::fixtures::{Fixture, FixtureError, FixtureProblem};
use crate::store::{PortalData, Replaced};

use super::incremental::since_step;
use super::labels::Named;
use super::progress::Progress;
use super::source;
use super::{Mirror, MirrorError, MirrorResult, Tally};

/// Records written per transaction (ten of HubSpot's pages): fewer, larger transactions,
/// as `seed` writes, each with the checkpoint of the page it ends with.
pub const PER_TRANSACTION: usize = 1000;

/// Pages read ahead of the writer: the source serves and the mirror writes at once.
const PAGES_AHEAD: usize = 20;

/// The object's properties the mirror takes from the source: the ones both define, but
/// the system fields the store keeps itself.
pub async fn wanted_properties(mirror: &Mirror<'_>, object: &Named) -> MirrorResult<Vec<String>> {
    let (local, schema) = mirror.local_schema(&object.key).await?;
    let known: HashSet<&str> = schema.properties.iter().map(|p| p.name.as_str()).collect();
    let mut names: Vec<String> = source::properties(mirror.client, &object.path)
        .await?
        .into_iter()
        .map(|p| p.name)
        .filter(|n| known.contains(n.as_str()) && system_field(local, n).is_none())
        .collect();
    names.sort();
    Ok(names)
}

/// The record with only the properties the mirror takes (`names`, sorted, as
/// [`wanted_properties`] gives them).
pub fn only(mut record: FixtureRecord, names: &[String]) -> FixtureRecord {
    record
        .properties
        .retain(|name, _| names.binary_search(name).is_ok());
    record
}

/// How many live records the source has (for the time left), after saving the object's
/// high-water mark for a later incremental import unless an earlier run saved it: the
/// source's latest change before any of its records is read.
async fn total_and_mark(mirror: &mut Mirror<'_>, object: &Named) -> MirrorResult<u64> {
    let modified = source::modified_property(&object.key);
    let (total, latest) = source::latest_change(mirror.client, (&object.path, modified)).await?;
    let step = since_step(&object.key);
    if mirror.cursor(&step).is_none() {
        let mark = latest.unwrap_or(0).to_string();
        mirror
            .write(&Fixture::default(), |_| {}, &step, Some(&mark))
            .await?;
    }
    Ok(total)
}

pub async fn copy(mirror: &mut Mirror<'_>, object: &Named) -> MirrorResult<Tally> {
    let names = wanted_properties(mirror, object).await?;
    let mut tally = Tally::default();
    for archived in [false, true] {
        let step = match archived {
            false => format!("records:{}", object.key),
            true => format!("archived:{}", object.key),
        };
        let after = match mirror.cursor(&step) {
            Some(super::ImportCheckpoint::DONE) => continue,
            Some(cursor) => Some(cursor.to_owned()),
            None => None,
        };
        let total = match archived {
            false => Some(total_and_mark(mirror, object).await?),
            true => None,
        };
        let mut progress = Progress::new(&object.key, total);
        let (pages, mut read) = tokio::sync::mpsc::channel(PAGES_AHEAD);
        let client = mirror.client;
        // The reader follows the source's cursor while the writer stores what it read.
        let reading = async {
            // Owned here, so the writer's `recv` ends when the reader does.
            let pages = pages;
            let mut after = after;
            loop {
                let page =
                    source::records(client, &object.path, &names, archived, after.as_deref()).await;
                let next = page.as_ref().ok().and_then(|(_, next)| next.clone());
                if pages.send(page).await.is_err() || next.is_none() {
                    return;
                }
                after = next;
            }
        };
        let writing = async {
            let mut buffer: Vec<FixtureRecord> = Vec::new();
            while let Some(page) = read.recv().await {
                let (page, next) = page?;
                buffer.extend(page.into_iter().map(|r| only(r, &names)));
                if buffer.len() >= PER_TRANSACTION || next.is_none() {
                    let batch = std::mem::take(&mut buffer);
                    let page = Page::of(batch);
                    let written =
                        write_page(mirror, object, page, &mut tally, (&step, next.as_deref()))
                            .await?;
                    tally.copied += written.len();
                    progress.report(&tally, next.is_none());
                }
            }
            Ok::<(), MirrorError>(())
        };
        let ((), written) = tokio::join!(reading, writing);
        written?;
    }
    Ok(tally)
}

/// A page's records and what is written with them: an incremental import's edges of the
/// changed records, and what they replace.
#[derive(Default)]
pub struct Page {
    pub records: Vec<FixtureRecord>,
    pub associations: Vec<FixtureAssociation>,
    pub replaced: Replaced,
}

impl Page {
    pub fn of(records: Vec<FixtureRecord>) -> Self {
        Page {
            records,
            ..Page::default()
        }
    }

    /// Leaves out the records of `ids` and every edge or replacement naming them.
    fn without(&mut self, key: &str, ids: &HashSet<i64>) {
        self.records.retain(|r| !ids.contains(&r.id));
        let names = |end: &FixtureRecordRef| end.object_type == key && ids.contains(&end.id);
        self.associations
            .retain(|a| !names(&a.from) && !names(&a.to));
        for edges in &mut self.replaced.edges {
            edges.ids.retain(|id| !ids.contains(id));
        }
        for lists in &mut self.replaced.memberships {
            lists.ids.retain(|id| !ids.contains(id));
            lists.members.retain(|id| !ids.contains(id));
        }
    }
}

/// Writes `page` with the step's next cursor, without the records the mirror refuses
/// (each listed in the tally with its reason); returns the ids of the records written.
pub async fn write_page(
    mirror: &mut Mirror<'_>,
    object: &Named,
    mut page: Page,
    tally: &mut Tally,
    (step, next): (&str, Option<&str>),
) -> MirrorResult<Vec<i64>> {
    // The second try drops every record the first refused; a third never finds more.
    for _ in 0..2 {
        let written: Vec<i64> = page.records.iter().map(|r| r.id).collect();
        let fixture = Fixture {
            records: BTreeMap::from([(object.key.clone(), std::mem::take(&mut page.records))]),
            associations: std::mem::take(&mut page.associations),
            ..Fixture::default()
        };
        let replaced = page.replaced.clone();
        let extra = move |data: &mut PortalData| {
            data.replaced.edges = replaced.edges;
            data.replaced.memberships = replaced.memberships;
        };
        let problems = match mirror.write(&fixture, extra, step, next).await {
            Ok(()) => return Ok(written),
            Err(MirrorError::Refused(_)) => refusals(mirror, &fixture).await?,
            Err(e) => return Err(e),
        };
        let Fixture {
            records,
            associations,
            ..
        } = fixture;
        page.records = records.into_values().next().unwrap_or_default();
        page.associations = associations;
        let prefix = format!("records.{}[", object.key);
        let mut refused: HashSet<i64> = HashSet::new();
        for problem in problems {
            let index: Option<usize> = problem
                .path
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse().ok());
            if let Some(record) = index.and_then(|i| page.records.get(i))
                && refused.insert(record.id)
            {
                let field = problem.path.split("].").nth(1).unwrap_or("");
                let reason = format!("{field}: {}", problem.message);
                tally.failed.push((record.id, reason));
            }
        }
        if refused.is_empty() {
            break;
        }
        page.without(&object.key, &refused);
    }
    Err(MirrorError::Refused(format!(
        "the mirror refused a page of {}",
        object.key
    )))
}

/// Why the mirror refuses `fixture`, each problem placed by its field path.
async fn refusals(mirror: &Mirror<'_>, fixture: &Fixture) -> MirrorResult<Vec<FixtureProblem>> {
    let now = (mirror.now)();
    let checked =
        crate::fixtures::check_data(mirror.stores, mirror.portal, fixture, (now, mirror.stored))
            .await;
    match checked {
        Err(FixtureError::Refused(problems)) => Ok(problems),
        Err(e) => Err(e.into()),
        Ok(_) => Ok(Vec::new()),
    }
}
