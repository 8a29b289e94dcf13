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

/// The pipeline and stage properties of an object type, if it has pipelines.
pub fn pipeline_properties(object: ObjectType) -> Option<(&'static str, &'static str)> {
    match object {
        ObjectType::Deals => Some(("pipeline", "dealstage")),
        ObjectType::Tickets => Some(("hs_pipeline", "hs_pipeline_stage")),
        _ => None,
    }
}

/// For a new record: a ticket without pipeline or stage lands in the default pipeline's first
/// stage, as HubSpot places it; and for any write naming both, the stage must belong to the
/// pipeline. `values` are (property, value) pairs as parsed from the request.
pub fn place_in_pipeline(
    object: ObjectType,
    values: &mut Vec<(String, Option<super::Value>)>,
    creating: bool,
) -> Result<(), super::value_error::PropertyValueError> {
    let (Some((pipeline_prop, stage_prop)), Some(all)) =
        (pipeline_properties(object), pipelines(object))
    else {
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
    if creating && object == ObjectType::Tickets {
        let pipeline = text(pipeline_prop, values).unwrap_or_else(|| all[0].id.clone());
        if text(pipeline_prop, values).is_none() {
            values.push((
                pipeline_prop.to_string(),
                Some(super::Value::Text(pipeline.clone())),
            ));
        }
        if text(stage_prop, values).is_none()
            && let Some(first) = all
                .iter()
                .find(|p| p.id == pipeline)
                .and_then(|p| p.stages.first())
        {
            values.push((
                stage_prop.to_string(),
                Some(super::Value::Text(first.id.clone())),
            ));
        }
    }
    if let (Some(pipeline), Some(stage)) = (text(pipeline_prop, values), text(stage_prop, values))
        && let Some(p) = all.iter().find(|p| p.id == pipeline)
        && !p.stages.iter().any(|s| s.id == stage)
    {
        return Err(super::value_error::PropertyValueError::new(
            stage_prop,
            "INVALID_OPTION",
            format!("Stage {stage:?} is not a stage of pipeline {pipeline:?}"),
        ));
    }
    Ok(())
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
