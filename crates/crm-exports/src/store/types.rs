//! The data the store's roles take and return, in domain terms: portals and tokens, record
//! keys and write operations with their outcomes, export rows and outcomes, association
//! edges, lists and membership changes, pipeline audit events and merge refusals. Imports
//! only `domain`.

use crate::domain::batch::RecordBatch;
use crate::domain::export::{ExportRequest, ExportState};
use crate::domain::list::ProcessingType;
use crate::domain::pipeline_edit::{AuditAction, Subject};
use crate::domain::search::RawFilterGroup;
use crate::domain::{ObjectType, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortalId(pub i64);

/// The store's connections at one moment, for `/metrics`: how many run a statement, how
/// many wait idle for the next, the most the store opens (`None`: no fixed bound, as
/// SQLite opens a reader whenever all are busy), and callers waiting for a connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUse {
    pub in_use: u64,
    pub idle: u64,
    pub max: Option<u64>,
    pub waiting: u64,
}

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
    /// An inline association would give `record_id` (0: the record being created) more
    /// associations of `limit.type_id` than the portal's association limit allows.
    OverAssociationLimit {
        record_id: i64,
        limit: AssociationLimit,
    },
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
    /// How many records the export will hold, once its worker has counted them.
    pub expected_record_count: Option<i64>,
    /// The text the finished file cut at its format's cell limit (none while it runs).
    pub cut: CutText,
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

/// Cells whose text was longer than the format's cell limit (Excel's 32,767 characters) and
/// was cut at it, and the properties (association columns by header) they belong to, in
/// column order. Shown on the export's details as `truncatedCellCount` and
/// `truncatedProperties` (this service's extension; HubSpot cuts such text silently).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CutText {
    pub cells: i64,
    pub properties: Vec<String>,
}

/// How a worker's attempt at an export ended.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportOutcome {
    Done {
        record_count: i64,
        file_key: String,
        file_size: i64,
        cut: CutText,
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

/// A custom association label to create: its internal name, its text, and for a paired
/// label the text read from the other side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelDraft {
    pub name: String,
    pub label: String,
    pub inverse_label: Option<String>,
}

/// A limit on how many records of `to` one record of `from` may be associated with through
/// the directional type `type_id` (HubSpot's `maxToObjectIds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssociationLimit {
    pub from: ObjectType,
    pub to: ObjectType,
    pub type_id: i64,
    pub max_to_object_ids: i64,
}

/// Why an edge was not created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeRefusal {
    /// These of its record ids are not live records of the portal.
    Missing(Vec<i64>),
    /// `record_id` already has `limit.max_to_object_ids` associations of `limit.type_id`.
    OverLimit {
        record_id: i64,
        limit: AssociationLimit,
    },
}

/// A list as stored. `filter_groups` is the search predicate of a DYNAMIC (or SNAPSHOT) list.
#[derive(Clone, Debug, PartialEq)]
pub struct ListRow {
    pub id: i64,
    pub portal: PortalId,
    pub name: String,
    pub object: ObjectType,
    pub processing_type: ProcessingType,
    pub filter_branch: Option<serde_json::Value>,
    pub filter_groups: Vec<RawFilterGroup>,
    pub list_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The folder holding it; 0 is the root folder.
    pub folder_id: i64,
}

/// A change to a list folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FolderChange {
    Rename(String),
    /// Under another parent folder (0: the root).
    Move(i64),
}

/// A list folder; `parent_id` 0 is the root folder, which is not stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListFolder {
    pub id: i64,
    pub name: String,
    pub parent_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A list to create, with the members it starts with (a SNAPSHOT's evaluated filters).
#[derive(Clone, Debug)]
pub struct ListDraft {
    pub name: String,
    pub object: ObjectType,
    pub processing_type: ProcessingType,
    pub filter_branch: Option<serde_json::Value>,
    pub filter_groups: Vec<RawFilterGroup>,
    pub initial_members: Vec<i64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MembershipChange {
    pub added: Vec<i64>,
    pub removed: Vec<i64>,
    pub missing: Vec<i64>,
}

/// Receives an export's records, a batch at a time.
pub type BatchSink = std::sync::mpsc::SyncSender<RecordBatch>;

/// One audit event of a pipeline or stage, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineAudit {
    pub id: i64,
    pub action: AuditAction,
    pub at: i64,
    pub subject: Subject,
}

/// Why two records were not merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeRefusal {
    /// Both ids name the same record (after earlier merges).
    SameRecord,
    /// No live record of the object type has this id in the portal.
    Missing(i64),
}
