//! Owners: one table for all portals, ids from the server-wide record sequence, emails
//! unique per portal in any letter case.

use super::builder::{Param, Sql};
use super::dialect::Sequence;
use super::exec::{Exec, RowRead, exists, first, rows};
use super::writes::reserve;
use crate::domain::owner::Owner;
use crate::store::{PortalId, StoreError, StoreResult};

const COLUMNS: &str = "id, user_id, email, first_name, last_name, archived, created_at, updated_at";

/// HubSpot's user ids differ from owner ids; ours are derived from the owner id.
const USER_ID_OFFSET: i64 = 7_000_000;

fn owner_row(r: &dyn RowRead) -> StoreResult<Owner> {
    Ok(Owner {
        id: r.int(0)?,
        user_id: r.int(1)?,
        email: r.text(2)?.to_string(),
        first_name: r.text(3)?.to_string(),
        last_name: r.text(4)?.to_string(),
        archived: r.flag(5)?,
        created_at: r.int(6)?,
        updated_at: r.int(7)?,
    })
}

pub async fn create(
    e: &mut dyn Exec,
    portal: PortalId,
    email: &str,
    first_name: &str,
    last_name: &str,
    now: i64,
) -> StoreResult<Owner> {
    let d = e.dialect();
    let mut taken = Sql::new(d);
    taken
        .push("SELECT 1 FROM owners WHERE portal_id = ")
        .bind(portal.0)
        .push(" AND ");
    d.push_text_equals(&mut taken, "email", email);
    if exists(e, &taken).await? {
        return Err(StoreError::conflict(format!(
            "An owner with email {email} already exists"
        )));
    }
    let id = reserve(e, Sequence::Record, 1).await?[0];
    let user_id = id + USER_ID_OFFSET;
    let text = format!(
        "INSERT INTO owners (portal_id, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {}, ?7, ?7)",
        d.bool_literal(false)
    );
    let params = vec![
        Param::Int(portal.0),
        Param::Int(id),
        Param::Int(user_id),
        Param::from(email),
        Param::from(first_name),
        Param::from(last_name),
        Param::Int(now),
    ];
    e.execute(&Sql::fixed(d, &text, params)).await?;
    Ok(Owner {
        id,
        user_id,
        email: email.to_string(),
        first_name: first_name.to_string(),
        last_name: last_name.to_string(),
        archived: false,
        created_at: now,
        updated_at: now,
    })
}

/// Every owner of a portal in id order (portals have tens to thousands of owners).
pub async fn list(e: &mut dyn Exec, portal: PortalId) -> StoreResult<Vec<Owner>> {
    let text = format!("SELECT {COLUMNS} FROM owners WHERE portal_id = ?1 ORDER BY id");
    let sql = Sql::fixed(e.dialect(), &text, vec![Param::Int(portal.0)]);
    rows(e, &sql, owner_row).await
}

pub async fn get(e: &mut dyn Exec, portal: PortalId, id: i64) -> StoreResult<Option<Owner>> {
    let text = format!("SELECT {COLUMNS} FROM owners WHERE portal_id = ?1 AND id = ?2");
    let sql = Sql::fixed(
        e.dialect(),
        &text,
        vec![Param::Int(portal.0), Param::Int(id)],
    );
    first(e, &sql, owner_row).await
}
