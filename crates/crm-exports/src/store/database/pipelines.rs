//! The pipelines role over any backend. An edit changes the pipeline and stage properties'
//! options too, so it drops the object's cached schema.

use async_trait::async_trait;

use super::{Backend, Database};
use crate::domain::ObjectType;
use crate::domain::pipeline_edit::{Applied, PipelineEdit, PipelineError};
use crate::store::sql::exec::op;
use crate::store::sql::pipelines;
use crate::store::{PipelineAudit, Pipelines, PortalId, StoreResult};

#[async_trait]
impl<B: Backend> Pipelines for Database<B> {
    async fn edit_pipelines(
        &self,
        portal: PortalId,
        object: ObjectType,
        edit: PipelineEdit,
        validate: bool,
        now: i64,
    ) -> StoreResult<Result<Applied, PipelineError>> {
        let outcome = self
            .write(op(move |e| {
                Box::pin(async move {
                    let outcome = pipelines::edit(e, portal, object, edit, validate, now).await?;
                    // A refused edit keeps nothing (the defaults are not copied in either).
                    if outcome.is_err() {
                        e.roll_back_at_end();
                    }
                    Ok(outcome)
                })
            }))
            .await?;
        if outcome.is_ok() {
            self.forget_schema(portal, object);
        }
        Ok(outcome)
    }

    async fn pipeline_audits(
        &self,
        portal: PortalId,
        object: ObjectType,
        pipeline: String,
        stage: Option<String>,
    ) -> StoreResult<Vec<PipelineAudit>> {
        self.read(op(move |e| {
            Box::pin(async move {
                pipelines::audits(e, portal, object, &pipeline, stage.as_deref()).await
            })
        }))
        .await
    }
}
