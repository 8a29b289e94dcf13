//! Seeding through HubSpot's public APIs, as any client would: batch create with inline
//! associations, the owners the portal already has (owners cannot be created through the
//! API), and the lists API. Works against this service or HubSpot itself; the server
//! stamps creation times, so only the store sink is byte-reproducible.

use std::collections::HashMap;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{DemoList, NewRecord, Plan, SeedError, SeedResult, Sink};
use crate::client::Client;
use crate::domain::ObjectType;

pub struct ApiSink {
    client: Client,
    /// Set when the portal has no owners, so the caller can say why none are named.
    pub no_owners: bool,
}

impl ApiSink {
    pub fn new(client: Client) -> Self {
        ApiSink {
            client,
            no_owners: false,
        }
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    results: Vec<Value>,
}

fn id_of(value: &Value) -> Option<i64> {
    match value.get("id")? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

/// The property that tells created records apart, to match results to inputs: HubSpot
/// does not promise that batch results come back in input order.
fn key_property(object: ObjectType) -> Option<&'static str> {
    match object {
        ObjectType::Contacts => Some("email"),
        ObjectType::Companies => Some("domain"),
        _ => None,
    }
}

#[async_trait]
impl Sink for ApiSink {
    fn batch_size(&self) -> usize {
        100
    }

    async fn check_empty(&mut self, plan: &Plan) -> SeedResult<()> {
        for (object, count) in plan.counts() {
            if count == 0 {
                continue;
            }
            let page: Page = self
                .client
                .get(&format!("/crm/v3/objects/{}?limit=1", object.plural()))
                .await?;
            if !page.results.is_empty() {
                return Err(SeedError::Refused(format!(
                    "{} already holds {}; seed an empty portal",
                    self.client.base_url(),
                    object.plural()
                )));
            }
        }
        Ok(())
    }

    async fn owners(&mut self) -> SeedResult<Vec<i64>> {
        let page: Page = self.client.get("/crm/v3/owners?limit=100").await?;
        let ids: Vec<i64> = page.results.iter().filter_map(id_of).collect();
        self.no_owners = ids.is_empty();
        Ok(ids)
    }

    async fn create(
        &mut self,
        object: ObjectType,
        records: Vec<NewRecord>,
        _created_at: i64,
    ) -> SeedResult<Vec<i64>> {
        let key = key_property(object);
        let keys: Vec<Option<String>> = records
            .iter()
            .map(|r| {
                key.and_then(|k| r.properties.iter().find(|(n, _)| *n == k))
                    .map(|(_, v)| v.to_lowercase())
            })
            .collect();
        let inputs: Vec<Value> = records
            .into_iter()
            .map(|record| {
                let properties: Map<String, Value> = record
                    .properties
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), Value::String(v)))
                    .collect();
                let associations: Vec<Value> = record
                    .associations
                    .into_iter()
                    .map(|(_, to_id, type_id)| {
                        json!({
                            "to": {"id": to_id.to_string()},
                            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
                        })
                    })
                    .collect();
                json!({"properties": properties, "associations": associations})
            })
            .collect();
        let count = inputs.len();
        let answer: Page = self
            .client
            .post(
                &format!("/crm/v3/objects/{}/batch/create", object.plural()),
                &json!({ "inputs": inputs }),
            )
            .await?;
        if answer.results.len() != count {
            return Err(SeedError::Refused(format!(
                "batch create of {count} {} answered {} results",
                object.plural(),
                answer.results.len()
            )));
        }
        let Some(key) = key else {
            return Ok(answer.results.iter().filter_map(id_of).collect());
        };
        let by_key: HashMap<String, i64> = answer
            .results
            .iter()
            .filter_map(|r| {
                let value = r.get("properties")?.get(key)?.as_str()?.to_lowercase();
                Some((value, id_of(r)?))
            })
            .collect();
        keys.iter()
            .map(|k| {
                k.as_ref()
                    .and_then(|k| by_key.get(k).copied())
                    .ok_or_else(|| {
                        SeedError::Refused(format!(
                            "a created {} is missing from the answer",
                            object.singular()
                        ))
                    })
            })
            .collect()
    }

    async fn create_list(
        &mut self,
        list: &DemoList,
        members: &[i64],
        _created_at: i64,
    ) -> SeedResult<i64> {
        let mut body = json!({
            "name": list.name,
            "objectTypeId": ObjectType::Contacts.type_id(),
            "processingType": list.processing_type.as_str(),
        });
        if let Some(branch) = &list.filter_branch {
            body["filterBranch"] = branch.clone();
        }
        let created: Value = self.client.post("/crm/v3/lists", &body).await?;
        let id = created
            .get("list")
            .and_then(|l| l.get("listId"))
            .and_then(|v| {
                v.as_str()
                    .and_then(|s| s.parse().ok())
                    .or_else(|| v.as_i64())
            })
            .ok_or_else(|| SeedError::Refused("the created list has no listId".into()))?;
        if !members.is_empty() {
            let ids: Vec<String> = members.iter().map(i64::to_string).collect();
            let _: Value = self
                .client
                .put(&format!("/crm/v3/lists/{id}/memberships/add"), &json!(ids))
                .await?;
        }
        Ok(id)
    }
}
