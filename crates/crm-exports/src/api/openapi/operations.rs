//! The operations of each API router, one table per router function in `api/`, in the
//! order of its `.route()` calls. A table's paths are relative to where the router is
//! nested; `document::MOUNTS` places each table under every prefix `api::router` nests its
//! router under, so both path families come from one table.

use super::operation::Scopes::{
    ObjectRead, ObjectWrite, PairRead, PairWrite, SchemaRead, SchemaWrite,
};
use super::operation::{DELETE, GET, Op, PATCH, POST, PUT, Reply, Scopes, op};

const LISTS_READ: Scopes = Scopes::Any(&["crm.lists.read", "crm.lists.write"]);
const LISTS_WRITE: Scopes = Scopes::Any(&["crm.lists.write"]);
const CUSTOM_SCHEMA_READ: Scopes = Scopes::Any(&["crm.schemas.custom.read"]);
const CUSTOM_SCHEMA_WRITE: Scopes = Scopes::Any(&["crm.schemas.custom.write"]);
const EXPORT: Scopes = Scopes::Any(&["crm.export"]);
const OWNERS_READ: Scopes = Scopes::Any(&["crm.objects.owners.read"]);
const ADMIN: Scopes = Scopes::Any(&[crate::domain::scope::ADMIN_SCOPE]);

const RECORD_READ: &[&str] = &[
    "properties",
    "propertiesWithHistory",
    "associations",
    "idProperty",
];
const PAGE: &[&str] = &["after"];

/// `associations::record_routes`: one record's associations (v4).
pub const RECORD_ASSOCIATIONS: &[Op] = &[
    op(
        GET,
        "/{from}/{from_id}/associations/{to}",
        "getPage",
        "List a record's associations",
    )
    .scopes(PairRead)
    .json(
        200,
        "CollectionResponseMultiAssociatedObjectWithLabelForwardPaging",
    )
    .query(PAGE),
    op(
        PUT,
        "/{from}/{from_id}/associations/{to}/{to_id}",
        "create",
        "Associate two records with labels",
    )
    .scopes(PairWrite)
    .body("AssociationSpecList")
    .json(201, "LabelsBetweenObjectPair"),
    op(
        DELETE,
        "/{from}/{from_id}/associations/{to}/{to_id}",
        "archive",
        "Remove every association between two records",
    )
    .scopes(PairWrite)
    .no_content(),
    op(
        PUT,
        "/{from}/{from_id}/associations/default/{to}/{to_id}",
        "createDefault",
        "Associate two records with the default label",
    )
    .scopes(PairWrite)
    .json(200, "BatchResponsePublicDefaultAssociation"),
];

const BATCH_MIXED: &[(u16, Reply)] = &[(
    207,
    Reply::Json("BatchResponseSimplePublicObjectWithErrors"),
)];

/// `api::objects_router` (besides the record associations merged into it).
pub const OBJECTS: &[Op] = &[
    op(GET, "/{object_type}", "getPage", "List records")
        .scopes(ObjectRead)
        .json(
            200,
            "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging",
        )
        .query(&[
            "after",
            "properties",
            "propertiesWithHistory",
            "associations",
        ]),
    op(POST, "/{object_type}", "create", "Create a record")
        .scopes(ObjectWrite)
        .body("SimplePublicObjectInputForCreate")
        .json(201, "SimplePublicObject")
        .errors(&[409])
        .links(&[("getById", "/id"), ("update", "/id"), ("archive", "/id")]),
    op(POST, "/{object_type}/search", "doSearch", "Search records")
        .scopes(ObjectRead)
        .body("PublicObjectSearchRequest")
        .json(
            200,
            "CollectionResponseWithTotalSimplePublicObjectForwardPaging",
        ),
    op(POST, "/{object_type}/merge", "merge", "Merge two records")
        .scopes(ObjectWrite)
        .body("PublicMergeInput")
        .json(200, "SimplePublicObject")
        .errors(&[404]),
    op(
        POST,
        "/{object_type}/gdpr-delete",
        "purge",
        "Delete a record permanently",
    )
    .scopes(ObjectWrite)
    .body("PublicGdprDeleteInput")
    .no_content(),
    op(
        POST,
        "/{object_type}/batch/create",
        "batchCreate",
        "Create records",
    )
    .scopes(ObjectWrite)
    .body("BatchInputSimplePublicObjectInputForCreate")
    .json(201, "BatchResponseSimplePublicObject")
    .more(BATCH_MIXED)
    .errors(&[409]),
    op(
        POST,
        "/{object_type}/batch/read",
        "batchRead",
        "Read records",
    )
    .scopes(ObjectRead)
    .body("BatchReadInputSimplePublicObjectId")
    .json(200, "BatchResponseSimplePublicObject")
    .more(BATCH_MIXED),
    op(
        POST,
        "/{object_type}/batch/update",
        "batchUpdate",
        "Update records",
    )
    .scopes(ObjectWrite)
    .body("BatchInputSimplePublicObjectBatchInput")
    .json(200, "BatchResponseSimplePublicObject")
    .more(BATCH_MIXED)
    .errors(&[409]),
    op(
        POST,
        "/{object_type}/batch/upsert",
        "batchUpsert",
        "Create or update records by a unique property",
    )
    .scopes(ObjectWrite)
    .body("BatchInputSimplePublicObjectBatchInputUpsert")
    .json(200, "BatchResponseSimplePublicUpsertObject")
    .more(&[(
        207,
        Reply::Json("BatchResponseSimplePublicUpsertObjectWithErrors"),
    )])
    .errors(&[409]),
    op(
        POST,
        "/{object_type}/batch/archive",
        "batchArchive",
        "Archive records",
    )
    .scopes(ObjectWrite)
    .body("BatchInputSimplePublicObjectId")
    .no_content(),
    op(
        GET,
        "/{object_type}/{object_id}",
        "getById",
        "Read a record",
    )
    .scopes(ObjectRead)
    .json(200, "SimplePublicObjectWithAssociations")
    .query(RECORD_READ),
    op(
        PATCH,
        "/{object_type}/{object_id}",
        "update",
        "Update a record",
    )
    .scopes(ObjectWrite)
    .body("SimplePublicObjectInput")
    .json(200, "SimplePublicObject")
    .query(&["idProperty"])
    .errors(&[409]),
    op(
        DELETE,
        "/{object_type}/{object_id}",
        "archive",
        "Archive a record",
    )
    .scopes(ObjectWrite)
    .no_content(),
];

/// `api::properties_router`.
pub const PROPERTIES: &[Op] = &[
    op(GET, "/{object_type}", "getAll", "List property definitions")
        .scopes(SchemaRead)
        .json(200, "CollectionResponsePropertyNoPaging")
        .query(&["properties"]),
    op(POST, "/{object_type}", "create", "Create a property")
        .scopes(SchemaWrite)
        .body("PropertyCreate")
        .json(201, "Property")
        .errors(&[409])
        .links(&[
            ("getByName", "/name"),
            ("update", "/name"),
            ("archive", "/name"),
        ]),
    op(
        GET,
        "/{object_type}/groups",
        "getAllGroups",
        "List property groups",
    )
    .scopes(SchemaRead)
    .json(200, "CollectionResponsePropertyGroupNoPaging"),
    op(
        POST,
        "/{object_type}/groups",
        "createGroup",
        "Create a property group",
    )
    .scopes(SchemaWrite)
    .body("PropertyGroupCreate")
    .json(201, "PropertyGroup")
    .errors(&[409])
    .links(&[
        ("getGroupByName", "/name"),
        ("updateGroup", "/name"),
        ("archiveGroup", "/name"),
    ]),
    op(
        GET,
        "/{object_type}/groups/{group_name}",
        "getGroupByName",
        "Read a property group",
    )
    .scopes(SchemaRead)
    .json(200, "PropertyGroup"),
    op(
        PATCH,
        "/{object_type}/groups/{group_name}",
        "updateGroup",
        "Update a property group",
    )
    .scopes(SchemaWrite)
    .body("PropertyGroupUpdate")
    .json(200, "PropertyGroup"),
    op(
        DELETE,
        "/{object_type}/groups/{group_name}",
        "archiveGroup",
        "Archive a property group",
    )
    .scopes(SchemaWrite)
    .no_content(),
    op(
        POST,
        "/{object_type}/batch/create",
        "batchCreate",
        "Create properties",
    )
    .scopes(SchemaWrite)
    .body("BatchInputPropertyCreate")
    .json(201, "BatchResponseProperty")
    .more(&[(200, Reply::Json("BatchResponseProperty"))]),
    op(
        POST,
        "/{object_type}/batch/read",
        "batchRead",
        "Read properties",
    )
    .scopes(SchemaRead)
    .body("BatchReadInputPropertyName")
    .json(200, "BatchResponseProperty"),
    op(
        POST,
        "/{object_type}/batch/archive",
        "batchArchive",
        "Archive properties",
    )
    .scopes(SchemaWrite)
    .body("BatchInputPropertyName")
    .no_content(),
    op(
        GET,
        "/{object_type}/{property_name}",
        "getByName",
        "Read a property",
    )
    .scopes(SchemaRead)
    .json(200, "Property")
    .query(&["properties"]),
    op(
        PATCH,
        "/{object_type}/{property_name}",
        "update",
        "Update a property",
    )
    .scopes(SchemaWrite)
    .body("PropertyUpdate")
    .json(200, "Property"),
    op(
        DELETE,
        "/{object_type}/{property_name}",
        "archive",
        "Archive a property",
    )
    .scopes(SchemaWrite)
    .no_content(),
];

/// `association_schema::routes`: association labels and limits.
pub const ASSOCIATION_SCHEMA: &[Op] = &[
    op(
        GET,
        "/{from}/{to}/labels",
        "getAllLabels",
        "List association labels of a pair of types",
    )
    .scopes(PairRead)
    .json(200, "CollectionResponseAssociationSpecWithLabelNoPaging"),
    op(
        POST,
        "/{from}/{to}/labels",
        "createLabel",
        "Create an association label",
    )
    .scopes(PairWrite)
    .body("PublicAssociationDefinitionCreateRequest")
    .json(200, "CollectionResponseAssociationSpecWithLabelNoPaging")
    .errors(&[409]),
    op(
        PUT,
        "/{from}/{to}/labels",
        "updateLabel",
        "Rename an association label",
    )
    .scopes(PairWrite)
    .body("PublicAssociationDefinitionUpdateRequest")
    .no_content(),
    op(
        DELETE,
        "/{from}/{to}/labels/{type_id}",
        "archiveLabel",
        "Delete an association label",
    )
    .scopes(PairWrite)
    .no_content(),
    op(
        GET,
        "/definitions/configurations/all",
        "getAllLimits",
        "List every association limit",
    )
    .scopes(Scopes::AnyToken)
    .json(
        200,
        "CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging",
    ),
    op(
        GET,
        "/definitions/configurations/{from}/{to}",
        "getLimits",
        "List a pair's association limits",
    )
    .scopes(PairRead)
    .json(
        200,
        "CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging",
    ),
    op(
        POST,
        "/definitions/configurations/{from}/{to}/batch/{operation}",
        "batchLimits",
        "Create, update or purge association limits",
    )
    .scopes(PairWrite)
    .body("BatchInputPublicAssociationDefinitionConfiguration")
    .json(
        200,
        "BatchResponsePublicAssociationDefinitionUserConfiguration",
    )
    .more(&[
        (
            201,
            Reply::Json("BatchResponsePublicAssociationDefinitionUserConfiguration"),
        ),
        (204, Reply::Empty),
        (
            207,
            Reply::Json("BatchResponsePublicAssociationDefinitionUserConfiguration"),
        ),
    ]),
];

/// `associations::batch_routes` (besides the labels and limits merged into it).
const ARCHIVED_BATCH: &[(u16, Reply)] = &[(200, Reply::Json("BatchResponseVoid"))];

pub const ASSOCIATION_BATCHES: &[Op] = &[
    op(
        POST,
        "/{from}/{to}/batch/associate/default",
        "batchCreateDefault",
        "Associate records with the default label",
    )
    .scopes(PairWrite)
    .body("BatchInputPublicDefaultAssociationMultiPost")
    .json(200, "BatchResponsePublicDefaultAssociation"),
    op(
        POST,
        "/{from}/{to}/batch/labels/archive",
        "batchArchiveLabels",
        "Remove labels from associations",
    )
    .scopes(PairWrite)
    .body("BatchInputPublicAssociationMultiPost")
    .no_content()
    // The dated family answers 200 with an empty batch; v4 answers 204.
    .more(ARCHIVED_BATCH),
    op(
        POST,
        "/{from}/{to}/batch/create",
        "batchCreate",
        "Associate records",
    )
    .scopes(PairWrite)
    .body("BatchInputPublicAssociationMultiPost")
    .json(201, "BatchResponseLabelsBetweenObjectPair")
    .more(&[(207, Reply::Json("BatchResponseLabelsBetweenObjectPair"))]),
    op(
        POST,
        "/{from}/{to}/batch/read",
        "batchRead",
        "Read records' associations",
    )
    .scopes(PairRead)
    .body("BatchInputPublicFetchAssociationsBatchRequest")
    .json(200, "BatchResponsePublicAssociationMultiWithLabel")
    .more(&[(
        207,
        Reply::Json("BatchResponsePublicAssociationMultiWithLabel"),
    )]),
    op(
        POST,
        "/{from}/{to}/batch/archive",
        "batchArchive",
        "Remove associations",
    )
    .scopes(PairWrite)
    .body("BatchInputPublicAssociationMultiArchive")
    .no_content()
    // The dated family answers 200 with an empty batch; v4 answers 204.
    .more(ARCHIVED_BATCH),
];

/// `schemas::routes`: custom object schemas.
pub const SCHEMAS: &[Op] = &[
    op(GET, "/", "getAll", "List custom object schemas")
        .scopes(CUSTOM_SCHEMA_READ)
        .json(200, "CollectionResponseObjectSchemaNoPaging"),
    op(POST, "/", "create", "Create a custom object")
        .scopes(CUSTOM_SCHEMA_WRITE)
        .body("ObjectSchemaEgg")
        .json(201, "ObjectSchema")
        .errors(&[409])
        .links(&[("getById", "/objectTypeId"), ("update", "/objectTypeId")]),
    op(
        POST,
        "/batch/read",
        "batchRead",
        "Read custom object schemas",
    )
    .scopes(CUSTOM_SCHEMA_READ)
    .body("BatchInputString")
    .json(200, "BatchResponseObjectSchema"),
    op(
        GET,
        "/{object_type}",
        "getById",
        "Read a custom object schema",
    )
    .scopes(CUSTOM_SCHEMA_READ)
    .json(200, "ObjectSchema"),
    op(
        PATCH,
        "/{object_type}",
        "update",
        "Update a custom object schema",
    )
    .scopes(CUSTOM_SCHEMA_WRITE)
    .body("ObjectTypeDefinitionPatch")
    .json(200, "ObjectTypeDefinition"),
    op(
        DELETE,
        "/{object_type}",
        "archive",
        "Archive a custom object schema",
    )
    .scopes(CUSTOM_SCHEMA_WRITE)
    .no_content()
    .query(&["archived"])
    .errors(&[409]),
    op(
        POST,
        "/{object_type}/associations",
        "createAssociation",
        "Define an association of a custom object",
    )
    .scopes(CUSTOM_SCHEMA_WRITE)
    .body("AssociationDefinitionEgg")
    .json(201, "AssociationDefinition"),
    op(
        DELETE,
        "/{object_type}/associations/{association_id}",
        "archiveAssociation",
        "Remove an association definition",
    )
    .scopes(CUSTOM_SCHEMA_WRITE)
    .no_content(),
];

/// `lists::routes` and the folders, lifecycle and memberships routes merged into it.
pub const LISTS: &[Op] = &[
    op(GET, "/", "getAll", "Read lists by id")
        .scopes(LISTS_READ)
        .json(200, "ListsByIdResponse")
        .query(&["listIds"]),
    op(POST, "/", "create", "Create a list")
        .scopes(LISTS_WRITE)
        .body("ListCreateRequest")
        .json(200, "ListCreateResponse")
        .errors(&[409])
        .links(&[
            ("getById", "/list/listId"),
            ("getPage", "/list/listId"),
            ("add", "/list/listId"),
            ("remove", "/list/listId"),
        ]),
    op(POST, "/search", "doSearch", "Search lists")
        .scopes(LISTS_READ)
        .body("ListSearchRequest")
        .json(200, "ListSearchResponse"),
    op(
        GET,
        "/object-type-id/{object_type_id}/name/{list_name}",
        "getByName",
        "Read a list by name",
    )
    .scopes(LISTS_READ)
    .json(200, "ListFetchResponse"),
    op(
        GET,
        "/folders",
        "getFolders",
        "Read a folder and its children",
    )
    .scopes(LISTS_READ)
    .json(200, "ListFolderFetchResponse")
    .query(&["folderId"])
    .errors(&[404]),
    op(POST, "/folders", "createFolder", "Create a folder")
        .scopes(LISTS_WRITE)
        .body("ListFolderCreateRequest")
        .json(200, "ListFolderCreateResponse"),
    op(
        PUT,
        "/folders/move-list",
        "moveList",
        "Move a list into a folder",
    )
    .scopes(LISTS_WRITE)
    .body("ListMoveRequest")
    .no_content()
    .errors(&[404]),
    op(
        PUT,
        "/folders/{folder_id}/move/{parent_id}",
        "moveFolder",
        "Move a folder",
    )
    .scopes(LISTS_WRITE)
    .json(200, "ListFolderFetchResponse"),
    op(
        PUT,
        "/folders/{folder_id}/rename",
        "renameFolder",
        "Rename a folder",
    )
    .scopes(LISTS_WRITE)
    .json(200, "ListFolderFetchResponse")
    .query(&["newFolderName"]),
    op(
        DELETE,
        "/folders/{folder_id}",
        "removeFolder",
        "Delete an empty folder",
    )
    .scopes(LISTS_WRITE)
    .no_content(),
    op(
        PUT,
        "/{list_id}/update-list-name",
        "updateName",
        "Rename a list",
    )
    .scopes(LISTS_WRITE)
    .json(200, "ListUpdateResponse")
    .query(&["listName", "includeFilters"])
    .errors(&[409]),
    op(
        PUT,
        "/{list_id}/restore",
        "restore",
        "Restore a deleted list",
    )
    .scopes(LISTS_WRITE)
    .no_content(),
    op(
        GET,
        "/idmapping",
        "translateLegacyListId",
        "Map a legacy list id to its list id",
    )
    .scopes(LISTS_READ)
    .json(200, "PublicMigrationMapping")
    .query(&["legacyListId"]),
    op(
        POST,
        "/idmapping",
        "translateLegacyListIds",
        "Map legacy list ids to list ids",
    )
    .scopes(LISTS_READ)
    .body("StringList")
    .json(200, "PublicBatchMigrationMapping"),
    op(
        GET,
        "/records/{object_type_id}/{record_id}/memberships",
        "getRecordLists",
        "The lists a record is in",
    )
    .scopes(LISTS_READ)
    .json(200, "ApiCollectionResponseRecordListMembershipNoPaging"),
    op(
        POST,
        "/records/memberships/batch/read",
        "batchGetRecordLists",
        "The lists each record is in",
    )
    .scopes(LISTS_READ)
    .body("BatchInputPublicRecordListMembership")
    .json(200, "BatchResponsePublicRecordListMemberships"),
    op(
        GET,
        "/{list_id}/memberships/join-order",
        "getPageOrderedByAddedToListDate",
        "A list's members in the order they joined",
    )
    .scopes(LISTS_READ)
    .json(200, "ApiCollectionResponseJoinTimeAndRecordId")
    .query(&["after", "before", "limit"]),
    op(
        PUT,
        "/{list_id}/memberships/add-from/{source_id}",
        "addAllFromList",
        "Add every member of another list",
    )
    .scopes(LISTS_WRITE)
    .no_content(),
    op(GET, "/{list_id}", "getById", "Read a list")
        .scopes(LISTS_READ)
        .json(200, "ListFetchResponse"),
    op(DELETE, "/{list_id}", "remove", "Delete a list")
        .scopes(LISTS_WRITE)
        .no_content(),
    op(GET, "/{list_id}/memberships", "getPage", "A list's members")
        .scopes(LISTS_READ)
        .json(200, "ApiCollectionResponseJoinTimeAndRecordId")
        .query(&["after", "before"]),
    op(
        DELETE,
        "/{list_id}/memberships",
        "removeAll",
        "Remove every member of a list",
    )
    .scopes(LISTS_WRITE)
    .no_content(),
    op(
        PUT,
        "/{list_id}/memberships/add",
        "add",
        "Add records to a list",
    )
    .scopes(LISTS_WRITE)
    .body("StringList")
    .json(200, "MembershipsUpdateResponse"),
    op(
        PUT,
        "/{list_id}/memberships/remove",
        "remove",
        "Remove records from a list",
    )
    .scopes(LISTS_WRITE)
    .body("StringList")
    .json(200, "MembershipsUpdateResponse"),
    op(
        PUT,
        "/{list_id}/memberships/add-and-remove",
        "addAndRemove",
        "Add and remove records",
    )
    .scopes(LISTS_WRITE)
    .body("MembershipChangeRequest")
    .json(200, "MembershipsUpdateResponse"),
    op(
        PUT,
        "/{list_id}/update-list-filters",
        "updateListFilters",
        "Replace a dynamic list's filters",
    )
    .scopes(LISTS_WRITE)
    .body("ListFilterUpdateRequest")
    .json(200, "ListUpdateResponse")
    .query(&["enrollObjectsInWorkflows"]),
];

/// `owners::routes`.
pub const OWNERS: &[Op] = &[
    op(GET, "/", "getPage", "List owners")
        .scopes(OWNERS_READ)
        .json(200, "CollectionResponsePublicOwnerForwardPaging")
        .query(&["email", "after"]),
    op(GET, "/{owner_id}", "getById", "Read an owner")
        .scopes(OWNERS_READ)
        .json(200, "PublicOwner"),
];

/// `pipelines::routes`.
pub const PIPELINES: &[Op] = &[
    op(GET, "/{object_type}", "getAll", "List pipelines")
        .scopes(ObjectRead)
        .json(200, "CollectionResponsePipelineNoPaging"),
    op(POST, "/{object_type}", "create", "Create a pipeline")
        .scopes(SchemaWrite)
        .body("PipelineInput")
        .json(201, "Pipeline")
        .errors(&[409])
        .links(&[
            ("getById", "/id"),
            ("update", "/id"),
            ("getStages", "/id"),
            ("getAudit", "/id"),
            ("archive", "/id"),
        ]),
    op(
        GET,
        "/{object_type}/{pipeline_id}",
        "getById",
        "Read a pipeline",
    )
    .scopes(ObjectRead)
    .json(200, "Pipeline"),
    op(
        PUT,
        "/{object_type}/{pipeline_id}",
        "replace",
        "Replace a pipeline",
    )
    .scopes(SchemaWrite)
    .body("PipelineInput")
    .json(200, "Pipeline")
    .errors(&[409]),
    op(
        PATCH,
        "/{object_type}/{pipeline_id}",
        "update",
        "Update a pipeline",
    )
    .scopes(SchemaWrite)
    .body("PipelinePatchInput")
    .json(200, "Pipeline")
    .errors(&[409]),
    op(
        DELETE,
        "/{object_type}/{pipeline_id}",
        "archive",
        "Archive a pipeline",
    )
    .scopes(SchemaWrite)
    .no_content()
    .errors(&[409]),
    op(
        GET,
        "/{object_type}/{pipeline_id}/audit",
        "getAudit",
        "A pipeline's change history",
    )
    .scopes(ObjectRead)
    .json(200, "CollectionResponsePublicAuditInfoNoPaging"),
    op(
        GET,
        "/{object_type}/{pipeline_id}/stages",
        "getStages",
        "List a pipeline's stages",
    )
    .scopes(ObjectRead)
    .json(200, "CollectionResponsePipelineStageNoPaging"),
    op(
        POST,
        "/{object_type}/{pipeline_id}/stages",
        "createStage",
        "Create a stage",
    )
    .scopes(SchemaWrite)
    .body("PipelineStageInput")
    .json(201, "PipelineStage")
    .errors(&[409]),
    op(
        GET,
        "/{object_type}/{pipeline_id}/stages/{stage_id}",
        "getStage",
        "Read a stage",
    )
    .scopes(ObjectRead)
    .json(200, "PipelineStage"),
    op(
        PUT,
        "/{object_type}/{pipeline_id}/stages/{stage_id}",
        "replaceStage",
        "Replace a stage",
    )
    .scopes(SchemaWrite)
    .body("PipelineStageInput")
    .json(200, "PipelineStage")
    .errors(&[409]),
    op(
        PATCH,
        "/{object_type}/{pipeline_id}/stages/{stage_id}",
        "updateStage",
        "Update a stage",
    )
    .scopes(SchemaWrite)
    .body("PipelineStagePatchInput")
    .json(200, "PipelineStage")
    .errors(&[409]),
    op(
        DELETE,
        "/{object_type}/{pipeline_id}/stages/{stage_id}",
        "archiveStage",
        "Archive a stage",
    )
    .scopes(SchemaWrite)
    .no_content()
    .errors(&[409]),
    op(
        GET,
        "/{object_type}/{pipeline_id}/stages/{stage_id}/audit",
        "getStageAudit",
        "A stage's change history",
    )
    .scopes(ObjectRead)
    .json(200, "CollectionResponsePublicAuditInfoNoPaging"),
];

/// `exports::routes` and the webhooks merged into it.
pub const EXPORTS: &[Op] = &[
    op(
        GET,
        "/export",
        "getPage",
        "List the portal's exports, newest first (extension)",
    )
    .scopes(EXPORT)
    .json(200, "CollectionResponsePublicExportResponseForwardPaging")
    .query(PAGE),
    op(POST, "/export/async", "start", "Start an export")
        .scopes(EXPORT)
        .body("PublicExportRequest")
        .json(202, "TaskLocator")
        .links(&[("getStatus", "/id"), ("getById", "/id"), ("cancel", "/id")]),
    op(
        GET,
        "/export/async/tasks/{task_id}/status",
        "getStatus",
        "An export's task status and download link",
    )
    .scopes(EXPORT)
    .json(200, "ActionResponseWithSingleResultURI"),
    op(GET, "/export/{export_id}", "getById", "An export's details")
        .scopes(EXPORT)
        .json(200, "PublicExportResponse"),
    op(
        POST,
        "/export/{export_id}/cancel",
        "cancel",
        "Cancel an export (extension)",
    )
    .scopes(EXPORT)
    .json(200, "PublicExportResponse")
    .errors(&[409]),
    op(
        GET,
        "/webhooks",
        "getWebhooks",
        "List completion webhooks (extension)",
    )
    .scopes(EXPORT)
    .json(200, "CollectionResponseExportWebhook"),
    op(
        POST,
        "/webhooks",
        "createWebhook",
        "Subscribe to export completion (extension)",
    )
    .scopes(EXPORT)
    .body("ExportWebhookCreate")
    .json(201, "ExportWebhookWithSecret")
    .links(&[
        ("getWebhook", "/id"),
        ("getDeliveries", "/id"),
        ("archiveWebhook", "/id"),
    ]),
    op(
        GET,
        "/webhooks/{webhook_id}",
        "getWebhook",
        "Read a webhook subscription (extension)",
    )
    .scopes(EXPORT)
    .json(200, "ExportWebhook"),
    op(
        DELETE,
        "/webhooks/{webhook_id}",
        "archiveWebhook",
        "Remove a webhook subscription (extension)",
    )
    .scopes(EXPORT)
    .no_content(),
    op(
        GET,
        "/webhooks/{webhook_id}/deliveries",
        "getDeliveries",
        "A subscription's delivery log (extension)",
    )
    .scopes(EXPORT)
    .json(200, "CollectionResponseExportWebhookDelivery"),
];

/// Routes merged at the top of `api::router` and outside the nested APIs.
pub const TOP_LEVEL: &[Op] = &[
    op(
        GET,
        "/exports-download/{export_id}",
        "download",
        "Download an export's file through a signed link",
    )
    .reply(200, Reply::File)
    .more(&[(206, Reply::File), (304, Reply::Empty)])
    .query(&["expires", "signature"])
    .errors(&[403, 412, 416]),
    op(
        POST,
        "/oauth/v2/private-apps/get/access-token-info",
        "getAccessTokenInfo",
        "The portal and scopes of a private-app token",
    )
    .body("AccessTokenInfoRequest")
    .json(200, "AccessTokenInfo")
    .errors(&[401, 413, 415]),
    op(GET, "/", "console", "The web console's page")
        .reply(200, Reply::File)
        .more(&[(304, Reply::Empty)]),
    op(
        GET,
        "/_console/{*path}",
        "consoleFile",
        "A file of the web console",
    )
    .reply(200, Reply::File)
    .more(&[(304, Reply::Empty)]),
    op(GET, "/healthz", "healthz", "Liveness: the process answers").reply(200, Reply::Text),
    op(GET, "/readyz", "readyz", "Readiness: the store answers")
        .reply(200, Reply::Text)
        .errors(&[503]),
    op(GET, "/metrics", "metrics", "Prometheus metrics").reply(200, Reply::Text),
    op(
        GET,
        "/openapi.json",
        "openapiJson",
        "This document, as JSON",
    )
    .json(200, "OpenApiDocument"),
    op(
        GET,
        "/openapi.yaml",
        "openapiYaml",
        "This document, as YAML",
    )
    .reply(200, Reply::Yaml),
];

/// `admin::routes`, nested under `/_crm-exports` unless `--admin-api off`.
pub const ADMIN_ROUTES: &[Op] = &[
    op(
        POST,
        "/portals",
        "createPortal",
        "Create a portal and its token (admin)",
    )
    .scopes(ADMIN)
    .body("AdminPortalCreate")
    .json(201, "AdminPortal"),
    op(
        POST,
        "/portals/{portal_id}/reset",
        "resetPortal",
        "Empty a portal (admin)",
    )
    .scopes(ADMIN)
    .json(200, "AdminPortalReset"),
    op(GET, "/clock", "getClock", "The server's clock (admin)")
        .scopes(ADMIN)
        .json(200, "AdminClock"),
    op(
        POST,
        "/clock",
        "setClock",
        "Freeze, move or release the server's clock (admin)",
    )
    .scopes(ADMIN)
    .body("AdminClockChange")
    .json(200, "AdminClock"),
    op(GET, "/faults", "getFaults", "The injected faults (admin)")
        .scopes(ADMIN)
        .json(200, "AdminFaults"),
    op(POST, "/faults", "addFault", "Inject a fault (admin)")
        .scopes(ADMIN)
        .body("AdminFaultCreate")
        .json(201, "AdminFault"),
    op(
        DELETE,
        "/faults",
        "clearFaults",
        "Remove every injected fault (admin)",
    )
    .scopes(ADMIN)
    .no_content(),
    op(
        GET,
        "/portals/{portal_id}/fixtures",
        "dumpFixture",
        "A portal's data as a fixture file (admin)",
    )
    .scopes(ADMIN)
    .json(200, "AdminFixture"),
    op(
        POST,
        "/portals/{portal_id}/fixtures",
        "loadFixture",
        "Load a fixture file into a portal, whole or not at all (admin)",
    )
    .scopes(ADMIN)
    .body("AdminFixture")
    .json(200, "AdminFixtureLoaded")
    .errors(&[409]),
    op(
        GET,
        "/snapshots",
        "listSnapshots",
        "The saved snapshots (admin)",
    )
    .scopes(ADMIN)
    .json(200, "AdminSnapshots"),
    op(
        POST,
        "/snapshots",
        "createSnapshot",
        "Save the whole store as a named snapshot (admin)",
    )
    .scopes(ADMIN)
    .body("AdminSnapshotCreate")
    .json(201, "AdminSnapshot")
    .errors(&[409, 503]),
    op(
        POST,
        "/snapshots/{name}/restore",
        "restoreSnapshot",
        "Bring the whole store back to a snapshot (admin)",
    )
    .scopes(ADMIN)
    .json(200, "AdminSnapshotRestored")
    .errors(&[409, 503]),
    op(
        DELETE,
        "/snapshots/{name}",
        "deleteSnapshot",
        "Delete a snapshot (admin)",
    )
    .scopes(ADMIN)
    .no_content()
    .errors(&[503]),
];
