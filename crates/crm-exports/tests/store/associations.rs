//! Associations: edges in both directions, missing ends reported, archived ends hidden.

use crm_exports::domain::ObjectType;
use crm_exports::store::{Edge, EdgeRefusal, NewEdge, RecordKey, SharedStore, WriteOp};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, portal};

const COMPANIES: ObjectType = ObjectType::Companies;

contract_tests!(
    an_association_reads_from_both_sides_and_reports_missing_records,
    dissociating_removes_one_type_or_all_in_both_directions,
    a_record_created_with_an_association_is_linked_atomically,
    creates_in_one_call_count_the_edges_earlier_ones_made_against_a_limit,
    reading_some_records_of_a_range_leaves_out_the_ones_between,
);

async fn company(store: &SharedStore, portal: crm_exports::store::PortalId, name: &str) -> i64 {
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

fn edge(from_id: i64, to_id: i64, type_id: i64) -> Edge {
    Edge {
        from_id,
        to_id,
        type_id,
        inverse_id: type_id + 1,
    }
}

async fn an_association_reads_from_both_sides_and_reports_missing_records(store: SharedStore) {
    let portal = portal(&store).await;
    let ann = contact(&store, portal, &[("firstname", "Ann")]).await;
    let bob = contact(&store, portal, &[("firstname", "Bob")]).await;
    let acme = company(&store, portal, "Acme").await;
    let zeta = company(&store, portal, "Zeta").await;
    let outcomes = store
        .associate(
            portal,
            CONTACTS,
            COMPANIES,
            vec![
                edge(ann, zeta, 1),
                edge(ann, acme, 1),
                edge(ann, acme, 279),
                edge(bob, 5, 1),
                edge(ann, acme, 1),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        vec![
            Ok(()),
            Ok(()),
            Ok(()),
            Err(EdgeRefusal::Missing(vec![5])),
            Ok(())
        ]
    );
    let from_contacts = store
        .read_associations(portal, CONTACTS, COMPANIES, vec![bob, ann])
        .await
        .unwrap();
    let mut expected = vec![(ann, acme, 1), (ann, acme, 279), (ann, zeta, 1)];
    expected.sort_by_key(|&(_, to, t)| (to, t));
    assert_eq!(from_contacts, expected);
    let from_company = store
        .read_associations(portal, COMPANIES, CONTACTS, vec![acme])
        .await
        .unwrap();
    assert_eq!(from_company, vec![(acme, ann, 2), (acme, ann, 280)]);
    // An archived record is hidden from the other side's associations.
    store
        .archive_records(portal, COMPANIES, vec![RecordKey::Id(zeta)], NOW)
        .await
        .unwrap();
    let after = store
        .read_associations(portal, CONTACTS, COMPANIES, vec![ann])
        .await
        .unwrap();
    assert!(after.iter().all(|&(_, to, _)| to != zeta));
    // Records of another portal cannot be associated.
    let other = crate::fixtures::portal(&store).await;
    let foreign = store
        .associate(other, CONTACTS, COMPANIES, vec![edge(ann, acme, 1)], NOW)
        .await
        .unwrap();
    assert_eq!(foreign, vec![Err(EdgeRefusal::Missing(vec![ann, acme]))]);
}

async fn dissociating_removes_one_type_or_all_in_both_directions(store: SharedStore) {
    let portal = portal(&store).await;
    let ann = contact(&store, portal, &[("firstname", "Ann")]).await;
    let acme = company(&store, portal, "Acme").await;
    store
        .associate(
            portal,
            CONTACTS,
            COMPANIES,
            vec![edge(ann, acme, 1), edge(ann, acme, 279)],
            NOW,
        )
        .await
        .unwrap();
    let removed = store
        .dissociate(
            portal,
            CONTACTS,
            COMPANIES,
            vec![(ann, acme)],
            Some(vec![(279, 280)]),
        )
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(
        store
            .read_associations(portal, COMPANIES, CONTACTS, vec![acme])
            .await
            .unwrap(),
        vec![(acme, ann, 2)]
    );
    let removed = store
        .dissociate(portal, COMPANIES, CONTACTS, vec![(acme, ann)], None)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(
        store
            .read_associations(portal, CONTACTS, COMPANIES, vec![ann])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .dissociate(portal, CONTACTS, COMPANIES, vec![(ann, acme)], None)
            .await
            .unwrap(),
        0
    );
}

async fn a_record_created_with_an_association_is_linked_atomically(store: SharedStore) {
    let portal = portal(&store).await;
    let acme = company(&store, portal, "Acme").await;
    let link = |to_id| NewEdge {
        to: COMPANIES,
        to_id,
        type_id: 1,
        inverse_id: 2,
    };
    let written = store
        .write_records(
            portal,
            CONTACTS,
            vec![
                WriteOp::Create(vec![], vec![link(acme)]),
                WriteOp::Create(vec![], vec![link(31337)]),
            ]
            .into(),
            false,
            NOW,
        )
        .await
        .unwrap();
    let ann = written[0].clone().unwrap().id;
    assert_eq!(
        written[1],
        Err(crm_exports::store::WriteFailure::MissingAssociationTarget(
            31337
        ))
    );
    assert_eq!(
        store
            .read_associations(portal, COMPANIES, CONTACTS, vec![acme])
            .await
            .unwrap(),
        vec![(acme, ann, 2)]
    );
}

/// A call of creates writes its edges many to a statement; a limit still counts the edges
/// the call's earlier records made.
async fn creates_in_one_call_count_the_edges_earlier_ones_made_against_a_limit(store: SharedStore) {
    use crm_exports::store::{AssociationLimit, WriteFailure};
    let portal = portal(&store).await;
    let (acme, globex) = (
        company(&store, portal, "Acme").await,
        company(&store, portal, "Globex").await,
    );
    let two_contacts = AssociationLimit {
        from: COMPANIES,
        to: CONTACTS,
        type_id: 280,
        max_to_object_ids: 2,
    };
    store
        .set_association_limits(portal, vec![two_contacts], false, NOW)
        .await
        .unwrap();
    let link = |to_id| NewEdge {
        to: COMPANIES,
        to_id,
        type_id: 279,
        inverse_id: 280,
    };
    let ops: Vec<WriteOp> = (0..3)
        .map(|_| WriteOp::Create(vec![], vec![link(acme)]))
        .collect();
    let written = store
        .write_records(portal, CONTACTS, ops.into(), false, NOW)
        .await
        .unwrap();
    let to_acme = store
        .read_associations(portal, COMPANIES, CONTACTS, vec![acme])
        .await
        .unwrap();
    assert!(written[0].is_ok() && written[1].is_ok());
    assert!(
        matches!(written[2], Err(WriteFailure::OverAssociationLimit { .. })),
        "{:?} {to_acme:?}",
        written[2]
    );
    let first_two: Vec<i64> = written[..2].iter().map(|w| w.clone().unwrap().id).collect();
    let linked: Vec<i64> = to_acme.iter().map(|(_, contact, _)| *contact).collect();
    assert_eq!(linked, first_two);

    // Without the limit, many join Globex in one call, each edge stored both ways.
    store
        .purge_association_limits(portal, (COMPANIES, CONTACTS), vec![280])
        .await
        .unwrap();
    let ops: Vec<WriteOp> = (0..600)
        .map(|_| WriteOp::Create(vec![], vec![link(globex)]))
        .collect();
    let written = store
        .write_records(portal, CONTACTS, ops.into(), false, NOW)
        .await
        .unwrap();
    let to_globex = store
        .read_associations(portal, COMPANIES, CONTACTS, vec![globex])
        .await
        .unwrap();
    assert_eq!(to_globex.len(), 600);
    let last = written[599].clone().unwrap().id;
    let back = store
        .read_associations(portal, CONTACTS, COMPANIES, vec![last])
        .await
        .unwrap();
    assert_eq!(back, vec![(last, globex, 279)]);
}

/// An export asks for its records in id order, several ids apart when a filter skips
/// some: the records in between have edges too, and must not show up.
async fn reading_some_records_of_a_range_leaves_out_the_ones_between(store: SharedStore) {
    let portal = portal(&store).await;
    let mut people = Vec::new();
    for name in ["Ann", "Bob", "Cy", "Dee"] {
        people.push(contact(&store, portal, &[("firstname", name)]).await);
    }
    let (acme, zeta) = (
        company(&store, portal, "Acme").await,
        company(&store, portal, "Zeta").await,
    );
    let edges = people
        .iter()
        .flat_map(|&p| [edge(p, zeta, 1), edge(p, acme, 1)])
        .collect();
    store
        .associate(portal, CONTACTS, COMPANIES, edges, NOW)
        .await
        .unwrap();
    let (ann, cy, dee) = (people[0], people[2], people[3]);
    let read = store
        .read_associations(portal, CONTACTS, COMPANIES, vec![ann, cy, dee])
        .await
        .unwrap();
    let (first, second) = (acme.min(zeta), acme.max(zeta));
    let expected: Vec<(i64, i64, i64)> = [ann, cy, dee]
        .into_iter()
        .flat_map(|p| [(p, first, 1), (p, second, 1)])
        .collect();
    assert_eq!(read, expected);
}
