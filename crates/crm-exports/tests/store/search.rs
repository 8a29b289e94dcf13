//! Search and streaming: operators, case-insensitive text, sorts with missing values last,
//! paging with totals, token matching, and streams that cover every match.

use serde_json::json;

use crm_exports::domain::batch::{RecordBatch, ValueRef};
use crm_exports::domain::search::Predicate;
use crm_exports::store::{PortalId, SharedStore};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, contact, custom_property, ids, portal, predicate};

contract_tests!(
    text_filters_ignore_case_and_not_equal_includes_missing_values,
    number_filters_compare_numerically,
    record_id_filters_take_whole_and_fractional_bounds,
    sorts_put_missing_values_last_in_both_directions,
    pages_share_one_order_and_report_the_total,
    token_filters_and_the_query_match_whole_words_and_prefixes,
    multi_select_filters_match_one_option_of_many,
    a_stream_sends_every_match_in_order_and_stops_when_the_reader_leaves,
);

async fn matching(store: &SharedStore, portal: PortalId, p: Predicate) -> Vec<i64> {
    let (total, records) = store
        .search_records(portal, CONTACTS, p, 0, 100, vec![])
        .await
        .unwrap();
    assert_eq!(total as usize, records.len());
    ids(&records)
}

async fn filter(store: &SharedStore, portal: PortalId, filters: serde_json::Value) -> Vec<i64> {
    let p = predicate(
        store,
        portal,
        json!([{ "filters": filters }]),
        json!([]),
        None,
    )
    .await;
    matching(store, portal, p).await
}

async fn text_filters_ignore_case_and_not_equal_includes_missing_values(store: SharedStore) {
    let portal = portal(&store).await;
    let oslo = contact(&store, portal, &[("city", "Oslo")]).await;
    let bergen = contact(&store, portal, &[("city", "bergen")]).await;
    let nowhere = contact(&store, portal, &[("firstname", "X")]).await;
    let eq = json!([{ "propertyName": "city", "operator": "EQ", "value": "OSLO" }]);
    assert_eq!(filter(&store, portal, eq).await, vec![oslo]);
    let neq = json!([{ "propertyName": "city", "operator": "NEQ", "value": "oslo" }]);
    assert_eq!(filter(&store, portal, neq).await, vec![bergen, nowhere]);
    let within =
        json!([{ "propertyName": "city", "operator": "IN", "values": ["BERGEN", "Trondheim"] }]);
    assert_eq!(filter(&store, portal, within).await, vec![bergen]);
    let outside = json!([{ "propertyName": "city", "operator": "NOT_IN", "values": ["Bergen"] }]);
    assert_eq!(filter(&store, portal, outside).await, vec![oslo, nowhere]);
    let has = json!([{ "propertyName": "city", "operator": "HAS_PROPERTY" }]);
    assert_eq!(filter(&store, portal, has).await, vec![oslo, bergen]);
    let lacks = json!([{ "propertyName": "city", "operator": "NOT_HAS_PROPERTY" }]);
    assert_eq!(filter(&store, portal, lacks).await, vec![nowhere]);
    let before = json!([{ "propertyName": "city", "operator": "LT", "value": "C" }]);
    assert_eq!(filter(&store, portal, before).await, vec![bergen]);
    // Groups are OR-ed, filters in a group AND-ed.
    let p = predicate(
        &store,
        portal,
        json!([
            { "filters": [{ "propertyName": "city", "operator": "EQ", "value": "oslo" }] },
            { "filters": [{ "propertyName": "firstname", "operator": "EQ", "value": "x" },
                          { "propertyName": "city", "operator": "NOT_HAS_PROPERTY" }] }
        ]),
        json!([]),
        None,
    )
    .await;
    assert_eq!(matching(&store, portal, p).await, vec![oslo, nowhere]);
}

async fn number_filters_compare_numerically(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    let nine = contact(&store, portal, &[("score", "9")]).await;
    let ten = contact(&store, portal, &[("score", "10")]).await;
    let half = contact(&store, portal, &[("score", "10.5")]).await;
    let _none = contact(&store, portal, &[("firstname", "no score")]).await;
    let gt = json!([{ "propertyName": "score", "operator": "GT", "value": "9" }]);
    assert_eq!(filter(&store, portal, gt).await, vec![ten, half]);
    let lte = json!([{ "propertyName": "score", "operator": "LTE", "value": 10 }]);
    assert_eq!(filter(&store, portal, lte).await, vec![nine, ten]);
    let between = json!([{ "propertyName": "score", "operator": "BETWEEN", "value": "9.5", "highValue": "10.5" }]);
    assert_eq!(filter(&store, portal, between).await, vec![ten, half]);
    let eq = json!([{ "propertyName": "score", "operator": "EQ", "value": "10.0" }]);
    assert_eq!(filter(&store, portal, eq).await, vec![ten]);
    let within = json!([{ "propertyName": "score", "operator": "IN", "values": ["9", "10.5"] }]);
    assert_eq!(filter(&store, portal, within).await, vec![nine, half]);
}

/// `hs_object_id` is a number property over the integer id column: whole and fractional
/// bounds select the ids a numeric comparison would (a dynamic list's member pages filter
/// on `hs_object_id GT after`).
async fn record_id_filters_take_whole_and_fractional_bounds(store: SharedStore) {
    let portal = portal(&store).await;
    let a = contact(&store, portal, &[("firstname", "A")]).await;
    let b = contact(&store, portal, &[("firstname", "B")]).await;
    let c = contact(&store, portal, &[("firstname", "C")]).await;
    let id = |op: &str, v: String| json!([{ "propertyName": "hs_object_id", "operator": op, "value": v }]);
    assert_eq!(
        filter(&store, portal, id("GT", a.to_string())).await,
        vec![b, c]
    );
    assert_eq!(
        filter(&store, portal, id("GT", format!("{a}.5"))).await,
        vec![b, c]
    );
    assert_eq!(
        filter(&store, portal, id("GTE", format!("{a}.5"))).await,
        vec![b, c]
    );
    assert_eq!(
        filter(&store, portal, id("LT", format!("{b}.5"))).await,
        vec![a, b]
    );
    assert_eq!(
        filter(&store, portal, id("LTE", format!("{b}.5"))).await,
        vec![a, b]
    );
    assert_eq!(
        filter(&store, portal, id("EQ", b.to_string())).await,
        vec![b]
    );
    assert_eq!(
        filter(&store, portal, id("EQ", format!("{b}.5"))).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        filter(&store, portal, id("NEQ", format!("{b}.5"))).await,
        vec![a, b, c]
    );
    assert_eq!(
        filter(&store, portal, id("NEQ", b.to_string())).await,
        vec![a, c]
    );
    let within = json!([{ "propertyName": "hs_object_id", "operator": "IN",
                          "values": [a.to_string(), format!("{c}.5"), c.to_string()] }]);
    assert_eq!(filter(&store, portal, within).await, vec![a, c]);
    let outside = json!([{ "propertyName": "hs_object_id", "operator": "NOT_IN", "values": [format!("{a}.5")] }]);
    assert_eq!(filter(&store, portal, outside).await, vec![a, b, c]);
    let between = json!([{ "propertyName": "hs_object_id", "operator": "BETWEEN",
                           "value": format!("{a}.5"), "highValue": format!("{c}.5") }]);
    assert_eq!(filter(&store, portal, between).await, vec![b, c]);
}

async fn sorts_put_missing_values_last_in_both_directions(store: SharedStore) {
    let portal = portal(&store).await;
    let b = contact(&store, portal, &[("lastname", "b")]).await;
    let none = contact(&store, portal, &[("firstname", "no last name")]).await;
    let big_a = contact(&store, portal, &[("lastname", "A")]).await;
    let c = contact(&store, portal, &[("lastname", "C")]).await;
    let a = contact(&store, portal, &[("lastname", "a")]).await;
    let ascending = predicate(
        &store,
        portal,
        json!([]),
        json!([{ "propertyName": "lastname", "direction": "ASCENDING" }]),
        None,
    )
    .await;
    // "A" and "a" compare equal ignoring case; ties go by id.
    assert_eq!(
        matching(&store, portal, ascending).await,
        vec![big_a, a, b, c, none]
    );
    let descending = predicate(
        &store,
        portal,
        json!([]),
        json!([{ "propertyName": "lastname", "direction": "DESCENDING" }]),
        None,
    )
    .await;
    assert_eq!(
        matching(&store, portal, descending).await,
        vec![c, b, big_a, a, none]
    );
}

async fn pages_share_one_order_and_report_the_total(store: SharedStore) {
    let portal = portal(&store).await;
    let mut created = Vec::new();
    for n in 0..7 {
        created.push(contact(&store, portal, &[("firstname", &format!("p{n}"))]).await);
    }
    let p = predicate(&store, portal, json!([]), json!([]), None).await;
    let mut seen = Vec::new();
    for offset in [0, 3, 6] {
        let (total, page) = store
            .search_records(
                portal,
                CONTACTS,
                p.clone(),
                offset,
                3,
                vec!["firstname".into()],
            )
            .await
            .unwrap();
        assert_eq!(total, 7);
        seen.extend(ids(&page));
    }
    assert_eq!(seen, created);
    let (total, beyond) = store
        .search_records(portal, CONTACTS, p, 50, 3, vec![])
        .await
        .unwrap();
    assert_eq!((total, beyond.len()), (7, 0));
}

async fn token_filters_and_the_query_match_whole_words_and_prefixes(store: SharedStore) {
    let portal = portal(&store).await;
    let acme = contact(
        &store,
        portal,
        &[("company", "Acme Rockets"), ("email", "wile@acme.example")],
    )
    .await;
    let other = contact(&store, portal, &[("company", "Road-Runner Inc")]).await;
    let _blank = contact(&store, portal, &[("firstname", "blank")]).await;
    let token =
        json!([{ "propertyName": "company", "operator": "CONTAINS_TOKEN", "value": "rockets" }]);
    assert_eq!(filter(&store, portal, token).await, vec![acme]);
    let glob =
        json!([{ "propertyName": "company", "operator": "CONTAINS_TOKEN", "value": "run*" }]);
    assert_eq!(filter(&store, portal, glob).await, vec![other]);
    let partial =
        json!([{ "propertyName": "company", "operator": "CONTAINS_TOKEN", "value": "rock" }]);
    assert_eq!(filter(&store, portal, partial).await, Vec::<i64>::new());
    let not_token =
        json!([{ "propertyName": "company", "operator": "NOT_CONTAINS_TOKEN", "value": "acme" }]);
    let without_acme = filter(&store, portal, not_token).await;
    assert!(!without_acme.contains(&acme) && without_acme.contains(&other));
    // The query matches a prefix of a word in any searchable property.
    let q = predicate(&store, portal, json!([]), json!([]), Some("wile")).await;
    assert_eq!(matching(&store, portal, q).await, vec![acme]);
    let q = predicate(
        &store,
        portal,
        json!([]),
        json!([]),
        Some("nothing-matches-this"),
    )
    .await;
    assert!(matching(&store, portal, q).await.is_empty());
}

async fn multi_select_filters_match_one_option_of_many(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "tags", "checkbox").await;
    let ab = contact(&store, portal, &[("tags", "a;b")]).await;
    let c = contact(&store, portal, &[("tags", "c")]).await;
    let none = contact(&store, portal, &[("firstname", "untagged")]).await;
    let eq = json!([{ "propertyName": "tags", "operator": "EQ", "value": "b" }]);
    assert_eq!(filter(&store, portal, eq).await, vec![ab]);
    let neq = json!([{ "propertyName": "tags", "operator": "NEQ", "value": "a" }]);
    assert_eq!(filter(&store, portal, neq).await, vec![c, none]);
    let within = json!([{ "propertyName": "tags", "operator": "IN", "values": ["c", "b"] }]);
    assert_eq!(filter(&store, portal, within).await, vec![ab, c]);
}

async fn a_stream_sends_every_match_in_order_and_stops_when_the_reader_leaves(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    // More rows than one batch of either store, so several batches go through the channel.
    let ops = (0..2_345)
        .map(|n| {
            let score = crm_exports::domain::Value::Integer(n % 100);
            crm_exports::store::WriteOp::Create(vec![("score".to_string(), Some(score))], vec![])
        })
        .collect::<Vec<_>>();
    store
        .write_records(portal, CONTACTS, ops.into(), true, crate::fixtures::NOW)
        .await
        .unwrap();
    let p = predicate(
        &store,
        portal,
        json!([{ "filters": [{ "propertyName": "score", "operator": "GTE", "value": "50" }] }]),
        json!([{ "propertyName": "score", "direction": "DESCENDING" }]),
        None,
    )
    .await;
    let (sink, batches) = std::sync::mpsc::sync_channel(2);
    let reader = std::thread::spawn(move || {
        let mut rows: Vec<(i64, i64)> = Vec::new();
        for batch in batches.iter() {
            let batch: RecordBatch = batch;
            for i in 0..batch.len() {
                let score = match batch.row(i).next().flatten() {
                    Some(ValueRef::Integer(n)) => n,
                    other => panic!("unexpected score {other:?}"),
                };
                rows.push((batch.ids()[i], score));
            }
        }
        rows
    });
    let sent = store
        .stream_batches(portal, CONTACTS, p.clone(), vec!["score".into()], sink)
        .await
        .unwrap();
    let rows = reader.join().unwrap();
    assert_eq!(sent, 1_150);
    assert_eq!(rows.len(), 1_150);
    let scores: Vec<i64> = rows.iter().map(|(_, score)| *score).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not sorted by score descending"
    );
    assert_eq!(scores[0], 99);
    assert!(rows.windows(2).all(|w| w[0].1 != w[1].1 || w[0].0 < w[1].0));
    // A reader that hangs up after the first batch stops the stream early.
    let (sink, batches) = std::sync::mpsc::sync_channel(0);
    let reader =
        std::thread::spawn(move || batches.recv().map(|b: RecordBatch| b.len()).unwrap_or(0));
    let sent = store
        .stream_batches(portal, CONTACTS, p, vec![], sink)
        .await
        .unwrap();
    let first = reader.join().unwrap();
    assert!(first > 0);
    assert!(
        sent < 1_150,
        "the stream went on after the reader left: {sent}"
    );
}
