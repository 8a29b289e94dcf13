//! Association columns of an export: for each associated object type, the associated record
//! ids (`Associated Company IDs`) and, when asked, their primary display values
//! (`Associated Company`), and per labeled type with `includeLabeledAssociations` the ids
//! holding that label (`Associated Company IDs (Primary)`), each `;`-joined and capped at 1,000 per row unless the request
//! lifts the cap. Looked up a batch of rows at a time from the export's blocking thread.

use std::collections::HashMap;

use crate::domain::ObjectType;
use crate::domain::association::{AssociationType, types_between};
use crate::jobs::render::Rendered;
use crate::store::{PortalId, RecordKey, SharedStore, Visibility};

/// HubSpot's default cap on associated records per association type per row.
pub const PER_ROW_CAP: usize = 1_000;

/// The property shown for an associated record. Contacts show their email (unique and
/// always meaningful); the others their name property.
pub fn display_property(object: ObjectType) -> &'static str {
    match object {
        ObjectType::Contacts => "email",
        ObjectType::Companies => "name",
        ObjectType::Deals => "dealname",
        ObjectType::Tickets => "subject",
    }
}

fn label(object: ObjectType) -> &'static str {
    match object {
        ObjectType::Contacts => "Contact",
        ObjectType::Companies => "Company",
        ObjectType::Deals => "Deal",
        ObjectType::Tickets => "Ticket",
    }
}

pub struct AssociationColumns {
    pub store: SharedStore,
    pub runtime: tokio::runtime::Handle,
    pub portal: PortalId,
    pub from: ObjectType,
    pub types: Vec<ObjectType>,
    pub display: bool,
    /// Adds `Associated Company IDs (Primary)`-style columns per labeled type.
    pub labeled: bool,
    pub cap: Option<usize>,
}

impl AssociationColumns {
    pub fn headers(&self) -> Vec<String> {
        let mut headers = Vec::new();
        for t in &self.types {
            headers.push(format!("Associated {} IDs", label(*t)));
            if self.display {
                headers.push(format!("Associated {}", label(*t)));
            }
            for labeled in self.labeled_types(*t) {
                headers.push(format!(
                    "Associated {} IDs ({})",
                    label(*t),
                    labeled.label.unwrap_or_default()
                ));
            }
        }
        headers
    }

    fn labeled_types(&self, to: ObjectType) -> Vec<AssociationType> {
        if !self.labeled {
            return Vec::new();
        }
        types_between(self.from, to)
            .into_iter()
            .filter(|t| t.label.is_some())
            .collect()
    }

    /// The extra cells of the records `ids`, in order.
    pub fn cells(&self, ids: &[i64]) -> anyhow::Result<Vec<Vec<Rendered>>> {
        let mut rows: Vec<Vec<Rendered>> = vec![Vec::new(); ids.len()];
        for &to in &self.types {
            let edges = self.runtime.block_on(self.store.read_associations(
                self.portal,
                self.from,
                to,
                ids.to_vec(),
            ))?;
            // Distinct targets per record, in id order (several types can link one pair).
            let mut targets: HashMap<i64, Vec<i64>> = HashMap::new();
            let mut by_type: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
            for &(from_id, to_id, type_id) in &edges {
                by_type.entry((from_id, type_id)).or_default().push(to_id);
            }
            let mut by_type: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
            for &(from_id, to_id, type_id) in &edges {
                by_type.entry((from_id, type_id)).or_default().push(to_id);
            }
            for (from_id, to_id, _) in edges {
                let list = targets.entry(from_id).or_default();
                if list.last() != Some(&to_id) && self.cap.is_none_or(|cap| list.len() < cap) {
                    list.push(to_id);
                }
            }
            let names = if self.display {
                self.display_values(to, &targets)?
            } else {
                HashMap::new()
            };
            for (row, &record_id) in rows.iter_mut().zip(ids) {
                let linked = targets.get(&record_id).map(Vec::as_slice).unwrap_or(&[]);
                row.push(joined(linked.iter().map(i64::to_string)));
                if self.display {
                    row.push(joined(
                        linked.iter().filter_map(|id| names.get(id).cloned()),
                    ));
                }
                for labeled in self.labeled_types(to) {
                    let ids = by_type
                        .get(&(record_id, labeled.type_id))
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    let capped = &ids[..self.cap.map_or(ids.len(), |cap| ids.len().min(cap))];
                    row.push(joined(capped.iter().map(i64::to_string)));
                }
            }
        }
        Ok(rows)
    }

    fn display_values(
        &self,
        to: ObjectType,
        targets: &HashMap<i64, Vec<i64>>,
    ) -> anyhow::Result<HashMap<i64, String>> {
        let mut wanted: Vec<i64> = targets.values().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let keys = wanted.iter().map(|id| RecordKey::Id(*id)).collect();
        let property = display_property(to).to_string();
        let found = self.runtime.block_on(self.store.read_records(
            self.portal,
            to,
            keys,
            vec![property.clone()],
            Visibility::Live,
        ))?;
        Ok(found
            .into_iter()
            .flatten()
            .filter_map(|r| Some((r.id, r.get(&property)?.to_wire(None))))
            .collect())
    }
}

fn joined(values: impl Iterator<Item = String>) -> Rendered {
    let text = values.collect::<Vec<_>>().join(";");
    if text.is_empty() {
        Rendered::Empty
    } else {
        Rendered::Text(text)
    }
}
