//! HubSpot's default property definitions and groups for the standard objects, embedded in
//! the binary from the JSON files beside this module and seeded into every new portal.

use std::sync::OnceLock;

use serde::Deserialize;

use super::ObjectType;
use super::property::{PropertyDefinition, PropertyGroup};

#[derive(Debug, Deserialize)]
pub struct ObjectDefaults {
    pub groups: Vec<PropertyGroup>,
    pub properties: Vec<PropertyDefinition>,
}

fn source(object: ObjectType) -> &'static str {
    match object {
        ObjectType::Contacts => include_str!("contacts.json"),
        ObjectType::Companies => include_str!("companies.json"),
        ObjectType::Deals => include_str!("deals.json"),
        ObjectType::Tickets => include_str!("tickets.json"),
        // Custom objects get theirs from their schema (domain::custom_object).
        ObjectType::Custom(_) => r#"{"groups": [], "properties": []}"#,
    }
}

/// The defaults for `object`, parsed once per process; a custom object has none.
pub fn for_object(object: ObjectType) -> &'static ObjectDefaults {
    static NONE: ObjectDefaults = ObjectDefaults {
        groups: Vec::new(),
        properties: Vec::new(),
    };
    static PARSED: OnceLock<Vec<ObjectDefaults>> = OnceLock::new();
    let all = PARSED.get_or_init(|| {
        ObjectType::STANDARD
            .iter()
            .map(|t| {
                let mut defaults: ObjectDefaults = serde_json::from_str(source(*t))
                    .unwrap_or_else(|e| panic!("embedded defaults for {t} are invalid: {e}"));
                for p in &mut defaults.properties {
                    p.hubspot_defined = true;
                }
                defaults
            })
            .collect()
    });
    match ObjectType::STANDARD.iter().position(|t| *t == object) {
        Some(index) => &all[index],
        None => &NONE,
    }
}

/// Gives a stored HubSpot-defined property the option translations of the defaults when it
/// was saved without them (portals created before the defaults carried them). An option
/// the portal added or relabelled keeps no translation: its label is the portal's own.
pub fn fill_option_translations(object: ObjectType, property: &mut PropertyDefinition) {
    if !property.hubspot_defined {
        return;
    }
    let Some(default) = for_object(object)
        .properties
        .iter()
        .find(|p| p.name == property.name)
    else {
        return;
    };
    for option in property
        .options
        .iter_mut()
        .filter(|o| o.translations.is_empty())
    {
        if let Some(d) = default
            .options
            .iter()
            .find(|d| d.value == option.value && d.label == option.label)
        {
            option.translations = d.translations.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::property::system_field;

    #[test]
    fn every_worded_default_option_has_a_label_in_each_export_language() {
        for t in ObjectType::STANDARD {
            for p in &for_object(t).properties {
                // Ranges such as "1-5" and "1000+" read the same everywhere.
                for o in p
                    .options
                    .iter()
                    .filter(|o| !o.label.starts_with(char::is_numeric))
                {
                    for language in ["fr", "de", "es", "ja"] {
                        let label = o.translations.get(language);
                        assert!(
                            label.is_some_and(|l| !l.trim().is_empty()),
                            "{t}.{} option {} has no {language} label",
                            p.name,
                            o.value
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn definitions_stored_without_option_translations_get_the_defaults_ones() {
        let mut stored = for_object(ObjectType::Contacts)
            .properties
            .iter()
            .find(|p| p.name == "lifecyclestage")
            .unwrap()
            .clone();
        for o in &mut stored.options {
            o.translations.clear();
        }
        // The portal relabelled one option: its own label is kept in every language.
        stored.options[0].label = "Newsletter reader".into();
        fill_option_translations(ObjectType::Contacts, &mut stored);
        let french = stored.with_option_labels_in("fr");
        let label = |value: &str| {
            french
                .options
                .iter()
                .find(|o| o.value == value)
                .unwrap()
                .label
                .clone()
        };
        assert_eq!(label("customer"), "Client");
        assert_eq!(label("subscriber"), "Newsletter reader");
    }

    #[test]
    fn every_object_defines_its_system_and_default_properties() {
        for t in ObjectType::STANDARD {
            let d = for_object(t);
            let has = |name: &str| d.properties.iter().any(|p| p.name == name);
            for name in t.default_properties() {
                assert!(has(name), "{t} lacks default property {name}");
            }
            assert!(
                d.properties.iter().any(|p| p.searchable),
                "{t} has nothing searchable"
            );
            for p in &d.properties {
                assert!(
                    d.groups.iter().any(|g| g.name == p.group_name),
                    "{t}.{} is in unknown group {}",
                    p.name,
                    p.group_name
                );
                assert!(
                    p.property_type
                        .valid_field_types()
                        .contains(&p.field_type.as_str())
                        || p.calculated
                        || p.read_only_value,
                    "{t}.{} has type {:?} with fieldType {}",
                    p.name,
                    p.property_type,
                    p.field_type
                );
                if system_field(t, &p.name).is_some() {
                    assert!(p.read_only_value, "{t}.{} must be read-only", p.name);
                }
            }
        }
    }
}
