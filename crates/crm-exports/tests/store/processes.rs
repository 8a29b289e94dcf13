//! Several processes on one PostgreSQL database, each with a store of its own: what one
//! writes the others see at once (no stale per-process schema), and the export queue keeps
//! one export at a time per portal across all of them. PostgreSQL only: SQLite is one
//! process.

use std::collections::HashSet;

use crm_exports::store::{PortalId, SharedStore};

use crate::backends::run_on_postgres_stores;
use crate::fixtures::{CONTACTS, NOW, contact, custom_property, export_request, queue_export};

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
