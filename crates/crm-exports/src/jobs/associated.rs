//! Association columns of an export: for each associated object type, the associated record
//! ids (`Associated Company IDs`) and, when asked, their primary display values
//! (`Associated Company`), and per labeled type with `includeLabeledAssociations` the ids
//! holding that label (`Associated Company IDs (Primary)`, or a custom label's text:
//! `Associated Company IDs (Manager)`), each `;`-joined and capped at 1,000 per row unless
//! the request lifts the cap. Looked up a batch of rows at a time from the export's
//! blocking thread.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::ObjectType;
use crate::domain::association::{AssociationCatalog, AssociationType};
use crate::domain::schema::ObjectSchema;
use crate::jobs::render::Rendered;
use crate::store::{PortalId, RecordStream, StoreResult};

/// HubSpot's default cap on associated records per association type per row.
pub const PER_ROW_CAP: usize = 1_000;

/// An associated object type as its columns show it.
#[derive(Clone, Debug)]
pub struct AssociatedTarget {
    pub object: ObjectType,
    /// The singular label in headers: `Associated Company IDs`.
    pub label: String,
    /// The property whose value the display column shows.
    pub display_property: String,
}

impl AssociatedTarget {
    pub fn from_schema(schema: &ObjectSchema) -> Self {
        Self {
            object: schema.object,
            label: schema.singular_label(),
            display_property: schema.display_property(),
        }
    }
}

pub struct AssociationColumns {
    pub store: Arc<dyn RecordStream>,
    pub runtime: tokio::runtime::Handle,
    pub portal: PortalId,
    pub from: ObjectType,
    pub targets: Vec<AssociatedTarget>,
    pub catalog: AssociationCatalog,
    pub display: bool,
    /// Adds `Associated Company IDs (Primary)`-style columns per labeled type.
    pub labeled: bool,
    pub cap: Option<usize>,
    pub display_cache: DisplayCache,
}

impl AssociationColumns {
    pub fn headers(&self) -> Vec<String> {
        let mut headers = Vec::new();
        for t in &self.targets {
            headers.push(format!("Associated {} IDs", t.label));
            if self.display {
                headers.push(format!("Associated {}", t.label));
            }
            for labeled in self.labeled_types(t.object) {
                headers.push(format!(
                    "Associated {} IDs ({})",
                    t.label,
                    labeled.label.as_deref().unwrap_or_default()
                ));
            }
        }
        headers
    }

    fn labeled_types(&self, to: ObjectType) -> Vec<AssociationType> {
        if !self.labeled {
            return Vec::new();
        }
        self.catalog
            .types_between(self.from, to)
            .into_iter()
            .filter(|t| t.label.is_some())
            .collect()
    }

    /// The extra cells of the records `ids`, in order.
    pub fn cells(&self, ids: &[i64]) -> StoreResult<Vec<Vec<Rendered>>> {
        let mut rows: Vec<Vec<Rendered>> = vec![Vec::new(); ids.len()];
        for target in &self.targets {
            let to = target.object;
            let edges = self.runtime.block_on(self.store.batch_associations(
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
            for (from_id, to_id, _) in edges {
                let list = targets.entry(from_id).or_default();
                if list.last() != Some(&to_id) && self.cap.is_none_or(|cap| list.len() < cap) {
                    list.push(to_id);
                }
            }
            let names = if self.display {
                self.display_values(target, &targets)?
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
        target: &AssociatedTarget,
        targets: &HashMap<i64, Vec<i64>>,
    ) -> StoreResult<HashMap<i64, String>> {
        let mut wanted: Vec<i64> = targets.values().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut cache = self.display_cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() + wanted.len() > DISPLAY_CACHE_ENTRIES {
            cache.clear();
        }
        let missing: Vec<i64> = wanted
            .iter()
            .copied()
            .filter(|id| !cache.contains_key(&(target.object, *id)))
            .collect();
        if !missing.is_empty() {
            let property = target.display_property.clone();
            let found = self.runtime.block_on(self.store.display_records(
                self.portal,
                target.object,
                missing.clone(),
                property.clone(),
            ))?;
            for id in missing {
                cache.insert((target.object, id), None);
            }
            for record in found {
                let value = record.get(&property).map(|v| v.to_wire(None));
                cache.insert((target.object, record.id), value);
            }
        }
        Ok(wanted
            .into_iter()
            .filter_map(|id| Some((id, cache.get(&(target.object, id))?.clone()?)))
            .collect())
    }
}

/// Display values kept per export: a company shown beside many contacts is read once. Past
/// this many the cache starts over, so memory stays bounded whatever the export's size.
const DISPLAY_CACHE_ENTRIES: usize = 100_000;

/// The display value of each associated record read so far (`None`: none to show).
pub type DisplayCache = Mutex<HashMap<(ObjectType, i64), Option<String>>>;

fn joined(values: impl Iterator<Item = String>) -> Rendered {
    let text = values.collect::<Vec<_>>().join(";");
    if text.is_empty() {
        Rendered::Empty
    } else {
        Rendered::Text(text)
    }
}
