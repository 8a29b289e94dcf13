//! Which of HubSpot's two path families a request came in on: the numbered paths
//! (`/crm/v3/…`, `/crm/v4/…`) or the date-versioned ones (`/crm/lists/2026-03/…`). Almost
//! every answer is the same on both; where HubSpot's schemas for the two differ (a list
//! folder's ids are integers in v3 and strings in 2026-03, and each SDK checks its own),
//! the handler asks this extractor.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use serde_json::{Value as Json_, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathFamily {
    Numbered,
    Dated,
}

impl PathFamily {
    /// The family of a request path: dated when a segment is a version date (`2026-03`).
    pub fn of_path(path: &str) -> Self {
        let is_date = |segment: &str| {
            let b = segment.as_bytes();
            b.len() == 7
                && b[4] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || c.is_ascii_digit())
        };
        if path.split('/').any(is_date) {
            Self::Dated
        } else {
            Self::Numbered
        }
    }

    /// An integer id as this family's schema types it: a number, or its decimal string.
    pub fn id(self, id: i64) -> Json_ {
        match self {
            Self::Numbered => json!(id),
            Self::Dated => json!(id.to_string()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathFamily {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Nested routers see only their part of the path; the version is in the whole one.
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |o| &o.0);
        Ok(Self::of_path(uri.path()))
    }
}

#[cfg(test)]
mod tests {
    use super::PathFamily;

    #[test]
    fn a_version_date_segment_makes_a_path_dated() {
        assert_eq!(
            PathFamily::of_path("/crm/lists/2026-03/folders"),
            PathFamily::Dated
        );
        assert_eq!(
            PathFamily::of_path("/crm-object-schemas/2026-03/schemas"),
            PathFamily::Dated
        );
        assert_eq!(
            PathFamily::of_path("/crm/v3/lists/folders"),
            PathFamily::Numbered
        );
        assert_eq!(
            PathFamily::of_path("/crm/v3/objects/contacts/2026-031"),
            PathFamily::Numbered
        );
    }
}
