//! Completion webhooks, an extension of HubSpot's API: the export events a portal may
//! subscribe to, the parsing of a subscription request, which target addresses the
//! operator allows, the retry schedule, and the signature HubSpot puts on its v3 webhooks
//! (`X-HubSpot-Signature-v3`: base64 of HMAC-SHA256 over method, URI, body and timestamp,
//! keyed by the subscription's secret), and the status link a delivery carries. Pure: no I/O, no clock.

use std::net::IpAddr;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::export::ExportState;

/// Subscriptions one portal may keep.
pub const MAX_SUBSCRIPTIONS: usize = 25;
/// Attempts per delivery: with the default base of three minutes, doubling, the last one
/// comes about a day after the event.
pub const MAX_ATTEMPTS: i64 = 10;
/// The first retry's delay; each later one doubles it.
pub const DEFAULT_BACKOFF_BASE_MS: i64 = 180_000;
/// The longest target URL accepted.
const MAX_URL_LENGTH: usize = 2048;

/// An export state change a subscription can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookEvent {
    Completed,
    Failed,
    Canceled,
}

impl WebhookEvent {
    pub const ALL: [Self; 3] = [Self::Completed, Self::Failed, Self::Canceled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "export.completed",
            Self::Failed => "export.failed",
            Self::Canceled => "export.canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// The event an export entering `state` raises; none for states that are not final.
    pub fn for_state(state: ExportState) -> Option<Self> {
        match state {
            ExportState::Done => Some(Self::Completed),
            ExportState::Failed => Some(Self::Failed),
            ExportState::Canceled => Some(Self::Canceled),
            ExportState::Enqueued | ExportState::Processing => None,
        }
    }
}

/// Which hosts deliveries may go to. By default only public addresses: a subscription is
/// written by any token holder, and the server must not be made to POST to itself, to its
/// network's private services or to a cloud metadata address. The operator names further
/// hosts (`127.0.0.1` for tests, an internal receiver), or `*` for any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostPolicy {
    /// Host names or addresses allowed even when not public (lower case).
    allowed: Vec<String>,
    any: bool,
}

impl HostPolicy {
    /// From a comma-separated list; `*` allows every host.
    pub fn parse(list: &str) -> Self {
        let allowed: Vec<String> = list
            .split(',')
            .map(|h| h.trim().trim_matches(['[', ']']).to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        Self {
            any: allowed.iter().any(|h| h == "*"),
            allowed,
        }
    }

    /// Whether the operator named this host, so it may resolve to any address.
    pub fn names(&self, host: &str) -> bool {
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        self.any || self.allowed.contains(&host)
    }

    /// Whether a host as written in a URL may be a target: named by the operator, or not
    /// obviously local (`localhost`, or a literal address that is not public).
    pub fn allows_host(&self, host: &str) -> bool {
        if self.names(host) {
            return true;
        }
        let bare = host.trim_matches(['[', ']']).to_ascii_lowercase();
        if bare == "localhost" || bare.ends_with(".localhost") {
            return false;
        }
        // A name is checked again at delivery, on the addresses it resolves to.
        bare.parse::<IpAddr>().map_or(true, is_public)
    }

    /// Whether a delivery to a host the operator did not name may use this address.
    pub fn allows_address(&self, host: &str, address: IpAddr) -> bool {
        self.names(host) || is_public(address)
    }
}

/// Not loopback, private, link-local, unspecified, shared (CGNAT) or multicast.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// A subscription request as the client sent it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInput {
    pub target_url: Option<String>,
    pub events: Option<Vec<String>>,
}

/// A checked subscription: its URL and its events, each once, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionDraft {
    pub target_url: String,
    pub events: Vec<WebhookEvent>,
}

/// Checks a subscription request; every problem found, in HubSpot's wording style.
pub fn parse_subscription(
    input: SubscriptionInput,
    policy: &HostPolicy,
) -> Result<SubscriptionDraft, Vec<String>> {
    let mut problems = Vec::new();
    let target_url = match input.target_url.as_deref().map(str::trim) {
        None | Some("") => {
            problems.push("targetUrl is required.".to_string());
            None
        }
        Some(url) => match check_url(url, policy) {
            Ok(()) => Some(url.to_string()),
            Err(problem) => {
                problems.push(problem);
                None
            }
        },
    };
    let mut events = Vec::new();
    match input.events {
        None => problems.push("events is required.".to_string()),
        Some(names) if names.is_empty() => {
            problems.push("events must name at least one event.".to_string());
        }
        Some(names) => {
            for name in names {
                match WebhookEvent::parse(name.trim()) {
                    Some(event) if !events.contains(&event) => events.push(event),
                    Some(_) => {}
                    None => problems.push(format!(
                        "Unknown event {name:?}; known events: {}.",
                        WebhookEvent::ALL.map(WebhookEvent::as_str).join(", ")
                    )),
                }
            }
        }
    }
    match (target_url, problems.is_empty()) {
        (Some(target_url), true) => Ok(SubscriptionDraft { target_url, events }),
        _ => Err(problems),
    }
}

fn check_url(text: &str, policy: &HostPolicy) -> Result<(), String> {
    let invalid = || format!("targetUrl {text:?} is not an absolute http or https URL.");
    if text.len() > MAX_URL_LENGTH {
        return Err(format!(
            "targetUrl is longer than {MAX_URL_LENGTH} characters."
        ));
    }
    let url = url::Url::parse(text).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("targetUrl must not hold credentials.".to_string());
    }
    let host = url.host_str().ok_or_else(invalid)?;
    if !policy.allows_host(host) {
        return Err(format!(
            "targetUrl's host {host} is not allowed on this server (see --webhook-allow-hosts)."
        ));
    }
    Ok(())
}

/// The export family of a subscription made outside the API (the CLI), and of those stored
/// before subscriptions kept theirs.
pub const NUMBERED_FAMILY: &str = "/crm/v3/exports";

/// A delivery's `statusUrl`: the export's task status on the subscription's `family`
/// (`/crm/exports/2026-03`, ...), under `origin` (`http://host:port`; a trailing slash is
/// dropped, and an empty one leaves the path alone).
pub fn status_url(origin: &str, family: &str, export_id: i64) -> String {
    format!(
        "{}{family}/export/async/tasks/{export_id}/status",
        origin.trim_end_matches('/')
    )
}

/// A subscription's signing secret, from 32 random bytes the caller draws: URL-safe
/// base64, so it pastes into any configuration unquoted.
pub fn secret_text(random: [u8; 32]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
}

/// The v3 signature of a request: base64 of HMAC-SHA256, keyed by `secret`, over the
/// method, the full URI, the body and the timestamp (milliseconds, as sent in
/// `X-HubSpot-Request-Timestamp`), concatenated.
pub fn signature_v3(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp.to_string().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The delay before attempt `attempt + 1` after attempt `attempt` failed: the base doubled
/// per attempt made, scaled by `jitter` in [0, 1) to between 75% and 125%, so receivers
/// that failed together are not retried together.
pub fn retry_delay_ms(attempt: i64, base_ms: i64, jitter: f64) -> i64 {
    let doublings = attempt.clamp(1, 30) - 1;
    let delay = base_ms.saturating_mul(1_i64 << doublings) as f64;
    (delay * (0.75 + 0.5 * jitter.clamp(0.0, 1.0))) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hubspots_v3_construction() {
        // HMAC-SHA256("secret", "POSThttps://example.com/hook{}1700000000000"), base64.
        let signature = signature_v3(
            "secret",
            "POST",
            "https://example.com/hook",
            b"{}",
            1_700_000_000_000,
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(b"POSThttps://example.com/hook{}1700000000000");
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(signature, expected);
        assert_ne!(
            signature,
            signature_v3(
                "other",
                "POST",
                "https://example.com/hook",
                b"{}",
                1_700_000_000_000
            )
        );
    }

    #[test]
    fn ten_attempts_at_the_default_base_span_about_a_day() {
        let total: i64 = (1..MAX_ATTEMPTS)
            .map(|a| retry_delay_ms(a, DEFAULT_BACKOFF_BASE_MS, 0.5))
            .sum();
        let hours = total as f64 / 3_600_000.0;
        assert!((20.0..30.0).contains(&hours), "{hours} hours");
        assert_eq!(retry_delay_ms(1, 1000, 0.0), 750);
        assert_eq!(retry_delay_ms(3, 1000, 0.999_999), 4999);
    }

    #[test]
    fn the_default_policy_refuses_local_and_private_targets() {
        let policy = HostPolicy::default();
        for host in [
            "localhost",
            "127.0.0.1",
            "10.1.2.3",
            "169.254.169.254",
            "[::1]",
            "192.168.0.1",
        ] {
            assert!(!policy.allows_host(host), "{host}");
        }
        assert!(policy.allows_host("hooks.example.com"));
        assert!(policy.allows_host("93.184.216.34"));
        let named = HostPolicy::parse("127.0.0.1, Internal.Example");
        assert!(named.allows_host("127.0.0.1"));
        assert!(named.allows_address("internal.example", "10.0.0.1".parse().unwrap()));
        assert!(!named.allows_address("other.example", "10.0.0.1".parse().unwrap()));
        assert!(HostPolicy::parse("*").allows_host("localhost"));
    }

    #[test]
    fn a_subscription_names_every_problem() {
        let policy = HostPolicy::default();
        let input = SubscriptionInput {
            target_url: Some("ftp://example.com".into()),
            events: Some(vec!["export.completed".into(), "export.exploded".into()]),
        };
        let problems = parse_subscription(input, &policy).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        let empty = SubscriptionInput {
            target_url: Some("https://example.com/hook".into()),
            events: Some(vec![]),
        };
        assert_eq!(parse_subscription(empty, &policy).unwrap_err().len(), 1);
        let good = SubscriptionInput {
            target_url: Some("https://example.com/hook".into()),
            events: Some(vec!["export.failed".into(), "export.failed".into()]),
        };
        assert_eq!(
            parse_subscription(good, &policy).unwrap().events,
            vec![WebhookEvent::Failed]
        );
    }
}
