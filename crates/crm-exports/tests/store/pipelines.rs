//! Pipelines: HubSpot's defaults until the first edit, edits saved with their audit events
//! and reflected in the pipeline and stage properties' options, refusals that change
//! nothing, and deletes refused while records use what they take away (when asked).

use serde_json::json;

use crm_exports::domain::ObjectType;
use crm_exports::domain::pipeline::default_pipelines;
use crm_exports::domain::pipeline_edit::{Answer, AuditAction, PipelineEdit, PipelineError};
use crm_exports::domain::pipeline_input::parse_pipeline;
use crm_exports::store::{PortalId, SharedStore, WriteOp};

use crate::contract_tests;
use crate::fixtures::{NOW, portal};

const DEALS: ObjectType = ObjectType::Deals;

contract_tests!(
    an_edit_is_saved_audited_and_offered_as_property_options,
    a_refused_edit_changes_nothing,
    a_delete_is_refused_while_records_use_the_stage_when_asked_to_validate,
);

fn create(label: &str, stages: &[&str]) -> PipelineEdit {
    let stages: Vec<_> = stages
        .iter()
        .enumerate()
        .map(|(i, l)| json!({"label": l, "displayOrder": i, "metadata": {"probability": 0.5}}))
        .collect();
    let body = json!({"label": label, "displayOrder": 1, "stages": stages});
    PipelineEdit::CreatePipeline(parse_pipeline(DEALS, &body).unwrap())
}

async fn created(
    store: &SharedStore,
    portal: PortalId,
    label: &str,
    stages: &[&str],
) -> crm_exports::domain::pipeline::Pipeline {
    let applied = store
        .edit_pipelines(portal, DEALS, create(label, stages), false, NOW)
        .await
        .unwrap()
        .unwrap();
    match applied.answer {
        Answer::Pipeline(p) => p,
        other => panic!("no pipeline: {other:?}"),
    }
}

async fn an_edit_is_saved_audited_and_offered_as_property_options(store: SharedStore) {
    let portal = portal(&store).await;
    let made = created(&store, portal, "Renewals", &["Ask", "Won"]).await;
    let schema = store.object_schema(portal, DEALS).await.unwrap();
    let ids: Vec<&str> = schema.pipelines().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"default") && ids.contains(&made.id.as_str()));
    let stage = schema.property("dealstage").unwrap();
    let won = stage
        .options
        .iter()
        .find(|o| o.value == made.stages[1].id)
        .unwrap();
    assert_eq!(won.label, "Won");
    // The defaults keep their translated labels.
    let closed = stage
        .options
        .iter()
        .find(|o| o.value == "closedwon")
        .unwrap();
    assert!(!closed.translations.is_empty());
    let pipeline = schema.property("pipeline").unwrap();
    assert!(
        pipeline
            .options
            .iter()
            .any(|o| o.value == made.id && o.label == "Renewals")
    );

    let delete = PipelineEdit::DeletePipeline(made.id.clone());
    store
        .edit_pipelines(portal, DEALS, delete, false, NOW + 5)
        .await
        .unwrap()
        .unwrap();
    let audits = store
        .pipeline_audits(portal, DEALS, made.id.clone(), None)
        .await
        .unwrap();
    let actions: Vec<AuditAction> = audits.iter().map(|a| a.action).collect();
    assert_eq!(actions, [AuditAction::Create, AuditAction::Delete]);
    assert_eq!(audits[1].at, NOW + 5);
    let stage_audits = store
        .pipeline_audits(
            portal,
            DEALS,
            made.id.clone(),
            Some(made.stages[0].id.clone()),
        )
        .await
        .unwrap();
    assert_eq!(stage_audits.len(), 1);
    let schema = store.object_schema(portal, DEALS).await.unwrap();
    let archived = schema.pipelines().iter().find(|p| p.id == made.id).unwrap();
    assert!(archived.archived);
    // Another portal still has only the defaults.
    let other = crate::fixtures::portal(&store).await;
    let theirs = store.object_schema(other, DEALS).await.unwrap();
    assert_eq!(theirs.pipelines(), default_pipelines(DEALS).unwrap());
}

async fn a_refused_edit_changes_nothing(store: SharedStore) {
    let portal = portal(&store).await;
    let clash = store
        .edit_pipelines(portal, DEALS, create("Sales Pipeline", &["X"]), false, NOW)
        .await
        .unwrap();
    assert!(matches!(clash, Err(PipelineError::Invalid(_))));
    let unknown = PipelineEdit::DeletePipeline("nope".into());
    let missing = store
        .edit_pipelines(portal, DEALS, unknown, false, NOW)
        .await
        .unwrap();
    assert!(matches!(missing, Err(PipelineError::NotFound(_))));
    let schema = store.object_schema(portal, DEALS).await.unwrap();
    assert_eq!(schema.pipelines(), default_pipelines(DEALS).unwrap());
    assert!(
        store
            .pipeline_audits(portal, DEALS, "default".into(), None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_delete_is_refused_while_records_use_the_stage_when_asked_to_validate(
    store: SharedStore,
) {
    let portal = portal(&store).await;
    let made = created(&store, portal, "Used", &["Busy", "Idle"]).await;
    let busy = made.stages[0].id.clone();
    let schema = store.object_schema(portal, DEALS).await.unwrap();
    let parse = |name: &str, raw: &str| {
        (
            name.to_string(),
            schema.property(name).unwrap().parse_value(raw).unwrap(),
        )
    };
    let values = vec![
        parse("dealname", "D"),
        parse("pipeline", &made.id),
        parse("dealstage", &busy),
    ];
    let written = store
        .write_records(
            portal,
            DEALS,
            vec![WriteOp::Create(values, vec![])].into(),
            true,
            NOW,
        )
        .await
        .unwrap();
    assert!(written[0].is_ok(), "{written:?}");
    let delete = || PipelineEdit::DeleteStage(made.id.clone(), busy.clone());
    let refused = store
        .edit_pipelines(portal, DEALS, delete(), true, NOW)
        .await
        .unwrap();
    assert!(
        matches!(refused, Err(PipelineError::Invalid(_))),
        "{refused:?}"
    );
    let schema = store.object_schema(portal, DEALS).await.unwrap();
    let still = schema.pipelines().iter().find(|p| p.id == made.id).unwrap();
    assert!(!still.stage(&busy).unwrap().archived);
    store
        .edit_pipelines(portal, DEALS, delete(), false, NOW)
        .await
        .unwrap()
        .unwrap();
    let schema = store.object_schema(portal, DEALS).await.unwrap();
    let after = schema.pipelines().iter().find(|p| p.id == made.id).unwrap();
    assert!(after.stage(&busy).unwrap().archived);
}
