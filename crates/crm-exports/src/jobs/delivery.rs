//! The webhook delivery worker: claims due deliveries under a lease, POSTs each one's
//! signed JSON to its subscription's URL (a timeout per attempt, no redirects followed,
//! only to addresses the [`HostPolicy`] allows), and records the answer: delivered on a
//! 2xx, otherwise retried with exponential backoff and jitter until the last attempt.
//! Every attempt carries the delivery's one `eventId`. `deliver_once` is the testable step
//! and takes the time it runs at; `work` loops it until stopped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tracing::Instrument;

use crate::clock::Clock;
use crate::domain::webhook::{self, HostPolicy};
use crate::store::{
    AttemptResult, ClaimedDelivery, NextStep, StoreResult, Webhooks, with_causes as detail,
};

/// How deliveries are sent and retried.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    pub hosts: HostPolicy,
    /// How long one attempt may take, connecting included.
    pub attempt_timeout: Duration,
    /// The first retry's delay; each later one doubles it.
    pub backoff_base: Duration,
    pub max_attempts: i64,
    /// Origin of the status link in each delivery (`--public-url`); when not set, the
    /// origin the subscription was created through, else `local_origin`.
    pub public_url: Option<String>,
    /// This server's own `http://IP:PORT`, for subscriptions whose origin is unknown (made
    /// by the CLI); `None` in a process that serves no API (`worker`).
    pub local_origin: Option<String>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            hosts: HostPolicy::default(),
            attempt_timeout: Duration::from_secs(10),
            backoff_base: Duration::from_millis(webhook::DEFAULT_BACKOFF_BASE_MS as u64),
            max_attempts: webhook::MAX_ATTEMPTS,
            public_url: None,
            local_origin: None,
        }
    }
}

/// Deliveries claimed per step.
const CLAIM_BATCH: i64 = 8;

#[derive(Clone)]
pub struct Deliverer {
    store: Arc<dyn Webhooks>,
    config: Arc<DeliveryConfig>,
    clock: Clock,
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Deliverer {
    pub fn new(store: Arc<dyn Webhooks>, config: DeliveryConfig, clock: Clock) -> Self {
        crate::tls::install_provider();
        Self {
            store,
            config: Arc::new(config),
            clock,
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }

    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// A claim outlives every attempt it covers, so a live worker never loses one.
    fn lease_ms(&self) -> i64 {
        (self.config.attempt_timeout.as_millis() as i64 + 5_000) * CLAIM_BATCH
    }

    /// Claims the deliveries due at `now` and makes one attempt at each; returns how many.
    pub async fn deliver_once(&self, now: i64) -> StoreResult<usize> {
        let claimed = self
            .store
            .claim_deliveries(now, self.lease_ms(), CLAIM_BATCH)
            .await?;
        for item in &claimed {
            let d = &item.delivery;
            let span = tracing::info_span!(
                "webhook_delivery",
                delivery_id = d.id,
                export_id = d.export_id,
                portal = d.portal.0,
                attempt = d.attempts
            );
            self.attempt(item, now).instrument(span).await?;
        }
        Ok(claimed.len())
    }

    async fn attempt(&self, item: &ClaimedDelivery, now: i64) -> StoreResult<()> {
        let d = &item.delivery;
        let answer = self.send(item).await;
        let last = d.attempts >= self.config.max_attempts;
        let next = match &answer {
            Ok(status) if (200..300).contains(status) => NextStep::Delivered,
            _ if last => NextStep::GiveUp,
            _ => {
                let base = self.config.backoff_base.as_millis() as i64;
                NextStep::RetryAt(now + webhook::retry_delay_ms(d.attempts, base, rand::random()))
            }
        };
        let outcome = match next {
            NextStep::Delivered => "delivered",
            NextStep::RetryAt(_) => "retry",
            NextStep::GiveUp => "failed",
        };
        metrics::counter!("crm_exports_webhook_deliveries_total", "outcome" => outcome)
            .increment(1);
        let (status_code, error) = match answer {
            Ok(status) if next == NextStep::Delivered => (Some(status), None),
            Ok(status) => (
                Some(status),
                Some(format!("the receiver answered {status}")),
            ),
            Err(reason) => (None, Some(reason)),
        };
        match &error {
            None => tracing::info!(status = status_code, "webhook delivered"),
            Some(reason) => tracing::warn!(
                status = status_code,
                outcome,
                "webhook attempt failed: {reason}"
            ),
        }
        let result = AttemptResult {
            status_code,
            error,
            next,
        };
        let finished_at = self.clock.now_ms().max(now);
        if !self
            .store
            .record_delivery_attempt(d.id, d.attempts, result, finished_at)
            .await?
        {
            tracing::info!("delivery claim lost; its result is dropped");
        }
        Ok(())
    }

    /// One POST; the status code, or why there was none.
    async fn send(&self, item: &ClaimedDelivery) -> Result<i64, String> {
        let url = url::Url::parse(&item.target_url).map_err(|e| format!("bad target URL: {e}"))?;
        let client = self.client_for(&url).await?;
        let body = serde_json::to_vec(&self.payload(item)).map_err(|e| e.to_string())?;
        let timestamp = self.clock.now_ms();
        let signature = webhook::signature_v3(&item.secret, "POST", url.as_str(), &body, timestamp);
        let response = client
            .post(url.clone())
            .header("content-type", "application/json")
            .header("x-hubspot-signature-v3", signature)
            .header("x-hubspot-request-timestamp", timestamp.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "the receiver did not answer in time".to_string()
                } else {
                    format!("cannot reach the receiver: {}", detail(&e))
                }
            })?;
        Ok(i64::from(response.status().as_u16()))
    }

    /// A client pinned to an address the policy allows for the URL's host (checked here,
    /// after resolution, so a public name cannot lead to a private address), following no
    /// redirect, with the attempt's timeout.
    async fn client_for(&self, url: &url::Url) -> Result<reqwest::Client, String> {
        let host = url.host_str().ok_or("the target URL has no host")?;
        let port = url.port_or_known_default().unwrap_or(80);
        let bare = host.trim_matches(['[', ']']);
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        let address = addresses
            .iter()
            .find(|a| self.config.hosts.allows_address(host, a.ip()))
            .ok_or_else(|| format!("{host} resolves to no address this server may call"))?;
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.config.attempt_timeout)
            .resolve(bare, *address)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))
    }

    fn payload(&self, item: &ClaimedDelivery) -> serde_json::Value {
        let d = &item.delivery;
        let origin = self.config.public_url.as_deref();
        let origin = origin.or(item.links.origin.as_deref());
        let origin = origin.or(self.config.local_origin.as_deref()).unwrap_or("");
        json!({
            "eventId": d.event_id,
            "eventType": d.event_type,
            "portalId": d.portal.0,
            "exportId": d.export_id.to_string(),
            "exportState": d.export_state,
            "recordCount": d.record_count,
            "occurredAt": d.occurred_at,
            "statusUrl": webhook::status_url(origin, &item.links.family, d.export_id),
        })
    }

    /// Delivers until [`Deliverer::stop`], polling at most every second (sooner when the
    /// backoff base is shorter, as in tests).
    pub async fn work(self) {
        let mut stopping = self.stopping.subscribe();
        let poll = self
            .config
            .backoff_base
            .clamp(Duration::from_millis(10), Duration::from_secs(1));
        while !*stopping.borrow() {
            match self.deliver_once(self.clock.now_ms()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!("webhook delivery step failed: {}", detail(&e)),
            }
            tokio::select! {
                _ = stopping.wait_for(|stop| *stop) => {},
                _ = tokio::time::sleep(poll) => {},
            }
        }
    }
}
