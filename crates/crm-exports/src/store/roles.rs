//! The store's roles, one trait per kind of caller need, none over 15 methods: tokens and
//! portals, schemas and properties, custom objects and association definitions, records,
//! associations, lists, owners, the export queue, and the record stream an export reads.
//! Callers hold the roles they use ([`super::Stores`]); both databases implement every role
//! through one generic implementation (`database/`).

use std::sync::Arc;

use async_trait::async_trait;

use super::StoreResult;
use super::types::{
    BatchSink, Edge, ExportLogPage, ExportOutcome, ExportQuota, ExportRow, ListDraft, ListRow,
    MembershipChange, PortalId, RecordKey, TokenInfo, Visibility, WriteFailure, WriteOp, Written,
};
use crate::domain::association::AssociationCatalog;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
};
use crate::domain::export::ExportRequest;
use crate::domain::owner::Owner;
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
    /// Every association type `portal` knows: HubSpot's and its custom definitions.
    async fn association_catalog(&self, portal: PortalId) -> StoreResult<AssociationCatalog>;
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
}

/// Associations between records.
#[async_trait]
pub trait Associations: Send + Sync {
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
    async fn delete_list(&self, portal: PortalId, id: i64) -> StoreResult<bool>;
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
    async fn create_export(
        &self,
        portal: PortalId,
        request: &ExportRequest,
        now: i64,
    ) -> StoreResult<ExportRow>;
    /// An export of `portal`; `None` for unknown ids and other portals' exports. Shared
    /// rather than copied: clients poll it, and a store may answer from a cache.
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
    /// Exports whose files are older than `before`, deleted with their rows.
    async fn delete_exports_before(&self, before: i64) -> StoreResult<Vec<ExportRow>>;
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
