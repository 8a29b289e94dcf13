//! Custom objects: a schema's own record table, unique values, search and streaming as for
//! a standard object; association definitions in both directions; archive rules; portals
//! apart.

use crm_exports::domain::ObjectType;
use crm_exports::domain::association::{AssociationCatalog, Category};
use crm_exports::domain::custom_object::{
    CustomObjectSettings, Labels, NewCustomObject, default_group, system_properties,
};
use crm_exports::domain::property::PropertyDefinition;
use crm_exports::domain::schema::ObjectSchema;
use crm_exports::domain::search::{Predicate, RawFilterGroup, SearchLimits, parse_predicate};
use crm_exports::store::{
    Edge, PortalId, RecordKey, SharedStore, StoreError, Visibility, WriteFailure, WriteOp,
};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, portal};

contract_tests!(
    a_custom_object_stores_searches_and_streams_its_records,
    a_custom_objects_association_types_link_records_both_ways,
    a_custom_object_is_archived_only_when_empty_and_stays_in_its_portal,
);

fn labels() -> Labels {
    Labels {
        singular: "Car".into(),
        plural: "Cars".into(),
    }
}

fn own_property(
    name: &str,
    property_type: &str,
    field_type: &str,
    unique: bool,
) -> PropertyDefinition {
    serde_json::from_value(serde_json::json!({
        "name": name, "label": name, "type": property_type, "fieldType": field_type,
        "groupName": "cars_information", "hasUniqueValue": unique, "hubspotDefined": false,
    }))
    .unwrap()
}

async fn define_cars(store: &SharedStore, portal: PortalId, name: &str) -> ObjectType {
    let group = default_group(name, &labels());
    let mut properties = system_properties(&group.name, &labels(), NOW);
    properties.push(own_property("model", "string", "text", false));
    properties.push(own_property("vin", "string", "text", true));
    properties.push(own_property("year", "number", "number", false));
    let created = store
        .create_custom_object(
            portal,
            NewCustomObject {
                name: name.to_string(),
                settings: CustomObjectSettings {
                    labels: labels(),
                    primary_display_property: Some("model".into()),
                    searchable_properties: vec!["model".into()],
                    ..Default::default()
                },
                group,
                properties,
                associated: vec![(CONTACTS, format!("{name}_to_contact"))],
            },
            NOW,
        )
        .await
        .expect("the custom object is created");
    assert!(created.object.is_custom());
    assert_eq!(created.name, name);
    assert_eq!(
        created.fully_qualified_name,
        format!("p{}_{name}", portal.0)
    );
    created.object
}

fn predicate(schema: &ObjectSchema, groups: &[RawFilterGroup], query: Option<&str>) -> Predicate {
    parse_predicate(groups, &[], query, schema, &SearchLimits::unlimited()).unwrap()
}

async fn car(
    store: &SharedStore,
    portal: PortalId,
    cars: ObjectType,
    raw: &[(&str, &str)],
) -> Result<i64, WriteFailure> {
    let schema = store.object_schema(portal, cars).await.unwrap();
    let values = raw
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                schema.property(n).unwrap().parse_value(v).unwrap(),
            )
        })
        .collect();
    let written = store
        .write_records(
            portal,
            cars,
            vec![WriteOp::Create(values, vec![])].into(),
            true,
            NOW,
        )
        .await
        .unwrap();
    written.into_iter().next().unwrap().map(|w| w.id)
}

async fn a_custom_object_stores_searches_and_streams_its_records(store: SharedStore) {
    let portal = portal(&store).await;
    let cars = define_cars(&store, portal, "cars").await;
    let schema = store.object_schema(portal, cars).await.unwrap();
    assert_eq!(schema.custom.as_ref().unwrap().settings.labels, labels());
    assert!(
        schema.property("model").unwrap().searchable,
        "searchable as the schema says"
    );
    assert!(!schema.property("vin").unwrap().searchable);
    let a = car(
        &store,
        portal,
        cars,
        &[("model", "Roadster"), ("vin", "V1"), ("year", "2020")],
    )
    .await
    .unwrap();
    let b = car(
        &store,
        portal,
        cars,
        &[("model", "Coupe"), ("vin", "V2"), ("year", "2023")],
    )
    .await
    .unwrap();
    assert!(
        car(&store, portal, cars, &[("model", "Copy"), ("vin", "v1")])
            .await
            .is_err(),
        "vin is unique"
    );

    let read = store
        .read_records(
            portal,
            cars,
            vec![RecordKey::Unique {
                property: "vin".into(),
                value: "V2".into(),
            }],
            vec!["model".into(), "hs_createdate".into()],
            Visibility::Live,
        )
        .await
        .unwrap();
    let record = read[0].as_ref().expect("found by its unique vin");
    assert_eq!(record.id, b);
    assert_eq!(record.get("model").unwrap().to_wire(None), "Coupe");
    assert!(
        record.get("hs_createdate").is_some(),
        "the creation date is a system field"
    );

    let groups: Vec<RawFilterGroup> = serde_json::from_value(serde_json::json!(
        [{"filters": [{"propertyName": "year", "operator": "GT", "value": "2021"}]}]
    ))
    .unwrap();
    let (total, found) = store
        .search_records(
            portal,
            cars,
            predicate(&schema, &groups, None),
            0,
            10,
            vec!["model".into()],
        )
        .await
        .unwrap();
    assert_eq!((total, found[0].id), (1, b));
    let (_, by_text) = store
        .search_records(
            portal,
            cars,
            predicate(&schema, &[], Some("roadster")),
            0,
            10,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(by_text.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a]);

    let (sender, receiver) = std::sync::mpsc::sync_channel(4);
    let streamed = store.stream_batches(
        portal,
        cars,
        predicate(&schema, &[], None),
        vec!["model".into()],
        sender,
    );
    let collect =
        tokio::task::spawn_blocking(move || receiver.iter().map(|b| b.len()).sum::<usize>());
    streamed.await.unwrap();
    assert_eq!(collect.await.unwrap(), 2);
}

async fn a_custom_objects_association_types_link_records_both_ways(store: SharedStore) {
    let portal = portal(&store).await;
    let cars = define_cars(&store, portal, "cars").await;
    let catalog: AssociationCatalog = store.association_catalog(portal).await.unwrap();
    let forward = catalog
        .default_type(cars, CONTACTS)
        .expect("defined with the schema");
    let back = catalog
        .default_type(CONTACTS, cars)
        .expect("read from the contact side");
    assert_eq!(forward.category, Category::UserDefined);
    assert_eq!(
        (forward.inverse_id, back.inverse_id),
        (back.type_id, forward.type_id)
    );
    assert_eq!(catalog.type_name(&forward), "cars_to_contact");
    assert_eq!(catalog.default_type(cars, ObjectType::Deals), None);

    let roadster = car(&store, portal, cars, &[("model", "Roadster")])
        .await
        .unwrap();
    let ann = contact(&store, portal, &[("firstname", "Ann")]).await;
    let edge = Edge {
        from_id: ann,
        to_id: roadster,
        type_id: back.type_id,
        inverse_id: back.inverse_id,
    };
    assert_eq!(
        store
            .associate(portal, CONTACTS, cars, vec![edge], NOW)
            .await
            .unwrap(),
        vec![Ok(())]
    );
    assert_eq!(
        store
            .read_associations(portal, cars, CONTACTS, vec![roadster])
            .await
            .unwrap(),
        vec![(roadster, ann, forward.type_id)]
    );

    // A second definition to deals; removing it keeps the first and its edges.
    let deals = store
        .define_association(portal, cars, ObjectType::Deals, "cars_to_deal".into(), NOW)
        .await
        .unwrap();
    assert_ne!(deals.type_id, deals.inverse_id);
    assert!(
        store
            .remove_association_definition(portal, cars, deals.type_id)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_association_definition(portal, cars, deals.type_id)
            .await
            .unwrap()
    );
    let catalog = store.association_catalog(portal).await.unwrap();
    assert_eq!(catalog.defined().len(), 1);
    assert_eq!(
        store
            .read_associations(portal, CONTACTS, cars, vec![ann])
            .await
            .unwrap()
            .len(),
        1
    );

    // Removing the first removes its edges too.
    assert!(
        store
            .remove_association_definition(portal, cars, forward.type_id)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .read_associations(portal, CONTACTS, cars, vec![ann])
            .await
            .unwrap(),
        vec![]
    );
}

async fn a_custom_object_is_archived_only_when_empty_and_stays_in_its_portal(store: SharedStore) {
    let portal = portal(&store).await;
    let other = store.create_portal(NOW).await.unwrap();
    let cars = define_cars(&store, portal, "cars").await;
    let theirs = define_cars(&store, other, "Cars").await;
    assert_ne!(cars, theirs, "type numbers are unique across portals");
    assert!(matches!(
        store.object_schema(other, cars).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.custom_objects(other).await.unwrap().len(), 1);

    let duplicate = store
        .create_custom_object(
            portal,
            NewCustomObject {
                name: "CARS".into(),
                settings: CustomObjectSettings {
                    labels: labels(),
                    ..Default::default()
                },
                group: default_group("CARS", &labels()),
                properties: system_properties("cars_information", &labels(), NOW),
                associated: vec![],
            },
            NOW,
        )
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict { .. })),
        "names are unique in any case"
    );

    let updated = store
        .update_custom_object(
            portal,
            cars,
            CustomObjectSettings {
                labels: Labels {
                    singular: "Auto".into(),
                    plural: "Autos".into(),
                },
                ..Default::default()
            },
            NOW + 1,
        )
        .await
        .unwrap();
    assert_eq!(updated.settings.labels.plural, "Autos");
    assert_eq!(updated.updated_at, NOW + 1);

    let id = car(&store, portal, cars, &[("model", "Van")])
        .await
        .unwrap();
    assert!(matches!(
        store.archive_custom_object(portal, cars, NOW).await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .archive_records(portal, cars, vec![RecordKey::Id(id)], NOW)
        .await
        .unwrap();
    store
        .archive_custom_object(portal, cars, NOW)
        .await
        .unwrap();
    assert!(matches!(
        store.object_schema(portal, cars).await,
        Err(StoreError::NotFound(_))
    ));
    let listed = store.custom_objects(portal).await.unwrap();
    assert!(
        listed[0].archived,
        "an archived schema is still listed, marked archived"
    );
    assert!(matches!(
        store.archive_custom_object(portal, cars, NOW).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.archive_custom_object(other, cars, NOW).await,
        Err(StoreError::NotFound(_))
    ));
}
