//! The table of bad inputs and how each route gets them. Path parameters are filled with a
//! valid value from the fixture, except the one under attack; a parameter the table has no
//! valid value for fails the suite, so a new route cannot slip past it. Requests that could
//! be valid and so change data (a DELETE with a good id, a write with a good body) are never
//! sent: every attempt is bad in at least one way a correct server refuses.

use reqwest::{Method, StatusCode};

use crm_exports::blob::signing::UrlSigner;

use super::routes::Route;
use crate::helpers::TestApp;

pub struct Fixture {
    pub token: String,
    pub contact: String,
    pub company: String,
    pub custom: String,
    /// The custom object's association type with contacts.
    pub association: String,
    pub list: String,
    pub owner: String,
    pub export: String,
    pub link: String,
    pub expired_link: String,
    pub foreign_token: String,
    pub foreign_contact: String,
    pub unscoped_token: String,
    pub revoked_token: String,
}

#[derive(Clone, Copy, Debug)]
pub enum Token {
    Good,
    None,
    Bogus,
    Revoked,
    Unscoped,
    Foreign,
}

pub struct Attempt {
    pub method: &'static str,
    /// Path and query, percent-encoded as sent.
    pub path: String,
    pub label: String,
    pub body: Option<Vec<u8>>,
    pub content_type: &'static str,
    pub token: Option<String>,
}

impl Token {
    fn value(self, f: &Fixture) -> Option<String> {
        match self {
            Token::Good => Some(f.token.clone()),
            Token::None => None,
            Token::Bogus => Some("pat-na1-00000000-0000-0000-0000-000000000000".into()),
            Token::Revoked => Some(f.revoked_token.clone()),
            Token::Unscoped => Some(f.unscoped_token.clone()),
            Token::Foreign => Some(f.foreign_token.clone()),
        }
    }
}

/// A valid download link for an export, expired an hour ago, signed with the server's key.
pub fn expired_link(app: &TestApp) -> String {
    let signer = UrlSigner::load_or_create(&app.data_dir().join("signing-key")).unwrap();
    let expires = crm_exports::clock::Clock::system().now_ms() / 1000 - 3600;
    format!(
        "/exports-download/1?expires={expires}&signature={}",
        signer.sign(1, expires)
    )
}

/// Segments that must never reach a file, a query or another portal's data.
fn bad_segments(fixture: &Fixture) -> Vec<(String, String)> {
    let mut bad: Vec<(&str, String)> = vec![
        ("traversal", "..%2F..%2F..%2Fetc%2Fpasswd".into()),
        ("dot-dot", "..".into()),
        ("SQL", "1%27%20OR%20%271%27%3D%271".into()),
        ("SQL statement", "1%3B%20DROP%20TABLE%20tokens%3B--".into()),
        ("huge number", "99999999999999999999999999999".into()),
        ("negative", "-1".into()),
        ("zero", "0".into()),
        ("1e400", "1e400".into()),
        ("invalid UTF-8", "%ff%fe".into()),
        ("NUL", "a%00b".into()),
        ("5,000 characters", "x".repeat(5000)),
        ("bad escape", "%zz".into()),
    ];
    bad.push(("another portal's id", fixture.foreign_contact.clone()));
    bad.into_iter().map(|(l, v)| (l.to_string(), v)).collect()
}

/// Query strings with a value of the wrong type, repeated, badly encoded, or too long;
/// `true` marks those refused whatever the route (checked before any handler).
fn bad_queries() -> Vec<(&'static str, String, bool)> {
    let many = (0..2_001)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(",");
    vec![
        ("limit 1e400", "limit=1e400".into(), false),
        ("negative limit", "limit=-5".into(), false),
        ("huge limit", "limit=99999999999999999999".into(), false),
        ("cursor text", "after=abc".into(), false),
        ("archived maybe", "archived=maybe".into(), false),
        ("repeated limit", "limit=1&limit=2".into(), false),
        (
            "SQL property",
            "properties=%27%3BDROP%20TABLE%20x%3B--".into(),
            false,
        ),
        ("cursor not UTF-8", "after=%ff%fe".into(), true),
        ("NUL", "idProperty=%00".into(), true),
        ("bad escape", "q=%zz".into(), true),
        ("2,001 properties", format!("properties={many}"), true),
    ]
}

/// Bodies no route accepts.
fn bad_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let huge = format!(
        "{{\"properties\": {{\"firstname\": \"{}\"}}}}",
        "x".repeat(11 << 20)
    );
    let in_values: Vec<String> = (0..100_000).map(|i| format!("\"v{i}\"")).collect();
    let in_filter = format!(
        "{{\"filterGroups\": [{{\"filters\": [{{\"propertyName\": \"email\", \"operator\": \"IN\", \"values\": [{}]}}]}}]}}",
        in_values.join(",")
    );
    vec![
        ("array for object", b"[{\"properties\": {\"email\": \"a@b.c\"}}]".to_vec()),
        ("empty array", b"[]".to_vec()),
        ("array of empty object", b"[{}]".to_vec()),
        ("string", b"\"text\"".to_vec()),
        ("huge number", b"123456789012345678901234567890".to_vec()),
        ("1e400", b"1e400".to_vec()),
        ("null", b"null".to_vec()),
        ("inputs string", b"{\"inputs\": \"x\"}".to_vec()),
        ("properties string", b"{\"properties\": \"x\"}".to_vec()),
        ("nested arrays for objects", b"{\"inputs\": [[{\"properties\": {\"email\": \"n@b.c\"}}]]}".to_vec()),
        ("10,000-deep arrays", deep.into_bytes()),
        ("10,000-deep objects", objects.into_bytes()),
        ("11 MB", huge.into_bytes()),
        ("invalid UTF-8", b"{\"name\": \"\xff\xfe\", \"properties\": {\"firstname\": \"\xff\"}}".to_vec()),
        ("NUL", b"{\"name\": \"a\\u0000b\", \"properties\": {\"firstname\": \"a\\u0000b\"}, \"inputs\": [\"\\u0000\"]}".to_vec()),
        ("SQL names", b"{\"properties\": {\"x'; DROP TABLE records; --\": \"1\"}, \"inputs\": [{\"properties\": {\"1' OR '1'='1\": \"1\"}}]}".to_vec()),
        ("100,000 IN values", in_filter.into_bytes()),
        ("truncated", b"{\"properties\": {\"email\": ".to_vec()),
        ("trailing garbage", b"{} {}".to_vec()),
    ]
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

/// A valid value for `param` of `route`, from the fixture.
fn valid(param: &str, route: &str, f: &Fixture) -> String {
    let schemas = route.starts_with("/crm-object-schemas");
    let pipelines = route.contains("/pipelines");
    match param {
        "object_type" if schemas => f.custom.clone(),
        "object_type" if pipelines => "deals".into(),
        "object_type" | "from" => "contacts".into(),
        "to" => "companies".into(),
        "object_id" | "from_id" => f.contact.clone(),
        "to_id" => f.company.clone(),
        "operation" => "create".into(),
        "property_name" => "email".into(),
        "group_name" => "contactinformation".into(),
        "list_id" | "source_id" => f.list.clone(),
        "record_id" => f.contact.clone(),
        "folder_id" | "parent_id" => "0".into(),
        "object_type_id" => "0-1".into(),
        "name" | "list_name" => "Hostile".into(),
        "owner_id" => f.owner.clone(),
        "pipeline_id" => "default".into(),
        "stage_id" => "appointmentscheduled".into(),
        "task_id" | "export_id" => f.export.clone(),
        "type_id" | "association_type_id" => "1".into(),
        "association_id" => f.association.clone(),
        "path" => "js/app.js".into(),
        // Ids nothing has: a good one would let a hostile request through to a reset of the
        // portal or the removal of a subscription, which the suite checks never happens.
        "portal_id" | "webhook_id" => "999999".into(),
        other => panic!(
            "no valid value for path parameter {{{other}}} of {route}: add one to \
             tests/api/hostile/inputs.rs so the route is covered"
        ),
    }
}

/// `route` with each `{param}` replaced by `pick(param)`.
fn fill(route: &str, mut pick: impl FnMut(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = route;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("a closed parameter");
        let name = rest[open + 1..close].trim_start_matches('*');
        out.push_str(&pick(name));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn params(route: &str) -> Vec<String> {
    route
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}'))
        .map(|(p, _)| p.trim_start_matches('*').to_string())
        .collect()
}

pub fn attempts(route: &Route, f: &Fixture) -> Vec<Attempt> {
    let method = route.method;
    let valid_path = fill(&route.path, |p| valid(p, &route.path, f));
    let attempt = |path: String, label: String, body: Option<Vec<u8>>, token: Token| Attempt {
        method,
        path,
        label,
        body,
        content_type: "application/json",
        token: token.value(f),
    };
    // With a bad path or query, a write still sends something that parses as JSON.
    let filler = || is_write(method).then(|| b"[]".to_vec());
    let mut out = Vec::new();
    for param in params(&route.path) {
        for (label, bad) in bad_segments(f) {
            let path = fill(&route.path, |p| {
                if p == param {
                    bad.clone()
                } else {
                    valid(p, &route.path, f)
                }
            });
            out.push(attempt(
                path,
                format!("{{{param}}} {label}"),
                filler(),
                Token::Good,
            ));
        }
    }
    for (label, query, refused_everywhere) in bad_queries() {
        // A DELETE with a good id would delete: only queries refused before any handler.
        if method == "DELETE" && !refused_everywhere {
            continue;
        }
        let path = format!("{valid_path}?{query}");
        out.push(attempt(
            path,
            format!("query {label}"),
            filler(),
            Token::Good,
        ));
    }
    if is_write(method) {
        for (label, body) in bad_bodies() {
            out.push(attempt(
                valid_path.clone(),
                format!("body {label}"),
                Some(body),
                Token::Good,
            ));
        }
        let mut plain = attempt(
            valid_path.clone(),
            "a JSON body sent as text/plain".into(),
            Some(b"{\"properties\": {\"firstname\": \"plain\"}}".to_vec()),
            Token::Good,
        );
        plain.content_type = "text/plain";
        out.push(plain);
    }
    for token in [
        Token::None,
        Token::Bogus,
        Token::Revoked,
        Token::Unscoped,
        Token::Foreign,
    ] {
        let body = is_write(method).then(|| b"{}".to_vec());
        out.push(attempt(
            valid_path.clone(),
            format!("token {token:?}"),
            body,
            token,
        ));
    }
    if route.path.starts_with("/exports-download") {
        out.extend(
            link_attempts(f)
                .into_iter()
                .map(|(label, path)| attempt(path, label.into(), None, Token::None)),
        );
    }
    out
}

/// Download links that must not work: tampered, expired, another export's, incomplete.
fn link_attempts(f: &Fixture) -> Vec<(&'static str, String)> {
    let path = f
        .link
        .split_once("/exports-download")
        .map(|(_, p)| p)
        .unwrap();
    let path = format!("/exports-download{path}");
    let (without_signature, signature) = path.split_once("&signature=").unwrap();
    let mut flipped: Vec<char> = signature.chars().collect();
    flipped[0] = if flipped[0] == '0' { '1' } else { '0' };
    let flipped: String = flipped.into_iter().collect();
    let other_export = path.replacen(
        &format!("/exports-download/{}", f.export),
        "/exports-download/999",
        1,
    );
    vec![
        (
            "tampered signature",
            format!("{without_signature}&signature={flipped}"),
        ),
        ("expired link", f.expired_link.clone()),
        ("another export's link", other_export),
        ("no signature", without_signature.to_string()),
        (
            "repeated signature",
            format!("{path}&signature={signature}"),
        ),
        (
            "later expiry, same signature",
            path.replacen("expires=", "expires=9", 1),
        ),
    ]
}

/// Sends an attempt; the status, the content type and the body.
pub async fn send(app: &TestApp, a: &Attempt) -> (StatusCode, String, Vec<u8>) {
    // An HTTP client resolves a `..` segment before sending (so `…/associations/..` would
    // be a DELETE of the schema itself): such paths go out byte for byte.
    // A body over the limit is refused (413, then the socket closed) before it is all
    // sent, which a client that must finish writing first reports as a broken pipe.
    let path_only = a.path.split('?').next().unwrap_or_default();
    let oversized = a.body.as_ref().is_some_and(|b| b.len() > 1 << 20);
    if oversized || path_only.split('/').any(|segment| segment == "..") {
        return send_raw(app, a).await;
    }
    let client = reqwest::Client::new();
    let method = Method::from_bytes(a.method.as_bytes()).unwrap();
    let mut request = client.request(method, format!("{}{}", app.base, a.path));
    if let Some(token) = &a.token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = &a.body {
        request = request
            .header("content-type", a.content_type)
            .body(body.clone());
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        content_type,
        response.bytes().await.unwrap_or_default().to_vec(),
    )
}

/// Sends an attempt on a new connection exactly as written (`Connection: close`, so the
/// answer ends where the socket does) and reads the status, content type and body. The
/// answer is read while the request is written: the server may answer before reading all
/// of a body it refuses, and stop reading it.
async fn send_raw(app: &TestApp, a: &Attempt) -> (StatusCode, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n",
        a.method, a.path
    );
    if let Some(token) = &a.token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = a.body.clone().unwrap_or_default();
    if a.body.is_some() {
        head.push_str(&format!("Content-Type: {}\r\n", a.content_type));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let (mut reader, mut writer) = socket.into_split();
    let writing = tokio::spawn(async move {
        // A write the server stopped reading fails; its answer is still there to read.
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut answer = Vec::new();
    let mut buffer = vec![0; 64 << 10];
    let read = async {
        // Until the server closes (or resets) the connection.
        while let Ok(n @ 1..) = reader.read(&mut buffer).await {
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("the server answers and closes the connection");
    drop(writing.await);
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete answer");
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let status = StatusCode::from_bytes(&answer[9..12]).unwrap();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let mut body = answer[split + 4..].to_vec();
    if header("transfer-encoding:").as_deref() == Some("chunked") {
        body = unchunk(&body);
    }
    (status, header("content-type:").unwrap_or_default(), body)
}

/// A chunked body's data.
fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end]).unwrap_or("0");
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&rest[start..(start + size).min(rest.len())]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    out
}
