//! List memberships beyond add and remove, on `/crm/v3/lists` and `/crm/lists/2026-03`: the
//! lists holding a record (one, or a batch of records), members in join order, copying
//! every member of one list into another (`add-from`), and removing every member. A
//! DYNAMIC list holds the records its filters select now, joined when the list or the
//! record last changed, and refuses manual changes as HubSpot's does; copies and clears
//! are limited to lists under 100,000 members, as HubSpot's are.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, QueryParams, parse_json};
use super::lists::{
    MAX_MEMBER_PAGE, READ, WRITE, is_dynamic, list_id, load, member_page, predicate,
};
use super::paging::NextPage;
use super::{AppState, resolve_object};
use crate::domain::ObjectType;
use crate::domain::search::{RawFilter, RawFilterGroup};
use crate::domain::time::format_datetime;
use crate::store::ListRow;

/// HubSpot's bound on the lists `add-from` copies from and `DELETE …/memberships` clears.
const MAX_BULK_MEMBERS: u64 = 100_000;
/// The most records one batch membership read takes.
const MAX_BATCH_RECORDS: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/records/{object_type_id}/{record_id}/memberships",
            get(record_memberships),
        )
        .route("/records/memberships/batch/read", post(batch_memberships))
        .route("/{list_id}/memberships/join-order", get(join_order))
        .route("/{list_id}/memberships/add-from/{source_id}", put(add_from))
}

fn record_id(text: &str) -> ApiResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::validation(format!("{text:?} is not a valid record id")))
}

/// Every live member of a list as `(record_id, joined_at)`, in record id order.
async fn all_members(state: &AppState, list: &ListRow) -> ApiResult<Vec<(i64, i64)>> {
    if is_dynamic(list) {
        let p = predicate(state, list, None).await?;
        let (_, records) = state
            .store
            .records
            .search_records(list.portal, list.object, p, 0, usize::MAX >> 1, vec![])
            .await?;
        return Ok(records
            .iter()
            .map(|r| (r.id, list.updated_at.max(r.updated_at)))
            .collect());
    }
    Ok(state
        .store
        .lists
        .list_members(list.clone(), 0, usize::MAX >> 1)
        .await?)
}

/// When a DYNAMIC list's filters select the record now, when it joined.
async fn dynamic_join(state: &AppState, list: &ListRow, id: i64) -> ApiResult<Option<i64>> {
    let only = RawFilter {
        property_name: "hs_object_id".into(),
        operator: "EQ".into(),
        value: Some(json!(id.to_string())),
        values: None,
        high_value: None,
    };
    let mut groups = list.filter_groups.clone();
    if groups.is_empty() {
        groups.push(RawFilterGroup { filters: vec![] });
    }
    for g in &mut groups {
        g.filters.push(only.clone());
    }
    let probe = ListRow {
        filter_groups: groups,
        ..list.clone()
    };
    let p = predicate(state, &probe, None).await?;
    let (_, found) = state
        .store
        .records
        .search_records(list.portal, list.object, p, 0, 1, vec![])
        .await?;
    Ok(found.first().map(|r| list.updated_at.max(r.updated_at)))
}

/// The lists holding one record, by list id, as HubSpot's `RecordListMembership`s.
async fn memberships_of(
    state: &AppState,
    auth: &Auth,
    object: ObjectType,
    id: i64,
) -> ApiResult<Vec<Json_>> {
    let mut held: Vec<(ListRow, i64)> = state
        .store
        .lists
        .record_lists(auth.portal, object, id)
        .await?;
    let dynamic: Vec<ListRow> = state
        .store
        .lists
        .portal_lists(auth.portal)
        .await?
        .into_iter()
        .filter(|l| l.object == object && is_dynamic(l))
        .collect();
    for list in dynamic {
        if let Some(joined) = dynamic_join(state, &list, id).await? {
            held.push((list, joined));
        }
    }
    held.sort_by_key(|(l, _)| l.id);
    Ok(held
        .iter()
        .map(|(l, at)| {
            json!({"listId": l.id.to_string(), "listVersion": l.list_version,
                   "firstAddedTimestamp": format_datetime(*at),
                   "lastAddedTimestamp": format_datetime(*at)})
        })
        .collect())
}

async fn record_memberships(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type_id, id)): Path<(String, String)>,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let object = resolve_object(&state, auth.portal, &object_type_id).await?;
    let id = record_id(&id)?;
    let results = memberships_of(&state, &auth, object, id).await?;
    Ok(Json(json!({"results": results, "total": results.len()})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecordInput {
    object_type_id: String,
    record_id: super::extract::IdText,
}

#[derive(Deserialize)]
struct RecordInputs {
    inputs: Vec<RecordInput>,
}

async fn batch_memberships(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let started = state.clock.now_ms();
    let input: RecordInputs = parse_json(&body)?;
    if input.inputs.len() > MAX_BATCH_RECORDS {
        return Err(ApiError::validation(format!(
            "Batch has {} inputs; at most {MAX_BATCH_RECORDS} are allowed per request",
            input.inputs.len()
        )));
    }
    let mut named = Vec::with_capacity(input.inputs.len());
    for i in &input.inputs {
        let object = resolve_object(&state, auth.portal, &i.object_type_id).await?;
        named.push((object, record_id(&i.record_id.text())?));
    }
    let mut results = Vec::with_capacity(named.len());
    for (object, id) in named {
        let memberships = memberships_of(&state, &auth, object, id).await?;
        results.push(
            json!({"objectTypeId": object.type_id(), "recordId": id.to_string(),
                            "recordListMemberships": memberships}),
        );
    }
    Ok(Json(json!({
        "status": "COMPLETE", "results": results,
        "startedAt": format_datetime(started), "completedAt": format_datetime(state.clock.now_ms()),
    })))
}

/// A join-order cursor: `<joined at>-<record id>` of the last member seen.
fn join_cursor(query: &QueryParams) -> ApiResult<Option<(i64, i64)>> {
    let Some(text) = query.single("after")?.filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let parsed = text
        .split_once('-')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.parse().ok()?)));
    parsed
        .map(Some)
        .ok_or_else(|| ApiError::validation(format!("{text:?} is not a valid paging cursor")))
}

async fn join_order(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    next: NextPage,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let list = load(&state, &auth, &id).await?;
    let query = QueryParams::parse(raw.as_deref());
    let limit = query
        .number::<usize>("limit")?
        .unwrap_or(100)
        .clamp(1, MAX_MEMBER_PAGE);
    let after = join_cursor(&query)?;
    let page: Vec<(i64, i64)> = if is_dynamic(&list) {
        let mut all = all_members(&state, &list).await?;
        all.sort_by_key(|&(id, at)| (at, id));
        all.into_iter()
            .filter(|&(id, at)| after.is_none_or(|cursor| (at, id) > cursor))
            .take(limit + 1)
            .collect()
    } else {
        state
            .store
            .lists
            .list_members_by_join(list.clone(), after, limit + 1)
            .await?
    };
    let cursor = |(id, at): &(i64, i64)| format!("{at}-{id}");
    Ok(Json(member_page(page, limit, &next, cursor)))
}

/// A list whose members may be changed by hand: 400 for a DYNAMIC one.
fn manual(list: &ListRow) -> ApiResult<()> {
    if is_dynamic(list) {
        return Err(ApiError::validation(format!(
            "List {} is DYNAMIC: its members follow its filters and cannot be added or removed",
            list.id
        )));
    }
    Ok(())
}

async fn add_from(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, source_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    auth.require(WRITE)?;
    let list = load(&state, &auth, &id).await?;
    manual(&list)?;
    let source_id = list_id(&source_id)?;
    let source = load(&state, &auth, &source_id.to_string()).await?;
    if source.object != list.object {
        return Err(ApiError::validation(format!(
            "List {} holds {} records and list {} holds {}; members can only be copied between lists of one object type",
            source.id, source.object, list.id, list.object
        )));
    }
    let members = all_members(&state, &source).await?;
    if members.len() as u64 >= MAX_BULK_MEMBERS {
        return Err(ApiError::validation(format!(
            "List {} has {} members; members are copied only from lists under {MAX_BULK_MEMBERS}",
            source.id,
            members.len()
        )));
    }
    let ids = members.into_iter().map(|(id, _)| id).collect();
    state
        .store
        .lists
        .change_list_members(list, ids, Vec::new(), state.clock.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/{listId}/memberships`: removes every member of a MANUAL or SNAPSHOT list.
pub async fn remove_all(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(WRITE)?;
    let list = load(&state, &auth, &id).await?;
    manual(&list)?;
    let count = state.store.lists.count_list_members(list.clone()).await?;
    if count >= MAX_BULK_MEMBERS {
        return Err(ApiError::validation(format!(
            "List {} has {count} members; all members are removed at once only from lists under {MAX_BULK_MEMBERS}",
            list.id
        )));
    }
    state.store.lists.clear_list_members(list).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_cursor_reads_back_what_a_page_wrote() {
        let query = QueryParams::parse(Some("after=1760000000000-42"));
        assert_eq!(join_cursor(&query).unwrap(), Some((1_760_000_000_000, 42)));
        assert!(join_cursor(&QueryParams::parse(Some("after=42"))).is_err());
        assert_eq!(join_cursor(&QueryParams::parse(None)).unwrap(), None);
    }
}
