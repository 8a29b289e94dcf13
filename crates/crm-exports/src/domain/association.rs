//! Association types: HubSpot's HUBSPOT_DEFINED type ids between the standard objects, and
//! the USER_DEFINED ones of a portal (its custom object schemas' types and the custom labels
//! made through the labels API). Each is directional with an inverse, so an edge created
//! from one side is read from either. The unlabeled type of a pair is its default ("the most
//! generic" type).

use std::sync::{Arc, LazyLock};

use super::ObjectType;
use super::custom_object::AssociationDefinition;

/// Who defined an association type, as the v4 API names it (`associationCategory`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    HubspotDefined,
    UserDefined,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HubspotDefined => "HUBSPOT_DEFINED",
            Self::UserDefined => "USER_DEFINED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "HUBSPOT_DEFINED" => Some(Self::HubspotDefined),
            "USER_DEFINED" => Some(Self::UserDefined),
            _ => None,
        }
    }
}

/// One directional association type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationType {
    pub from: ObjectType,
    pub to: ObjectType,
    pub type_id: i64,
    pub inverse_id: i64,
    /// `Some("Primary")` for the primary types, a custom label's text for custom labels;
    /// unlabeled types have none. Shared: the catalog hands out types for every edge read.
    pub label: Option<Arc<str>>,
    pub category: Category,
}

/// HubSpot's one built-in label, shared rather than allocated per lookup.
static PRIMARY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("Primary"));

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

/// The association types one portal knows: HubSpot's between the standard objects and the
/// ones its custom objects define.
#[derive(Clone, Debug, Default)]
pub struct AssociationCatalog {
    defined: Vec<AssociationDefinition>,
}

impl AssociationCatalog {
    /// HubSpot's types only, for portals (or callers) without custom objects.
    pub fn standard() -> Self {
        Self::default()
    }

    pub fn new(defined: Vec<AssociationDefinition>) -> Self {
        Self { defined }
    }

    /// The portal's own definitions, by type id.
    pub fn defined(&self) -> &[AssociationDefinition] {
        &self.defined
    }

    /// Every type from `from` to `to`, unlabeled first.
    pub fn types_between(&self, from: ObjectType, to: ObjectType) -> Vec<AssociationType> {
        let mut found = Vec::new();
        let mut push = |type_id, inverse_id, label: Option<Arc<str>>, category| {
            found.push(AssociationType {
                from,
                to,
                type_id,
                inverse_id,
                label,
                category,
            });
        };
        for &(a, b, id, inverse, label) in PAIRS {
            let label = label.map(|_| PRIMARY.clone());
            if a == from && b == to {
                push(id, inverse, label.clone(), Category::HubspotDefined);
            }
            if b == from && a == to && a != b {
                push(inverse, id, label, Category::HubspotDefined);
            }
        }
        for d in &self.defined {
            if d.from == from && d.to == to {
                push(
                    d.type_id,
                    d.inverse_id,
                    d.label.clone(),
                    Category::UserDefined,
                );
            }
            // An object to itself reads the other direction only when it has its own id.
            if d.to == from && d.from == to && (d.from != d.to || d.type_id != d.inverse_id) {
                let label = d.inverse_label.clone().or_else(|| d.label.clone());
                push(d.inverse_id, d.type_id, label, Category::UserDefined);
            }
        }
        found.sort_by_key(|t| t.label.is_some());
        found
    }

    /// The custom label (a definition made by the labels API) holding `type_id` in either
    /// direction between `from` and `to`.
    pub fn custom_label(
        &self,
        from: ObjectType,
        to: ObjectType,
        type_id: i64,
    ) -> Option<&AssociationDefinition> {
        self.defined.iter().filter(|d| d.is_label()).find(|d| {
            (d.from == from && d.to == to && d.type_id == type_id)
                || (d.from == to && d.to == from && d.inverse_id == type_id)
        })
    }

    /// The unlabeled type of a pair, used by "associate default".
    pub fn default_type(&self, from: ObjectType, to: ObjectType) -> Option<AssociationType> {
        self.types_between(from, to)
            .into_iter()
            .find(|t| t.label.is_none())
    }

    pub fn find_type(
        &self,
        from: ObjectType,
        to: ObjectType,
        type_id: i64,
    ) -> Option<AssociationType> {
        self.types_between(from, to)
            .into_iter()
            .find(|t| t.type_id == type_id)
    }

    /// The type `type_id` from `from` to whichever object it leads to.
    pub fn find_from(&self, from: ObjectType, type_id: i64) -> Option<AssociationType> {
        let defined_ends = self.defined.iter().flat_map(|d| [d.from, d.to]);
        ObjectType::STANDARD
            .into_iter()
            .chain(defined_ends)
            .find_map(|to| self.find_type(from, to, type_id))
    }

    /// The name record reads show for an edge: `contact_to_company` for the primary type,
    /// `contact_to_company_unlabeled` for the generic one, and a custom definition's own name
    /// (read from its far side, the two names swapped round `_to_`).
    pub fn type_name(&self, t: &AssociationType) -> String {
        if let Some(d) = self.defined.iter().find(|d| d.type_id == t.type_id) {
            return d.name.clone();
        }
        if let Some(d) = self.defined.iter().find(|d| d.inverse_id == t.type_id) {
            // A label keeps its one name from both sides; a schema's type reads reversed.
            if d.is_label() {
                return d.name.clone();
            }
            return match d.name.split_once("_to_") {
                Some((a, b)) => format!("{b}_to_{a}"),
                None => d.name.clone(),
            };
        }
        let base = format!("{}_to_{}", t.from.singular(), t.to.singular());
        if t.label.is_some() {
            base
        } else {
            format!("{base}_unlabeled")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAR: ObjectType = ObjectType::Custom(7);

    fn catalog() -> AssociationCatalog {
        AssociationCatalog::new(vec![AssociationDefinition {
            type_id: 1001,
            inverse_id: 1002,
            from: CAR,
            to: CT,
            name: "car_to_contact".into(),
            created_at: 0,
            label: None,
            inverse_label: None,
        }])
    }

    #[test]
    fn every_type_reads_back_through_its_inverse() {
        let catalog = catalog();
        let all = [CT, CO, DE, TI, CAR];
        for from in all {
            for to in all {
                for t in catalog.types_between(from, to) {
                    let back = catalog
                        .find_type(to, from, t.inverse_id)
                        .expect("an inverse exists");
                    assert_eq!(back.inverse_id, t.type_id);
                    assert_eq!(back.label, t.label);
                    assert_eq!(back.category, t.category);
                }
            }
        }
        let standard = AssociationCatalog::standard();
        assert_eq!(standard.default_type(CT, CO).unwrap().type_id, 279);
        assert_eq!(standard.default_type(CO, CT).unwrap().type_id, 280);
        assert_eq!(standard.default_type(DE, CT).unwrap().type_id, 3);
        assert_eq!(
            standard.find_type(CO, TI, 25).unwrap().label.as_deref(),
            Some("Primary")
        );
        assert_eq!(standard.default_type(CAR, CT), None);
    }

    #[test]
    fn a_custom_definition_is_user_defined_and_named_from_either_side() {
        let catalog = catalog();
        let there = catalog.default_type(CAR, CT).unwrap();
        assert_eq!(
            (there.type_id, there.category),
            (1001, Category::UserDefined)
        );
        let back = catalog.default_type(CT, CAR).unwrap();
        assert_eq!(back.type_id, 1002);
        assert_eq!(catalog.type_name(&there), "car_to_contact");
        assert_eq!(catalog.type_name(&back), "contact_to_car");
        let primary = catalog.find_type(CT, CO, 1).unwrap();
        assert_eq!(catalog.type_name(&primary), "contact_to_company");
    }

    #[test]
    fn a_custom_label_reads_with_its_text_from_each_side_after_the_unlabeled_types() {
        let label = |type_id, inverse_id, from, to, inverse: Option<&str>| AssociationDefinition {
            type_id,
            inverse_id,
            from,
            to,
            name: format!("label_{type_id}"),
            created_at: 0,
            label: Some(Arc::from("Manager")),
            inverse_label: inverse.map(Arc::from),
        };
        let catalog = AssociationCatalog::new(vec![
            label(100_001, 100_002, CT, CO, Some("Employs")),
            label(100_003, 100_003, CT, CT, None),
            label(100_004, 100_005, CT, CT, Some("Reports to")),
        ]);
        let between = catalog.types_between(CT, CO);
        assert_eq!(between[0].type_id, 279, "the unlabeled type stays first");
        let custom = catalog.find_type(CT, CO, 100_001).unwrap();
        assert_eq!(
            (custom.label.as_deref(), custom.category),
            (Some("Manager"), Category::UserDefined)
        );
        let back = catalog.find_type(CO, CT, 100_002).unwrap();
        assert_eq!(back.label.as_deref(), Some("Employs"));
        assert_eq!(catalog.type_name(&back), "label_100001");
        assert!(catalog.custom_label(CO, CT, 100_002).is_some());
        assert!(catalog.custom_label(CT, CO, 279).is_none());
        // An unpaired label of an object to itself is one type; a paired one is two.
        let own: Vec<i64> = catalog
            .types_between(CT, CT)
            .iter()
            .map(|t| t.type_id)
            .collect();
        assert_eq!(own, vec![449, 100_003, 100_004, 100_005]);
        let reports = catalog.find_type(CT, CT, 100_005).unwrap();
        assert_eq!(
            (reports.label.as_deref(), reports.inverse_id),
            (Some("Reports to"), 100_004)
        );
        assert_eq!(catalog.default_type(CT, CO).unwrap().type_id, 279);
    }
}
