//! The component schemas of HubSpot's owners and pipelines APIs as this service answers
//! them: owners, pipelines, stages and their change history, named as HubSpot's SDKs name
//! the models, with the fields `api::owners`, `api::pipelines` and `api::pipeline_writes`
//! write.

use serde_json::{Map, Value as Json, json};

use super::schemas::{
    any_object, array, flag, named, number, object, one_of, reference, string_map, text, time,
};

/// Every owners and pipelines schema, by name.
pub fn all() -> Map<String, Json> {
    let mut schemas = owners();
    schemas.extend(pipelines());
    schemas.extend(pipeline_inputs());
    schemas
}

fn owners() -> Map<String, Json> {
    named(vec![
        (
            "PublicOwner",
            object(
                json!({
                    "id": text(), "email": text(), "firstName": text(), "lastName": text(),
                    "userId": number(), "userIdIncludingInactive": number(),
                    "type": one_of(&["PERSON", "QUEUE"]), "teams": array(any_object()),
                    "createdAt": time(), "updatedAt": time(), "archived": flag(),
                }),
                &[
                    "id",
                    "email",
                    "firstName",
                    "lastName",
                    "userId",
                    "type",
                    "createdAt",
                    "updatedAt",
                    "archived",
                ],
            ),
        ),
        (
            "CollectionResponsePublicOwnerForwardPaging",
            object(
                json!({ "results": array(reference("PublicOwner")), "paging": reference("ForwardPaging") }),
                &["results"],
            ),
        ),
    ])
}

/// The fields a pipeline and a stage share as `pipelines::pipeline_json` writes them.
fn dated(mut fields: Json) -> Json {
    for (name, schema) in [
        ("id", text()),
        ("label", text()),
        ("displayOrder", number()),
        ("archived", flag()),
        ("createdAt", time()),
        ("updatedAt", time()),
        ("archivedAt", time()),
    ] {
        fields[name] = schema;
    }
    fields
}

const DATED: [&str; 6] = [
    "id",
    "label",
    "displayOrder",
    "archived",
    "createdAt",
    "updatedAt",
];

fn pipelines() -> Map<String, Json> {
    let stage = dated(json!({ "metadata": string_map(), "writePermissions": text() }));
    let pipeline = dated(json!({ "stages": array(reference("PipelineStage")) }));
    let audit = object(
        json!({
            "identifier": text(), "action": one_of(&["CREATE", "UPDATE", "DELETE"]),
            "portalId": number(), "timestamp": time(), "message": text(),
            "rawObject": any_object(),
        }),
        &[
            "identifier",
            "action",
            "portalId",
            "timestamp",
            "message",
            "rawObject",
        ],
    );
    let results = |item: &str| object(json!({ "results": array(reference(item)) }), &["results"]);
    named(vec![
        (
            "PipelineStage",
            object(
                stage,
                &[&DATED[..], &["metadata", "writePermissions"]].concat(),
            ),
        ),
        (
            "Pipeline",
            object(pipeline, &[&DATED[..], &["stages"]].concat()),
        ),
        ("PublicAuditInfo", audit),
        ("CollectionResponsePipelineNoPaging", results("Pipeline")),
        (
            "CollectionResponsePipelineStageNoPaging",
            results("PipelineStage"),
        ),
        (
            "CollectionResponsePublicAuditInfoNoPaging",
            results("PublicAuditInfo"),
        ),
    ])
}

fn pipeline_inputs() -> Map<String, Json> {
    // Metadata values are kept as text; numbers and booleans are taken and turned into it.
    let metadata = json!({
        "type": "object",
        "additionalProperties": { "type": ["string", "number", "boolean"] },
    });
    let stage = json!({
        "stageId": text(), "label": text(), "displayOrder": number(), "metadata": metadata,
    });
    let mut stage_patch = stage.clone();
    stage_patch["archived"] = flag();
    named(vec![
        (
            "PipelineInput",
            object(
                json!({
                    "pipelineId": text(), "label": text(), "displayOrder": number(),
                    "stages": array(reference("PipelineStageInput")),
                }),
                &["label", "displayOrder", "stages"],
            ),
        ),
        (
            "PipelinePatchInput",
            object(
                json!({ "label": text(), "displayOrder": number(), "archived": flag() }),
                &[],
            ),
        ),
        (
            "PipelineStageInput",
            object(stage, &["label", "displayOrder"]),
        ),
        ("PipelineStagePatchInput", object(stage_patch, &[])),
    ])
}
