//! The component schemas of HubSpot's v4 associations API as this service answers it:
//! association labels, limits and the batch bodies, named as HubSpot's SDKs name the
//! models, with the fields `api::associations` and `api::association_schema` write.

use serde_json::{Map, Value as Json, json};

use super::schemas::{
    array, id_text, inputs, named, number, object, one_of, reference, strings, text, time,
};

const CATEGORIES: &[&str] = &["HUBSPOT_DEFINED", "USER_DEFINED"];

/// Every associations schema, by name.
pub fn all() -> Map<String, Json> {
    let mut schemas = labels();
    schemas.extend(records());
    schemas.extend(batches());
    schemas
}

/// HubSpot's batch answer around `item`: every request is answered at once, so `COMPLETE`;
/// the inputs that failed are in `errors`.
fn batch(item: &str) -> Json {
    object(
        json!({
            "status": one_of(&["COMPLETE"]), "results": array(reference(item)),
            "startedAt": time(), "completedAt": time(),
            "numErrors": number(), "errors": array(reference("StandardError")),
        }),
        &["status", "results", "startedAt", "completedAt"],
    )
}

/// A record named in a request body (`{"id": "…"}`; a number also does).
fn id_input() -> Json {
    object(json!({ "id": id_text() }), &["id"])
}

fn labels() -> Map<String, Json> {
    let label = json!({ "type": ["string", "null"] });
    named(vec![
        (
            "AssociationSpecWithLabel",
            object(
                json!({ "category": one_of(CATEGORIES), "typeId": number(), "label": label }),
                &["category", "typeId", "label"],
            ),
        ),
        (
            "CollectionResponseAssociationSpecWithLabelNoPaging",
            object(
                json!({ "results": array(reference("AssociationSpecWithLabel")) }),
                &["results"],
            ),
        ),
        (
            "PublicAssociationDefinitionCreateRequest",
            object(
                json!({ "label": text(), "name": text(), "inverseLabel": text() }),
                &["label", "name"],
            ),
        ),
        (
            "PublicAssociationDefinitionUpdateRequest",
            object(
                json!({ "associationTypeId": number(), "label": text(), "inverseLabel": text() }),
                &["associationTypeId", "label"],
            ),
        ),
        (
            // An update's answer leaves the label out.
            "PublicAssociationDefinitionUserConfiguration",
            object(
                json!({
                    "category": one_of(CATEGORIES), "typeId": number(), "label": label,
                    "userEnforcedMaxToObjectIds": number(),
                }),
                &["category", "typeId", "userEnforcedMaxToObjectIds"],
            ),
        ),
        (
            "CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging",
            object(
                json!({ "results": array(reference("PublicAssociationDefinitionUserConfiguration")) }),
                &["results"],
            ),
        ),
        (
            "BatchInputPublicAssociationDefinitionConfiguration",
            inputs(object(
                json!({ "category": text(), "typeId": number(), "maxToObjectIds": number() }),
                &["category", "typeId"],
            )),
        ),
        (
            "BatchResponsePublicAssociationDefinitionUserConfiguration",
            batch("PublicAssociationDefinitionUserConfiguration"),
        ),
    ])
}

fn records() -> Map<String, Json> {
    named(vec![
        (
            "AssociationSpec",
            object(
                json!({ "associationCategory": text(), "associationTypeId": number() }),
                &["associationTypeId"],
            ),
        ),
        (
            "PublicAssociationsForObject",
            object(
                json!({ "to": id_input(), "types": array(reference("AssociationSpec")) }),
                &["to", "types"],
            ),
        ),
        ("PublicObjectId", object(json!({ "id": text() }), &["id"])),
        (
            "LabelsBetweenObjectPair",
            object(
                // HubSpot's schema types both record ids as strings.
                json!({
                    "fromObjectTypeId": text(), "fromObjectId": text(),
                    "toObjectTypeId": text(), "toObjectId": text(), "labels": strings(),
                }),
                &[
                    "fromObjectTypeId",
                    "fromObjectId",
                    "toObjectTypeId",
                    "toObjectId",
                    "labels",
                ],
            ),
        ),
        (
            "MultiAssociatedObjectWithLabel",
            object(
                json!({ "toObjectId": number(), "associationTypes": array(reference("AssociationSpecWithLabel")) }),
                &["toObjectId", "associationTypes"],
            ),
        ),
        (
            "CollectionResponseMultiAssociatedObjectWithLabelForwardPaging",
            object(
                json!({ "results": array(reference("MultiAssociatedObjectWithLabel")), "paging": reference("ForwardPaging") }),
                &["results"],
            ),
        ),
        (
            "PublicDefaultAssociation",
            object(
                json!({
                    "from": reference("PublicObjectId"), "to": reference("PublicObjectId"),
                    "associationSpec": reference("AssociationSpec"),
                }),
                &["from", "to", "associationSpec"],
            ),
        ),
        (
            "PublicAssociationMultiWithLabel",
            object(
                json!({ "from": reference("PublicObjectId"), "to": array(reference("MultiAssociatedObjectWithLabel")), "paging": reference("ForwardPaging") }),
                &["from", "to"],
            ),
        ),
    ])
}

fn batches() -> Map<String, Json> {
    let pair = object(
        json!({ "from": id_input(), "to": id_input() }),
        &["from", "to"],
    );
    named(vec![
        (
            "BatchResponsePublicDefaultAssociation",
            batch("PublicDefaultAssociation"),
        ),
        (
            // Nothing to report: a dated family's batch archive.
            "BatchResponseVoid",
            object(
                json!({
                    "status": one_of(&["COMPLETE"]), "results": { "type": "array", "maxItems": 0 },
                    "startedAt": time(), "completedAt": time(),
                }),
                &["status", "results", "startedAt", "completedAt"],
            ),
        ),
        (
            "BatchResponseLabelsBetweenObjectPair",
            batch("LabelsBetweenObjectPair"),
        ),
        (
            "BatchResponsePublicAssociationMultiWithLabel",
            batch("PublicAssociationMultiWithLabel"),
        ),
        ("BatchInputPublicDefaultAssociationMultiPost", inputs(pair)),
        (
            "BatchInputPublicAssociationMultiPost",
            inputs(object(
                json!({ "from": id_input(), "to": id_input(), "types": array(reference("AssociationSpec")) }),
                &["from", "to"],
            )),
        ),
        (
            "BatchInputPublicFetchAssociationsBatchRequest",
            inputs(object(
                json!({ "id": id_text(), "after": { "type": "string" } }),
                &["id"],
            )),
        ),
        (
            "BatchInputPublicAssociationMultiArchive",
            inputs(object(
                json!({ "from": id_input(), "to": array(id_input()) }),
                &["from", "to"],
            )),
        ),
    ])
}
