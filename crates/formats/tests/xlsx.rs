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

/// The named part of an XLSX package, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
    text
}

#[test]
fn dates_read_back_as_date_cells_with_their_day_numbers() {
    let instant = 1_572_406_217_883; // 2019-10-30T03:30:17.883Z
    let rows = vec![
        text_row(&["when", "day"]),
        vec![
            Value::Date(formats::Date::with_time(instant).unwrap()),
            Value::Date(formats::Date::day(instant).unwrap()),
        ],
    ];
    assert_round_trip(XLSX, &rows);
    let read = read_with_calamine(XLSX, &write_sheet(XLSX, &rows), 2, 2);
    assert_eq!(read[1][1], Value::DateSerial(43_768.0));
    let styles = part(&write_sheet(XLSX, &rows), "xl/styles.xml");
    assert!(
        styles.contains("formatCode=\"yyyy-mm-dd hh:mm\""),
        "{styles}"
    );
    assert!(styles.contains("formatCode=\"yyyy-mm-dd\""), "{styles}");
}

#[test]
fn the_header_is_bold_and_frozen_with_a_filter_over_the_sheet_and_fitted_widths() {
    let rows = vec![
        text_row(&["Record ID", "Lifecycle Stage", "Zip"]),
        vec![
            Value::Number(1.0),
            Value::text("Lead"),
            Value::text("01234"),
        ],
        vec![
            Value::Number(2.0),
            Value::text("Customer"),
            Value::text("99999"),
        ],
    ];
    let bytes = write_sheet(XLSX, &rows);
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(
            "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        ),
        "{sheet}"
    );
    assert!(sheet.contains("<autoFilter ref=\"A1:C3\"/>"), "{sheet}");
    assert!(
        sheet.contains("<c r=\"B1\" s=\"1\" t=\"inlineStr\">"),
        "{sheet}"
    );
    // "Lifecycle Stage" is 15 characters, plus room for the filter button.
    assert!(
        sheet.contains("<col min=\"2\" max=\"2\" width=\"18.71\""),
        "{sheet}"
    );
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains("<font><b/>"), "{styles}");
    let workbook = part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">'Sheet1'!$A$1:$C$3</definedName>"),
        "{workbook}"
    );
}

#[test]
fn cells_cut_at_the_limit_are_counted_by_column() {
    let long = "y".repeat(40_000);
    let mut writer =
        Box::new(XlsxWriter::new(Cursor::new(Vec::new()), &SheetOptions::default()).unwrap());
    writer
        .write_row(&[Cell::Text("a"), Cell::Text("b")])
        .unwrap();
    writer
        .write_row(&[Cell::Text("short"), Cell::Text(&long)])
        .unwrap();
    writer
        .write_row(&[Cell::Text(&long), Cell::Text(&long)])
        .unwrap();
    let cut = writer.finish().unwrap();
    assert_eq!((cut.total(), cut.columns()), (3, vec![0, 1]));
}

#[test]
fn a_sheet_of_many_compressed_chunks_reads_back_whole() {
    // About 9 MB of sheet XML: nine deflate chunks compressed on the pool and joined.
    let rows: Vec<Vec<Value>> = std::iter::once(text_row(&["n", "text", "when"]))
        .chain((0..60_000).map(|i| {
            vec![
                Value::Number(f64::from(i)),
                Value::Text(format!("row {i} <&> _x0041_ \u{1}")),
                Value::Date(
                    formats::Date::with_time(1_600_000_000_000 + i64::from(i) * 1000).unwrap(),
                ),
            ]
        }))
        .collect();
    assert_round_trip(XLSX, &rows);
}

fn any_cell() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Value::Empty),
        "\\PC{0,30}".prop_map(Value::Text),
        any::<String>().prop_map(Value::Text),
        any::<f64>().prop_map(Value::Number),
        any::<bool>().prop_map(Value::Bool),
        (-2_203_891_200_000i64..253_402_300_799_999)
            .prop_map(|ms| Value::Date(formats::Date::with_time(ms).unwrap())),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    #[test]
    fn any_rows_of_any_cells_read_back_as_written(
        rows in proptest::collection::vec(proptest::collection::vec(any_cell(), 0..8), 0..40)
    ) {
        let bytes = write_sheet(XLSX, &rows);
        let (expected, cols) = common::expected_grid(&rows);
        let actual = read_with_calamine(XLSX, &bytes, rows.len(), cols);
        proptest::prop_assert_eq!(actual, expected);
    }
}
