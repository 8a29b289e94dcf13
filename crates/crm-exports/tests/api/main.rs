//! End-to-end tests over HTTP against the real app on a random port.

mod admin;
mod admin_export_faults;
mod association_schema;
mod associations;
mod custom_objects;
mod helpers;
mod list_operations;
mod lists;
mod merges;
mod owners;
mod pipelines;

mod auth;
mod batch;
mod connections;
mod console;
mod errors;
mod export_log;
mod exports;
mod fixtures;
mod hostile;
mod leftovers;
mod openapi;
mod properties;
mod property_changes;
mod query_params;
mod races;
mod rate_limits;
mod records;
mod refusals;
mod search;
mod sheets;
mod snapshots;
mod task_status;
mod token_info;
mod webhooks;
