//! Records: write, read, list, unique values, atomic batches, archive, and a call of many
//! creates (written many rows to a statement) reading back row by row.

use crm_exports::domain::Value;
use crm_exports::store::{
    RecordKey, SharedStore, Visibility, WriteFailure, WriteOp, Written, reads_back_unchanged,
};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, custom_property, ids, portal, text, values};

contract_tests!(
    a_created_record_reads_back_with_typed_values,
    an_update_changes_only_the_named_properties,
    unique_values_ignore_case_and_name_the_record_holding_them,
    an_atomic_batch_with_one_failure_writes_nothing,
    creates_in_one_call_see_the_unique_values_of_earlier_ones,
    values_said_to_read_back_unchanged_do,
    archived_records_leave_reads_and_free_their_unique_values,
    records_list_in_id_order_page_by_page,
    many_creates_setting_different_properties_read_back_each_as_given,
);

fn by_email(email: &str) -> RecordKey {
    RecordKey::Unique {
        property: "email".into(),
        value: email.into(),
    }
}

fn projection(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

async fn a_created_record_reads_back_with_typed_values(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    custom_property(&store, portal, "vip", "bool").await;
    custom_property(&store, portal, "renewal", "date").await;
    let id = contact(
        &store,
        portal,
        &[
            ("email", "ann@example.com"),
            ("firstname", "Ann"),
            ("score", "17"),
            ("vip", "true"),
            ("renewal", "2024-01-31"),
        ],
    )
    .await;
    let second = contact(&store, portal, &[("score", "1.5")]).await;
    assert!(second > id);
    let read = store
        .read_records(
            portal,
            CONTACTS,
            vec![RecordKey::Id(id), RecordKey::Id(second), RecordKey::Id(1)],
            projection(&[
                "email",
                "firstname",
                "lastname",
                "score",
                "vip",
                "renewal",
                "hs_object_id",
                "no_such",
            ]),
            Visibility::Live,
        )
        .await
        .unwrap();
    let ann = read[0].as_ref().expect("the first record");
    assert_eq!(ann.id, id);
    assert_eq!(ann.created_at, NOW);
    assert!(!ann.archived);
    assert_eq!(ann.get("email"), text("ann@example.com").as_ref());
    assert_eq!(ann.get("firstname"), text("Ann").as_ref());
    assert_eq!(ann.get("lastname"), None);
    assert_eq!(ann.get("score"), Some(&Value::Integer(17)));
    assert_eq!(ann.get("vip"), Some(&Value::Bool(true)));
    assert_eq!(
        ann.get("renewal"),
        Some(&Value::Timestamp(1_706_659_200_000))
    );
    assert_eq!(ann.get("hs_object_id"), Some(&Value::Integer(id)));
    // Unknown names are dropped from the projection, never reach the database.
    assert_eq!(ann.properties.len(), 7);
    assert_eq!(
        read[1].as_ref().unwrap().get("score"),
        Some(&Value::Real(1.5))
    );
    assert!(read[2].is_none());
}

async fn an_update_changes_only_the_named_properties(store: SharedStore) {
    let portal = portal(&store).await;
    let id = contact(
        &store,
        portal,
        &[("firstname", "Ann"), ("lastname", "Lee"), ("city", "Oslo")],
    )
    .await;
    let mut changes = values(&store, portal, &[("firstname", "Anna")]).await;
    changes.push(("city".to_string(), None));
    let written = store
        .write_records(
            portal,
            CONTACTS,
            vec![WriteOp::Update(RecordKey::Id(id), changes)].into(),
            false,
            NOW + 5,
        )
        .await
        .unwrap();
    assert_eq!(written, vec![Ok(Written { id, created: false })]);
    let record = store
        .read_records(
            portal,
            CONTACTS,
            vec![RecordKey::Id(id)],
            projection(&["firstname", "lastname", "city"]),
            Visibility::Live,
        )
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    assert_eq!(record.get("firstname"), text("Anna").as_ref());
    assert_eq!(record.get("lastname"), text("Lee").as_ref());
    assert_eq!(record.get("city"), None);
    assert_eq!(record.updated_at, NOW + 5);
    assert_eq!(record.created_at, NOW);
    let missing = store
        .write_records(
            portal,
            CONTACTS,
            vec![WriteOp::Update(RecordKey::Id(1), vec![])].into(),
            false,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(missing, vec![Err(WriteFailure::NotFound(RecordKey::Id(1)))]);
}

async fn unique_values_ignore_case_and_name_the_record_holding_them(store: SharedStore) {
    let portal = portal(&store).await;
    let ann = contact(&store, portal, &[("email", "Ann@Example.com")]).await;
    let clash = values(&store, portal, &[("email", "ann@EXAMPLE.com")]).await;
    let written = store
        .write_records(
            portal,
            CONTACTS,
            vec![WriteOp::Create(clash, vec![])].into(),
            false,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        written,
        vec![Err(WriteFailure::Duplicate {
            property: "email".into(),
            value: "ann@EXAMPLE.com".into(),
            existing_id: ann,
        })]
    );
    // Reading and upserting by the unique value ignore case too.
    let read = store
        .read_records(
            portal,
            CONTACTS,
            vec![by_email("ANN@example.COM")],
            vec![],
            Visibility::Live,
        )
        .await
        .unwrap();
    assert_eq!(read[0].as_ref().map(|r| r.id), Some(ann));
    let name = values(&store, portal, &[("firstname", "Ann")]).await;
    let upserts = store
        .write_records(
            portal,
            CONTACTS,
            vec![
                WriteOp::Upsert(by_email("ann@example.com"), name.clone()),
                WriteOp::Upsert(by_email("bob@example.com"), name),
            ]
            .into(),
            false,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        upserts[0],
        Ok(Written {
            id: ann,
            created: false
        })
    );
    let bob = upserts[1].clone().unwrap();
    assert!(bob.created);
    let bob_record = store
        .read_records(
            portal,
            CONTACTS,
            vec![RecordKey::Id(bob.id)],
            projection(&["email", "firstname"]),
            Visibility::Live,
        )
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    assert_eq!(bob_record.get("email"), text("bob@example.com").as_ref());
    assert_eq!(bob_record.get("firstname"), text("Ann").as_ref());
}

async fn an_atomic_batch_with_one_failure_writes_nothing(store: SharedStore) {
    let portal = portal(&store).await;
    let good = values(&store, portal, &[("firstname", "Kept")]).await;
    let ops = vec![
        WriteOp::Create(good.clone(), vec![]),
        WriteOp::Update(RecordKey::Id(42), good.clone()),
    ];
    let atomic = store
        .write_records(portal, CONTACTS, ops.clone().into(), true, NOW)
        .await
        .unwrap();
    assert!(atomic[0].is_ok() && atomic[1].is_err());
    let listed = store
        .list_records(portal, CONTACTS, 0, 10, vec![], Visibility::Live)
        .await
        .unwrap();
    assert!(
        listed.is_empty(),
        "an atomic batch with a failure left {listed:?}"
    );
    let partial = store
        .write_records(portal, CONTACTS, ops.into(), false, NOW)
        .await
        .unwrap();
    let kept = partial[0].clone().unwrap().id;
    let listed = store
        .list_records(portal, CONTACTS, 0, 10, vec![], Visibility::Live)
        .await
        .unwrap();
    assert_eq!(ids(&listed), vec![kept]);
}

async fn creates_in_one_call_see_the_unique_values_of_earlier_ones(store: SharedStore) {
    let portal = portal(&store).await;
    let ann = contact(&store, portal, &[("email", "ann@example.com")]).await;
    let mut ops = Vec::new();
    for email in [
        "cat@example.com",
        "ANN@example.com",
        "dan@example.com",
        "Cat@Example.com",
        "eve@example.com",
    ] {
        let values = values(&store, portal, &[("email", email)]).await;
        ops.push(WriteOp::Create(values, vec![]));
    }
    let written = store
        .write_records(portal, CONTACTS, ops.into(), false, NOW)
        .await
        .unwrap();
    let cat = written[0].clone().unwrap().id;
    assert_eq!(
        written[1],
        Err(WriteFailure::Duplicate {
            property: "email".into(),
            value: "ANN@example.com".into(),
            existing_id: ann,
        })
    );
    assert_eq!(
        written[3],
        Err(WriteFailure::Duplicate {
            property: "email".into(),
            value: "Cat@Example.com".into(),
            existing_id: cat,
        })
    );
    let dan = written[2].clone().unwrap().id;
    let eve = written[4].clone().unwrap().id;
    assert!(ann < cat && cat < dan && dan < eve);
    let listed = store
        .list_records(portal, CONTACTS, 0, 10, vec![], Visibility::Live)
        .await
        .unwrap();
    assert_eq!(ids(&listed), vec![ann, cat, dan, eve]);
}

/// What `reads_back_unchanged` promises, which lets the API answer a create from the values
/// it wrote: each such value reads back equal to what was written.
async fn values_said_to_read_back_unchanged_do(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    custom_property(&store, portal, "vip", "bool").await;
    custom_property(&store, portal, "renewal", "date").await;
    let written = [
        ("score", "0"),
        ("score", "-7"),
        ("score", "9007199254740992"),
        ("score", "-9007199254740992"),
        ("score", "1.5"),
        ("score", "-0.0125"),
        ("score", "123456.789"),
        ("score", "1e-300"),
        ("score", "12345678901234567"),
        ("score", "1e20"),
        ("vip", "false"),
        ("renewal", "1969-12-31"),
        ("firstname", "Zoë \"Jr\", 李 🎉\n"),
    ];
    let mut checked = 0;
    for (name, raw) in written {
        let values = values(&store, portal, &[(name, raw)]).await;
        let id = contact(&store, portal, &[(name, raw)]).await;
        let read = store
            .read_records(
                portal,
                CONTACTS,
                vec![RecordKey::Id(id)],
                projection(&[name]),
                Visibility::Live,
            )
            .await
            .unwrap()
            .remove(0)
            .unwrap();
        let value = values[0].1.as_ref().unwrap();
        if reads_back_unchanged(value) {
            assert_eq!(read.get(name), Some(value), "{name} = {raw}");
            checked += 1;
        }
    }
    assert_eq!(
        checked, 11,
        "all but the integers past 2^53 read back unchanged"
    );
}

async fn archived_records_leave_reads_and_free_their_unique_values(store: SharedStore) {
    let portal = portal(&store).await;
    let ann = contact(&store, portal, &[("email", "ann@example.com")]).await;
    let bob = contact(&store, portal, &[("email", "bob@example.com")]).await;
    let archived = store
        .archive_records(
            portal,
            CONTACTS,
            vec![
                by_email("ANN@example.com"),
                RecordKey::Id(1),
                RecordKey::Id(ann),
            ],
            NOW + 9,
        )
        .await
        .unwrap();
    assert_eq!(archived, 1);
    let live = store
        .list_records(portal, CONTACTS, 0, 10, vec![], Visibility::Live)
        .await
        .unwrap();
    assert_eq!(ids(&live), vec![bob]);
    let gone = store
        .list_records(portal, CONTACTS, 0, 10, vec![], Visibility::Archived)
        .await
        .unwrap();
    assert_eq!(ids(&gone), vec![ann]);
    assert!(gone[0].archived);
    assert_eq!(gone[0].archived_at, Some(NOW + 9));
    let read = store
        .read_records(
            portal,
            CONTACTS,
            vec![RecordKey::Id(ann)],
            vec![],
            Visibility::Live,
        )
        .await
        .unwrap();
    assert!(read[0].is_none());
    // The email of an archived record may be used again.
    let again = contact(&store, portal, &[("email", "ann@example.com")]).await;
    assert!(again > bob);
}

async fn records_list_in_id_order_page_by_page(store: SharedStore) {
    let portal = portal(&store).await;
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(contact(&store, portal, &[("firstname", &format!("n{n}"))]).await);
    }
    let first = store
        .list_records(portal, CONTACTS, 0, 2, vec![], Visibility::Live)
        .await
        .unwrap();
    assert_eq!(ids(&first), created[..2]);
    let rest = store
        .list_records(
            portal,
            CONTACTS,
            created[1],
            10,
            vec!["firstname".into()],
            Visibility::Live,
        )
        .await
        .unwrap();
    assert_eq!(ids(&rest), created[2..]);
    assert_eq!(rest[0].get("firstname"), text("n2").as_ref());
    // Another portal's records are not listed.
    let other = crate::fixtures::portal(&store).await;
    let none = store
        .list_records(other, CONTACTS, 0, 10, vec![], Visibility::Live)
        .await
        .unwrap();
    assert!(none.is_empty());
}

/// The raw values of the `n`th record of a large create call: each sets its own mix of
/// properties, so the rows of one statement set different columns.
fn mixed(n: usize) -> Vec<(&'static str, String)> {
    let mut raw = Vec::new();
    if !n.is_multiple_of(3) {
        raw.push(("email", format!("p{n}@example.com")));
    }
    if n.is_multiple_of(4) {
        // What PostgreSQL's COPY format escapes, and what it reads as NULL.
        raw.push(("firstname", format!("F{n}\ttab \\N back\\slash\r\nline Ü")));
    } else if n.is_multiple_of(2) {
        raw.push(("firstname", format!("F{n}")));
    }
    if n.is_multiple_of(5) {
        raw.push(("score", format!("{n}.5")));
    }
    if n == 400 {
        // Already taken by record 1 of this call: refused, the others written.
        raw.push(("email", "P1@example.com".to_string()));
    }
    raw
}

async fn many_creates_setting_different_properties_read_back_each_as_given(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    const COUNT: usize = 700;
    let mut ops = Vec::new();
    for n in 0..COUNT {
        let raw = mixed(n);
        let raw: Vec<(&str, &str)> = raw.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ops.push(WriteOp::Create(values(&store, portal, &raw).await, vec![]));
    }
    let written = store
        .write_records(portal, CONTACTS, ops.into(), false, NOW)
        .await
        .unwrap();
    assert!(matches!(written[400], Err(WriteFailure::Duplicate { .. })));
    let created: Vec<(usize, i64)> = written
        .iter()
        .enumerate()
        .filter_map(|(n, w)| w.as_ref().ok().map(|w| (n, w.id)))
        .collect();
    assert_eq!(created.len(), COUNT - 1);
    let keys = created.iter().map(|(_, id)| RecordKey::Id(*id)).collect();
    let names = projection(&["email", "firstname", "score"]);
    let read = store
        .read_records(portal, CONTACTS, keys, names, Visibility::Live)
        .await
        .unwrap();
    assert_eq!(read.len(), created.len());
    for ((n, id), record) in created.iter().zip(&read) {
        let record = record.as_ref().expect("every created record reads back");
        assert_eq!(record.id, *id);
        let raw = mixed(*n);
        let want = |name: &str| raw.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        assert_eq!(record.get("email"), want("email").map(Value::Text).as_ref());
        assert_eq!(
            record.get("firstname"),
            want("firstname").map(Value::Text).as_ref()
        );
        let score = want("score").map(|s| Value::Real(s.parse().unwrap()));
        assert_eq!(record.get("score"), score.as_ref(), "record {n}");
    }
    // The next call sees every row the last one wrote.
    let again = values(&store, portal, &[("email", "p2@example.com")]).await;
    let refused = store
        .write_records(
            portal,
            CONTACTS,
            vec![WriteOp::Create(again, vec![])].into(),
            false,
            NOW,
        )
        .await
        .unwrap();
    assert!(matches!(refused[0], Err(WriteFailure::Duplicate { .. })));
}
