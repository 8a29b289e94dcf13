//! The data roles over any backend: records (merges and permanent deletes too),
//! associations, lists and owners. Operations on records take the cached schema where the
//! store caches schemas, and otherwise read it in their own transaction.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Backend, Database};
use crate::domain::owner::Owner;
use crate::domain::schema::ObjectSchema;
use crate::domain::search::{Predicate, RawFilterGroup};
use crate::domain::{ObjectType, Record};
use crate::store::sql::exec::op;
use crate::store::sql::schemas::known_or_load;
use crate::store::sql::{association_limits, associations, lists, merges, owners, records, writes};
use crate::store::{
    AssociationLimit, Associations, Edge, EdgeRefusal, ListDraft, ListRow, Lists, MembershipChange,
    MergeRefusal, Owners, PortalId, RecordKey, Records, StoreResult, Visibility, WriteFailure,
    WriteOp, Written,
};

impl<B: Backend> Database<B> {
    /// Applies `ops` in one write transaction with `known` as the object's schema, or the
    /// schema read in that transaction.
    async fn write_with_schema(
        &self,
        portal: PortalId,
        object: ObjectType,
        known: Option<Arc<ObjectSchema>>,
        ops: Arc<[WriteOp]>,
        atomic: bool,
        now: i64,
    ) -> StoreResult<Vec<Result<Written, WriteFailure>>> {
        self.write(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                let outcomes = writes::write(e, portal, &schema, &ops, now).await?;
                // An atomic batch with any failure keeps nothing.
                if atomic && outcomes.iter().any(Result::is_err) {
                    e.roll_back_at_end();
                }
                Ok(outcomes)
            })
        }))
        .await
    }
}

#[async_trait]
impl<B: Backend> Records for Database<B> {
    async fn write_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        ops: Arc<[WriteOp]>,
        atomic: bool,
        now: i64,
    ) -> StoreResult<Vec<Result<Written, WriteFailure>>> {
        let known = self.known_schema(portal, object).await?;
        self.write_with_schema(portal, object, known, ops, atomic, now)
            .await
    }

    async fn write_records_with(
        &self,
        portal: PortalId,
        schema: Arc<ObjectSchema>,
        ops: Arc<[WriteOp]>,
        atomic: bool,
        now: i64,
    ) -> StoreResult<Vec<Result<Written, WriteFailure>>> {
        let object = schema.object;
        self.write_with_schema(portal, object, Some(schema), ops, atomic, now)
            .await
    }

    async fn read_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        projection: Vec<String>,
        visibility: Visibility,
    ) -> StoreResult<Vec<Option<Record>>> {
        let known = self.known_schema(portal, object).await?;
        self.read(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                records::read(e, portal, &schema, &keys, &projection, visibility).await
            })
        }))
        .await
    }

    async fn list_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        after: i64,
        limit: usize,
        projection: Vec<String>,
        visibility: Visibility,
    ) -> StoreResult<Vec<Record>> {
        let known = self.known_schema(portal, object).await?;
        self.read(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                records::list(e, portal, &schema, after, limit, &projection, visibility).await
            })
        }))
        .await
    }

    async fn search_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        predicate: Predicate,
        offset: usize,
        limit: usize,
        projection: Vec<String>,
    ) -> StoreResult<(u64, Vec<Record>)> {
        let known = self.known_schema(portal, object).await?;
        self.read(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                let page = (offset, limit);
                records::search(e, portal, &schema, &predicate, page, &projection).await
            })
        }))
        .await
    }

    async fn archive_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        keys: Vec<RecordKey>,
        now: i64,
    ) -> StoreResult<usize> {
        let known = self.known_schema(portal, object).await?;
        self.write(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                records::archive(e, portal, &schema, &keys, now).await
            })
        }))
        .await
    }

    async fn merge_records(
        &self,
        portal: PortalId,
        object: ObjectType,
        primary: i64,
        merged: i64,
        now: i64,
    ) -> StoreResult<Result<(), MergeRefusal>> {
        let known = self.known_schema(portal, object).await?;
        self.write(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                merges::merge(e, portal, &schema, primary, merged, now).await
            })
        }))
        .await
    }

    async fn purge_record(
        &self,
        portal: PortalId,
        object: ObjectType,
        key: RecordKey,
    ) -> StoreResult<bool> {
        let known = self.known_schema(portal, object).await?;
        self.write(op(move |e| {
            Box::pin(async move {
                let schema = known_or_load(e, known, portal, object).await?;
                merges::purge(e, portal, &schema, &key).await
            })
        }))
        .await
    }
}

#[async_trait]
impl<B: Backend> Associations for Database<B> {
    async fn associate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        edges: Vec<Edge>,
        now: i64,
    ) -> StoreResult<Vec<Result<(), EdgeRefusal>>> {
        self.write(op(move |e| {
            Box::pin(async move { associations::associate(e, portal, from, to, &edges, now).await })
        }))
        .await
    }

    async fn association_limits(
        &self,
        portal: PortalId,
        pair: Option<(ObjectType, ObjectType)>,
    ) -> StoreResult<Vec<AssociationLimit>> {
        self.read(op(move |e| {
            Box::pin(association_limits::list(e, portal, pair))
        }))
        .await
    }

    async fn set_association_limits(
        &self,
        portal: PortalId,
        limits: Vec<AssociationLimit>,
        replace: bool,
        now: i64,
    ) -> StoreResult<Vec<bool>> {
        self.write(op(move |e| {
            Box::pin(async move { association_limits::set(e, portal, &limits, replace, now).await })
        }))
        .await
    }

    async fn purge_association_limits(
        &self,
        portal: PortalId,
        pair: (ObjectType, ObjectType),
        type_ids: Vec<i64>,
    ) -> StoreResult<usize> {
        self.write(op(move |e| {
            Box::pin(async move { association_limits::purge(e, portal, pair, &type_ids).await })
        }))
        .await
    }

    async fn read_associations(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        from_ids: Vec<i64>,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        self.read(op(move |e| {
            Box::pin(async move { associations::read(e, portal, from, to, &from_ids).await })
        }))
        .await
    }

    async fn dissociate(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        pairs: Vec<(i64, i64)>,
        types: Option<Vec<(i64, i64)>>,
    ) -> StoreResult<usize> {
        self.write(op(move |e| {
            Box::pin(async move {
                associations::dissociate(e, portal, from, to, &pairs, types.as_deref()).await
            })
        }))
        .await
    }
}

#[async_trait]
impl<B: Backend> Lists for Database<B> {
    async fn create_list(
        &self,
        portal: PortalId,
        draft: ListDraft,
        now: i64,
    ) -> StoreResult<ListRow> {
        self.write(op(move |e| {
            Box::pin(async move { lists::create(e, portal, &draft, now).await })
        }))
        .await
    }

    async fn get_list(&self, portal: PortalId, id: i64) -> StoreResult<Option<ListRow>> {
        self.read(op(move |e| Box::pin(lists::get(e, portal, id))))
            .await
    }

    async fn portal_lists(&self, portal: PortalId) -> StoreResult<Vec<ListRow>> {
        self.read(op(move |e| Box::pin(lists::all(e, portal))))
            .await
    }

    async fn find_list(
        &self,
        portal: PortalId,
        object: ObjectType,
        name: &str,
    ) -> StoreResult<Option<ListRow>> {
        let name = name.to_string();
        self.read(op(move |e| {
            Box::pin(async move { lists::find(e, portal, object, &name).await })
        }))
        .await
    }

    async fn delete_list(&self, portal: PortalId, id: i64, now: i64) -> StoreResult<bool> {
        self.write(op(move |e| Box::pin(lists::delete(e, portal, id, now))))
            .await
    }

    async fn restore_list(
        &self,
        portal: PortalId,
        id: i64,
        since: i64,
        now: i64,
    ) -> StoreResult<Option<ListRow>> {
        self.write(op(move |e| {
            Box::pin(lists::restore(e, portal, id, since, now))
        }))
        .await
    }

    async fn rename_list(
        &self,
        portal: PortalId,
        id: i64,
        name: String,
        now: i64,
    ) -> StoreResult<Option<ListRow>> {
        self.write(op(move |e| {
            Box::pin(async move { lists::rename(e, portal, id, &name, now).await })
        }))
        .await
    }

    async fn move_list(
        &self,
        portal: PortalId,
        id: i64,
        folder: i64,
        now: i64,
    ) -> StoreResult<bool> {
        self.write(op(move |e| {
            Box::pin(lists::move_to_folder(e, portal, id, folder, now))
        }))
        .await
    }

    async fn update_list_filters(
        &self,
        portal: PortalId,
        id: i64,
        branch: serde_json::Value,
        groups: Vec<RawFilterGroup>,
        now: i64,
    ) -> StoreResult<Option<ListRow>> {
        self.write(op(move |e| {
            Box::pin(
                async move { lists::update_filters(e, portal, id, &branch, &groups, now).await },
            )
        }))
        .await
    }

    async fn change_list_members(
        &self,
        list: ListRow,
        add: Vec<i64>,
        remove: Vec<i64>,
        now: i64,
    ) -> StoreResult<MembershipChange> {
        self.write(op(move |e| {
            Box::pin(async move { lists::change(e, &list, &add, &remove, now).await })
        }))
        .await
    }

    async fn list_members(
        &self,
        list: ListRow,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<(i64, i64)>> {
        self.read(op(move |e| {
            Box::pin(async move { lists::members(e, &list, after, limit).await })
        }))
        .await
    }

    async fn count_list_members(&self, list: ListRow) -> StoreResult<u64> {
        self.read(op(move |e| {
            Box::pin(async move { lists::count(e, &list).await })
        }))
        .await
    }

    async fn list_members_by_join(
        &self,
        list: ListRow,
        after: Option<(i64, i64)>,
        limit: usize,
    ) -> StoreResult<Vec<(i64, i64)>> {
        self.read(op(move |e| {
            Box::pin(async move { lists::members_by_join(e, &list, after, limit).await })
        }))
        .await
    }

    async fn clear_list_members(&self, list: ListRow) -> StoreResult<u64> {
        self.write(op(move |e| {
            Box::pin(async move { lists::clear(e, &list).await })
        }))
        .await
    }

    async fn record_lists(
        &self,
        portal: PortalId,
        object: ObjectType,
        record_id: i64,
    ) -> StoreResult<Vec<(ListRow, i64)>> {
        self.read(op(move |e| {
            Box::pin(lists::holding(e, portal, object, record_id))
        }))
        .await
    }
}

#[async_trait]
impl<B: Backend> Owners for Database<B> {
    async fn create_owner(
        &self,
        portal: PortalId,
        email: &str,
        first_name: &str,
        last_name: &str,
        now: i64,
    ) -> StoreResult<Owner> {
        let names = [email, first_name, last_name].map(str::to_string);
        self.write(op(move |e| {
            Box::pin(async move {
                let [email, first, last] = &names;
                owners::create(e, portal, email, first, last, now).await
            })
        }))
        .await
    }

    async fn list_owners(&self, portal: PortalId) -> StoreResult<Vec<Owner>> {
        self.read(op(move |e| Box::pin(owners::list(e, portal))))
            .await
    }

    async fn get_owner(&self, portal: PortalId, id: i64) -> StoreResult<Option<Owner>> {
        self.read(op(move |e| Box::pin(owners::get(e, portal, id))))
            .await
    }
}
