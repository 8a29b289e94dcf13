//! The list folders role over any backend: plain reads and writes of the folder tree (its
//! rules are the API's, checked against the whole tree).

use async_trait::async_trait;

use super::{Backend, Database};
use crate::store::sql::exec::op;
use crate::store::sql::list_folders;
use crate::store::{FolderChange, ListFolder, ListFolders, PortalId, StoreResult};

#[async_trait]
impl<B: Backend> ListFolders for Database<B> {
    async fn list_folders(&self, portal: PortalId) -> StoreResult<Vec<ListFolder>> {
        self.read(op(move |e| Box::pin(list_folders::all(e, portal))))
            .await
    }

    async fn create_list_folder(
        &self,
        portal: PortalId,
        name: String,
        parent_id: i64,
        now: i64,
    ) -> StoreResult<ListFolder> {
        self.write(op(move |e| {
            Box::pin(async move { list_folders::create(e, portal, &name, parent_id, now).await })
        }))
        .await
    }

    async fn change_list_folder(
        &self,
        portal: PortalId,
        id: i64,
        change: FolderChange,
        now: i64,
    ) -> StoreResult<Option<ListFolder>> {
        self.write(op(move |e| {
            Box::pin(async move { list_folders::update(e, portal, id, &change, now).await })
        }))
        .await
    }

    async fn delete_list_folder(&self, portal: PortalId, id: i64) -> StoreResult<bool> {
        self.write(op(move |e| Box::pin(list_folders::delete(e, portal, id))))
            .await
    }
}
