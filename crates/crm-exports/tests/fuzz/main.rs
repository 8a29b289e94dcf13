//! A bounded fuzz run on stable Rust (cargo-fuzz needs a nightly toolchain this project
//! cannot fetch): the export request parser, the search filter parser, the CLI `--filter`
//! grammar and the list filter parser each get every input of their corpus in
//! `tests/fuzz/corpus/<parser>/`, then `FUZZ_CASES` (default 300) generated inputs each:
//! corpus files with bytes flipped, inserted and removed, and JSON built from the fields
//! each parser knows with values of every type. Each parser must answer Ok or Err for every
//! input, never panic; what is accepted must also hold up downstream (an accepted export
//! request serializes and reads back as itself, and its filters build a predicate or fail
//! cleanly). proptest keeps any failing case in `tests/fuzz/proptest-regressions/`.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};

use crm_exports::api::extract::parse_json;
use crm_exports::domain::ObjectType;
use crm_exports::domain::defaults;
use crm_exports::domain::export::{ExportRequest, RawExportRequest, parse_request};
use crm_exports::domain::schema::ObjectSchema;
use crm_exports::domain::search::{RawFilterGroup, RawSort, SearchLimits, parse_predicate};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

fn corpus(parser: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(parser);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "an empty corpus in {}", dir.display());
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn schema(object: ObjectType) -> ObjectSchema {
    let d = defaults::for_object(object);
    ObjectSchema::new(object, d.properties.clone(), d.groups.clone())
}

/// The fields the four parsers know, so generated objects often take a known path.
const KEYS: &[&str] = &[
    "exportType",
    "exportName",
    "format",
    "language",
    "objectType",
    "objectProperties",
    "associatedObjectType",
    "exportInternalValuesOptions",
    "includeLabeledAssociations",
    "includePrimaryDisplayPropertyForAssociatedObjects",
    "overrideAssociatedObjectsPerDefinitionPerRowLimit",
    "publicCrmSearchRequest",
    "listId",
    "filterGroups",
    "filters",
    "sorts",
    "query",
    "propertyName",
    "property",
    "operator",
    "value",
    "values",
    "highValue",
    "direction",
    "order",
    "filterBranchType",
    "filterBranches",
    "filterType",
    "operation",
    "operationType",
    "timestamp",
    "lowerBound",
    "upperBound",
];

/// Values the parsers give meaning to.
const WORDS: &[&str] = &[
    "VIEW",
    "LIST",
    "CSV",
    "XLSX",
    "xls",
    "EN",
    "PT",
    "CONTACT",
    "contacts",
    "0-1",
    "0-3",
    "COMPANY",
    "NAMES",
    "VALUES",
    "email",
    "firstname",
    "amount",
    "createdate",
    "closedate",
    "lifecyclestage",
    "hs_object_id",
    "EQ",
    "NEQ",
    "LT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "ASCENDING",
    "DESC",
    "-createdate",
    "AND",
    "OR",
    "PROPERTY",
    "ENUMERATION",
    "IS_ANY_OF",
    "STRING",
    "IS_EQUAL_TO",
    "NUMBER_RANGED",
    "IS_BETWEEN",
    "ALL_PROPERTY",
    "IS_KNOWN",
    "DATETIME",
    "IS_AFTER",
    "1700000000000",
    "*",
    "",
    "1e400",
    "\u{0}",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-zA-Z_]{0,12}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        proptest::sample::select(WORDS).prop_map(|w| Value::String(w.to_string())),
        ".{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A corpus input with up to eight bytes changed, added or removed.
fn mutated(corpus: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let edits = proptest::collection::vec((0..3u8, any::<usize>(), any::<u8>()), 0..8);
    (proptest::sample::select(corpus), edits).prop_map(|(mut bytes, edits)| {
        for (kind, at, byte) in edits {
            let at = if bytes.is_empty() {
                0
            } else {
                at % bytes.len()
            };
            match kind {
                0 if !bytes.is_empty() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if !bytes.is_empty() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        bytes
    })
}

fn inputs(parser: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        mutated(corpus(parser)),
        json().prop_map(|v| v.to_string().into_bytes()),
    ]
}

fn resolve(text: &str) -> Option<ObjectType> {
    ObjectType::parse(text).filter(|o| !o.is_custom())
}

/// The export request parser and what the worker later does with its output.
fn export_request(bytes: &[u8]) {
    let Ok(raw) = parse_json::<RawExportRequest>(bytes) else {
        return;
    };
    let Ok(request) = parse_request(
        raw,
        resolve,
        |o| Some(std::sync::Arc::new(schema(o))),
        false,
    ) else {
        return;
    };
    let stored = serde_json::to_string(&request).expect("an accepted request serializes");
    let read: ExportRequest = serde_json::from_str(&stored).expect("and reads back");
    assert_eq!(read, request, "what the worker reads is what was checked");
    let _ = parse_predicate(
        &request.filter_groups,
        &request.sorts,
        request.query.as_deref(),
        &schema(request.object_type),
        &SearchLimits::default(),
    );
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchInput {
    #[serde(default)]
    filter_groups: Vec<RawFilterGroup>,
    #[serde(default)]
    sorts: Vec<RawSort>,
    #[serde(default)]
    query: Option<String>,
}

fn search_request(bytes: &[u8]) {
    let Ok(input) = parse_json::<SearchInput>(bytes) else {
        return;
    };
    for object in ObjectType::STANDARD {
        let _ = parse_predicate(
            &input.filter_groups,
            &input.sorts,
            input.query.as_deref(),
            &schema(object),
            &SearchLimits::default(),
        );
    }
}

fn cli_filter(text: &str) {
    let Ok(groups) = crm_exports::cli::parse_filter_expressions(&[text.to_string()]) else {
        return;
    };
    // What the grammar builds is what the exports API is sent: it must parse as filters.
    let body = serde_json::json!({"filterGroups": groups.into_iter().map(|g| serde_json::json!({"filters": g})).collect::<Vec<_>>()});
    search_request(body.to_string().as_bytes());
}

fn list_filter(bytes: &[u8]) {
    let Ok(branch) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let Ok(groups) = crm_exports::domain::list::filter_groups(&branch) else {
        return;
    };
    let _ = parse_predicate(
        &groups,
        &[],
        None,
        &schema(ObjectType::Contacts),
        &SearchLimits::unlimited(),
    );
}

/// Words of the `--filter` grammar and around it, joined by spaces.
fn filter_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        4 => proptest::sample::select(&[
            "email", "city", "amount", "EQ", "=", "!=", "<", ">=", "IN", "NOT_IN", "BETWEEN",
            "AND", "OR", "HAS_PROPERTY", "CONTAINS_TOKEN", "\"New York\"", "\"", "lead,customer",
            ",", "10", "-1", "1e400", "*", "(", ")", "\\", "\u{0}",
        ][..]).prop_map(str::to_string),
        1 => ".{0,8}",
    ];
    proptest::collection::vec(word, 0..12).prop_map(|w| w.join(" "))
}

#[test]
fn every_corpus_input_parses_or_fails_cleanly() {
    for bytes in corpus("export_request") {
        export_request(&bytes);
    }
    for bytes in corpus("search_request") {
        search_request(&bytes);
    }
    for bytes in corpus("cli_filter") {
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            crm_exports::cli::parse_filter_expressions(&[text.trim().to_string()]).is_ok(),
            "a corpus filter is valid: {text}"
        );
        cli_filter(text.trim());
    }
    for bytes in corpus("list_filter") {
        list_filter(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"), "/tests/fuzz/proptest-regressions/fuzz.txt"
            )),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_export_request_parser_never_panics(bytes in inputs("export_request")) {
        export_request(&bytes);
    }

    #[test]
    fn the_search_filter_parser_never_panics(bytes in inputs("search_request")) {
        search_request(&bytes);
    }

    #[test]
    fn the_cli_filter_grammar_never_panics(text in filter_text()) {
        cli_filter(&text);
    }

    #[test]
    fn the_list_filter_parser_never_panics(bytes in inputs("list_filter")) {
        list_filter(&bytes);
    }
}
