//! The crate's one error type. Limit violations carry the limit that was hit so the
//! service can turn them into a precise message; I/O and library errors pass through.

use crate::format::Format;

/// Everything that can go wrong while writing a sheet or a partitioned export.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{format} sheets hold at most {limit} rows (header included)")]
    TooManyRows { format: Format, limit: u64 },
    #[error("{format} sheets hold at most {limit} columns, this row has {got}")]
    TooManyColumns {
        format: Format,
        limit: u64,
        got: usize,
    },
    #[error("invalid sheet name {name:?}: {reason}")]
    InvalidSheetName { name: String, reason: &'static str },
    #[error("invalid partition options: {0}")]
    InvalidPartitionOptions(&'static str),
    #[error("I/O error while writing a sheet: {0}")]
    Io(#[from] std::io::Error),
    #[error("CSV error: {0}")]
    Csv(#[from] ::csv::Error),
}

/// Result alias for this crate.
pub type Result<T, E = FormatError> = std::result::Result<T, E>;
