//! The partitioner: parts at the row threshold, each with the header, zipped when there
//! is more than one.

mod common;

use std::io::{Cursor, Read};

use common::{Value, read_with_calamine, text_row};
use formats::{
    Cell, CutCells, Format, FormatError, PartitionOptions, PartitionSummary, Partitioner,
};

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
            zipped: true,
            cut_cells: CutCells::default(),
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
            zipped: false,
            cut_cells: CutCells::default(),
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
            zipped: false,
            cut_cells: CutCells::default(),
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

/// Writes `rows` CSV rows with a size limit for zipping a single part.
fn export_zipping_over(
    rows: u64,
    max_data_rows: u64,
    zip_over: u64,
) -> (Vec<u8>, PartitionSummary) {
    let mut out = Cursor::new(Vec::new());
    let options = PartitionOptions {
        zip_single_part_over: Some(zip_over),
        ..options(max_data_rows)
    };
    let mut partitioner = Partitioner::new(Format::Csv, &HEADER, &mut out, options).unwrap();
    for i in 0..rows {
        let name = format!("name {i} {}", "x".repeat(40));
        partitioner
            .write_row(&[Cell::Number(i as f64), Cell::Text(&name)])
            .unwrap();
    }
    let summary = partitioner.finish().unwrap();
    (out.into_inner(), summary)
}

#[test]
fn one_part_over_the_size_limit_is_zipped_under_the_export_name() {
    // About 3.3 MB of CSV against a 1 MB limit: several deflate chunks.
    let (bytes, summary) = export_zipping_over(60_000, 100_000, 1 << 20);
    assert_eq!((summary.parts, summary.zipped), (1, true));
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, "contacts.csv");
    let lines = csv_lines(&entries[0].1);
    assert_eq!(lines.len(), 60_001);
    assert_eq!(
        lines[59_999],
        format!("59998,name 59998 {}", "x".repeat(40))
    );
}

#[test]
fn one_part_under_the_size_limit_stays_the_bare_file() {
    let (bytes, summary) = export_zipping_over(10, 100, 1 << 20);
    assert!(!summary.zipped);
    assert_eq!(csv_lines(&bytes).len(), 11);
}

#[test]
fn a_first_part_zipped_for_its_size_is_named_as_a_part_once_a_second_follows() {
    let (bytes, summary) = export_zipping_over(50_000, 40_000, 1 << 20);
    assert_eq!((summary.parts, summary.zipped), (2, true));
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["contacts-part-0001.csv", "contacts-part-0002.csv"]);
    assert_eq!(csv_lines(&entries[0].1).len(), 40_001);
    assert_eq!(
        csv_lines(&entries[1].1)[1],
        format!("40000,name 40000 {}", "x".repeat(40))
    );
}

#[test]
fn later_parts_take_the_first_parts_column_widths_and_cut_cells_add_up() {
    let long = "w".repeat(40_000);
    let mut out = Cursor::new(Vec::new());
    let mut partitioner = Partitioner::new(Format::Xlsx, &HEADER, &mut out, options(2)).unwrap();
    let rows = [
        [Cell::Number(1.0), Cell::Text("a fairly long first name")],
        [Cell::Number(2.0), Cell::Text(&long)],
        [Cell::Number(3.0), Cell::Text("x")],
        [Cell::Number(4.0), Cell::Text(&long)],
    ];
    for row in &rows {
        partitioner.write_row(row).unwrap();
    }
    let summary = partitioner.finish().unwrap();
    assert_eq!(summary.parts, 2);
    assert_eq!(
        (summary.cut_cells.total(), summary.cut_cells.columns()),
        (2, vec![1])
    );
    let entries = unzip(&out.into_inner());
    let cols = |xlsx: &[u8]| {
        let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        let start = sheet.find("<cols>").unwrap();
        let end = sheet.find("</cols>").unwrap();
        sheet[start..end].to_owned()
    };
    assert_eq!(cols(&entries[0].1), cols(&entries[1].1));
    assert!(
        cols(&entries[1].1).contains("width=\"60.71\""),
        "{}",
        cols(&entries[1].1)
    );
}

/// Writes `rows` rows of `format` with `options`, in place into a file or through the
/// spool into memory, and returns what the sink holds at the end.
fn written(
    format: Format,
    rows: u64,
    options: PartitionOptions,
    in_place: bool,
) -> (Vec<u8>, PartitionSummary) {
    let write_rows = |partitioner: &mut dyn FnMut(&[Cell<'_>])| {
        for i in 0..rows {
            let name = format!("name {i} {}", "x".repeat(40));
            partitioner(&[Cell::Number(i as f64), Cell::Text(&name)]);
        }
    };
    if in_place {
        let file = tempfile::tempfile().unwrap();
        let sink = std::io::BufWriter::new(file.try_clone().unwrap());
        let mut partitioner = Partitioner::in_place(format, &HEADER, sink, options).unwrap();
        write_rows(&mut |row| partitioner.write_row(row).unwrap());
        let summary = partitioner.finish().unwrap();
        let mut bytes = Vec::new();
        (&file).rewind_and_read(&mut bytes);
        (bytes, summary)
    } else {
        let mut out = Cursor::new(Vec::new());
        let mut partitioner = Partitioner::new(format, &HEADER, &mut out, options).unwrap();
        write_rows(&mut |row| partitioner.write_row(row).unwrap());
        let summary = partitioner.finish().unwrap();
        (out.into_inner(), summary)
    }
}

trait RewindAndRead {
    fn rewind_and_read(self, into: &mut Vec<u8>);
}

impl RewindAndRead for &std::fs::File {
    fn rewind_and_read(mut self, into: &mut Vec<u8>) {
        use std::io::Seek;
        self.rewind().unwrap();
        self.read_to_end(into).unwrap();
    }
}

#[test]
fn a_first_part_written_in_place_gives_the_same_file_as_one_spooled() {
    // (format, rows, data rows per part, zip a single part over): alone and bare, alone
    // and zipped for its size, several parts, several parts after the first was zipped.
    let shapes = [
        (Format::Csv, 10, 100, Some(1 << 20)),
        (Format::Csv, 60_000, 100_000, Some(1 << 20)),
        (Format::Csv, 25, 10, None),
        (Format::Csv, 50_000, 40_000, Some(1 << 20)),
        (Format::Xls, 300, 1_000, None),
        (Format::Xls, 2_500, 1_000, None),
        (Format::Xlsx, 300, 1_000, None),
        (Format::Xlsx, 2_500, 1_000, None),
    ];
    for (format, rows, per_part, zip_over) in shapes {
        let options = PartitionOptions {
            zip_single_part_over: zip_over,
            ..options(per_part)
        };
        let spooled = written(format, rows, options.clone(), false);
        let in_place = written(format, rows, options, true);
        assert_eq!(in_place.1, spooled.1, "{format:?}, {rows} rows");
        assert!(
            in_place.0 == spooled.0,
            "{format:?}, {rows} rows: the file written in place differs ({} bytes against {})",
            in_place.0.len(),
            spooled.0.len()
        );
    }
    // The shapes above did take both paths: bare files and zips.
    assert!(!written(Format::Csv, 10, options(100), true).1.zipped);
    assert!(written(Format::Xls, 2_500, options(1_000), true).1.zipped);
}
