//! The webhook role over any backend: subscriptions, their delivery log, and the claim and
//! result of delivery attempts, each one transaction of `store/sql/webhooks.rs`.

use async_trait::async_trait;

use super::{Backend, Database};
use crate::store::sql::exec::op;
use crate::store::sql::webhooks;
use crate::store::{
    AttemptResult, ClaimedDelivery, DeliveryRow, NewWebhook, PortalId, StoreResult, WebhookRow,
    Webhooks,
};

#[async_trait]
impl<B: Backend> Webhooks for Database<B> {
    async fn create_webhook(
        &self,
        portal: PortalId,
        new: NewWebhook,
        now: i64,
    ) -> StoreResult<Option<WebhookRow>> {
        self.write(op(move |e| {
            Box::pin(async move { webhooks::create(e, portal, &new, now).await })
        }))
        .await
    }

    async fn list_webhooks(&self, portal: PortalId) -> StoreResult<Vec<WebhookRow>> {
        self.read(op(move |e| Box::pin(webhooks::list(e, portal))))
            .await
    }

    async fn get_webhook(&self, portal: PortalId, id: i64) -> StoreResult<Option<WebhookRow>> {
        self.read(op(move |e| Box::pin(webhooks::get(e, portal, id))))
            .await
    }

    async fn delete_webhook(&self, portal: PortalId, id: i64) -> StoreResult<bool> {
        self.write(op(move |e| Box::pin(webhooks::delete(e, portal, id))))
            .await
    }

    async fn webhook_deliveries(
        &self,
        portal: PortalId,
        id: i64,
        limit: i64,
    ) -> StoreResult<Option<Vec<DeliveryRow>>> {
        self.read(op(move |e| {
            Box::pin(async move {
                if webhooks::get(e, portal, id).await?.is_none() {
                    return Ok(None);
                }
                webhooks::deliveries(e, id, limit).await.map(Some)
            })
        }))
        .await
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        self.write(op(move |e| {
            Box::pin(webhooks::claim(e, now, lease_ms, limit))
        }))
        .await
    }

    async fn record_delivery_attempt(
        &self,
        id: i64,
        attempt: i64,
        result: AttemptResult,
        now: i64,
    ) -> StoreResult<bool> {
        self.write(op(move |e| {
            Box::pin(async move { webhooks::record(e, id, attempt, &result, now).await })
        }))
        .await
    }
}
