//! Writing records: creates (with the associations made in the same transaction), updates
//! and upserts by unique value, applied in order. Ids come from the server-wide sequence, a
//! block per call; uniqueness is checked before writing, so a conflict names the record that
//! holds the value, and the database's unique index catches what a concurrent writer slips
//! past the check. A call of creates only writes its new rows many to a statement
//! ([`PendingRows`]).

use std::collections::HashMap;

use super::association_limits;
use super::builder::{Param, Sql};
use super::deferred::PendingRows;
use super::dialect::{Dialect, Sequence, table_name};
use super::exec::{Exec, first, rows};
use super::inline_edges::InlineEdges;
use super::records::{is_live, push_equals, resolve_live};
use crate::domain::schema::ObjectSchema;
use crate::domain::{ObjectType, Value};
use crate::store::{
    Edge, EdgeRefusal, NewEdge, PortalId, PropertyValues, RecordKey, StoreError, StoreResult,
    WriteFailure, WriteOp, Written,
};

type Outcome = Result<Written, WriteFailure>;

/// What one write call works with.
struct Batch<'s> {
    portal: PortalId,
    schema: &'s ObjectSchema,
    now: i64,
    ids: IdBlock,
    taken: TakenValues,
    insert: PendingRows<'s>,
    edges: InlineEdges,
    /// Whether new rows may wait in `insert`: only when the call makes nothing but creates,
    /// so no update or lookup by value in it can miss a row still waiting.
    deferring: bool,
}

/// Applies `ops` in order; the caller decides whether to keep them (an atomic batch with a
/// failure is rolled back).
pub async fn write<'s>(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &'s ObjectSchema,
    ops: &'s [WriteOp],
    now: i64,
) -> StoreResult<Vec<Outcome>> {
    let creations = ops
        .iter()
        .filter(|op| matches!(op, WriteOp::Create(..) | WriteOp::Upsert(..)))
        .count();
    let mut batch = Batch {
        portal,
        schema,
        now,
        ids: IdBlock::reserve(e, creations).await?,
        taken: TakenValues::load(e, portal, schema, ops).await?,
        insert: PendingRows::new(now),
        edges: InlineEdges::default(),
        deferring: ops.iter().all(|op| matches!(op, WriteOp::Create(..))),
    };
    if batch.deferring {
        batch.edges = InlineEdges::prefetch(e, portal, schema.object, ops).await?;
    }
    let mut outcomes = Vec::with_capacity(ops.len());
    for op in ops {
        let outcome = match op {
            WriteOp::Create(values, edges) => batch.create_with_edges(e, values, edges).await?,
            WriteOp::Update(key, values) => match resolve_live(e, portal, schema, key).await? {
                Some(id) => batch.update(e, id, values).await?,
                None => Err(WriteFailure::NotFound(key.clone())),
            },
            WriteOp::Upsert(key, values) => batch.upsert(e, key, values).await?,
        };
        outcomes.push(outcome);
    }
    batch.insert.flush(e, (portal, schema)).await?;
    batch.edges.flush(e, portal, now).await?;
    Ok(outcomes)
}

impl<'s> Batch<'s> {
    async fn create_with_edges(
        &mut self,
        e: &mut dyn Exec,
        values: &'s PropertyValues,
        edges: &[NewEdge],
    ) -> StoreResult<Outcome> {
        if self.deferring && edges.iter().any(|edge| edge.to == self.schema.object) {
            // The target may be a record of this call still waiting to be written.
            self.insert.flush(e, (self.portal, self.schema)).await?;
        }
        for edge in edges {
            let live = match self.edges.known_live(edge.to, edge.to_id) {
                Some(live) => live,
                None => is_live(e, self.portal, edge.to, edge.to_id).await?,
            };
            if !live {
                return Ok(Err(WriteFailure::MissingAssociationTarget(edge.to_id)));
            }
        }
        if let Some(refused) = self.over_limit(e, edges).await? {
            return Ok(Err(refused));
        }
        let created = self.create(e, values).await?;
        if let Ok(written) = &created {
            let (portal, now) = (self.portal, self.now);
            for edge in edges {
                let made = Edge {
                    from_id: written.id,
                    to_id: edge.to_id,
                    type_id: edge.type_id,
                    inverse_id: edge.inverse_id,
                };
                let pair = (self.schema.object, edge.to);
                self.edges.push(e, portal, pair, &made, now).await?;
            }
            if !self.deferring {
                self.edges.flush(e, portal, now).await?;
            }
        }
        Ok(created)
    }

    /// Whether a new record's inline edges would go over an association limit: the new
    /// record holds only these edges, and each target what it holds already.
    async fn over_limit(
        &mut self,
        e: &mut dyn Exec,
        edges: &[NewEdge],
    ) -> StoreResult<Option<WriteFailure>> {
        let from = self.schema.object;
        for (index, edge) in edges.iter().enumerate() {
            let limits = self.edges.limits(e, self.portal, from, edge.to).await?;
            if limits.is_empty() {
                continue;
            }
            // The check counts the target's stored edges to live records: write the
            // waiting records and edges first.
            self.insert.flush(e, (self.portal, self.schema)).await?;
            self.edges.flush(e, self.portal, self.now).await?;
            let same = |o: &&NewEdge| o.to == edge.to && o.type_id == edge.type_id;
            let before = edges[..index].iter().filter(same).count() as i64;
            let mine = limits
                .iter()
                .find(|l| l.from == from && l.to == edge.to && l.type_id == edge.type_id);
            if let Some(limit) = mine.filter(|l| before >= l.max_to_object_ids) {
                return Ok(Some(WriteFailure::OverAssociationLimit {
                    // 0: the record being created, which has no id yet.
                    record_id: 0,
                    limit: *limit,
                }));
            }
            // The new record has no edges yet: id 0 stands for it on the target's side.
            let probe = Edge {
                from_id: 0,
                to_id: edge.to_id,
                type_id: edge.type_id,
                inverse_id: edge.inverse_id,
            };
            let pair = (from, edge.to);
            if let Some(EdgeRefusal::OverLimit { record_id, limit }) =
                association_limits::refusal(e, self.portal, pair, &probe, &limits).await?
            {
                return Ok(Some(WriteFailure::OverAssociationLimit {
                    record_id,
                    limit,
                }));
            }
        }
        Ok(None)
    }

    /// Updates the record with this unique value, or creates it with the value set.
    async fn upsert(
        &mut self,
        e: &mut dyn Exec,
        key: &RecordKey,
        values: &PropertyValues,
    ) -> StoreResult<Outcome> {
        if let Some(id) = resolve_live(e, self.portal, self.schema, key).await? {
            return self.update(e, id, values).await;
        }
        let RecordKey::Unique { property, value } = key else {
            return Ok(Err(WriteFailure::NotFound(key.clone())));
        };
        let mut values = values.clone();
        if !values.iter().any(|(name, _)| name == property) {
            values.push((property.clone(), Some(Value::Text(value.clone()))));
        }
        let id = match self.admit(e, &values).await? {
            Ok(id) => id,
            Err(failure) => return Ok(Err(failure)),
        };
        // The values are this call's own copy, so the row owns its parameters.
        let row = stored_values(e.dialect(), self.schema, &values)?;
        let row = row.into_iter().map(|(n, v)| (n, v.into_owned())).collect();
        self.write_row(e, id, row).await?;
        Ok(Ok(Written { id, created: true }))
    }

    async fn create(
        &mut self,
        e: &mut dyn Exec,
        values: &'s PropertyValues,
    ) -> StoreResult<Outcome> {
        let id = match self.admit(e, values).await? {
            Ok(id) => id,
            Err(failure) => return Ok(Err(failure)),
        };
        let row = stored_values(e.dialect(), self.schema, values)?;
        self.write_row(e, id, row).await?;
        Ok(Ok(Written { id, created: true }))
    }

    /// Checks a new record's unique values and gives it an id; the failure when another
    /// record holds one of them.
    async fn admit(
        &mut self,
        e: &mut dyn Exec,
        values: &PropertyValues,
    ) -> StoreResult<Result<i64, WriteFailure>> {
        if self.deferring && self.taken.reads_store(values) {
            self.insert.flush(e, (self.portal, self.schema)).await?;
        }
        if let Err(failure) = self
            .taken
            .check(e, self.portal, self.schema, values, 0)
            .await?
        {
            return Ok(Err(failure));
        }
        let id = self.ids.take()?;
        self.taken.note(values, id);
        Ok(Ok(id))
    }

    /// Writes a new record's row, or leaves it waiting for the next statement.
    async fn write_row(
        &mut self,
        e: &mut dyn Exec,
        id: i64,
        row: Vec<(&str, Param<'s>)>,
    ) -> StoreResult<()> {
        let target = (self.portal, self.schema);
        self.insert.push(e, target, id, row).await?;
        if !self.deferring {
            self.insert.flush(e, target).await?;
        }
        Ok(())
    }

    async fn update(
        &mut self,
        e: &mut dyn Exec,
        id: i64,
        values: &PropertyValues,
    ) -> StoreResult<Outcome> {
        if let Err(failure) = self
            .taken
            .check(e, self.portal, self.schema, values, id)
            .await?
        {
            return Ok(Err(failure));
        }
        let d = e.dialect();
        let object = self.schema.object;
        let mut sql = Sql::new(d);
        sql.push("UPDATE ").push(&table_name(self.portal, object));
        sql.push(" SET updated_at = ").bind(self.now);
        for (name, value) in values {
            let kind = known(self.schema, name)?.property_type;
            sql.push(", ").push(&d.column(object, name)).push(" = ");
            match value {
                Some(v) => sql.bind(d.stored_value(kind, v)),
                None => sql.push("NULL"),
            };
        }
        sql.push(" WHERE id = ").bind(id);
        e.execute(&sql).await?;
        Ok(Ok(Written { id, created: false }))
    }
}

/// The property a write names, which must be in the schema: the API drops unknown names,
/// and one must never reach the SQL.
fn known<'s>(
    schema: &'s ObjectSchema,
    name: &str,
) -> StoreResult<&'s crate::domain::property::PropertyDefinition> {
    schema
        .property(name)
        .ok_or_else(|| StoreError::internal(format!("unknown property {name}")))
}

/// Record ids reserved for one write call in one statement. Ids of creates that fail stay
/// unused: ids need to be unique and increasing, not gapless.
struct IdBlock {
    ids: std::vec::IntoIter<i64>,
}

impl IdBlock {
    async fn reserve(e: &mut dyn Exec, count: usize) -> StoreResult<Self> {
        Ok(Self {
            ids: reserve(e, Sequence::Record, count as i64)
                .await?
                .into_iter(),
        })
    }

    fn take(&mut self) -> StoreResult<i64> {
        self.ids
            .next()
            .ok_or_else(|| StoreError::internal("record id block exhausted"))
    }
}

/// `count` numbers from `sequence`, in increasing order.
pub async fn reserve(e: &mut dyn Exec, sequence: Sequence, count: i64) -> StoreResult<Vec<i64>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let d = e.dialect();
    let mut ids = rows(e, &d.reserve(sequence, count), |r| r.int(0)).await?;
    if let [first] = ids[..]
        && count > 1
    {
        // One row is the first of a block (SQLite's counters).
        ids = (first..first + count).collect();
    }
    ids.sort_unstable();
    if ids.len() as i64 != count {
        return Err(StoreError::internal(
            "the id sequence returned too few numbers",
        ));
    }
    Ok(ids)
}

/// Which unique values live records hold, for the uniqueness checks of one write call.
///
/// A call made only of creates (a batch create) looks up every unique text value it will
/// write in one query per chunk before its first insert, and adds each value it inserts, so
/// a record conflicting with an earlier input of the same call is caught too. Any other
/// call (an update can take or free a value) and unique values that are not text ask the
/// database per record. Text compares ignoring ASCII case, as the unique index does.
struct TakenValues {
    /// The schema's unique properties.
    unique: Vec<String>,
    /// (index into `unique`, value in ASCII lower case) → the live record holding it.
    known: Option<HashMap<(usize, String), i64>>,
}

/// Values per lookup query, well under either database's limit on bound parameters.
const LOOKUP_CHUNK: usize = 500;

impl TakenValues {
    async fn load(
        e: &mut dyn Exec,
        portal: PortalId,
        schema: &ObjectSchema,
        ops: &[WriteOp],
    ) -> StoreResult<Self> {
        let unique: Vec<String> = schema
            .properties
            .iter()
            .filter(|p| p.is_unique(schema.object))
            .map(|p| p.name.clone())
            .collect();
        let only_creates = ops.iter().all(|op| matches!(op, WriteOp::Create(..)));
        if unique.is_empty() || !only_creates {
            return Ok(Self {
                unique,
                known: None,
            });
        }
        // The lookups probe the unique index, however the planner prices a scan.
        let probes = e.dialect().index_probes_only();
        // Run as scripts: a setting takes no parameters, so preparing and closing it
        // would only add round trips.
        if let Some((prefer, _)) = probes {
            e.script(prefer).await?;
        }
        let mut known = HashMap::new();
        for (index, property) in unique.iter().enumerate() {
            let wanted: Vec<&str> = ops
                .iter()
                .filter_map(|op| match op {
                    WriteOp::Create(values, _) => Some(values),
                    _ => None,
                })
                .flat_map(|values| values.iter())
                .filter(|(name, _)| name == property)
                .filter_map(|(_, value)| match value {
                    Some(Value::Text(text)) => Some(text.as_str()),
                    _ => None,
                })
                .collect();
            for chunk in wanted.chunks(LOOKUP_CHUNK) {
                for (held, id) in holders(e, portal, schema.object, property, chunk).await? {
                    known.insert((index, held.to_ascii_lowercase()), id);
                }
            }
        }
        if let Some((_, restore)) = probes {
            e.script(restore).await?;
        }
        Ok(Self {
            unique,
            known: Some(known),
        })
    }

    /// Fails with `Duplicate` if a unique value being written already belongs to another
    /// live record.
    async fn check(
        &self,
        e: &mut dyn Exec,
        portal: PortalId,
        schema: &ObjectSchema,
        values: &PropertyValues,
        own_id: i64,
    ) -> StoreResult<Result<(), WriteFailure>> {
        for (name, value) in values {
            let Some(value) = value else {
                continue;
            };
            let Some(index) = self.unique.iter().position(|u| u == name) else {
                continue;
            };
            let existing = match (&self.known, value) {
                (Some(known), Value::Text(text)) => {
                    known.get(&(index, text.to_ascii_lowercase())).copied()
                }
                _ => holder(e, portal, schema, name, value, own_id).await?,
            };
            if let Some(existing_id) = existing {
                return Ok(Err(WriteFailure::Duplicate {
                    property: name.clone(),
                    value: value.to_wire(None),
                    existing_id,
                }));
            }
        }
        Ok(Ok(()))
    }

    /// Whether checking `values` reads the store (a unique value not known in memory), so
    /// rows still waiting to be written must be written first.
    fn reads_store(&self, values: &PropertyValues) -> bool {
        values.iter().any(|(name, value)| {
            let unique = self.unique.iter().any(|u| u == name);
            unique && (self.known.is_none() || !matches!(value, None | Some(Value::Text(_))))
        })
    }

    /// Records that `id` now holds the unique values among `values`.
    fn note(&mut self, values: &PropertyValues, id: i64) {
        let Some(known) = &mut self.known else {
            return;
        };
        for (name, value) in values {
            if let (Some(Value::Text(text)), Some(index)) =
                (value, self.unique.iter().position(|u| u == name))
            {
                known.insert((index, text.to_ascii_lowercase()), id);
            }
        }
    }
}

/// `(value, id)` of the live records holding any of `values` of a unique text property.
async fn holders(
    e: &mut dyn Exec,
    portal: PortalId,
    object: ObjectType,
    property: &str,
    values: &[&str],
) -> StoreResult<Vec<(String, i64)>> {
    let d = e.dialect();
    let column = d.column(object, property);
    let mut sql = Sql::new(d);
    sql.push("SELECT id, ")
        .push(&column)
        .push(" FROM ")
        .push(&table_name(portal, object));
    sql.push(" WHERE ").push(&d.text_key(&column)).push(" IN (");
    let kind = crate::domain::property::PropertyType::String;
    sql.bind_list(values.iter().map(|v| {
        d.key_value(kind, &Value::Text((*v).to_string()))
            .into_owned()
    }));
    sql.push(") AND ").push(&d.is_false("archived"));
    rows(e, &sql, |r| Ok((r.text(1)?.to_string(), r.int(0)?))).await
}

/// The live record other than `own_id` holding `value` of a unique property.
async fn holder(
    e: &mut dyn Exec,
    portal: PortalId,
    schema: &ObjectSchema,
    name: &str,
    value: &Value,
    own_id: i64,
) -> StoreResult<Option<i64>> {
    let property = known(schema, name)?;
    let d = e.dialect();
    let mut sql = Sql::new(d);
    sql.push("SELECT id FROM ")
        .push(&table_name(portal, schema.object))
        .push(" WHERE ");
    push_equals(
        &mut sql,
        schema.object,
        property,
        d.key_value(property.property_type, value),
    );
    sql.push(" AND ").push(&d.is_false("archived"));
    sql.push(" AND id != ").bind(own_id).push(" LIMIT 1");
    first(e, &sql, |r| r.int(0)).await
}

/// The properties a new row sets, each with its value as stored.
fn stored_values<'n, 'v>(
    d: Dialect,
    schema: &ObjectSchema,
    values: &'v PropertyValues,
) -> StoreResult<Vec<(&'n str, Param<'v>)>>
where
    'v: 'n,
{
    let mut row = Vec::with_capacity(values.len());
    for (name, value) in values {
        if let Some(value) = value {
            let kind = known(schema, name)?.property_type;
            row.push((name.as_str(), d.stored_value(kind, value)));
        }
    }
    Ok(row)
}
