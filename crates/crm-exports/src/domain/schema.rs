//! A portal's schema for one object type: its property definitions and groups, as the API
//! validates writes and reads against them.

use std::collections::HashMap;

use super::ObjectType;
use super::property::{PropertyDefinition, PropertyGroup};
use super::search::PropertyLookup;

#[derive(Clone, Debug)]
pub struct ObjectSchema {
    pub object: ObjectType,
    pub properties: Vec<PropertyDefinition>,
    pub groups: Vec<PropertyGroup>,
    /// Where each name first appears in `properties`: a batch write looks up every
    /// property of every input, and an object has about a hundred.
    by_name: HashMap<String, usize>,
}

impl ObjectSchema {
    pub fn new(
        object: ObjectType,
        properties: Vec<PropertyDefinition>,
        groups: Vec<PropertyGroup>,
    ) -> Self {
        let mut by_name = HashMap::with_capacity(properties.len());
        for (i, p) in properties.iter().enumerate() {
            by_name.entry(p.name.clone()).or_insert(i);
        }
        Self {
            object,
            properties,
            groups,
            by_name,
        }
    }

    pub fn property(&self, name: &str) -> Option<&PropertyDefinition> {
        self.by_name.get(name).map(|&i| &self.properties[i])
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
