//! The closed set of export file formats and their sheet limits. The limits live here,
//! once, so the API can reject a request up front and the writers and the partitioner
//! enforce the same numbers.

use std::fmt;

/// An export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
}

impl Format {
    /// Most rows one sheet can hold, header row included; `None` means unlimited.
    pub const fn max_rows_per_sheet(self) -> Option<u64> {
        match self {
            Format::Csv => None,
            Format::Xlsx => Some(1_048_576),
            // BIFF8 row indexes are u16.
            Format::Xls => Some(65_536),
        }
    }

    /// Most data rows per sheet once the header row is written; `None` means unlimited.
    pub const fn max_data_rows_per_sheet(self) -> Option<u64> {
        match self.max_rows_per_sheet() {
            Some(rows) => Some(rows - 1),
            None => None,
        }
    }

    /// Most columns one sheet can hold; `None` means unlimited. The API checks a request's
    /// column count against this before enqueuing an export.
    pub const fn max_columns(self) -> Option<u64> {
        match self {
            Format::Csv => None,
            Format::Xlsx => Some(16_384),
            // BIFF8 column indexes are a byte.
            Format::Xls => Some(256),
        }
    }

    /// The file name extension, without the dot.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
        }
    }

    /// Checks a column count against [`Format::max_columns`].
    pub fn check_columns(self, columns: usize) -> crate::Result<()> {
        match self.max_columns() {
            Some(limit) if columns as u64 > limit => Err(crate::FormatError::TooManyColumns {
                format: self,
                limit,
                got: columns,
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Xls => "XLS",
        })
    }
}
