//! Persistence in domain terms, split into roles ([`roles`]): portals and tokens, schemas,
//! custom objects, records, associations, lists, owners, pipelines, the export queue,
//! the record stream an export reads, completion webhooks, imports of data with the ids it
//! had elsewhere, and whole-store snapshots. Callers hold the roles they
//! use ([`Stores`]). The SQL both databases run is written once in `sql/`; `database/`
//! implements every role over either backend, and `sqlite/` and `postgres/` keep only
//! what differs. Imports only `domain`; wire types never reach it.

mod cache;
pub mod database;
mod error;
mod import_types;
mod migrations;
pub mod postgres;
mod roles;
pub mod sql;
pub mod sqlite;
mod types;
mod webhook_types;

use std::sync::Arc;

pub use self::error::{Cause, StoreError, StoreResult, with_causes};
pub use self::import_types::*;
pub use self::roles::{
    Associations, CustomObjects, ExportQueue, Imports, ListFolders, Lists, Owners, Pipelines,
    Portals, RecordStream, Records, Schemas, Snapshots, Webhooks,
};
pub use self::types::*;
pub use self::webhook_types::*;
use crate::domain::ObjectType;
use crate::domain::search::{RawFilterGroup, SearchLimits, parse_predicate};

/// A database holding every role: what opening a store gives, and what the contract tests
/// run against. Callers take the roles they need from it ([`Stores`]).
pub trait Store:
    Portals
    + Schemas
    + CustomObjects
    + Records
    + Associations
    + Lists
    + ListFolders
    + Owners
    + Pipelines
    + ExportQueue
    + RecordStream
    + Webhooks
    + Imports
    + Snapshots
{
}

impl<T> Store for T where
    T: Portals
        + Schemas
        + CustomObjects
        + Records
        + Associations
        + Lists
        + ListFolders
        + Owners
        + Pipelines
        + ExportQueue
        + RecordStream
        + Webhooks
        + Imports
        + Snapshots
{
}

pub type SharedStore = Arc<dyn Store>;

/// One store's roles, each shared on its own, so a caller names the ones it uses.
#[derive(Clone)]
pub struct Stores {
    pub portals: Arc<dyn Portals>,
    pub schemas: Arc<dyn Schemas>,
    pub custom_objects: Arc<dyn CustomObjects>,
    pub records: Arc<dyn Records>,
    pub associations: Arc<dyn Associations>,
    pub lists: Arc<dyn Lists>,
    pub list_folders: Arc<dyn ListFolders>,
    pub owners: Arc<dyn Owners>,
    pub pipelines: Arc<dyn Pipelines>,
    pub exports: Arc<dyn ExportQueue>,
    pub stream: Arc<dyn RecordStream>,
    pub webhooks: Arc<dyn Webhooks>,
    pub imports: Arc<dyn Imports>,
    pub snapshots: Arc<dyn Snapshots>,
}

impl From<SharedStore> for Stores {
    fn from(store: SharedStore) -> Self {
        Self {
            portals: store.clone(),
            schemas: store.clone(),
            custom_objects: store.clone(),
            records: store.clone(),
            associations: store.clone(),
            lists: store.clone(),
            list_folders: store.clone(),
            owners: store.clone(),
            pipelines: store.clone(),
            exports: store.clone(),
            stream: store.clone(),
            webhooks: store.clone(),
            imports: store.clone(),
            snapshots: store,
        }
    }
}

/// The live records of `object` that filter groups select now, as a SNAPSHOT list takes
/// them on creation; `Ok(Err(problems))` when the filters do not fit the schema.
pub async fn snapshot_members(
    schemas: &dyn Schemas,
    records: &dyn Records,
    portal: PortalId,
    object: ObjectType,
    groups: &[RawFilterGroup],
) -> StoreResult<Result<Vec<i64>, Vec<String>>> {
    let schema = schemas.object_schema(portal, object).await?;
    let unlimited = SearchLimits::unlimited();
    let predicate = match parse_predicate(groups, &[], None, schema.as_ref(), &unlimited) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    let (_, matched) = records
        .search_records(portal, object, predicate, 0, usize::MAX >> 1, vec![])
        .await?;
    Ok(Ok(matched.iter().map(|r| r.id).collect()))
}
