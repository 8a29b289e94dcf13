//! The partitioner: parts at the row threshold, each with the header, zipped when there
//! is more than one.

mod common;

use std::io::{Cursor, Read};

use common::{Value, read_with_calamine, text_row};
use formats::{Cell, Format, FormatError, PartitionOptions, PartitionSummary, Partitioner};

const HEADER: [&str; 2] = ["id", "name"];

fn options(max_data_rows: u64) -> PartitionOptions {
    PartitionOptions {
        max_data_rows_per_part: Some(max_data_rows),
        entry_stem: "contacts".to_owned(),
        ..PartitionOptions::default()
    }
}

/// Writes `rows` data rows (`i`, `name i`) and returns the output and the summary.
fn export(format: Format, rows: u64, max_data_rows: u64) -> (Vec<u8>, PartitionSummary) {
    let mut out = Cursor::new(Vec::new());
    let mut partitioner =
        Partitioner::new(format, &HEADER, &mut out, options(max_data_rows)).unwrap();
    for i in 0..rows {
        let name = format!("name {i}");
        partitioner
            .write_row(&[Cell::Number(i as f64), Cell::Text(&name)])
            .unwrap();
    }
    let summary = partitioner.finish().unwrap();
    (out.into_inner(), summary)
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn csv_lines(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    text.split_terminator("\r\n").map(str::to_owned).collect()
}

#[test]
fn twenty_five_rows_at_ten_per_part_make_a_zip_of_three_parts_each_with_the_header() {
    let (bytes, summary) = export(Format::Csv, 25, 10);
    assert_eq!(
        summary,
        PartitionSummary {
            parts: 3,
            data_rows: 25,
            zipped: true
        }
    );
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "contacts-part-0001.csv",
            "contacts-part-0002.csv",
            "contacts-part-0003.csv"
        ]
    );
    let mut next_id = 0;
    for ((_, data), expected_rows) in entries.iter().zip([10, 10, 5]) {
        let lines = csv_lines(data);
        assert_eq!(lines[0], "id,name");
        assert_eq!(lines.len(), 1 + expected_rows);
        for line in &lines[1..] {
            assert_eq!(*line, format!("{next_id},name {next_id}"));
            next_id += 1;
        }
    }
    assert_eq!(next_id, 25);
}

#[test]
fn rows_that_fit_one_part_are_written_as_the_bare_file() {
    let (bytes, summary) = export(Format::Csv, 10, 10);
    assert_eq!(
        summary,
        PartitionSummary {
            parts: 1,
            data_rows: 10,
            zipped: false
        }
    );
    let lines = csv_lines(&bytes);
    assert_eq!(lines.len(), 11);
    assert_eq!(lines[10], "9,name 9");
}

#[test]
fn an_export_with_no_rows_is_one_file_with_just_the_header() {
    let (bytes, summary) = export(Format::Csv, 0, 10);
    assert_eq!(
        summary,
        PartitionSummary {
            parts: 1,
            data_rows: 0,
            zipped: false
        }
    );
    assert_eq!(csv_lines(&bytes), ["id,name"]);
}

#[test]
fn xls_parts_each_open_in_a_reader_with_the_header_first() {
    let (bytes, summary) = export(Format::Xls, 25, 10);
    assert_eq!(summary.parts, 3);
    let entries = unzip(&bytes);
    assert_eq!(entries[2].0, "contacts-part-0003.xls");
    let last = read_with_calamine(Format::Xls, &entries[2].1, 6, 2);
    assert_eq!(last[0], text_row(&HEADER));
    assert_eq!(last[5], vec![Value::Number(24.0), Value::text("name 24")]);
}

#[test]
fn xlsx_parts_each_open_in_a_reader_with_the_header_first() {
    let (bytes, _) = export(Format::Xlsx, 12, 10);
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 2);
    let second = read_with_calamine(Format::Xlsx, &entries[1].1, 3, 2);
    assert_eq!(second[0], text_row(&HEADER));
    assert_eq!(second[2], vec![Value::Number(11.0), Value::text("name 11")]);
}

#[test]
fn xls_parts_default_to_65535_data_rows() {
    let (bytes, summary) = {
        let mut out = Cursor::new(Vec::new());
        let mut partitioner =
            Partitioner::new(Format::Xls, &["n"], &mut out, PartitionOptions::default()).unwrap();
        for i in 0..65_536u32 {
            partitioner
                .write_row(&[Cell::Number(f64::from(i))])
                .unwrap();
        }
        let summary = partitioner.finish().unwrap();
        (out.into_inner(), summary)
    };
    assert_eq!(summary.parts, 2);
    let entries = unzip(&bytes);
    let second = read_with_calamine(Format::Xls, &entries[1].1, 2, 1);
    assert_eq!(
        second,
        vec![text_row(&["n"]), vec![Value::Number(65_535.0)]]
    );
}

#[test]
fn a_threshold_above_the_formats_limit_is_rejected() {
    let error = Partitioner::new(
        Format::Xls,
        &HEADER,
        Cursor::new(Vec::new()),
        options(65_536),
    )
    .err()
    .unwrap();
    assert!(
        matches!(error, FormatError::InvalidPartitionOptions(_)),
        "{error}"
    );
}

#[test]
fn a_header_wider_than_the_format_allows_is_rejected_up_front() {
    let header = vec!["column"; 257];
    let error = Partitioner::new(
        Format::Xls,
        &header,
        Cursor::new(Vec::new()),
        PartitionOptions::default(),
    )
    .err()
    .unwrap();
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
}
