//! Demo data: realistic, reproducible CRM records — people named in a dozen languages and
//! scripts, companies, deals and tickets over five years, owners, associations between
//! them, and one list of each kind. `generate` makes each record from the seed alone;
//! this module decides the order and the batches and hands them to a [`Sink`]: the store
//! itself (fast, and stamped with the seed's own dates so a seed always gives the same
//! data) or the batch API of any HubSpot-compatible server.

pub mod api_sink;
pub mod generate;
mod pools;
mod rng;
pub mod store_sink;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::client::ClientError;
use crate::domain::ObjectType;
use crate::domain::list::ProcessingType;
use crate::store::StoreError;
use generate::{Context, FIRST_DAY_MS, SPAN_MS};

/// Why a seed run stopped.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The target cannot be seeded as asked, or answered what the seed cannot use.
    #[error("{0}")]
    Refused(String),
}

pub type SeedResult<T> = Result<T, SeedError>;

/// How much of each object to create, and the seed that decides everything else.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub companies: usize,
    pub contacts: usize,
    pub deals: usize,
    pub tickets: usize,
    pub seed: u64,
}

impl Plan {
    /// Objects in creation order: a record's association targets exist before it.
    pub fn counts(&self) -> [(ObjectType, usize); 4] {
        [
            (ObjectType::Companies, self.companies),
            (ObjectType::Contacts, self.contacts),
            (ObjectType::Deals, self.deals),
            (ObjectType::Tickets, self.tickets),
        ]
    }
}

/// A record ready to write: property values in wire form, associations by target id.
#[derive(Clone, Debug)]
pub struct NewRecord {
    pub properties: Vec<(&'static str, String)>,
    /// (target object, target id, association type id from this record's side)
    pub associations: Vec<(ObjectType, i64, i64)>,
}

/// A list the seed creates, in the shape of HubSpot's lists API.
#[derive(Clone, Debug)]
pub struct DemoList {
    pub name: &'static str,
    pub processing_type: ProcessingType,
    pub filter_branch: Option<Value>,
}

/// Where seeded records go.
#[async_trait]
pub trait Sink: Send {
    /// Records per write.
    fn batch_size(&self) -> usize;
    /// Refuses to seed over records that are already there (their emails would clash).
    async fn check_empty(&mut self, plan: &Plan) -> SeedResult<()>;
    /// The owners records may name, creating the demo owners where the sink can.
    async fn owners(&mut self) -> SeedResult<Vec<i64>>;
    /// Creates `records` and returns their ids in the same order. `created_at` stamps
    /// them where the sink can choose the time.
    async fn create(
        &mut self,
        object: ObjectType,
        records: Vec<NewRecord>,
        created_at: i64,
    ) -> SeedResult<Vec<i64>>;
    /// Creates a contact list; `members` are added to a MANUAL one.
    async fn create_list(
        &mut self,
        list: &DemoList,
        members: &[i64],
        created_at: i64,
    ) -> SeedResult<i64>;
}

/// What a seed run made.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub created: Vec<(ObjectType, usize)>,
    pub owners: usize,
    pub lists: Vec<(&'static str, i64)>,
}

/// Reports progress: the object being written, records done, records planned.
pub type ProgressFn<'a> = dyn FnMut(ObjectType, usize, usize) + Send + 'a;

pub async fn run(
    plan: &Plan,
    sink: &mut dyn Sink,
    progress: &mut ProgressFn<'_>,
) -> SeedResult<Summary> {
    sink.check_empty(plan).await?;
    let owners = sink.owners().await?;
    let ctx = Context {
        seed: plan.seed,
        companies: plan.companies,
        contacts: plan.contacts,
        owners: &owners,
    };
    let mut summary = Summary {
        owners: owners.len(),
        ..Summary::default()
    };
    let mut made = Targets::default();
    for (object, total) in plan.counts() {
        let ids = create_all(sink, &ctx, &made, object, total, progress).await?;
        match object {
            ObjectType::Companies => made.companies = ids,
            ObjectType::Contacts => made.contacts = ids,
            _ => {}
        }
        summary.created.push((object, total));
    }
    if !made.contacts.is_empty() {
        let last_day = FIRST_DAY_MS + SPAN_MS;
        // Every 20th contact, at most 50: a hand-picked list.
        let members: Vec<i64> = made.contacts.iter().step_by(20).take(50).copied().collect();
        for list in demo_lists() {
            let members = if list.processing_type == ProcessingType::Manual {
                &members[..]
            } else {
                &[]
            };
            let id = sink.create_list(&list, members, last_day).await?;
            summary.lists.push((list.name, id));
        }
    }
    Ok(summary)
}

/// The ids of the records other records associate with: companies and contacts.
#[derive(Default)]
struct Targets {
    companies: Vec<i64>,
    contacts: Vec<i64>,
}

/// Creates `total` records of `object` in batches; returns their ids where they are
/// association targets.
async fn create_all(
    sink: &mut dyn Sink,
    ctx: &Context<'_>,
    made: &Targets,
    object: ObjectType,
    total: usize,
    progress: &mut ProgressFn<'_>,
) -> SeedResult<Vec<i64>> {
    // Small data sets get small batches, so their creation dates still spread over
    // the five years; large ones get the sink's largest batch.
    let batch = (total / 100).clamp(1, sink.batch_size());
    let keep_ids = matches!(object, ObjectType::Companies | ObjectType::Contacts);
    let mut ids = Vec::with_capacity(if keep_ids { total } else { 0 });
    let mut start = 0;
    while start < total {
        let end = (start + batch).min(total);
        let records = (start..end)
            .map(|i| {
                let draft = generate::draft(object, ctx, i);
                let associations = draft
                    .links
                    .iter()
                    .map(|l| {
                        let target = if l.to == ObjectType::Companies {
                            &made.companies
                        } else {
                            &made.contacts
                        };
                        (l.to, target[l.index], l.type_id)
                    })
                    .collect();
                NewRecord {
                    properties: draft.properties,
                    associations,
                }
            })
            .collect();
        let created_at = FIRST_DAY_MS + (SPAN_MS as i128 * start as i128 / total as i128) as i64;
        let created = sink.create(object, records, created_at).await?;
        if keep_ids {
            ids.extend(created);
        }
        start = end;
        progress(object, start, total);
    }
    Ok(ids)
}

fn property_branch(filter: Value) -> Value {
    json!({
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [{
            "filterBranchType": "AND",
            "filters": [filter],
            "filterBranches": [],
        }],
    })
}

/// One list of each kind, all of contacts.
pub fn demo_lists() -> Vec<DemoList> {
    vec![
        DemoList {
            name: "Demo: key accounts",
            processing_type: ProcessingType::Manual,
            filter_branch: None,
        },
        DemoList {
            name: "Demo: customers when seeded",
            processing_type: ProcessingType::Snapshot,
            filter_branch: Some(property_branch(json!({
                "filterType": "PROPERTY",
                "property": "lifecyclestage",
                "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF", "values": ["customer"]},
            }))),
        },
        DemoList {
            name: "Demo: contacts in Paris",
            processing_type: ProcessingType::Dynamic,
            filter_branch: Some(property_branch(json!({
                "filterType": "PROPERTY",
                "property": "city",
                "operation": {"operationType": "STRING", "operator": "IS_EQUAL_TO", "value": "Paris"},
            }))),
        },
    ]
}
