//! XLSX files read back with calamine.

mod common;

use std::io::Cursor;

use common::{Value, assert_round_trip, read_with_calamine, text_row, write_sheet};
use formats::{Cell, Format, FormatError, SheetOptions, SheetWriter, XlsxWriter};

const XLSX: Format = Format::Xlsx;

#[test]
fn mixed_cells_read_back_with_their_types() {
    let rows = vec![
        text_row(&["name", "amount", "closed"]),
        vec![
            Value::text("Acme"),
            Value::Number(1234.5),
            Value::Bool(true),
        ],
        vec![
            Value::text("日本語 😀"),
            Value::Number(-7.0),
            Value::Bool(false),
        ],
        vec![Value::Empty, Value::Empty, Value::text("last")],
    ];
    assert_round_trip(XLSX, &rows);
}

#[test]
fn the_same_rows_give_the_same_bytes() {
    let rows = vec![text_row(&["name", "city"]), text_row(&["Zoë", "Paris"])];
    let first = write_sheet(XLSX, &rows);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(first, write_sheet(XLSX, &rows));
}

#[test]
fn formula_and_url_lookalikes_stay_plain_text() {
    let rows = vec![text_row(&[
        "=SUM(A1:A2)",
        "https://example.com/x",
        "+1 555 0100",
    ])];
    assert_round_trip(XLSX, &rows);
    let bytes = write_sheet(XLSX, &rows);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let has_links = (0..zip.len()).any(|i| {
        zip.by_index(i)
            .unwrap()
            .name()
            .unwrap()
            .contains("_rels/sheet1")
    });
    assert!(!has_links, "no hyperlink relationships were written");
}

#[test]
fn text_longer_than_32767_units_is_cut_at_the_limit() {
    let long = format!("{}😀tail", "b".repeat(32_766));
    let read = read_with_calamine(XLSX, &write_sheet(XLSX, &[vec![Value::text(long)]]), 1, 1);
    assert_eq!(read[0][0], Value::text("b".repeat(32_766)));
}

#[test]
fn a_row_wider_than_16384_columns_is_rejected() {
    let mut writer =
        Box::new(XlsxWriter::new(Cursor::new(Vec::new()), &SheetOptions::default()).unwrap());
    let error = writer
        .write_row(&vec![Cell::Number(1.0); 16_385])
        .unwrap_err();
    assert!(
        matches!(error, FormatError::TooManyColumns { limit: 16_384, .. }),
        "{error}"
    );
}

#[test]
fn an_invalid_sheet_name_is_rejected_before_writing() {
    let options = SheetOptions {
        sheet_name: "bad/name".to_owned(),
        ..SheetOptions::default()
    };
    let error = XlsxWriter::new(Cursor::new(Vec::new()), &options)
        .err()
        .unwrap();
    assert!(
        matches!(error, FormatError::InvalidSheetName { .. }),
        "{error}"
    );
}
