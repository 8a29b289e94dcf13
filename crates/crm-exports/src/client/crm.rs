//! The CRM definitions the client reads to check a request before blaming the server:
//! a portal's custom object schemas (to resolve `--object cars`) and an object's property
//! names (to suggest the nearest ones for a typo), on paths HubSpot and this service share.

use serde::Deserialize;

use super::{Client, ClientResult};

/// One custom object schema, as much of it as the client needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomObjectSchema {
    pub object_type_id: String,
    pub name: String,
    #[serde(default)]
    pub fully_qualified_name: Option<String>,
    #[serde(default)]
    pub primary_display_property: Option<String>,
}

#[derive(Deserialize)]
struct Results<T> {
    results: Vec<T>,
}

#[derive(Deserialize)]
struct PropertyName {
    name: String,
}

impl Client {
    /// The portal's custom object schemas.
    pub async fn custom_object_schemas(&self) -> ClientResult<Vec<CustomObjectSchema>> {
        let page: Results<CustomObjectSchema> = self.get("/crm-object-schemas/v3/schemas").await?;
        Ok(page.results)
    }

    /// The names of every property of `object_type` (an objectTypeId or name).
    pub async fn property_names(&self, object_type: &str) -> ClientResult<Vec<String>> {
        let page: Results<PropertyName> = self
            .get(&format!("/crm/v3/properties/{object_type}"))
            .await?;
        Ok(page.results.into_iter().map(|p| p.name).collect())
    }
}
