//! The lists API on `/crm/v3/lists` and `/crm/lists/2026-03`: create MANUAL, SNAPSHOT and
//! DYNAMIC lists, read by id, ids or name, delete, change memberships (MANUAL and SNAPSHOT
//! only; the response key `recordsIdsAdded` is HubSpot's spelling), page members, and
//! replace a DYNAMIC list's filters (folders, renames, restores and the other membership
//! reads are in `list_folders`, `list_lifecycle` and `list_memberships`). A DYNAMIC list is
//! evaluated when read, with the search predicate its filters translate to, so members and
//! `size` follow the records. A deleted list is gone for every read until it is restored.
//! Scopes `crm.lists.read` / `crm.lists.write`.

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::{Body, QueryParams, parse_json};
use super::paging::NextPage;
use super::{AppState, resolve_object};
use crate::domain::list::{ProcessingType, filter_groups};
use crate::domain::search::{
    Predicate, RawFilter, RawFilterGroup, SearchLimits, check_value_counts, parse_predicate,
};
use crate::domain::time::format_datetime;
use crate::store::{ListDraft, ListRow, snapshot_members};

pub(super) const READ: &[&str] = &["crm.lists.read", "crm.lists.write"];
pub(super) const WRITE: &[&str] = &["crm.lists.write"];
pub(super) const MAX_MEMBER_PAGE: usize = 250;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(many).post(create))
        .route("/search", axum::routing::post(search))
        .route(
            "/object-type-id/{object_type_id}/name/{list_name}",
            get(by_name),
        )
        .merge(super::list_folders::routes())
        .merge(super::list_lifecycle::routes())
        .merge(super::list_memberships::routes())
        .route("/{list_id}", get(one).delete(delete))
        .route(
            "/{list_id}/memberships",
            get(members).delete(super::list_memberships::remove_all),
        )
        .route("/{list_id}/memberships/add", put(add))
        .route("/{list_id}/memberships/remove", put(remove))
        .route("/{list_id}/memberships/add-and-remove", put(add_and_remove))
        .route("/{list_id}/update-list-filters", put(update_filters))
}

pub(super) fn list_id(text: &str) -> ApiResult<i64> {
    text.parse::<i64>()
        .map_err(|_| ApiError::validation(format!("{text:?} is not a list id")))
}

pub(super) async fn load(state: &AppState, auth: &Auth, id: &str) -> ApiResult<ListRow> {
    let id = list_id(id)?;
    state
        .store
        .lists
        .get_list(auth.portal, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("List {id} does not exist")))
}

/// A filter branch as filter groups, within the search API's cap on values per filter.
fn branch_groups(state: &AppState, branch: &Json_) -> ApiResult<Vec<RawFilterGroup>> {
    let groups = filter_groups(branch).map_err(ApiError::validation)?;
    let problems = check_value_counts(&groups, state.config.search_limits.max_in_values);
    if problems.is_empty() {
        Ok(groups)
    } else {
        Err(ApiError::validation_list(problems))
    }
}

pub(super) fn is_dynamic(list: &ListRow) -> bool {
    list.processing_type == ProcessingType::Dynamic
}

/// The predicate of a DYNAMIC list, optionally restricted to ids above `after`.
pub(super) async fn predicate(
    state: &AppState,
    list: &ListRow,
    after: Option<i64>,
) -> ApiResult<Predicate> {
    let schema = state
        .store
        .schemas
        .object_schema(list.portal, list.object)
        .await?;
    let mut groups = list.filter_groups.clone();
    if let Some(after) = after {
        let floor = RawFilter {
            property_name: "hs_object_id".into(),
            operator: "GT".into(),
            value: Some(json!(after.to_string())),
            values: None,
            high_value: None,
        };
        if groups.is_empty() {
            groups.push(RawFilterGroup { filters: vec![] });
        }
        for g in &mut groups {
            g.filters.push(floor.clone());
        }
    }
    let unlimited = SearchLimits::unlimited();
    parse_predicate(&groups, &[], None, schema.as_ref(), &unlimited)
        .map_err(ApiError::validation_list)
}

async fn size(state: &AppState, list: &ListRow) -> ApiResult<u64> {
    if is_dynamic(list) {
        let p = predicate(state, list, None).await?;
        Ok(state
            .store
            .records
            .search_records(list.portal, list.object, p, 0, 0, vec![])
            .await?
            .0)
    } else {
        Ok(state.store.lists.count_list_members(list.clone()).await?)
    }
}

pub(super) async fn list_json(
    state: &AppState,
    list: &ListRow,
    include_filters: bool,
) -> ApiResult<Json_> {
    let mut body = json!({
        "listId": list.id.to_string(), "listVersion": list.list_version, "name": list.name,
        "objectTypeId": list.object.type_id(), "processingType": list.processing_type.as_str(),
        "processingStatus": "COMPLETE", "size": size(state, list).await?,
        "createdAt": format_datetime(list.created_at), "updatedAt": format_datetime(list.updated_at),
    });
    if include_filters && let Some(branch) = &list.filter_branch {
        body["filterBranch"] = branch.clone();
        body["filtersUpdatedAt"] = json!(format_datetime(list.updated_at));
    }
    Ok(body)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    name: String,
    object_type_id: String,
    processing_type: String,
    #[serde(default)]
    filter_branch: Option<Json_>,
    /// The folder to file the list in; the root when absent.
    #[serde(default)]
    list_folder_id: Option<super::extract::IdText>,
}

async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let input: CreateRequest = parse_json(&body)?;
    if input.name.trim().is_empty() {
        return Err(ApiError::validation("A list needs a name"));
    }
    let object = resolve_object(&state, auth.portal, &input.object_type_id)
        .await
        .map_err(|_| {
            ApiError::validation(format!("Unknown objectTypeId {:?}", input.object_type_id))
        })?;
    auth.require(object.read_scopes())?;
    let processing = ProcessingType::parse(&input.processing_type).ok_or_else(|| {
        ApiError::validation(format!(
            "processingType {:?} is not MANUAL, SNAPSHOT or DYNAMIC",
            input.processing_type
        ))
    })?;
    let (branch, groups) = list_filters(&state, processing, input.filter_branch)?;
    let folder =
        super::list_folders::requested_folder(&state, &auth, input.list_folder_id.as_ref()).await?;
    let mut draft = ListDraft {
        name: input.name.trim().to_string(),
        object,
        processing_type: processing,
        filter_branch: branch,
        filter_groups: groups,
        initial_members: Vec::new(),
    };
    // Check the filters against the schema now, so a bad one is a 400 on create.
    let probe = ListRow {
        id: 0,
        portal: auth.portal,
        name: draft.name.clone(),
        object,
        processing_type: draft.processing_type,
        filter_branch: None,
        filter_groups: draft.filter_groups.clone(),
        list_version: 1,
        created_at: 0,
        updated_at: 0,
        folder_id: 0,
    };
    predicate(&state, &probe, None).await?;
    if processing == ProcessingType::Snapshot {
        draft.initial_members = snapshot_members(
            state.store.schemas.as_ref(),
            state.store.records.as_ref(),
            auth.portal,
            object,
            &draft.filter_groups,
        )
        .await?
        .map_err(ApiError::validation_list)?;
    }
    let now = state.clock.now_ms();
    let list = state
        .store
        .lists
        .create_list(auth.portal, draft, now)
        .await?;
    if folder != 0 {
        state
            .store
            .lists
            .move_list(auth.portal, list.id, folder, now)
            .await?;
    }
    Ok(Json(
        json!({ "list": list_json(&state, &list, true).await? }),
    ))
}

/// A new list's filters: none for MANUAL, a `filterBranch` required for the others.
fn list_filters(
    state: &AppState,
    processing: ProcessingType,
    branch: Option<Json_>,
) -> ApiResult<(Option<Json_>, Vec<RawFilterGroup>)> {
    match (processing, branch) {
        (ProcessingType::Manual, _) => Ok((None, Vec::new())),
        (_, None) => Err(ApiError::validation(
            "DYNAMIC and SNAPSHOT lists need a filterBranch",
        )),
        (_, Some(branch)) => {
            let groups = branch_groups(state, &branch)?;
            Ok((Some(branch), groups))
        }
    }
}

async fn one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let list = load(&state, &auth, &id).await?;
    let include = QueryParams::parse(raw.as_deref()).bool("includeFilters")?;
    Ok(Json(
        json!({ "list": list_json(&state, &list, include).await? }),
    ))
}

async fn many(
    State(state): State<AppState>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let query = QueryParams::parse(raw.as_deref());
    let include = query.bool("includeFilters")?;
    let mut lists = Vec::new();
    for id in query.list("listIds").unwrap_or_default() {
        if let Some(list) = state
            .store
            .lists
            .get_list(auth.portal, list_id(&id)?)
            .await?
        {
            lists.push(list_json(&state, &list, include).await?);
        }
    }
    Ok(Json(json!({ "lists": lists })))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SearchRequest {
    query: Option<String>,
    list_ids: Vec<String>,
    processing_types: Vec<String>,
    object_type_id: Option<String>,
    offset: Option<usize>,
    count: Option<usize>,
    /// `additionalProperties` is not read: every result carries `hs_list_size`.
    sort: Option<String>,
}

const MAX_SEARCH_COUNT: usize = 500;

/// `POST …/lists/search`: lists whose name contains `query` (any letter case), narrowed by
/// ids, processing types and object type, a page at `offset`. The answer's `offset` is where
/// the next page starts, as HubSpot's is.
async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let input: SearchRequest = parse_json(&body)?;
    let count = input.count.unwrap_or(20);
    if count > MAX_SEARCH_COUNT {
        return Err(ApiError::validation(format!(
            "count is {count}; at most {MAX_SEARCH_COUNT} lists are returned per page"
        )));
    }
    let object = match input.object_type_id.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Some(resolve_object(&state, auth.portal, t).await?),
        _ => None,
    };
    let mut types = Vec::new();
    for t in &input.processing_types {
        let parsed = ProcessingType::parse(t).ok_or_else(|| {
            ApiError::validation(format!(
                "processingTypes holds {t:?}; use MANUAL, SNAPSHOT or DYNAMIC"
            ))
        })?;
        types.push(parsed);
    }
    let ids = input
        .list_ids
        .iter()
        .map(|id| list_id(id.trim()))
        .collect::<ApiResult<Vec<_>>>()?;
    let needle = input.query.unwrap_or_default().trim().to_lowercase();
    let mut lists: Vec<ListRow> = state
        .store
        .lists
        .portal_lists(auth.portal)
        .await?
        .into_iter()
        .filter(|l| needle.is_empty() || l.name.to_lowercase().contains(&needle))
        .filter(|l| ids.is_empty() || ids.contains(&l.id))
        .filter(|l| types.is_empty() || types.contains(&l.processing_type))
        .filter(|l| object.is_none_or(|o| l.object == o))
        .collect();
    let sort = input.sort.unwrap_or_default();
    let (descending, key) = match sort.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, sort.as_str()),
    };
    match key.to_ascii_lowercase().as_str() {
        "" | "listid" | "id" => lists.sort_by_key(|l| l.id),
        "name" => lists.sort_by_key(|l| (l.name.to_lowercase(), l.id)),
        "createdat" => lists.sort_by_key(|l| (l.created_at, l.id)),
        "updatedat" => lists.sort_by_key(|l| (l.updated_at, l.id)),
        _ => {
            return Err(ApiError::validation(format!(
                "sort {sort:?} is not one of listId, name, createdAt, updatedAt (prefix - to reverse)"
            )));
        }
    }
    if descending {
        lists.reverse();
    }
    let total = lists.len();
    let offset = input.offset.unwrap_or(0).min(total);
    let mut page = Vec::new();
    for list in lists.iter().skip(offset).take(count) {
        let mut body = list_json(&state, list, false).await?;
        let size = body
            .as_object_mut()
            .and_then(|b| b.remove("size"))
            .unwrap_or(json!(0));
        body["additionalProperties"] =
            json!({"hs_list_size": size.to_string(), "hs_list_reference_count": "0"});
        page.push(body);
    }
    let next = offset + page.len();
    Ok(Json(json!({
        "lists": page, "total": total, "offset": next, "hasMore": next < total,
    })))
}

async fn by_name(
    State(state): State<AppState>,
    auth: Auth,
    Path((object_type_id, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(READ)?;
    let object = resolve_object(&state, auth.portal, &object_type_id).await?;
    let include = QueryParams::parse(raw.as_deref()).bool("includeFilters")?;
    let list = state
        .store
        .lists
        .find_list(auth.portal, object, &name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No {object} list is named {name:?}")))?;
    Ok(Json(
        json!({ "list": list_json(&state, &list, include).await? }),
    ))
}

async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    auth.require(WRITE)?;
    let list = load(&state, &auth, &id).await?;
    let now = state.clock.now_ms();
    state
        .store
        .lists
        .delete_list(auth.portal, list.id, now)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

pub(super) fn ids(values: &[Json_]) -> ApiResult<Vec<i64>> {
    values
        .iter()
        .map(|v| {
            crate::domain::search::scalar_text(v)
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| ApiError::validation(format!("{v} is not a record id")))
        })
        .collect()
}

async fn change(
    state: &AppState,
    auth: &Auth,
    id: &str,
    add: Vec<i64>,
    remove: Vec<i64>,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let list = load(state, auth, id).await?;
    if is_dynamic(&list) {
        return Err(ApiError::validation(format!(
            "List {} is DYNAMIC: its members follow its filters and cannot be added or removed",
            list.id
        )));
    }
    let change = state
        .store
        .lists
        .change_list_members(list, add, remove, state.clock.now_ms())
        .await?;
    let text = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>();
    Ok(Json(json!({
        "recordsIdsAdded": text(&change.added),
        "recordIdsRemoved": text(&change.removed),
        "recordIdsMissing": text(&change.missing),
    })))
}

async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let values: Vec<Json_> = parse_json(&body)?;
    change(&state, &auth, &id, ids(&values)?, Vec::new()).await
}

async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let values: Vec<Json_> = parse_json(&body)?;
    change(&state, &auth, &id, Vec::new(), ids(&values)?).await
}

/// HubSpot's `MembershipChangeRequest`; any other field is a 400 naming it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddAndRemove {
    #[serde(default)]
    record_ids_to_add: Vec<Json_>,
    #[serde(default)]
    record_ids_to_remove: Vec<Json_>,
}

async fn add_and_remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    let input: AddAndRemove = parse_json(&body)?;
    change(
        &state,
        &auth,
        &id,
        ids(&input.record_ids_to_add)?,
        ids(&input.record_ids_to_remove)?,
    )
    .await
}

async fn members(
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
    let after = query.id_cursor()?;
    let page: Vec<(i64, i64)> = if is_dynamic(&list) {
        let p = predicate(&state, &list, Some(after)).await?;
        let (_, records) = state
            .store
            .records
            .search_records(list.portal, list.object, p, 0, limit + 1, vec![])
            .await?;
        records
            .iter()
            .map(|r| (r.id, list.updated_at.max(r.updated_at)))
            .collect()
    } else {
        state
            .store
            .lists
            .list_members(list.clone(), after, limit + 1)
            .await?
    };
    Ok(Json(member_page(page, limit, &next, |(id, _)| {
        id.to_string()
    })))
}

/// A page of memberships, `(record id, joined at)`, read one past `limit` to know whether
/// another page follows; `cursor` names the `after` of the page after the last member.
pub(super) fn member_page(
    mut page: Vec<(i64, i64)>,
    limit: usize,
    next: &NextPage,
    cursor: impl Fn(&(i64, i64)) -> String,
) -> Json_ {
    let more = page.len() > limit;
    page.truncate(limit);
    let results: Vec<Json_> = page
        .iter()
        .map(|(id, at)| json!({"recordId": id.to_string(), "membershipTimestamp": format_datetime(*at)}))
        .collect();
    let mut body = json!({ "results": results });
    if more && let Some(last) = page.last() {
        body["paging"] = json!({"next": next.json(&cursor(last))});
    }
    body
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateFilters {
    filter_branch: Json_,
}

async fn update_filters(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Json_>> {
    auth.require(WRITE)?;
    let list = load(&state, &auth, &id).await?;
    if !is_dynamic(&list) {
        return Err(ApiError::validation(
            "Only a DYNAMIC list's filters can be replaced",
        ));
    }
    let input: UpdateFilters = parse_json(&body)?;
    let groups = branch_groups(&state, &input.filter_branch)?;
    let probe = ListRow {
        filter_groups: groups.clone(),
        ..list.clone()
    };
    predicate(&state, &probe, None).await?;
    let updated = state
        .store
        .lists
        .update_list_filters(
            auth.portal,
            list.id,
            input.filter_branch,
            groups,
            state.clock.now_ms(),
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("List {} does not exist", list.id)))?;
    Ok(Json(
        json!({ "updatedList": list_json(&state, &updated, true).await? }),
    ))
}
