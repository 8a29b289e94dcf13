//! Pipelines and their stages for deals, tickets and custom objects: HubSpot's default
//! sales and support pipelines, embedded from `defaults/pipelines.json`, which every portal
//! starts with; where a record belongs in them; and the options the pipeline and stage
//! properties offer, kept in step with the portal's pipelines.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::ObjectType;
use super::property::{PropertyDefinition, PropertyOption};

/// Who may move records into a stage; HubSpot's stages made through the API all have this.
pub const WRITE_PERMISSIONS: &str = "CRM_PERMISSIONS_ENFORCEMENT";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub archived: bool,
    /// Milliseconds since the epoch; HubSpot's defaults were made at 0.
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<i64>,
}

impl Pipeline {
    /// The stages not archived, in display order (ties by label, as HubSpot sorts them).
    pub fn live_stages(&self) -> Vec<&Stage> {
        let mut stages: Vec<&Stage> = self.stages.iter().filter(|s| !s.archived).collect();
        stages.sort_by(|a, b| (a.display_order, &a.label).cmp(&(b.display_order, &b.label)));
        stages
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
}

/// The pipelines not archived, in display order (ties by label).
pub fn live_pipelines(all: &[Pipeline]) -> Vec<&Pipeline> {
    let mut live: Vec<&Pipeline> = all.iter().filter(|p| !p.archived).collect();
    live.sort_by(|a, b| (a.display_order, &a.label).cmp(&(b.display_order, &b.label)));
    live
}

/// Whether records of `object` move through pipelines.
pub fn has_pipelines(object: ObjectType) -> bool {
    matches!(
        object,
        ObjectType::Deals | ObjectType::Tickets | ObjectType::Custom(_)
    )
}

#[derive(Deserialize)]
struct Defaults {
    deals: Vec<Pipeline>,
    tickets: Vec<Pipeline>,
}

/// HubSpot's default pipelines of an object type; `None` for types that start with none.
pub fn default_pipelines(object: ObjectType) -> Option<&'static [Pipeline]> {
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

/// The pipeline and stage properties of an object type, if it has pipelines.
pub fn pipeline_properties(object: ObjectType) -> Option<(&'static str, &'static str)> {
    match object {
        ObjectType::Deals => Some(("pipeline", "dealstage")),
        ObjectType::Tickets | ObjectType::Custom(_) => Some(("hs_pipeline", "hs_pipeline_stage")),
        _ => None,
    }
}

/// For a new record: a ticket without pipeline or stage lands in the first pipeline's first
/// stage, as HubSpot places it; and for any write naming both, the stage must belong to the
/// pipeline. `all` are the portal's pipelines of `object`; `values` are (property, value)
/// pairs as parsed from the request.
pub fn place_in_pipeline(
    object: ObjectType,
    all: &[Pipeline],
    values: &mut Vec<(String, Option<super::Value>)>,
    creating: bool,
) -> Result<(), super::value_error::PropertyValueError> {
    let Some((pipeline_prop, stage_prop)) = pipeline_properties(object) else {
        return Ok(());
    };
    let text = |name: &str, values: &Vec<(String, Option<super::Value>)>| -> Option<String> {
        values
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| match v {
                Some(super::Value::Text(t)) => Some(t.clone()),
                _ => None,
            })
    };
    let live = live_pipelines(all);
    if creating
        && object == ObjectType::Tickets
        && let Some(first) = live.first()
    {
        let pipeline = text(pipeline_prop, values).unwrap_or_else(|| first.id.clone());
        if text(pipeline_prop, values).is_none() {
            values.push((
                pipeline_prop.to_string(),
                Some(super::Value::Text(pipeline.clone())),
            ));
        }
        if text(stage_prop, values).is_none()
            && let Some(stage) = live
                .iter()
                .find(|p| p.id == pipeline)
                .and_then(|p| p.live_stages().first().copied())
        {
            values.push((
                stage_prop.to_string(),
                Some(super::Value::Text(stage.id.clone())),
            ));
        }
    }
    if let (Some(pipeline), Some(stage)) = (text(pipeline_prop, values), text(stage_prop, values))
        && let Some(p) = all.iter().find(|p| p.id == pipeline)
        && p.stage(&stage).is_none()
    {
        return Err(super::value_error::PropertyValueError::new(
            stage_prop,
            "INVALID_OPTION",
            format!("Stage {stage:?} is not a stage of pipeline {pipeline:?}"),
        ));
    }
    Ok(())
}

/// Gives the pipeline and stage properties the options `all` offer: every pipeline, and
/// every stage of every pipeline, in display order. Archived ones stay as hidden options,
/// so records still in them keep their labels; options left as they were keep their
/// translations. Other properties are left as they are.
pub fn sync_options(object: ObjectType, property: &mut PropertyDefinition, all: &[Pipeline]) {
    let Some((pipeline_prop, stage_prop)) = pipeline_properties(object) else {
        return;
    };
    let mut ordered: Vec<&Pipeline> = all.iter().collect();
    ordered.sort_by_key(|p| (p.archived, p.display_order, p.label.clone()));
    // An option whose value and label are unchanged keeps its translations (the defaults').
    let before = std::mem::take(&mut property.options);
    let option = |label: &str, value: &str, order: usize, hidden: bool| PropertyOption {
        label: label.to_string(),
        value: value.to_string(),
        display_order: i32::try_from(order).unwrap_or(i32::MAX),
        hidden,
        description: None,
        translations: before
            .iter()
            .find(|o| o.value == value && o.label == label)
            .map(|o| o.translations.clone())
            .unwrap_or_default(),
    };
    if property.name == pipeline_prop {
        property.options = ordered
            .iter()
            .enumerate()
            .map(|(i, p)| option(&p.label, &p.id, i, p.archived))
            .collect();
    } else if property.name == stage_prop {
        let mut options = Vec::new();
        for p in ordered {
            let mut stages: Vec<&Stage> = p.stages.iter().collect();
            stages.sort_by_key(|s| (s.archived, s.display_order, s.label.clone()));
            for s in stages {
                let hidden = p.archived || s.archived;
                options.push(option(&s.label, &s.id, options.len(), hidden));
            }
        }
        property.options = options;
    } else {
        property.options = before;
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
            let all = default_pipelines(object).unwrap();
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
        assert!(default_pipelines(ObjectType::Contacts).is_none());
    }

    #[test]
    fn synced_options_of_the_defaults_are_the_defaults_options() {
        for (object, names) in [
            (ObjectType::Deals, ["pipeline", "dealstage"]),
            (ObjectType::Tickets, ["hs_pipeline", "hs_pipeline_stage"]),
        ] {
            for name in names {
                let defaults = &defaults::for_object(object).properties;
                let stored = defaults.iter().find(|p| p.name == name).unwrap();
                let mut synced = stored.clone();
                sync_options(object, &mut synced, default_pipelines(object).unwrap());
                let shown = |p: &PropertyDefinition| -> Vec<(String, String, bool)> {
                    let options = p.options.iter();
                    options
                        .map(|o| (o.value.clone(), o.label.clone(), o.translations.is_empty()))
                        .collect()
                };
                assert_eq!(shown(&synced), shown(stored), "{name}");
            }
        }
    }
}
