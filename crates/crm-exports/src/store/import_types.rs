//! What [`super::Imports::import_portal_data`] writes: a portal's data with the ids,
//! timestamps and archived states it had elsewhere (a fixture file, or one day a HubSpot
//! portal being mirrored), checked by the caller already. Object types and association
//! types may name things the same import creates, whose numbers only the transaction knows.

use crate::domain::ObjectType;
use crate::domain::custom_object::NewCustomObject;
use crate::domain::list::ProcessingType;
use crate::domain::owner::Owner;
use crate::domain::pipeline::Pipeline;
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::search::RawFilterGroup;

use super::types::{LabelDraft, PropertyValues};

/// An object type: one the portal has, or the custom object at this index of
/// [`PortalData::custom_objects`], whose type number the import allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    Known(ObjectType),
    New(usize),
}

/// An association type read from an edge's from side: HubSpot's (fixed ids), or a
/// USER_DEFINED definition of the pair by its name (a custom label, or the type a custom
/// object schema defines), which may be created by the same import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    Fixed { type_id: i64, inverse_id: i64 },
    Defined(String),
}

/// A record with the id it is to keep.
#[derive(Clone, Debug)]
pub struct ImportedRecord {
    pub id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived: bool,
    /// Parsed values of properties the object has (or gains in this import).
    pub values: PropertyValues,
}

/// One association between two imported or stored records.
#[derive(Clone, Debug)]
pub struct ImportedEdge {
    pub from: (ObjectRef, i64),
    pub to: (ObjectRef, i64),
    pub types: Vec<TypeRef>,
}

#[derive(Clone, Debug)]
pub struct ImportedList {
    pub name: String,
    pub object: ObjectRef,
    pub processing_type: ProcessingType,
    pub filter_branch: Option<serde_json::Value>,
    pub filter_groups: Vec<RawFilterGroup>,
    /// Stored as given (a SNAPSHOT keeps the members it had, not what its filters say now).
    pub members: Vec<i64>,
}

/// Everything one import writes, in the order it is written.
#[derive(Clone, Debug, Default)]
pub struct PortalData {
    /// Owners with their ids (`user_id` is derived from the id, as for created owners).
    pub owners: Vec<Owner>,
    pub custom_objects: Vec<NewCustomObject>,
    pub groups: Vec<(ObjectRef, PropertyGroup)>,
    pub properties: Vec<(ObjectRef, PropertyDefinition)>,
    pub labels: Vec<((ObjectRef, ObjectRef), LabelDraft)>,
    pub records: Vec<(ObjectRef, Vec<ImportedRecord>)>,
    pub edges: Vec<ImportedEdge>,
    pub lists: Vec<ImportedList>,
    /// Each object's pipelines as the source has them (ids kept), replacing the portal's.
    pub pipelines: Vec<(ObjectRef, Vec<Pipeline>)>,
    /// Where the import that wrote this stands afterwards, saved in the same transaction.
    pub checkpoint: Option<ImportCheckpoint>,
    /// What an incremental import writes over: removed first, in the same transaction.
    pub replaced: Replaced,
}

/// What the portal holds that an incremental import replaces with the source's version:
/// record rows written again with their ids (their edges and list memberships stay unless
/// named here too), the edges of some records to some object types, and some records'
/// memberships of MANUAL and SNAPSHOT lists.
#[derive(Clone, Debug, Default)]
pub struct Replaced {
    /// Rows deleted before [`PortalData::records`] are inserted.
    pub records: Vec<(ObjectType, Vec<i64>)>,
    /// Edges deleted before [`PortalData::edges`] are inserted.
    pub edges: Vec<ReplacedEdges>,
    pub memberships: Vec<ReplacedMemberships>,
}

/// Every edge, of any type and in both directions, between the records `ids` of `object`
/// and any record of each of `to`.
#[derive(Clone, Debug)]
pub struct ReplacedEdges {
    pub object: ObjectType,
    pub ids: Vec<i64>,
    pub to: Vec<ObjectType>,
}

/// Of the records `ids`, exactly `members` belong to the list `list_id` afterwards.
#[derive(Clone, Debug)]
pub struct ReplacedMemberships {
    pub list_id: i64,
    pub ids: Vec<i64>,
    pub members: Vec<i64>,
}

/// How far an import from `source` has come in one `step`: the cursor of the next page
/// to read, or [`ImportCheckpoint::DONE`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportCheckpoint {
    pub source: String,
    pub step: String,
    pub cursor: String,
}

impl ImportCheckpoint {
    pub const DONE: &'static str = "done";
}
