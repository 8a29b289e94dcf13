//! The command-line client and the seed, run as a user runs them: the real binary, a real
//! server process, files downloaded to disk and read back with CSV and spreadsheet readers.

mod connections;
mod errors;
mod export;
mod export_list;
mod files;
mod folders;
mod harness;
mod portals;
mod quick_start;
mod rate_limits;
mod reproducible;
mod s3;
mod seed;
mod tokens;
mod truncation;
