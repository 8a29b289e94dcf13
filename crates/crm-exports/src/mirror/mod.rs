//! `import`: mirroring a HubSpot portal (or any compatible server) into a local portal
//! with its record ids, through HubSpot's public CRM APIs only. It runs in steps —
//! definitions (owners, schemas, groups, properties, labels, pipelines), each object's
//! live and archived records, each object's associations, the lists — and every page is
//! written through the store's import in one transaction together with the checkpoint
//! that follows it, so a killed import continues where it stopped. With `incremental`,
//! a finished import then copies what changed at the source since (`incremental`).
//! Imports `client`, `fixtures`, `domain` and `store`; the source is never written to.

mod definitions;
mod edges;
mod incremental;
mod labels;
mod progress;
mod records;
pub mod source;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::client::{Client, ClientError};
use crate::domain::ObjectType;
use crate::domain::schema::ObjectSchema;
use crate::fixtures::{self, Fixture, FixtureError, StoredRecords};
use crate::store::{ImportCheckpoint, PortalData, PortalId, StoreError, Stores};

pub use labels::Named;

#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Refused(String),
}

impl From<FixtureError> for MirrorError {
    fn from(e: FixtureError) -> Self {
        match e {
            FixtureError::Store(e) => MirrorError::Store(e),
            other => MirrorError::Refused(other.to_string()),
        }
    }
}

pub type MirrorResult<T> = Result<T, MirrorError>;

/// What to import and from where.
pub struct Plan {
    /// Names the source in the checkpoints (its base URL).
    pub source: String,
    /// Object types to copy (fixture keys: `contacts`, a custom object's name); all if empty.
    pub objects: Vec<String>,
    /// After the import is finished, copy what changed at the source since.
    pub incremental: bool,
}

/// What happened to one object type's records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records new to the mirror.
    pub copied: usize,
    /// Records the mirror held, written again as the source has them now.
    pub updated: usize,
    /// Records read again (an incremental import) and found as the mirror has them.
    pub unchanged: usize,
    pub failed: Vec<(i64, String)>,
    pub associations: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.copied += other.copied;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.failed.extend(other.failed);
        self.associations += other.associations;
    }
}

/// Per object key, what was copied; plus the lists.
#[derive(Debug, Default)]
pub struct Summary {
    pub objects: BTreeMap<String, Tally>,
    pub lists: usize,
}

/// One run's state: where the source and the mirror are, and what earlier runs finished.
pub struct Mirror<'a> {
    pub client: &'a Client,
    pub stores: &'a Stores,
    pub portal: PortalId,
    pub plan: &'a Plan,
    pub now: fn() -> i64,
    checkpoints: BTreeMap<String, String>,
    /// Refused during the import, replaced by its incremental pass.
    stored: StoredRecords,
}

impl<'a> Mirror<'a> {
    /// The cursor a step stopped at: `None` to start it, `Some("done")` when finished.
    fn cursor(&self, step: &str) -> Option<&str> {
        self.checkpoints.get(step).map(String::as_str)
    }

    fn is_done(&self, step: &str) -> bool {
        self.cursor(step) == Some(ImportCheckpoint::DONE)
    }

    /// Checks `fixture` against the mirror and writes it with the step's new cursor.
    async fn write(
        &mut self,
        fixture: &Fixture,
        extra: impl FnOnce(&mut PortalData),
        step: &str,
        cursor: Option<&str>,
    ) -> MirrorResult<()> {
        let now = (self.now)();
        let checked = fixtures::check_data(self.stores, self.portal, fixture, (now, self.stored));
        let mut data = checked.await?;
        extra(&mut data);
        let cursor = cursor.unwrap_or(ImportCheckpoint::DONE).to_owned();
        data.checkpoint = Some(ImportCheckpoint {
            source: self.plan.source.clone(),
            step: step.to_owned(),
            cursor: cursor.clone(),
        });
        self.stores
            .imports
            .import_portal_data(self.portal, data, now)
            .await?;
        self.checkpoints.insert(step.to_owned(), cursor);
        Ok(())
    }

    /// The mirror's object type of a fixture key (after the definitions are written).
    async fn local_object(&self, key: &str) -> MirrorResult<ObjectType> {
        if let Some(object) = ObjectType::parse(key).filter(|o| ObjectType::STANDARD.contains(o)) {
            return Ok(object);
        }
        let customs = self
            .stores
            .custom_objects
            .custom_objects(self.portal)
            .await?;
        customs
            .iter()
            .find(|c| c.name == key && !c.archived)
            .map(|c| c.object)
            .ok_or_else(|| MirrorError::Refused(format!("the mirror has no object {key}")))
    }
}

impl Mirror<'_> {
    /// The mirror's object type of a fixture key and its schema.
    async fn local_schema(&self, key: &str) -> MirrorResult<(ObjectType, Arc<ObjectSchema>)> {
        let object = self.local_object(key).await?;
        let schema = self
            .stores
            .schemas
            .object_schema(self.portal, object)
            .await?;
        Ok((object, schema))
    }
}

/// Copies the source into `portal`, continuing from the checkpoints of earlier runs, and
/// then, with `plan.incremental`, what changed at the source since.
pub async fn run(
    client: &Client,
    stores: &Stores,
    portal: PortalId,
    plan: &Plan,
    now: fn() -> i64,
) -> MirrorResult<Summary> {
    let saved = stores
        .imports
        .import_checkpoints(portal, plan.source.clone())
        .await?;
    let mut mirror = Mirror {
        client,
        stores,
        portal,
        plan,
        now,
        checkpoints: saved.into_iter().map(|c| (c.step, c.cursor)).collect(),
        stored: StoredRecords::Refused,
    };
    let schemas = source::schemas(client).await?;
    let mut objects: Vec<Named> = ObjectType::STANDARD
        .iter()
        .map(|o| Named {
            path: o.plural().into_owned(),
            key: o.plural().into_owned(),
        })
        .chain(schemas.iter().map(|s| Named {
            path: s.object_type_id.clone(),
            key: s.name.clone(),
        }))
        .collect();
    if !plan.objects.is_empty() {
        objects.retain(|o| plan.objects.contains(&o.key));
    }
    let labels = labels::read(client, &objects, &schemas).await?;
    definitions::copy(&mut mirror, &objects, &schemas, &labels).await?;
    let mut summary = Summary::default();
    for object in &objects {
        let tally = records::copy(&mut mirror, object).await?;
        summary.objects.insert(object.key.clone(), tally);
    }
    for (i, object) in objects.iter().enumerate() {
        let copied = edges::copy(&mut mirror, &objects[i..], &labels).await?;
        summary
            .objects
            .entry(object.key.clone())
            .or_default()
            .associations += copied;
    }
    let lists = source::list_summaries(client).await?;
    summary.lists = definitions::copy_lists(&mut mirror, &objects, &lists, false).await?;
    if plan.incremental {
        mirror.stored = StoredRecords::Replaced;
        definitions::copy_again(&mut mirror, &objects, &schemas, &labels).await?;
        let context = incremental::Context::new(&mirror, &objects, &labels, &lists).await?;
        for object in &objects {
            let tally = incremental::copy(&mut mirror, object, &context).await?;
            summary
                .objects
                .entry(object.key.clone())
                .or_default()
                .add(tally);
        }
        summary.lists += definitions::copy_lists(&mut mirror, &objects, &lists, true).await?;
    }
    Ok(summary)
}
