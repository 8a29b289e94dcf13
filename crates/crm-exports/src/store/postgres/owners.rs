//! Owners in PostgreSQL: one table for all portals, ids from the server-wide sequence.

use tokio_postgres::{Row, Transaction};

use super::records::next_record_id;
use crate::domain::owner::Owner;
use crate::store::{PortalId, StoreError, StoreResult};

const COLUMNS: &str = "id, user_id, email, first_name, last_name, archived, created_at, updated_at";

fn owner_row(r: &Row) -> Owner {
    Owner {
        id: r.get(0),
        user_id: r.get(1),
        email: r.get(2),
        first_name: r.get(3),
        last_name: r.get(4),
        archived: r.get(5),
        created_at: r.get(6),
        updated_at: r.get(7),
    }
}

pub async fn create(
    tx: &Transaction<'_>,
    portal: PortalId,
    email: &str,
    first_name: &str,
    last_name: &str,
    now: i64,
) -> StoreResult<Owner> {
    let taken = tx
        .query_opt(
            "SELECT 1 FROM owners WHERE portal_id = $1 AND lower(email COLLATE \"C\") = lower($2::text COLLATE \"C\")",
            &[&portal.0, &email],
        )
        .await?
        .is_some();
    if taken {
        return Err(StoreError::Conflict(format!(
            "An owner with email {email} already exists"
        )));
    }
    let id = next_record_id(tx).await?;
    // HubSpot's user ids differ from owner ids; derive a stable one.
    let user_id = id + 7_000_000;
    tx.execute(
        &format!(
            "INSERT INTO owners (portal_id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7)"
        ),
        &[&portal.0, &id, &user_id, &email, &first_name, &last_name, &now],
    )
    .await?;
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
pub async fn list(tx: &Transaction<'_>, portal: PortalId) -> StoreResult<Vec<Owner>> {
    let rows = tx
        .query(
            &format!("SELECT {COLUMNS} FROM owners WHERE portal_id = $1 ORDER BY id"),
            &[&portal.0],
        )
        .await?;
    Ok(rows.iter().map(owner_row).collect())
}

pub async fn get(tx: &Transaction<'_>, portal: PortalId, id: i64) -> StoreResult<Option<Owner>> {
    let row = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM owners WHERE portal_id = $1 AND id = $2"),
            &[&portal.0, &id],
        )
        .await?;
    Ok(row.as_ref().map(owner_row))
}
