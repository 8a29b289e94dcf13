//! A portal's pipelines (one JSON row per pipeline, HubSpot's defaults until the first
//! change) and their audit events. An edit runs in one transaction: load (or copy in the
//! defaults), apply the domain's edit, refuse it when asked to and records still use what
//! it takes away, save, record the audit events, and give the pipeline and stage
//! properties the options the pipelines now offer.

use super::builder::{Param, Sql};
use super::dialect::{Sequence, table_name};
use super::exec::{Exec, from_json, integer, rows, to_json};
use super::writes::reserve;
use crate::domain::ObjectType;
use crate::domain::pipeline::{Pipeline, default_pipelines, pipeline_properties, sync_options};
use crate::domain::pipeline_edit::{
    Applied, AuditAction, PipelineEdit, PipelineError, Removed, Subject,
};
use crate::domain::property::PropertyDefinition;
use crate::store::{PipelineAudit, PortalId, StoreError, StoreResult};

/// The portal's own pipelines of `object`, archived ones too; empty until it changes any.
pub async fn load(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
) -> StoreResult<Vec<Pipeline>> {
    let text = "SELECT definition FROM pipelines WHERE portal_id = ?1 AND object_type = ?2 \
                ORDER BY pipeline_id";
    let params = vec![Param::Int(portal.0), Param::from(object.type_id())];
    let sql = Sql::fixed(e.dialect(), text, params);
    rows(e, &sql, |r| from_json(r.text(0)?)).await
}

/// Replaces the portal's pipelines of `object` with `all` as given (ids, times and
/// archived states kept), as an import copies them from another portal.
pub async fn replace(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    all: &[Pipeline],
) -> StoreResult<()> {
    let schema = super::schemas::load(e, portal, object).await?;
    save(e, portal, object, all).await?;
    sync_properties(e, portal, object, &schema.properties, all).await
}

/// Applies `edit`; with `validate`, refuses (changing nothing) when live records are in a
/// pipeline or stage the edit takes away. `NotFound` for an unknown portal or object type.
pub async fn edit(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    edit: PipelineEdit,
    validate: bool,
    now: i64,
) -> StoreResult<Result<Applied, PipelineError>> {
    let schema = super::schemas::load(e, portal, object).await?;
    // Two processes editing pipelines at once must not both start from the same rows.
    if let Some(lock) = e.dialect().lock_table("pipelines") {
        e.script(&lock).await?;
    }
    let mut all = load(e, portal, object).await?;
    if all.is_empty() {
        all = default_pipelines(object).unwrap_or(&[]).to_vec();
    }
    let count = edit.ids_needed();
    let ids = match count {
        0 => Vec::new(),
        n => reserve(e, Sequence::Record, n as i64).await?,
    };
    let ids = ids.into_iter().map(|id| id.to_string()).collect();
    let applied = match edit.apply(object, &mut all, ids, now) {
        Ok(applied) => applied,
        Err(refused) => return Ok(Err(refused)),
    };
    if validate
        && let Some(refused) = first_in_use(e, portal, &schema.properties, object, &applied).await?
    {
        return Ok(Err(refused));
    }
    save(e, portal, object, &all).await?;
    record_audits(e, portal, object, &applied, now).await?;
    sync_properties(e, portal, object, &schema.properties, &all).await?;
    Ok(Ok(applied))
}

/// The refusal for the first pipeline or stage taken away that live records still use.
async fn first_in_use(
    e: &mut dyn Exec,
    portal: PortalId,
    properties: &[PropertyDefinition],
    object: ObjectType,
    applied: &Applied,
) -> StoreResult<Option<PipelineError>> {
    let Some((pipeline_prop, stage_prop)) = pipeline_properties(object) else {
        return Ok(None);
    };
    let d = e.dialect();
    for removed in &applied.removed {
        let (property, id, what) = match removed {
            Removed::Pipeline(id) => (pipeline_prop, id, "Pipeline"),
            Removed::Stage(id) => (stage_prop, id, "Stage"),
        };
        if !properties.iter().any(|p| p.name == property) {
            continue;
        }
        let mut sql = Sql::new(d);
        sql.push("SELECT COUNT(*) FROM ")
            .push(&table_name(portal, object))
            .push(" WHERE ")
            .push(&d.column(object, property))
            .push(" = ")
            .bind(id.as_str());
        sql.push(" AND ").push(&d.is_false("archived"));
        let used = integer(e, &sql).await?;
        if used > 0 {
            return Ok(Some(PipelineError::Invalid(format!(
                "{what} {id} is in use by {used} record(s); move them first, or pass false to \
                 validate references before delete"
            ))));
        }
    }
    Ok(None)
}

async fn save(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    all: &[Pipeline],
) -> StoreResult<()> {
    let d = e.dialect();
    let type_id = object.type_id();
    let text = "DELETE FROM pipelines WHERE portal_id = ?1 AND object_type = ?2";
    let params = vec![Param::Int(portal.0), Param::from(type_id.as_ref())];
    e.execute(&Sql::fixed(d, text, params)).await?;
    for pipeline in all {
        let text = "INSERT INTO pipelines (portal_id, object_type, pipeline_id, definition) \
                    VALUES (?1, ?2, ?3, ?4)";
        let params = vec![
            Param::Int(portal.0),
            Param::from(type_id.as_ref()),
            Param::from(pipeline.id.as_str()),
            Param::from(to_json(pipeline)?),
        ];
        e.execute(&Sql::fixed(d, text, params)).await?;
    }
    Ok(())
}

async fn record_audits(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    applied: &Applied,
    now: i64,
) -> StoreResult<()> {
    let d = e.dialect();
    let type_id = object.type_id();
    for event in &applied.audits {
        let (pipeline_id, stage_id, raw) = match &event.subject {
            Subject::Pipeline(p) => (p.id.as_str(), "", to_json(p)?),
            Subject::Stage { pipeline_id, stage } => {
                (pipeline_id.as_str(), stage.id.as_str(), to_json(stage)?)
            }
        };
        let text = "INSERT INTO pipeline_audits (portal_id, object_type, pipeline_id, stage_id, \
                    action, at, raw_object) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
        let params = vec![
            Param::Int(portal.0),
            Param::from(type_id.as_ref()),
            Param::from(pipeline_id),
            Param::from(stage_id),
            Param::from(event.action.as_str()),
            Param::Int(now),
            Param::from(raw),
        ];
        e.execute(&Sql::fixed(d, text, params)).await?;
    }
    Ok(())
}

/// Rewrites the pipeline and stage property definitions with the options `all` offer.
async fn sync_properties(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    properties: &[PropertyDefinition],
    all: &[Pipeline],
) -> StoreResult<()> {
    let Some((pipeline_prop, stage_prop)) = pipeline_properties(object) else {
        return Ok(());
    };
    let d = e.dialect();
    for property in properties
        .iter()
        .filter(|p| p.name == pipeline_prop || p.name == stage_prop)
    {
        let mut synced = property.clone();
        sync_options(object, &mut synced, all);
        let text = "UPDATE properties SET definition = ?1 \
                    WHERE portal_id = ?2 AND object_type = ?3 AND name = ?4";
        let params = vec![
            Param::from(to_json(&synced)?),
            Param::Int(portal.0),
            Param::from(object.type_id()),
            Param::from(synced.name.as_str()),
        ];
        e.execute(&Sql::fixed(d, text, params)).await?;
    }
    Ok(())
}

/// The audit events of a pipeline (`stage` `None`) or of one of its stages, oldest first.
pub async fn audits(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    pipeline_id: &str,
    stage_id: Option<&str>,
) -> StoreResult<Vec<PipelineAudit>> {
    let text = "SELECT id, action, at, raw_object FROM pipeline_audits WHERE portal_id = ?1 \
                AND object_type = ?2 AND pipeline_id = ?3 AND stage_id = ?4 ORDER BY id";
    let params = vec![
        Param::Int(portal.0),
        Param::from(object.type_id()),
        Param::from(pipeline_id),
        Param::from(stage_id.unwrap_or("")),
    ];
    let pipeline_id = pipeline_id.to_string();
    let sql = Sql::fixed(e.dialect(), text, params);
    rows(e, &sql, |r| {
        let action = AuditAction::parse(r.text(1)?)
            .ok_or_else(|| StoreError::internal("an unknown pipeline audit action"))?;
        let raw = r.text(3)?;
        let subject = match stage_id {
            None => Subject::Pipeline(from_json(raw)?),
            Some(_) => Subject::Stage {
                pipeline_id: pipeline_id.clone(),
                stage: from_json(raw)?,
            },
        };
        Ok(PipelineAudit {
            id: r.int(0)?,
            action,
            at: r.int(2)?,
            subject,
        })
    })
    .await
}
