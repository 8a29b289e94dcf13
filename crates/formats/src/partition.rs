//! Splits one export into parts at the format's row limit, written once against
//! [`SheetWriter`]: every part starts with the header row, and when there is more than one
//! part they are zipped into the sink (`<stem>-part-0001.<ext>`, …). A single part is
//! written to the sink as the bare file.
//!
//! Each part is spooled to an unnamed temporary file first, because whether a zip is
//! needed is only known when the row after a full part arrives; that costs one extra copy
//! of the part. Zip entries use deflate with zip64 (`large_file`) always on, since one
//! wide part can pass 4 GiB, and a fixed timestamp so the output is reproducible.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::{Cell, Format, FormatError, Result, SheetOptions, SheetWriter, open_sheet_writer};

/// How to split and name the parts.
#[derive(Debug, Clone)]
pub struct PartitionOptions {
    /// Data rows per part, header excluded; `None` means the format's limit (65,535 for
    /// XLS, 1,048,575 for XLSX, unlimited for CSV). Tests use small values.
    pub max_data_rows_per_part: Option<u64>,
    /// Zip entry names are `<entry_stem>-part-0001.<ext>` and so on.
    pub entry_stem: String,
    /// Options for each part's writer.
    pub sheet: SheetOptions,
}

impl Default for PartitionOptions {
    fn default() -> Self {
        PartitionOptions {
            max_data_rows_per_part: None,
            entry_stem: "export".to_owned(),
            sheet: SheetOptions::default(),
        }
    }
}

/// What [`Partitioner::finish`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionSummary {
    /// Number of parts (at least 1: an export with no rows is one part with a header).
    pub parts: u32,
    /// Data rows written, headers excluded.
    pub data_rows: u64,
    /// Whether the sink holds a zip of the parts rather than the single part itself.
    pub zipped: bool,
}

/// Writes rows into parts of at most `max_data_rows_per_part` data rows each.
pub struct Partitioner<W: Write + Seek> {
    format: Format,
    options: PartitionOptions,
    header: Vec<String>,
    max_data_rows: Option<u64>,
    part: Part,
    parts: u32,
    data_rows: u64,
    /// The sink until a second part is needed, then the zip wrapping it.
    sink: Option<W>,
    zip: Option<ZipWriter<W>>,
}

struct Part {
    writer: Box<dyn SheetWriter>,
    /// The spool file the writer writes to, through its own handle.
    file: File,
    data_rows: u64,
}

impl<W: Write + Seek> Partitioner<W> {
    /// Starts the first part and writes its header.
    pub fn new(
        format: Format,
        header: &[&str],
        sink: W,
        options: PartitionOptions,
    ) -> Result<Self> {
        format.check_columns(header.len())?;
        let max_data_rows = match (
            options.max_data_rows_per_part,
            format.max_data_rows_per_sheet(),
        ) {
            (Some(0), _) => {
                return Err(FormatError::InvalidPartitionOptions(
                    "a part must hold at least one data row",
                ));
            }
            (Some(asked), Some(limit)) if asked > limit => {
                return Err(FormatError::InvalidPartitionOptions(
                    "parts cannot hold more rows than the format's sheet limit",
                ));
            }
            (Some(asked), _) => Some(asked),
            (None, limit) => limit,
        };
        let header: Vec<String> = header.iter().map(|&name| name.to_owned()).collect();
        let part = Part::open(format, &options.sheet, &header)?;
        Ok(Partitioner {
            format,
            options,
            header,
            max_data_rows,
            part,
            parts: 1,
            data_rows: 0,
            sink: Some(sink),
            zip: None,
        })
    }

    /// Appends one data row, starting a new part first when the current one is full.
    pub fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        // Reject an over-wide row before it can trigger a part change.
        self.format.check_columns(row.len())?;
        if Some(self.part.data_rows) == self.max_data_rows {
            let next = Part::open(self.format, &self.options.sheet, &self.header)?;
            let full = std::mem::replace(&mut self.part, next);
            let zip = match (&mut self.zip, self.sink.take()) {
                (Some(zip), _) => zip,
                (slot @ None, Some(sink)) => slot.insert(ZipWriter::new(sink)),
                (None, None) => unreachable!("the sink is only taken to build the zip"),
            };
            add_to_zip(zip, full, &self.options.entry_stem, self.parts, self.format)?;
            self.parts += 1;
        }
        self.part.writer.write_row(row)?;
        self.part.data_rows += 1;
        self.data_rows += 1;
        Ok(())
    }

    /// Finishes the last part and the zip, if any, and flushes the sink.
    pub fn finish(self) -> Result<PartitionSummary> {
        let summary = PartitionSummary {
            parts: self.parts,
            data_rows: self.data_rows,
            zipped: self.zip.is_some(),
        };
        match (self.zip, self.sink) {
            (Some(mut zip), _) => {
                add_to_zip(
                    &mut zip,
                    self.part,
                    &self.options.entry_stem,
                    self.parts,
                    self.format,
                )?;
                zip.finish()?.flush()?;
            }
            (None, Some(mut sink)) => {
                let mut file = self.part.finish()?;
                io::copy(&mut file, &mut sink)?;
                sink.flush()?;
            }
            (None, None) => unreachable!("the sink is only taken to build the zip"),
        }
        Ok(summary)
    }
}

/// Finishes `part` and stores it as entry number `number` (from 1).
fn add_to_zip<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    part: Part,
    stem: &str,
    number: u32,
    format: Format,
) -> Result<()> {
    let mut file = part.finish()?;
    let name = format!("{stem}-part-{number:04}.{}", format.extension());
    zip.start_file(name, entry_options(format))?;
    io::copy(&mut file, zip)?;
    Ok(())
}

fn entry_options(format: Format) -> SimpleFileOptions {
    // An XLSX file is already a deflated zip; compressing it again costs time for nothing.
    let method = match format {
        Format::Xlsx => CompressionMethod::Stored,
        Format::Csv | Format::Xls => CompressionMethod::Deflated,
    };
    SimpleFileOptions::default()
        .compression_method(method)
        .large_file(true)
        .last_modified_time(zip::DateTime::default())
}

impl Part {
    fn open(format: Format, options: &SheetOptions, header: &[String]) -> Result<Part> {
        let file = match &options.tempdir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        let mut writer = open_sheet_writer(format, file.try_clone()?, options)?;
        let header: Vec<Cell<'_>> = header.iter().map(|name| Cell::Text(name)).collect();
        writer.write_row(&header)?;
        Ok(Part {
            writer,
            file,
            data_rows: 0,
        })
    }

    /// Finishes the part and returns its file, rewound for reading.
    fn finish(self) -> Result<File> {
        self.writer.finish()?;
        let mut file = self.file;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}
