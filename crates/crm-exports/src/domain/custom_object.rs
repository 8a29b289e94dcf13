//! Custom object schemas (HubSpot's schemas API): a portal-defined object type `2-<n>` with
//! its name, labels, display and search settings and the association types defined for it,
//! plus the rules a new schema must meet and the system properties every custom object gets.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::ObjectType;
use super::property::{PropertyDefinition, PropertyGroup, PropertyType};

/// A custom object schema as stored: the parts that never change beside the editable
/// settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomObject {
    pub object: ObjectType,
    /// The internal name given on create, e.g. `cars`; unique in the portal, any letter case.
    pub name: String,
    /// `p<portalId>_<name>`, HubSpot's portal-qualified spelling.
    pub fully_qualified_name: String,
    pub settings: CustomObjectSettings,
    pub associations: Vec<AssociationDefinition>,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a schema's PATCH may change; stored as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomObjectSettings {
    pub labels: Labels,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub primary_display_property: Option<String>,
    #[serde(default)]
    pub secondary_display_properties: Vec<String>,
    #[serde(default)]
    pub required_properties: Vec<String>,
    #[serde(default)]
    pub searchable_properties: Vec<String>,
    #[serde(default)]
    pub allows_sensitive_properties: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    pub singular: String,
    pub plural: String,
}

/// A USER_DEFINED association type from `from` to `to`: the unlabeled type a custom object
/// schema defines, or a custom label made through the labels API (`label` set). Its inverse
/// (read from the other side) has its own type id, except an unpaired label of an object to
/// itself; `inverse_label` is a paired label's text read from the other side.
#[derive(Clone, Debug, PartialEq)]
pub struct AssociationDefinition {
    pub type_id: i64,
    pub inverse_id: i64,
    pub from: ObjectType,
    pub to: ObjectType,
    pub name: String,
    pub created_at: i64,
    pub label: Option<Arc<str>>,
    pub inverse_label: Option<Arc<str>>,
}

impl AssociationDefinition {
    /// Whether the labels API made it (a schema's own association types have no label).
    pub fn is_label(&self) -> bool {
        self.label.is_some()
    }
}

/// What the schemas API hands the store to create a custom object, checked already.
#[derive(Clone, Debug)]
pub struct NewCustomObject {
    pub name: String,
    pub settings: CustomObjectSettings,
    pub group: PropertyGroup,
    /// The system properties first, then the schema's own.
    pub properties: Vec<PropertyDefinition>,
    /// The objects to define an association type to, each with the definition's name.
    pub associated: Vec<(ObjectType, String)>,
}

impl CustomObject {
    /// The property shown for one of its records where a name is wanted: the primary display
    /// property, else the record id.
    pub fn display_property(&self) -> &str {
        self.settings
            .primary_display_property
            .as_deref()
            .unwrap_or("hs_object_id")
    }
}

/// The live custom object `segment` names by objectTypeId, fullyQualifiedName or name, in
/// any letter case.
pub fn find_live<'a, C: std::ops::Deref<Target = CustomObject>>(
    objects: &'a [C],
    segment: &str,
) -> Option<&'a CustomObject> {
    let parsed = ObjectType::parse(segment);
    objects.iter().map(|c| &**c).find(|c| {
        !c.archived
            && (Some(c.object) == parsed
                || segment.eq_ignore_ascii_case(&c.fully_qualified_name)
                || segment.eq_ignore_ascii_case(&c.name))
    })
}

pub fn fully_qualified_name(portal: i64, name: &str) -> String {
    format!("p{portal}_{name}")
}

/// A schema name: a letter, then letters, digits and underscores, at most 100 characters
/// (HubSpot's rule for internal names).
pub fn is_valid_object_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 100
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name` would shadow a standard object's name, which path segments resolve first.
pub fn is_reserved_object_name(name: &str) -> bool {
    ObjectType::STANDARD
        .iter()
        .any(|t| name.eq_ignore_ascii_case(&t.plural()) || name.eq_ignore_ascii_case(&t.singular()))
}

/// The group a custom object's own properties go into unless they name another.
pub fn default_group(name: &str, labels: &Labels) -> PropertyGroup {
    PropertyGroup {
        name: format!("{}_information", name.to_ascii_lowercase()),
        label: format!("{} information", labels.singular),
        display_order: 0,
        archived: false,
    }
}

/// The properties HubSpot maintains on every custom object: its id, created and modified
/// dates, the owner, and the pipeline and stage (their options follow the object's
/// pipelines once it has some, so records can be placed in them and exports label them).
pub fn system_properties(group: &str, labels: &Labels, now: i64) -> Vec<PropertyDefinition> {
    let system = |name: &str, label: String, property_type, field_type: &str| PropertyDefinition {
        read_only_value: true,
        read_only_definition: true,
        hubspot_defined: true,
        ..PropertyDefinition::custom(
            name.to_string(),
            label,
            property_type,
            field_type.to_string(),
            group.to_string(),
            now,
        )
    };
    let mut owner = system(
        "hubspot_owner_id",
        format!("{} owner", labels.singular),
        PropertyType::Enumeration,
        "select",
    );
    owner.read_only_value = false;
    owner.external_options = true;
    owner.referenced_object_type = Some("OWNER".to_string());
    let pipeline_property = |name: &str, label: &str| {
        let mut property = system(name, label.to_string(), PropertyType::Enumeration, "select");
        property.read_only_value = false;
        property.external_options = true;
        property
    };
    vec![
        system(
            "hs_object_id",
            "Record ID".to_string(),
            PropertyType::Number,
            "number",
        ),
        system(
            "hs_createdate",
            "Object create date/time".to_string(),
            PropertyType::Datetime,
            "date",
        ),
        system(
            "hs_lastmodifieddate",
            "Object last modified date/time".to_string(),
            PropertyType::Datetime,
            "date",
        ),
        owner,
        pipeline_property("hs_pipeline", "Pipeline"),
        pipeline_property("hs_pipeline_stage", "Pipeline stage"),
    ]
}

/// Checks that the settings name only properties the schema has; every problem is reported.
pub fn check_settings(
    settings: &CustomObjectSettings,
    properties: &[PropertyDefinition],
) -> Vec<String> {
    let mut problems = Vec::new();
    if settings.labels.singular.trim().is_empty() || settings.labels.plural.trim().is_empty() {
        problems.push("`labels` needs a non-empty `singular` and `plural`".to_string());
    }
    let known = |name: &str| properties.iter().any(|p| p.name == name);
    let mut check = |field: &str, names: &[String]| {
        for name in names.iter().filter(|n| !known(n)) {
            problems.push(format!(
                "{field} names {name:?}, which is not a property of this object"
            ));
        }
    };
    check(
        "primaryDisplayProperty",
        settings.primary_display_property.as_slice(),
    );
    check(
        "secondaryDisplayProperties",
        &settings.secondary_display_properties,
    );
    check("requiredProperties", &settings.required_properties);
    check("searchableProperties", &settings.searchable_properties);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            singular: "Car".into(),
            plural: "Cars".into(),
        }
    }

    #[test]
    fn names_follow_hubspots_rule_and_do_not_shadow_standard_objects() {
        assert!(is_valid_object_name("cars"));
        assert!(is_valid_object_name("Car_2"));
        for bad in ["", "2cars", "_cars", "my-cars", "cärs", &"a".repeat(101)] {
            assert!(!is_valid_object_name(bad), "{bad}");
        }
        assert!(is_reserved_object_name("Contacts"));
        assert!(is_reserved_object_name("deal"));
        assert!(!is_reserved_object_name("cars"));
    }

    #[test]
    fn settings_may_name_only_the_schemas_properties() {
        let group = default_group("cars", &labels());
        assert_eq!(group.name, "cars_information");
        let properties = system_properties(&group.name, &labels(), 0);
        let mut settings = CustomObjectSettings {
            labels: labels(),
            primary_display_property: Some("hs_object_id".into()),
            ..Default::default()
        };
        assert!(check_settings(&settings, &properties).is_empty());
        settings.searchable_properties = vec!["vin".into()];
        settings.labels.plural = " ".into();
        let problems = check_settings(&settings, &properties);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("\"vin\""));
    }
}
