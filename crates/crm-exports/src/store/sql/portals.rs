//! Portals and tokens: creating a portal seeds HubSpot's default properties and creates
//! one record table per standard object type (custom objects get theirs when defined).
//! Tokens are stored as hashes with their scopes.

use super::builder::{Param, Sql};
use super::exec::{Exec, RowRead, exists, first, integer, rows};
use super::schemas::create_object;
use crate::domain::ObjectType;
use crate::domain::defaults;
use crate::store::{PortalId, StoreError, StoreResult, TokenInfo};

pub async fn portal_exists(e: &mut dyn Exec, portal: PortalId) -> StoreResult<bool> {
    let sql = Sql::fixed(
        e.dialect(),
        "SELECT 1 FROM portals WHERE id = ?1",
        vec![Param::Int(portal.0)],
    );
    exists(e, &sql).await
}

/// Fails with `NotFound` unless the portal exists.
pub async fn require_portal(e: &mut dyn Exec, portal: PortalId) -> StoreResult<()> {
    if portal_exists(e, portal).await? {
        Ok(())
    } else {
        Err(StoreError::not_found(format!("portal {}", portal.0)))
    }
}

/// Serialises portal creation where another process could create one at the same time:
/// new ids are the highest plus one, and two processes must not pick the same one.
async fn lock_portals(e: &mut dyn Exec) -> StoreResult<()> {
    if let Some(lock) = e.dialect().lock_table("portals") {
        e.script(&lock).await?;
    }
    Ok(())
}

/// Creates a portal (with the given id, or the next one) and its standard objects.
pub async fn create_portal(
    e: &mut dyn Exec,
    id: Option<PortalId>,
    now: i64,
) -> StoreResult<PortalId> {
    lock_portals(e).await?;
    let insert = "INSERT INTO portals (id, created_at) \
         VALUES (COALESCE(?1, (SELECT COALESCE(MAX(id), 0) + 1 FROM portals)), ?2) RETURNING id";
    let params = vec![Param::from(id.map(|p| p.0)), Param::Int(now)];
    let d = e.dialect();
    let portal = PortalId(integer(e, &Sql::fixed(d, insert, params)).await?);
    for object in ObjectType::STANDARD {
        let d = defaults::for_object(object);
        create_object(e, portal, object, &d.groups, &d.properties).await?;
    }
    Ok(portal)
}

/// Creates the portal unless it exists; `true` when it was created now.
pub async fn ensure_portal(e: &mut dyn Exec, portal: PortalId, now: i64) -> StoreResult<bool> {
    lock_portals(e).await?;
    if portal_exists(e, portal).await? {
        return Ok(false);
    }
    create_portal(e, Some(portal), now).await?;
    Ok(true)
}

pub async fn list_portals(e: &mut dyn Exec) -> StoreResult<Vec<PortalId>> {
    let sql = Sql::fixed(e.dialect(), "SELECT id FROM portals ORDER BY id", vec![]);
    rows(e, &sql, |r| Ok(PortalId(r.int(0)?))).await
}

pub async fn create_token(
    e: &mut dyn Exec,
    portal: PortalId,
    name: &str,
    scopes: &[String],
    token_hash: &str,
    now: i64,
) -> StoreResult<TokenInfo> {
    require_portal(e, portal).await?;
    let insert = "INSERT INTO tokens (portal_id, name, token_hash, scopes, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id";
    let params = vec![
        Param::Int(portal.0),
        Param::from(name),
        Param::from(token_hash),
        Param::from(scopes.join(" ")),
        Param::Int(now),
    ];
    let d = e.dialect();
    let id = integer(e, &Sql::fixed(d, insert, params)).await?;
    Ok(TokenInfo {
        id,
        portal,
        name: name.to_string(),
        scopes: scopes.to_vec(),
        created_at: now,
        revoked_at: None,
    })
}

const TOKEN_COLUMNS: &str = "id, portal_id, name, scopes, created_at, revoked_at";

fn token_row(r: &dyn RowRead) -> StoreResult<TokenInfo> {
    Ok(TokenInfo {
        id: r.int(0)?,
        portal: PortalId(r.int(1)?),
        name: r.text(2)?.to_string(),
        scopes: r.text(3)?.split_whitespace().map(str::to_string).collect(),
        created_at: r.int(4)?,
        revoked_at: r.opt_int(5)?,
    })
}

/// The live (unrevoked) token with this hash.
pub async fn token_by_hash(e: &mut dyn Exec, token_hash: &str) -> StoreResult<Option<TokenInfo>> {
    let text =
        format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = ?1 AND revoked_at IS NULL");
    let sql = Sql::fixed(e.dialect(), &text, vec![Param::from(token_hash)]);
    first(e, &sql, token_row).await
}

pub async fn list_tokens(e: &mut dyn Exec) -> StoreResult<Vec<TokenInfo>> {
    let text = format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id");
    let sql = Sql::fixed(e.dialect(), &text, vec![]);
    rows(e, &sql, token_row).await
}

pub async fn revoke_token(e: &mut dyn Exec, id: i64, now: i64) -> StoreResult<bool> {
    let text = "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
    let d = e.dialect();
    Ok(
        e.execute(&Sql::fixed(d, text, vec![Param::Int(id), Param::Int(now)]))
            .await?
            == 1,
    )
}
