//! Association columns of an export: for each associated object type, the associated record
//! ids (`Associated Company IDs`) and, when asked, their primary display values
//! (`Associated Company`), and per labeled type with `includeLabeledAssociations` the ids
//! holding that label (`Associated Company IDs (Primary)`, or a custom label's text:
//! `Associated Company IDs (Manager)`), each `;`-joined and capped at 1,000 per row unless
//! the request lifts the cap. Looked up a batch of rows at a time from the export's
//! blocking thread.

use std::collections::HashMap;
use std::fmt::Write;
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

    /// The extra cells of the records `ids`, in order. The store answers each record's
    /// edges together, in the order of `ids` and by target then type, so one walk along
    /// them fills the rows without a map per record.
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
            if self.display {
                self.load_display_values(target, edges.iter().map(|&(_, to_id, _)| to_id))?;
            }
            // Filled from the cache itself: nothing else takes this lock during the export.
            let cache = self.display_cache.lock().unwrap_or_else(|e| e.into_inner());
            let names = self.display.then_some((&*cache, to));
            let labeled = self.labeled_types(to);
            let mut rest = edges.as_slice();
            for (row, &record_id) in rows.iter_mut().zip(ids) {
                let count = rest.iter().take_while(|e| e.0 == record_id).count();
                let (own, after) = rest.split_at(count);
                rest = after;
                self.push_cells(row, own, names, &labeled);
            }
        }
        Ok(rows)
    }

    /// One record's cells for one associated object type from its edges `(from, to,
    /// type)`, sorted by target: the distinct targets (several types can link one pair),
    /// their display values (from `names`, when shown), and per labeled type the targets
    /// holding that label. Each cell's text is written straight into one string.
    fn push_cells(
        &self,
        row: &mut Vec<Rendered>,
        edges: &[(i64, i64, i64)],
        names: Option<(&DisplayValues, ObjectType)>,
        labeled: &[AssociationType],
    ) {
        let (mut ids, mut shown) = (Joined::default(), Joined::default());
        let mut last = None;
        for &(_, to_id, _) in edges {
            if last == Some(to_id) || self.cap.is_some_and(|cap| ids.count >= cap) {
                continue;
            }
            last = Some(to_id);
            ids.push_id(to_id);
            if let Some((cache, object)) = names
                && let Some(Some(name)) = cache.get(&(object, to_id))
            {
                shown.push(name);
            }
        }
        row.push(ids.cell());
        if names.is_some() {
            row.push(shown.cell());
        }
        for labeled in labeled {
            let mut holding = Joined::default();
            let cap = self.cap.unwrap_or(usize::MAX);
            for e in edges.iter().filter(|e| e.2 == labeled.type_id).take(cap) {
                holding.push_id(e.1);
            }
            row.push(holding.cell());
        }
    }

    /// Reads into the export's cache the display values of `targets` it does not hold yet.
    fn load_display_values(
        &self,
        target: &AssociatedTarget,
        targets: impl Iterator<Item = i64>,
    ) -> StoreResult<()> {
        let mut wanted: Vec<i64> = targets.collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut cache = self.display_cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() + wanted.len() > DISPLAY_CACHE_ENTRIES {
            cache.clear();
        }
        let missing: Vec<i64> = wanted
            .into_iter()
            .filter(|id| !cache.contains_key(&(target.object, *id)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
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
        Ok(())
    }
}

/// A `;`-joined cell written as its values come.
#[derive(Default)]
struct Joined {
    text: String,
    count: usize,
}

impl Joined {
    fn push(&mut self, value: &str) {
        if self.count > 0 {
            self.text.push(';');
        }
        self.text.push_str(value);
        self.count += 1;
    }

    fn push_id(&mut self, id: i64) {
        if self.count > 0 {
            self.text.push(';');
        }
        // Writing into a String cannot fail.
        let _ = write!(self.text, "{id}");
        self.count += 1;
    }

    fn cell(self) -> Rendered {
        if self.text.is_empty() {
            Rendered::Empty
        } else {
            Rendered::Text(self.text)
        }
    }
}

/// Display values kept per export: a company shown beside many contacts is read once. Past
/// this many the cache starts over, so memory stays bounded whatever the export's size.
const DISPLAY_CACHE_ENTRIES: usize = 100_000;

/// The display value of each associated record read so far (`None`: none to show).
pub type DisplayValues = HashMap<(ObjectType, i64), Option<String>>;

/// The export's [`DisplayValues`], shared with the lookup thread.
pub type DisplayCache = Mutex<DisplayValues>;
