//! Owners: one email per portal ignoring case, ids apart from every record's.

use crm_exports::store::{SharedStore, StoreError};

use crate::contract_tests;
use crate::fixtures::{NOW, contact, portal};

contract_tests!(owners_have_unique_emails_per_portal_and_ids_of_their_own);

async fn owners_have_unique_emails_per_portal_and_ids_of_their_own(store: SharedStore) {
    let portal = portal(&store).await;
    let record = contact(&store, portal, &[("firstname", "a")]).await;
    let sam = store
        .create_owner(portal, "Sam@Example.com", "Sam", "Stone", NOW)
        .await
        .unwrap();
    let kim = store
        .create_owner(portal, "kim@example.com", "Kim", "", NOW)
        .await
        .unwrap();
    assert_ne!(sam.id, record);
    assert_ne!(sam.user_id, sam.id);
    let clash = store
        .create_owner(portal, "sam@EXAMPLE.com", "Other", "", NOW)
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict { .. })));
    assert_eq!(
        store.list_owners(portal).await.unwrap(),
        vec![sam.clone(), kim]
    );
    assert_eq!(
        store.get_owner(portal, sam.id).await.unwrap(),
        Some(sam.clone())
    );
    let other = crate::fixtures::portal(&store).await;
    assert!(store.get_owner(other, sam.id).await.unwrap().is_none());
    // Another portal may use the same email.
    assert!(
        store
            .create_owner(other, "sam@example.com", "Sam", "", NOW)
            .await
            .is_ok()
    );
}
