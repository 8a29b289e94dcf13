//! Owners in SQLite: one table for all portals, ids from the server-wide sequence.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::domain::owner::Owner;
use crate::store::{PortalId, StoreError, StoreResult};

const COLUMNS: &str = "id, user_id, email, first_name, last_name, archived, created_at, updated_at";

fn owner_row(r: &Row<'_>) -> rusqlite::Result<Owner> {
    Ok(Owner {
        id: r.get(0)?,
        user_id: r.get(1)?,
        email: r.get(2)?,
        first_name: r.get(3)?,
        last_name: r.get(4)?,
        archived: r.get::<_, i64>(5)? != 0,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    email: &str,
    first_name: &str,
    last_name: &str,
    now: i64,
) -> StoreResult<Owner> {
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM owners WHERE portal_id = ?1 AND email = ?2 COLLATE NOCASE)",
        params![portal.0, email],
        |r| r.get(0),
    )?;
    if taken {
        return Err(StoreError::Conflict(format!(
            "An owner with email {email} already exists"
        )));
    }
    let id: i64 = tx.query_row(
        "UPDATE sequences SET next_value = next_value + 1 WHERE name = 'record_id' RETURNING next_value - 1",
        [],
        |r| r.get(0),
    )?;
    // HubSpot's user ids differ from owner ids; derive a stable one.
    let user_id = id + 7_000_000;
    tx.execute(
        &format!(
            "INSERT INTO owners (portal_id, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)"
        ),
        params![portal.0, id, user_id, email, first_name, last_name, now],
    )?;
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
pub fn list(conn: &Connection, portal: PortalId) -> StoreResult<Vec<Owner>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM owners WHERE portal_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([portal.0], owner_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, portal: PortalId, id: i64) -> StoreResult<Option<Owner>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM owners WHERE portal_id = ?1 AND id = ?2"
        ))?
        .query_row(params![portal.0, id], owner_row)
        .optional()?)
}
