//! [`StoreError`]: what a store call can fail with. `NotFound` and `Conflict` carry a message
//! a client may be shown; the database's own error, when one caused the failure, travels as
//! the `source` and is only ever logged (it can name tables, columns and values).

use std::fmt::Write as _;

/// A database driver's error (or another cause), kept for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// What was not found, as a client may be told: "portal 3", "object type 2-7".
    #[error("not found: {0}")]
    NotFound(String),
    /// A clash with what is stored, as a client may be told. A uniqueness constraint that a
    /// concurrent writer tripped has the database's error as its source.
    #[error("conflict: {message}")]
    Conflict {
        message: String,
        #[source]
        source: Option<Cause>,
    },
    /// A failure no client can fix: `context` says what the store was doing.
    #[error("store failure: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Cause>,
    },
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    pub fn not_found(what: impl Into<String>) -> Self {
        StoreError::NotFound(what.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        StoreError::Conflict {
            message: message.into(),
            source: None,
        }
    }

    /// A conflict raised by the database's uniqueness constraint, which another writer
    /// reached first: the same clash the store's own check reports, told generically.
    pub fn constraint(source: impl Into<Cause>) -> Self {
        StoreError::Conflict {
            message: "The request conflicts with a change made at the same time; retry it."
                .to_string(),
            source: Some(source.into()),
        }
    }

    pub fn internal(context: impl Into<String>) -> Self {
        StoreError::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// A failure of the database (or another dependency) while doing `context`.
    pub fn caused(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        StoreError::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// The error and every cause below it, for the log.
    pub fn detail(&self) -> String {
        with_causes(self)
    }
}

/// An error and every cause below it, `outer: inner: innermost`, for the log.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let _ = write!(text, ": {c}");
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_names_every_cause_and_the_message_none() {
        let driver = std::io::Error::other("duplicate key value violates unique constraint");
        let error = StoreError::constraint(driver);
        assert!(!error.to_string().contains("duplicate key"));
        assert!(
            error
                .detail()
                .ends_with(": duplicate key value violates unique constraint")
        );
    }
}
