//! The web console as the server delivers it: the page and every file it loads come from
//! the binary under a strict Content-Security-Policy, with no inline script or style and
//! nothing from another origin, revalidated by entity tag. (What the page does is tested
//! in a real browser by `tests/console/` at the repository root.)

use reqwest::StatusCode;

use crate::helpers::TestApp;

async fn fetch(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let (status, headers, bytes) = app.fetch(&format!("{}{path}", app.base)).await;
    (status, headers, String::from_utf8(bytes).expect("text"))
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// The `src`/`href` values of the page's script, stylesheet and icon tags.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\"/"] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let value = &rest[..rest.find('"').unwrap()];
            let value = if attribute.starts_with("href") {
                format!("/{value}")
            } else {
                value.to_string()
            };
            found.push(value);
        }
    }
    found
}

#[tokio::test]
async fn the_page_is_served_at_the_root_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let (status, headers, html) = fetch(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, "content-type").starts_with("text/html"));
    let policy = header(&headers, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"),
        "{policy}"
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "x-frame-options"), "DENY");
    // No inline script or style, and nothing from another origin.
    assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains("style="));
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"));
    let loaded = references(&html);
    assert!(
        loaded.iter().any(|p| p == "/_console/js/app.js"),
        "{loaded:?}"
    );
    assert!(
        loaded.iter().any(|p| p == "/_console/style.css"),
        "{loaded:?}"
    );
}

#[tokio::test]
async fn every_module_the_page_imports_is_served_with_its_type() {
    let app = TestApp::spawn().await;
    let mut pending = vec!["/_console/js/app.js".to_string()];
    let mut served = Vec::new();
    while let Some(path) = pending.pop() {
        if served.contains(&path) {
            continue;
        }
        let (status, headers, text) = fetch(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            header(&headers, "content-type").starts_with("text/javascript"),
            "{path}"
        );
        assert!(header(&headers, "content-security-policy").contains("script-src 'self'"));
        assert!(
            !text.contains("innerHTML") && !text.contains("insertAdjacentHTML"),
            "{path}"
        );
        assert!(
            !text.contains("eval(") && !text.contains("new Function"),
            "{path}"
        );
        for line in text.lines().filter(|l| l.starts_with("import ")) {
            let module = line.rsplit_once("from '").unwrap().1.trim_end_matches("';");
            pending.push(format!("/_console/js/{}", module.trim_start_matches("./")));
        }
        served.push(path);
    }
    assert!(served.len() >= 10, "{served:?}");
    let (status, headers, _) = fetch(&app, "/_console/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, "content-type").starts_with("text/css"));
}

#[tokio::test]
async fn unknown_console_files_are_404_and_unchanged_ones_304() {
    let app = TestApp::spawn().await;
    for path in [
        "/_console/nope.js",
        "/_console/../Cargo.toml",
        "/_console/js/../../secret",
    ] {
        let (status, _, _) = fetch(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, headers, _) = fetch(&app, "/_console/js/api.js").await;
    let etag = header(&headers, "etag").to_string();
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    let client = reqwest::Client::new();
    let again = client
        .get(format!("{}/_console/js/api.js", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let other = client
        .get(format!("{}/_console/js/app.js", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
}
