//! `POST …/{objectType}/search`: filter groups, sorts, free-text `query`, `properties`,
//! `limit` (at most 200) and an offset cursor `after`, with HubSpot's rule that no query
//! pages past 10,000 results (exports are not subject to it).

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, parse_json};
use super::paging::NextPage;
use super::wire::{self, Nulls, record_json};
use super::{Access, AppState, object_schema};
use crate::domain::search::{RawFilter, RawFilterGroup, RawSort, parse_predicate, scalar_text};

pub const MAX_SEARCH_LIMIT: usize = 200;
pub const DEFAULT_SEARCH_LIMIT: usize = 10;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SearchInput {
    #[serde(default)]
    filter_groups: Vec<RawFilterGroup>,
    /// Filters outside any group, as the exports API's search request allows; one group.
    #[serde(default)]
    filters: Vec<RawFilter>,
    #[serde(default)]
    sorts: Vec<RawSort>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    properties: Vec<String>,
    #[serde(default)]
    limit: Option<Json_>,
    #[serde(default)]
    after: Option<Json_>,
}

/// A number that may arrive as a JSON number or a string (older SDKs send `after: 0`).
fn whole_number(field: &str, value: &Option<Json_>) -> ApiResult<Option<usize>> {
    match value {
        None | Some(Json_::Null) => Ok(None),
        Some(v) => {
            let text = scalar_text(v).unwrap_or_default();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<usize>().map(Some).map_err(|_| {
                ApiError::validation(format!(
                    "`{field}` must be a non-negative whole number, not {v}"
                ))
            })
        }
    }
}

pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Path(object_type): Path<String>,
    next_page: NextPage,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let schema = object_schema(&state, &auth, &object_type, Access::Read).await?;
    let mut input: SearchInput = parse_json(&body)?;
    let limit = whole_number("limit", &input.limit)?.unwrap_or(DEFAULT_SEARCH_LIMIT);
    if limit > MAX_SEARCH_LIMIT {
        return Err(ApiError::validation(format!(
            "limit is {limit}; a search page holds at most {MAX_SEARCH_LIMIT} results"
        )));
    }
    let offset = whole_number("after", &input.after)?.unwrap_or(0);
    let cap = state.config.search_result_cap;
    if offset >= cap {
        return Err(ApiError::validation(format!(
            "The search endpoints are limited to {cap} total results for any given query. \
             To read further, sort by hs_object_id and filter on hs_object_id GT the last id, or use the exports API."
        )));
    }
    if !input.filters.is_empty() {
        input.filter_groups.push(RawFilterGroup {
            filters: std::mem::take(&mut input.filters),
        });
    }
    let predicate = parse_predicate(
        &input.filter_groups,
        &input.sorts,
        input.query.as_deref(),
        schema.as_ref(),
        &state.config.search_limits,
    )
    .map_err(ApiError::validation_list)?;
    wire::check_property_count("properties", input.properties.len())?;
    let requested = (!input.properties.is_empty()).then_some(input.properties);
    let projection = wire::read_projection(&schema, requested);
    let page_size = limit.min(cap - offset);
    let (total, records) = state
        .store
        .records
        .search_records(
            auth.portal,
            schema.object,
            predicate,
            offset,
            page_size,
            projection,
        )
        .await?;
    let results: Vec<Json_> = records
        .iter()
        .map(|r| record_json(r, &schema, Nulls::Include))
        .collect();
    let next = offset + records.len();
    let mut body = json!({ "total": total, "results": results });
    if !records.is_empty() && (next as u64) < total && next < cap {
        body["paging"] = json!({"next": next_page.json(&next.to_string())});
    }
    Ok(Json(body))
}
