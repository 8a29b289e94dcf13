//! The command-line client and the seed, run as a user runs them: the real binary, a real
//! server process, files downloaded to disk and read back with CSV and spreadsheet readers,
//! and what an operator of that process sees: its log, its metrics, its webhooks.

mod connections;
mod errors;
mod export;
mod export_list;
mod files;
mod fixtures;
mod folders;
mod harness;
mod import;
mod operations;
mod portals;
mod quick_start;
mod rate_limits;
mod reproducible;
mod s3;
mod seed;
mod tokens;
mod truncation;
