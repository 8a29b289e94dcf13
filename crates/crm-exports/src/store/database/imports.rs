//! The imports role over any backend: one write transaction running the shared import, and
//! the portal's cached schemas forgotten afterwards, since the import may have added
//! properties, groups, custom objects and association types.

use async_trait::async_trait;

use super::{Backend, Database};
use crate::store::sql::exec::op;
use crate::store::sql::{import_checkpoints, imports};
use crate::store::{ImportCheckpoint, Imports, PortalData, PortalId, StoreResult};

#[async_trait]
impl<B: Backend> Imports for Database<B> {
    async fn import_portal_data(
        &self,
        portal: PortalId,
        data: PortalData,
        now: i64,
    ) -> StoreResult<()> {
        let imported = self
            .write(op(move |e| {
                Box::pin(async move { imports::import(e, portal, &data, now).await })
            }))
            .await;
        self.forget_portal_schemas(portal);
        imported
    }

    async fn import_checkpoints(
        &self,
        portal: PortalId,
        source: String,
    ) -> StoreResult<Vec<ImportCheckpoint>> {
        self.read(op(move |e| {
            Box::pin(async move { import_checkpoints::load(e, portal, &source).await })
        }))
        .await
    }
}
