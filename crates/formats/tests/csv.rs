//! CSV files read back with the csv crate, compared as parsed records.

mod common;

use common::{Value, text_row, write_sheet};
use formats::Format;

/// Parses a file the way a user's tool would: BOM stripped, RFC 4180 quoting.
fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("file starts with a UTF-8 BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn quoted_multiline_and_unicode_text_reads_back_unchanged() {
    let rows = vec![
        text_row(&["name", "notes"]),
        text_row(&["Zoë, Ltd.", "said \"hello\"\r\nthen left"]),
        text_row(&["日本語 😀", "  leading and trailing spaces  "]),
    ];
    let read = read_csv(&write_sheet(Format::Csv, &rows));
    assert_eq!(
        read,
        vec![
            vec!["name", "notes"],
            vec!["Zoë, Ltd.", "said \"hello\"\r\nthen left"],
            vec!["日本語 😀", "  leading and trailing spaces  "],
        ]
    );
}

#[test]
fn numbers_booleans_and_empty_cells_are_spelled_plainly() {
    let rows = vec![vec![
        Value::Number(42.0),
        Value::Number(-3.25),
        Value::Number(0.1),
        Value::Bool(true),
        Value::Empty,
        Value::Number(f64::NAN),
    ]];
    let read = read_csv(&write_sheet(Format::Csv, &rows));
    assert_eq!(read, vec![vec!["42", "-3.25", "0.1", "true", "", "NaN"]]);
    assert_eq!(read[0][2].parse::<f64>().unwrap(), 0.1);
}

#[test]
fn text_longer_than_excels_cell_limit_is_kept_whole() {
    let long = "x".repeat(40_000);
    let read = read_csv(&write_sheet(
        Format::Csv,
        &[vec![Value::text(long.clone())]],
    ));
    assert_eq!(read, vec![vec![long]]);
}

#[test]
fn rows_end_with_crlf() {
    let bytes = write_sheet(Format::Csv, &[text_row(&["a"]), text_row(&["b"])]);
    assert_eq!(bytes, b"\xEF\xBB\xBFa\r\nb\r\n");
}
