//! The per-request metrics the API records: a count and a latency histogram labelled by
//! method, matched route and status. Handles are kept per thread once registered, so a
//! request neither builds label strings nor searches the recorder's registry.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics::{Counter, Histogram};

/// Label combinations kept per thread; past this the cache starts over, so clients
/// inventing methods cannot grow it without bound.
const MAX_CACHED: usize = 1024;

struct Handles {
    method: Method,
    status: StatusCode,
    requests: Counter,
    duration: Histogram,
}

thread_local! {
    /// By route, then a short list of the methods and statuses seen on it.
    static HANDLES: RefCell<(usize, HashMap<String, Vec<Handles>>)> =
        RefCell::new((0, HashMap::new()));
}

/// Counts one request and records how long it took.
pub fn record(method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
    HANDLES.with_borrow_mut(|(cached, by_route)| {
        if let Some(h) = by_route.get(route).and_then(|list| {
            list.iter()
                .find(|h| h.status == status && h.method == method)
        }) {
            h.requests.increment(1);
            h.duration.record(elapsed.as_secs_f64());
            return;
        }
        if *cached >= MAX_CACHED {
            by_route.clear();
            *cached = 0;
        }
        let labels = [
            ("method", method.to_string()),
            ("route", route.to_string()),
            ("status", status.as_u16().to_string()),
        ];
        let h = Handles {
            method: method.clone(),
            status,
            requests: metrics::counter!("http_requests_total", &labels),
            duration: metrics::histogram!("http_request_duration_seconds", &labels),
        };
        h.requests.increment(1);
        h.duration.record(elapsed.as_secs_f64());
        by_route.entry(route.to_string()).or_default().push(h);
        *cached += 1;
    });
}
