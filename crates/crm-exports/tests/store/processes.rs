//! Several processes on one PostgreSQL database, each with a store of its own: what one
//! writes the others see at once (each process keeps schemas, but never past a change made
//! elsewhere: properties, groups, pipelines, custom objects, association types, a snapshot
//! restore), and the export queue keeps one export at a time per portal across all of
//! them. PostgreSQL only: SQLite is one process.

use std::collections::HashSet;

use serde_json::json;

use crm_exports::domain::ObjectType;
use crm_exports::domain::custom_object::{
    CustomObjectSettings, Labels, NewCustomObject, default_group, system_properties,
};
use crm_exports::domain::pipeline_edit::PipelineEdit;
use crm_exports::domain::pipeline_input::parse_pipeline;
use crm_exports::domain::property::PropertyGroup;
use crm_exports::store::{PortalId, SharedStore};

use crate::backends::run_on_postgres_stores;
use crate::fixtures::{CONTACTS, NOW, contact, custom_property, export_request, queue_export};

const DEALS: ObjectType = ObjectType::Deals;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
async fn a_property_added_in_one_process_is_usable_in_another_at_once() {
    run_on_postgres_stores(2, |stores| async move {
        let (api_a, api_b) = (&stores[0], &stores[1]);
        let portal = api_a.create_portal(NOW).await.unwrap();
        // Process B reads the schema before A changes it.
        assert!(
            api_b
                .object_schema(portal, CONTACTS)
                .await
                .unwrap()
                .property("tier")
                .is_none()
        );
        custom_property(api_a, portal, "tier", "string").await;
        let id = contact(api_b, portal, &[("tier", "gold")]).await;
        let read = api_a
            .read_records(
                portal,
                CONTACTS,
                vec![crm_exports::store::RecordKey::Id(id)],
                vec!["tier".into()],
                crm_exports::store::Visibility::Live,
            )
            .await
            .unwrap();
        assert_eq!(
            read[0].as_ref().unwrap().get("tier"),
            crate::fixtures::text("gold").as_ref()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
async fn property_and_group_changes_in_one_process_show_in_another_at_once() {
    run_on_postgres_stores(2, |stores| async move {
        let (api_a, api_b) = (&stores[0], &stores[1]);
        let portal = api_a.create_portal(NOW).await.unwrap();
        let before = api_b.object_schema(portal, CONTACTS).await.unwrap();
        let mut city = before.property("city").unwrap().clone();
        city.label = "Town".into();
        api_a
            .update_properties(portal, CONTACTS, vec![city])
            .await
            .unwrap();
        let after = api_b.object_schema(portal, CONTACTS).await.unwrap();
        assert_eq!(after.property("city").unwrap().label, "Town");

        let group = PropertyGroup {
            name: "loyalty".into(),
            label: "Loyalty".into(),
            display_order: 9,
            archived: false,
        };
        api_a
            .create_property_group(portal, CONTACTS, group)
            .await
            .unwrap();
        let after = api_b.object_schema(portal, CONTACTS).await.unwrap();
        assert!(after.groups.iter().any(|g| g.name == "loyalty"));
        // Another portal's schema is not what changed, and reads the same as before.
        let other = api_a.create_portal(NOW).await.unwrap();
        let untouched = api_b.object_schema(other, CONTACTS).await.unwrap();
        assert_eq!(untouched.property("city").unwrap().label, "City");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
async fn a_pipeline_edit_in_one_process_shows_in_another_at_once() {
    run_on_postgres_stores(2, |stores| async move {
        let (api_a, api_b) = (&stores[0], &stores[1]);
        let portal = api_a.create_portal(NOW).await.unwrap();
        let before = api_b.object_schema(portal, DEALS).await.unwrap();
        let body = json!({"label": "Renewals", "displayOrder": 1,
            "stages": [{"label": "Ask", "displayOrder": 0, "metadata": {"probability": 0.5}}]});
        let edit = PipelineEdit::CreatePipeline(parse_pipeline(DEALS, &body).unwrap());
        api_a
            .edit_pipelines(portal, DEALS, edit, false, NOW)
            .await
            .unwrap()
            .unwrap();
        let after = api_b.object_schema(portal, DEALS).await.unwrap();
        assert_eq!(after.pipelines().len(), before.pipelines().len() + 1);
        assert!(after.pipelines().iter().any(|p| p.label == "Renewals"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
async fn custom_object_changes_in_one_process_show_in_another_at_once() {
    run_on_postgres_stores(2, |stores| async move {
        let (api_a, api_b) = (&stores[0], &stores[1]);
        let portal = api_a.create_portal(NOW).await.unwrap();
        let labels = Labels {
            singular: "Car".into(),
            plural: "Cars".into(),
        };
        let group = default_group("cars", &labels);
        let new = NewCustomObject {
            name: "cars".into(),
            settings: CustomObjectSettings {
                labels: labels.clone(),
                ..Default::default()
            },
            properties: system_properties(&group.name, &labels, NOW),
            group,
            associated: vec![],
        };
        let cars = api_a.create_custom_object(portal, new, NOW).await.unwrap();
        let before = api_b.object_schema(portal, cars.object).await.unwrap();
        assert!(before.custom.as_ref().unwrap().associations.is_empty());
        let settings = CustomObjectSettings {
            labels,
            description: Some("Fleet".into()),
            ..Default::default()
        };
        api_a
            .update_custom_object(portal, cars.object, settings, NOW + 1)
            .await
            .unwrap();
        let after = api_b.object_schema(portal, cars.object).await.unwrap();
        let custom = after.custom.as_ref().unwrap();
        assert_eq!(custom.settings.description.as_deref(), Some("Fleet"));

        api_a
            .define_association(portal, cars.object, DEALS, "car_to_deal".into(), NOW + 2)
            .await
            .unwrap();
        let after = api_b.object_schema(portal, cars.object).await.unwrap();
        assert_eq!(after.custom.as_ref().unwrap().associations.len(), 1);

        api_a
            .archive_custom_object(portal, cars.object, NOW + 3)
            .await
            .unwrap();
        assert!(api_b.object_schema(portal, cars.object).await.is_err());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
async fn a_snapshot_restored_by_one_process_shows_in_another_at_once() {
    run_on_postgres_stores(2, |stores| async move {
        let (api_a, api_b) = (&stores[0], &stores[1]);
        let portal = api_a.create_portal(NOW).await.unwrap();
        let nowhere = std::path::Path::new("unused");
        api_a.save_snapshot("before", nowhere).await.unwrap();
        custom_property(api_a, portal, "tier", "string").await;
        let with_tier = api_b.object_schema(portal, CONTACTS).await.unwrap();
        assert!(with_tier.property("tier").is_some());
        api_a.restore_snapshot("before", nowhere).await.unwrap();
        let restored = api_b.object_schema(portal, CONTACTS).await.unwrap();
        assert!(restored.property("tier").is_none());
        api_a.delete_snapshot("before", nowhere).await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL"]
async fn workers_in_several_processes_never_run_two_exports_of_one_portal() {
    run_on_postgres_stores(3, |stores| async move {
        let mut portals = Vec::new();
        for n in 0..4 {
            let portal = stores[0].create_portal(NOW).await.unwrap();
            for e in 0..3 {
                let request = export_request(&format!("e{e}"));
                queue_export(&stores[n % 3], portal, &request, NOW + e as i64).await;
            }
            portals.push(portal);
        }
        // Every process claims at once, several times over.
        let claims: Vec<_> = (0..12)
            .map(|n| {
                let store: SharedStore = stores[n % 3].clone();
                tokio::spawn(async move {
                    store
                        .claim_export(&format!("w{n}"), NOW + 10, 30_000, 3)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut running: HashSet<PortalId> = HashSet::new();
        for claim in claims {
            if let Some(row) = claim.await.unwrap() {
                assert!(
                    running.insert(row.portal),
                    "portal {:?} runs two exports",
                    row.portal
                );
                assert_eq!(row.request.export_name, "e0");
            }
        }
        for store in &stores {
            while let Some(row) = store
                .claim_export("late", NOW + 10, 30_000, 3)
                .await
                .unwrap()
            {
                assert!(
                    running.insert(row.portal),
                    "portal {:?} runs two exports",
                    row.portal
                );
            }
        }
        assert_eq!(running.len(), portals.len());
    })
    .await;
}
