//! The SQL both databases run, written once: statements built with [`builder::Sql`] in a
//! closed [`dialect::Dialect`] whose hooks hold the few real differences, executed through
//! [`exec::Exec`] and read through [`exec::RowRead`], which each backend implements for its
//! driver. Predicates and sorts, select lists, key conditions, row mapping and every fixed
//! statement live here; the backends keep transactions, the export claim, streaming,
//! migrations and wake-ups. Pure code: imports `domain` and the store's own types, never a
//! database driver.

pub mod association_labels;
pub mod association_limits;
pub mod associations;
pub mod builder;
pub mod custom_objects;
mod deferred;
pub mod dialect;
pub mod exec;
pub mod exports;
pub mod import_checkpoints;
pub mod imports;
mod inline_edges;
pub mod list_folders;
pub mod lists;
pub mod merges;
pub mod owners;
pub mod pipelines;
pub mod portal_reset;
pub mod portals;
pub mod predicate;
pub mod records;
mod replaced;
pub mod schemas;
pub mod webhooks;
pub mod writes;
