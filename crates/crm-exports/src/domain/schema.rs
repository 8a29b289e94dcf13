//! A portal's schema for one object type: its property definitions and groups, as the API
//! validates writes and reads against them.

use super::ObjectType;
use super::property::{PropertyDefinition, PropertyGroup};
use super::search::PropertyLookup;

#[derive(Clone, Debug)]
pub struct ObjectSchema {
    pub object: ObjectType,
    pub properties: Vec<PropertyDefinition>,
    pub groups: Vec<PropertyGroup>,
}

impl ObjectSchema {
    pub fn property(&self, name: &str) -> Option<&PropertyDefinition> {
        self.properties.iter().find(|p| p.name == name)
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
