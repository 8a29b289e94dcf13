//! What a client may send to create or change a pipeline or a stage, parsed from the JSON
//! body with every problem collected: labels, display orders, the stages of a pipeline
//! (labels unique within it), and stage metadata as HubSpot checks it per object type
//! (deals need a `probability` from 0.0 to 1.0, tickets may give `ticketState` OPEN or
//! CLOSED). Metadata values are kept as strings, as HubSpot returns them.

use serde_json::{Map, Value};

use super::ObjectType;

#[derive(Clone, Debug, PartialEq)]
pub struct StageInput {
    /// The id the client asks for (HubSpot's `stageId`); otherwise one is made.
    pub id: Option<String>,
    pub label: String,
    pub display_order: i32,
    pub metadata: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PipelineInput {
    /// The id the client asks for on create (HubSpot's `pipelineId`); otherwise one is made.
    pub id: Option<String>,
    pub label: String,
    pub display_order: i32,
    pub stages: Vec<StageInput>,
}

/// A pipeline's PATCH: only what is given changes; `archived` may only be `false` (restore).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PipelinePatch {
    pub label: Option<String>,
    pub display_order: Option<i32>,
    pub archived: Option<bool>,
}

/// A stage's PATCH, as [`PipelinePatch`] plus its metadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StagePatch {
    pub label: Option<String>,
    pub display_order: Option<i32>,
    pub archived: Option<bool>,
    pub metadata: Option<Map<String, Value>>,
}

type Problems = Vec<String>;

fn object_of<'a>(
    body: &'a Value,
    what: &str,
    problems: &mut Problems,
) -> Option<&'a Map<String, Value>> {
    let object = body.as_object();
    if object.is_none() {
        problems.push(format!("{what} must be a JSON object"));
    }
    object
}

fn label(body: &Map<String, Value>, required: bool, problems: &mut Problems) -> Option<String> {
    match body.get("label") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        None | Some(Value::Null) if !required => None,
        None | Some(Value::Null) => {
            problems.push("label is required".to_string());
            None
        }
        Some(_) => {
            problems.push("label must be a non-empty string".to_string());
            None
        }
    }
}

fn display_order(
    body: &Map<String, Value>,
    required: bool,
    problems: &mut Problems,
) -> Option<i32> {
    match body.get("displayOrder") {
        Some(Value::Number(n)) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                problems.push(format!("displayOrder must be an integer, not {n}"));
                None
            }
        },
        None | Some(Value::Null) if !required => None,
        None | Some(Value::Null) => {
            problems.push("displayOrder is required".to_string());
            None
        }
        Some(other) => {
            problems.push(format!("displayOrder must be an integer, not {other}"));
            None
        }
    }
}

fn archived(body: &Map<String, Value>, problems: &mut Problems) -> Option<bool> {
    match body.get("archived") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            problems.push(format!("archived must be a boolean, not {other}"));
            None
        }
    }
}

/// A metadata value as text: strings, numbers and booleans; anything else is refused.
fn metadata_text(key: &str, value: &Value, problems: &mut Problems) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => {
            problems.push(format!("metadata.{key} must be a string, not {other}"));
            None
        }
    }
}

/// A stage's metadata as HubSpot checks it for `object`, values as strings.
pub fn parse_metadata(
    object: ObjectType,
    raw: Option<&Value>,
    problems: &mut Problems,
) -> Map<String, Value> {
    let mut metadata = Map::new();
    match raw {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (key, value) in given {
                if let Some(text) = metadata_text(key, value, problems) {
                    metadata.insert(key.clone(), Value::String(text));
                }
            }
        }
        Some(other) => problems.push(format!("metadata must be an object, not {other}")),
    }
    let text =
        |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    match object {
        ObjectType::Deals => {
            match text(&metadata, "probability").map(|p| (p.parse::<f64>(), p)) {
                Some((Ok(p), _)) if (0.0..=1.0).contains(&p) => {}
                Some((_, given)) => problems.push(format!(
                    "metadata.probability must be a number from 0.0 to 1.0, not {given:?}"
                )),
                None => {
                    problems.push("metadata.probability is required for deal stages".to_string())
                }
            }
            match text(&metadata, "isClosed").as_deref() {
                None => {
                    metadata.insert("isClosed".into(), Value::String("false".into()));
                }
                Some("true" | "false") => {}
                Some(other) => problems.push(format!(
                    "metadata.isClosed must be true or false, not {other:?}"
                )),
            }
        }
        ObjectType::Tickets => match text(&metadata, "ticketState").map(|s| s.to_ascii_uppercase())
        {
            None => {
                metadata.insert("ticketState".into(), Value::String("OPEN".into()));
            }
            Some(state) if state == "OPEN" || state == "CLOSED" => {
                metadata.insert("ticketState".into(), Value::String(state));
            }
            Some(other) => problems.push(format!(
                "metadata.ticketState must be OPEN or CLOSED, not {other:?}"
            )),
        },
        _ => {}
    }
    metadata
}

/// An id the client chose (`stageId`, `pipelineId`), if given.
fn chosen_id(body: &Map<String, Value>, key: &str, problems: &mut Problems) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(other) => {
            problems.push(format!("{key} must be a non-empty string, not {other}"));
            None
        }
    }
}

fn collect_stage(object: ObjectType, body: &Value, problems: &mut Problems) -> Option<StageInput> {
    let before = problems.len();
    let body = object_of(body, "A stage", problems)?;
    let id = chosen_id(body, "stageId", problems);
    let label = label(body, true, problems);
    let display_order = display_order(body, true, problems);
    let metadata = parse_metadata(object, body.get("metadata"), problems);
    if problems.len() > before {
        return None;
    }
    Some(StageInput {
        id,
        label: label?,
        display_order: display_order?,
        metadata,
    })
}

fn done<T>(value: Option<T>, problems: Problems) -> Result<T, Problems> {
    match value {
        Some(v) if problems.is_empty() => Ok(v),
        _ if problems.is_empty() => Err(vec!["The request body is not valid".to_string()]),
        _ => Err(problems),
    }
}

/// A stage to create or to replace one with.
pub fn parse_stage(object: ObjectType, body: &Value) -> Result<StageInput, Problems> {
    let mut problems = Vec::new();
    let stage = collect_stage(object, body, &mut problems);
    done(stage, problems)
}

/// A pipeline to create or to replace one with: at least one stage, stage labels unique
/// within it (ignoring case), stage ids given at most once.
pub fn parse_pipeline(object: ObjectType, body: &Value) -> Result<PipelineInput, Problems> {
    let mut problems = Vec::new();
    let Some(map) = object_of(body, "The pipeline", &mut problems) else {
        return Err(problems);
    };
    let id = chosen_id(map, "pipelineId", &mut problems);
    let label = label(map, true, &mut problems);
    let display_order = display_order(map, true, &mut problems);
    let mut stages = Vec::new();
    match map.get("stages") {
        Some(Value::Array(items)) if !items.is_empty() => {
            for item in items {
                stages.extend(collect_stage(object, item, &mut problems));
            }
        }
        Some(Value::Array(_)) => problems.push("A pipeline needs at least one stage".to_string()),
        None | Some(Value::Null) => problems.push("stages is required".to_string()),
        Some(other) => problems.push(format!("stages must be an array, not {other}")),
    }
    for (i, stage) in stages.iter().enumerate() {
        let earlier = &stages[..i];
        if earlier
            .iter()
            .any(|s| s.label.eq_ignore_ascii_case(&stage.label))
        {
            problems.push(format!(
                "Stage labels must be unique within a pipeline: {:?}",
                stage.label
            ));
        }
        if stage.id.is_some() && earlier.iter().any(|s| s.id == stage.id) {
            problems.push(format!(
                "stageId {:?} is given twice",
                stage.id.as_deref().unwrap_or("")
            ));
        }
    }
    let input = match (label, display_order) {
        (Some(label), Some(display_order)) => Some(PipelineInput {
            id,
            label,
            display_order,
            stages,
        }),
        _ => None,
    };
    done(input, problems)
}

pub fn parse_pipeline_patch(body: &Value) -> Result<PipelinePatch, Problems> {
    let mut problems = Vec::new();
    let Some(map) = object_of(body, "The pipeline", &mut problems) else {
        return Err(problems);
    };
    let patch = PipelinePatch {
        label: label(map, false, &mut problems),
        display_order: display_order(map, false, &mut problems),
        archived: archived(map, &mut problems),
    };
    done(Some(patch), problems)
}

pub fn parse_stage_patch(object: ObjectType, body: &Value) -> Result<StagePatch, Problems> {
    let mut problems = Vec::new();
    let Some(map) = object_of(body, "The stage", &mut problems) else {
        return Err(problems);
    };
    let metadata = match map.get("metadata") {
        None | Some(Value::Null) => None,
        given => Some(parse_metadata(object, given, &mut problems)),
    };
    let patch = StagePatch {
        label: label(map, false, &mut problems),
        display_order: display_order(map, false, &mut problems),
        archived: archived(map, &mut problems),
        metadata,
    };
    done(Some(patch), problems)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn deal_stages_need_a_probability_from_zero_to_one() {
        let stage = |metadata: Value| {
            parse_stage(
                ObjectType::Deals,
                &json!({"label": "Won", "displayOrder": 1, "metadata": metadata}),
            )
        };
        let won = stage(json!({"probability": 1.0})).unwrap();
        assert_eq!(won.metadata["probability"], "1.0");
        assert_eq!(won.metadata["isClosed"], "false");
        assert_eq!(
            stage(json!({"probability": "0.5"})).unwrap().metadata["probability"],
            "0.5"
        );
        for bad in [
            json!({}),
            json!({"probability": 1.5}),
            json!({"probability": "high"}),
            json!({"probability": [1]}),
        ] {
            assert!(stage(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn ticket_stages_are_open_or_closed() {
        let stage = |metadata: Value| {
            parse_stage(
                ObjectType::Tickets,
                &json!({"label": "Done", "displayOrder": 0, "metadata": metadata}),
            )
        };
        assert_eq!(
            stage(json!({"ticketState": "closed"})).unwrap().metadata["ticketState"],
            "CLOSED"
        );
        assert_eq!(stage(json!({})).unwrap().metadata["ticketState"], "OPEN");
        assert!(stage(json!({"ticketState": "PENDING"})).is_err());
    }

    #[test]
    fn a_pipeline_needs_a_label_an_order_and_stages_with_unique_labels() {
        let stage = |label: &str| json!({"label": label, "displayOrder": 0, "metadata": {"probability": 0.1}});
        let good = json!({"label": "New", "displayOrder": 2, "stages": [stage("A"), stage("B")]});
        let parsed = parse_pipeline(ObjectType::Deals, &good).unwrap();
        assert_eq!(parsed.stages.len(), 2);
        let twice = json!({"label": "New", "displayOrder": 2, "stages": [stage("A"), stage("a")]});
        assert!(parse_pipeline(ObjectType::Deals, &twice).is_err());
        let problems = parse_pipeline(ObjectType::Deals, &json!({"stages": []})).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(parse_pipeline(ObjectType::Deals, &json!([1])).is_err());
    }
}
