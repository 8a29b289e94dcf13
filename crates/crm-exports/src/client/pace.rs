//! Pacing one client's requests by what the source says of its limits: the rolling
//! window its `X-HubSpot-RateLimit-Max` and `-Interval-Milliseconds` headers describe is
//! kept by counting this client's own sends (so the next one waits until the window has
//! room, instead of being refused), `-Remaining` at zero waits a whole interval (another
//! client may share the token), and a configured `max_per_second` is never exceeded.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// What the source's last answer said of its rolling window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    max: usize,
    interval: Duration,
}

#[derive(Debug, Default)]
struct State {
    window: Option<Window>,
    /// When this client's requests inside the longest window were sent, oldest first.
    sent: VecDeque<Instant>,
    /// No request before this instant (a `Remaining: 0` answer, a backoff).
    not_before: Option<Instant>,
}

/// Shared by every request of one client; cheap to consult.
#[derive(Debug)]
pub struct Pacer {
    min_gap: Option<Duration>,
    state: Mutex<State>,
}

impl Pacer {
    /// `max_per_second` of 0 or less sets no rate of its own.
    pub fn new(max_per_second: f64) -> Pacer {
        let min_gap = (max_per_second > 0.0).then(|| Duration::from_secs_f64(1.0 / max_per_second));
        Pacer {
            min_gap,
            state: Mutex::new(State::default()),
        }
    }

    /// Waits until one more request keeps within every limit known, and counts it as sent.
    pub async fn before_send(&self) {
        loop {
            let wait = self.reserve(Instant::now());
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// How long to wait before sending at `now`, or `None` (then the send is counted).
    fn reserve(&self, now: Instant) -> Option<Duration> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = state.not_before.filter(|&at| at > now) {
            return Some(at - now);
        }
        let keep = state.window.map_or(Duration::ZERO, |w| w.interval);
        while state
            .sent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= keep.max(self.min_gap.unwrap_or_default()))
        {
            state.sent.pop_front();
        }
        if let (Some(gap), Some(&last)) = (self.min_gap, state.sent.back())
            && now.duration_since(last) < gap
        {
            return Some(gap - now.duration_since(last));
        }
        if let Some(window) = state.window {
            let inside: Vec<&Instant> = state
                .sent
                .iter()
                .filter(|&&t| now.duration_since(t) < window.interval)
                .collect();
            if inside.len() >= window.max
                && let Some(&&oldest) = inside.first()
            {
                // The window frees its oldest slot `interval` after that send.
                return Some(window.interval - now.duration_since(oldest));
            }
        }
        state.sent.push_back(now);
        None
    }

    /// Learns the window from an answer's headers; `Remaining: 0` holds the next request
    /// back one interval.
    pub fn after_answer(&self, headers: &HeaderMap) {
        let number =
            |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let max = number("x-hubspot-ratelimit-max");
        let interval = number("x-hubspot-ratelimit-interval-milliseconds");
        if let (Some(max), Some(interval)) = (max, interval)
            && max > 0
        {
            state.window = Some(Window {
                max: max as usize,
                interval: Duration::from_millis(interval),
            });
        }
        if number("x-hubspot-ratelimit-remaining") == Some(0)
            && let Some(window) = state.window
        {
            let until = Instant::now() + window.interval;
            state.not_before = Some(state.not_before.map_or(until, |t| t.max(until)));
        }
    }

    /// Holds every request back for `wait` (a 429's `Retry-After`, a backoff).
    pub fn hold(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.not_before = Some(state.not_before.map_or(until, |t| t.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(max: &str, remaining: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-hubspot-ratelimit-max", max.parse().unwrap());
        h.insert(
            "x-hubspot-ratelimit-interval-milliseconds",
            "10000".parse().unwrap(),
        );
        h.insert("x-hubspot-ratelimit-remaining", remaining.parse().unwrap());
        h
    }

    #[test]
    fn a_full_window_waits_until_its_oldest_send_leaves_it() {
        let pacer = Pacer::new(0.0);
        pacer.after_answer(&headers("3", "2"));
        let start = Instant::now();
        for i in 0..3 {
            assert_eq!(pacer.reserve(start + Duration::from_secs(i)), None);
        }
        let wait = pacer.reserve(start + Duration::from_secs(4)).unwrap();
        assert_eq!(wait, Duration::from_secs(6));
        assert_eq!(pacer.reserve(start + Duration::from_secs(10)), None);
    }

    #[test]
    fn the_configured_rate_spaces_requests() {
        let pacer = Pacer::new(2.0);
        let start = Instant::now();
        assert_eq!(pacer.reserve(start), None);
        let wait = pacer.reserve(start + Duration::from_millis(100)).unwrap();
        assert_eq!(wait, Duration::from_millis(400));
        assert_eq!(pacer.reserve(start + Duration::from_millis(500)), None);
    }

    #[test]
    fn nothing_remaining_holds_the_next_request_one_interval() {
        let pacer = Pacer::new(0.0);
        pacer.after_answer(&headers("100", "0"));
        let wait = pacer.reserve(Instant::now()).unwrap();
        assert!(wait > Duration::from_secs(9), "{wait:?}");
    }
}
