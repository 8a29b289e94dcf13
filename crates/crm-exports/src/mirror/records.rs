//! Copying one object type's records page by page — live ones, then archived ones — with
//! every property value the mirror's definitions take, their ids, times and archived
//! state. A record the mirror refuses (a value its definition does not accept, an owner
//! it lacks) is left out of its page and counted as failed with the reason, and the rest
//! of the page is written.

use std::collections::{BTreeMap, HashSet};

use crate::domain::property::system_field;
use crate::fixtures::format::FixtureRecord;
use crate::fixtures::{Fixture, FixtureError};

use super::labels::Named;
use super::source;
use super::{Mirror, MirrorError, MirrorResult, Tally};

/// Records written per transaction (ten of HubSpot's pages): fewer, larger transactions,
/// as `seed` writes, each with the checkpoint of the page it ends with.
pub const PER_TRANSACTION: usize = 1000;

pub async fn copy(mirror: &mut Mirror<'_>, object: &Named) -> MirrorResult<Tally> {
    let (local, schema) = mirror.local_schema(&object.key).await?;
    let known: HashSet<&str> = schema.properties.iter().map(|p| p.name.as_str()).collect();
    let mut names: Vec<String> = source::properties(mirror.client, &object.path)
        .await?
        .into_iter()
        .map(|p| p.name)
        .filter(|n| known.contains(n.as_str()) && system_field(local, n).is_none())
        .collect();
    names.sort();
    let wanted: HashSet<String> = names.iter().cloned().collect();
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
        let client = mirror.client;
        let fetch = |after: Option<String>| {
            let names = &names;
            let path = &object.path;
            async move { source::records(client, path, names, archived, after.as_deref()).await }
        };
        let mut fetched = fetch(after).await?;
        let mut buffer: Vec<FixtureRecord> = Vec::new();
        loop {
            let (page, next) = fetched;
            buffer.extend(page.into_iter().map(|mut r| {
                r.properties.retain(|name, _| wanted.contains(name));
                r
            }));
            let full = buffer.len() >= PER_TRANSACTION || next.is_none();
            let batch = match full {
                true => std::mem::take(&mut buffer),
                false => Vec::new(),
            };
            // The next page is read while this batch is written.
            let reading = async {
                match &next {
                    Some(cursor) => Some(fetch(Some(cursor.clone())).await),
                    None => None,
                }
            };
            let writing = async {
                if full {
                    write_page(mirror, object, batch, &mut tally, &step, next.as_deref()).await?;
                    progress(mirror, object, &tally);
                }
                Ok::<(), MirrorError>(())
            };
            let (read, written) = tokio::join!(reading, writing);
            written?;
            match read {
                Some(page) => fetched = page?,
                None => break,
            }
        }
    }
    Ok(tally)
}

/// Writes `page` with the step's next cursor, without the records the mirror refuses.
async fn write_page(
    mirror: &mut Mirror<'_>,
    object: &Named,
    mut page: Vec<FixtureRecord>,
    tally: &mut Tally,
    step: &str,
    next: Option<&str>,
) -> MirrorResult<()> {
    // The second try drops every record the first refused; a third never finds more.
    for _ in 0..2 {
        let count = page.len();
        let fixture = Fixture {
            records: BTreeMap::from([(object.key.clone(), page.clone())]),
            ..Fixture::default()
        };
        match mirror.write(&fixture, |_| {}, step, next).await {
            Ok(()) => {
                tally.copied += count;
                return Ok(());
            }
            Err(MirrorError::Refused(_)) => {}
            Err(e) => return Err(e),
        }
        let problems = match crate::fixtures::check_data(
            mirror.stores,
            mirror.portal,
            &fixture,
            (mirror.now)(),
        )
        .await
        {
            Err(FixtureError::Refused(problems)) => problems,
            Err(e) => return Err(e.into()),
            Ok(_) => Vec::new(),
        };
        let prefix = format!("records.{}[", object.key);
        let mut refused: BTreeMap<usize, String> = BTreeMap::new();
        for problem in problems {
            let index = problem
                .path
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse().ok());
            if let Some(index) = index {
                let field = problem.path.split("].").nth(1).unwrap_or("").to_owned();
                refused
                    .entry(index)
                    .or_insert(format!("{field}: {}", problem.message));
            }
        }
        if refused.is_empty() {
            return Err(MirrorError::Refused(format!(
                "the mirror refused a page of {}",
                object.key
            )));
        }
        let mut kept = Vec::with_capacity(page.len());
        for (i, record) in page.into_iter().enumerate() {
            match refused.remove(&i) {
                Some(reason) => tally.failed.push((record.id, reason)),
                None => kept.push(record),
            }
        }
        page = kept;
    }
    Err(MirrorError::Refused(format!(
        "the mirror refused a page of {}",
        object.key
    )))
}

fn progress(mirror: &Mirror<'_>, object: &Named, tally: &Tally) {
    let seconds = mirror.started.elapsed().as_secs_f64().max(0.001);
    eprintln!(
        "{}: {} copied, {} failed ({:.0} records/s)",
        object.key,
        tally.copied,
        tally.failed.len(),
        tally.copied as f64 / seconds
    );
}
