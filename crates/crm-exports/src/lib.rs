//! crm-exports: a self-hostable, HubSpot-compatible CRM service. `domain` holds the pure
//! rules, `store` the persistence, `api` the HTTP surface, `jobs` the export workers,
//! `clock` and `faults` what the admin API lets tests control,
//! `client` an HTTP client for the same API, `seed` the demo data, `fixtures` the declarative
//! test data loaded and dumped with its ids, `mirror` the copy of another portal through
//! its API, `cli` the commands, and `server` wires them into a running process.

pub mod api;
pub mod blob;
pub mod cli;
pub mod client;
pub mod clock;
pub mod domain;
pub mod faults;
pub mod fixtures;
pub mod jobs;
pub mod mirror;
pub mod restore_gate;
pub mod seed;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tls;

#[cfg(test)]
mod import_rules;
