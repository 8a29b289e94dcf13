//! The document's component schemas, named as HubSpot names them where we serve HubSpot's
//! operations (the model class names of its SDKs) and written from the field names alone.
//! Objects stay open (no `additionalProperties: false`): HubSpot adds fields, and so may we;
//! only a body the handler parses strictly is closed. Records, properties, exports and
//! webhooks are here; lists, associations, owners and pipelines, custom object schemas and
//! this service's own operations each have a `schemas_*` module beside it.

use serde_json::{Map, Value as Json, json};

use super::{
    schemas_associations, schemas_custom_objects, schemas_lists, schemas_own, schemas_pipelines,
};

/// A reference to a component schema.
pub fn reference(name: &str) -> Json {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(super) fn object(properties: Json, required: &[&str]) -> Json {
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

pub(super) fn array(items: Json) -> Json {
    json!({ "type": "array", "items": items })
}

pub(super) fn text() -> Json {
    json!({ "type": "string" })
}

pub(super) fn number() -> Json {
    json!({ "type": "integer" })
}

pub(super) fn flag() -> Json {
    json!({ "type": "boolean" })
}

pub(super) fn time() -> Json {
    json!({ "type": "string", "format": "date-time" })
}

/// Milliseconds since 1970, as this service's own extensions give times.
pub(super) fn millis() -> Json {
    json!({ "type": "integer", "description": "milliseconds since 1970-01-01T00:00:00Z" })
}

pub(super) fn strings() -> Json {
    array(text())
}

/// A map of text values (`properties`, `links`).
pub(super) fn text_map() -> Json {
    json!({ "type": "object", "additionalProperties": { "type": ["string", "null"] } })
}

/// An object whose fields are all listed: the handler refuses any other (serde's
/// `deny_unknown_fields`).
pub(super) fn closed(properties: Json, required: &[&str]) -> Json {
    let mut schema = object(properties, required);
    schema["additionalProperties"] = json!(false);
    schema
}

/// An id a body may give as a string or as a number, as HubSpot's APIs take them.
pub(super) fn id_text() -> Json {
    json!({ "type": ["string", "integer"] })
}

/// One of these strings.
pub(super) fn one_of(values: &[&str]) -> Json {
    json!({ "type": "string", "enum": values })
}

/// Any JSON object: a filter tree, a fixture item, whose shape its own reference documents.
pub(super) fn any_object() -> Json {
    json!({ "type": "object" })
}

/// A map of string values (`metadata`, a search result's `additionalProperties`).
pub(super) fn string_map() -> Json {
    json!({ "type": "object", "additionalProperties": { "type": "string" } })
}

/// `{"inputs": [item]}`, HubSpot's batch input shape.
pub(super) fn inputs(item: Json) -> Json {
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
    for group in [
        schemas_lists::all(),
        schemas_associations::all(),
        schemas_pipelines::all(),
        schemas_custom_objects::all(),
        schemas_own::all(),
    ] {
        schemas.extend(group);
    }
    schemas
}

pub(super) fn named(pairs: Vec<(&str, Json)>) -> Map<String, Json> {
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
                json!({
                    "openapi": text(),
                    "paths": { "type": "object", "additionalProperties": { "type": "object" } },
                }),
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
        (
            "modificationMetadata",
            object(
                json!({ "archivable": flag(), "readOnlyDefinition": flag(), "readOnlyValue": flag() }),
                &["archivable", "readOnlyDefinition", "readOnlyValue"],
            ),
        ),
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
        ("PropertyUpdate", property_update()),
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
        ("ExportWebhookDelivery", delivery()),
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
                json!({ "results": array(reference("ExportWebhookDelivery")) }),
                &["results"],
            ),
        ),
    ])
}

/// One delivery of the log as `webhooks::delivery_body` writes it: times in milliseconds,
/// `null` where there is none yet.
fn delivery() -> Json {
    let maybe = |kind: &str| json!({ "type": [kind, "null"] });
    let attempt = object(
        json!({ "attempt": number(), "at": millis(), "statusCode": maybe("integer"), "error": maybe("string") }),
        &["attempt", "at", "statusCode", "error"],
    );
    object(
        json!({
            "id": text(), "eventId": text(),
            "eventType": { "type": "string", "enum": ["export.completed", "export.failed", "export.canceled"] },
            "exportId": text(), "state": { "type": "string", "enum": ["PENDING", "DELIVERED", "FAILED"] },
            "attemptCount": number(), "nextAttemptAt": maybe("integer"),
            "lastStatusCode": maybe("integer"), "occurredAt": millis(),
            "completedAt": maybe("integer"), "attempts": array(attempt),
        }),
        &[
            "id",
            "eventId",
            "eventType",
            "exportId",
            "state",
            "attemptCount",
            "nextAttemptAt",
            "lastStatusCode",
            "occurredAt",
            "completedAt",
            "attempts",
        ],
    )
}

/// HubSpot's `PropertyUpdate`: the fields a change may give, each optional.
fn property_update() -> Json {
    object(
        json!({
            "label": text(), "type": text(), "fieldType": text(), "groupName": text(),
            "description": text(), "options": array(reference("PropertyOption")),
            "displayOrder": number(), "hidden": flag(), "formField": flag(),
        }),
        &[],
    )
}
