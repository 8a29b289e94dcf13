//! The document's component schemas, named as HubSpot names them where we serve HubSpot's
//! operations (the model class names of its SDKs) and written from the field names alone.
//! Objects stay open (no `additionalProperties: false`): HubSpot adds fields, and so may we.
//! Schemas of operations this service adds (export log, webhooks, admin) are our own.

use serde_json::{Map, Value as Json, json};

/// A reference to a component schema.
pub fn reference(name: &str) -> Json {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn object(properties: Json, required: &[&str]) -> Json {
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn array(items: Json) -> Json {
    json!({ "type": "array", "items": items })
}

fn text() -> Json {
    json!({ "type": "string" })
}

fn number() -> Json {
    json!({ "type": "integer" })
}

fn flag() -> Json {
    json!({ "type": "boolean" })
}

fn time() -> Json {
    json!({ "type": "string", "format": "date-time" })
}

/// Milliseconds since 1970, as this service's own extensions give times.
fn millis() -> Json {
    json!({ "type": "integer", "description": "milliseconds since 1970-01-01T00:00:00Z" })
}

fn strings() -> Json {
    array(text())
}

/// A map of text values (`properties`, `links`).
fn text_map() -> Json {
    json!({ "type": "object", "additionalProperties": { "type": ["string", "null"] } })
}

/// An object this document does not detail: the operation is documented, its fields are
/// in HubSpot's reference (or, for our own, the README).
fn open(description: &str) -> Json {
    json!({ "type": "object", "description": description })
}

/// `{"inputs": [item]}`, HubSpot's batch input shape.
fn inputs(item: Json) -> Json {
    object(json!({ "inputs": array(item) }), &["inputs"])
}

/// Every component schema, by name.
pub fn all() -> Map<String, Json> {
    let mut schemas = Map::new();
    for group in [
        errors(),
        records(),
        record_inputs(),
        record_batches(),
        properties(),
        exports(),
        webhooks(),
    ] {
        schemas.extend(group);
    }
    for (name, description) in OPEN.iter().chain(OWN) {
        schemas.insert((*name).to_string(), open(description));
    }
    schemas
}

fn named(pairs: Vec<(&str, Json)>) -> Map<String, Json> {
    pairs
        .into_iter()
        .map(|(name, schema)| (name.to_string(), schema))
        .collect()
}

fn errors() -> Map<String, Json> {
    let context = json!({ "type": "object", "additionalProperties": strings() });
    named(vec![
        (
            "Error",
            object(
                json!({
                    "status": text(), "message": text(),
                    "correlationId": { "type": "string", "format": "uuid" },
                    "category": text(), "subCategory": text(),
                    "errors": array(reference("ErrorDetail")),
                    "context": context, "links": text_map(),
                }),
                &["status", "message", "correlationId", "category"],
            ),
        ),
        (
            "ErrorDetail",
            object(
                json!({
                    "message": text(), "code": text(), "in": text(), "subCategory": text(),
                    "context": { "type": "object" },
                }),
                &["message"],
            ),
        ),
        (
            "StandardError",
            object(
                json!({
                    "status": text(), "id": text(), "category": text(), "subCategory": {},
                    "message": text(), "errors": array(reference("ErrorDetail")),
                    "context": { "type": "object" }, "links": text_map(),
                }),
                &["status", "category", "message"],
            ),
        ),
        (
            "OpenApiDocument",
            object(
                json!({ "openapi": text(), "paths": { "type": "object" } }),
                &["openapi", "paths"],
            ),
        ),
    ])
}

fn records() -> Map<String, Json> {
    let record = json!({
        "id": text(), "properties": text_map(),
        "propertiesWithHistory": { "type": "object", "additionalProperties": array(reference("ValueWithTimestamp")) },
        "createdAt": time(), "updatedAt": time(), "archived": flag(), "archivedAt": time(),
    });
    let mut with_associations = record.clone();
    with_associations["associations"] = json!({ "type": "object", "additionalProperties": reference("CollectionResponseAssociatedId") });
    let mut upserted = record.clone();
    upserted["new"] = flag();
    let required = ["id", "properties", "createdAt", "updatedAt"];
    named(vec![
        ("SimplePublicObject", object(record, &required)),
        (
            "SimplePublicObjectWithAssociations",
            object(with_associations, &required),
        ),
        ("SimplePublicUpsertObject", object(upserted, &required)),
        (
            "ValueWithTimestamp",
            object(
                json!({ "value": { "type": ["string", "null"] }, "timestamp": time(), "sourceType": text() }),
                &["value"],
            ),
        ),
        (
            "ForwardPaging",
            object(
                json!({ "next": object(json!({ "after": text(), "link": text() }), &["after"]) }),
                &[],
            ),
        ),
        (
            "AssociatedId",
            object(json!({ "id": text(), "type": text() }), &["id", "type"]),
        ),
        (
            "CollectionResponseAssociatedId",
            object(
                json!({ "results": array(reference("AssociatedId")), "paging": reference("ForwardPaging") }),
                &["results"],
            ),
        ),
        (
            "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging",
            object(
                json!({ "results": array(reference("SimplePublicObjectWithAssociations")), "paging": reference("ForwardPaging") }),
                &["results"],
            ),
        ),
        (
            "CollectionResponseWithTotalSimplePublicObjectForwardPaging",
            object(
                json!({ "total": number(), "results": array(reference("SimplePublicObject")), "paging": reference("ForwardPaging") }),
                &["total", "results"],
            ),
        ),
    ])
}

fn record_inputs() -> Map<String, Json> {
    let filter = object(
        json!({ "propertyName": text(), "operator": text(), "value": text(), "highValue": text(), "values": strings() }),
        &["propertyName", "operator"],
    );
    named(vec![
        (
            "SimplePublicObjectInput",
            object(json!({ "properties": text_map() }), &["properties"]),
        ),
        (
            "SimplePublicObjectInputForCreate",
            object(
                json!({ "properties": text_map(), "associations": array(reference("PublicAssociationsForObject")) }),
                &["properties"],
            ),
        ),
        (
            "PublicAssociationsForObject",
            open("`to.id` and `types[]` of `associationCategory` and `associationTypeId`"),
        ),
        ("Filter", filter),
        (
            "FilterGroup",
            object(
                json!({ "filters": array(reference("Filter")) }),
                &["filters"],
            ),
        ),
        (
            "PublicObjectSearchRequest",
            object(
                json!({
                    "filterGroups": array(reference("FilterGroup")), "sorts": strings(), "query": text(),
                    "properties": strings(), "limit": number(), "after": text(),
                }),
                &[],
            ),
        ),
        (
            "PublicMergeInput",
            object(
                json!({ "primaryObjectId": text(), "objectIdToMerge": text() }),
                &["primaryObjectId", "objectIdToMerge"],
            ),
        ),
        ("StringList", strings()),
        ("BatchInputString", inputs(text())),
        (
            "AssociationSpecList",
            array(object(
                json!({ "associationCategory": text(), "associationTypeId": number() }),
                &["associationCategory", "associationTypeId"],
            )),
        ),
        (
            "PublicGdprDeleteInput",
            object(
                json!({ "objectId": text(), "idProperty": text() }),
                &["objectId"],
            ),
        ),
    ])
}

fn record_batches() -> Map<String, Json> {
    let batch = |item: &str, with_errors: bool| {
        let mut fields = json!({
            "status": { "type": "string", "enum": ["PENDING", "PROCESSING", "CANCELED", "COMPLETE"] },
            "results": array(reference(item)),
            "requestedAt": time(), "startedAt": time(), "completedAt": time(), "links": text_map(),
        });
        if with_errors {
            fields["numErrors"] = number();
            fields["errors"] = array(reference("StandardError"));
        }
        object(fields, &["status", "results", "startedAt", "completedAt"])
    };
    let id_input = object(json!({ "id": text() }), &["id"]);
    let update = object(
        json!({ "id": text(), "idProperty": text(), "properties": text_map() }),
        &["id", "properties"],
    );
    named(vec![
        (
            "BatchResponseSimplePublicObject",
            batch("SimplePublicObject", false),
        ),
        (
            "BatchResponseSimplePublicObjectWithErrors",
            batch("SimplePublicObject", true),
        ),
        (
            "BatchResponseSimplePublicUpsertObject",
            batch("SimplePublicUpsertObject", false),
        ),
        (
            "BatchResponseSimplePublicUpsertObjectWithErrors",
            batch("SimplePublicUpsertObject", true),
        ),
        ("BatchResponseProperty", batch("Property", false)),
        (
            "BatchInputSimplePublicObjectInputForCreate",
            inputs(reference("SimplePublicObjectInputForCreate")),
        ),
        (
            "BatchReadInputSimplePublicObjectId",
            object(
                json!({
                    "inputs": array(id_input.clone()), "properties": strings(),
                    "propertiesWithHistory": strings(), "idProperty": text(),
                }),
                &["inputs"],
            ),
        ),
        (
            "BatchInputSimplePublicObjectBatchInput",
            inputs(update.clone()),
        ),
        (
            "BatchInputSimplePublicObjectBatchInputUpsert",
            inputs(update),
        ),
        ("BatchInputSimplePublicObjectId", inputs(id_input)),
    ])
}

fn properties() -> Map<String, Json> {
    let option = object(
        json!({ "label": text(), "value": text(), "description": text(), "displayOrder": number(), "hidden": flag() }),
        &["label", "value"],
    );
    let create = json!({
        "name": text(), "label": text(), "type": text(), "fieldType": text(), "groupName": text(),
        "description": text(), "options": array(reference("PropertyOption")), "displayOrder": number(),
        "hasUniqueValue": flag(), "hidden": flag(), "formField": flag(), "dataSensitivity": text(),
    });
    let mut property = create.clone();
    for (field, schema) in [
        ("calculated", flag()),
        ("externalOptions", flag()),
        ("hubspotDefined", flag()),
        ("archived", flag()),
        ("createdAt", time()),
        ("updatedAt", time()),
        ("archivedAt", time()),
        ("modificationMetadata", json!({ "type": "object" })),
    ] {
        property[field] = schema;
    }
    let group =
        json!({ "name": text(), "label": text(), "displayOrder": number(), "archived": flag() });
    let name_input = object(json!({ "name": text() }), &["name"]);
    named(vec![
        ("Property", object(property, &["name", "type", "fieldType"])),
        (
            "PropertyCreate",
            object(create, &["name", "label", "type", "fieldType", "groupName"]),
        ),
        (
            "PropertyUpdate",
            open("The property fields to change: label, type, fieldType, groupName, options, …"),
        ),
        ("PropertyOption", option),
        ("PropertyGroup", object(group, &["name", "label"])),
        (
            "PropertyGroupCreate",
            object(
                json!({ "name": text(), "label": text(), "displayOrder": number() }),
                &["name", "label"],
            ),
        ),
        (
            "PropertyGroupUpdate",
            object(json!({ "label": text(), "displayOrder": number() }), &[]),
        ),
        (
            "CollectionResponsePropertyNoPaging",
            object(
                json!({ "results": array(reference("Property")) }),
                &["results"],
            ),
        ),
        (
            "CollectionResponsePropertyGroupNoPaging",
            object(
                json!({ "results": array(reference("PropertyGroup")) }),
                &["results"],
            ),
        ),
        (
            "BatchInputPropertyCreate",
            inputs(reference("PropertyCreate")),
        ),
        (
            "BatchReadInputPropertyName",
            object(
                json!({ "inputs": array(name_input.clone()), "archived": flag(), "dataSensitivity": text() }),
                &["inputs"],
            ),
        ),
        ("BatchInputPropertyName", inputs(name_input)),
    ])
}

fn exports() -> Map<String, Json> {
    let details = json!({
        "id": text(), "createdAt": time(), "updatedAt": time(), "exportState": text(),
        "exportType": text(), "objectType": text(), "objectProperties": strings(),
        "exportName": text(), "recordCount": number(),
    });
    named(vec![
        (
            "PublicExportRequest",
            object(
                json!({
                    "exportType": { "type": "string", "enum": ["VIEW", "LIST"] }, "exportName": text(),
                    "format": text(), "language": text(), "objectType": text(), "objectProperties": strings(),
                    "associatedObjectType": strings(), "listId": text(),
                    "publicCrmSearchRequest": { "type": "object" },
                }),
                &[
                    "exportType",
                    "exportName",
                    "format",
                    "language",
                    "objectType",
                    "objectProperties",
                ],
            ),
        ),
        (
            "TaskLocator",
            object(json!({ "id": text(), "links": text_map() }), &["id"]),
        ),
        (
            "ActionResponseWithSingleResultURI",
            object(
                json!({
                    "status": { "type": "string", "enum": ["PENDING", "PROCESSING", "COMPLETE", "CANCELED"] },
                    "requestedAt": time(), "startedAt": time(), "completedAt": time(),
                    "result": text(), "numErrors": number(),
                    "errors": array(reference("StandardError")), "links": text_map(),
                }),
                &["status", "startedAt", "completedAt"],
            ),
        ),
        (
            "PublicExportResponse",
            object(
                details,
                &[
                    "id",
                    "createdAt",
                    "updatedAt",
                    "exportState",
                    "exportType",
                    "objectType",
                    "objectProperties",
                ],
            ),
        ),
        (
            "CollectionResponsePublicExportResponseForwardPaging",
            object(
                json!({ "results": array(reference("PublicExportResponse")), "paging": reference("ForwardPaging") }),
                &["results"],
            ),
        ),
    ])
}

fn webhooks() -> Map<String, Json> {
    let subscription =
        json!({ "id": text(), "targetUrl": text(), "events": strings(), "createdAt": millis() });
    let mut with_secret = subscription.clone();
    with_secret["secret"] = text();
    let events = json!({ "type": "array", "items": { "type": "string", "enum": ["export.completed", "export.failed", "export.canceled"] } });
    named(vec![
        (
            "ExportWebhookCreate",
            object(
                json!({ "targetUrl": text(), "events": events }),
                &["targetUrl", "events"],
            ),
        ),
        (
            "ExportWebhook",
            object(subscription, &["id", "targetUrl", "events"]),
        ),
        (
            "ExportWebhookWithSecret",
            object(with_secret, &["id", "targetUrl", "events", "secret"]),
        ),
        (
            "CollectionResponseExportWebhook",
            object(
                json!({ "results": array(reference("ExportWebhook")) }),
                &["results"],
            ),
        ),
        (
            "CollectionResponseExportWebhookDelivery",
            object(
                json!({ "results": array(open("One delivery: eventId, eventType, exportId, state, attempts")) }),
                &["results"],
            ),
        ),
    ])
}

/// HubSpot's schemas this document names but does not detail.
const OPEN: &[(&str, &str)] = &[
    (
        "LabelsBetweenObjectPair",
        "The labels now between two records",
    ),
    (
        "BatchResponsePublicDefaultAssociation",
        "The default associations made",
    ),
    (
        "CollectionResponseMultiAssociatedObjectWithLabelForwardPaging",
        "A record's associated records with their labels",
    ),
    (
        "CollectionResponseAssociationSpecWithLabelNoPaging",
        "Association labels of a pair of object types",
    ),
    (
        "PublicAssociationDefinitionCreateRequest",
        "label, name and optional inverseLabel",
    ),
    (
        "PublicAssociationDefinitionUpdateRequest",
        "associationTypeId and its new label",
    ),
    (
        "CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging",
        "Association limits",
    ),
    (
        "BatchInputPublicAssociationDefinitionConfiguration",
        "inputs: category, typeId, maxToObjectIds",
    ),
    (
        "BatchResponsePublicAssociationDefinitionUserConfiguration",
        "The limits written",
    ),
    (
        "BatchInputPublicDefaultAssociationMultiPost",
        "inputs: from.id and to.id",
    ),
    (
        "BatchInputPublicAssociationMultiPost",
        "inputs: from, to and types",
    ),
    (
        "BatchResponseLabelsBetweenObjectPair",
        "The associations made",
    ),
    (
        "BatchInputPublicFetchAssociationsBatchRequest",
        "inputs: the records whose associations to read",
    ),
    (
        "BatchResponsePublicAssociationMultiWithLabel",
        "Each record's associations",
    ),
    (
        "BatchInputPublicAssociationMultiArchive",
        "inputs: from and the records to unlink",
    ),
    (
        "CollectionResponseObjectSchemaNoPaging",
        "Custom object schemas",
    ),
    ("ObjectSchema", "A custom object schema"),
    (
        "ObjectSchemaEgg",
        "A new custom object: name, labels, properties, requiredProperties, …",
    ),
    ("BatchResponseObjectSchema", "The schemas read"),
    ("ObjectTypeDefinition", "A custom object's definition"),
    (
        "ObjectTypeDefinitionPatch",
        "The definition fields to change",
    ),
    (
        "AssociationDefinitionEgg",
        "fromObjectTypeId, toObjectTypeId and name",
    ),
    ("AssociationDefinition", "An association definition"),
    ("CollectionResponsePublicOwnerForwardPaging", "Owners"),
    (
        "PublicOwner",
        "An owner: id, email, firstName, lastName, userId, teams",
    ),
    ("CollectionResponsePipelineNoPaging", "Pipelines"),
    ("Pipeline", "A pipeline and its stages"),
    ("PipelineInput", "label, displayOrder and stages"),
    ("PipelinePatchInput", "The pipeline fields to change"),
    ("PipelineStage", "A pipeline stage"),
    ("PipelineStageInput", "label, displayOrder and metadata"),
    ("PipelineStagePatchInput", "The stage fields to change"),
    ("CollectionResponsePipelineStageNoPaging", "Pipeline stages"),
    (
        "CollectionResponsePublicAuditInfoNoPaging",
        "Change history",
    ),
    ("ListsByIdResponse", "lists: the lists asked for"),
    (
        "ListCreateRequest",
        "name, objectTypeId, processingType and filterBranch",
    ),
    ("ListCreateResponse", "list: the list created"),
    ("ListSearchRequest", "query, processingTypes, offset, count"),
    ("ListSearchResponse", "lists, hasMore, offset, total"),
    ("ListFetchResponse", "list: the list"),
    ("ListUpdateResponse", "updatedList: the list changed"),
    (
        "ListFolderFetchResponse",
        "folder: the folder and its children",
    ),
    ("ListFolderCreateRequest", "name and parentFolderId"),
    ("ListFolderCreateResponse", "folder: the folder created"),
    ("ListMoveRequest", "listId and newFolderId"),
    ("ListFilterUpdateRequest", "filterBranch: the new filters"),
    ("PublicMigrationMapping", "legacyListId and listId"),
    (
        "PublicBatchMigrationMapping",
        "legacyListIdsToIdsMapping and missingLegacyListIds",
    ),
    (
        "ApiCollectionResponseRecordListMembershipNoPaging",
        "The lists a record is in",
    ),
    (
        "BatchInputPublicRecordListMembership",
        "inputs: objectTypeId and recordId",
    ),
    (
        "BatchResponsePublicRecordListMemberships",
        "Each record's lists",
    ),
    (
        "ApiCollectionResponseJoinTimeAndRecordId",
        "Members with the time they joined",
    ),
    (
        "MembershipsUpdateResponse",
        "recordIdsAdded, recordIdsRemoved, recordIdsMissing",
    ),
    (
        "MembershipChangeRequest",
        "recordIdsToAdd and recordIdsToRemove",
    ),
];

/// Schemas of this service's own endpoints.
const OWN: &[(&str, &str)] = &[
    ("AccessTokenInfoRequest", "tokenKey: the token to look up"),
    ("AccessTokenInfo", "hubId, appId and scopes of the token"),
    (
        "AdminPortalCreate",
        "The new portal's optional name and scopes",
    ),
    (
        "AdminPortal",
        "The portal created and its token, shown once",
    ),
    ("AdminPortalReset", "What was removed"),
    ("AdminClock", "The server's time and whether it is frozen"),
    ("AdminClockChange", "freeze, advance or release"),
    ("AdminFaults", "The injected faults"),
    ("AdminFaultCreate", "What fault to inject where"),
    ("AdminFault", "The fault injected"),
    (
        "AdminFixture",
        "A portal's owners, custom objects, properties, records, associations and lists (docs/FIXTURES.md)",
    ),
    ("AdminFixtureLoaded", "How much of each kind was loaded"),
    (
        "AdminSnapshots",
        "The saved snapshots: name, createdAt, size",
    ),
    (
        "AdminSnapshotCreate",
        "name: letters, digits, - and _ (1 to 64)",
    ),
    ("AdminSnapshot", "The snapshot saved: name, createdAt, size"),
    (
        "AdminSnapshotRestored",
        "The snapshot restored, and when: name, createdAt, size, restoredAt",
    ),
];
