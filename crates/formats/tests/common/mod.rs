//! Helpers shared by the integration tests: owned cell values, writing rows through a
//! format's writer, and reading files back with independent readers.

#![allow(dead_code)] // each test binary uses a different subset

use std::io::Cursor;

use calamine::{Data, Reader};
use formats::{Cell, Date, Format, SheetOptions, open_sheet_writer};

/// An owned cell, so tests can build rows and compare what a reader returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(Date),
    /// What a reader returns for a date cell: its day number.
    DateSerial(f64),
}

impl Value {
    pub fn text(text: impl Into<String>) -> Value {
        Value::Text(text.into())
    }

    pub fn as_cell(&self) -> Cell<'_> {
        match self {
            Value::Empty => Cell::Empty,
            Value::Text(text) => Cell::Text(text),
            Value::Number(number) => Cell::Number(*number),
            Value::Bool(value) => Cell::Bool(*value),
            Value::Date(date) => Cell::Date(*date),
            Value::DateSerial(_) => panic!("a serial is only read, never written"),
        }
    }

    /// What a spreadsheet shows for this value: empty text is an empty cell, text is cut
    /// at Excel's limit, and numbers with no spreadsheet form become text.
    pub fn as_spreadsheet_shows(&self) -> Value {
        match self {
            Value::Text(text) if text.is_empty() => Value::Empty,
            Value::Text(text) => {
                Value::text(formats::truncate_utf16(text, formats::MAX_TEXT_UTF16_UNITS))
            }
            Value::Number(n) if n.is_nan() => Value::text("NaN"),
            Value::Number(n) if n.is_infinite() => {
                Value::text(if *n > 0.0 { "inf" } else { "-inf" })
            }
            Value::Date(date) => Value::DateSerial(date.serial()),
            other => other.clone(),
        }
    }
}

pub fn text_row(texts: &[&str]) -> Vec<Value> {
    texts.iter().map(|&t| Value::text(t)).collect()
}

/// Writes `rows` as one sheet in `format` and returns the file's bytes.
pub fn write_sheet(format: Format, rows: &[Vec<Value>]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut writer = open_sheet_writer(format, &mut out, &SheetOptions::default()).unwrap();
    for row in rows {
        let cells: Vec<Cell<'_>> = row.iter().map(Value::as_cell).collect();
        writer.write_row(&cells).unwrap();
    }
    writer.finish().unwrap();
    out.into_inner()
}

/// Reads the first sheet of an XLS or XLSX file with calamine into a grid of
/// `rows` × `cols` values (absent cells are `Empty`), and checks that nothing lies
/// outside that grid.
pub fn read_with_calamine(
    format: Format,
    bytes: &[u8],
    rows: usize,
    cols: usize,
) -> Vec<Vec<Value>> {
    let cursor = Cursor::new(bytes);
    let range = match format {
        Format::Xls => {
            let mut book: calamine::Xls<_> = calamine::open_workbook_from_rs(cursor).unwrap();
            assert_eq!(book.sheet_names(), ["Sheet1"]);
            book.worksheet_range("Sheet1").unwrap()
        }
        Format::Xlsx => {
            let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(cursor).unwrap();
            assert_eq!(book.sheet_names(), ["Sheet1"]);
            book.worksheet_range("Sheet1").unwrap()
        }
        Format::Csv => panic!("calamine does not read CSV"),
    };
    if let Some((last_row, last_col)) = range.end() {
        assert!(
            (last_row as usize) < rows && (last_col as usize) < cols,
            "reader found a cell at {:?} outside the {rows}×{cols} grid written",
            (last_row, last_col)
        );
    }
    (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| match range.get_value((r as u32, c as u32)) {
                    None | Some(Data::Empty) => Value::Empty,
                    Some(Data::String(s)) => Value::Text(s.clone()),
                    Some(Data::Float(f)) => Value::Number(*f),
                    Some(Data::Int(i)) => Value::Number(*i as f64),
                    Some(Data::Bool(b)) => Value::Bool(*b),
                    Some(Data::DateTime(d)) if d.is_datetime() => Value::DateSerial(d.as_f64()),
                    Some(other) => panic!("unexpected cell type {other:?} at {r},{c}"),
                })
                .collect()
        })
        .collect()
}

/// What a reader should return for `rows`: a rectangular grid as a spreadsheet shows it.
pub fn expected_grid(rows: &[Vec<Value>]) -> (Vec<Vec<Value>>, usize) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let grid = rows
        .iter()
        .map(|row| {
            let mut shown: Vec<Value> = row.iter().map(Value::as_spreadsheet_shows).collect();
            shown.resize(cols, Value::Empty);
            shown
        })
        .collect();
    (grid, cols)
}

/// Writes `rows` in `format`, reads them back with calamine and asserts they are what a
/// spreadsheet would show.
pub fn assert_round_trip(format: Format, rows: &[Vec<Value>]) {
    let bytes = write_sheet(format, rows);
    let (expected, cols) = expected_grid(rows);
    let actual = read_with_calamine(format, &bytes, rows.len(), cols);
    assert_same_grid(&actual, &expected);
}

/// Asserts two grids are equal, naming the first differing cell (grids can be huge).
pub fn assert_same_grid(actual: &[Vec<Value>], expected: &[Vec<Value>]) {
    assert_eq!(actual.len(), expected.len(), "row count");
    for (r, (got, want)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(got.len(), want.len(), "column count of row {r}");
        for (c, (g, w)) in got.iter().zip(want).enumerate() {
            if g != w {
                panic!(
                    "cell ({r}, {c}) differs: read {}, wrote {}",
                    brief(g),
                    brief(w)
                );
            }
        }
    }
}

fn brief(value: &Value) -> String {
    match value {
        Value::Text(t) if t.chars().count() > 60 => {
            let head: String = t.chars().take(60).collect();
            format!("Text({head:?}… {} chars)", t.chars().count())
        }
        other => format!("{other:?}"),
    }
}
