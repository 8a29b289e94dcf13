//! Persistence behind one trait, [`Store`], named in domain terms: portals and tokens,
//! property schemas and custom object schemas, records (write, read, list, search,
//! archive), associations, lists, owners and the export queue. The SQLite
//! implementation lives in `sqlite/`, the PostgreSQL one in `postgres/`. This module
//! imports only `domain`; wire types never reach it.

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::association::AssociationCatalog;
use crate::domain::batch::RecordBatch;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
};
use crate::domain::export::{ExportRequest, ExportState};
use crate::domain::owner::Owner;
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::schema::ObjectSchema;
use crate::domain::search::Predicate;
use crate::domain::{ObjectType, Record, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortalId(pub i64);

/// The live records of `object` that filter groups select now, as a SNAPSHOT list takes
/// them on creation; `Ok(Err(problems))` when the filters do not fit the schema.
pub async fn snapshot_members(
    store: &dyn Store,
    portal: PortalId,
    object: ObjectType,
    groups: &[crate::domain::search::RawFilterGroup],
) -> StoreResult<Result<Vec<i64>, Vec<String>>> {
    let schema = store.object_schema(portal, object).await?;
    let unlimited = crate::domain::search::SearchLimits::unlimited();
    let predicate = match crate::domain::search::parse_predicate(
        groups,
        &[],
        None,
        schema.as_ref(),
        &unlimited,
    ) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    let (_, matched) = store
        .search_records(portal, object, predicate, 0, usize::MAX >> 1, vec![])
        .await?;
    Ok(Ok(matched.iter().map(|r| r.id).collect()))
}

/// The association types `portal` knows: HubSpot's and its custom objects' definitions.
pub async fn association_catalog(
    store: &dyn Store,
    portal: PortalId,
) -> StoreResult<AssociationCatalog> {
    Ok(AssociationCatalog::new(
        store.association_definitions(portal).await?,
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("store failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Debug, PartialEq)]
pub struct TokenInfo {
    pub id: i64,
    pub portal: PortalId,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// How a write or read names its record: by id, or by the value of a unique property.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordKey {
    Id(i64),
    Unique { property: String, value: String },
}

impl RecordKey {
    /// The key as the client wrote it, for error messages.
    pub fn display(&self) -> String {
        match self {
            RecordKey::Id(id) => id.to_string(),
            RecordKey::Unique { value, .. } => value.clone(),
        }
    }
}

/// Property values to set; `None` clears a property.
pub type PropertyValues = Vec<(String, Option<Value>)>;

/// Whether `value`, once written, reads back from every store exactly as written, so a
/// writer may answer with the values it wrote instead of reading the record back. Text,
/// booleans, timestamps, fractional reals and integers up to 2^53 do. Whole reals do not
/// (SQLite's NUMERIC columns keep them as integers, which print differently past 2^53),
/// nor do larger integers (PostgreSQL keeps numbers as doubles, rounding them).
pub fn reads_back_unchanged(value: &Value) -> bool {
    match value {
        Value::Integer(n) => n.unsigned_abs() <= 1 << 53,
        Value::Real(x) => x.fract() != 0.0,
        Value::Text(_) | Value::Bool(_) | Value::Timestamp(_) => true,
    }
}

#[derive(Clone, Debug)]
pub enum WriteOp {
    /// A new record, and associations to make with it in the same transaction.
    Create(PropertyValues, Vec<NewEdge>),
    Update(RecordKey, PropertyValues),
    /// Update the record with this unique value, or create it with the value set.
    Upsert(RecordKey, PropertyValues),
}

/// An association made together with a new record (the new record is the from side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewEdge {
    pub to: ObjectType,
    pub to_id: i64,
    pub type_id: i64,
    pub inverse_id: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WriteFailure {
    /// An inline association names a record that is not live in the portal.
    MissingAssociationTarget(i64),
    NotFound(RecordKey),
    /// A unique property already holds this value on another record.
    Duplicate {
        property: String,
        value: String,
        existing_id: i64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Written {
    pub id: i64,
    pub created: bool,
}

/// Which records a read sees: live ones (the default) or archived ones only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Live,
    Archived,
}

impl Visibility {
    pub fn from_archived_flag(archived: bool) -> Self {
        if archived { Self::Archived } else { Self::Live }
    }
}

/// An export and its job state.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRow {
    pub id: i64,
    pub portal: PortalId,
    pub request: ExportRequest,
    pub state: ExportState,
    /// Claims so far; the current lease is fenced on it.
    pub attempt: i64,
    pub record_count: Option<i64>,
    pub file_key: Option<String>,
    pub file_size: Option<i64>,
    pub last_error: Option<String>,
    pub requested_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

/// The rolling daily export quota a new export is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportQuota {
    /// The start of the window: exports requested at or after it count.
    pub since: i64,
    /// How many exports the window may hold.
    pub max: u64,
}

/// One page of a portal's export log: newest first, the exports created before the export
/// `before` (from the newest when `None`), only those in `states` (any state when empty) and
/// of `object` (any type when `None`), at most `limit` of them.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportLogPage {
    pub before: Option<i64>,
    pub states: Vec<ExportState>,
    pub object: Option<ObjectType>,
    pub limit: usize,
}

/// How a worker's attempt at an export ended.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportOutcome {
    Done {
        record_count: i64,
        file_key: String,
        file_size: i64,
    },
    /// Try again at `run_at` (a retryable failure).
    Retry {
        error: String,
        run_at: i64,
    },
    Failed {
        error: String,
    },
}

/// One directional edge to create, with the inverse type stored on the reverse row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from_id: i64,
    pub to_id: i64,
    pub type_id: i64,
    pub inverse_id: i64,
}

/// A list as stored. `filter_groups` is the search predicate of a DYNAMIC (or SNAPSHOT) list.
#[derive(Clone, Debug, PartialEq)]
pub struct ListRow {
    pub id: i64,
    pub portal: PortalId,
    pub name: String,
    pub object: ObjectType,
    pub processing_type: String,
    pub filter_branch: Option<serde_json::Value>,
    pub filter_groups: Vec<crate::domain::search::RawFilterGroup>,
    pub list_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A list to create, with the members it starts with (a SNAPSHOT's evaluated filters).
#[derive(Clone, Debug)]
pub struct ListDraft {
    pub name: String,
    pub object: ObjectType,
    pub processing_type: String,
    pub filter_branch: Option<serde_json::Value>,
    pub filter_groups: Vec<crate::domain::search::RawFilterGroup>,
    pub initial_members: Vec<i64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MembershipChange {
    pub added: Vec<i64>,
    pub removed: Vec<i64>,
    pub missing: Vec<i64>,
}

/// Receives records streamed by [`Store::stream_records`], a batch at a time.
pub type RecordSink = std::sync::mpsc::SyncSender<Vec<Record>>;

/// Receives records streamed by [`Store::stream_batches`], a batch at a time.
pub type BatchSink = std::sync::mpsc::SyncSender<RecordBatch>;

#[async_trait]
pub trait Store: Send + Sync {
    /// Wakes `wake` whenever any process creates an export, where the database can tell
    /// (PostgreSQL's LISTEN/NOTIFY). Returns at once; workers poll as well, so a store
    /// that cannot tell (SQLite, one process, where the API wakes them itself) does nothing.
    fn forward_export_wakeups(&self, _wake: Arc<tokio::sync::Notify>) {}

    // Portals and tokens.
    async fn create_portal(&self, now: i64) -> StoreResult<PortalId>;
    async fn ensure_portal(&self, portal: PortalId, now: i64) -> StoreResult<bool>;
    async fn list_portals(&self) -> StoreResult<Vec<PortalId>>;
    async fn create_token(
        &self,
        portal: PortalId,
        name: &str,
        scopes: &[String],
        token_hash: &str,
        now: i64,
    ) -> StoreResult<TokenInfo>;
    /// Shared rather than copied: every authenticated request looks its token up, and a
    /// store may answer from a cache.
    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenInfo>>>;
    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>>;
    async fn revoke_token(&self, id: i64, now: i64) -> StoreResult<bool>;

    // Schemas.
    async fn object_schema(
        &self,
        portal: PortalId,
        object: ObjectType,
    ) -> StoreResult<Arc<ObjectSchema>>;
    async fn create_property(
        &self,
        portal: PortalId,
        object: ObjectType,
        definition: PropertyDefinition,
    ) -> StoreResult<PropertyDefinition>;
    async fn create_property_group(
        &self,
        portal: PortalId,
        object: ObjectType,
        group: PropertyGroup,
    ) -> StoreResult<PropertyGroup>;

    // Custom object schemas.
    /// Creates a custom object with its properties, record table and association types;
    /// `Conflict` when the portal already has one of that name (archived ones included).
    async fn create_custom_object(
        &self,
        portal: PortalId,
        new: NewCustomObject,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>>;
    /// The portal's custom objects, archived ones too, oldest first.
    async fn custom_objects(&self, portal: PortalId) -> StoreResult<Vec<Arc<CustomObject>>>;
    /// Replaces a live custom object's settings; `NotFound` for unknown or archived ones.
    async fn update_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        settings: CustomObjectSettings,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>>;
    /// Archives a live custom object; `Conflict` while it still has live records.
    async fn archive_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        now: i64,
    ) -> StoreResult<()>;
    /// Defines an association type from the custom object `from` to `to`.
    async fn define_association(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        name: String,
        now: i64,
    ) -> StoreResult<AssociationDefinition>;
    /// Removes one of `object`'s association definitions and its edges; false if unknown.
    async fn remove_association_definition(
        &self,
        portal: PortalId,
        object: ObjectType,
        type_id: i64,
    ) -> StoreResult<bool>;
    /// Every association definition of the portal (see [`association_catalog`]).
    async fn association_definitions(
        &self,
        portal: PortalId,
    ) -> StoreResult<Vec<AssociationDefinition>>;

    // Records.
    /// Applies `ops` in one transaction. With `atomic`, any failure rolls every op back.
    /// The ops are shared, not handed over: a caller answering with what it wrote keeps them.
    async fn write_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        ops: Arc<[WriteOp]>,
        atomic: bool,
        now: i64,
    ) -> StoreResult<Vec<Result<Written, WriteFailure>>>;
    /// Reads records by key, in key order; `None` where no record matches.
    async fn read_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        projection: Vec<String>,
        visibility: Visibility,
    ) -> StoreResult<Vec<Option<Record>>>;
    /// A page of records in id order, after the id `after`.
    async fn list_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        after: i64,
        limit: usize,
        projection: Vec<String>,
        visibility: Visibility,
    ) -> StoreResult<Vec<Record>>;
    /// The total number of live matches, and the page at `offset`.
    async fn search_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        offset: usize,
        limit: usize,
        projection: Vec<String>,
    ) -> StoreResult<(u64, Vec<Record>)>;
    /// Archives the live records among `keys`; missing ones are ignored. Returns how many.
    async fn archive_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        now: i64,
    ) -> StoreResult<usize>;

    // Exports.
    async fn create_export(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
    ) -> StoreResult<ExportRow>;
    /// Creates the export unless `portal` has already requested `quota.max` exports since
    /// `quota.since` (then `None`): the count and the insert are one step, so simultaneous
    /// starts cannot all see room under the quota.
    async fn create_export_within_quota(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
        quota: ExportQuota,
    ) -> StoreResult<Option<ExportRow>>;
    /// An export of `portal`; `None` for unknown ids and other portals' exports. Shared
    /// rather than copied: clients poll it, and a store may answer from a cache.
    async fn get_export(&self, portal: PortalId, id: i64) -> StoreResult<Option<Arc<ExportRow>>>;
    /// An export by id alone, for signed download links (the signature names the export).
    async fn get_export_by_id(&self, id: i64) -> StoreResult<Option<ExportRow>>;
    /// A page of `portal`'s exports, newest (highest id) first, for the export log.
    async fn list_exports(
        &self,
        portal: PortalId,
        page: ExportLogPage,
    ) -> StoreResult<Vec<ExportRow>>;
    /// Exports `portal` requested at or after `since`, for the rolling quota.
    async fn count_exports_since(&self, portal: PortalId, since: i64) -> StoreResult<u64>;
    /// Claims the oldest due export of a portal with none running (or one whose lease
    /// expired), taking a lease until `now + lease_ms`. Exports whose lease expired after
    /// `max_attempts` claims are failed instead.
    async fn claim_export(
        &self,
        worker_id: &str,
        now: i64,
        lease_ms: i64,
        max_attempts: i64,
    ) -> StoreResult<Option<ExportRow>>;
    /// Extends a lease; `false` when the lease was lost (reclaimed, or the export canceled).
    async fn renew_export_lease(
        &self,
        id: i64,
        attempt: i64,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<bool>;
    /// Records the rows the running attempt has written so far (shown as `recordCount`);
    /// ignored unless that attempt still holds the export.
    async fn report_export_progress(&self, id: i64, attempt: i64, rows: i64) -> StoreResult<()>;
    /// Records the outcome of an attempt; `false` (and nothing written) if the lease was lost.
    async fn finish_export(
        &self,
        id: i64,
        attempt: i64,
        outcome: ExportOutcome,
        now: i64,
    ) -> StoreResult<bool>;
    /// Cancels an export that is queued or running; returns it as it now stands.
    async fn cancel_export(
        &self,
        portal: PortalId,
        id: i64,
        now: i64,
    ) -> StoreResult<Option<ExportRow>>;
    /// Exports whose files are older than `before`, to be deleted with their rows.
    async fn delete_exports_before(&self, before: i64) -> StoreResult<Vec<ExportRow>>;
    /// Streams every live record matching `predicate`, in its sort order (id order
    /// without sorts), in batches, with no result cap. Stops early if the sink hangs up.
    /// Returns the number of records sent.
    async fn stream_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: RecordSink,
    ) -> StoreResult<u64>;
    /// What [`Store::stream_records`] streams, as compact batches holding the projected
    /// values in projection order (what exports read), filled straight from the store's rows.
    async fn stream_batches(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: BatchSink,
    ) -> StoreResult<u64>;

    // Owners.
    async fn create_owner(
        &self,
        portal: PortalId,
        email: &str,
        first_name: &str,
        last_name: &str,
        now: i64,
    ) -> StoreResult<Owner>;
    /// Every owner of the portal, archived ones included, in id order.
    async fn list_owners(&self, portal: PortalId) -> StoreResult<Vec<Owner>>;
    async fn get_owner(&self, portal: PortalId, id: i64) -> StoreResult<Option<Owner>>;

    // Associations.
    /// Creates the edges whose two records are live in the portal; the others come back
    /// as the ids that are missing.
    async fn associate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        edges: Vec<Edge>,
        now: i64,
    ) -> StoreResult<Vec<Result<(), Vec<i64>>>>;
    /// `(from_id, to_id, type_id)` for each of `from_ids`, ordered by from, to and type.
    async fn read_associations(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        from_ids: Vec<i64>,
    ) -> StoreResult<Vec<(i64, i64, i64)>>;
    /// Removes the edges between each `(from_id, to_id)` pair in both directions: all types,
    /// or only the given `(type_id, inverse_id)` types. Returns how many were removed.
    async fn dissociate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        pairs: Vec<(i64, i64)>,
        types: Option<Vec<(i64, i64)>>,
    ) -> StoreResult<usize>;

    // Lists.
    async fn create_list(
        &self,
        portal: PortalId,
        draft: ListDraft,
        now: i64,
    ) -> StoreResult<ListRow>;
    async fn get_list(&self, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>>;
    /// Every list of the portal, by id.
    async fn portal_lists(&self, portal: PortalId) -> StoreResult<Vec<ListRow>>;
    async fn find_list(
        &self,
        portal: PortalId,
        object: ObjectType,
        name: &str,
    ) -> StoreResult<Option<ListRow>>;
    async fn delete_list(&self, portal: PortalId, id: i64) -> StoreResult<bool>;
    async fn update_list_filters(
        &self,
        portal: PortalId,
        id: i64,
        branch: serde_json::Value,
        groups: Vec<crate::domain::search::RawFilterGroup>,
        now: i64,
    ) -> StoreResult<Option<ListRow>>;
    /// Adds and removes members of a MANUAL or SNAPSHOT list.
    async fn change_list_members(
        &self,
        list: ListRow,
        add: Vec<i64>,
        remove: Vec<i64>,
        now: i64,
    ) -> StoreResult<MembershipChange>;
    /// `(record_id, added_at)` of a MANUAL or SNAPSHOT list's live members after `after`.
    async fn list_members(
        &self,
        list: ListRow,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<(i64, i64)>>;
    async fn count_list_members(&self, list: ListRow) -> StoreResult<u64>;
}

pub type SharedStore = Arc<dyn Store>;
