//! [`Database`]: every store role implemented once, over a [`Backend`] that runs the
//! shared operations of `store/sql` in its transactions. A backend provides only what
//! really differs: how a transaction runs, how an export is claimed, how its records are
//! streamed, how workers hear of new exports, and whether this process may cache.
//! Adding a store operation is one function in `store/sql` and one method here.

mod catalog;
mod data;
mod folders;
mod imports;
mod pipelines;
mod queue;
mod webhooks;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::cache::{Caches, StampedSchemas};
use super::sql::exec::{Op, op};
use super::sql::schemas;
use super::{BatchSink, ExportRow, PoolUse, PortalId, Snapshots, StoreResult};
use crate::domain::ObjectType;
use crate::domain::schema::ObjectSchema;
use crate::domain::search::Predicate;

/// What a claim asks for (see [`super::ExportQueue::claim_export`]).
#[derive(Clone, Debug)]
pub struct Claim {
    pub worker_id: String,
    pub now: i64,
    pub lease_ms: i64,
    pub max_attempts: i64,
}

/// What an export streams (see [`super::RecordStream::stream_batches`]).
pub struct BatchRead {
    pub portal: PortalId,
    pub object: ObjectType,
    pub predicate: Predicate,
    pub projection: Vec<String>,
    /// The object's schema where the store caches it; otherwise read with the records.
    pub schema: Option<Arc<ObjectSchema>>,
}

/// A database the roles run on.
pub trait Backend: Send + Sync + 'static {
    /// Whether this process may keep schemas, tokens and finished exports in memory: it is
    /// the one that changes schemas, and other processes' token revocations and retention
    /// sweeps may show a moment late (SQLite).
    const CACHES: bool;

    /// Whether the database stamps each portal's schema changes (PostgreSQL's triggers), so
    /// a process that cannot trust its own writes to be the only ones may still keep
    /// schemas, checking one stamp per use.
    const STAMPS_SCHEMAS: bool;

    /// Runs `op` in a read-only transaction.
    fn read<T: Send + 'static>(&self, op: Op<T>) -> impl Future<Output = StoreResult<T>> + Send;

    /// Runs `op` in a read-write transaction, committed when it succeeds (unless it asked
    /// for a rollback) and rolled back when it fails.
    fn write<T: Send + 'static>(&self, op: Op<T>) -> impl Future<Output = StoreResult<T>> + Send;

    /// The claim's transaction: SQLite's single writer needs no row locks; PostgreSQL
    /// skips portals another process is claiming for.
    fn claim(claim: Claim) -> Op<Option<ExportRow>>;

    fn stream_batches(
        &self,
        read: BatchRead,
        sink: BatchSink,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Wakes `wake` when any process creates an export, where the database can tell.
    fn forward_export_wakeups(&self, wake: Arc<Notify>);

    /// The connections this process holds now.
    fn pool_use(&self) -> PoolUse;

    /// Saves every table as snapshot `name` (see [`super::Snapshots`]).
    fn save_snapshot(
        &self,
        name: &str,
        dir: &Path,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Replaces every table with snapshot `name`'s, in one transaction.
    fn restore_snapshot(
        &self,
        name: &str,
        dir: &Path,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Drops what the snapshot keeps in the database, if anything.
    fn delete_snapshot(
        &self,
        name: &str,
        dir: &Path,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Every store role over one backend.
pub struct Database<B> {
    backend: B,
    caches: Option<Caches>,
    stamped: Option<StampedSchemas>,
}

impl<B: Backend> Database<B> {
    pub(crate) fn new(backend: B) -> Self {
        Self {
            backend,
            caches: B::CACHES.then(Caches::new),
            stamped: B::STAMPS_SCHEMAS.then(StampedSchemas::new),
        }
    }

    /// The schema kept by stamp, when the backend stamps schemas: the kept one while the
    /// portal's stamp is unchanged, otherwise read again with the new stamp.
    async fn stamped_schema(
        &self,
        stamped: &StampedSchemas,
        portal: PortalId,
        object: ObjectType,
    ) -> StoreResult<Arc<ObjectSchema>> {
        let stamp = self
            .read(op(move |e| Box::pin(schemas::stamp(e, portal))))
            .await?;
        if let Some(schema) = stamped.get(portal, object, stamp) {
            return Ok(schema);
        }
        let (stamp, schema) = self
            .read(op(move |e| {
                Box::pin(async move {
                    let stamp = schemas::stamp(e, portal).await?;
                    Ok((stamp, Arc::new(schemas::load(e, portal, object).await?)))
                })
            }))
            .await?;
        stamped.keep(portal, object, stamp, schema.clone());
        Ok(schema)
    }

    async fn read<T: Send + 'static>(&self, op: Op<T>) -> StoreResult<T> {
        self.backend.read(op).await
    }

    async fn write<T: Send + 'static>(&self, op: Op<T>) -> StoreResult<T> {
        self.backend.write(op).await
    }

    /// The schema when this store caches schemas (loaded now if it is not cached yet);
    /// `None` tells an operation to read it in its own transaction.
    async fn known_schema(
        &self,
        portal: PortalId,
        object: ObjectType,
    ) -> StoreResult<Option<Arc<ObjectSchema>>> {
        if let Some(stamped) = &self.stamped {
            return Ok(Some(self.stamped_schema(stamped, portal, object).await?));
        }
        let Some(caches) = &self.caches else {
            return Ok(None);
        };
        if let Some(schema) = caches.schema(portal, object) {
            return Ok(Some(schema));
        }
        let schema = Arc::new(
            self.read(op(move |e| Box::pin(schemas::load(e, portal, object))))
                .await?,
        );
        caches.keep_schema(portal, object, schema.clone());
        Ok(Some(schema))
    }

    /// The schema of a live object type of the portal.
    async fn schema(&self, portal: PortalId, object: ObjectType) -> StoreResult<Arc<ObjectSchema>> {
        match self.known_schema(portal, object).await? {
            Some(schema) => Ok(schema),
            None => Ok(Arc::new(
                self.read(op(move |e| Box::pin(schemas::load(e, portal, object))))
                    .await?,
            )),
        }
    }

    fn forget_schema(&self, portal: PortalId, object: ObjectType) {
        if let Some(caches) = &self.caches {
            caches.forget_schema(portal, object);
        }
    }

    fn forget_portal_schemas(&self, portal: PortalId) {
        if let Some(caches) = &self.caches {
            caches.forget_portal_schemas(portal);
        }
    }
}

#[async_trait]
impl<B: Backend> Snapshots for Database<B> {
    async fn save_snapshot(&self, name: &str, dir: &Path) -> StoreResult<u64> {
        self.backend.save_snapshot(name, dir).await
    }

    async fn restore_snapshot(&self, name: &str, dir: &Path) -> StoreResult<()> {
        let restored = self.backend.restore_snapshot(name, dir).await;
        // Whatever was cached describes the store before the restore (or half of a
        // failed one, which rolled back): start over either way.
        if let Some(caches) = &self.caches {
            caches.forget_everything();
        }
        restored
    }

    async fn delete_snapshot(&self, name: &str, dir: &Path) -> StoreResult<()> {
        self.backend.delete_snapshot(name, dir).await
    }
}
