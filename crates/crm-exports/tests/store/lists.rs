//! Lists: MANUAL and SNAPSHOT members, names unique ignoring case, DYNAMIC filters stored
//! and evaluated as a search, and list members as an export's selection.

use serde_json::json;

use crm_exports::domain::list::ProcessingType;
use crm_exports::domain::search::RawFilterGroup;
use crm_exports::store::{ListDraft, MembershipChange, RecordKey, SharedStore, StoreError};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, ids, portal, predicate};

contract_tests!(
    a_manual_list_keeps_live_members_and_reports_missing_ones,
    list_names_are_unique_per_object_ignoring_case,
    a_dynamic_list_evaluates_its_stored_filters,
    a_deleted_list_is_gone_until_restored_with_its_members,
);

fn draft(name: &str, processing_type: &str, members: Vec<i64>) -> ListDraft {
    ListDraft {
        name: name.into(),
        object: CONTACTS,
        processing_type: ProcessingType::parse(processing_type).expect("a processing type"),
        filter_branch: None,
        filter_groups: vec![],
        initial_members: members,
    }
}

async fn a_manual_list_keeps_live_members_and_reports_missing_ones(store: SharedStore) {
    let portal = portal(&store).await;
    let a = contact(&store, portal, &[("firstname", "a")]).await;
    let b = contact(&store, portal, &[("firstname", "b")]).await;
    let c = contact(&store, portal, &[("firstname", "c")]).await;
    let list = store
        .create_list(portal, draft("Customers", "MANUAL", vec![b, 77, a]), NOW)
        .await
        .unwrap();
    assert_eq!(list.processing_type, ProcessingType::Manual);
    assert_eq!(list.list_version, 1);
    assert_eq!(store.count_list_members(list.clone()).await.unwrap(), 2);
    let change = store
        .change_list_members(list.clone(), vec![c, a, 78], vec![b, 79], NOW + 1)
        .await
        .unwrap();
    assert_eq!(
        change,
        MembershipChange {
            added: vec![c],
            removed: vec![b],
            missing: vec![78, 79],
        }
    );
    let members = store.list_members(list.clone(), 0, 10).await.unwrap();
    assert_eq!(members, vec![(a, NOW), (c, NOW + 1)]);
    assert_eq!(
        store.list_members(list.clone(), a, 10).await.unwrap(),
        vec![(c, NOW + 1)]
    );
    // Archived records drop out of the members and the count.
    store
        .archive_records(portal, CONTACTS, vec![RecordKey::Id(a)], NOW + 2)
        .await
        .unwrap();
    assert_eq!(store.count_list_members(list.clone()).await.unwrap(), 1);
    // An export of a list selects its members through the predicate.
    let mut p = predicate(&store, portal, json!([]), json!([]), None).await;
    p.members_of_list = Some(list.id);
    let (total, records) = store
        .search_records(portal, CONTACTS, p, 0, 10, vec![])
        .await
        .unwrap();
    assert_eq!((total, ids(&records)), (1, vec![c]));
    let fetched = store.get_list(portal, list.id).await.unwrap().unwrap();
    assert_eq!(fetched, list);
    let elsewhere = crate::fixtures::portal(&store).await;
    assert!(store.get_list(elsewhere, list.id).await.unwrap().is_none());
}

async fn list_names_are_unique_per_object_ignoring_case(store: SharedStore) {
    let portal = portal(&store).await;
    let list = store
        .create_list(portal, draft("VIPs", "MANUAL", vec![]), NOW)
        .await
        .unwrap();
    let found = store.find_list(portal, CONTACTS, "vips").await.unwrap();
    assert_eq!(found.map(|l| l.id), Some(list.id));
    let again = store
        .create_list(portal, draft("vIpS", "SNAPSHOT", vec![]), NOW)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })));
    let mut companies = draft("VIPs", "MANUAL", vec![]);
    companies.object = crm_exports::domain::ObjectType::Companies;
    assert!(store.create_list(portal, companies, NOW).await.is_ok());
    assert!(
        store
            .find_list(portal, CONTACTS, "nobody")
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_dynamic_list_evaluates_its_stored_filters(store: SharedStore) {
    let portal = portal(&store).await;
    let oslo = contact(&store, portal, &[("city", "Oslo")]).await;
    let _bergen = contact(&store, portal, &[("city", "Bergen")]).await;
    let groups: Vec<RawFilterGroup> = serde_json::from_value(json!([
        { "filters": [{ "propertyName": "city", "operator": "EQ", "value": "oslo" }] }
    ]))
    .unwrap();
    let branch = json!({ "filterBranchType": "OR", "filterBranches": [] });
    let mut dynamic = draft("Oslo", "DYNAMIC", vec![]);
    dynamic.filter_groups = groups.clone();
    dynamic.filter_branch = Some(branch.clone());
    let list = store.create_list(portal, dynamic, NOW).await.unwrap();
    assert_eq!(list.filter_groups, groups);
    assert_eq!(list.filter_branch, Some(branch));
    let evaluate = |list: crm_exports::store::ListRow| {
        let store = store.clone();
        async move {
            let groups = serde_json::to_value(&list.filter_groups).unwrap();
            let p = predicate(&store, portal, groups, json!([]), None).await;
            let (_, records) = store
                .search_records(portal, CONTACTS, p, 0, 10, vec![])
                .await
                .unwrap();
            ids(&records)
        }
    };
    assert_eq!(evaluate(list.clone()).await, vec![oslo]);
    let later = contact(&store, portal, &[("city", "OSLO")]).await;
    assert_eq!(evaluate(list.clone()).await, vec![oslo, later]);
    let bergen_groups: Vec<RawFilterGroup> = serde_json::from_value(json!([
        { "filters": [{ "propertyName": "city", "operator": "EQ", "value": "bergen" }] }
    ]))
    .unwrap();
    let updated = store
        .update_list_filters(portal, list.id, json!({}), bergen_groups.clone(), NOW + 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.list_version, 2);
    assert_eq!(updated.updated_at, NOW + 3);
    assert_eq!(updated.filter_groups, bergen_groups);
    assert_eq!(evaluate(updated).await, vec![_bergen]);
    let missing = store
        .update_list_filters(portal, 999_999, json!({}), vec![], NOW)
        .await
        .unwrap();
    assert!(missing.is_none());
}

async fn a_deleted_list_is_gone_until_restored_with_its_members(store: SharedStore) {
    let portal = portal(&store).await;
    let a = contact(&store, portal, &[("firstname", "a")]).await;
    let list = store
        .create_list(portal, draft("Gone", "SNAPSHOT", vec![a]), NOW)
        .await
        .unwrap();
    assert!(store.delete_list(portal, list.id, NOW + 5).await.unwrap());
    assert!(!store.delete_list(portal, list.id, NOW + 6).await.unwrap());
    assert!(store.get_list(portal, list.id).await.unwrap().is_none());
    assert!(store.portal_lists(portal).await.unwrap().is_empty());
    assert!(
        store
            .find_list(portal, CONTACTS, "Gone")
            .await
            .unwrap()
            .is_none()
    );
    // Deleted before the window: not restorable; within it: back with its member.
    let late = store
        .restore_list(portal, list.id, NOW + 6, NOW + 7)
        .await
        .unwrap();
    assert!(late.is_none());
    let back = store
        .restore_list(portal, list.id, NOW, NOW + 7)
        .await
        .unwrap()
        .expect("restored");
    assert_eq!(back.updated_at, NOW + 7);
    assert_eq!(
        store.list_members(back.clone(), 0, 10).await.unwrap(),
        vec![(a, NOW)]
    );
    // Deleted again, its name is free; taken, the list cannot come back under it.
    assert!(store.delete_list(portal, list.id, NOW + 8).await.unwrap());
    assert!(
        store
            .create_list(portal, draft("gone", "MANUAL", vec![]), NOW)
            .await
            .is_ok()
    );
    let clash = store.restore_list(portal, list.id, NOW, NOW + 9).await;
    assert!(
        matches!(clash, Err(StoreError::Conflict { .. })),
        "{clash:?}"
    );
    // Another portal cannot restore it.
    let other = crate::fixtures::portal(&store).await;
    assert!(
        store
            .restore_list(other, list.id, NOW, NOW + 9)
            .await
            .unwrap()
            .is_none()
    );
}
