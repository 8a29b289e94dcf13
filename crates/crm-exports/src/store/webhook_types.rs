//! The webhook rows the store keeps: a portal's subscriptions, the deliveries of export
//! events to them with each attempt's result, a claimed delivery as a worker sends it,
//! and what an attempt's result asks the store to do next.

use super::PortalId;
use crate::domain::webhook::WebhookEvent;

/// A portal's subscription to export events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRow {
    pub id: i64,
    pub portal: PortalId,
    pub target_url: String,
    /// Event names, as `WebhookEvent::as_str` spells them.
    pub events: Vec<String>,
    /// The key its deliveries are signed with; shown to the client only on creation.
    pub secret: String,
    pub created_at: i64,
    pub links: StatusLinks,
}

/// Where a subscription's status links point: the export path family it was created on
/// and the origin its creating request was addressed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusLinks {
    /// The export API's prefix on that family: `/crm/v3/exports`, `/crm/exports/2026-03`, ...
    pub family: String,
    /// `http://host:port` as the client called the server; `None` when unknown (a
    /// subscription made by the CLI, or before the store kept it).
    pub origin: Option<String>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not yet answered with a 2xx; attempts remain.
    Pending,
    Delivered,
    /// Every attempt failed.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One attempt at a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub attempt: i64,
    pub at: i64,
    /// The receiver's status code; `None` when it gave none (refused, timed out).
    pub status_code: Option<i64>,
    pub error: Option<String>,
}

/// One event for one subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscription_id: i64,
    pub portal: PortalId,
    /// The same on every attempt, so receivers can drop duplicates.
    pub event_id: String,
    pub event_type: String,
    pub export_id: i64,
    pub export_state: String,
    pub record_count: Option<i64>,
    pub occurred_at: i64,
    pub state: DeliveryState,
    /// Attempts made (or under way).
    pub attempts: i64,
    /// When the next attempt is due; `None` once delivered or failed.
    pub next_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub completed_at: Option<i64>,
    /// Every attempt, oldest first (filled for the delivery log only).
    pub log: Vec<DeliveryAttempt>,
}

/// A delivery a worker claimed, with where it goes and how it is signed.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub delivery: DeliveryRow,
    pub target_url: String,
    pub secret: String,
    pub links: StatusLinks,
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    Delivered,
    RetryAt(i64),
    GiveUp,
}

/// The result of the attempt a claim started.
#[derive(Clone, Debug)]
pub struct AttemptResult {
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub next: NextStep,
}

/// A new subscription as the store writes it.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub target_url: String,
    pub events: Vec<WebhookEvent>,
    pub secret: String,
    pub links: StatusLinks,
}
