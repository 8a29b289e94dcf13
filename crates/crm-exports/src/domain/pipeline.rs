//! Pipelines and their stages for deals and tickets: HubSpot's default sales and support
//! pipelines, embedded from `defaults/pipelines.json`. They are the same for every portal;
//! editing pipelines is not offered.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::ObjectType;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    pub stages: Vec<Stage>,
}

#[derive(Deserialize)]
struct Defaults {
    deals: Vec<Pipeline>,
    tickets: Vec<Pipeline>,
}

/// The pipelines of an object type; `None` for types without pipelines.
pub fn pipelines(object: ObjectType) -> Option<&'static [Pipeline]> {
    static PARSED: OnceLock<Defaults> = OnceLock::new();
    let defaults = PARSED.get_or_init(|| {
        serde_json::from_str(include_str!("defaults/pipelines.json"))
            .unwrap_or_else(|e| panic!("embedded pipelines are invalid: {e}"))
    });
    match object {
        ObjectType::Deals => Some(&defaults.deals),
        ObjectType::Tickets => Some(&defaults.tickets),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::defaults;

    #[test]
    fn stage_properties_offer_exactly_the_pipelines_stages() {
        for (object, pipeline_property, stage_property) in [
            (ObjectType::Deals, "pipeline", "dealstage"),
            (ObjectType::Tickets, "hs_pipeline", "hs_pipeline_stage"),
        ] {
            let all = pipelines(object).unwrap();
            let props = &defaults::for_object(object).properties;
            let options = |name: &str| -> Vec<String> {
                let p = props.iter().find(|p| p.name == name).unwrap();
                p.options.iter().map(|o| o.value.clone()).collect()
            };
            let ids: Vec<String> = all.iter().map(|p| p.id.clone()).collect();
            let stages: Vec<String> = all
                .iter()
                .flat_map(|p| p.stages.iter().map(|s| s.id.clone()))
                .collect();
            assert_eq!(options(pipeline_property), ids);
            assert_eq!(options(stage_property), stages);
        }
        assert!(pipelines(ObjectType::Contacts).is_none());
    }
}
