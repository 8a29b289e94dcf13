//! Merges and permanent deletes: the primary keeps its id and values and takes the merged
//! record's missing values, edges and list memberships; the merged id reads as the primary;
//! a permanent delete leaves no row, edge, membership or merged id behind.

use crm_exports::domain::ObjectType;
use crm_exports::domain::list::ProcessingType;
use crm_exports::store::{
    Edge, ListDraft, MergeRefusal, PortalId, RecordKey, SharedStore, Visibility,
};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, portal, text};

const COMPANIES: ObjectType = ObjectType::Companies;

contract_tests!(
    a_merge_fills_the_primary_moves_edges_and_members_and_redirects_the_merged_id,
    a_merge_refuses_one_record_and_records_it_cannot_see,
    a_purged_record_leaves_nothing_behind,
);

async fn company(store: &SharedStore, portal: PortalId) -> i64 {
    let schema = store.object_schema(portal, COMPANIES).await.unwrap();
    let value = schema
        .property("name")
        .unwrap()
        .parse_value("Acme")
        .unwrap();
    let op = crm_exports::store::WriteOp::Create(vec![("name".into(), value)], vec![]);
    let written = store
        .write_records(portal, COMPANIES, vec![op].into(), true, NOW)
        .await
        .unwrap();
    written[0].clone().unwrap().id
}

async fn link(store: &SharedStore, portal: PortalId, contact: i64, company: i64) {
    let edge = Edge {
        from_id: contact,
        to_id: company,
        type_id: 1,
        inverse_id: 2,
    };
    let linked = store
        .associate(portal, CONTACTS, COMPANIES, vec![edge], NOW)
        .await
        .unwrap();
    assert_eq!(linked, vec![Ok(())]);
}

async fn list_of(
    store: &SharedStore,
    portal: PortalId,
    name: &str,
    members: Vec<i64>,
) -> crm_exports::store::ListRow {
    let draft = ListDraft {
        name: name.into(),
        object: CONTACTS,
        processing_type: ProcessingType::Manual,
        filter_branch: None,
        filter_groups: vec![],
        initial_members: members,
    };
    store.create_list(portal, draft, NOW).await.unwrap()
}

async fn read(
    store: &SharedStore,
    portal: PortalId,
    id: i64,
    visibility: Visibility,
) -> Option<crm_exports::domain::Record> {
    let names = ["email", "firstname", "lastname", "hs_merged_object_ids"]
        .map(String::from)
        .to_vec();
    store
        .read_records(portal, CONTACTS, vec![RecordKey::Id(id)], names, visibility)
        .await
        .unwrap()
        .pop()
        .flatten()
}

fn value(record: &crm_exports::domain::Record, name: &str) -> Option<crm_exports::domain::Value> {
    record
        .properties
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.clone())
}

async fn a_merge_fills_the_primary_moves_edges_and_members_and_redirects_the_merged_id(
    store: SharedStore,
) {
    let portal = portal(&store).await;
    let primary = contact(
        &store,
        portal,
        &[("email", "keep@example.com"), ("firstname", "Kim")],
    )
    .await;
    let merged = contact(
        &store,
        portal,
        &[
            ("email", "old@example.com"),
            ("firstname", "Old"),
            ("lastname", "Stone"),
        ],
    )
    .await;
    let acme = company(&store, portal).await;
    link(&store, portal, merged, acme).await;
    link(&store, portal, primary, acme).await;
    let list = list_of(&store, portal, "Both", vec![merged]).await;

    let outcome = store
        .merge_records(portal, CONTACTS, primary, merged, NOW + 1)
        .await
        .unwrap();
    assert_eq!(outcome, Ok(()));
    let kept = read(&store, portal, primary, Visibility::Live)
        .await
        .unwrap();
    assert_eq!(value(&kept, "email"), text("keep@example.com"));
    assert_eq!(value(&kept, "firstname"), text("Kim"));
    assert_eq!(value(&kept, "lastname"), text("Stone"));
    assert_eq!(
        value(&kept, "hs_merged_object_ids"),
        text(&merged.to_string())
    );
    assert_eq!(kept.updated_at, NOW + 1);
    let redirected = read(&store, portal, merged, Visibility::Live)
        .await
        .unwrap();
    assert_eq!(redirected.id, primary);
    assert!(
        read(&store, portal, merged, Visibility::Archived)
            .await
            .is_none()
    );
    let edges = store
        .read_associations(portal, COMPANIES, CONTACTS, vec![acme])
        .await
        .unwrap();
    assert_eq!(edges, vec![(acme, primary, 2)]);
    let members = store.list_members(list.clone(), 0, 10).await.unwrap();
    assert_eq!(
        members.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![primary]
    );
    let listed = store
        .list_records(portal, CONTACTS, 0, 10, vec![], Visibility::Live)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![primary]
    );
    // The merged record's email is free: its row is gone.
    contact(&store, portal, &[("email", "old@example.com")]).await;
}

async fn a_merge_refuses_one_record_and_records_it_cannot_see(store: SharedStore) {
    let portal = portal(&store).await;
    let a = contact(&store, portal, &[("firstname", "A")]).await;
    let b = contact(&store, portal, &[("firstname", "B")]).await;
    assert_eq!(
        store
            .merge_records(portal, CONTACTS, a, a, NOW)
            .await
            .unwrap(),
        Err(MergeRefusal::SameRecord)
    );
    assert_eq!(
        store
            .merge_records(portal, CONTACTS, a, 987_654, NOW)
            .await
            .unwrap(),
        Err(MergeRefusal::Missing(987_654))
    );
    let other = crate::fixtures::portal(&store).await;
    assert_eq!(
        store
            .merge_records(other, CONTACTS, a, b, NOW)
            .await
            .unwrap(),
        Err(MergeRefusal::Missing(a))
    );
    store
        .archive_records(portal, CONTACTS, vec![RecordKey::Id(b)], NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .merge_records(portal, CONTACTS, a, b, NOW)
            .await
            .unwrap(),
        Err(MergeRefusal::Missing(b))
    );
    let c = contact(&store, portal, &[("firstname", "C")]).await;
    store
        .merge_records(portal, CONTACTS, a, c, NOW)
        .await
        .unwrap()
        .unwrap();
    // c now names a: the two are one record already.
    assert_eq!(
        store
            .merge_records(portal, CONTACTS, c, a, NOW)
            .await
            .unwrap(),
        Err(MergeRefusal::SameRecord)
    );
    assert_eq!(
        value(
            &read(&store, portal, a, Visibility::Live).await.unwrap(),
            "firstname"
        ),
        text("A")
    );
}

async fn a_purged_record_leaves_nothing_behind(store: SharedStore) {
    let portal = portal(&store).await;
    let gone = contact(&store, portal, &[("email", "gone@example.com")]).await;
    let absorbed = contact(&store, portal, &[("firstname", "Absorbed")]).await;
    store
        .merge_records(portal, CONTACTS, gone, absorbed, NOW)
        .await
        .unwrap()
        .unwrap();
    let acme = company(&store, portal).await;
    link(&store, portal, gone, acme).await;
    let list = list_of(&store, portal, "Purged", vec![gone]).await;
    let by_email = RecordKey::Unique {
        property: "email".into(),
        value: "GONE@example.com".into(),
    };
    assert!(
        store
            .purge_record(portal, CONTACTS, by_email.clone())
            .await
            .unwrap()
    );
    for visibility in [Visibility::Live, Visibility::Archived] {
        assert!(read(&store, portal, gone, visibility).await.is_none());
        assert!(read(&store, portal, absorbed, visibility).await.is_none());
    }
    assert!(
        store
            .read_associations(portal, COMPANIES, CONTACTS, vec![acme])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.list_members(list, 0, 10).await.unwrap().is_empty());
    assert!(
        !store
            .purge_record(portal, CONTACTS, by_email)
            .await
            .unwrap()
    );
    // An archived record is purged too.
    let archived = contact(&store, portal, &[("firstname", "Archived")]).await;
    store
        .archive_records(portal, CONTACTS, vec![RecordKey::Id(archived)], NOW)
        .await
        .unwrap();
    assert!(
        store
            .purge_record(portal, CONTACTS, RecordKey::Id(archived))
            .await
            .unwrap()
    );
    assert!(
        read(&store, portal, archived, Visibility::Archived)
            .await
            .is_none()
    );
}
