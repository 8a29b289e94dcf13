//! In-memory copies of what the API reads on nearly every request, for a store that keeps
//! them (SQLite, where one process serves the API): schemas by portal and object type
//! (dropped by this store's own schema changes), and for a short time a token by its hash
//! and a finished export polled for its status, so those requests skip a trip to a
//! blocking thread and the database. Writes made through this store drop the entries they
//! touch at once; the time limit bounds how long a change made by another process (the
//! `token revoke` command, a worker's retention sweep) can go unseen. A store shared by
//! several processes (PostgreSQL) keeps only schemas, each with the database's stamp of
//! when its portal's schemas last changed ([`StampedSchemas`]), trusted while it holds.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::ObjectType;
use crate::domain::schema::ObjectSchema;
use crate::store::{ExportRow, PortalId, TokenInfo};

/// The caches of one store.
pub struct Caches {
    schemas: Mutex<HashMap<(PortalId, ObjectType), Arc<ObjectSchema>>>,
    /// Live tokens by hash.
    pub tokens: TtlCache<String, Arc<TokenInfo>>,
    /// Finished exports by id: a finished row only changes when retention deletes it.
    pub finished_exports: TtlCache<i64, Arc<ExportRow>>,
}

impl Caches {
    pub fn new() -> Self {
        Self {
            schemas: Mutex::new(HashMap::new()),
            tokens: TtlCache::new(),
            finished_exports: TtlCache::new(),
        }
    }

    pub fn schema(&self, portal: PortalId, object: ObjectType) -> Option<Arc<ObjectSchema>> {
        self.schemas.lock().ok()?.get(&(portal, object)).cloned()
    }

    pub fn keep_schema(&self, portal: PortalId, object: ObjectType, schema: Arc<ObjectSchema>) {
        if let Ok(mut schemas) = self.schemas.lock() {
            schemas.insert((portal, object), schema);
        }
    }

    pub fn forget_schema(&self, portal: PortalId, object: ObjectType) {
        if let Ok(mut schemas) = self.schemas.lock() {
            schemas.remove(&(portal, object));
        }
    }

    /// Drops every entry (the whole store was replaced by a snapshot).
    pub fn forget_everything(&self) {
        if let Ok(mut schemas) = self.schemas.lock() {
            schemas.clear();
        }
        self.tokens.remove_where(|_, _| true);
        self.finished_exports.remove_where(|_, _| true);
    }

    /// Drops every schema of the portal (its association types changed).
    pub fn forget_portal_schemas(&self, portal: PortalId) {
        if let Ok(mut schemas) = self.schemas.lock() {
            schemas.retain(|(p, _), _| *p != portal);
        }
    }
}

/// When a portal's schemas last changed, as the database tells (PostgreSQL's
/// `crm_schema_versions`): the portal's own stamp and the one every portal shares (set when
/// a whole table is emptied). Stamps are never reused, so equal stamps mean equal schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaStamp {
    pub portal: i64,
    pub all: i64,
}

/// A schema with the stamp it was read under.
type StampedSchema = (SchemaStamp, Arc<ObjectSchema>);

/// Schemas kept with the stamp they were read under, for a store other processes change.
pub struct StampedSchemas {
    entries: Mutex<HashMap<(PortalId, ObjectType), StampedSchema>>,
}

impl StampedSchemas {
    pub fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The schema kept for the object, if it was read under `stamp`.
    pub fn get(
        &self,
        portal: PortalId,
        object: ObjectType,
        stamp: SchemaStamp,
    ) -> Option<Arc<ObjectSchema>> {
        let entries = self.entries.lock().ok()?;
        let (kept, schema) = entries.get(&(portal, object))?;
        (*kept == stamp).then(|| schema.clone())
    }

    /// Keeps a schema read under `stamp` (the stamp read first, in the same transaction).
    pub fn keep(
        &self,
        portal: PortalId,
        object: ObjectType,
        stamp: SchemaStamp,
        schema: Arc<ObjectSchema>,
    ) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert((portal, object), (stamp, schema));
        }
    }
}

/// How long an entry is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(2);

/// Entries beyond this are not kept (the cache is emptied and starts over), so a flood of
/// distinct keys cannot grow memory.
const MAX_ENTRIES: usize = 4096;

pub struct TtlCache<K, V> {
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    entries: HashMap<K, (Instant, V)>,
    /// Bumped by every removal, so a read that began before a write cannot store what it
    /// read after the write dropped the entry.
    generation: u64,
}

/// When a read began, for [`TtlCache::put`].
#[derive(Clone, Copy)]
pub struct ReadStart {
    at: Instant,
    generation: u64,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                generation: 0,
            }),
        }
    }

    /// The value stored for `key` less than [`TTL`] before `now`.
    pub fn get<Q>(&self, key: &Q, now: Instant) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let inner = self.inner.lock().ok()?;
        let (stored, value) = inner.entries.get(key)?;
        (now.saturating_duration_since(*stored) < TTL).then(|| value.clone())
    }

    /// Marks the start of a database read whose result may be [`put`](Self::put).
    pub fn read_start(&self, now: Instant) -> ReadStart {
        let generation = self.inner.lock().map_or(u64::MAX, |i| i.generation);
        ReadStart {
            at: now,
            generation,
        }
    }

    /// Stores what a read begun at `start` found, unless something was removed since; it
    /// expires [`TTL`] after the read began.
    pub fn put(&self, key: K, value: V, start: ReadStart) {
        if let Ok(mut inner) = self.inner.lock() {
            if inner.generation != start.generation {
                return;
            }
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
            inner.entries.insert(key, (start.at, value));
        }
    }

    /// Drops every entry `doomed` picks.
    pub fn remove_where(&self, doomed: impl Fn(&K, &V) -> bool) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.generation += 1;
            inner.entries.retain(|k, (_, v)| !doomed(k, v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_served_until_it_expires_or_is_removed() {
        let cache = TtlCache::new();
        let t0 = Instant::now();
        cache.put("a", 1, cache.read_start(t0));
        assert_eq!(cache.get(&"a", t0 + TTL / 2), Some(1));
        assert_eq!(cache.get(&"a", t0 + TTL), None);
        cache.remove_where(|_, v| *v == 1);
        assert_eq!(cache.get(&"a", t0), None);
    }

    #[test]
    fn a_read_that_raced_a_removal_is_not_stored() {
        let cache = TtlCache::new();
        let t0 = Instant::now();
        let start = cache.read_start(t0);
        cache.remove_where(|_, _: &i32| true);
        cache.put("a", 1, start);
        assert_eq!(cache.get(&"a", t0), None);
    }
}
