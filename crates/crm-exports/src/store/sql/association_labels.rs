//! Custom association labels: USER_DEFINED association definitions with a label, between
//! any two object types of a portal. A label takes fresh type ids from the server-wide
//! association type sequence (one per direction; one for an unpaired label of an object to
//! itself), so its ids never collide with HubSpot's or another portal's. Its name is unique
//! among the labels of its pair; deleting it removes the edges of its types.

use std::sync::Arc;

use super::builder::{Param, Sql};
use super::dialect::Sequence;
use super::exec::{Exec, exists, first};
use super::portals::require_portal;
use super::writes::reserve;
use crate::domain::ObjectType;
use crate::domain::custom_object::AssociationDefinition;
use crate::store::{LabelDraft, PortalId, StoreError, StoreResult};

/// The condition on a label of the pair `(?2, ?3)` whose type id in that direction is `?4`.
const OF_PAIR: &str = "portal_id = ?1 AND label IS NOT NULL AND \
     ((from_type = ?2 AND to_type = ?3 AND type_id = ?4) \
     OR (from_type = ?3 AND to_type = ?2 AND inverse_id = ?4))";

fn pair_params(
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    type_id: i64,
) -> Vec<Param<'static>> {
    vec![
        Param::Int(portal.0),
        Param::from(from.type_id().into_owned()),
        Param::from(to.type_id().into_owned()),
        Param::Int(type_id),
    ]
}

/// Creates a label from `from` to `to`; `Conflict` when the pair already has a label of
/// that name (in either direction, any letter case).
pub async fn create(
    e: &mut dyn Exec,
    portal: PortalId,
    from: ObjectType,
    to: ObjectType,
    draft: &LabelDraft,
    now: i64,
) -> StoreResult<AssociationDefinition> {
    require_portal(e, portal).await?;
    let d = e.dialect();
    let (from_type, to_type) = (from.type_id(), to.type_id());
    let mut taken = Sql::new(d);
    taken
        .push("SELECT 1 FROM association_definitions WHERE portal_id = ")
        .bind(portal.0)
        .push(" AND label IS NOT NULL AND ((from_type = ")
        .bind(from_type.clone())
        .push(" AND to_type = ")
        .bind(to_type.clone())
        .push(") OR (from_type = ")
        .bind(to_type.clone())
        .push(" AND to_type = ")
        .bind(from_type.clone())
        .push(")) AND ");
    d.push_text_equals(&mut taken, "name", &draft.name);
    if exists(e, &taken).await? {
        return Err(StoreError::conflict(format!(
            "An association label named \"{}\" already exists between {from} and {to}",
            draft.name
        )));
    }
    let count = if from == to && draft.inverse_label.is_none() {
        1
    } else {
        2
    };
    let ids = reserve(e, Sequence::AssociationType, count).await?;
    let (type_id, inverse_id) = (ids[0], ids[ids.len() - 1]);
    let insert = "INSERT INTO association_definitions (type_id, inverse_id, portal_id, from_type, \
         to_type, name, created_at, label, inverse_label) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    let params = vec![
        Param::Int(type_id),
        Param::Int(inverse_id),
        Param::Int(portal.0),
        Param::from(from_type.as_ref()),
        Param::from(to_type.as_ref()),
        Param::from(&draft.name),
        Param::Int(now),
        Param::from(&draft.label),
        Param::from(draft.inverse_label.as_ref()),
    ];
    e.execute(&Sql::fixed(d, insert, params)).await?;
    Ok(AssociationDefinition {
        type_id,
        inverse_id,
        from,
        to,
        name: draft.name.clone(),
        created_at: now,
        label: Some(Arc::from(draft.label.as_str())),
        inverse_label: draft.inverse_label.as_deref().map(Arc::from),
    })
}

/// Changes the text of the label holding `type_id` from `from` to `to`: `label` is read in
/// that direction and `inverse_label`, when given, in the other. An unpaired label named
/// from its far side keeps one text for both directions. False when there is no such label.
pub async fn update(
    e: &mut dyn Exec,
    portal: PortalId,
    (from, to): (ObjectType, ObjectType),
    type_id: i64,
    label: &str,
    inverse_label: Option<&str>,
) -> StoreResult<bool> {
    let d = e.dialect();
    let find =
        format!("SELECT type_id, inverse_label FROM association_definitions WHERE {OF_PAIR}");
    let params = pair_params(portal, from, to, type_id);
    let found = first(e, &Sql::fixed(d, &find, params), |r| {
        Ok((r.int(0)?, r.opt_text(1)?.map(str::to_string)))
    })
    .await?;
    let Some((forward_id, stored_inverse)) = found else {
        return Ok(false);
    };
    // Named from the side it was created on when `type_id` is its forward id (for an
    // unpaired label of an object to itself both ids are the same).
    let (new_label, new_inverse) = if forward_id == type_id {
        (Some(label), inverse_label.or(stored_inverse.as_deref()))
    } else if stored_inverse.is_none() && inverse_label.is_none() {
        (Some(label), None)
    } else {
        (inverse_label, Some(label))
    };
    let text = "UPDATE association_definitions SET label = COALESCE(?3, label), \
         inverse_label = ?4 WHERE portal_id = ?1 AND type_id = ?2";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(forward_id),
        Param::from(new_label),
        Param::from(new_inverse),
    ];
    e.execute(&Sql::fixed(d, text, params)).await?;
    Ok(true)
}

/// Deletes the label holding `type_id` between `from` and `to` and every edge of its two
/// types; false when there is no such label.
pub async fn delete(
    e: &mut dyn Exec,
    portal: PortalId,
    (from, to): (ObjectType, ObjectType),
    type_id: i64,
) -> StoreResult<bool> {
    let d = e.dialect();
    let text = format!(
        "DELETE FROM association_definitions WHERE {OF_PAIR} RETURNING type_id, inverse_id"
    );
    let params = pair_params(portal, from, to, type_id);
    let removed = first(e, &Sql::fixed(d, &text, params), |r| {
        Ok((r.int(0)?, r.int(1)?))
    })
    .await?;
    let Some((forward_id, inverse_id)) = removed else {
        return Ok(false);
    };
    let edges = "DELETE FROM associations WHERE portal_id = ?1 AND type_id IN (?2, ?3)";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(forward_id),
        Param::Int(inverse_id),
    ];
    e.execute(&Sql::fixed(d, edges, params)).await?;
    let limits = "DELETE FROM association_limits WHERE portal_id = ?1 AND type_id IN (?2, ?3)";
    let params = vec![
        Param::Int(portal.0),
        Param::Int(forward_id),
        Param::Int(inverse_id),
    ];
    e.execute(&Sql::fixed(d, limits, params)).await?;
    Ok(true)
}
