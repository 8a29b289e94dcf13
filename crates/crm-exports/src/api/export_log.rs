//! The export log, an extension: HubSpot's API cannot list past exports (its in-app export
//! log can). `GET …/export` answers the caller's exports newest first, each as
//! `GET …/export/{id}` shows it, `limit` at a time (default 20, at most 100) from an `after`
//! cursor, filtered by `state` and `objectType`, with an absolute `paging.next.link`. It
//! needs the export scope and never shows another portal's exports.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::exports::{EXPORT_SCOPE, details_json};
use super::extract::QueryParams;
use super::paging::NextPage;
use super::{AppState, resolve_object};
use crate::domain::export::ExportState;
use crate::store::ExportLogPage;

pub const DEFAULT_LOG_LIMIT: usize = 20;
pub const MAX_LOG_LIMIT: usize = 100;

/// HubSpot's `exportState` values this service never enters: a filter may name them (they
/// are valid states), and they match nothing.
const STATES_NEVER_ENTERED: [&str; 4] = ["CONFLICT", "DELETED", "DEFERRED", "PENDING_APPROVAL"];

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    next: NextPage,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(EXPORT_SCOPE)?;
    let query = QueryParams::parse(raw.as_deref());
    let Some(page) = log_page(&state, &auth, &query).await? else {
        return Ok(Json(json!({ "results": [] })));
    };
    let limit = page.limit;
    // One more than asked tells whether another page follows.
    let page = ExportLogPage {
        limit: limit + 1,
        ..page
    };
    let mut rows = state.store.exports.list_exports(auth.portal, page).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let results: Vec<Json_> = rows.iter().map(details_json).collect();
    let mut body = json!({ "results": results });
    if let Some(last) = rows.last().filter(|_| more) {
        body["paging"] = json!({"next": next.json(&last.id.to_string())});
    }
    Ok(Json(body))
}

/// The page the query asks for; `None` when its state filter can match nothing here.
async fn log_page(
    state: &AppState,
    auth: &Auth,
    query: &QueryParams,
) -> ApiResult<Option<ExportLogPage>> {
    let limit = query.number::<usize>("limit")?.unwrap_or(DEFAULT_LOG_LIMIT);
    if !(1..=MAX_LOG_LIMIT).contains(&limit) {
        return Err(ApiError::validation(format!(
            "limit is {limit}; an export log page holds from 1 to {MAX_LOG_LIMIT} exports"
        ))
        .with_context("limit", vec![limit.to_string()]));
    }
    let before = match query.id_cursor()? {
        0 => None,
        id if id > 0 => Some(id),
        id => {
            return Err(ApiError::validation(format!(
                "{id} is not a valid paging cursor"
            )));
        }
    };
    let object = match query.get("objectType").map(str::trim) {
        None | Some("") => None,
        Some(segment) => Some(resolve_object(state, auth.portal, segment).await?),
    };
    let named = query.list("state").unwrap_or_default();
    let states = parse_states(&named)?;
    if !named.is_empty() && states.is_empty() {
        return Ok(None);
    }
    Ok(Some(ExportLogPage {
        before,
        states,
        object,
        limit,
    }))
}

/// `exportState` names in any letter case; HubSpot's states this service never enters are
/// dropped, and anything else is a 400 listing the valid ones.
fn parse_states(named: &[String]) -> ApiResult<Vec<ExportState>> {
    let mut states = Vec::new();
    for name in named {
        let upper = name.to_ascii_uppercase();
        match ExportState::parse(&upper) {
            Some(state) => states.push(state),
            None if STATES_NEVER_ENTERED.contains(&upper.as_str()) => {}
            None => {
                let valid = ExportState::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .chain(STATES_NEVER_ENTERED)
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ApiError::validation(format!(
                    "{name:?} is not an export state; use one of {valid}"
                ))
                .with_context("state", vec![name.clone()]));
            }
        }
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_read_in_any_case_and_unknown_ones_refused() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_states(&names(&["done", "FAILED"])).unwrap(),
            vec![ExportState::Done, ExportState::Failed]
        );
        assert!(parse_states(&names(&["DEFERRED"])).unwrap().is_empty());
        let error = parse_states(&names(&["COMPLETE"])).unwrap_err();
        assert!(
            error.message.contains("ENQUEUED, PROCESSING"),
            "{}",
            error.message
        );
    }
}
