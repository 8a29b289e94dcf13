//! The component schemas of HubSpot's custom object schemas API as this service answers
//! it (`api::schemas`): an object's definition, with its properties and association
//! definitions, and the bodies that create and change them.

use serde_json::{Map, Value as Json, json};

use super::schemas::{array, closed, flag, named, number, object, reference, strings, text, time};

/// Every custom object schema, by name.
pub fn all() -> Map<String, Json> {
    let mut schemas = definitions();
    schemas.extend(inputs());
    schemas
}

fn labels() -> Json {
    object(
        json!({ "singular": text(), "plural": text() }),
        &["singular", "plural"],
    )
}

/// An object's definition as `schemas::definition_only_json` writes it.
fn definition() -> Json {
    json!({
        "id": text(), "objectTypeId": text(), "name": text(), "fullyQualifiedName": text(),
        "labels": labels(), "requiredProperties": strings(), "searchableProperties": strings(),
        "secondaryDisplayProperties": strings(), "allowsSensitiveProperties": flag(),
        "metaType": text(), "portalId": number(), "archived": flag(),
        "createdAt": time(), "updatedAt": time(),
        "primaryDisplayProperty": text(), "description": text(),
    })
}

const DEFINITION_REQUIRED: [&str; 14] = [
    "id",
    "objectTypeId",
    "name",
    "fullyQualifiedName",
    "labels",
    "requiredProperties",
    "searchableProperties",
    "secondaryDisplayProperties",
    "allowsSensitiveProperties",
    "metaType",
    "portalId",
    "archived",
    "createdAt",
    "updatedAt",
];

fn definitions() -> Map<String, Json> {
    let mut schema = definition();
    schema["properties"] = array(reference("Property"));
    schema["associations"] = array(reference("AssociationDefinition"));
    let schema_required = [&DEFINITION_REQUIRED[..], &["properties", "associations"]].concat();
    let results = |item: &str| object(json!({ "results": array(reference(item)) }), &["results"]);
    named(vec![
        (
            "ObjectTypeDefinition",
            object(definition(), &DEFINITION_REQUIRED),
        ),
        ("ObjectSchema", object(schema, &schema_required)),
        (
            "AssociationDefinition",
            object(
                json!({
                    "id": text(), "fromObjectTypeId": text(), "toObjectTypeId": text(),
                    "name": text(), "createdAt": time(), "updatedAt": time(),
                }),
                &[
                    "id",
                    "fromObjectTypeId",
                    "toObjectTypeId",
                    "name",
                    "createdAt",
                    "updatedAt",
                ],
            ),
        ),
        (
            "CollectionResponseObjectSchemaNoPaging",
            results("ObjectSchema"),
        ),
        // This service answers a batch read with its results alone.
        ("BatchResponseObjectSchema", results("ObjectSchema")),
    ])
}

fn inputs() -> Map<String, Json> {
    let settings = json!({
        "labels": labels(), "description": text(), "primaryDisplayProperty": text(),
        "secondaryDisplayProperties": strings(), "requiredProperties": strings(),
        "searchableProperties": strings(), "allowsSensitiveProperties": flag(),
    });
    let mut egg = settings.clone();
    egg["properties"] = array(reference("ObjectTypePropertyCreate"));
    egg["associatedObjects"] = strings();
    egg["name"] = text();
    let mut patch = settings;
    patch["clearDescription"] = flag();
    patch["restorable"] = flag();
    named(vec![
        ("ObjectSchemaEgg", object(egg, &["name", "labels"])),
        ("ObjectTypePropertyCreate", property_input()),
        ("ObjectTypeDefinitionPatch", closed(patch, &[])),
        (
            "AssociationDefinitionEgg",
            object(
                json!({ "fromObjectTypeId": text(), "toObjectTypeId": text(), "name": text() }),
                &["fromObjectTypeId", "toObjectTypeId"],
            ),
        ),
    ])
}

/// A new object's property as the properties API takes one, except that `type` (string),
/// `fieldType` and `groupName` (the object's own group) may be left out, and
/// `isPrimaryDisplayLabel` makes it the primary display property.
fn property_input() -> Json {
    object(
        json!({
            "name": text(), "label": text(), "type": text(), "fieldType": text(),
            "groupName": text(), "description": text(),
            "options": array(reference("PropertyOption")), "displayOrder": number(),
            "hasUniqueValue": flag(), "hidden": flag(), "formField": flag(),
            "isPrimaryDisplayLabel": flag(),
        }),
        &["name", "label"],
    )
}
