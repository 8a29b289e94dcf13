//! The SQLite store (rusqlite, bundled SQLite): one writer connection behind a mutex using
//! `BEGIN IMMEDIATE`, a small pool of reader connections in WAL mode, and every call run on
//! a blocking thread so the async runtime never waits on disk. SQLite specifics stay here.

mod associations;
mod cache;
mod columns;
mod custom_objects;
mod exports;
mod lists;
mod migrations;
mod owners;
mod portals;
mod records;
mod search;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use self::cache::TtlCache;

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
use crate::domain::search::{Predicate, contains_token};
use crate::domain::{ObjectType, Record};

const MAX_IDLE_READERS: usize = 8;

/// Parsed schemas by portal and object type; dropped when a property or group is added.
type SchemaCache = HashMap<(PortalId, ObjectType), Arc<ObjectSchema>>;

pub struct SqliteStore {
    path: std::path::PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    schemas: Arc<Mutex<SchemaCache>>,
    /// Live tokens by hash: every authenticated request looks one up.
    tokens: TtlCache<String, Arc<TokenInfo>>,
    /// Finished exports by id: clients poll their status, and a finished row only changes
    /// when retention deletes it.
    finished_exports: TtlCache<i64, Arc<ExportRow>>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Internal(e.to_string())
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // The one writer keeps 64 MiB of pages: bulk writes (batch create, seeding) insert
        // into unique and association indexes at random, and a cache that holds those
        // indexes' upper levels and hot leaves keeps each insert from re-reading pages.
        writer.pragma_update(None, "cache_size", -65536)?;
        // Checkpoint every 32 MiB of WAL rather than 4 MiB: a page rewritten by many
        // transactions in between is copied back (and synced) once.
        writer.pragma_update(None, "wal_autocheckpoint", 8192)?;
        migrations::apply(&mut writer)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            schemas: Arc::new(Mutex::new(HashMap::new())),
            tokens: TtlCache::new(),
            finished_exports: TtlCache::new(),
        })
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction on the writer connection.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let writer = self.writer.clone();
        blocking(move || {
            let mut conn = writer.lock().map_err(|_| poisoned())?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` on a pooled read-only connection.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        let path = self.path.clone();
        blocking(move || {
            let pooled = readers.lock().map_err(|_| poisoned())?.pop();
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    configure(&c)?;
                    c
                }
            };
            let result = f(&conn);
            let mut idle = readers.lock().map_err(|_| poisoned())?;
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
            result
        })
        .await
    }

    async fn schema(&self, portal: PortalId, object: ObjectType) -> StoreResult<Arc<ObjectSchema>> {
        if let Some(s) = self
            .schemas
            .lock()
            .map_err(|_| poisoned())?
            .get(&(portal, object))
        {
            return Ok(s.clone());
        }
        let schema = Arc::new(
            self.read(move |c| portals::load_schema(c, portal, object))
                .await?,
        );
        self.schemas
            .lock()
            .map_err(|_| poisoned())?
            .insert((portal, object), schema.clone());
        Ok(schema)
    }

    fn forget_schema(&self, portal: PortalId, object: ObjectType) {
        if let Ok(mut cache) = self.schemas.lock() {
            cache.remove(&(portal, object));
        }
    }

    fn forget_portal_schemas(&self, portal: PortalId) {
        if let Ok(mut cache) = self.schemas.lock() {
            cache.retain(|(p, _), _| *p != portal);
        }
    }
}

/// A connection of an export's own: the export holds its read snapshot for as long as it
/// runs, which must not starve the pooled readers serving the API.
fn export_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    Ok(conn)
}

fn poisoned() -> StoreError {
    StoreError::Internal("a database connection lock was poisoned".into())
}

async fn blocking<T, F>(f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> StoreResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Internal(format!("database task failed: {e}")))?
}

/// Per-connection settings, and the token-matching function search uses.
fn configure(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 16 MiB of page cache per connection: API reads touch few pages, and an export's
    // sequential scan gains nothing from a bigger cache but would hold the memory.
    conn.pragma_update(None, "cache_size", -16384)?;
    conn.create_scalar_function(
        "hs_contains_token",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let pattern: String = ctx.get(1)?;
            let matched = match ctx.get_raw(0) {
                ValueRef::Null => false,
                ValueRef::Text(t) => contains_token(&String::from_utf8_lossy(t), &pattern),
                ValueRef::Integer(n) => contains_token(&n.to_string(), &pattern),
                ValueRef::Real(x) => contains_token(&x.to_string(), &pattern),
                ValueRef::Blob(_) => false,
            };
            Ok(matched)
        },
    )?;
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_portal(&self, now: i64) -> StoreResult<PortalId> {
        self.write(move |tx| portals::create_portal(tx, None, now))
            .await
    }

    async fn ensure_portal(&self, portal: PortalId, now: i64) -> StoreResult<bool> {
        self.write(move |tx| {
            if portals::portal_exists(tx, portal)? {
                return Ok(false);
            }
            portals::create_portal(tx, Some(portal), now)?;
            Ok(true)
        })
        .await
    }

    async fn list_portals(&self) -> StoreResult<Vec<PortalId>> {
        self.read(portals::list_portals).await
    }

    async fn create_token(
        &self,
        portal: PortalId,
        name: &str,
        scopes: &[String],
        token_hash: &str,
        now: i64,
    ) -> StoreResult<TokenInfo> {
        let (name, scopes, hash) = (name.to_string(), scopes.to_vec(), token_hash.to_string());
        self.write(move |tx| portals::create_token(tx, portal, &name, &scopes, &hash, now))
            .await
    }

    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenInfo>>> {
        let now = Instant::now();
        if let Some(info) = self.tokens.get(token_hash, now) {
            return Ok(Some(info));
        }
        let hash = token_hash.to_string();
        let start = self.tokens.read_start(now);
        let key = hash.clone();
        let found = self
            .read(move |c| portals::token_by_hash(c, &key))
            .await?
            .map(Arc::new);
        // Unknown tokens are not remembered: a token created a moment later must work.
        if let Some(info) = &found {
            self.tokens.put(hash, info.clone(), start);
        }
        Ok(found)
    }

    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        self.read(portals::list_tokens).await
    }

    async fn revoke_token(&self, id: i64, now: i64) -> StoreResult<bool> {
        let revoked = self
            .write(move |tx| portals::revoke_token(tx, id, now))
            .await;
        self.tokens.remove_where(|_, info| info.id == id);
        revoked
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
        let created = self
            .write(move |tx| portals::create_property(tx, portal, object, definition))
            .await;
        self.forget_schema(portal, object);
        created
    }

    async fn create_property_group(
        &self,
        portal: PortalId,
        object: ObjectType,
        group: PropertyGroup,
    ) -> StoreResult<PropertyGroup> {
        let created = self
            .write(move |tx| portals::create_property_group(tx, portal, object, group))
            .await;
        self.forget_schema(portal, object);
        created
    }

    async fn create_custom_object(
        &self,
        portal: PortalId,
        new: NewCustomObject,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>> {
        let created = self
            .write(move |tx| custom_objects::create(tx, portal, &new, now))
            .await?;
        // The objects it is associated with now have one more association type.
        self.forget_portal_schemas(portal);
        Ok(Arc::new(created))
    }

    async fn custom_objects(&self, portal: PortalId) -> StoreResult<Vec<Arc<CustomObject>>> {
        let found = self.read(move |c| custom_objects::list(c, portal)).await?;
        Ok(found.into_iter().map(Arc::new).collect())
    }

    async fn update_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        settings: CustomObjectSettings,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>> {
        let updated = self
            .write(move |tx| custom_objects::update(tx, portal, object, &settings, now))
            .await;
        self.forget_schema(portal, object);
        Ok(Arc::new(updated?))
    }

    async fn archive_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        now: i64,
    ) -> StoreResult<()> {
        let archived = self
            .write(move |tx| custom_objects::archive(tx, portal, object, now))
            .await;
        self.forget_schema(portal, object);
        archived
    }

    async fn define_association(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        name: String,
        now: i64,
    ) -> StoreResult<AssociationDefinition> {
        let defined = self
            .write(move |tx| custom_objects::define_association(tx, portal, from, to, &name, now))
            .await;
        self.forget_portal_schemas(portal);
        defined
    }

    async fn remove_association_definition(
        &self,
        portal: PortalId,
        object: ObjectType,
        type_id: i64,
    ) -> StoreResult<bool> {
        let removed = self
            .write(move |tx| custom_objects::remove_association(tx, portal, object, type_id))
            .await;
        self.forget_portal_schemas(portal);
        removed
    }

    async fn association_definitions(
        &self,
        portal: PortalId,
    ) -> StoreResult<Vec<AssociationDefinition>> {
        self.read(move |c| custom_objects::definitions_of(c, portal, None))
            .await
    }

    async fn write_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        ops: Arc<[WriteOp]>,
        atomic: bool,
        now: i64,
    ) -> StoreResult<Vec<Result<Written, WriteFailure>>> {
        let schema = self.schema(portal, object).await?;
        let writer = self.writer.clone();
        blocking(move || {
            let mut conn = writer.lock().map_err(|_| poisoned())?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let outcomes = records::write(&tx, portal, &schema, &ops, now)?;
            // An atomic batch with any failure is dropped, rolling back every op.
            if !(atomic && outcomes.iter().any(Result::is_err)) {
                tx.commit()?;
            }
            Ok(outcomes)
        })
        .await
    }

    async fn read_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        projection: Vec<String>,
        visibility: Visibility,
    ) -> StoreResult<Vec<Option<Record>>> {
        let schema = self.schema(portal, object).await?;
        self.read(move |c| records::read(c, portal, &schema, &keys, &projection, visibility))
            .await
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
        let schema = self.schema(portal, object).await?;
        self.read(move |c| records::list(c, portal, &schema, after, limit, &projection, visibility))
            .await
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
        let schema = self.schema(portal, object).await?;
        self.read(move |c| {
            search::search(c, portal, &schema, &predicate, offset, limit, &projection)
        })
        .await
    }

    async fn archive_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        now: i64,
    ) -> StoreResult<usize> {
        let schema = self.schema(portal, object).await?;
        self.write(move |tx| records::archive(tx, portal, &schema, &keys, now))
            .await
    }

    // Exports.
    async fn create_export(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
    ) -> StoreResult<ExportRow> {
        let request = request.clone();
        self.write(move |tx| exports::create(tx, portal, &request, now))
            .await
    }

    async fn create_export_within_quota(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
        quota: ExportQuota,
    ) -> StoreResult<Option<ExportRow>> {
        let request = request.clone();
        // The write transaction is IMMEDIATE: no other writer runs between count and insert.
        self.write(move |tx| {
            if exports::count_since(tx, portal, quota.since)? >= quota.max {
                return Ok(None);
            }
            exports::create(tx, portal, &request, now).map(Some)
        })
        .await
    }

    async fn get_export(&self, portal: PortalId, id: i64) -> StoreResult<Option<Arc<ExportRow>>> {
        let now = Instant::now();
        if let Some(row) = self
            .finished_exports
            .get(&id, now)
            .filter(|row| row.portal == portal)
        {
            return Ok(Some(row));
        }
        let start = self.finished_exports.read_start(now);
        let found = self
            .read(move |c| exports::get(c, portal, id))
            .await?
            .map(Arc::new);
        if let Some(row) = found.as_ref().filter(|row| row.state.is_terminal()) {
            self.finished_exports.put(id, row.clone(), start);
        }
        Ok(found)
    }

    async fn get_export_by_id(&self, id: i64) -> StoreResult<Option<ExportRow>> {
        self.read(move |c| exports::get_by_id(c, id)).await
    }

    async fn list_exports(
        &self,
        portal: PortalId,
        page: ExportLogPage,
    ) -> StoreResult<Vec<ExportRow>> {
        self.read(move |c| exports::list(c, portal, &page)).await
    }

    async fn count_exports_since(&self, portal: PortalId, since: i64) -> StoreResult<u64> {
        self.read(move |c| exports::count_since(c, portal, since))
            .await
    }

    async fn claim_export(
        &self,
        worker_id: &str,
        now: i64,
        lease_ms: i64,
        max_attempts: i64,
    ) -> StoreResult<Option<ExportRow>> {
        let worker_id = worker_id.to_string();
        self.write(move |tx| exports::claim(tx, &worker_id, now, lease_ms, max_attempts))
            .await
    }

    async fn renew_export_lease(
        &self,
        id: i64,
        attempt: i64,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<bool> {
        self.write(move |tx| exports::renew(tx, id, attempt, now, lease_ms))
            .await
    }

    async fn report_export_progress(&self, id: i64, attempt: i64, rows: i64) -> StoreResult<()> {
        self.write(move |tx| exports::progress(tx, id, attempt, rows))
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
            .write(move |tx| exports::finish(tx, id, attempt, outcome, now))
            .await;
        self.finished_exports.remove_where(|&k, _| k == id);
        finished
    }

    async fn cancel_export(
        &self,
        portal: PortalId,
        id: i64,
        now: i64,
    ) -> StoreResult<Option<ExportRow>> {
        let canceled = self
            .write(move |tx| exports::cancel(tx, portal, id, now))
            .await;
        self.finished_exports.remove_where(|&k, _| k == id);
        canceled
    }

    async fn delete_exports_before(&self, before: i64) -> StoreResult<Vec<ExportRow>> {
        let deleted = self
            .write(move |tx| exports::delete_before(tx, before))
            .await;
        self.finished_exports.remove_where(|_, _| true);
        deleted
    }

    async fn stream_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: RecordSink,
    ) -> StoreResult<u64> {
        let schema = self.schema(portal, object).await?;
        let path = self.path.clone();
        blocking(move || {
            let conn = export_connection(&path)?;
            search::stream(&conn, portal, &schema, &predicate, &projection, &sink)
        })
        .await
    }

    async fn stream_batches(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: BatchSink,
    ) -> StoreResult<u64> {
        let schema = self.schema(portal, object).await?;
        let path = self.path.clone();
        blocking(move || {
            let conn = export_connection(&path)?;
            search::stream_batches(&conn, portal, &schema, &predicate, &projection, &sink)
        })
        .await
    }

    // Owners.
    async fn create_owner(
        &self,
        portal: PortalId,
        email: &str,
        first_name: &str,
        last_name: &str,
        now: i64,
    ) -> StoreResult<Owner> {
        let (email, first, last) = (
            email.to_string(),
            first_name.to_string(),
            last_name.to_string(),
        );
        self.write(move |tx| owners::create(tx, portal, &email, &first, &last, now))
            .await
    }

    async fn list_owners(&self, portal: PortalId) -> StoreResult<Vec<Owner>> {
        self.read(move |c| owners::list(c, portal)).await
    }

    async fn get_owner(&self, portal: PortalId, id: i64) -> StoreResult<Option<Owner>> {
        self.read(move |c| owners::get(c, portal, id)).await
    }

    // Associations.
    async fn associate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        edges: Vec<Edge>,
        now: i64,
    ) -> StoreResult<Vec<Result<(), Vec<i64>>>> {
        self.write(move |tx| associations::associate(tx, portal, from, to, &edges, now))
            .await
    }

    async fn read_associations(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        from_ids: Vec<i64>,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        self.read(move |c| associations::read(c, portal, from, to, &from_ids))
            .await
    }

    async fn dissociate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        pairs: Vec<(i64, i64)>,
        types: Option<Vec<(i64, i64)>>,
    ) -> StoreResult<usize> {
        self.write(move |tx| {
            associations::dissociate(tx, portal, from, to, &pairs, types.as_deref())
        })
        .await
    }

    // Lists.
    async fn create_list(
        &self,
        portal: PortalId,
        draft: ListDraft,
        now: i64,
    ) -> StoreResult<ListRow> {
        self.write(move |tx| lists::create(tx, portal, &draft, now))
            .await
    }

    async fn get_list(&self, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>> {
        self.read(move |c| lists::get(c, portal, id)).await
    }

    async fn portal_lists(&self, portal: PortalId) -> StoreResult<Vec<ListRow>> {
        self.read(move |c| lists::all(c, portal)).await
    }

    async fn find_list(
        &self,
        portal: PortalId,
        object: ObjectType,
        name: &str,
    ) -> StoreResult<Option<ListRow>> {
        let name = name.to_string();
        self.read(move |c| lists::find(c, portal, object, &name))
            .await
    }

    async fn delete_list(&self, portal: PortalId, id: i64) -> StoreResult<bool> {
        self.write(move |tx| lists::delete(tx, portal, id)).await
    }

    async fn update_list_filters(
        &self,
        portal: PortalId,
        id: i64,
        branch: serde_json::Value,
        groups: Vec<crate::domain::search::RawFilterGroup>,
        now: i64,
    ) -> StoreResult<Option<ListRow>> {
        self.write(move |tx| lists::update_filters(tx, portal, id, &branch, &groups, now))
            .await
    }

    async fn change_list_members(
        &self,
        list: ListRow,
        add: Vec<i64>,
        remove: Vec<i64>,
        now: i64,
    ) -> StoreResult<MembershipChange> {
        self.write(move |tx| lists::change(tx, &list, &add, &remove, now))
            .await
    }

    async fn list_members(
        &self,
        list: ListRow,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<(i64, i64)>> {
        self.read(move |c| lists::members(c, &list, after, limit))
            .await
    }

    async fn count_list_members(&self, list: ListRow) -> StoreResult<u64> {
        self.read(move |c| lists::count(c, &list)).await
    }
}
