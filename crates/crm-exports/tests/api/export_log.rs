//! The export log (`GET …/export`, an extension) end to end: newest first on every path
//! family, the details fields plus format, times, rows and failure reason, paging through
//! `after` and an absolute `paging.next.link`, the state and object type filters, other
//! portals' exports never listed, and the export scope and bad parameters refused.

use crm_exports::store::ExportOutcome;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_hubspot_error};

fn now_ms() -> i64 {
    crm_exports::clock::Clock::system().now_ms()
}

const PREFIXES: [&str; 3] = [
    "/crm/v3/exports",
    "/crm/exports/2026-03",
    "/crm/exports/2026-09",
];

fn request(name: &str, object: &str, properties: &[&str]) -> Value {
    json!({
        "exportType": "VIEW", "exportName": name, "format": "CSV", "language": "EN",
        "objectType": object, "objectProperties": properties,
    })
}

async fn start(app: &TestApp, token: &str, body: Value) -> String {
    let reply = app
        .send(
            Method::POST,
            "/crm/v3/exports/export/async",
            Some(token),
            Some(crate::helpers::Body::Json(body)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

fn ids(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_log_lists_the_portals_exports_newest_first_with_the_details_fields() {
    let app = TestApp::spawn().await;
    app.create_many("contacts", vec![json!({"email": "a@example.com"})])
        .await;
    let first = start(&app, &app.token, request("first", "CONTACT", &["email"])).await;
    app.run_exports().await;
    let second = start(&app, &app.token, request("second", "COMPANY", &["name"])).await;
    for prefix in PREFIXES {
        let reply = app.get(&format!("{prefix}/export")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(ids(&reply.body), [second.clone(), first.clone()]);
        assert!(reply.body.get("paging").is_none(), "{}", reply.body);
        // Each result is what the details endpoint answers for it.
        let details = app.get(&format!("{prefix}/export/{first}")).await;
        assert_eq!(reply.body["results"][1], details.body);
    }
    let log = app.get("/crm/v3/exports/export").await.body;
    let done = &log["results"][1];
    assert_eq!(done["exportState"], "DONE");
    assert_eq!(done["format"], "CSV");
    assert_eq!(done["objectType"], "0-1");
    assert_eq!(done["recordCount"], 1);
    for field in ["requestedAt", "startedAt", "completedAt"] {
        assert!(
            done[field].as_str().is_some_and(|t| t.ends_with('Z')),
            "{field}: {done}"
        );
    }
    let queued = &log["results"][0];
    assert_eq!(queued["exportState"], "ENQUEUED");
    assert_eq!(queued["objectType"], "0-2");
    assert!(queued.get("startedAt").is_none() && queued.get("completedAt").is_none());
    assert!(queued.get("recordCount").is_none(), "{queued}");
}

#[tokio::test]
async fn the_log_pages_with_after_and_an_absolute_next_link_keeping_the_filters() {
    let app = TestApp::spawn().await;
    let mut started = Vec::new();
    for i in 0..5 {
        started.push(
            start(
                &app,
                &app.token,
                request(&format!("e{i}"), "CONTACT", &["email"]),
            )
            .await,
        );
    }
    started.reverse();
    let mut seen = Vec::new();
    let mut path = "/crm/exports/2026-03/export?limit=2&state=enqueued".to_string();
    loop {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let page = ids(&reply.body);
        assert!(page.len() <= 2);
        seen.extend(page);
        let Some(next) = reply.body["paging"]["next"]["link"].as_str() else {
            break;
        };
        let after = reply.body["paging"]["next"]["after"].as_str().unwrap();
        assert!(next.starts_with(&app.base), "{next}");
        assert!(next.contains("/crm/exports/2026-03/export?"), "{next}");
        assert!(
            next.contains("limit=2") && next.contains("state=enqueued"),
            "{next}"
        );
        assert!(next.ends_with(&format!("after={after}")), "{next}");
        path = next.strip_prefix(&app.base).unwrap().to_string();
    }
    assert_eq!(seen, started);
}

#[tokio::test]
async fn state_and_object_type_filters_narrow_the_log() {
    let app = TestApp::spawn().await;
    let done = start(&app, &app.token, request("done", "CONTACT", &["email"])).await;
    app.run_exports().await;
    let failed = start(&app, &app.token, request("failed", "CONTACT", &["email"])).await;
    let claimed = app
        .store
        .claim_export("test", now_ms(), 30_000, 3)
        .await
        .unwrap()
        .unwrap();
    let error = "The bucket refused the file.".to_string();
    app.store
        .finish_export(
            claimed.id,
            claimed.attempt,
            ExportOutcome::Failed { error },
            now_ms(),
        )
        .await
        .unwrap();
    let canceled = start(&app, &app.token, request("canceled", "DEAL", &["dealname"])).await;
    app.post(
        &format!("/crm/v3/exports/export/{canceled}/cancel"),
        json!({}),
    )
    .await;
    let queued = start(&app, &app.token, request("queued", "companies", &["name"])).await;

    let app = &app;
    let listed = |query: &str| {
        let path = format!("/crm/v3/exports/export?{query}");
        async move { ids(&app.get(&path).await.body) }
    };
    assert_eq!(listed("state=DONE").await, [done.as_str()]);
    assert_eq!(
        listed("state=failed,canceled").await,
        [canceled.clone(), failed.clone()]
    );
    assert_eq!(
        listed("state=FAILED&state=DONE").await,
        [failed.clone(), done.clone()]
    );
    assert_eq!(
        listed("objectType=contacts").await,
        [failed.clone(), done.clone()]
    );
    assert_eq!(listed("objectType=0-3").await, [canceled.as_str()]);
    assert_eq!(
        listed("objectType=COMPANY&state=ENQUEUED").await,
        [queued.as_str()]
    );
    assert!(listed("objectType=tickets").await.is_empty());
    // A state HubSpot has but this service never enters matches nothing.
    assert!(listed("state=DEFERRED").await.is_empty());
    let log = app.get("/crm/v3/exports/export?state=FAILED").await.body;
    assert_eq!(
        log["results"][0]["failureReason"],
        "The bucket refused the file."
    );
    assert_eq!(log["results"][0]["exportState"], "FAILED");
}

#[tokio::test]
async fn another_portals_exports_are_never_listed() {
    let app = TestApp::spawn().await;
    let mine = start(&app, &app.token, request("mine", "CONTACT", &["email"])).await;
    let other = app
        .token_for(777, &["crm.export", "crm.objects.contacts.read"])
        .await;
    let theirs = start(&app, &other, request("theirs", "CONTACT", &["email"])).await;
    assert_eq!(
        ids(&app.get("/crm/v3/exports/export").await.body),
        [mine.as_str()]
    );
    let reply = app
        .send(Method::GET, "/crm/v3/exports/export", Some(&other), None)
        .await;
    assert_eq!(ids(&reply.body), [theirs.as_str()]);
    // Another portal's id as a cursor shows only the caller's older exports.
    let after = app
        .get(&format!(
            "/crm/v3/exports/export?after={}",
            theirs.parse::<i64>().unwrap() + 1
        ))
        .await;
    assert_eq!(ids(&after.body), [mine]);
}

#[tokio::test]
async fn the_log_needs_the_export_scope_and_a_token() {
    let app = TestApp::spawn().await;
    let no_scope = app
        .token_for(app.portal.0, &["crm.objects.contacts.read"])
        .await;
    let reply = app
        .send(Method::GET, "/crm/v3/exports/export", Some(&no_scope), None)
        .await;
    assert_hubspot_error(&reply, StatusCode::FORBIDDEN, "MISSING_SCOPES");
    assert_eq!(
        reply.body["errors"][0]["context"]["requiredGranularScopes"],
        json!(["crm.export"])
    );
    let reply = app
        .send(Method::GET, "/crm/v3/exports/export", None, None)
        .await;
    assert_hubspot_error(&reply, StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION");
}

#[tokio::test]
async fn bad_paging_and_filter_parameters_are_400_naming_them() {
    let app = TestApp::spawn().await;
    start(&app, &app.token, request("one", "CONTACT", &["email"])).await;
    for (query, named) in [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("after=abc", "abc"),
        ("after=-5", "-5"),
        ("state=COMPLETE", "COMPLETE"),
        ("objectType=widgets", "widgets"),
    ] {
        let reply = app.get(&format!("/crm/v3/exports/export?{query}")).await;
        assert_hubspot_error(&reply, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        assert!(
            reply.body["message"].as_str().unwrap().contains(named),
            "{query}: {}",
            reply.body
        );
    }
    let reply = app.get("/crm/v3/exports/export?limit=100").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}
