//! The component schemas of the admin API's fixture file (`GET` and `POST
//! /_crm-exports/portals/{portalId}/fixtures`), field for field as `fixtures::format`
//! reads and writes it; every part is parsed strictly, so every object is closed.
//! docs/FIXTURES.md says what each field means.

use serde_json::{Map, Value as Json, json};

use super::schemas::{any_object, array, closed, flag, named, number, reference, strings, text};

/// Every fixture schema, by name.
pub fn all() -> Map<String, Json> {
    let by_type =
        |item: &str| json!({ "type": "object", "additionalProperties": array(reference(item)) });
    let fixture = closed(
        json!({
            "owners": array(reference("FixtureOwner")),
            "schemas": array(reference("FixtureSchema")),
            "propertyGroups": by_type("FixtureGroup"),
            "properties": by_type("FixtureProperty"),
            "associationLabels": array(reference("FixtureLabel")),
            "records": by_type("FixtureRecord"),
            "associations": array(reference("FixtureAssociation")),
            "lists": array(reference("FixtureList")),
        }),
        &[],
    );
    let mut schemas = named(vec![("AdminFixture", fixture)]);
    schemas.extend(parts());
    schemas
}

/// Owners, custom objects, property groups and properties, and association labels.
fn parts() -> Map<String, Json> {
    let labels = closed(
        json!({ "singular": text(), "plural": text() }),
        &["singular", "plural"],
    );
    let option = closed(
        json!({ "label": text(), "value": text(), "displayOrder": number(), "hidden": flag() }),
        &["label", "value"],
    );
    let mut schemas = named(vec![
        (
            "FixtureOwner",
            closed(
                json!({ "id": number(), "email": text(), "firstName": text(), "lastName": text(), "archived": flag() }),
                &["id", "email"],
            ),
        ),
        (
            "FixtureSchema",
            closed(
                json!({
                    "name": text(), "labels": labels, "description": text(),
                    "primaryDisplayProperty": text(), "secondaryDisplayProperties": strings(),
                    "requiredProperties": strings(), "searchableProperties": strings(),
                    "associatedObjects": strings(), "properties": array(reference("FixtureProperty")),
                }),
                &["name", "labels", "properties"],
            ),
        ),
        (
            "FixtureGroup",
            closed(
                json!({ "name": text(), "label": text(), "displayOrder": number() }),
                &["name", "label"],
            ),
        ),
        (
            "FixtureProperty",
            closed(
                json!({
                    "name": text(), "label": text(), "type": text(), "fieldType": text(),
                    "groupName": text(), "description": text(), "displayOrder": number(),
                    "hasUniqueValue": flag(), "hidden": flag(), "formField": flag(),
                    "options": array(option),
                }),
                &["name", "label", "type", "fieldType"],
            ),
        ),
        (
            "FixtureLabel",
            closed(
                json!({
                    "fromObjectType": text(), "toObjectType": text(), "name": text(),
                    "label": text(), "inverseLabel": text(),
                }),
                &["fromObjectType", "toObjectType", "name", "label"],
            ),
        ),
    ]);
    schemas.extend(record_parts());
    schemas
}

/// Records, their associations and lists.
fn record_parts() -> Map<String, Json> {
    let record_ref = closed(
        json!({ "objectType": text(), "id": number() }),
        &["objectType", "id"],
    );
    let association_type = closed(
        json!({ "associationCategory": text(), "associationTypeId": number(), "name": text() }),
        &["associationCategory"],
    );
    named(vec![
        (
            "FixtureRecord",
            closed(
                json!({
                    "id": number(), "properties": { "type": "object", "additionalProperties": {} },
                    "createdAt": text(), "updatedAt": text(), "archived": flag(),
                }),
                &["id"],
            ),
        ),
        (
            "FixtureAssociation",
            closed(
                json!({ "from": record_ref.clone(), "to": record_ref, "types": array(association_type) }),
                &["from", "to", "types"],
            ),
        ),
        (
            "FixtureList",
            closed(
                json!({
                    "name": text(), "objectTypeId": text(), "processingType": text(),
                    "filterBranch": any_object(), "members": array(number()),
                }),
                &["name", "objectTypeId", "processingType"],
            ),
        ),
    ])
}
