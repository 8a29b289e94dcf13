//! The sheet-writer contract shared by every format, and the one place that turns a
//! [`Format`] into a writer. Writers take a sink, never a path, and must be finished
//! explicitly: dropping one loses the file rather than hiding a write error.

use std::io::{Seek, Write};
use std::path::PathBuf;

use crate::{Cell, CsvWriter, Format, FormatError, Result, XlsWriter, XlsxWriter};

/// Writes the rows of one sheet in order. The header is simply the first row.
pub trait SheetWriter {
    /// Appends one row. Fails, without writing anything of the row, when the row would
    /// pass the format's row or column limit.
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()>;

    /// Completes the file and flushes it to the sink.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// Options every writer understands; each format ignores what it has no use for.
#[derive(Debug, Clone)]
pub struct SheetOptions {
    /// The worksheet's name (XLS and XLSX).
    pub sheet_name: String,
    /// The application an XLS workbook names as its writer (its WriteAccess record); the
    /// caller's, since this crate knows nothing of the service using it.
    pub application: String,
    /// Where spool files go; `None` uses the system temporary directory. Point it at the
    /// data directory rather than a small tmpfs: an XLS part spools up to a few hundred MB.
    pub tempdir: Option<PathBuf>,
}

impl Default for SheetOptions {
    fn default() -> Self {
        SheetOptions {
            sheet_name: "Sheet1".to_owned(),
            application: String::new(),
            tempdir: None,
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
    W: Write + Seek + Send + 'w,
{
    Ok(match format {
        Format::Csv => Box::new(CsvWriter::new(sink)?),
        Format::Xlsx => Box::new(XlsxWriter::new(sink, options)?),
        Format::Xls => Box::new(XlsWriter::new(sink, options)?),
    })
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
