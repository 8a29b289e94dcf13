//! One change to a portal's pipelines of an object type, applied to them as a pure function:
//! the new state, what to answer, the audit events it makes, and which pipelines and stages
//! it takes away (a caller that validates references refuses when records still use them).
//! Deleting archives, as HubSpot does: a deleted pipeline or stage keeps its id and can be
//! restored with `archived: false`. Labels are unique among live pipelines and among a
//! pipeline's live stages (ignoring case); deals and tickets keep at least one live
//! pipeline, and every pipeline at least one live stage.

use super::ObjectType;
use super::pipeline::{Pipeline, Stage};
use super::pipeline_input::{PipelineInput, PipelinePatch, StageInput, StagePatch};

#[derive(Clone, Debug, PartialEq)]
pub enum PipelineEdit {
    CreatePipeline(PipelineInput),
    ReplacePipeline(String, PipelineInput),
    PatchPipeline(String, PipelinePatch),
    DeletePipeline(String),
    CreateStage(String, StageInput),
    ReplaceStage(String, String, StageInput),
    PatchStage(String, String, StagePatch),
    DeleteStage(String, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Update,
    Delete,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "CREATE",
            AuditAction::Update => "UPDATE",
            AuditAction::Delete => "DELETE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Create, Self::Update, Self::Delete]
            .into_iter()
            .find(|a| a.as_str() == text)
    }
}

/// What an audit event is about, as the event left it.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    Pipeline(Pipeline),
    Stage { pipeline_id: String, stage: Stage },
}

#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    pub action: AuditAction,
    pub subject: Subject,
}

/// What the client is answered with.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Pipeline(Pipeline),
    Stage(Stage),
    Nothing,
}

/// A pipeline or stage the edit takes away from records that use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removed {
    Pipeline(String),
    Stage(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub answer: Answer,
    pub audits: Vec<AuditEvent>,
    pub removed: Vec<Removed>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
}

type EditResult<T> = Result<T, PipelineError>;

impl PipelineEdit {
    /// How many new ids applying the edit may take (a pipeline's without a `pipelineId`,
    /// and its stages' without a `stageId`).
    pub fn ids_needed(&self) -> usize {
        let unnamed = |stages: &[StageInput]| stages.iter().filter(|s| s.id.is_none()).count();
        match self {
            PipelineEdit::CreatePipeline(input) => {
                usize::from(input.id.is_none()) + unnamed(&input.stages)
            }
            PipelineEdit::ReplacePipeline(_, input) => unnamed(&input.stages),
            PipelineEdit::CreateStage(_, stage) => usize::from(stage.id.is_none()),
            _ => 0,
        }
    }

    /// Applies the edit to `all` (the portal's pipelines of `object`, archived ones too),
    /// taking new ids from `ids`; on error `all` may be partly changed and must be dropped.
    pub fn apply(
        self,
        object: ObjectType,
        all: &mut Vec<Pipeline>,
        ids: Vec<String>,
        now: i64,
    ) -> EditResult<Applied> {
        let mut ids = ids.into_iter();
        let mut next_id = move || ids.next().unwrap_or_default();
        let mut edit = Edit {
            all,
            now,
            audits: Vec::new(),
            removed: Vec::new(),
        };
        let answer = match self {
            PipelineEdit::CreatePipeline(input) => edit.create_pipeline(input, &mut next_id)?,
            PipelineEdit::ReplacePipeline(id, input) => {
                edit.replace_pipeline(&id, input, &mut next_id)?
            }
            PipelineEdit::PatchPipeline(id, patch) => edit.patch_pipeline(&id, patch)?,
            PipelineEdit::DeletePipeline(id) => edit.delete_pipeline(object, &id)?,
            PipelineEdit::CreateStage(id, input) => edit.create_stage(&id, input, &mut next_id)?,
            PipelineEdit::ReplaceStage(id, stage, input) => {
                edit.change_stage(&id, &stage, |s| {
                    s.label = input.label;
                    s.display_order = input.display_order;
                    s.metadata = input.metadata;
                    Ok(())
                })?
            }
            PipelineEdit::PatchStage(id, stage, patch) => edit.patch_stage(&id, &stage, patch)?,
            PipelineEdit::DeleteStage(id, stage) => edit.delete_stage(&id, &stage)?,
        };
        Ok(Applied {
            answer,
            audits: edit.audits,
            removed: edit.removed,
        })
    }
}

struct Edit<'a> {
    all: &'a mut Vec<Pipeline>,
    now: i64,
    audits: Vec<AuditEvent>,
    removed: Vec<Removed>,
}

fn not_found(id: &str) -> PipelineError {
    PipelineError::NotFound(format!("Pipeline {id} does not exist"))
}

fn stage_not_found(pipeline: &str, stage: &str) -> PipelineError {
    PipelineError::NotFound(format!(
        "Stage {stage} does not exist in pipeline {pipeline}"
    ))
}

fn only_restore() -> PipelineError {
    PipelineError::Invalid(
        "archived may only be given as false, to restore what was deleted".to_string(),
    )
}

impl Edit<'_> {
    fn audit(&mut self, action: AuditAction, subject: Subject) {
        self.audits.push(AuditEvent { action, subject });
    }

    fn audit_pipeline(&mut self, action: AuditAction, index: usize) {
        let pipeline = self.all[index].clone();
        self.audit(action, Subject::Pipeline(pipeline));
    }

    fn audit_stage(&mut self, action: AuditAction, index: usize, stage: &Stage) {
        let pipeline_id = self.all[index].id.clone();
        self.audit(
            action,
            Subject::Stage {
                pipeline_id,
                stage: stage.clone(),
            },
        );
    }

    /// The index of a pipeline, archived ones only when `archived_too`.
    fn find(&self, id: &str, archived_too: bool) -> EditResult<usize> {
        self.all
            .iter()
            .position(|p| p.id == id && (archived_too || !p.archived))
            .ok_or_else(|| not_found(id))
    }

    fn check_pipeline_label(&self, label: &str, except: Option<&str>) -> EditResult<()> {
        let taken = self.all.iter().any(|p| {
            !p.archived && Some(p.id.as_str()) != except && p.label.eq_ignore_ascii_case(label)
        });
        if taken {
            return Err(PipelineError::Invalid(format!(
                "A pipeline with the label {label:?} already exists"
            )));
        }
        Ok(())
    }

    fn check_stage_label(&self, index: usize, label: &str, except: Option<&str>) -> EditResult<()> {
        let taken = self.all[index].stages.iter().any(|s| {
            !s.archived && Some(s.id.as_str()) != except && s.label.eq_ignore_ascii_case(label)
        });
        if taken {
            return Err(PipelineError::Invalid(format!(
                "A stage with the label {label:?} already exists in this pipeline"
            )));
        }
        Ok(())
    }

    /// An id for a new stage (or pipeline) that no pipeline or stage of the object uses,
    /// apart from the stages of `own` (a pipeline whose stages are being replaced).
    fn check_new_id(&self, id: &str, own: Option<usize>) -> EditResult<()> {
        let used = self
            .all
            .iter()
            .enumerate()
            .any(|(i, p)| Some(i) != own && p.stages.iter().any(|s| s.id == id));
        if used || self.all.iter().any(|p| p.id == id) {
            return Err(PipelineError::Invalid(format!(
                "The id {id:?} is already in use"
            )));
        }
        Ok(())
    }

    fn new_stage(&self, input: StageInput, id: String) -> Stage {
        Stage {
            id,
            label: input.label,
            display_order: input.display_order,
            metadata: input.metadata,
            archived: false,
            created_at: self.now,
            updated_at: self.now,
            archived_at: None,
        }
    }

    fn create_pipeline(
        &mut self,
        input: PipelineInput,
        next_id: &mut dyn FnMut() -> String,
    ) -> EditResult<Answer> {
        self.check_pipeline_label(&input.label, None)?;
        let id = match &input.id {
            Some(given) => {
                self.check_new_id(given, None)?;
                given.clone()
            }
            None => next_id(),
        };
        let mut stages = Vec::with_capacity(input.stages.len());
        for stage in input.stages {
            let stage_id = match &stage.id {
                Some(given) => {
                    self.check_new_id(given, None)?;
                    given.clone()
                }
                None => next_id(),
            };
            stages.push(self.new_stage(stage, stage_id));
        }
        self.all.push(Pipeline {
            id,
            label: input.label,
            display_order: input.display_order,
            stages,
            archived: false,
            created_at: self.now,
            updated_at: self.now,
            archived_at: None,
        });
        let index = self.all.len() - 1;
        self.audit_pipeline(AuditAction::Create, index);
        for stage in self.all[index].stages.clone() {
            self.audit_stage(AuditAction::Create, index, &stage);
        }
        Ok(Answer::Pipeline(self.all[index].clone()))
    }

    /// Replaces a pipeline's label, order and stages: stages named by `stageId` are kept
    /// (and updated), the others are new, and live stages not named are deleted.
    fn replace_pipeline(
        &mut self,
        id: &str,
        input: PipelineInput,
        next_id: &mut dyn FnMut() -> String,
    ) -> EditResult<Answer> {
        let index = self.find(id, false)?;
        self.check_pipeline_label(&input.label, Some(id))?;
        let now = self.now;
        let mut old = std::mem::take(&mut self.all[index].stages);
        let mut stages = Vec::with_capacity(input.stages.len());
        for stage in input.stages {
            match stage
                .id
                .as_ref()
                .and_then(|given| old.iter().position(|s| &s.id == given))
            {
                Some(at) => {
                    let mut kept = old.remove(at);
                    kept.label = stage.label;
                    kept.display_order = stage.display_order;
                    kept.metadata = stage.metadata;
                    (kept.archived, kept.archived_at, kept.updated_at) = (false, None, now);
                    self.audit_stage(AuditAction::Update, index, &kept);
                    stages.push(kept);
                }
                None => {
                    let stage_id = match &stage.id {
                        Some(given) => {
                            self.check_new_id(given, Some(index))?;
                            given.clone()
                        }
                        None => next_id(),
                    };
                    let made = self.new_stage(stage, stage_id);
                    self.audit_stage(AuditAction::Create, index, &made);
                    stages.push(made);
                }
            }
        }
        for mut gone in old {
            if !gone.archived {
                (gone.archived, gone.archived_at, gone.updated_at) = (true, Some(now), now);
                self.removed.push(Removed::Stage(gone.id.clone()));
                self.audit_stage(AuditAction::Delete, index, &gone);
            }
            stages.push(gone);
        }
        let pipeline = &mut self.all[index];
        pipeline.stages = stages;
        pipeline.label = input.label;
        pipeline.display_order = input.display_order;
        pipeline.updated_at = now;
        self.audit_pipeline(AuditAction::Update, index);
        Ok(Answer::Pipeline(self.all[index].clone()))
    }

    fn patch_pipeline(&mut self, id: &str, patch: PipelinePatch) -> EditResult<Answer> {
        let restoring = match patch.archived {
            Some(true) => return Err(only_restore()),
            Some(false) => true,
            None => false,
        };
        let index = self.find(id, restoring)?;
        let label = patch.label.unwrap_or_else(|| self.all[index].label.clone());
        self.check_pipeline_label(&label, Some(id))?;
        let pipeline = &mut self.all[index];
        pipeline.label = label;
        if let Some(order) = patch.display_order {
            pipeline.display_order = order;
        }
        if restoring {
            (pipeline.archived, pipeline.archived_at) = (false, None);
        }
        pipeline.updated_at = self.now;
        self.audit_pipeline(AuditAction::Update, index);
        Ok(Answer::Pipeline(self.all[index].clone()))
    }

    fn delete_pipeline(&mut self, object: ObjectType, id: &str) -> EditResult<Answer> {
        let index = self.find(id, false)?;
        let live = self.all.iter().filter(|p| !p.archived).count();
        if live == 1 && matches!(object, ObjectType::Deals | ObjectType::Tickets) {
            return Err(PipelineError::Invalid(format!(
                "Pipeline {id} is the last pipeline of {object}; every account keeps at least one"
            )));
        }
        let pipeline = &mut self.all[index];
        (pipeline.archived, pipeline.archived_at) = (true, Some(self.now));
        pipeline.updated_at = self.now;
        self.removed.push(Removed::Pipeline(id.to_string()));
        self.audit_pipeline(AuditAction::Delete, index);
        Ok(Answer::Nothing)
    }

    fn create_stage(
        &mut self,
        id: &str,
        input: StageInput,
        next_id: &mut dyn FnMut() -> String,
    ) -> EditResult<Answer> {
        let index = self.find(id, false)?;
        self.check_stage_label(index, &input.label, None)?;
        let stage_id = match &input.id {
            Some(given) => {
                self.check_new_id(given, None)?;
                given.clone()
            }
            None => next_id(),
        };
        let stage = self.new_stage(input, stage_id);
        self.all[index].stages.push(stage.clone());
        self.all[index].updated_at = self.now;
        self.audit_stage(AuditAction::Create, index, &stage);
        Ok(Answer::Stage(stage))
    }

    /// Changes one stage with `change`, live ones only unless `archived_too`, and answers
    /// with it; its label must stay unique in the pipeline.
    fn change_stage_where(
        &mut self,
        id: &str,
        stage_id: &str,
        archived_too: bool,
        change: impl FnOnce(&mut Stage) -> EditResult<()>,
    ) -> EditResult<Answer> {
        let index = self.find(id, false)?;
        let at = self.all[index]
            .stages
            .iter()
            .position(|s| s.id == stage_id && (archived_too || !s.archived))
            .ok_or_else(|| stage_not_found(id, stage_id))?;
        let mut stage = self.all[index].stages[at].clone();
        change(&mut stage)?;
        if !stage.archived {
            self.check_stage_label(index, &stage.label, Some(stage_id))?;
        }
        stage.updated_at = self.now;
        self.all[index].stages[at] = stage.clone();
        self.all[index].updated_at = self.now;
        let action = if stage.archived {
            AuditAction::Delete
        } else {
            AuditAction::Update
        };
        self.audit_stage(action, index, &stage);
        Ok(Answer::Stage(stage))
    }

    fn change_stage(
        &mut self,
        id: &str,
        stage_id: &str,
        change: impl FnOnce(&mut Stage) -> EditResult<()>,
    ) -> EditResult<Answer> {
        self.change_stage_where(id, stage_id, false, change)
    }

    fn patch_stage(&mut self, id: &str, stage_id: &str, patch: StagePatch) -> EditResult<Answer> {
        let restoring = match patch.archived {
            Some(true) => return Err(only_restore()),
            Some(false) => true,
            None => false,
        };
        self.change_stage_where(id, stage_id, restoring, |s| {
            if let Some(label) = patch.label {
                s.label = label;
            }
            if let Some(order) = patch.display_order {
                s.display_order = order;
            }
            if let Some(metadata) = patch.metadata {
                s.metadata = metadata;
            }
            if restoring {
                (s.archived, s.archived_at) = (false, None);
            }
            Ok(())
        })
    }

    fn delete_stage(&mut self, id: &str, stage_id: &str) -> EditResult<Answer> {
        let index = self.find(id, false)?;
        let live = self.all[index]
            .stages
            .iter()
            .filter(|s| !s.archived)
            .count();
        let exists = self.all[index]
            .stages
            .iter()
            .any(|s| s.id == stage_id && !s.archived);
        if exists && live == 1 {
            return Err(PipelineError::Invalid(format!(
                "Stage {stage_id} is the last stage of pipeline {id}; a pipeline keeps at least one"
            )));
        }
        let now = self.now;
        self.change_stage(id, stage_id, |s| {
            (s.archived, s.archived_at) = (true, Some(now));
            Ok(())
        })?;
        self.removed.push(Removed::Stage(stage_id.to_string()));
        Ok(Answer::Nothing)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::pipeline::default_pipelines;
    use crate::domain::pipeline_input::parse_pipeline;

    fn deals() -> Vec<Pipeline> {
        default_pipelines(ObjectType::Deals).unwrap().to_vec()
    }

    fn input(label: &str, stages: &[&str]) -> PipelineInput {
        let stages: Vec<_> = stages
            .iter()
            .enumerate()
            .map(
                |(i, l)| json!({"label": l, "displayOrder": i, "metadata": {"probability": "0.5"}}),
            )
            .collect();
        parse_pipeline(
            ObjectType::Deals,
            &json!({"label": label, "displayOrder": 1, "stages": stages}),
        )
        .unwrap()
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{}", 500 + i)).collect()
    }

    #[test]
    fn a_created_pipeline_gets_new_ids_and_audits_for_itself_and_each_stage() {
        let mut all = deals();
        let edit = PipelineEdit::CreatePipeline(input("Renewals", &["Ask", "Won"]));
        let applied = edit
            .clone()
            .apply(ObjectType::Deals, &mut all, ids(edit.ids_needed()), 7)
            .unwrap();
        let Answer::Pipeline(made) = applied.answer else {
            panic!("no pipeline")
        };
        assert_eq!(made.id, "500");
        assert_eq!(
            made.stages
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>(),
            ["501", "502"]
        );
        assert_eq!(made.created_at, 7);
        assert_eq!(applied.audits.len(), 3);
        assert_eq!(all.len(), 2);
        let again = PipelineEdit::CreatePipeline(input("renewals", &["X"]));
        assert!(matches!(
            again.apply(ObjectType::Deals, &mut all, ids(2), 8),
            Err(PipelineError::Invalid(_))
        ));
    }

    #[test]
    fn replacing_keeps_named_stages_and_deletes_the_rest() {
        let mut all = deals();
        let mut replacement = input("Sales", &["Kept", "New"]);
        replacement.stages[0].id = Some("closedwon".into());
        let applied = PipelineEdit::ReplacePipeline("default".into(), replacement)
            .apply(ObjectType::Deals, &mut all, ids(1), 9)
            .unwrap();
        let live: Vec<_> = all[0]
            .live_stages()
            .iter()
            .map(|s| (s.id.clone(), s.label.clone()))
            .collect();
        assert_eq!(
            live,
            [
                ("closedwon".to_string(), "Kept".to_string()),
                ("500".into(), "New".into())
            ]
        );
        assert_eq!(applied.removed.len(), 6);
        assert!(
            applied
                .removed
                .contains(&Removed::Stage("closedlost".into()))
        );
    }

    #[test]
    fn deleting_archives_and_patching_archived_false_restores() {
        let mut all = deals();
        PipelineEdit::CreatePipeline(input("Other", &["A"]))
            .apply(ObjectType::Deals, &mut all, ids(2), 1)
            .unwrap();
        let last_stage = PipelineEdit::DeleteStage("500".into(), "501".into()).apply(
            ObjectType::Deals,
            &mut all,
            vec![],
            2,
        );
        assert!(matches!(last_stage, Err(PipelineError::Invalid(_))));
        let deleted = PipelineEdit::DeletePipeline("500".into())
            .apply(ObjectType::Deals, &mut all, vec![], 3)
            .unwrap();
        assert_eq!(deleted.removed, [Removed::Pipeline("500".into())]);
        assert!(all[1].archived && all[1].archived_at == Some(3));
        let last = PipelineEdit::DeletePipeline("default".into()).apply(
            ObjectType::Deals,
            &mut all,
            vec![],
            4,
        );
        assert!(matches!(last, Err(PipelineError::Invalid(_))));
        let archive = PipelinePatch {
            archived: Some(true),
            ..Default::default()
        };
        assert!(
            PipelineEdit::PatchPipeline("default".into(), archive)
                .apply(ObjectType::Deals, &mut all, vec![], 5)
                .is_err()
        );
        let restore = PipelinePatch {
            archived: Some(false),
            ..Default::default()
        };
        PipelineEdit::PatchPipeline("500".into(), restore)
            .apply(ObjectType::Deals, &mut all, vec![], 6)
            .unwrap();
        assert!(!all[1].archived && all[1].archived_at.is_none());
    }
}
