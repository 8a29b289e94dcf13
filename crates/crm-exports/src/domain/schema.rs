//! A portal's schema for one object type: its property definitions and groups (and, for a
//! custom object, its schema's names and settings, and for objects with pipelines the
//! portal's pipelines), as the API validates writes and reads against them.

use std::collections::HashMap;
use std::sync::Arc;

use super::ObjectType;
use super::custom_object::CustomObject;
use super::pipeline::{Pipeline, default_pipelines};
use super::property::{PropertyDefinition, PropertyGroup};
use super::search::PropertyLookup;

#[derive(Clone, Debug)]
pub struct ObjectSchema {
    pub object: ObjectType,
    /// The live properties; archived ones are in `archived_properties`.
    pub properties: Vec<PropertyDefinition>,
    pub archived_properties: Vec<PropertyDefinition>,
    /// The live groups (archived ones are left out).
    pub groups: Vec<PropertyGroup>,
    /// The schema of a custom object; `None` for the standard types.
    pub custom: Option<Arc<CustomObject>>,
    /// Where each name first appears in `properties`: a batch write looks up every
    /// property of every input, and an object has about a hundred.
    by_name: HashMap<String, usize>,
    /// The portal's own pipelines, once it has changed any; `None` means HubSpot's defaults.
    pipelines: Option<Arc<[Pipeline]>>,
}

impl ObjectSchema {
    pub fn new(
        object: ObjectType,
        properties: Vec<PropertyDefinition>,
        groups: Vec<PropertyGroup>,
    ) -> Self {
        let (archived_properties, properties): (Vec<_>, Vec<_>) =
            properties.into_iter().partition(|p| p.is_archived());
        let groups = groups.into_iter().filter(|g| !g.archived).collect();
        let mut by_name = HashMap::with_capacity(properties.len());
        for (i, p) in properties.iter().enumerate() {
            by_name.entry(p.name.clone()).or_insert(i);
        }
        Self {
            object,
            properties,
            archived_properties,
            groups,
            by_name,
            custom: None,
            pipelines: None,
        }
    }

    /// The schema with the portal's own pipelines (archived ones included).
    pub fn with_pipelines(mut self, pipelines: Vec<Pipeline>) -> Self {
        self.pipelines = Some(pipelines.into());
        self
    }

    /// The portal's pipelines of this object type, archived ones included: its own once it
    /// has changed any, else HubSpot's defaults (none for objects without pipelines).
    pub fn pipelines(&self) -> &[Pipeline] {
        match &self.pipelines {
            Some(own) => own,
            None => default_pipelines(self.object).unwrap_or(&[]),
        }
    }

    /// The singular label, e.g. `Contact` or a custom object's own.
    pub fn singular_label(&self) -> String {
        match (&self.custom, self.object) {
            (Some(custom), _) => custom.settings.labels.singular.clone(),
            (None, ObjectType::Contacts) => "Contact".to_string(),
            (None, ObjectType::Companies) => "Company".to_string(),
            (None, ObjectType::Deals) => "Deal".to_string(),
            (None, ObjectType::Tickets) => "Ticket".to_string(),
            (None, other) => other.type_id().into_owned(),
        }
    }

    /// The property shown for a record where a name is wanted (association display columns):
    /// contacts their email (unique and always meaningful), the other standard objects their
    /// name property, a custom object its primary display property.
    pub fn display_property(&self) -> String {
        match (&self.custom, self.object) {
            (Some(custom), _) => custom.display_property().to_string(),
            (None, ObjectType::Contacts) => "email".to_string(),
            (None, ObjectType::Companies) => "name".to_string(),
            (None, ObjectType::Deals) => "dealname".to_string(),
            (None, ObjectType::Tickets) => "subject".to_string(),
            (None, _) => "hs_object_id".to_string(),
        }
    }

    /// A custom object's schema: the search `query` looks in its searchable properties.
    pub fn for_custom(
        custom: CustomObject,
        mut properties: Vec<PropertyDefinition>,
        groups: Vec<PropertyGroup>,
    ) -> Self {
        for p in &mut properties {
            p.searchable = custom.settings.searchable_properties.contains(&p.name);
        }
        let mut schema = Self::new(custom.object, properties, groups);
        schema.custom = Some(Arc::new(custom));
        schema
    }

    pub fn property(&self, name: &str) -> Option<&PropertyDefinition> {
        self.by_name.get(name).map(|&i| &self.properties[i])
    }

    /// An archived property by name (archived ones are not in `properties`).
    pub fn archived_property(&self, name: &str) -> Option<&PropertyDefinition> {
        self.archived_properties.iter().find(|p| p.name == name)
    }

    /// The property a write or read may be keyed by, if `name` is unique for this object.
    pub fn unique_property(&self, name: &str) -> Option<&PropertyDefinition> {
        self.property(name).filter(|p| p.is_unique(self.object))
    }
}

impl PropertyLookup for ObjectSchema {
    fn property(&self, name: &str) -> Option<&PropertyDefinition> {
        ObjectSchema::property(self, name)
    }
    fn searchable(&self) -> Vec<PropertyDefinition> {
        self.properties.as_slice().searchable()
    }
}
