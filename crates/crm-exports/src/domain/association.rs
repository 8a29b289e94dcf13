//! Association types between the standard objects: HubSpot's HUBSPOT_DEFINED type ids, each
//! directional with an inverse, so an edge created from one side is read from either. The
//! unlabeled type of a pair is its default ("the most generic" type).

use super::ObjectType;

/// One directional association type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssociationType {
    pub from: ObjectType,
    pub to: ObjectType,
    pub type_id: i64,
    pub inverse_id: i64,
    /// `Some("Primary")` for the primary types; unlabeled types have none.
    pub label: Option<&'static str>,
}

use ObjectType::{Companies as CO, Contacts as CT, Deals as DE, Tickets as TI};

/// (from, to, typeId, inverse typeId, label); each pair is listed in one direction.
const PAIRS: &[(ObjectType, ObjectType, i64, i64, Option<&str>)] = &[
    (CT, CO, 279, 280, None),
    (CT, CO, 1, 2, Some("Primary")),
    (CT, DE, 4, 3, None),
    (DE, CO, 341, 342, None),
    (DE, CO, 5, 6, Some("Primary")),
    (CT, TI, 15, 16, None),
    (TI, CO, 339, 340, None),
    (TI, CO, 26, 25, Some("Primary")),
    (DE, TI, 27, 28, None),
    (CT, CT, 449, 449, None),
    (CO, CO, 450, 450, None),
    (DE, DE, 451, 451, None),
    (TI, TI, 452, 452, None),
];

/// Every type from `from` to `to`, unlabeled first.
pub fn types_between(from: ObjectType, to: ObjectType) -> Vec<AssociationType> {
    let mut found = Vec::new();
    for &(a, b, id, inverse, label) in PAIRS {
        if a == from && b == to {
            found.push(AssociationType {
                from,
                to,
                type_id: id,
                inverse_id: inverse,
                label,
            });
        }
        if b == from && a == to && a != b {
            found.push(AssociationType {
                from,
                to,
                type_id: inverse,
                inverse_id: id,
                label,
            });
        }
    }
    found.sort_by_key(|t| t.label.is_some());
    found
}

/// The unlabeled type of a pair, used by "associate default".
pub fn default_type(from: ObjectType, to: ObjectType) -> Option<AssociationType> {
    types_between(from, to)
        .into_iter()
        .find(|t| t.label.is_none())
}

pub fn find_type(from: ObjectType, to: ObjectType, type_id: i64) -> Option<AssociationType> {
    types_between(from, to)
        .into_iter()
        .find(|t| t.type_id == type_id)
}

/// The name record reads show for an edge: `contact_to_company` for the primary type,
/// `contact_to_company_unlabeled` for the generic one.
pub fn type_name(t: &AssociationType) -> String {
    let base = format!("{}_to_{}", t.from.singular(), t.to.singular());
    if t.label.is_some() {
        base
    } else {
        format!("{base}_unlabeled")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_through_its_inverse() {
        for from in ObjectType::ALL {
            for to in ObjectType::ALL {
                for t in types_between(from, to) {
                    let back = find_type(to, from, t.inverse_id).expect("an inverse exists");
                    assert_eq!(back.inverse_id, t.type_id);
                    assert_eq!(back.label, t.label);
                }
            }
        }
        assert_eq!(default_type(CT, CO).unwrap().type_id, 279);
        assert_eq!(default_type(CO, CT).unwrap().type_id, 280);
        assert_eq!(default_type(DE, CT).unwrap().type_id, 3);
        assert_eq!(find_type(CO, TI, 25).unwrap().label, Some("Primary"));
    }
}
