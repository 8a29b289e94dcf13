//! The store's roles, one trait per kind of caller need, none over 15 methods: tokens and
//! portals, schemas and properties, custom objects and association definitions, records,
//! associations, lists, list folders, owners, pipelines, the export queue, the record
//! stream an export reads, and completion webhooks.
//! Callers hold the roles they use ([`super::Stores`]); both databases implement every role
//! through one generic implementation (`database/`).

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

use super::StoreResult;
use super::import_types::{ImportCheckpoint, PortalData};
use super::types::{
    AssociationLimit, BatchSink, Edge, EdgeRefusal, ExportLogPage, ExportOutcome, ExportQuota,
    ExportRow, FolderChange, LabelDraft, ListDraft, ListFolder, ListRow, MembershipChange,
    MergeRefusal, PipelineAudit, PoolUse, PortalId, RecordKey, TokenInfo, Visibility, WriteFailure,
    WriteOp, Written,
};
use super::webhook_types::{AttemptResult, ClaimedDelivery, DeliveryRow, NewWebhook, WebhookRow};
use crate::domain::association::AssociationCatalog;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
};
use crate::domain::export::ExportRequest;
use crate::domain::owner::Owner;
use crate::domain::pipeline_edit::{Applied, PipelineEdit, PipelineError};
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::schema::ObjectSchema;
use crate::domain::search::{Predicate, RawFilterGroup};
use crate::domain::{ObjectType, Record};

/// Portals and their API tokens.
#[async_trait]
pub trait Portals: Send + Sync {
    async fn create_portal(&self, now: i64) -> StoreResult<PortalId>;
    /// Creates the portal unless it exists; `true` when it was created now.
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
    /// Removes everything the portal holds but its tokens, in one transaction, leaving it as
    /// a new portal starts (HubSpot's default definitions). `None` for an unknown portal;
    /// otherwise the exports removed, whose files the caller deletes.
    async fn reset_portal(&self, portal: PortalId) -> StoreResult<Option<Vec<ExportRow>>>;
}

/// Writing a portal's data with the ids it had elsewhere: what `fixtures load` writes, and
/// what an `import` mirroring a HubSpot portal (its ids kept) is meant to reuse.
#[async_trait]
pub trait Imports: Send + Sync {
    /// Inserts owners, custom objects, properties, groups, labels, records with their given
    /// ids, timestamps and archived state, associations and lists, all in one transaction:
    /// on any failure nothing is stored. Afterwards the record id sequence is past every id
    /// written, so later creates collide with none. The caller has checked `data` against
    /// the portal (names exist, values parse); what the database still refuses (an id or a
    /// unique value already taken) is a `Conflict`.
    async fn import_portal_data(
        &self,
        portal: PortalId,
        data: PortalData,
        now: i64,
    ) -> StoreResult<()>;

    /// Where the imports from `source` into `portal` stand, one checkpoint per step.
    async fn import_checkpoints(
        &self,
        portal: PortalId,
        source: String,
    ) -> StoreResult<Vec<ImportCheckpoint>>;
}

/// Object schemas: property definitions and groups.
#[async_trait]
pub trait Schemas: Send + Sync {
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
    /// Replaces the definitions of existing properties (by name), in one transaction: an
    /// update, or an archive (`archived_at` set). `NotFound` when one does not exist.
    async fn update_properties(
        &self,
        portal: PortalId,
        object: ObjectType,
        properties: Vec<PropertyDefinition>,
    ) -> StoreResult<Vec<PropertyDefinition>>;
    /// Replaces an existing group's definition (by name): an update, or an archive.
    async fn update_property_group(
        &self,
        portal: PortalId,
        object: ObjectType,
        group: PropertyGroup,
    ) -> StoreResult<PropertyGroup>;
}

/// Custom object schemas and the association types of a portal.
#[async_trait]
pub trait CustomObjects: Send + Sync {
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
    /// Every association type `portal` knows: HubSpot's, its custom objects' and its
    /// custom labels.
    async fn association_catalog(&self, portal: PortalId) -> StoreResult<AssociationCatalog>;
    /// Creates a custom label from `from` to `to`; `Conflict` when its name is taken.
    async fn create_association_label(
        &self,
        portal: PortalId,
        pair: (ObjectType, ObjectType),
        draft: LabelDraft,
        now: i64,
    ) -> StoreResult<AssociationDefinition>;
    /// Changes the text of the custom label holding `type_id` from `pair.0` to `pair.1`
    /// (`inverse_label` is the text read the other way); false when there is none.
    async fn update_association_label(
        &self,
        portal: PortalId,
        pair: (ObjectType, ObjectType),
        type_id: i64,
        label: String,
        inverse_label: Option<String>,
    ) -> StoreResult<bool>;
    /// Deletes a custom label with its edges and limits; false when there is none.
    async fn delete_association_label(
        &self,
        portal: PortalId,
        pair: (ObjectType, ObjectType),
        type_id: i64,
    ) -> StoreResult<bool>;
}

/// Records: write, read, list, search, archive.
#[async_trait]
pub trait Records: Send + Sync {
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
    /// [`Records::write_records`] with the schema the caller read for this request and
    /// checked the inputs against, instead of the write reading it again (on PostgreSQL,
    /// at least the query for the portal's schema stamp). A schema change committed in
    /// between orders after this write; the database's unique indexes still hold against a
    /// property made unique meanwhile.
    async fn write_records_with(
        &self,
        portal: PortalId,
        schema: Arc<ObjectSchema>,
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
    /// Merges the live record `merged` into the live record `primary` (either id may be one
    /// merged earlier): the primary keeps its id and its values, takes the values it lacks
    /// from the merged record, and takes over its associations and list memberships; the
    /// merged record is gone, and its id reads as the primary from now on.
    async fn merge_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        primary: i64,
        merged: i64,
        now: i64,
    ) -> StoreResult<Result<(), MergeRefusal>>;
    /// Deletes the record a key names (live or archived) for good, with its associations,
    /// list memberships and the ids merged into it; `false` when no record matches.
    async fn purge_record(
        &self,
        portal: PortalId,
        object: ObjectType,
        key: RecordKey,
    ) -> StoreResult<bool>;
}

/// Pipelines and their stages (read with the object's schema), changed one edit at a time.
#[async_trait]
pub trait Pipelines: Send + Sync {
    /// Applies `edit` to the portal's pipelines of `object`; with `validate`, refuses when
    /// live records use a pipeline or stage it takes away. The edit's own refusals, and
    /// those, come back as `Ok(Err(_))` with nothing changed.
    async fn edit_pipelines(
        &self,
        portal: PortalId,
        object: ObjectType,
        edit: PipelineEdit,
        validate: bool,
        now: i64,
    ) -> StoreResult<Result<Applied, PipelineError>>;
    /// The audit events of a pipeline (`stage` `None`) or of one of its stages, oldest first.
    async fn pipeline_audits(
        &self,
        portal: PortalId,
        object: ObjectType,
        pipeline: String,
        stage: Option<String>,
    ) -> StoreResult<Vec<PipelineAudit>>;
}

/// Associations between records.
#[async_trait]
pub trait Associations: Send + Sync {
    /// Creates the edges whose two records are live in the portal and within the
    /// association limits; the others come back with the reason.
    async fn associate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        edges: Vec<Edge>,
        now: i64,
    ) -> StoreResult<Vec<Result<(), EdgeRefusal>>>;
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
    /// The portal's association limits; with `pair`, those from its first type to its second.
    async fn association_limits(
        &self,
        portal: PortalId,
        pair: Option<(ObjectType, ObjectType)>,
    ) -> StoreResult<Vec<AssociationLimit>>;
    /// Sets limits: with `replace` only those already set, otherwise only new ones. True
    /// for each limit written.
    async fn set_association_limits(
        &self,
        portal: PortalId,
        limits: Vec<AssociationLimit>,
        replace: bool,
        now: i64,
    ) -> StoreResult<Vec<bool>>;
    /// Removes the limits of these type ids from `pair.0` to `pair.1`; returns how many.
    async fn purge_association_limits(
        &self,
        portal: PortalId,
        pair: (ObjectType, ObjectType),
        type_ids: Vec<i64>,
    ) -> StoreResult<usize>;
}

/// Lists and their members.
#[async_trait]
pub trait Lists: Send + Sync {
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
    /// Marks a live list deleted, keeping it restorable; false when there is none.
    async fn delete_list(&self, portal: PortalId, id: i64, now: i64) -> StoreResult<bool>;
    /// Brings back a list deleted at or after `since`, with its members; `None` when there
    /// is no such deleted list, `Conflict` when a live list has taken its name.
    async fn restore_list(
        &self,
        portal: PortalId,
        id: i64,
        since: i64,
        now: i64,
    ) -> StoreResult<Option<ListRow>>;
    /// Renames a live list; `Conflict` when another list of its object type has the name.
    async fn rename_list(
        &self,
        portal: PortalId,
        id: i64,
        name: String,
        now: i64,
    ) -> StoreResult<Option<ListRow>>;
    /// Puts a live list into a folder (0: the root); false when there is no such list.
    async fn move_list(
        &self,
        portal: PortalId,
        id: i64,
        folder: i64,
        now: i64,
    ) -> StoreResult<bool>;
    async fn update_list_filters(
        &self,
        portal: PortalId,
        id: i64,
        branch: serde_json::Value,
        groups: Vec<RawFilterGroup>,
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
    /// Like [`Lists::list_members`], in join order after `(added_at, record_id)`.
    async fn list_members_by_join(
        &self,
        list: ListRow,
        after: Option<(i64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<(i64, i64)>>;
    /// Removes every member of a MANUAL or SNAPSHOT list; returns how many there were.
    async fn clear_list_members(&self, list: ListRow) -> StoreResult<u64>;
    /// The live MANUAL and SNAPSHOT lists holding a record, with when it joined each.
    async fn record_lists(
        &self,
        portal: PortalId,
        object: ObjectType,
        record_id: i64,
    ) -> StoreResult<Vec<(ListRow, i64)>>;
}

/// List folders, a tree per portal under the root folder (0).
#[async_trait]
pub trait ListFolders: Send + Sync {
    /// Every folder of the portal, by id.
    async fn list_folders(&self, portal: PortalId) -> StoreResult<Vec<ListFolder>>;
    async fn create_list_folder(
        &self,
        portal: PortalId,
        name: String,
        parent_id: i64,
        now: i64,
    ) -> StoreResult<ListFolder>;
    /// Renames or moves a folder; `None` when there is no such folder.
    async fn change_list_folder(
        &self,
        portal: PortalId,
        id: i64,
        change: FolderChange,
        now: i64,
    ) -> StoreResult<Option<ListFolder>>;
    async fn delete_list_folder(&self, portal: PortalId, id: i64) -> StoreResult<bool>;
}

/// Owners, the people `hubspot_owner_id` names.
#[async_trait]
pub trait Owners: Send + Sync {
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
}

/// The export queue: the export rows, claimed under leases by workers.
#[async_trait]
pub trait ExportQueue: Send + Sync {
    /// Wakes `wake` whenever any process creates an export, where the database can tell
    /// (PostgreSQL's LISTEN/NOTIFY). Returns at once; workers poll as well, so a store
    /// that cannot tell (SQLite, one process, where the API wakes them itself) does nothing.
    fn forward_export_wakeups(&self, wake: Arc<tokio::sync::Notify>);
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
    /// Records how many records the running attempt will write (shown as
    /// `expectedRecordCount`); ignored unless that attempt still holds the export.
    async fn report_expected_record_count(
        &self,
        id: i64,
        attempt: i64,
        count: i64,
    ) -> StoreResult<()>;
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
    /// Exports whose files are older than `before`, deleted with their rows, and the webhook
    /// deliveries that ended before then.
    async fn delete_exports_before(&self, before: i64) -> StoreResult<Vec<ExportRow>>;
    /// Exports waiting to run, over every portal (the queue-depth gauge).
    async fn count_queued_exports(&self) -> StoreResult<i64>;
    /// The store's connections now (the pool gauges, read beside the queue depth).
    fn connection_pool_use(&self) -> PoolUse;
}

/// Completion webhooks: a portal's subscriptions and their delivery log, and the
/// deliveries workers claim under a lease and send. Deliveries are written by the export
/// queue, in the transaction of the state change they announce.
#[async_trait]
pub trait Webhooks: Send + Sync {
    /// Creates a subscription; `None` when the portal already has as many as it may keep.
    async fn create_webhook(
        &self,
        portal: PortalId,
        new: NewWebhook,
        now: i64,
    ) -> StoreResult<Option<WebhookRow>>;
    async fn list_webhooks(&self, portal: PortalId) -> StoreResult<Vec<WebhookRow>>;
    /// A subscription of `portal`; `None` for unknown ids and other portals' subscriptions.
    async fn get_webhook(&self, portal: PortalId, id: i64) -> StoreResult<Option<WebhookRow>>;
    /// Deletes a subscription and its deliveries; `false` when `portal` has no such one.
    async fn delete_webhook(&self, portal: PortalId, id: i64) -> StoreResult<bool>;
    /// A subscription's latest `limit` deliveries, newest first, with their attempts;
    /// `None` when `portal` has no such subscription.
    async fn webhook_deliveries(
        &self,
        portal: PortalId,
        id: i64,
        limit: i64,
    ) -> StoreResult<Option<Vec<DeliveryRow>>>;
    /// Claims up to `limit` due deliveries until `now + lease_ms`, starting an attempt.
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records the result of attempt `attempt`; `false` when that claim was lost.
    async fn record_delivery_attempt(
        &self,
        id: i64,
        attempt: i64,
        result: AttemptResult,
        now: i64,
    ) -> StoreResult<bool>;
}

/// What an export reads: the schema and list it selects by, the owners and association
/// types its columns name, its records in batches, and for each batch the associated
/// records' ids and display values.
#[async_trait]
pub trait RecordStream: Send + Sync {
    async fn export_schema(
        &self,
        portal: PortalId,
        object: ObjectType,
    ) -> StoreResult<Arc<ObjectSchema>>;
    async fn export_list(&self, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>>;
    async fn export_owners(&self, portal: PortalId) -> StoreResult<Vec<Owner>>;
    async fn export_association_catalog(&self, portal: PortalId)
    -> StoreResult<AssociationCatalog>;
    /// How many live records match `predicate`, counted before an export streams them.
    async fn count_export_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
    ) -> StoreResult<u64>;
    /// Streams every live record matching `predicate`, in its sort order (id order
    /// without sorts), with no result cap, as compact batches holding the projected values
    /// in projection order, filled straight from the database's rows. Stops early if the
    /// sink hangs up. Returns the number of records sent.
    async fn stream_batches(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        projection: Vec<String>,
        sink: BatchSink,
    ) -> StoreResult<u64>;
    /// The associations of a batch's records, as [`Associations::read_associations`].
    async fn batch_associations(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        from_ids: Vec<i64>,
    ) -> StoreResult<Vec<(i64, i64, i64)>>;
    /// The live records among `ids` with `property` read, for display columns.
    async fn display_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        ids: Vec<i64>,
        property: String,
    ) -> StoreResult<Vec<Record>>;
}

/// Whole-store snapshots for the admin API: every portal's rows saved under a name and
/// brought back, replacing everything, in one transaction. The caller keeps the snapshot's
/// folder (and the export files beside it) and runs each call alone (no other request or
/// export step at the same time).
#[async_trait]
pub trait Snapshots: Send + Sync {
    /// Saves everything stored as `name`, in `dir` (a new folder) or wherever the database
    /// keeps it; returns the bytes it takes. A name in use is a conflict.
    async fn save_snapshot(&self, name: &str, dir: &Path) -> StoreResult<u64>;
    /// Replaces everything stored with snapshot `name` in one transaction, and forgets what
    /// this store cached. A snapshot of another schema version is a conflict.
    async fn restore_snapshot(&self, name: &str, dir: &Path) -> StoreResult<()>;
    /// Removes what [`Snapshots::save_snapshot`] kept outside `dir`.
    async fn delete_snapshot(&self, name: &str, dir: &Path) -> StoreResult<()>;
}
