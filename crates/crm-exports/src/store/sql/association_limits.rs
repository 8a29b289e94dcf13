//! Association limits (HubSpot's definition configurations): per portal and directional
//! type, the most records of the far object type one record may be associated with. They
//! are checked on both ends of each new edge, counting the live records each end already
//! reaches through that type (edges made earlier in the same call included).

use super::builder::{Param, Sql};
use super::dialect::table_name;
use super::exec::{Exec, first, integer, rows};
use crate::domain::ObjectType;
use crate::store::{AssociationLimit, Edge, EdgeRefusal, PortalId, StoreError, StoreResult};

fn object_at(text: &str) -> StoreResult<ObjectType> {
    ObjectType::parse(text)
        .ok_or_else(|| StoreError::internal(format!("stored object type {text:?}")))
}

/// The portal's limits, by pair and type id; with `pair`, only those from its first type
/// to its second.
pub async fn list(
    e: &mut dyn Exec,
    portal: PortalId,
    pair: Option<(ObjectType, ObjectType)>,
) -> StoreResult<Vec<AssociationLimit>> {
    let mut sql = Sql::new(e.dialect());
    sql.push("SELECT from_type, to_type, type_id, max_to_object_ids FROM association_limits ")
        .push("WHERE portal_id = ")
        .bind(portal.0);
    if let Some((from, to)) = pair {
        sql.push(" AND from_type = ").bind(from.type_id());
        sql.push(" AND to_type = ").bind(to.type_id());
    }
    sql.push(" ORDER BY from_type, to_type, type_id");
    rows(e, &sql, |r| {
        Ok(AssociationLimit {
            from: object_at(r.text(0)?)?,
            to: object_at(r.text(1)?)?,
            type_id: r.int(2)?,
            max_to_object_ids: r.int(3)?,
        })
    })
    .await
}

/// Sets each limit: with `replace`, only where one is set already (an update); otherwise
/// only where none is (a create). True for each limit written.
pub async fn set(
    e: &mut dyn Exec,
    portal: PortalId,
    limits: &[AssociationLimit],
    replace: bool,
    now: i64,
) -> StoreResult<Vec<bool>> {
    let d = e.dialect();
    let text = if replace {
        "UPDATE association_limits SET max_to_object_ids = ?5, updated_at = ?6 \
         WHERE portal_id = ?1 AND from_type = ?2 AND to_type = ?3 AND type_id = ?4"
    } else {
        "INSERT INTO association_limits (portal_id, from_type, to_type, type_id, \
         max_to_object_ids, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING"
    };
    let mut written = Vec::with_capacity(limits.len());
    for limit in limits {
        let params = vec![
            Param::Int(portal.0),
            Param::from(limit.from.type_id()),
            Param::from(limit.to.type_id()),
            Param::Int(limit.type_id),
            Param::Int(limit.max_to_object_ids),
            Param::Int(now),
        ];
        written.push(e.execute(&Sql::fixed(d, text, params)).await? == 1);
    }
    Ok(written)
}

/// Removes the limits of these type ids from `from` to `to`; returns how many there were.
pub async fn purge(
    e: &mut dyn Exec,
    portal: PortalId,
    (from, to): (ObjectType, ObjectType),
    type_ids: &[i64],
) -> StoreResult<usize> {
    let d = e.dialect();
    let text = "DELETE FROM association_limits \
         WHERE portal_id = ?1 AND from_type = ?2 AND to_type = ?3 AND type_id = ?4";
    let mut removed = 0;
    for &type_id in type_ids {
        let params = vec![
            Param::Int(portal.0),
            Param::from(from.type_id()),
            Param::from(to.type_id()),
            Param::Int(type_id),
        ];
        removed += e.execute(&Sql::fixed(d, text, params)).await? as usize;
    }
    Ok(removed)
}

/// The limits that apply to edges between `from` and `to`, in either direction.
pub async fn applying(
    e: &mut dyn Exec,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
) -> StoreResult<Vec<AssociationLimit>> {
    let mut found = list(e, portal, Some((from, to))).await?;
    if from != to {
        found.extend(list(e, portal, Some((to, from))).await?);
    }
    Ok(found)
}

/// Whether `edge` (new or not) would take either of its records over a limit in `limits`.
pub async fn refusal(
    e: &mut dyn Exec,
    portal: PortalId,
    (from, to): (ObjectType, ObjectType),
    edge: &Edge,
    limits: &[AssociationLimit],
) -> StoreResult<Option<EdgeRefusal>> {
    let ends = [
        (from, edge.from_id, to, edge.to_id, edge.type_id),
        (to, edge.to_id, from, edge.from_id, edge.inverse_id),
    ];
    for (a, a_id, b, b_id, type_id) in ends {
        let Some(limit) = limits
            .iter()
            .find(|l| l.from == a && l.to == b && l.type_id == type_id)
        else {
            continue;
        };
        let d = e.dialect();
        let (a_type, b_type) = (a.type_id(), b.type_id());
        let base = format!(
            "FROM associations x JOIN {} r ON r.id = x.to_id AND {} WHERE x.portal_id = ?1 \
             AND x.from_type = ?2 AND x.from_id = ?3 AND x.to_type = ?4 AND x.type_id = ?5",
            table_name(portal, b),
            d.is_false("r.archived")
        );
        let params = || {
            vec![
                Param::Int(portal.0),
                Param::from(a_type.as_ref()),
                Param::Int(a_id),
                Param::from(b_type.as_ref()),
                Param::Int(type_id),
            ]
        };
        let mut params_of_edge = params();
        params_of_edge.push(Param::Int(b_id));
        let existing = format!("SELECT 1 {base} AND x.to_id = ?6");
        let stored = first(e, &Sql::fixed(d, &existing, params_of_edge), |_| Ok(())).await?;
        if stored.is_some() {
            continue;
        }
        let count = integer(
            e,
            &Sql::fixed(d, &format!("SELECT COUNT(*) {base}"), params()),
        )
        .await?;
        if count >= limit.max_to_object_ids {
            return Ok(Some(EdgeRefusal::OverLimit {
                record_id: a_id,
                limit: *limit,
            }));
        }
    }
    Ok(None)
}
