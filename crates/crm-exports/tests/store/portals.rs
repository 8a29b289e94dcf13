//! Portals, tokens and schemas.

use crm_exports::store::{PortalId, SharedStore, StoreError};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, custom_property, portal};

contract_tests!(
    portals_get_increasing_ids_and_ensure_creates_a_portal_once,
    a_token_is_found_by_its_hash_until_it_is_revoked,
    a_custom_property_joins_the_schema_once,
    a_schema_of_an_unknown_portal_is_not_found,
    an_updated_or_archived_property_or_group_is_replaced_and_stays_archived,
);

async fn portals_get_increasing_ids_and_ensure_creates_a_portal_once(store: SharedStore) {
    let first = portal(&store).await;
    let second = portal(&store).await;
    assert!(second.0 > first.0);
    assert!(store.ensure_portal(PortalId(500), NOW).await.unwrap());
    assert!(!store.ensure_portal(PortalId(500), NOW).await.unwrap());
    let third = portal(&store).await;
    assert_eq!(third, PortalId(501));
    assert_eq!(
        store.list_portals().await.unwrap(),
        vec![first, second, PortalId(500), third]
    );
    let schema = store.object_schema(PortalId(500), CONTACTS).await.unwrap();
    assert!(schema.property("email").is_some());
}

async fn a_token_is_found_by_its_hash_until_it_is_revoked(store: SharedStore) {
    let portal = portal(&store).await;
    let scopes = vec![
        "crm.export".to_string(),
        "crm.objects.contacts.read".to_string(),
    ];
    let token = store
        .create_token(portal, "ci", &scopes, "hash-1", NOW)
        .await
        .unwrap();
    let found = store.token_by_hash("hash-1").await.unwrap().unwrap();
    assert_eq!(*found, token);
    assert_eq!(found.scopes, scopes);
    assert!(store.token_by_hash("hash-2").await.unwrap().is_none());
    assert!(store.revoke_token(token.id, NOW + 1).await.unwrap());
    assert!(!store.revoke_token(token.id, NOW + 2).await.unwrap());
    assert!(store.token_by_hash("hash-1").await.unwrap().is_none());
    let listed = store.list_tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(NOW + 1));
    let unknown = store
        .create_token(PortalId(9999), "x", &scopes, "hash-3", NOW)
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound(_))));
}

async fn a_custom_property_joins_the_schema_once(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    let last = schema.properties.last().unwrap();
    assert_eq!(last.name, "score");
    let again = store.create_property(portal, CONTACTS, last.clone()).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })));
    let mut orphan = last.clone();
    orphan.name = "orphan".into();
    orphan.group_name = "no_such_group".into();
    let orphaned = store.create_property(portal, CONTACTS, orphan).await;
    assert!(matches!(orphaned, Err(StoreError::NotFound(_))));
    let group = schema.groups[0].clone();
    let duplicate = store.create_property_group(portal, CONTACTS, group).await;
    assert!(matches!(duplicate, Err(StoreError::Conflict { .. })));
}

async fn a_schema_of_an_unknown_portal_is_not_found(store: SharedStore) {
    let missing = store.object_schema(PortalId(424242), CONTACTS).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
}

async fn an_updated_or_archived_property_or_group_is_replaced_and_stays_archived(
    store: SharedStore,
) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    custom_property(&store, portal, "tier", "string").await;
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    let mut score = schema.property("score").unwrap().clone();
    score.label = "Lead score".into();
    let mut tier = schema.property("tier").unwrap().clone();
    tier.archived_at = Some(NOW);
    store
        .update_properties(portal, CONTACTS, vec![score, tier])
        .await
        .unwrap();
    // The store's cached schema is dropped with the write: the next read sees both changes.
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    assert_eq!(schema.property("score").unwrap().label, "Lead score");
    assert!(schema.property("tier").is_none());
    assert_eq!(
        schema.archived_property("tier").unwrap().archived_at,
        Some(NOW)
    );
    // An archived name stays taken.
    let mut again = schema.property("score").unwrap().clone();
    again.name = "tier".into();
    let taken = store.create_property(portal, CONTACTS, again).await;
    assert!(matches!(taken, Err(StoreError::Conflict { .. })));
    // An unknown one fails the whole batch: nothing is changed.
    let mut renamed = schema.property("score").unwrap().clone();
    renamed.label = "Changed".into();
    let mut ghost = renamed.clone();
    ghost.name = "ghost".into();
    let missing = store
        .update_properties(portal, CONTACTS, vec![renamed, ghost])
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    assert_eq!(schema.property("score").unwrap().label, "Lead score");

    let mut group = schema.groups[0].clone();
    group.label = "Renamed group".into();
    store
        .update_property_group(portal, CONTACTS, group.clone())
        .await
        .unwrap();
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    assert_eq!(schema.groups[0].label, "Renamed group");
    group.archived = true;
    store
        .update_property_group(portal, CONTACTS, group.clone())
        .await
        .unwrap();
    let schema = store.object_schema(portal, CONTACTS).await.unwrap();
    assert!(schema.groups.iter().all(|g| g.name != group.name));
    let duplicate = store.create_property_group(portal, CONTACTS, group).await;
    assert!(matches!(duplicate, Err(StoreError::Conflict { .. })));
    let mut unknown = schema.groups[0].clone();
    unknown.name = "no_such_group".into();
    let missing = store.update_property_group(portal, CONTACTS, unknown).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
}
