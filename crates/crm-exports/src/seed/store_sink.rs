//! Seeding straight through the store's roles: values parsed by the same property rules the
//! API applies, a thousand records per transaction, and every timestamp taken from the
//! seed's calendar instead of the clock, so the same seed gives byte-identical exports.

use std::collections::HashMap;

use async_trait::async_trait;

use super::{DemoList, NewRecord, Plan, SeedError, SeedResult, Sink, pools};
use crate::domain::ObjectType;
use crate::domain::association::AssociationCatalog;
use crate::domain::list::{ProcessingType, filter_groups};
use crate::domain::property::PropertyDefinition;
use crate::store::{ListDraft, NewEdge, PortalId, Stores, Visibility, WriteOp, snapshot_members};

pub struct StoreSink {
    store: Stores,
    portal: PortalId,
    definitions: HashMap<ObjectType, HashMap<String, PropertyDefinition>>,
}

impl StoreSink {
    pub fn new(store: Stores, portal: PortalId) -> Self {
        StoreSink {
            store,
            portal,
            definitions: HashMap::new(),
        }
    }

    async fn definitions(
        &mut self,
        object: ObjectType,
    ) -> SeedResult<&HashMap<String, PropertyDefinition>> {
        if !self.definitions.contains_key(&object) {
            let schema = self
                .store
                .schemas
                .object_schema(self.portal, object)
                .await?;
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

    async fn check_empty(&mut self, plan: &Plan) -> SeedResult<()> {
        for (object, count) in plan.counts() {
            if count == 0 {
                continue;
            }
            let existing = self
                .store
                .records
                .list_records(self.portal, object, 0, 1, vec![], Visibility::Live)
                .await?;
            if !existing.is_empty() {
                return Err(SeedError::Refused(format!(
                    "portal {} already holds {}; seed a fresh data folder or another --portal",
                    self.portal.0,
                    object.plural()
                )));
            }
        }
        Ok(())
    }

    async fn owners(&mut self) -> SeedResult<Vec<i64>> {
        let mut ids = Vec::new();
        for (first, last, email) in pools::OWNERS {
            let owner = self
                .store
                .owners
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
    ) -> SeedResult<Vec<i64>> {
        let definitions = self.definitions(object).await?;
        let mut ops = Vec::with_capacity(records.len());
        for record in records {
            let mut values = Vec::with_capacity(record.properties.len());
            for (name, raw) in record.properties {
                let definition = definitions.get(name).ok_or_else(|| {
                    SeedError::Refused(format!("{} have no property {name}", object.plural()))
                })?;
                let value = definition.parse_value(&raw).map_err(|e| {
                    SeedError::Refused(format!("{}: {}", object.plural(), e.message))
                })?;
                values.push((name.to_owned(), value));
            }
            let mut edges = Vec::with_capacity(record.associations.len());
            for (to, to_id, type_id) in record.associations {
                let kind = AssociationCatalog::standard()
                    .find_type(object, to, type_id)
                    .ok_or_else(|| {
                        SeedError::Refused(format!(
                            "no association type {type_id} from {}",
                            object.plural()
                        ))
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
            .records
            .write_records(self.portal, object, ops.into(), true, created_at)
            .await?;
        outcomes
            .into_iter()
            .map(|o| match o {
                Ok(written) => Ok(written.id),
                Err(failure) => Err(SeedError::Refused(format!(
                    "cannot create {}: {failure:?}",
                    object.plural()
                ))),
            })
            .collect()
    }

    async fn create_list(
        &mut self,
        list: &DemoList,
        members: &[i64],
        created_at: i64,
    ) -> SeedResult<i64> {
        let object = ObjectType::Contacts;
        let groups = match &list.filter_branch {
            Some(branch) => filter_groups(branch).map_err(SeedError::Refused)?,
            None => Vec::new(),
        };
        let mut initial_members = members.to_vec();
        if list.processing_type == ProcessingType::Snapshot {
            // A SNAPSHOT holds what its filters matched when it was made, as the API does it.
            let (schemas, records) = (self.store.schemas.as_ref(), self.store.records.as_ref());
            initial_members = snapshot_members(schemas, records, self.portal, object, &groups)
                .await?
                .map_err(|e| SeedError::Refused(e.join("; ")))?;
        }
        let draft = ListDraft {
            name: list.name.to_owned(),
            object,
            processing_type: list.processing_type,
            filter_branch: list.filter_branch.clone(),
            filter_groups: groups,
            initial_members,
        };
        Ok(self
            .store
            .lists
            .create_list(self.portal, draft, created_at)
            .await?
            .id)
    }
}
