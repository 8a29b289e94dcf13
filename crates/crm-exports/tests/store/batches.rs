//! The compact batches an export reads: exactly the live records that match, in the
//! predicate's order, each row holding the projected values typed as a record read types
//! them (text, whole and fractional numbers, booleans, dates, datetimes, missing values),
//! across as many batches as it takes, and no further once the reader leaves.

use serde_json::json;

use crm_exports::domain::Value;
use crm_exports::domain::batch::{RecordBatch, ValueRef};
use crm_exports::domain::search::Predicate;
use crm_exports::store::{PortalId, RecordKey, SharedStore, WriteOp};

use crate::contract_tests;
use crate::fixtures::{CONTACTS, NOW, contact, custom_property, portal, predicate, text};

contract_tests!(
    batches_hold_the_live_matches_values_typed_in_projection_order,
    batches_cover_every_match_in_order_and_stop_when_the_reader_leaves,
);

/// One streamed row: the record id and its values, owned so rows outlive their batch.
type Row = (i64, Vec<Option<Value>>);

fn owned(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Text(t) => Value::Text(t.to_string()),
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Bool(b) => Value::Bool(b),
        ValueRef::Timestamp(ms) => Value::Timestamp(ms),
    }
}

fn rows_of(batch: &RecordBatch) -> Vec<Row> {
    (0..batch.len())
        .map(|i| {
            let values = batch.row(i).map(|v| v.map(owned)).collect();
            (batch.ids()[i], values)
        })
        .collect()
}

/// Streams the matches of `p` with `projection`; returns the count the store reports and
/// the batches received, each checked to be non-empty and as wide as the projection.
async fn stream(
    store: &SharedStore,
    portal: PortalId,
    p: Predicate,
    projection: &[&str],
) -> (u64, Vec<Vec<Row>>) {
    let width = projection.len();
    let (sink, received) = std::sync::mpsc::sync_channel(2);
    let reader = std::thread::spawn(move || {
        received
            .iter()
            .map(|batch: RecordBatch| {
                assert!(!batch.is_empty(), "an empty batch was sent");
                assert_eq!(batch.width(), width);
                rows_of(&batch)
            })
            .collect::<Vec<_>>()
    });
    let projection = projection.iter().map(|p| p.to_string()).collect();
    let sent = store
        .stream_batches(portal, CONTACTS, p, projection, sink)
        .await
        .unwrap();
    (sent, reader.join().unwrap())
}

async fn batches_hold_the_live_matches_values_typed_in_projection_order(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "renewal", "date").await;
    custom_property(&store, portal, "tags", "checkbox").await;
    let full = contact(
        &store,
        portal,
        &[
            ("city", "Oslo"),
            ("firstname", "Zoë"),
            ("lastname", "O'Brien, \"Jr\""),
            ("message", "Line one\nlínea dos"),
            ("total_revenue", "1234.5"),
            ("num_notes", "42"),
            ("hs_was_imported", "true"),
            ("recent_deal_close_date", "2024-02-29T13:45:00Z"),
            ("renewal", "2025-03-01"),
            ("tags", "c;a"),
            ("lifecyclestage", "customer"),
        ],
    )
    .await;
    let sparse = contact(
        &store,
        portal,
        &[
            ("city", "oslo"),
            ("num_notes", "-7"),
            ("total_revenue", "0"),
            ("hs_was_imported", "false"),
        ],
    )
    .await;
    let bare = contact(&store, portal, &[("city", "BERGEN")]).await;
    let archived = contact(&store, portal, &[("city", "Oslo"), ("num_notes", "1")]).await;
    store
        .archive_records(portal, CONTACTS, vec![RecordKey::Id(archived)], NOW + 1)
        .await
        .unwrap();
    let _elsewhere = contact(&store, portal, &[("city", "Trondheim"), ("num_notes", "2")]).await;
    let p = predicate(
        &store,
        portal,
        json!([{ "filters": [
            { "propertyName": "city", "operator": "IN", "values": ["oslo", "Bergen"] }
        ] }]),
        json!([{ "propertyName": "num_notes", "direction": "ASCENDING" }]),
        None,
    )
    .await;
    let projection = [
        "hs_object_id",
        "firstname",
        "lastname",
        "message",
        "total_revenue",
        "num_notes",
        "hs_was_imported",
        "recent_deal_close_date",
        "renewal",
        "tags",
        "lifecyclestage",
        "createdate",
        "lastmodifieddate",
    ];
    let (sent, batches) = stream(&store, portal, p, &projection).await;
    let rows: Vec<Row> = batches.into_iter().flatten().collect();
    let missing = |n| std::iter::repeat_n(None, n);
    let expected: Vec<Row> = vec![
        (
            sparse,
            [Some(Value::Integer(sparse))]
                .into_iter()
                .chain(missing(3))
                .chain([
                    Some(Value::Integer(0)),
                    Some(Value::Integer(-7)),
                    Some(Value::Bool(false)),
                ])
                .chain(missing(4))
                .chain([Some(Value::Timestamp(NOW)), Some(Value::Timestamp(NOW))])
                .collect(),
        ),
        (
            full,
            vec![
                Some(Value::Integer(full)),
                text("Zoë"),
                text("O'Brien, \"Jr\""),
                text("Line one\nlínea dos"),
                Some(Value::Real(1234.5)),
                Some(Value::Integer(42)),
                Some(Value::Bool(true)),
                Some(Value::Timestamp(1_709_214_300_000)),
                Some(Value::Timestamp(1_740_787_200_000)),
                text("c;a"),
                text("customer"),
                Some(Value::Timestamp(NOW)),
                Some(Value::Timestamp(NOW)),
            ],
        ),
        // No value to sort by: last.
        (
            bare,
            [Some(Value::Integer(bare))]
                .into_iter()
                .chain(missing(10))
                .chain([Some(Value::Timestamp(NOW)), Some(Value::Timestamp(NOW))])
                .collect(),
        ),
    ];
    assert_eq!(rows, expected);
    assert_eq!(sent, 3);
}

async fn batches_cover_every_match_in_order_and_stop_when_the_reader_leaves(store: SharedStore) {
    let portal = portal(&store).await;
    custom_property(&store, portal, "score", "number").await;
    // More matches than one batch, or one fetch from the database, of either store.
    let ops = (0..5_000)
        .map(|n| {
            WriteOp::Create(
                vec![
                    ("score".to_string(), Some(Value::Integer(n % 100))),
                    ("firstname".to_string(), text(&format!("c{n}"))),
                ],
                vec![],
            )
        })
        .collect();
    let written = store
        .write_records(portal, CONTACTS, ops, true, NOW)
        .await
        .unwrap();
    // Matches (score 10 or more) by score descending, then by id.
    let mut matches: Vec<(i64, i64, usize)> = written
        .iter()
        .enumerate()
        .map(|(n, w)| (n as i64 % 100, w.as_ref().unwrap().id, n))
        .filter(|&(score, _, _)| score >= 10)
        .collect();
    matches.sort_by_key(|&(score, id, _)| (-score, id));
    let expected: Vec<Row> = matches
        .into_iter()
        .map(|(score, id, n)| {
            let values = vec![Some(Value::Integer(score)), text(&format!("c{n}"))];
            (id, values)
        })
        .collect();
    assert_eq!(expected.len(), 4_500);
    let p = predicate(
        &store,
        portal,
        json!([{ "filters": [{ "propertyName": "score", "operator": "GTE", "value": "10" }] }]),
        json!([{ "propertyName": "score", "direction": "DESCENDING" }]),
        None,
    )
    .await;
    let (sent, batches) = stream(&store, portal, p.clone(), &["score", "firstname"]).await;
    assert!(batches.len() > 1, "one batch held every match");
    let rows: Vec<Row> = batches.into_iter().flatten().collect();
    assert_eq!(rows, expected);
    assert_eq!(sent, 4_500);

    // A reader that hangs up after the first batch stops the stream early.
    let (sink, received) = std::sync::mpsc::sync_channel(0);
    let reader = std::thread::spawn(move || received.recv().map(|b: RecordBatch| b.len()));
    let sent = store
        .stream_batches(portal, CONTACTS, p, vec!["score".into()], sink)
        .await
        .unwrap();
    assert!(reader.join().unwrap().unwrap() > 0);
    assert!(
        sent < 4_500,
        "the stream went on after the reader left: {sent}"
    );
}
