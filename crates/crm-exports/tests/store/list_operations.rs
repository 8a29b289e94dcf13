//! List operations beyond create and members: renames (names stay unique), folders (made,
//! renamed, moved, deleted; lists filed in them), members in join order, clearing a list,
//! and the lists holding a record.

use crm_exports::domain::list::ProcessingType;
use crm_exports::store::{FolderChange, ListDraft, RecordKey, SharedStore, StoreError};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, portal};

contract_tests!(
    a_renamed_list_keeps_its_members_and_names_stay_unique,
    folders_are_made_renamed_moved_and_deleted_and_hold_lists,
    members_page_in_join_order_and_a_cleared_list_is_empty,
    the_lists_holding_a_record_are_its_live_lists,
);

fn draft(name: &str, members: Vec<i64>) -> ListDraft {
    ListDraft {
        name: name.into(),
        object: CONTACTS,
        processing_type: ProcessingType::Manual,
        filter_branch: None,
        filter_groups: vec![],
        initial_members: members,
    }
}

async fn a_renamed_list_keeps_its_members_and_names_stay_unique(store: SharedStore) {
    let portal = portal(&store).await;
    let a = contact(&store, portal, &[("firstname", "a")]).await;
    let list = store
        .create_list(portal, draft("Leads", vec![a]), NOW)
        .await
        .unwrap();
    store
        .create_list(portal, draft("Customers", vec![]), NOW)
        .await
        .unwrap();
    let renamed = store
        .rename_list(portal, list.id, "Hot leads".into(), NOW + 1)
        .await
        .unwrap()
        .expect("renamed");
    assert_eq!(
        (renamed.name.as_str(), renamed.updated_at),
        ("Hot leads", NOW + 1)
    );
    let found = store
        .find_list(portal, CONTACTS, "hot LEADS")
        .await
        .unwrap();
    assert_eq!(found.map(|l| l.id), Some(list.id));
    assert!(
        store
            .find_list(portal, CONTACTS, "Leads")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.count_list_members(renamed).await.unwrap(), 1);
    // Its own name in another letter case is fine; another list's is a conflict.
    let recased = store
        .rename_list(portal, list.id, "HOT LEADS".into(), NOW + 2)
        .await;
    assert!(recased.unwrap().is_some());
    let clash = store
        .rename_list(portal, list.id, "customers".into(), NOW + 3)
        .await;
    assert!(
        matches!(clash, Err(StoreError::Conflict { .. })),
        "{clash:?}"
    );
    let other = crate::fixtures::portal(&store).await;
    assert!(
        store
            .rename_list(other, list.id, "x".into(), NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn folders_are_made_renamed_moved_and_deleted_and_hold_lists(store: SharedStore) {
    let portal = portal(&store).await;
    let top = store
        .create_list_folder(portal, "Marketing".into(), 0, NOW)
        .await
        .unwrap();
    let sub = store
        .create_list_folder(portal, "Events".into(), top.id, NOW)
        .await
        .unwrap();
    assert_eq!((sub.parent_id, sub.name.as_str()), (top.id, "Events"));
    let renamed = store
        .change_list_folder(
            portal,
            sub.id,
            FolderChange::Rename("Webinars".into()),
            NOW + 1,
        )
        .await
        .unwrap()
        .expect("renamed");
    assert_eq!(
        (renamed.name.as_str(), renamed.updated_at),
        ("Webinars", NOW + 1)
    );
    let moved = store
        .change_list_folder(portal, sub.id, FolderChange::Move(0), NOW + 2)
        .await
        .unwrap()
        .expect("moved");
    assert_eq!(moved.parent_id, 0);
    assert_eq!(
        store.list_folders(portal).await.unwrap(),
        vec![top.clone(), moved]
    );

    let list = store
        .create_list(portal, draft("Attendees", vec![]), NOW)
        .await
        .unwrap();
    assert_eq!(list.folder_id, 0);
    assert!(
        store
            .move_list(portal, list.id, top.id, NOW + 3)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_list(portal, list.id)
            .await
            .unwrap()
            .unwrap()
            .folder_id,
        top.id
    );
    // A list deleted from a folder that is then deleted comes back to the root.
    assert!(store.delete_list(portal, list.id, NOW + 4).await.unwrap());
    assert!(!store.move_list(portal, list.id, 0, NOW + 4).await.unwrap());
    assert!(store.delete_list_folder(portal, top.id).await.unwrap());
    assert!(!store.delete_list_folder(portal, top.id).await.unwrap());
    let back = store
        .restore_list(portal, list.id, NOW, NOW + 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.folder_id, 0);
    // Another portal sees none of them.
    let other = crate::fixtures::portal(&store).await;
    assert!(store.list_folders(other).await.unwrap().is_empty());
    let foreign = store
        .change_list_folder(other, sub.id, FolderChange::Move(0), NOW)
        .await
        .unwrap();
    assert!(foreign.is_none());
}

async fn members_page_in_join_order_and_a_cleared_list_is_empty(store: SharedStore) {
    let portal = portal(&store).await;
    let a = contact(&store, portal, &[("firstname", "a")]).await;
    let b = contact(&store, portal, &[("firstname", "b")]).await;
    let c = contact(&store, portal, &[("firstname", "c")]).await;
    let list = store
        .create_list(portal, draft("Joined", vec![c]), NOW)
        .await
        .unwrap();
    store
        .change_list_members(list.clone(), vec![a], vec![], NOW + 2)
        .await
        .unwrap();
    store
        .change_list_members(list.clone(), vec![b], vec![], NOW + 1)
        .await
        .unwrap();
    let all = store
        .list_members_by_join(list.clone(), None, 10)
        .await
        .unwrap();
    assert_eq!(all, vec![(c, NOW), (b, NOW + 1), (a, NOW + 2)]);
    let rest = store
        .list_members_by_join(list.clone(), Some((NOW + 1, b)), 10)
        .await
        .unwrap();
    assert_eq!(rest, vec![(a, NOW + 2)]);
    assert_eq!(
        store
            .list_members_by_join(list.clone(), None, 1)
            .await
            .unwrap(),
        vec![(c, NOW)]
    );
    assert_eq!(store.clear_list_members(list.clone()).await.unwrap(), 3);
    assert_eq!(store.count_list_members(list.clone()).await.unwrap(), 0);
    assert!(
        store
            .list_members_by_join(list, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_lists_holding_a_record_are_its_live_lists(store: SharedStore) {
    let portal = portal(&store).await;
    let a = contact(&store, portal, &[("firstname", "a")]).await;
    let b = contact(&store, portal, &[("firstname", "b")]).await;
    let first = store
        .create_list(portal, draft("First", vec![a]), NOW)
        .await
        .unwrap();
    let second = store
        .create_list(portal, draft("Second", vec![]), NOW)
        .await
        .unwrap();
    store
        .change_list_members(second.clone(), vec![a, b], vec![], NOW + 1)
        .await
        .unwrap();
    let gone = store
        .create_list(portal, draft("Gone", vec![a]), NOW)
        .await
        .unwrap();
    assert!(store.delete_list(portal, gone.id, NOW + 2).await.unwrap());
    let held = store.record_lists(portal, CONTACTS, a).await.unwrap();
    let held: Vec<(i64, i64)> = held.iter().map(|(l, at)| (l.id, *at)).collect();
    assert_eq!(held, vec![(first.id, NOW), (second.id, NOW + 1)]);
    // An archived record is in no list; another portal's record ids find nothing.
    store
        .archive_records(portal, CONTACTS, vec![RecordKey::Id(b)], NOW + 3)
        .await
        .unwrap();
    assert!(
        store
            .record_lists(portal, CONTACTS, b)
            .await
            .unwrap()
            .is_empty()
    );
    let other = crate::fixtures::portal(&store).await;
    assert!(
        store
            .record_lists(other, CONTACTS, a)
            .await
            .unwrap()
            .is_empty()
    );
}
