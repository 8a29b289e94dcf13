//! The sheet-writer contract shared by every format, and the one place that turns a
//! [`Format`] into a writer. Writers take a sink, never a path, and must be finished
//! explicitly: dropping one loses the file rather than hiding a write error.

use std::io::Write;
use std::path::PathBuf;

use crate::{Cell, CsvWriter, CutCells, Format, FormatError, Result, XlsWriter, XlsxWriter};

/// Writes the rows of one sheet in order. The header is simply the first row; the
/// spreadsheet formats show it bold and frozen, with an autofilter.
pub trait SheetWriter {
    /// Appends one row. Fails, without writing anything of the row, when the row would
    /// pass the format's row or column limit.
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()>;

    /// Completes the file and flushes it to the sink. Returns the cells whose text was
    /// cut at the format's cell limit (none for CSV, which has no limit).
    fn finish(self: Box<Self>) -> Result<CutCells>;

    /// The column widths, in characters, this sheet measured or was given; `None` for
    /// formats without widths. The partitioner hands the first part's to the next parts.
    fn column_widths(&self) -> Option<&[f64]> {
        None
    }
}

/// Options every writer understands; each format ignores what it has no use for.
#[derive(Debug, Clone)]
pub struct SheetOptions {
    /// The worksheet's name (XLS and XLSX).
    pub sheet_name: String,
    /// The program named as the file's author (XLS `WriteAccess`, XLSX document
    /// properties).
    pub application: String,
    /// Where spool files go; `None` uses the system temporary directory. Point it at the
    /// data directory rather than a small tmpfs: an XLS part spools up to a few hundred MB.
    pub tempdir: Option<PathBuf>,
    /// Column widths in characters (XLS and XLSX); `None` measures them from the header
    /// and the first rows.
    pub column_widths: Option<Vec<f64>>,
    /// CSV only: text cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return
    /// get a leading apostrophe, so spreadsheet programs show them as text instead of
    /// running them as formulas (OWASP's advice against CSV injection).
    pub csv_formula_guard: bool,
}

impl Default for SheetOptions {
    fn default() -> Self {
        SheetOptions {
            sheet_name: "Sheet1".to_owned(),
            application: String::new(),
            tempdir: None,
            column_widths: None,
            csv_formula_guard: false,
        }
    }
}

/// Opens a writer for `format` that writes the finished file to `sink`.
pub fn open_sheet_writer<'w, W>(
    format: Format,
    sink: W,
    options: &SheetOptions,
) -> Result<Box<dyn SheetWriter + 'w>>
where
    W: Write + 'w,
{
    Ok(Box::new(AnyWriter::open(format, sink, options)?))
}

/// A writer of any format without a box, for callers (the partitioner) generic over a
/// sink that need not be `'static`.
pub(crate) enum AnyWriter<W: Write> {
    Csv(CsvWriter<W>),
    Xlsx(XlsxWriter<W>),
    Xls(XlsWriter<W>),
}

impl<W: Write> AnyWriter<W> {
    pub(crate) fn open(format: Format, sink: W, options: &SheetOptions) -> Result<Self> {
        Ok(match format {
            Format::Csv => AnyWriter::Csv(CsvWriter::new(sink, options)?),
            Format::Xlsx => AnyWriter::Xlsx(XlsxWriter::new(sink, options)?),
            Format::Xls => AnyWriter::Xls(XlsWriter::new(sink, options)?),
        })
    }

    fn inner(&mut self) -> &mut dyn SheetWriter {
        match self {
            AnyWriter::Csv(writer) => writer,
            AnyWriter::Xlsx(writer) => writer,
            AnyWriter::Xls(writer) => writer,
        }
    }
}

impl<W: Write> SheetWriter for AnyWriter<W> {
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        self.inner().write_row(row)
    }

    fn finish(self: Box<Self>) -> Result<CutCells> {
        match *self {
            AnyWriter::Csv(writer) => Box::new(writer).finish(),
            AnyWriter::Xlsx(writer) => Box::new(writer).finish(),
            AnyWriter::Xls(writer) => Box::new(writer).finish(),
        }
    }

    fn column_widths(&self) -> Option<&[f64]> {
        match self {
            AnyWriter::Csv(writer) => writer.column_widths(),
            AnyWriter::Xlsx(writer) => writer.column_widths(),
            AnyWriter::Xls(writer) => writer.column_widths(),
        }
    }
}

/// Excel's sheet-name rules, shared by the XLS and XLSX writers so both reject the same
/// names with the same error.
pub(crate) fn validate_sheet_name(name: &str) -> Result<()> {
    let invalid = |reason| {
        Err(FormatError::InvalidSheetName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.encode_utf16().count() > 31 {
        return invalid("it is longer than 31 characters");
    }
    if name.contains(['[', ']', ':', '*', '?', '/', '\\']) {
        return invalid("it contains one of [ ] : * ? / \\");
    }
    if name.starts_with('\'') || name.ends_with('\'') {
        return invalid("it starts or ends with an apostrophe");
    }
    Ok(())
}
