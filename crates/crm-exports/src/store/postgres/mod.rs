//! The PostgreSQL store (tokio-postgres with a deadpool pool), for running any number of
//! API and worker processes over one database: every call is one transaction on a pooled
//! connection (an export's read takes a connection of its own), the export queue is
//! claimed with `FOR UPDATE SKIP LOCKED`, and new exports are announced with NOTIFY so idle
//! workers wake at once. PostgreSQL specifics stay here.

mod associations;
mod batches;
mod columns;
mod custom_objects;
mod exports;
mod lists;
mod migrations;
mod owners;
mod portals;
mod records;
mod search;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, Config, IsolationLevel, NoTls};

use super::{
    BatchSink, Edge, ExportLogPage, ExportOutcome, ExportQuota, ExportRow, ListDraft, ListRow,
    MembershipChange, PortalId, RecordKey, RecordSink, Store, StoreError, StoreResult, TokenInfo,
    Visibility, WriteFailure, WriteOp, Written,
};
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
};
use crate::domain::export::ExportRequest;
use crate::domain::owner::Owner;
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::schema::ObjectSchema;
use crate::domain::search::{Predicate, RawFilterGroup};
use crate::domain::{ObjectType, Record};

/// Pooled connections per process: a few API requests and export steps at once, and no
/// more, since many processes share one server's connection limit. Each running export
/// reads over one more connection, outside the pool.
const POOL_SIZE: usize = 16;

pub struct PgStore {
    pool: Pool,
    config: Config,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // Checks run before writes, so a unique violation means a concurrent write from
        // another process won the race: the same conflict the check would have reported.
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            return StoreError::Conflict(e.to_string());
        }
        StoreError::Internal(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Internal(format!("no database connection: {e}"))
    }
}

/// Runs `$body` (which names the transaction `$tx`) in one transaction, committed when the
/// body succeeds; an early `?` drops the transaction, rolling it back.
macro_rules! in_tx {
    ($store:expr, $tx:ident => $body:expr) => {{
        let mut client = $store.pool.get().await?;
        let $tx = client.transaction().await?;
        let value = $body;
        $tx.commit().await?;
        Ok(value)
    }};
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db?...`) and applies migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config: Config = url
            .parse()
            .map_err(|e| StoreError::Internal(format!("invalid database URL: {e}")))?;
        Self::open(config).await
    }

    /// Opens a pool on `config` and applies migrations. Tables go into the first schema of
    /// the connection's `search_path`, so `options=-c search_path=...` isolates a store.
    pub async fn open(config: Config) -> StoreResult<Self> {
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot build the connection pool: {e}")))?;
        let mut client = pool.get().await?;
        migrations::apply(&mut client).await?;
        drop(client);
        Ok(Self { pool, config })
    }

    /// The schema is read on every call rather than cached: another process may have added
    /// a property since, and two primary-key reads cost little next to the call itself.
    async fn schema(&self, portal: PortalId, object: ObjectType) -> StoreResult<Arc<ObjectSchema>> {
        in_tx!(self, tx => Arc::new(portals::load_schema(&tx, portal, object).await?))
    }
}

/// Holds one LISTEN connection until it fails, waking `wake` on each new export.
async fn listen_for_exports(
    config: &Config,
    wake: &Arc<Notify>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let notified = wake.clone();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(_))) => notified.notify_waiters(),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {}", exports::EXPORT_CREATED_CHANNEL))
        .await?;
    // Notifications created while this connection was down are covered by the workers'
    // polling; wake them once now in case one was missed.
    wake.notify_waiters();
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}

#[async_trait]
impl Store for PgStore {
    fn forward_export_wakeups(&self, wake: Arc<Notify>) {
        let config = self.config.clone();
        tokio::spawn(async move {
            // Stop once nothing else holds the wake-up (the workers are gone).
            while Arc::strong_count(&wake) > 1 {
                if let Err(e) = listen_for_exports(&config, &wake).await {
                    tracing::warn!("listening for new exports failed, polling meanwhile: {e}");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn create_portal(&self, now: i64) -> StoreResult<PortalId> {
        in_tx!(self, tx => portals::create_portal(&tx, None, now).await?)
    }

    async fn ensure_portal(&self, portal: PortalId, now: i64) -> StoreResult<bool> {
        in_tx!(self, tx => {
            portals::lock_portals(&tx).await?;
            if portals::portal_exists(&tx, portal).await? {
                false
            } else {
                portals::create_portal(&tx, Some(portal), now).await?;
                true
            }
        })
    }

    async fn list_portals(&self) -> StoreResult<Vec<PortalId>> {
        in_tx!(self, tx => portals::list_portals(&tx).await?)
    }

    async fn create_token(
        &self,
        portal: PortalId,
        name: &str,
        scopes: &[String],
        token_hash: &str,
        now: i64,
    ) -> StoreResult<TokenInfo> {
        in_tx!(self, tx => portals::create_token(&tx, portal, name, scopes, token_hash, now).await?)
    }

    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenInfo>>> {
        in_tx!(self, tx => portals::token_by_hash(&tx, token_hash).await?.map(Arc::new))
    }

    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        in_tx!(self, tx => portals::list_tokens(&tx).await?)
    }

    async fn revoke_token(&self, id: i64, now: i64) -> StoreResult<bool> {
        in_tx!(self, tx => portals::revoke_token(&tx, id, now).await?)
    }

    async fn object_schema(
        &self,
        portal: PortalId,
        object: ObjectType,
    ) -> StoreResult<Arc<ObjectSchema>> {
        self.schema(portal, object).await
    }

    async fn create_property(
        &self,
        portal: PortalId,
        object: ObjectType,
        definition: PropertyDefinition,
    ) -> StoreResult<PropertyDefinition> {
        in_tx!(self, tx => portals::create_property(&tx, portal, object, definition).await?)
    }

    async fn create_property_group(
        &self,
        portal: PortalId,
        object: ObjectType,
        group: PropertyGroup,
    ) -> StoreResult<PropertyGroup> {
        in_tx!(self, tx => portals::create_property_group(&tx, portal, object, group).await?)
    }

    async fn create_custom_object(
        &self,
        portal: PortalId,
        new: NewCustomObject,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>> {
        in_tx!(self, tx => Arc::new(custom_objects::create(&tx, portal, &new, now).await?))
    }

    async fn custom_objects(&self, portal: PortalId) -> StoreResult<Vec<Arc<CustomObject>>> {
        in_tx!(self, tx => custom_objects::list(&tx, portal).await?.into_iter().map(Arc::new).collect())
    }

    async fn update_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        settings: CustomObjectSettings,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>> {
        in_tx!(self, tx => Arc::new(custom_objects::update(&tx, portal, object, &settings, now).await?))
    }

    async fn archive_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        now: i64,
    ) -> StoreResult<()> {
        in_tx!(self, tx => custom_objects::archive(&tx, portal, object, now).await?)
    }

    async fn define_association(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        name: String,
        now: i64,
    ) -> StoreResult<AssociationDefinition> {
        in_tx!(self, tx => custom_objects::define_association(&tx, portal, from, to, &name, now).await?)
    }

    async fn remove_association_definition(
        &self,
        portal: PortalId,
        object: ObjectType,
        type_id: i64,
    ) -> StoreResult<bool> {
        in_tx!(self, tx => custom_objects::remove_association(&tx, portal, object, type_id).await?)
    }

    async fn association_definitions(
        &self,
        portal: PortalId,
    ) -> StoreResult<Vec<AssociationDefinition>> {
        in_tx!(self, tx => custom_objects::definitions_of(&tx, portal, None).await?)
    }

    async fn write_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        ops: Arc<[WriteOp]>,
        atomic: bool,
        now: i64,
    ) -> StoreResult<Vec<Result<Written, WriteFailure>>> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let schema = portals::load_schema(&tx, portal, object).await?;
        let outcomes = records::write(&tx, portal, &schema, &ops, now).await?;
        // An atomic batch with any failure is rolled back whole.
        if atomic && outcomes.iter().any(Result::is_err) {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(outcomes)
    }

    async fn read_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        projection: Vec<String>,
        visibility: Visibility,
    ) -> StoreResult<Vec<Option<Record>>> {
        in_tx!(self, tx => {
            let schema = portals::load_schema(&tx, portal, object).await?;
            records::read(&tx, portal, &schema, &keys, &projection, visibility).await?
        })
    }

    async fn list_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        after: i64,
        limit: usize,
        projection: Vec<String>,
        visibility: Visibility,
    ) -> StoreResult<Vec<Record>> {
        in_tx!(self, tx => {
            let schema = portals::load_schema(&tx, portal, object).await?;
            records::list(&tx, portal, &schema, after, limit, &projection, visibility).await?
        })
    }

    async fn search_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        offset: usize,
        limit: usize,
        projection: Vec<String>,
    ) -> StoreResult<(u64, Vec<Record>)> {
        in_tx!(self, tx => {
            let schema = portals::load_schema(&tx, portal, object).await?;
            search::search(&tx, portal, &schema, &predicate, offset, limit, &projection).await?
        })
    }

    async fn archive_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        now: i64,
    ) -> StoreResult<usize> {
        in_tx!(self, tx => {
            let schema = portals::load_schema(&tx, portal, object).await?;
            records::archive(&tx, portal, &schema, &keys, now).await?
        })
    }

    async fn create_export(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
    ) -> StoreResult<ExportRow> {
        in_tx!(self, tx => exports::create(&tx, portal, request, now).await?)
    }

    async fn create_export_within_quota(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
        quota: ExportQuota,
    ) -> StoreResult<Option<ExportRow>> {
        in_tx!(self, tx => exports::create_within_quota(&tx, portal, request, now, quota).await?)
    }

    async fn get_export(&self, portal: PortalId, id: i64) -> StoreResult<Option<Arc<ExportRow>>> {
        in_tx!(self, tx => exports::get(&tx, portal, id).await?.map(Arc::new))
    }

    async fn get_export_by_id(&self, id: i64) -> StoreResult<Option<ExportRow>> {
        in_tx!(self, tx => exports::get_by_id(&tx, id).await?)
    }

    async fn list_exports(
        &self,
        portal: PortalId,
        page: ExportLogPage,
    ) -> StoreResult<Vec<ExportRow>> {
        in_tx!(self, tx => exports::list(&tx, portal, &page).await?)
    }

    async fn count_exports_since(&self, portal: PortalId, since: i64) -> StoreResult<u64> {
        in_tx!(self, tx => exports::count_since(&tx, portal, since).await?)
    }

    async fn claim_export(
        &self,
        worker_id: &str,
        now: i64,
        lease_ms: i64,
        max_attempts: i64,
    ) -> StoreResult<Option<ExportRow>> {
        in_tx!(self, tx => exports::claim(&tx, worker_id, now, lease_ms, max_attempts).await?)
    }

    async fn renew_export_lease(
        &self,
        id: i64,
        attempt: i64,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<bool> {
        in_tx!(self, tx => exports::renew(&tx, id, attempt, now, lease_ms).await?)
    }

    async fn report_export_progress(&self, id: i64, attempt: i64, rows: i64) -> StoreResult<()> {
        in_tx!(self, tx => exports::progress(&tx, id, attempt, rows).await?)
    }

    async fn finish_export(
        &self,
        id: i64,
        attempt: i64,
        outcome: ExportOutcome,
        now: i64,
    ) -> StoreResult<bool> {
        in_tx!(self, tx => exports::finish(&tx, id, attempt, outcome, now).await?)
    }

    async fn cancel_export(
        &self,
        portal: PortalId,
        id: i64,
        now: i64,
    ) -> StoreResult<Option<ExportRow>> {
        in_tx!(self, tx => exports::cancel(&tx, portal, id, now).await?)
    }

    async fn delete_exports_before(&self, before: i64) -> StoreResult<Vec<ExportRow>> {
        in_tx!(self, tx => exports::delete_before(&tx, before).await?)
    }

    async fn stream_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: RecordSink,
    ) -> StoreResult<u64> {
        let mut client = self.pool.get().await?;
        // One snapshot for the whole export, however long it runs.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let schema = portals::load_schema(&tx, portal, object).await?;
        let sent = search::stream(&tx, portal, &schema, &predicate, &projection, sink).await?;
        tx.commit().await?;
        Ok(sent)
    }

    async fn stream_batches(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: BatchSink,
    ) -> StoreResult<u64> {
        let read = batches::Read {
            portal,
            object,
            predicate,
            projection,
        };
        let config = self.config.clone();
        let abandoned = batches::AbandonOnDrop(Arc::new(AtomicBool::new(false)));
        let flag = abandoned.0.clone();
        tokio::task::spawn_blocking(move || batches::stream_blocking(&config, &read, &sink, &flag))
            .await
            .map_err(|e| StoreError::Internal(format!("the export's reader failed: {e}")))?
    }

    async fn create_owner(
        &self,
        portal: PortalId,
        email: &str,
        first_name: &str,
        last_name: &str,
        now: i64,
    ) -> StoreResult<Owner> {
        in_tx!(self, tx => owners::create(&tx, portal, email, first_name, last_name, now).await?)
    }

    async fn list_owners(&self, portal: PortalId) -> StoreResult<Vec<Owner>> {
        in_tx!(self, tx => owners::list(&tx, portal).await?)
    }

    async fn get_owner(&self, portal: PortalId, id: i64) -> StoreResult<Option<Owner>> {
        in_tx!(self, tx => owners::get(&tx, portal, id).await?)
    }

    async fn associate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        edges: Vec<Edge>,
        now: i64,
    ) -> StoreResult<Vec<Result<(), Vec<i64>>>> {
        in_tx!(self, tx => associations::associate(&tx, portal, from, to, &edges, now).await?)
    }

    async fn read_associations(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        from_ids: Vec<i64>,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        in_tx!(self, tx => associations::read(&tx, portal, from, to, &from_ids).await?)
    }

    async fn dissociate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        pairs: Vec<(i64, i64)>,
        types: Option<Vec<(i64, i64)>>,
    ) -> StoreResult<usize> {
        in_tx!(self, tx => {
            associations::dissociate(&tx, portal, from, to, &pairs, types.as_deref()).await?
        })
    }

    async fn create_list(
        &self,
        portal: PortalId,
        draft: ListDraft,
        now: i64,
    ) -> StoreResult<ListRow> {
        in_tx!(self, tx => lists::create(&tx, portal, &draft, now).await?)
    }

    async fn get_list(&self, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>> {
        in_tx!(self, tx => lists::get(&tx, portal, id).await?)
    }

    async fn portal_lists(&self, portal: PortalId) -> StoreResult<Vec<ListRow>> {
        in_tx!(self, tx => lists::all(&tx, portal).await?)
    }

    async fn find_list(
        &self,
        portal: PortalId,
        object: ObjectType,
        name: &str,
    ) -> StoreResult<Option<ListRow>> {
        in_tx!(self, tx => lists::find(&tx, portal, object, name).await?)
    }

    async fn delete_list(&self, portal: PortalId, id: i64) -> StoreResult<bool> {
        in_tx!(self, tx => lists::delete(&tx, portal, id).await?)
    }

    async fn update_list_filters(
        &self,
        portal: PortalId,
        id: i64,
        branch: serde_json::Value,
        groups: Vec<RawFilterGroup>,
        now: i64,
    ) -> StoreResult<Option<ListRow>> {
        in_tx!(self, tx => lists::update_filters(&tx, portal, id, &branch, &groups, now).await?)
    }

    async fn change_list_members(
        &self,
        list: ListRow,
        add: Vec<i64>,
        remove: Vec<i64>,
        now: i64,
    ) -> StoreResult<MembershipChange> {
        in_tx!(self, tx => lists::change(&tx, &list, &add, &remove, now).await?)
    }

    async fn list_members(
        &self,
        list: ListRow,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<(i64, i64)>> {
        in_tx!(self, tx => lists::members(&tx, &list, after, limit).await?)
    }

    async fn count_list_members(&self, list: ListRow) -> StoreResult<u64> {
        in_tx!(self, tx => lists::count(&tx, &list).await?)
    }
}
