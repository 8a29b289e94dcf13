//! HubSpot's rate limits, in this process's memory: per token, a rolling ten-second window
//! (`TEN_SECONDLY_ROLLING`, default 190) and, for CRM search only, a one-second window
//! (`SECONDLY`, default 5); per portal, a daily count that restarts at midnight UTC
//! (`DAILY`, default 625,000). Every authenticated response carries HubSpot's
//! `X-HubSpot-RateLimit-*` headers (search responses none, as HubSpot's); a request over a
//! limit is answered 429 with HubSpot's body (`errorType: "RATE_LIMIT"`, `policyName`) and
//! `Retry-After`, before its handler runs, and is not counted. Each API process counts on
//! its own. `now` comes from the same clock the handlers read. It reads the store only
//! through the auth extractor's token lookup and never imports `jobs`.

mod window;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use self::window::{DailyCount, RollingWindow};
use super::AppState;
use super::auth;
use super::error::ApiError;
use crate::store::PortalId;

/// The figures of HubSpot's Professional tier, the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Requests per token in any ten seconds.
    pub per_ten_seconds: u32,
    /// Requests per portal per day (UTC).
    pub daily: u64,
    /// CRM search requests per token in any second.
    pub search_per_second: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            per_ten_seconds: 190,
            daily: 625_000,
            search_per_second: 5,
        }
    }
}

const TEN_SECONDS_MS: i64 = 10_000;
const ONE_SECOND_MS: i64 = 1_000;

/// What a token has left, for the response headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub max: u32,
    pub remaining: u32,
    pub daily: u64,
    pub daily_remaining: u64,
}

/// Which limit refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    TenSecondly,
    Secondly,
    Daily,
}

impl Policy {
    /// A policy by HubSpot's name (`TEN_SECONDLY_ROLLING`), as a fault names it.
    pub fn parse(name: &str) -> Option<Self> {
        [Policy::TenSecondly, Policy::Secondly, Policy::Daily]
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    fn name(self) -> &'static str {
        match self {
            Policy::TenSecondly => "TEN_SECONDLY_ROLLING",
            Policy::Secondly => "SECONDLY",
            Policy::Daily => "DAILY",
        }
    }

    /// HubSpot's wording; the Node SDK retries search 429s by this exact secondly text.
    fn message(self) -> &'static str {
        match self {
            Policy::TenSecondly => "You have reached your ten secondly limit.",
            Policy::Secondly => "You have reached your secondly limit.",
            Policy::Daily => "You have reached your daily limit.",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub policy: Policy,
    pub retry_after_ms: i64,
    /// The headers' figures, for requests that carry them (not search).
    pub quota: Option<Quota>,
}

struct TokenWindows {
    ten_seconds: RollingWindow<100>,
    search: RollingWindow<10>,
    daily: Arc<Mutex<DailyCount>>,
}

/// The counters of every token and portal seen: a map lookup under a read lock, then one
/// short lock per token and one per portal.
pub struct RateLimiter {
    config: RateLimitConfig,
    tokens: RwLock<HashMap<i64, Arc<Mutex<TokenWindows>>>>,
    portals: Mutex<HashMap<PortalId, Arc<Mutex<DailyCount>>>>,
}

impl RateLimiter {
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            config,
            tokens: RwLock::new(HashMap::new()),
            portals: Mutex::new(HashMap::new()),
        }
    }

    fn windows(&self, token: i64, portal: PortalId, now: i64) -> Arc<Mutex<TokenWindows>> {
        let known = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(w) = known.get(&token) {
            return w.clone();
        }
        drop(known);
        let daily = self
            .portals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(portal)
            .or_insert_with(|| Arc::new(Mutex::new(DailyCount::new(now))))
            .clone();
        let mut known = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        known
            .entry(token)
            .or_insert_with(|| {
                Arc::new(Mutex::new(TokenWindows {
                    ten_seconds: RollingWindow::new(TEN_SECONDS_MS, now),
                    search: RollingWindow::new(ONE_SECOND_MS, now),
                    daily,
                }))
            })
            .clone()
    }

    /// Counts a request of `token` (in `portal`) at `now` if every limit allows it.
    pub fn admit(
        &self,
        token: i64,
        portal: PortalId,
        search: bool,
        now: i64,
    ) -> Result<Quota, Refusal> {
        let c = self.config;
        let windows = self.windows(token, portal, now);
        let mut w = windows.lock().unwrap_or_else(PoisonError::into_inner);
        let daily = w.daily.clone();
        let mut daily = daily.lock().unwrap_or_else(PoisonError::into_inner);
        let quota = |w: &mut TokenWindows, daily: &mut DailyCount| Quota {
            max: c.per_ten_seconds,
            remaining: w.ten_seconds.remaining(now, c.per_ten_seconds),
            daily: c.daily,
            daily_remaining: daily.remaining(now, c.daily),
        };
        let shown = |q: Quota| (!search).then_some(q);
        if daily.remaining(now, c.daily) == 0 {
            return Err(Refusal {
                policy: Policy::Daily,
                retry_after_ms: daily.wait_ms(now),
                quota: shown(quota(&mut w, &mut daily)),
            });
        }
        let (window_full, policy) = if search {
            (
                w.search.remaining(now, c.search_per_second) == 0,
                Policy::Secondly,
            )
        } else {
            (
                w.ten_seconds.remaining(now, c.per_ten_seconds) == 0,
                Policy::TenSecondly,
            )
        };
        if window_full {
            let retry_after_ms = if search {
                w.search.wait_ms(now, c.search_per_second)
            } else {
                w.ten_seconds.wait_ms(now, c.per_ten_seconds)
            };
            return Err(Refusal {
                policy,
                retry_after_ms,
                quota: shown(quota(&mut w, &mut daily)),
            });
        }
        if search {
            w.search.record(now);
        } else {
            w.ten_seconds.record(now);
        }
        daily.record(now);
        Ok(quota(&mut w, &mut daily))
    }
}

/// The middleware: authenticates the caller once (the handler's `Auth` extractor reuses the
/// result), applies the limits and writes the headers. Requests without a valid token pass
/// untouched, to get their 401 from the handler.
pub async fn enforce(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(limiter) = state.limits.clone() else {
        return next.run(request).await;
    };
    let Ok(auth) = auth::authenticate(&state, request.headers()).await else {
        return next.run(request).await;
    };
    let search = is_crm_search(&request);
    match limiter.admit(auth.token_id(), auth.portal, search, state.clock.now_ms()) {
        Ok(quota) => {
            request.extensions_mut().insert(auth);
            let mut response = next.run(request).await;
            if !search {
                write_headers(response.headers_mut(), &quota);
            }
            response
        }
        Err(refusal) => refused(&refusal),
    }
}

/// `POST …/objects/{objectType}/search` on either path family: HubSpot's search API, which
/// has its own secondly limit and no rate-limit headers.
fn is_crm_search(request: &Request) -> bool {
    request.method() == Method::POST
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|p| p.as_str().ends_with("/{object_type}/search"))
}

/// The 429 an injected fault answers: the limiter's own, with the headers of a token that
/// has used up its window (the configured figures, or the defaults when limits are off),
/// asking for a retry in one second.
pub fn refused_by_fault(state: &AppState, policy: Policy) -> Response {
    let config = state.config.rate_limits.unwrap_or_default();
    let quota = Quota {
        max: config.per_ten_seconds,
        remaining: 0,
        daily: config.daily,
        daily_remaining: if policy == Policy::Daily {
            0
        } else {
            config.daily
        },
    };
    refused(&Refusal {
        policy,
        retry_after_ms: 1_000,
        quota: (policy != Policy::Secondly).then_some(quota),
    })
}

fn refused(refusal: &Refusal) -> Response {
    metrics::counter!("crm_exports_rate_limited_total").increment(1);
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITS",
        refusal.policy.message(),
    )
    .with_field("errorType", json!("RATE_LIMIT"))
    .with_field("policyName", json!(refusal.policy.name()));
    error.retry_after_secs = Some((refusal.retry_after_ms.max(1) as u64).div_ceil(1000));
    let mut response = error.into_response();
    if let Some(quota) = &refusal.quota {
        write_headers(response.headers_mut(), quota);
    }
    response
}

fn write_headers(headers: &mut HeaderMap, quota: &Quota) {
    let mut put = |name: &'static str, value: HeaderValue| {
        headers.insert(HeaderName::from_static(name), value);
    };
    put("x-hubspot-ratelimit-daily", quota.daily.into());
    put(
        "x-hubspot-ratelimit-daily-remaining",
        quota.daily_remaining.into(),
    );
    put(
        "x-hubspot-ratelimit-interval-milliseconds",
        HeaderValue::from_static("10000"),
    );
    put("x-hubspot-ratelimit-max", quota.max.into());
    put("x-hubspot-ratelimit-remaining", quota.remaining.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    fn limiter(per_ten_seconds: u32, daily: u64, search_per_second: u32) -> RateLimiter {
        RateLimiter::new(RateLimitConfig {
            per_ten_seconds,
            daily,
            search_per_second,
        })
    }

    #[test]
    fn a_token_over_its_ten_second_window_waits_for_the_oldest_request() {
        let l = limiter(3, 1_000, 5);
        for i in 0..3 {
            let q = l.admit(1, PortalId(1), false, T0 + i * 100).unwrap();
            assert_eq!(q.remaining, 2 - i as u32);
        }
        let refusal = l.admit(1, PortalId(1), false, T0 + 300).unwrap_err();
        assert_eq!(refusal.policy, Policy::TenSecondly);
        assert_eq!(refusal.retry_after_ms, 9_700);
        // Another token of the same portal has a window of its own.
        assert!(l.admit(2, PortalId(1), false, T0 + 300).is_ok());
        assert!(l.admit(1, PortalId(1), false, T0 + 10_000).is_ok());
    }

    #[test]
    fn search_has_its_own_secondly_window() {
        let l = limiter(100, 1_000, 2);
        l.admit(1, PortalId(1), true, T0).unwrap();
        l.admit(1, PortalId(1), true, T0 + 10).unwrap();
        let refusal = l.admit(1, PortalId(1), true, T0 + 20).unwrap_err();
        assert_eq!(refusal.policy, Policy::Secondly);
        assert_eq!(refusal.quota, None);
        // Other requests are not held back by search's window.
        assert!(l.admit(1, PortalId(1), false, T0 + 20).is_ok());
        assert!(l.admit(1, PortalId(1), true, T0 + 1_000).is_ok());
    }

    #[test]
    fn the_daily_limit_is_shared_by_a_portals_tokens() {
        let l = limiter(100, 3, 5);
        l.admit(1, PortalId(7), false, T0).unwrap();
        l.admit(2, PortalId(7), true, T0).unwrap();
        let q = l.admit(3, PortalId(7), false, T0).unwrap();
        assert_eq!(q.daily_remaining, 0);
        let refusal = l.admit(1, PortalId(7), false, T0 + 1).unwrap_err();
        assert_eq!(refusal.policy, Policy::Daily);
        assert!(refusal.retry_after_ms > 0 && refusal.retry_after_ms <= 86_400_000);
        // Another portal is not affected; a refused request is not counted.
        assert!(l.admit(4, PortalId(8), false, T0).is_ok());
    }
}
