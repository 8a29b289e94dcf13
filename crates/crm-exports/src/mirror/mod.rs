//! `import`: mirroring a HubSpot portal (or any compatible server) into a local portal
//! with its record ids, through HubSpot's public CRM APIs only. It runs in steps —
//! definitions (owners, schemas, groups, properties, labels, pipelines), each object's
//! live and archived records, each object's associations, the lists — and every page is
//! written through the store's import in one transaction together with the checkpoint
//! that follows it, so a killed import continues where it stopped. Imports `client`,
//! `fixtures`, `domain` and `store`; the source is never written to.

mod definitions;
mod edges;
mod labels;
mod records;
pub mod source;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use crate::client::{Client, ClientError};
use crate::domain::ObjectType;
use crate::domain::schema::ObjectSchema;
use crate::fixtures::{self, Fixture, FixtureError};
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
}

/// What happened to one object type's records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub copied: usize,
    pub failed: Vec<(i64, String)>,
    pub associations: usize,
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
    started: Instant,
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
        let mut data = fixtures::check_data(self.stores, self.portal, fixture, now).await?;
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

/// Copies the source into `portal`, continuing from the checkpoints of earlier runs.
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
        started: Instant::now(),
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
    summary.lists = definitions::copy_lists(&mut mirror, &objects).await?;
    Ok(summary)
}
