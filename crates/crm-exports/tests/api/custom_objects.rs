//! Custom objects: the schemas API on both path families, and records, properties, search,
//! associations, lists and exports working for a custom object as for a standard one.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Body, TestApp, assert_hubspot_error, ids_of};

const SCHEMA_PREFIXES: [&str; 2] = [
    "/crm-object-schemas/v3/schemas",
    "/crm-object-schemas/2026-03/schemas",
];

fn cars_schema(name: &str) -> Value {
    json!({
        "name": name,
        "labels": {"singular": "Car", "plural": "Cars"},
        "primaryDisplayProperty": "model",
        "requiredProperties": ["model"],
        "searchableProperties": ["model", "vin"],
        "properties": [
            {"name": "model", "label": "Model", "isPrimaryDisplayLabel": true},
            {"name": "vin", "label": "VIN", "type": "string", "fieldType": "text", "hasUniqueValue": true},
            {"name": "year", "label": "Year", "type": "number", "fieldType": "number"},
            {"name": "colour", "label": "Colour", "type": "enumeration", "fieldType": "select",
             "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}]}
        ],
        "associatedObjects": ["CONTACT"],
        "metaType": "PORTAL_SPECIFIC"
    })
}

/// Creates the schema and returns its objectTypeId.
async fn define(app: &TestApp, prefix: &str, name: &str) -> String {
    let created = app.post(&format!("{prefix}/"), cars_schema(name)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["objectTypeId"].as_str().unwrap().to_string()
}

fn property_names(schema: &Value) -> Vec<String> {
    schema["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_schema_is_created_read_listed_and_updated_on_both_path_families() {
    let app = TestApp::spawn().await;
    for (n, prefix) in SCHEMA_PREFIXES.iter().enumerate() {
        let name = format!("cars{n}");
        let created = app.post(prefix, cars_schema(&name)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let body = &created.body;
        let type_id = body["objectTypeId"].as_str().unwrap();
        let number = type_id.strip_prefix("2-").expect("a custom objectTypeId");
        assert!(number.parse::<u32>().is_ok(), "{type_id}");
        assert_eq!(body["id"], number);
        assert_eq!(body["name"], name.as_str());
        let fqn = format!("p{}_{name}", app.portal.0);
        assert_eq!(body["fullyQualifiedName"], fqn.as_str());
        assert_eq!(body["labels"], json!({"singular": "Car", "plural": "Cars"}));
        assert_eq!(body["primaryDisplayProperty"], "model");
        assert_eq!(body["searchableProperties"], json!(["model", "vin"]));
        assert_eq!(body["requiredProperties"], json!(["model"]));
        let names = property_names(body);
        for expected in [
            "hs_object_id",
            "hs_createdate",
            "hs_lastmodifieddate",
            "model",
            "vin",
            "year",
            "colour",
        ] {
            assert!(
                names.contains(&expected.to_string()),
                "{expected} in {names:?}"
            );
        }
        let model = body["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "model")
            .unwrap();
        assert_eq!(model["type"], "string", "HubSpot's default type");
        assert_eq!(model["fieldType"], "text");
        assert_eq!(model["groupName"], format!("{name}_information"));
        let association = &body["associations"][0];
        assert_eq!(association["fromObjectTypeId"], type_id);
        assert_eq!(association["toObjectTypeId"], "0-1");
        assert_eq!(association["name"], format!("{name}_to_contact"));

        for spelling in [type_id.to_string(), fqn.clone(), name.to_uppercase()] {
            let read = app.get(&format!("{prefix}/{spelling}")).await;
            assert_eq!(read.status, StatusCode::OK, "{spelling}: {}", read.body);
            assert_eq!(read.body["objectTypeId"], type_id);
        }
        let listed = app.get(prefix).await;
        assert!(
            listed.body["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["objectTypeId"] == type_id),
            "{}",
            listed.body
        );

        let patched = app
            .patch(
                &format!("{prefix}/{type_id}"),
                json!({"labels": {"singular": "Auto", "plural": "Autos"}, "searchableProperties": ["vin"]}),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(patched.body["labels"]["plural"], "Autos");
        let read = app.get(&format!("{prefix}/{type_id}")).await;
        assert_eq!(read.body["searchableProperties"], json!(["vin"]));
        assert_eq!(
            read.body["primaryDisplayProperty"], "model",
            "untouched by the patch"
        );

        let deleted = app.delete(&format!("{prefix}/{fqn}")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        let gone = app.get(&format!("{prefix}/{type_id}")).await;
        assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    }
}

#[tokio::test]
async fn records_properties_search_and_lists_work_for_a_custom_object() {
    let app = TestApp::spawn().await;
    let type_id = define(&app, SCHEMA_PREFIXES[0], "cars").await;
    let fqn = format!("p{}_cars", app.portal.0);

    // Records by id, by name and by fully qualified name, on both path families.
    let mut ids = Vec::new();
    for (i, path) in [
        format!("/crm/v3/objects/{type_id}"),
        "/crm/objects/2026-03/cars".to_string(),
        format!("/crm/v3/objects/{fqn}"),
    ]
    .iter()
    .enumerate()
    {
        let created = app
            .post(
                path,
                json!({"properties": {"model": format!("Model {i}"), "vin": format!("VIN{i}"), "year": 2020 + i as i64, "colour": "red"}}),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{path}: {}",
            created.body
        );
        let properties = &created.body["properties"];
        assert_eq!(properties["model"], format!("Model {i}"));
        assert!(properties["hs_createdate"].is_string(), "{}", created.body);
        assert!(
            properties["hs_lastmodifieddate"].is_string(),
            "{}",
            created.body
        );
        ids.push(created.body["id"].as_str().unwrap().to_string());
    }
    let read = app
        .get(&format!(
            "/crm/v3/objects/cars/{}?properties=model,year",
            ids[1]
        ))
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.body["properties"]["year"], "2021");
    let by_vin = app
        .get(&format!(
            "/crm/objects/2026-03/{type_id}/vin2?idProperty=vin&properties=model"
        ))
        .await;
    assert_eq!(by_vin.body["id"], ids[2].as_str(), "{}", by_vin.body);
    let duplicate = app
        .post(
            &format!("/crm/v3/objects/{type_id}"),
            json!({"properties": {"model": "X", "vin": "vin0"}}),
        )
        .await;
    assert_eq!(
        duplicate.status,
        StatusCode::CONFLICT,
        "vin is unique: {}",
        duplicate.body
    );
    let wrong_option = app
        .post(
            &format!("/crm/v3/objects/{type_id}"),
            json!({"properties": {"model": "X", "colour": "green"}}),
        )
        .await;
    assert_hubspot_error(&wrong_option, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let patched = app
        .patch(
            &format!("/crm/v3/objects/{type_id}/{}", ids[0]),
            json!({"properties": {"colour": "blue"}}),
        )
        .await;
    assert_eq!(
        patched.body["properties"]["colour"], "blue",
        "{}",
        patched.body
    );

    // A property added later works like the schema's own.
    let added = app
        .post(
            &format!("/crm/v3/properties/{type_id}"),
            json!({"name": "mileage", "label": "Mileage", "type": "number", "fieldType": "number", "groupName": "cars_information"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let batch = app
        .post(
            &format!("/crm/objects/2026-03/{type_id}/batch/update"),
            json!({"inputs": [{"id": ids[1], "properties": {"mileage": "12000"}}]}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    let listed = app.get("/crm/properties/2026-03/cars").await;
    assert!(
        listed.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "mileage")
    );

    // Search: filters, and `query` over the searchable properties.
    let found = app
        .post(
            &format!("/crm/v3/objects/{type_id}/search"),
            json!({"filterGroups": [{"filters": [{"propertyName": "year", "operator": "GTE", "value": "2021"}]}],
                   "properties": ["model", "mileage"], "sorts": [{"propertyName": "year", "direction": "DESCENDING"}]}),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(ids_of(&found.body), vec![ids[2].clone(), ids[1].clone()]);
    assert_eq!(found.body["results"][1]["properties"]["mileage"], "12000");
    let by_query = app
        .post(
            "/crm/objects/2026-03/cars/search",
            json!({"query": "model 1"}),
        )
        .await;
    assert_eq!(
        ids_of(&by_query.body),
        vec![ids[1].clone()],
        "{}",
        by_query.body
    );

    // A DYNAMIC list of cars follows its records.
    let list = app
        .post(
            "/crm/v3/lists/",
            json!({"name": "Recent cars", "objectTypeId": type_id, "processingType": "DYNAMIC",
                   "filterBranch": {"filterBranchType": "OR", "filterBranches": [{"filterBranchType": "AND", "filters": [
                       {"filterType": "PROPERTY", "property": "year", "operation": {"operationType": "NUMBER", "operator": "IS_GREATER_THAN_OR_EQUAL_TO", "value": 2021}}]}]}}),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["list"]["objectTypeId"], type_id.as_str());
    assert_eq!(list.body["list"]["size"], 2);
    app.patch(
        &format!("/crm/v3/objects/{type_id}/{}", ids[0]),
        json!({"properties": {"year": "2024"}}),
    )
    .await;
    let list_id = list.body["list"]["listId"].as_str().unwrap();
    let again = app.get(&format!("/crm/v3/lists/{list_id}")).await;
    assert_eq!(again.body["list"]["size"], 3);
}

#[tokio::test]
async fn a_custom_objects_associations_work_from_either_side_and_in_exports() {
    let app = TestApp::spawn().await;
    let type_id = define(&app, SCHEMA_PREFIXES[1], "cars").await;
    let contacts = app
        .create_many(
            "contacts",
            vec![
                json!({"email": "ada@cars.example"}),
                json!({"email": "bo@cars.example"}),
            ],
        )
        .await;

    // The labels endpoint names the USER_DEFINED type in both directions.
    let there = app
        .get(&format!("/crm/v4/associations/{type_id}/contacts/labels"))
        .await;
    assert_eq!(there.status, StatusCode::OK, "{}", there.body);
    let forward = there.body["results"][0].clone();
    assert_eq!(forward["category"], "USER_DEFINED");
    assert!(forward["label"].is_null());
    let back = app
        .get("/crm/associations/2026-03/contacts/cars/labels")
        .await;
    let inverse = back.body["results"][0]["typeId"].as_i64().unwrap();
    assert_ne!(inverse, forward["typeId"].as_i64().unwrap());

    // A car created with an inline association, another linked in batch.
    let first = app
        .post(
            &format!("/crm/v3/objects/{type_id}"),
            json!({"properties": {"model": "Roadster"},
                   "associations": [{"to": {"id": contacts[0]}, "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": forward["typeId"]}]}]}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let first = first.body["id"].as_str().unwrap().to_string();
    let second = app
        .post(
            &format!("/crm/v3/objects/{type_id}"),
            json!({"properties": {"model": "Coupe"}}),
        )
        .await;
    let second = second.body["id"].as_str().unwrap().to_string();
    let linked = app
        .post(
            &format!("/crm/v4/associations/contacts/{type_id}/batch/create"),
            json!({"inputs": [{"from": {"id": contacts[1]}, "to": {"id": second},
                               "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": inverse}]}]}),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.body);
    let wrong_category = app
        .post(
            &format!("/crm/v4/associations/contacts/{type_id}/batch/create"),
            json!({"inputs": [{"from": {"id": contacts[0]}, "to": {"id": second},
                               "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": inverse}]}]}),
        )
        .await;
    assert_hubspot_error(&wrong_category, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");

    // Read back from the contact's side and on the car's record read.
    let from_contacts = app
        .post(
            &format!("/crm/v4/associations/contacts/{type_id}/batch/read"),
            json!({"inputs": [{"id": contacts[0]}, {"id": contacts[1]}]}),
        )
        .await;
    assert_eq!(
        from_contacts.status,
        StatusCode::OK,
        "{}",
        from_contacts.body
    );
    let targets: Vec<i64> = from_contacts.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["to"][0]["toObjectId"].as_i64().unwrap())
        .collect();
    assert_eq!(
        targets,
        vec![
            first.parse::<i64>().unwrap(),
            second.parse::<i64>().unwrap()
        ]
    );
    let read = app
        .get(&format!(
            "/crm/v3/objects/cars/{first}?associations=contacts"
        ))
        .await;
    assert_eq!(
        read.body["associations"]["contacts"]["results"],
        json!([{"id": contacts[0], "type": "cars_to_contact"}]),
        "{}",
        read.body
    );
    let contact = app
        .get(&format!(
            "/crm/v3/objects/contacts/{}?associations={type_id}",
            contacts[1]
        ))
        .await;
    let key = format!("p{}_cars", app.portal.0);
    assert_eq!(
        contact.body["associations"][key.as_str()]["results"],
        json!([{"id": second, "type": "contact_to_cars"}]),
        "{}",
        contact.body
    );

    // Exports: the custom object itself, and contacts with their cars.
    let cars = app
        .export_text(json!({"exportType": "VIEW", "exportName": "cars", "format": "CSV", "language": "EN",
                            "objectType": type_id, "objectProperties": ["model"], "associatedObjectType": ["CONTACT"]}))
        .await;
    let mut lines = cars.lines();
    assert_eq!(
        lines.next().unwrap().trim_start_matches('\u{feff}'),
        "Record ID,Model,Associated Contact IDs,Associated Contact"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{cars}");
    assert!(
        rows.contains(&format!("{first},Roadster,{},ada@cars.example", contacts[0]).as_str()),
        "{cars}"
    );
    let people = app
        .export_text(json!({"exportType": "VIEW", "exportName": "people", "format": "CSV", "language": "EN",
                            "objectType": "CONTACT", "objectProperties": ["email"], "associatedObjectType": ["cars"]}))
        .await;
    assert!(
        people.contains("Associated Car IDs,Associated Car"),
        "{people}"
    );
    assert!(
        people.contains(&format!("bo@cars.example,{second},Coupe")),
        "{people}"
    );
}

#[tokio::test]
async fn association_definitions_are_added_and_removed_with_their_edges() {
    let app = TestApp::spawn().await;
    let cars = define(&app, SCHEMA_PREFIXES[0], "cars").await;
    let companies = app
        .create_many("companies", vec![json!({"name": "Garage"})])
        .await;
    let defined = app
        .post(
            &format!("{}/{cars}/associations", SCHEMA_PREFIXES[0]),
            json!({"fromObjectTypeId": cars, "toObjectTypeId": "0-2", "name": "car_to_garage"}),
        )
        .await;
    assert_eq!(defined.status, StatusCode::CREATED, "{}", defined.body);
    let type_id: i64 = defined.body["id"].as_str().unwrap().parse().unwrap();
    let car = app
        .post(
            &format!("/crm/v3/objects/{cars}"),
            json!({"properties": {"model": "Van"}}),
        )
        .await;
    let car = car.body["id"].as_str().unwrap().to_string();
    let put = app
        .send(
            Method::PUT,
            &format!(
                "/crm/v4/objects/{cars}/{car}/associations/default/companies/{}",
                companies[0]
            ),
            Some(&app.token),
            None,
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(
        put.body["results"][0]["associationSpec"]["associationTypeId"],
        type_id
    );
    let listed = app
        .get(&format!(
            "/crm/v4/objects/companies/{}/associations/{cars}",
            companies[0]
        ))
        .await;
    assert_eq!(listed.body["results"][0]["toObjectId"].to_string(), car);

    let removed = app
        .delete(&format!(
            "{}/{cars}/associations/{type_id}",
            SCHEMA_PREFIXES[1]
        ))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    let labels = app
        .get(&format!("/crm/v4/associations/{cars}/companies/labels"))
        .await;
    assert_hubspot_error(&labels, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let schema = app.get(&format!("{}/{cars}", SCHEMA_PREFIXES[0])).await;
    assert_eq!(
        schema.body["associations"].as_array().unwrap().len(),
        1,
        "only cars_to_contact is left"
    );
    let again = app
        .delete(&format!(
            "{}/{cars}/associations/{type_id}",
            SCHEMA_PREFIXES[0]
        ))
        .await;
    assert_hubspot_error(&again, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
}

#[tokio::test]
async fn bad_schema_requests_are_clear_errors_and_store_nothing() {
    let app = TestApp::spawn().await;
    let prefix = SCHEMA_PREFIXES[0];
    let mut unknown_primary = cars_schema("cars");
    unknown_primary["primaryDisplayProperty"] = json!("plate");
    let mut bad_type = cars_schema("cars");
    bad_type["properties"][2]["type"] = json!("integer");
    let mut unknown_association = cars_schema("cars");
    unknown_association["associatedObjects"] = json!(["WIDGET"]);
    let mut system_property = cars_schema("cars");
    system_property["properties"][1]["name"] = json!("hs_object_id");
    for (what, body) in [
        ("a name with a dash", cars_schema("my-cars")),
        ("a standard object's name", cars_schema("Contacts")),
        ("an unknown primary display property", unknown_primary),
        ("an unknown property type", bad_type),
        ("an unknown associated object", unknown_association),
        ("a system property redefined", system_property),
        (
            "no labels",
            json!({"name": "cars", "properties": [{"name": "model", "label": "Model"}]}),
        ),
        (
            "no properties of its own",
            json!({"name": "cars", "labels": {"singular": "Car", "plural": "Cars"}}),
        ),
    ] {
        let reply = app.post(prefix, body).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(
            !reply.body["message"].as_str().unwrap().is_empty(),
            "{what}"
        );
    }
    let raw = app
        .send(
            Method::POST,
            prefix,
            Some(&app.token),
            Some(Body::Raw("{\"name\": ".into())),
        )
        .await;
    assert_hubspot_error(&raw, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let listed = app.get(prefix).await;
    assert_eq!(listed.body["results"], json!([]), "nothing was stored");

    let type_id = define(&app, prefix, "cars").await;
    let twice = app.post(prefix, cars_schema("CARS")).await;
    assert_hubspot_error(&twice, StatusCode::CONFLICT, "CONFLICT");
    let missing = app.get(&format!("{prefix}/2-999999")).await;
    assert_hubspot_error(&missing, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let bad_patch = app
        .patch(
            &format!("{prefix}/{type_id}"),
            json!({"primaryDisplayProperty": "plate"}),
        )
        .await;
    assert_hubspot_error(&bad_patch, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let records_of_unknown = app.get("/crm/v3/objects/2-999999").await;
    assert_hubspot_error(
        &records_of_unknown,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
    );

    // Scopes: reading schemas needs crm.schemas.custom.read, records crm.objects.custom.*.
    let contacts_only = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    for path in [prefix.to_string(), format!("/crm/v3/objects/{type_id}")] {
        let denied = app
            .send(Method::GET, &path, Some(&contacts_only), None)
            .await;
        assert_hubspot_error(&denied, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    }

    // Another portal sees neither the schema nor the records, by any spelling.
    let other = app.token_for(2, &TestApp::all_scopes()).await;
    let car = app
        .post(
            &format!("/crm/v3/objects/{type_id}"),
            json!({"properties": {"model": "Mine"}}),
        )
        .await;
    let car = car.body["id"].as_str().unwrap().to_string();
    let fqn = format!("p{}_cars", app.portal.0);
    let schema_there = app
        .send(
            Method::GET,
            &format!("{prefix}/{type_id}"),
            Some(&other),
            None,
        )
        .await;
    assert_hubspot_error(&schema_there, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    for spelling in [type_id.clone(), fqn, "cars".to_string()] {
        let records = app
            .send(
                Method::GET,
                &format!("/crm/v3/objects/{spelling}/{car}"),
                Some(&other),
                None,
            )
            .await;
        assert_hubspot_error(&records, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    }
    let their_schemas = app.send(Method::GET, prefix, Some(&other), None).await;
    assert_eq!(their_schemas.body["results"], json!([]));

    // Archiving needs the records gone first; the name stays taken after.
    let refused = app.delete(&format!("{prefix}/{type_id}")).await;
    assert_hubspot_error(&refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    assert_eq!(
        app.get(&format!("/crm/v3/objects/{type_id}/{car}"))
            .await
            .status,
        StatusCode::OK
    );
    let archived = app
        .delete(&format!("/crm/v3/objects/{type_id}/{car}"))
        .await;
    assert_eq!(archived.status, StatusCode::NO_CONTENT);
    let deleted = app.delete(&format!("{prefix}/{type_id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let gone = app.get(&format!("{prefix}/{type_id}")).await;
    assert_hubspot_error(&gone, StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND");
    let records_gone = app.get(&format!("/crm/v3/objects/{type_id}")).await;
    assert_hubspot_error(&records_gone, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
    let archived_list = app.get(&format!("{prefix}?archived=true")).await;
    assert_eq!(
        archived_list.body["results"][0]["objectTypeId"],
        type_id.as_str()
    );
    assert_eq!(archived_list.body["results"][0]["archived"], true);
    let reuse = app.post(prefix, cars_schema("cars")).await;
    assert_hubspot_error(&reuse, StatusCode::CONFLICT, "CONFLICT");
}
