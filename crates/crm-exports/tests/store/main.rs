//! The store contract: every behaviour of [`Store`] written once, over `Arc<dyn Store>`,
//! and run against SQLite always and against PostgreSQL when
//! `CRM_EXPORTS_TEST_POSTGRES_URL` is set (each PostgreSQL test in a schema of its own).

mod backends;
mod fixtures;

mod association_schema;
mod associations;
mod batches;
mod custom_objects;
mod exports;
mod list_operations;
mod lists;
mod merges;
mod owners;
mod pipelines;
mod portals;
mod processes;
mod records;
mod search;
mod wakeups;
mod webhooks;
