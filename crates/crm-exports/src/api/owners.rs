//! The owners API on `/crm/v3/owners` and `/crm/owners/2026-03`: owner pages (`limit` up to
//! 500, `after`, `email`, `archived`) and one owner by id or `idProperty=userId`. Scope
//! `crm.objects.owners.read`. Owners are created with `crm-exports owner create`.

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value as Json_, json};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::extract::QueryParams;
use super::paging::NextPage;
use crate::domain::owner::Owner;
use crate::domain::time::format_datetime;

const OWNER_SCOPE: &[&str] = &["crm.objects.owners.read"];
const MAX_OWNER_PAGE: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list))
        .route("/{owner_id}", get(one))
}

fn owner_json(o: &Owner) -> Json_ {
    json!({
        "id": o.id.to_string(), "email": o.email, "firstName": o.first_name, "lastName": o.last_name,
        "userId": o.user_id, "userIdIncludingInactive": o.user_id, "type": "PERSON", "teams": [],
        "createdAt": format_datetime(o.created_at), "updatedAt": format_datetime(o.updated_at),
        "archived": o.archived,
    })
}

async fn list(
    State(state): State<AppState>,
    auth: Auth,
    next: NextPage,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(OWNER_SCOPE)?;
    let query = QueryParams::parse(raw.as_deref());
    let limit = query
        .number::<usize>("limit")?
        .unwrap_or(100)
        .clamp(1, MAX_OWNER_PAGE);
    let after = query.id_cursor()?;
    let archived = query.bool("archived")?;
    let email = query.get("email").filter(|e| !e.is_empty());
    let matching: Vec<Owner> = state
        .store
        .owners
        .list_owners(auth.portal)
        .await?
        .into_iter()
        .filter(|o| o.archived == archived && o.id > after)
        .filter(|o| email.is_none_or(|e| o.email.eq_ignore_ascii_case(e)))
        .collect();
    let page = &matching[..matching.len().min(limit)];
    let mut body = json!({"results": page.iter().map(owner_json).collect::<Vec<_>>()});
    if matching.len() > limit
        && let Some(last) = page.last()
    {
        body["paging"] = json!({"next": next.json(&last.id.to_string())});
    }
    Ok(Json(body))
}

async fn one(
    State(state): State<AppState>,
    auth: Auth,
    Path(owner_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Json_>> {
    auth.require(OWNER_SCOPE)?;
    let query = QueryParams::parse(raw.as_deref());
    let id: i64 = owner_id
        .parse()
        .map_err(|_| ApiError::validation(format!("{owner_id:?} is not an owner id")))?;
    let by_user = match query.get("idProperty").unwrap_or("id") {
        "id" => false,
        "userId" => true,
        other => {
            return Err(ApiError::validation(format!(
                "idProperty {other:?} is not id or userId"
            )));
        }
    };
    let found = if by_user {
        state
            .store
            .owners
            .list_owners(auth.portal)
            .await?
            .into_iter()
            .find(|o| o.user_id == id)
    } else {
        state.store.owners.get_owner(auth.portal, id).await?
    };
    found
        .map(|o| Json(owner_json(&o)))
        .ok_or_else(|| ApiError::not_found(format!("Owner {id} does not exist")))
}
