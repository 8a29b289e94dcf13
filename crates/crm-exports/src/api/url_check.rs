//! Every request's URL checked before its handler runs: a path or query string whose
//! percent-escapes are malformed, decode to bytes that are not UTF-8, or encode NUL gets
//! HubSpot's 400 rather than a framework's plain-text rejection or a store error; so does a
//! query naming more properties than a request may. Imports only the API's extractors and
//! wire limits.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiResult;
use super::extract::{QueryParams, check_url_text};
use super::wire::check_property_count;

/// Query parameters that name properties, each capped like a body's `properties`.
const PROPERTY_LISTS: [&str; 3] = ["properties", "propertiesWithHistory", "associations"];

pub async fn reject_malformed_urls(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let checked = check_url_text(uri.path(), "path").and_then(|()| match uri.query() {
        None => Ok(()),
        Some(q) => check_url_text(q, "query string").and_then(|()| check_lists(q)),
    });
    match checked {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

fn check_lists(query: &str) -> ApiResult<()> {
    // A cheap first look: most queries name no property list.
    if !PROPERTY_LISTS.iter().any(|name| query.contains(name)) {
        return Ok(());
    }
    let params = QueryParams::parse(Some(query));
    for name in PROPERTY_LISTS {
        if let Some(values) = params.list(name) {
            check_property_count(name, values.len())?;
        }
    }
    Ok(())
}
