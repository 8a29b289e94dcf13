//! Seeding straight through the [`Store`]: values parsed by the same property rules the
//! API applies, a thousand records per transaction, and every timestamp taken from the
//! seed's calendar instead of the clock, so the same seed gives byte-identical exports.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use async_trait::async_trait;

use super::{DemoList, NewRecord, Plan, Sink, pools};
use crate::domain::ObjectType;
use crate::domain::association::AssociationCatalog;
use crate::domain::list::filter_groups;
use crate::domain::property::PropertyDefinition;
use crate::store::{ListDraft, NewEdge, PortalId, Store, Visibility, WriteOp, snapshot_members};

pub struct StoreSink {
    store: Arc<dyn Store>,
    portal: PortalId,
    definitions: HashMap<ObjectType, HashMap<String, PropertyDefinition>>,
}

impl StoreSink {
    pub fn new(store: Arc<dyn Store>, portal: PortalId) -> Self {
        StoreSink {
            store,
            portal,
            definitions: HashMap::new(),
        }
    }

    async fn definitions(
        &mut self,
        object: ObjectType,
    ) -> anyhow::Result<&HashMap<String, PropertyDefinition>> {
        if !self.definitions.contains_key(&object) {
            let schema = self.store.object_schema(self.portal, object).await?;
            let by_name = schema
                .properties
                .iter()
                .map(|p| (p.name.clone(), p.clone()))
                .collect();
            self.definitions.insert(object, by_name);
        }
        Ok(&self.definitions[&object])
    }
}

#[async_trait]
impl Sink for StoreSink {
    fn batch_size(&self) -> usize {
        // Large transactions write each touched index page to the WAL once per batch
        // rather than once per thousand records: at a million contacts the email index
        // is touched at random, and this is what keeps the rate from falling with size.
        10_000
    }

    async fn check_empty(&mut self, plan: &Plan) -> anyhow::Result<()> {
        for (object, count) in plan.counts() {
            if count == 0 {
                continue;
            }
            let existing = self
                .store
                .list_records(self.portal, object, 0, 1, vec![], Visibility::Live)
                .await?;
            if !existing.is_empty() {
                bail!(
                    "portal {} already holds {}; seed a fresh data folder or another --portal",
                    self.portal.0,
                    object.plural()
                );
            }
        }
        Ok(())
    }

    async fn owners(&mut self) -> anyhow::Result<Vec<i64>> {
        let mut ids = Vec::new();
        for (first, last, email) in pools::OWNERS {
            let owner = self
                .store
                .create_owner(self.portal, email, first, last, super::FIRST_DAY_MS)
                .await?;
            ids.push(owner.id);
        }
        Ok(ids)
    }

    async fn create(
        &mut self,
        object: ObjectType,
        records: Vec<NewRecord>,
        created_at: i64,
    ) -> anyhow::Result<Vec<i64>> {
        let definitions = self.definitions(object).await?;
        let mut ops = Vec::with_capacity(records.len());
        for record in records {
            let mut values = Vec::with_capacity(record.properties.len());
            for (name, raw) in record.properties {
                let definition = definitions
                    .get(name)
                    .with_context(|| format!("{} have no property {name}", object.plural()))?;
                let value = definition
                    .parse_value(&raw)
                    .map_err(|e| anyhow::anyhow!("{}: {}", object.plural(), e.message))?;
                values.push((name.to_owned(), value));
            }
            let mut edges = Vec::with_capacity(record.associations.len());
            for (to, to_id, type_id) in record.associations {
                let kind = AssociationCatalog::standard()
                    .find_type(object, to, type_id)
                    .with_context(|| {
                        format!("no association type {type_id} from {}", object.plural())
                    })?;
                edges.push(NewEdge {
                    to,
                    to_id,
                    type_id,
                    inverse_id: kind.inverse_id,
                });
            }
            ops.push(WriteOp::Create(values, edges));
        }
        let outcomes = self
            .store
            .write_records(self.portal, object, ops.into(), true, created_at)
            .await?;
        outcomes
            .into_iter()
            .map(|o| match o {
                Ok(written) => Ok(written.id),
                Err(failure) => bail!("cannot create {}: {failure:?}", object.plural()),
            })
            .collect()
    }

    async fn create_list(
        &mut self,
        list: &DemoList,
        members: &[i64],
        created_at: i64,
    ) -> anyhow::Result<i64> {
        let object = ObjectType::Contacts;
        let groups = match &list.filter_branch {
            Some(branch) => filter_groups(branch).map_err(anyhow::Error::msg)?,
            None => Vec::new(),
        };
        let mut initial_members = members.to_vec();
        if list.processing_type == "SNAPSHOT" {
            // A SNAPSHOT holds what its filters matched when it was made, as the API does it.
            initial_members = snapshot_members(self.store.as_ref(), self.portal, object, &groups)
                .await?
                .map_err(|e| anyhow::anyhow!(e.join("; ")))?;
        }
        let draft = ListDraft {
            name: list.name.to_owned(),
            object,
            processing_type: list.processing_type.to_owned(),
            filter_branch: list.filter_branch.clone(),
            filter_groups: groups,
            initial_members,
        };
        Ok(self
            .store
            .create_list(self.portal, draft, created_at)
            .await?
            .id)
    }
}
