//! XLS (BIFF8) files read back with calamine, plus structural checks of the records that
//! readers skip but Excel relies on (Index, DBCell, BoundSheet8, record sizes).

mod common;

use std::io::{Cursor, Read};

use common::{Value, assert_round_trip, expected_grid, read_with_calamine, text_row, write_sheet};
use formats::{Cell, Format, FormatError, SheetOptions, SheetWriter, XlsWriter};
use proptest::prelude::*;

const XLS: Format = Format::Xls;

#[test]
fn an_empty_sheet_opens_as_one_sheet_with_no_cells() {
    let bytes = write_sheet(XLS, &[]);
    assert!(read_with_calamine(XLS, &bytes, 0, 0).is_empty());
}

#[test]
fn a_single_text_cell_reads_back_unchanged() {
    assert_round_trip(XLS, &[text_row(&["Hello"])]);
}

#[test]
fn numbers_text_and_booleans_keep_their_types() {
    let rows = vec![
        text_row(&["name", "amount", "closed", "note"]),
        vec![
            Value::text("Acme"),
            Value::Number(1234.5),
            Value::Bool(true),
            Value::Empty,
        ],
        vec![
            Value::text("Globex"),
            Value::Number(-0.001),
            Value::Bool(false),
            Value::text("=1+1 stays text"),
        ],
        vec![
            Value::Empty,
            Value::Number(1e300),
            Value::Empty,
            Value::text("https://example.com"),
        ],
    ];
    assert_round_trip(XLS, &rows);
}

#[test]
fn repeated_text_reads_back_in_every_cell_that_used_it() {
    let rows: Vec<Vec<Value>> = (0..100)
        .map(|i| text_row(&["Open", if i % 2 == 0 { "Won" } else { "Lost" }, "Open"]))
        .collect();
    assert_round_trip(XLS, &rows);
}

#[test]
fn a_column_of_all_new_text_and_its_later_repeats_read_back_in_every_cell() {
    // Past the shared string table's sample, the email column's texts are appended
    // without a lookup; the repeats at the end then have entries of their own.
    let rows: Vec<Vec<Value>> = (0..6_000)
        .map(|i| {
            let email = format!("user{}@example.com", if i < 5_000 { i } else { i - 5_000 });
            let stage = ["lead", "customer", "subscriber"][i % 3];
            text_row(&[&email, stage, &email])
        })
        .collect();
    assert_round_trip(XLS, &rows);
}

#[test]
fn cjk_and_emoji_text_survives() {
    let rows = vec![
        text_row(&["日本語のテキスト", "中文字符", "한국어"]),
        text_row(&["😀 emoji", "𝄞 music", "👩‍👩‍👧 family"]),
        text_row(&["Zoë Ærø", "Ελληνικά", "עברית"]),
    ];
    assert_round_trip(XLS, &rows);
}

#[test]
fn many_3000_character_strings_cross_continue_boundaries_intact() {
    // About 60 KB of Latin-1 and 120 KB of UTF-16 shared strings: several Continue
    // records each, with splits falling inside strings of both encodings.
    let rows: Vec<Vec<Value>> = (0..20)
        .map(|i| {
            vec![
                Value::Text(format!("{i:02}{}", "äbcdefghij".repeat(300))),
                Value::Text(format!("{i:02}{}", "日本語テキスト漢字".repeat(333))),
            ]
        })
        .collect();
    assert_round_trip(XLS, &rows);
}

#[test]
fn a_20000_character_string_survives_in_latin1_and_in_utf16() {
    let latin1: String = (0..20_000)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let utf16: String = (0..20_000).map(|i| ['é', 'λ', '中'][i % 3]).collect();
    assert_round_trip(XLS, &[vec![Value::Text(latin1), Value::Text(utf16)]]);
}

#[test]
fn a_surrogate_pair_at_a_continue_split_point_survives() {
    // The SST record holds 8 count bytes and the 3-byte string header, then 8,213 bytes:
    // 4,106 UTF-16 units would end on the pair's high surrogate, so the pair must move
    // whole into the Continue record. Try each nearby alignment.
    for lead in 4_100..4_110 {
        let text = format!("{}😀{}", "€".repeat(lead), "𝄞".repeat(10));
        assert_round_trip(XLS, &[vec![Value::Text(text)]]);
    }
}

#[test]
fn text_longer_than_32767_units_is_cut_at_the_limit_without_splitting_a_pair() {
    let long = format!("{}😀tail", "a".repeat(32_766));
    let bytes = write_sheet(XLS, &[vec![Value::Text(long)]]);
    let read = read_with_calamine(XLS, &bytes, 1, 1);
    assert_eq!(read[0][0], Value::text("a".repeat(32_766)));
}

#[test]
fn non_finite_numbers_are_written_as_text() {
    let rows = vec![vec![
        Value::Number(f64::NAN),
        Value::Number(f64::INFINITY),
        Value::Number(f64::NEG_INFINITY),
    ]];
    let bytes = write_sheet(XLS, &rows);
    assert_eq!(
        read_with_calamine(XLS, &bytes, 1, 3),
        vec![text_row(&["NaN", "inf", "-inf"])]
    );
}

#[test]
fn exactly_65535_data_rows_and_a_header_fit_in_one_sheet() {
    let mut rows = vec![text_row(&["id", "name"])];
    rows.extend(
        (0..65_535).map(|i| vec![Value::Number(i as f64), Value::Text(format!("row {i}"))]),
    );
    let bytes = write_sheet(XLS, &rows);
    let read = read_with_calamine(XLS, &bytes, rows.len(), 2);
    common::assert_same_grid(&read, &rows);
    assert_eq!(
        read[65_535],
        vec![Value::Number(65_534.0), Value::text("row 65534")]
    );
}

fn xls_writer() -> Box<XlsWriter<Vec<u8>>> {
    Box::new(XlsWriter::new(Vec::new(), &SheetOptions::default()).unwrap())
}

#[test]
fn a_row_past_65536_is_rejected_with_a_row_limit_error() {
    let mut writer = xls_writer();
    for _ in 0..65_536 {
        writer.write_row(&[Cell::Empty]).unwrap();
    }
    let error = writer.write_row(&[Cell::Text("one too many")]).unwrap_err();
    assert!(
        matches!(
            error,
            FormatError::TooManyRows {
                format: Format::Xls,
                limit: 65_536
            }
        ),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "XLS sheets hold at most 65536 rows (header included)"
    );
}

#[test]
fn all_256_columns_read_back_and_a_257th_is_rejected() {
    let rows: Vec<Vec<Value>> = (0..3)
        .map(|r| {
            (0..256)
                .map(|c| Value::Number((r * 1000 + c) as f64))
                .collect()
        })
        .collect();
    assert_round_trip(XLS, &rows);

    let mut writer = xls_writer();
    let wide = vec![Cell::Bool(true); 257];
    let error = writer.write_row(&wide).unwrap_err();
    assert!(
        matches!(
            error,
            FormatError::TooManyColumns {
                limit: 256,
                got: 257,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(Format::Xls.max_columns(), Some(256));
}

#[test]
fn a_rejected_row_leaves_the_sheet_as_it_was() {
    let mut out = Cursor::new(Vec::new());
    let mut writer = Box::new(XlsWriter::new(&mut out, &SheetOptions::default()).unwrap());
    writer.write_row(&[Cell::Text("kept")]).unwrap();
    writer
        .write_row(&vec![Cell::Text("dropped"); 300])
        .unwrap_err();
    writer.write_row(&[Cell::Text("next")]).unwrap();
    writer.finish().unwrap();
    let read = read_with_calamine(XLS, out.get_ref(), 2, 1);
    assert_eq!(read, vec![text_row(&["kept"]), text_row(&["next"])]);
}

#[test]
fn writing_the_same_rows_twice_gives_identical_bytes() {
    let rows = vec![
        text_row(&["a", "b"]),
        vec![Value::Number(1.0), Value::Bool(false)],
    ];
    assert_eq!(write_sheet(XLS, &rows), write_sheet(XLS, &rows));
}

/// The Workbook stream of an XLS file, split into records.
struct Records {
    stream: Vec<u8>,
}

impl Records {
    fn of(bytes: &[u8]) -> Records {
        let mut container = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
        let mut stream = Vec::new();
        container
            .open_stream("/Workbook")
            .unwrap()
            .read_to_end(&mut stream)
            .unwrap();
        Records { stream }
    }

    fn at(&self, pos: usize) -> (u16, &[u8]) {
        let record_type = u16::from_le_bytes([self.stream[pos], self.stream[pos + 1]]);
        let len = u16::from_le_bytes([self.stream[pos + 2], self.stream[pos + 3]]) as usize;
        (record_type, &self.stream[pos + 4..pos + 4 + len])
    }

    /// Positions of the records of the substream starting at `pos`, up to its EOF.
    fn substream(&self, mut pos: usize) -> Vec<usize> {
        let mut positions = Vec::new();
        loop {
            positions.push(pos);
            let (record_type, data) = self.at(pos);
            if record_type == 0x000A {
                return positions;
            }
            pos += 4 + data.len();
        }
    }
}

fn u32_at(data: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(data[offset..offset + 4].try_into().unwrap())
}

#[test]
fn the_workbook_stream_is_at_least_4096_bytes_even_for_an_empty_sheet() {
    let records = Records::of(&write_sheet(XLS, &[]));
    assert!(
        records.stream.len() >= 4096,
        "{} bytes",
        records.stream.len()
    );
}

#[test]
fn no_record_is_longer_than_8224_bytes_and_the_globals_declare_unicode() {
    let rows: Vec<Vec<Value>> = (0..40)
        .map(|i| vec![Value::Text(format!("{i}{}", "ß".repeat(3000)))])
        .collect();
    let records = Records::of(&write_sheet(XLS, &rows));
    let globals = records.substream(0);
    for &pos in &globals {
        assert!(records.at(pos).1.len() <= 8224);
    }
    let codepage = globals
        .iter()
        .map(|&p| records.at(p))
        .find(|r| r.0 == 0x0042)
        .unwrap();
    assert_eq!(codepage.1, 1200u16.to_le_bytes());
    let continues = globals
        .iter()
        .filter(|&&p| records.at(p).0 == 0x003C)
        .count();
    assert!(
        continues >= 10,
        "expected the SST to span many Continue records, got {continues}"
    );
}

#[test]
fn boundsheet_index_and_dbcell_offsets_point_at_the_records_they_name() {
    // 100 rows: four DBCell blocks (32 + 32 + 32 + 4 rows).
    let rows: Vec<Vec<Value>> = (0..100)
        .map(|i| vec![Value::Number(i as f64), Value::Text(format!("r{i}"))])
        .collect();
    let records = Records::of(&write_sheet(XLS, &rows));
    let globals = records.substream(0);
    let bound_sheet = globals
        .iter()
        .map(|&p| records.at(p))
        .find(|r| r.0 == 0x0085)
        .unwrap();
    let sheet_at = u32_at(bound_sheet.1, 0) as usize;
    let (bof, bof_data) = records.at(sheet_at);
    assert_eq!(
        (bof, &bof_data[..4]),
        (0x0809, &[0x00, 0x06, 0x10, 0x00][..])
    );

    let sheet = records.substream(sheet_at);
    let (index_type, index) = records.at(sheet[1]);
    assert_eq!(index_type, 0x020B);
    assert_eq!(
        (u32_at(index, 4), u32_at(index, 8)),
        (0, 100),
        "rows 0..100"
    );
    assert_eq!(
        records.at(u32_at(index, 12) as usize).0,
        0x0055,
        "ibXF names DefColWidth"
    );
    let dbcells: Vec<usize> = (16..index.len())
        .step_by(4)
        .map(|o| u32_at(index, o) as usize)
        .collect();
    assert_eq!(dbcells.len(), 4);
    let mut first_row = 0u16;
    for dbcell_at in dbcells {
        let (record_type, dbcell) = records.at(dbcell_at);
        assert_eq!(record_type, 0x00D7);
        let row_at = dbcell_at - u32_at(dbcell, 0) as usize;
        let (row_type, row) = records.at(row_at);
        assert_eq!(
            row_type, 0x0208,
            "DBCell points back at the block's first Row"
        );
        assert_eq!(u16::from_le_bytes([row[0], row[1]]), first_row);
        // Follow rgdb to each row's first cell and check it is in that row.
        let rows_in_block = (dbcell.len() - 4) / 2;
        let mut cell_at = row_at + 20;
        for i in 0..rows_in_block {
            cell_at += u16::from_le_bytes([dbcell[4 + 2 * i], dbcell[5 + 2 * i]]) as usize;
            let (cell_type, cell) = records.at(cell_at);
            assert_eq!(cell_type, 0x0203, "the row's first cell is its Number");
            assert_eq!(u16::from_le_bytes([cell[0], cell[1]]), first_row + i as u16);
        }
        first_row += rows_in_block as u16;
    }
    assert_eq!(first_row, 100);
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,\"\\n]{0,20}",
        "\\PC{0,30}",
        any::<String>(),
        // Occasionally long enough to cross a Continue boundary on its own.
        ("\\PC{1,3}", 2_000..5_000usize).prop_map(|(s, n)| s.repeat(n / s.chars().count().max(1))),
    ]
}

fn any_cell() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Empty),
        any_text().prop_map(Value::Text),
        any::<f64>().prop_map(Value::Number),
        (-1e6..1e6f64).prop_map(Value::Number),
        any::<bool>().prop_map(Value::Bool),
        (-2_203_891_200_000i64..253_402_300_799_999)
            .prop_map(|ms| Value::Date(formats::Date::with_time(ms).unwrap())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_rows_of_any_cells_read_back_as_written(
        rows in prop::collection::vec(prop::collection::vec(any_cell(), 0..8), 0..40)
    ) {
        let bytes = write_sheet(XLS, &rows);
        let (expected, cols) = expected_grid(&rows);
        // Rows with no values at the end are invisible to a reader; so are empty columns.
        let actual = read_with_calamine(XLS, &bytes, rows.len(), cols);
        prop_assert_eq!(actual, expected);
    }
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
    assert_round_trip(XLS, &rows);
    let read = read_with_calamine(XLS, &write_sheet(XLS, &rows), 2, 2);
    assert_eq!(read[1][1], Value::DateSerial(43_768.0));
}

/// The records of the sheet substream with type `record_type`.
fn sheet_records(records: &Records, record_type: u16) -> Vec<Vec<u8>> {
    let globals = records.substream(0);
    let bound_sheet = globals
        .iter()
        .map(|&p| records.at(p))
        .find(|r| r.0 == 0x0085)
        .unwrap();
    records
        .substream(u32_at(bound_sheet.1, 0) as usize)
        .into_iter()
        .map(|p| records.at(p))
        .filter(|r| r.0 == record_type)
        .map(|r| r.1.to_vec())
        .collect()
}

fn u16_at(data: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes([data[offset], data[offset + 1]])
}

#[test]
fn the_header_is_bold_and_frozen_with_a_filter_over_the_sheet_and_fitted_widths() {
    let rows = vec![
        text_row(&["Record ID", "Lifecycle Stage"]),
        vec![Value::Number(1.0), Value::text("Lead")],
        vec![Value::Number(2.0), Value::text("Customer")],
    ];
    let records = Records::of(&write_sheet(XLS, &rows));
    let globals: Vec<(u16, Vec<u8>)> = records
        .substream(0)
        .into_iter()
        .map(|p| (records.at(p).0, records.at(p).1.to_vec()))
        .collect();
    let fonts: Vec<&Vec<u8>> = globals
        .iter()
        .filter(|r| r.0 == 0x0031)
        .map(|r| &r.1)
        .collect();
    let xfs: Vec<&Vec<u8>> = globals
        .iter()
        .filter(|r| r.0 == 0x00E0)
        .map(|r| &r.1)
        .collect();
    // Header cells use an XF whose font (index 5: BIFF skips 4) weighs 700.
    let labels = sheet_records(&records, 0x00FD);
    let header_xf = u16_at(&labels[0], 4) as usize;
    assert_eq!(
        u16_at(&labels[2], 4) as usize,
        15,
        "data cells keep the plain XF"
    );
    let font = u16_at(xfs[header_xf], 0) as usize;
    assert_eq!(u16_at(fonts[font - 1], 6), 700, "the header font is bold");

    let window2 = &sheet_records(&records, 0x023E)[0];
    assert_eq!(
        u16_at(window2, 0) & 0x0108,
        0x0108,
        "fFrozen | fFrozenNoSplit"
    );
    let pane = &sheet_records(&records, 0x0041)[0];
    assert_eq!(
        (u16_at(pane, 0), u16_at(pane, 2), u16_at(pane, 4)),
        (0, 1, 1)
    );

    let widths: Vec<u16> = sheet_records(&records, 0x007D)
        .iter()
        .map(|c| u16_at(c, 4))
        .collect();
    // "Lifecycle Stage": 15 characters and room for the filter button, in 1/256 of a character.
    assert_eq!(
        widths,
        [
            ((12.0 + 0.72) * 256.0) as u16,
            ((18.0 + 0.72) * 256.0) as u16
        ]
    );
    assert_eq!(
        sheet_records(&records, 0x009D),
        [vec![2, 0]],
        "two filter columns"
    );
    let name = globals.iter().find(|r| r.0 == 0x0018).unwrap();
    assert_eq!(name.1[15], 0x0D, "the built-in _FilterDatabase name");
    assert_eq!(
        &name.1[16..],
        [0x3B, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0],
        "over A1:B3"
    );
}

#[test]
fn cells_cut_at_the_limit_are_counted_by_column() {
    let long = "z".repeat(40_000);
    let mut writer = xls_writer();
    writer
        .write_row(&[Cell::Text("a"), Cell::Text("b")])
        .unwrap();
    writer
        .write_row(&[Cell::Text(&long), Cell::Text("short")])
        .unwrap();
    let cut = writer.finish().unwrap();
    assert_eq!((cut.total(), cut.columns()), (1, vec![0]));
}
