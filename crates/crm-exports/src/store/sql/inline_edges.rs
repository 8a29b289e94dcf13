//! The associations a call of creates makes with its new records (seeding, batch create
//! with `associations`), at bulk speed: the targets are checked live with one query per
//! object type and few hundred ids, each pair's association limits are read once, and the
//! edges (two rows each, one per direction) are written many to one statement. Each of
//! those was a round trip per edge, which on PostgreSQL held such calls to about a
//! thousand records a second. Rows wait only until something reads edges back.

use std::collections::{HashMap, HashSet};

use super::association_limits;
use super::builder::Sql;
use super::exec::Exec;
use super::records::live_among;
use crate::domain::ObjectType;
use crate::store::{AssociationLimit, Edge, PortalId, StoreResult, WriteOp};

/// Ids per liveness query, well under either database's limit on bound parameters.
const IDS_PER_QUERY: usize = 500;

/// Edge rows (one direction each) per statement, 7 parameters a row.
const ROWS_PER_INSERT: usize = 512;

const COLUMNS: &str = "INSERT INTO associations \
     (portal_id, from_type, from_id, to_type, to_id, type_id, created_at) VALUES ";

/// One direction of an edge waiting to be written.
struct EdgeRow {
    from: ObjectType,
    from_id: i64,
    to: ObjectType,
    to_id: i64,
    type_id: i64,
}

/// What a call of creates knows about the associations it makes.
#[derive(Default)]
pub struct InlineEdges {
    /// The live records among the targets the call names, by object type (other types
    /// than the one created: its own records may be created by the call itself).
    live: HashMap<ObjectType, HashSet<i64>>,
    limits: HashMap<ObjectType, Vec<AssociationLimit>>,
    pending: Vec<EdgeRow>,
}

impl InlineEdges {
    /// Reads which targets of `ops`' edges are live records, for every type but `object`.
    pub async fn prefetch(
        e: &mut dyn Exec,
        portal: PortalId,
        object: ObjectType,
        ops: &[WriteOp],
    ) -> StoreResult<Self> {
        let mut wanted: HashMap<ObjectType, Vec<i64>> = HashMap::new();
        for op in ops {
            if let WriteOp::Create(_, edges) = op {
                for edge in edges.iter().filter(|edge| edge.to != object) {
                    wanted.entry(edge.to).or_default().push(edge.to_id);
                }
            }
        }
        let mut live = HashMap::new();
        for (target, mut ids) in wanted {
            ids.sort_unstable();
            ids.dedup();
            let mut found = HashSet::with_capacity(ids.len());
            for chunk in ids.chunks(IDS_PER_QUERY) {
                found.extend(live_among(e, portal, target, chunk).await?);
            }
            live.insert(target, found);
        }
        Ok(Self {
            live,
            ..Self::default()
        })
    }

    /// Whether `id` is a live record of `object`, if the prefetch read it.
    pub fn known_live(&self, object: ObjectType, id: i64) -> Option<bool> {
        self.live.get(&object).map(|ids| ids.contains(&id))
    }

    /// The association limits between `from` and `to`, read once per call.
    pub async fn limits(
        &mut self,
        e: &mut dyn Exec,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
    ) -> StoreResult<Vec<AssociationLimit>> {
        if let Some(limits) = self.limits.get(&to) {
            return Ok(limits.clone());
        }
        let limits = association_limits::applying(e, portal, from, to).await?;
        self.limits.insert(to, limits.clone());
        Ok(limits)
    }

    /// Adds an edge (both directions), written when the statement is full.
    pub async fn push(
        &mut self,
        e: &mut dyn Exec,
        portal: PortalId,
        (from, to): (ObjectType, ObjectType),
        edge: &Edge,
        now: i64,
    ) -> StoreResult<()> {
        self.pending.push(EdgeRow {
            from,
            from_id: edge.from_id,
            to,
            to_id: edge.to_id,
            type_id: edge.type_id,
        });
        self.pending.push(EdgeRow {
            from: to,
            from_id: edge.to_id,
            to: from,
            to_id: edge.from_id,
            type_id: edge.inverse_id,
        });
        if self.pending.len() >= ROWS_PER_INSERT {
            self.flush(e, portal, now).await?;
        }
        Ok(())
    }

    /// Writes every waiting edge (an edge already stored is kept, as one at a time).
    pub async fn flush(&mut self, e: &mut dyn Exec, portal: PortalId, now: i64) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let d = e.dialect();
        let types: Vec<_> = self
            .pending
            .iter()
            .map(|row| (row.from.type_id(), row.to.type_id()))
            .collect();
        let mut sql = Sql::new(d);
        sql.push(COLUMNS);
        for (index, (row, (from_type, to_type))) in self.pending.iter().zip(&types).enumerate() {
            sql.push(if index == 0 { "(" } else { ", (" });
            sql.bind(portal.0).push(", ").bind(from_type.as_ref());
            sql.push(", ")
                .bind(row.from_id)
                .push(", ")
                .bind(to_type.as_ref());
            sql.push(", ").bind(row.to_id).push(", ").bind(row.type_id);
            sql.push(", ").bind(now).push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING");
        e.execute(&sql).await?;
        self.pending.clear();
        Ok(())
    }
}
