//! The export roles over any backend: the queue (finished exports cached where the store
//! caches, since clients poll them) and the record stream an export reads.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use tokio::sync::Notify;

use super::{Backend, BatchRead, Claim, Database};
use crate::domain::association::AssociationCatalog;
use crate::domain::export::ExportRequest;
use crate::domain::owner::Owner;
use crate::domain::schema::ObjectSchema;
use crate::domain::search::Predicate;
use crate::domain::{ObjectType, Record};
use crate::store::sql::exec::op;
use crate::store::sql::schemas::known_or_load;
use crate::store::sql::{exports, records};
use crate::store::{
    Associations, BatchSink, CustomObjects, ExportLogPage, ExportOutcome, ExportQueue, ExportQuota,
    ExportRow, ListRow, Lists, Owners, PoolUse, PortalId, RecordStream, Records, Schemas,
    StoreResult,
};

impl<B: Backend> Database<B> {
    /// Drops the cached copy of export `id`, which this store just changed.
    pub(super) fn forget_export(&self, id: Option<i64>) {
        if let Some(caches) = &self.caches {
            caches
                .finished_exports
                .remove_where(|&k, _| id.is_none_or(|id| k == id));
        }
    }
}

#[async_trait]
impl<B: Backend> ExportQueue for Database<B> {
    fn forward_export_wakeups(&self, wake: Arc<Notify>) {
        self.backend.forward_export_wakeups(wake);
    }

    async fn create_export_within_quota(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
        quota: ExportQuota,
    ) -> StoreResult<Option<ExportRow>> {
        let request = request.clone();
        self.write(op(move |e| {
            Box::pin(
                async move { exports::create_within_quota(e, portal, &request, now, quota).await },
            )
        }))
        .await
    }

    async fn get_export(&self, portal: PortalId, id: i64) -> StoreResult<Option<Arc<ExportRow>>> {
        let read = || self.read(op(move |e| Box::pin(exports::get(e, portal, id))));
        let Some(caches) = &self.caches else {
            return Ok(read().await?.map(Arc::new));
        };
        let now = Instant::now();
        let cached = caches.finished_exports.get(&id, now);
        if let Some(row) = cached.filter(|row| row.portal == portal) {
            return Ok(Some(row));
        }
        let start = caches.finished_exports.read_start(now);
        let found = read().await?.map(Arc::new);
        if let Some(row) = found.as_ref().filter(|row| row.state.is_terminal()) {
            caches.finished_exports.put(id, row.clone(), start);
        }
        Ok(found)
    }

    async fn get_export_by_id(&self, id: i64) -> StoreResult<Option<ExportRow>> {
        self.read(op(move |e| Box::pin(exports::get_by_id(e, id))))
            .await
    }

    async fn list_exports(
        &self,
        portal: PortalId,
        page: ExportLogPage,
    ) -> StoreResult<Vec<ExportRow>> {
        self.read(op(move |e| {
            Box::pin(async move { exports::list(e, portal, &page).await })
        }))
        .await
    }

    async fn claim_export(
        &self,
        worker_id: &str,
        now: i64,
        lease_ms: i64,
        max_attempts: i64,
    ) -> StoreResult<Option<ExportRow>> {
        let claim = Claim {
            worker_id: worker_id.to_string(),
            now,
            lease_ms,
            max_attempts,
        };
        self.write(B::claim(claim)).await
    }

    async fn renew_export_lease(
        &self,
        id: i64,
        attempt: i64,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<bool> {
        self.write(op(move |e| {
            Box::pin(exports::renew(e, id, attempt, now, lease_ms))
        }))
        .await
    }

    async fn report_export_progress(&self, id: i64, attempt: i64, rows: i64) -> StoreResult<()> {
        self.write(op(move |e| {
            Box::pin(exports::progress(e, id, attempt, rows))
        }))
        .await
    }

    async fn report_expected_record_count(
        &self,
        id: i64,
        attempt: i64,
        count: i64,
    ) -> StoreResult<()> {
        self.write(op(move |e| {
            Box::pin(exports::expected(e, id, attempt, count))
        }))
        .await
    }

    async fn finish_export(
        &self,
        id: i64,
        attempt: i64,
        outcome: ExportOutcome,
        now: i64,
    ) -> StoreResult<bool> {
        let finished = self
            .write(op(move |e| {
                Box::pin(async move { exports::finish(e, id, attempt, &outcome, now).await })
            }))
            .await;
        self.forget_export(Some(id));
        finished
    }

    async fn cancel_export(
        &self,
        portal: PortalId,
        id: i64,
        now: i64,
    ) -> StoreResult<Option<ExportRow>> {
        let canceled = self
            .write(op(move |e| Box::pin(exports::cancel(e, portal, id, now))))
            .await;
        self.forget_export(Some(id));
        canceled
    }

    async fn delete_exports_before(&self, before: i64) -> StoreResult<Vec<ExportRow>> {
        let deleted = self
            .write(op(move |e| Box::pin(exports::delete_before(e, before))))
            .await;
        self.forget_export(None);
        deleted
    }

    async fn count_queued_exports(&self) -> StoreResult<i64> {
        self.read(op(|e| Box::pin(exports::count_queued(e)))).await
    }

    fn connection_pool_use(&self) -> PoolUse {
        self.backend.pool_use()
    }
}

#[async_trait]
impl<B: Backend> RecordStream for Database<B> {
    async fn export_schema(
        &self,
        portal: PortalId,
        object: ObjectType,
    ) -> StoreResult<Arc<ObjectSchema>> {
        self.object_schema(portal, object).await
    }

    async fn export_list(&self, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>> {
        self.get_list(portal, id).await
    }

    async fn export_owners(&self, portal: PortalId) -> StoreResult<Vec<Owner>> {
        self.list_owners(portal).await
    }

    async fn export_association_catalog(
        &self,
        portal: PortalId,
    ) -> StoreResult<AssociationCatalog> {
        self.association_catalog(portal).await
    }

    async fn count_export_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
    ) -> StoreResult<u64> {
        let (count, _) = self
            .search_records(portal, object, predicate, 0, 0, Vec::new())
            .await?;
        Ok(count)
    }

    async fn stream_batches(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: BatchSink,
    ) -> StoreResult<u64> {
        let read = BatchRead {
            portal,
            object,
            predicate,
            projection,
            schema: self.known_schema(portal, object).await?,
        };
        self.backend.stream_batches(read, sink).await
    }

    async fn batch_associations(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        from_ids: Vec<i64>,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        self.read_associations(portal, from, to, from_ids).await
    }

    async fn display_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        ids: Vec<i64>,
        property: String,
    ) -> StoreResult<Vec<Record>> {
        let known = self.known_schema(portal, object).await?;
        self.read(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                records::read_live(e, portal, &schema, &ids, &[property]).await
            })
        }))
        .await
    }
}
