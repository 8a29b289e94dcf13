//! `paging.next` as HubSpot writes it: the cursor (`after`) and an absolute `link` to the
//! next page on the API host — the configured public URL, else the `Host` the client
//! called — with the request's own path and query, its `after` replaced.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use serde_json::{Value as Json_, json};

use super::AppState;
use super::exports::{CalledHost, base_url};
use super::extract::QueryParams;

/// Where the next page of this request is: taken from the request, used by [`NextPage::json`].
pub struct NextPage {
    /// Scheme, host and the request's path.
    url: String,
    query: Option<String>,
}

impl FromRequestParts<AppState> for NextPage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let host = CalledHost::from_request_parts(parts, state).await?;
        // Nested routers see their own part of the path; the link needs the whole of it.
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |o| &o.0);
        Ok(NextPage {
            url: format!("{}{}", base_url(state, &host), uri.path()),
            query: uri.query().map(str::to_string),
        })
    }
}

impl NextPage {
    /// `{"after": …, "link": …}` for the page that starts after `after`.
    pub fn json(&self, after: &str) -> Json_ {
        json!({"after": after, "link": self.link(after)})
    }

    pub fn link(&self, after: &str) -> String {
        format!("{}?{}", self.url, next_query(self.query.as_deref(), after))
    }
}

/// The request's query with `after` replaced by the next page's cursor, every other
/// parameter kept in order.
pub fn next_query(raw: Option<&str>, after: &str) -> String {
    let kept = QueryParams::parse(raw);
    let mut next = form_urlencoded::Serializer::new(String::new());
    for (name, value) in kept.pairs().filter(|(name, _)| *name != "after") {
        next.append_pair(name, value);
    }
    next.append_pair("after", after);
    next.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_pages_query_keeps_the_filters_and_replaces_the_cursor() {
        assert_eq!(
            next_query(Some("limit=5&state=DONE&after=90&objectType=0-1"), "42"),
            "limit=5&state=DONE&objectType=0-1&after=42"
        );
        assert_eq!(next_query(None, "7"), "after=7");
        assert_eq!(
            next_query(Some("objectType=p1_cars%20x"), "7"),
            "objectType=p1_cars+x&after=7"
        );
    }
}
