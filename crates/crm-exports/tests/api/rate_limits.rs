//! HubSpot's rate limits: the headers on every authenticated answer (none on search), the
//! 429 with HubSpot's body, `policyName` and `Retry-After` once a token's ten seconds or a
//! search second or a portal's day is spent, nothing counted for callers without a valid
//! token, and `--rate-limits off` removing all of it. Also the client's back-off on 429.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crm_exports::api::ApiConfig;
use crm_exports::api::rate_limit::RateLimitConfig;
use crm_exports::client::Client;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Reply, TestApp, assert_hubspot_error};

fn header(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn limited(config: RateLimitConfig) -> TestApp {
    TestApp::spawn_with(ApiConfig {
        rate_limits: Some(config),
        ..TestApp::config()
    })
    .await
}

fn assert_rate_limited(reply: &Reply, policy: &str, message: &str) {
    assert_hubspot_error(reply, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITS");
    assert_eq!(reply.body["errorType"], "RATE_LIMIT", "{}", reply.body);
    assert_eq!(reply.body["policyName"], policy, "{}", reply.body);
    assert_eq!(reply.body["message"], message, "{}", reply.body);
    let retry_after: u64 = header(reply, "retry-after").unwrap().parse().unwrap();
    assert!(retry_after >= 1, "Retry-After {retry_after}");
}

#[tokio::test]
async fn two_hundred_fifty_requests_in_ten_seconds_end_in_hubspots_429() {
    let app = limited(RateLimitConfig::default()).await;
    let mut replies = Vec::new();
    for _ in 0..250 {
        replies.push(app.get("/crm/v3/objects/contacts?limit=1").await);
    }
    for (i, reply) in replies[..190].iter().enumerate() {
        assert_eq!(reply.status, StatusCode::OK, "request {}", i + 1);
        assert_eq!(
            header(reply, "x-hubspot-ratelimit-max").as_deref(),
            Some("190")
        );
        assert_eq!(
            header(reply, "x-hubspot-ratelimit-remaining"),
            Some((189 - i).to_string())
        );
        assert_eq!(
            header(reply, "x-hubspot-ratelimit-interval-milliseconds").as_deref(),
            Some("10000")
        );
        assert_eq!(
            header(reply, "x-hubspot-ratelimit-daily").as_deref(),
            Some("625000")
        );
        assert_eq!(
            header(reply, "x-hubspot-ratelimit-daily-remaining"),
            Some((625_000 - 1 - i).to_string())
        );
    }
    for reply in &replies[190..] {
        assert_rate_limited(
            reply,
            "TEN_SECONDLY_ROLLING",
            "You have reached your ten secondly limit.",
        );
        let retry_after: u64 = header(reply, "retry-after").unwrap().parse().unwrap();
        assert!(retry_after <= 10, "Retry-After {retry_after}");
        assert_eq!(
            header(reply, "x-hubspot-ratelimit-remaining").as_deref(),
            Some("0")
        );
    }
    // Refused requests are not counted against the day.
    assert_eq!(
        header(&replies[249], "x-hubspot-ratelimit-daily-remaining").as_deref(),
        Some("624810")
    );
}

#[tokio::test]
async fn with_rate_limits_off_nothing_is_refused_and_no_headers_are_sent() {
    let app = TestApp::spawn().await;
    for _ in 0..250 {
        let reply = app.get("/crm/v3/objects/contacts?limit=1").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(header(&reply, "x-hubspot-ratelimit-max").is_none());
    }
}

#[tokio::test]
async fn search_has_a_secondly_limit_and_no_rate_limit_headers() {
    let app = limited(RateLimitConfig {
        search_per_second: 2,
        ..RateLimitConfig::default()
    })
    .await;
    let mut refused = None;
    for _ in 0..10 {
        let reply = app.post("/crm/v3/objects/contacts/search", json!({})).await;
        assert!(
            header(&reply, "x-hubspot-ratelimit-max").is_none(),
            "no headers on search"
        );
        if reply.status != StatusCode::OK {
            refused = Some(reply);
            break;
        }
    }
    let refused = refused.expect("ten searches in a row go over two per second");
    assert_rate_limited(
        &refused,
        "SECONDLY",
        "You have reached your secondly limit.",
    );
    // Search's second does not hold back the token's other requests.
    let reply = app.get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn the_daily_limit_is_shared_by_a_portals_tokens() {
    let app = limited(RateLimitConfig {
        daily: 3,
        ..RateLimitConfig::default()
    })
    .await;
    let other = app.token_for(app.portal.0, &TestApp::all_scopes()).await;
    let reply = app.get("/crm/v3/objects/contacts").await;
    assert_eq!(
        header(&reply, "x-hubspot-ratelimit-daily-remaining").as_deref(),
        Some("2")
    );
    for token in [&other, &app.token] {
        let reply = app
            .send(reqwest::Method::GET, "/crm/v3/owners", Some(token), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let reply = app.get("/crm/v3/objects/contacts").await;
    assert_rate_limited(&reply, "DAILY", "You have reached your daily limit.");
    assert_eq!(
        header(&reply, "x-hubspot-ratelimit-daily-remaining").as_deref(),
        Some("0")
    );
    // Another portal has a day of its own.
    let elsewhere = app.token_for(9, &TestApp::all_scopes()).await;
    let reply = app
        .send(
            reqwest::Method::GET,
            "/crm/v3/objects/contacts",
            Some(&elsewhere),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn callers_without_a_valid_token_are_not_counted() {
    let app = limited(RateLimitConfig {
        per_ten_seconds: 2,
        ..RateLimitConfig::default()
    })
    .await;
    for _ in 0..5 {
        let reply = app
            .send(
                reqwest::Method::GET,
                "/crm/v3/objects/contacts",
                Some("pat-na1-nope"),
                None,
            )
            .await;
        assert_hubspot_error(&reply, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
        assert!(header(&reply, "x-hubspot-ratelimit-max").is_none());
    }
    assert_eq!(
        app.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK
    );
}

/// A stand-in server that answers 429 with `retry_after` to the first `refusals` calls.
async fn refusing_server(refusals: usize, retry_after: &'static str) -> (String, Arc<AtomicUsize>) {
    use axum::routing::get;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let app = axum::Router::new().route(
        "/crm/v3/exports/export/{id}",
        get(move || {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < refusals {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", retry_after)],
                        axum::Json(json!({"status": "error", "message": "You have reached your ten secondly limit.", "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"})),
                    )
                } else {
                    (StatusCode::OK, [("retry-after", "0")], axum::Json(json!({"id": "7"})))
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, calls)
}

#[tokio::test]
async fn the_client_waits_out_retry_after_and_retries() {
    let (base, calls) = refusing_server(2, "1").await;
    let client = Client::new(&base, "pat-na1-x").unwrap();
    let started = Instant::now();
    let details = client
        .export_details("7")
        .await
        .expect("the third call succeeds");
    assert_eq!(details.id, "7");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_client_does_not_wait_for_a_limit_that_lasts_hours() {
    let (base, calls) = refusing_server(1, "7200").await;
    let client = Client::new(&base, "pat-na1-x").unwrap();
    let started = Instant::now();
    let error = client.export_details("7").await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}
