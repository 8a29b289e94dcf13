//! Sheet writers for export files. This crate is synchronous: it takes rows of cells and
//! writes bytes to any `std::io::Write`; it knows nothing of the service, its database or
//! HTTP. [`SheetWriter`] is the one trait (CSV, XLSX, legacy XLS), and [`Partitioner`] is
//! written once against it to split an export into parts at the format's row limit and
//! zip them. Deflate runs on a pool of threads, one per core, so compression keeps pace
//! with the caller's rendering.

mod archive;
mod cell;
mod csv;
mod date;
mod deflate;
mod error;
mod format;
mod partition;
mod sheet;
mod widths;
mod xls;
mod xlsx;

pub use crate::cell::{Cell, CutCells, MAX_TEXT_UTF16_UNITS, truncate_utf16};
pub use crate::csv::CsvWriter;
pub use crate::date::Date;
pub use crate::error::{FormatError, Result};
pub use crate::format::Format;
pub use crate::partition::{InPlace, PartitionOptions, PartitionSummary, Partitioner};
pub use crate::sheet::{SheetOptions, SheetWriter, open_sheet_writer};
pub use crate::xls::XlsWriter;
pub use crate::xlsx::XlsxWriter;
