//! The CRM domain: object types, property definitions and how values are parsed and
//! normalised, records, search requests, pipelines and their edits, and scopes. Everything here is pure — no I/O, no
//! axum, no database crates — so the store and the API share one set of rules.

pub mod association;
pub mod batch;
pub mod custom_object;
pub mod defaults;
pub mod export;
pub mod list;
pub mod object_type;
pub mod owner;
pub mod pipeline;
pub mod pipeline_edit;
pub mod pipeline_input;
pub mod property;
pub mod record;
pub mod schema;
pub mod scope;
pub mod search;
pub mod time;
pub mod token;
pub mod value_error;
pub mod webhook;

pub use object_type::ObjectType;
pub use property::{PropertyDefinition, PropertyType};
pub use record::{Record, Value};
