//! The association schema: custom labels (fresh type ids, read from both sides, renamed,
//! deleted with their edges, names unique per pair) and association limits (created only
//! once, updated only when set, purged, and refusing edges over them on either end).

use crm_exports::domain::ObjectType;
use crm_exports::domain::association::Category;
use crm_exports::store::{
    AssociationLimit, Edge, EdgeRefusal, LabelDraft, PortalId, SharedStore, StoreError, WriteOp,
};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, portal};

const COMPANIES: ObjectType = ObjectType::Companies;

contract_tests!(
    a_custom_label_reads_from_both_sides_is_renamed_and_deleted_with_its_edges,
    association_limits_are_set_once_updated_purged_and_refuse_edges_over_them,
);

async fn company(store: &SharedStore, portal: PortalId, name: &str) -> i64 {
    let schema = store.object_schema(portal, COMPANIES).await.unwrap();
    let value = schema.property("name").unwrap().parse_value(name).unwrap();
    let written = store
        .write_records(
            portal,
            COMPANIES,
            vec![WriteOp::Create(vec![("name".into(), value)], vec![])].into(),
            true,
            NOW,
        )
        .await
        .unwrap();
    written[0].clone().unwrap().id
}

fn draft(name: &str, label: &str, inverse: Option<&str>) -> LabelDraft {
    LabelDraft {
        name: name.into(),
        label: label.into(),
        inverse_label: inverse.map(str::to_string),
    }
}

async fn a_custom_label_reads_from_both_sides_is_renamed_and_deleted_with_its_edges(
    store: SharedStore,
) {
    let portal = portal(&store).await;
    let pair = (CONTACTS, COMPANIES);
    let manager = store
        .create_association_label(
            portal,
            pair,
            draft("manager", "Manager", Some("Managed by")),
            NOW,
        )
        .await
        .unwrap();
    assert!(manager.type_id > 1_000 && manager.inverse_id != manager.type_id);
    // The name is taken for the pair in either direction and any letter case.
    let again = store
        .create_association_label(
            portal,
            (COMPANIES, CONTACTS),
            draft("MANAGER", "x", None),
            NOW,
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );

    let catalog = store.association_catalog(portal).await.unwrap();
    let forward = catalog
        .find_type(CONTACTS, COMPANIES, manager.type_id)
        .unwrap();
    assert_eq!(forward.label.as_deref(), Some("Manager"));
    assert_eq!(forward.category, Category::UserDefined);
    let back = catalog
        .find_type(COMPANIES, CONTACTS, manager.inverse_id)
        .unwrap();
    assert_eq!(back.label.as_deref(), Some("Managed by"));
    // Another portal does not see it.
    let other = crate::fixtures::portal(&store).await;
    let foreign = store.association_catalog(other).await.unwrap();
    assert!(
        foreign
            .find_type(CONTACTS, COMPANIES, manager.type_id)
            .is_none()
    );

    // Renamed from the far side: the text read that way changes, the other stays.
    let renamed = store
        .update_association_label(
            portal,
            (COMPANIES, CONTACTS),
            manager.inverse_id,
            "Boss of".into(),
            None,
        )
        .await
        .unwrap();
    assert!(renamed);
    let catalog = store.association_catalog(portal).await.unwrap();
    let back = catalog
        .find_type(COMPANIES, CONTACTS, manager.inverse_id)
        .unwrap();
    assert_eq!(back.label.as_deref(), Some("Boss of"));
    let forward = catalog
        .find_type(CONTACTS, COMPANIES, manager.type_id)
        .unwrap();
    assert_eq!(forward.label.as_deref(), Some("Manager"));
    let unknown = store
        .update_association_label(portal, pair, 279, "Nope".into(), None)
        .await
        .unwrap();
    assert!(!unknown, "HubSpot's own types are not labels");

    // Edges of the label are read with its type, and deleted with it.
    let ann = contact(&store, portal, &[("firstname", "Ann")]).await;
    let acme = company(&store, portal, "Acme").await;
    let edges = vec![
        Edge {
            from_id: ann,
            to_id: acme,
            type_id: 279,
            inverse_id: 280,
        },
        Edge {
            from_id: ann,
            to_id: acme,
            type_id: manager.type_id,
            inverse_id: manager.inverse_id,
        },
    ];
    store
        .associate(portal, CONTACTS, COMPANIES, edges, NOW)
        .await
        .unwrap();
    let read = store
        .read_associations(portal, COMPANIES, CONTACTS, vec![acme])
        .await
        .unwrap();
    assert_eq!(
        read,
        vec![(acme, ann, 280), (acme, ann, manager.inverse_id)]
    );
    assert!(
        store
            .delete_association_label(portal, pair, manager.type_id)
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_association_label(portal, pair, manager.type_id)
            .await
            .unwrap()
    );
    let read = store
        .read_associations(portal, CONTACTS, COMPANIES, vec![ann])
        .await
        .unwrap();
    assert_eq!(read, vec![(ann, acme, 279)]);
    let catalog = store.association_catalog(portal).await.unwrap();
    assert!(
        catalog
            .find_type(CONTACTS, COMPANIES, manager.type_id)
            .is_none()
    );
}

fn limit(from: ObjectType, to: ObjectType, type_id: i64, max: i64) -> AssociationLimit {
    AssociationLimit {
        from,
        to,
        type_id,
        max_to_object_ids: max,
    }
}

async fn association_limits_are_set_once_updated_purged_and_refuse_edges_over_them(
    store: SharedStore,
) {
    let portal = portal(&store).await;
    let one_company = limit(CONTACTS, COMPANIES, 279, 1);
    let created = store
        .set_association_limits(portal, vec![one_company], false, NOW)
        .await
        .unwrap();
    assert_eq!(created, vec![true]);
    // Create does not overwrite, update does not create.
    let twice = store
        .set_association_limits(portal, vec![limit(CONTACTS, COMPANIES, 279, 5)], false, NOW)
        .await
        .unwrap();
    assert_eq!(twice, vec![false]);
    let unset = store
        .set_association_limits(portal, vec![limit(COMPANIES, CONTACTS, 280, 2)], true, NOW)
        .await
        .unwrap();
    assert_eq!(unset, vec![false]);
    let listed = store.association_limits(portal, None).await.unwrap();
    assert_eq!(listed, vec![one_company]);
    let other = crate::fixtures::portal(&store).await;
    assert!(
        store
            .association_limits(other, None)
            .await
            .unwrap()
            .is_empty()
    );

    let ann = contact(&store, portal, &[("firstname", "Ann")]).await;
    let bob = contact(&store, portal, &[("firstname", "Bob")]).await;
    let acme = company(&store, portal, "Acme").await;
    let zeta = company(&store, portal, "Zeta").await;
    let unlabeled = |from_id, to_id| Edge {
        from_id,
        to_id,
        type_id: 279,
        inverse_id: 280,
    };
    let outcomes = store
        .associate(
            portal,
            CONTACTS,
            COMPANIES,
            vec![
                unlabeled(ann, acme),
                unlabeled(ann, zeta),
                unlabeled(ann, acme),
            ],
            NOW,
        )
        .await
        .unwrap();
    let over = EdgeRefusal::OverLimit {
        record_id: ann,
        limit: one_company,
    };
    // The second company is over the limit; the edge already made is no new one.
    assert_eq!(outcomes, vec![Ok(()), Err(over), Ok(())]);

    // The limit holds from the other side too: a company adding Ann is refused.
    let from_company = store
        .associate(
            portal,
            COMPANIES,
            CONTACTS,
            vec![Edge {
                from_id: zeta,
                to_id: ann,
                type_id: 280,
                inverse_id: 279,
            }],
            NOW,
        )
        .await
        .unwrap();
    assert!(
        matches!(from_company[0], Err(EdgeRefusal::OverLimit { record_id, .. }) if record_id == ann)
    );

    let raised = store
        .set_association_limits(portal, vec![limit(CONTACTS, COMPANIES, 279, 2)], true, NOW)
        .await
        .unwrap();
    assert_eq!(raised, vec![true]);
    let now_fits = store
        .associate(portal, CONTACTS, COMPANIES, vec![unlabeled(ann, zeta)], NOW)
        .await
        .unwrap();
    assert_eq!(now_fits, vec![Ok(())]);

    let purged = store
        .purge_association_limits(portal, (CONTACTS, COMPANIES), vec![279, 1])
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert!(
        store
            .association_limits(portal, None)
            .await
            .unwrap()
            .is_empty()
    );
    let unlimited = store
        .associate(
            portal,
            CONTACTS,
            COMPANIES,
            vec![unlabeled(bob, acme), unlabeled(bob, zeta)],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(unlimited, vec![Ok(()), Ok(())]);
}
