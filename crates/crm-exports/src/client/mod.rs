//! A small HTTP client for HubSpot's CRM APIs, used by the `export` and `seed --via-api`
//! commands. It speaks only HTTP, so it works against this service or against
//! `https://api.hubapi.com` with a real token. Every failure becomes one [`ClientError`]
//! whose text is the one line a user needs: the HTTP status, HubSpot's `category` and
//! `message` (with the scopes a 403 names), or why the server could not be reached.

mod crm;
mod exports;
mod pace;

use std::path::Path;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

pub use crm::CustomObjectSchema;
pub use exports::{ExportDetails, ExportLogQuery, ExportStatus};
pub use pace::Pacer;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error status and (usually) HubSpot's error body.
    #[error("{method} {path}: {status}{}: {message}", category.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        method: Method,
        path: String,
        status: StatusCode,
        category: Option<String>,
        message: String,
    },
    /// No answer: the server is down, the name does not resolve, or the connection broke.
    #[error("cannot reach {base_url}: {reason}{}", if *refused { "; is the server running? Start it with `crm-exports serve`" } else { "" })]
    Unreachable {
        base_url: String,
        reason: String,
        /// Nothing listens there: the usual cause is a server not started yet.
        refused: bool,
    },
    /// An answer that is not what the API promises.
    #[error("{0}")]
    Protocol(String),
    #[error("cannot write {path}: {reason}")]
    File { path: String, reason: String },
}

impl ClientError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type ClientResult<T> = Result<T, ClientError>;

pub use crate::tls::install_provider as install_tls_provider;

/// A client bound to one base URL and one private-app (bearer) token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: String,
    /// With a pacer, requests keep to the source's limits and failures of the server or
    /// the network (5xx, timeouts) are retried with backoff; without, they are errors.
    pacer: Option<std::sync::Arc<Pacer>>,
}

impl Client {
    pub fn new(base_url: &str, token: &str) -> ClientResult<Self> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("crm-exports/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Protocol(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            pacer: None,
        })
    }

    /// This client with its requests paced (and retried) by `pacer`.
    pub fn paced(mut self, pacer: Pacer) -> Self {
        self.pacer = Some(std::sync::Arc::new(pacer));
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> ClientResult<T> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> ClientResult<T> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: &Value) -> ClientResult<T> {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// Sends one request and decodes a JSON answer; an empty answer decodes as `null`. A 429
    /// that says how long to wait (`Retry-After`, or HubSpot's ten-secondly and secondly
    /// policies) is retried after that wait, up to [`RATE_LIMIT_RETRIES`] times; a longer
    /// wait than [`MAX_RATE_LIMIT_WAIT`] (a daily limit, the export quota) is an error.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> ClientResult<T> {
        let mut retries = 0;
        let mut failures = 0;
        let (status, bytes) = loop {
            let answer = self.send_once(&method, path, body).await;
            let (status, wait, bytes) = match answer {
                Ok(answer) => answer,
                Err(e) if self.pacer.is_some() && failures < FAILURE_RETRIES => {
                    failures += 1;
                    self.back_off(&method, path, failures, &e.to_string()).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if status.is_server_error() && self.pacer.is_some() && failures < FAILURE_RETRIES {
                failures += 1;
                self.back_off(&method, path, failures, status.as_str())
                    .await;
                continue;
            }
            match wait.or_else(|| policy_wait(status, &bytes)) {
                Some(wait) if retries < RATE_LIMIT_RETRIES && wait <= MAX_RATE_LIMIT_WAIT => {
                    retries += 1;
                    eprintln!(
                        "note: {} is rate-limiting requests; retrying {method} {path} in {} s",
                        self.base_url,
                        wait.as_secs_f64().ceil()
                    );
                    match &self.pacer {
                        // Every request waits, not only this one: the limit is the token's.
                        Some(pacer) => pacer.hold(wait),
                        None => tokio::time::sleep(wait).await,
                    }
                }
                _ => break (status, bytes),
            }
        };
        if !status.is_success() {
            return Err(api_error(method, path, status, &bytes));
        }
        let text = if bytes.is_empty() {
            &b"null"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(text)
            .map_err(|e| ClientError::Protocol(format!("{method} {path}: unexpected answer ({e})")))
    }

    /// One request, paced when this client is: its status, the wait a 429 names, the body.
    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> ClientResult<(StatusCode, Option<Duration>, bytes::Bytes)> {
        if let Some(pacer) = &self.pacer {
            pacer.before_send().await;
        }
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        if let Some(pacer) = &self.pacer {
            pacer.after_answer(response.headers());
        }
        let wait = rate_limit_wait(status, response.headers());
        let bytes = response.bytes().await.map_err(|e| self.unreachable(&e))?;
        Ok((status, wait, bytes))
    }

    /// Waits before the `failures`th retry of a request the server or network failed:
    /// half a second, doubling each time.
    async fn back_off(&self, method: &Method, path: &str, failures: u32, reason: &str) {
        let wait = Duration::from_millis(500) * 2u32.pow(failures - 1);
        eprintln!(
            "note: {method} {path} failed ({reason}); retrying in {:.1} s",
            wait.as_secs_f64()
        );
        tokio::time::sleep(wait).await;
    }

    /// Downloads `url` (a signed link: no token is sent) into a temporary file in `dir`,
    /// which is removed again unless the caller keeps it (so an interrupted or broken
    /// download never leaves a partial file behind). Calls `progress` with the bytes
    /// received so far and the expected total.
    pub async fn download(
        &self,
        url: &str,
        dir: &Path,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> ClientResult<Download> {
        let mut response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await.unwrap_or_default();
            return Err(api_error(Method::GET, "the download link", status, &bytes));
        }
        let total = response.content_length();
        let file_name = response
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(attachment_file_name);
        let file_error = |e: std::io::Error| ClientError::File {
            path: dir.display().to_string(),
            reason: e.to_string(),
        };
        let (file, temp) = tempfile::Builder::new()
            .prefix(".crm-exports-")
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(file_error)?
            .into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let mut received = 0u64;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(&e))? {
            file.write_all(&chunk).await.map_err(file_error)?;
            received += chunk.len() as u64;
            progress(received, total);
        }
        file.flush().await.map_err(file_error)?;
        if let Some(expected) = total.filter(|&t| t != received) {
            return Err(ClientError::Protocol(format!(
                "the download ended after {received} of {expected} bytes"
            )));
        }
        Ok(Download {
            temp,
            size: received,
            file_name,
        })
    }

    fn unreachable(&self, error: &reqwest::Error) -> ClientError {
        // reqwest's own text nests its causes; the innermost one says what went wrong.
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            reason = cause.to_string();
            source = cause.source();
        }
        if error.is_timeout() {
            reason = "the request timed out".to_owned();
        }
        ClientError::Unreachable {
            base_url: self.base_url.clone(),
            reason,
            refused: is_connection_refused(error),
        }
    }
}

/// How many times one request is retried after a 429.
pub const RATE_LIMIT_RETRIES: u32 = 5;
/// How many times a paced client retries a request after a 5xx or no answer.
pub const FAILURE_RETRIES: u32 = 5;
/// The longest wait a 429 may ask for and still be retried.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// A 429's `Retry-After` in seconds (HTTP dates are not waited for).
fn rate_limit_wait(status: StatusCode, headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let secs: f64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// Without `Retry-After`, the wait HubSpot's policies imply (as its Node SDK reads them):
/// ten seconds for `TEN_SECONDLY_ROLLING`, one for search's secondly limit.
fn policy_wait(status: StatusCode, body: &[u8]) -> Option<Duration> {
    if status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let body: Value = serde_json::from_slice(body).ok()?;
    if body.get("policyName").and_then(Value::as_str) == Some("TEN_SECONDLY_ROLLING") {
        return Some(Duration::from_secs(10));
    }
    (body.get("message").and_then(Value::as_str) == Some("You have reached your secondly limit."))
        .then_some(Duration::from_secs(1))
}

/// A finished download, still under a temporary name until the caller keeps it.
pub struct Download {
    /// Removed when dropped; `persist` it to keep it.
    pub temp: tempfile::TempPath,
    pub size: u64,
    /// The server's suggested name, reduced to a bare file name.
    pub file_name: Option<String>,
}

fn is_connection_refused(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The `filename` of a `Content-Disposition: attachment` header, stripped of any folder
/// so a server can never make the client write outside the folder it chose.
fn attachment_file_name(header: &str) -> Option<String> {
    let value = header
        .split(';')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("filename="))?;
    let name = value.trim_matches('"');
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_owned())
}

/// Reads HubSpot's error body (`category`, `message`, and the first of `errors[]` when it
/// says more, with the `requiredGranularScopes` a 403 lists), or falls back to the start
/// of whatever text came back.
fn api_error(method: Method, path: &str, status: StatusCode, body: &[u8]) -> ClientError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut message = field("message").unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("no message").to_owned()
        } else {
            text.chars().take(200).collect()
        }
    });
    let first_detail = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(|e| e.get(0));
    let detail = first_detail
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str);
    let scopes: Vec<&str> = first_detail
        .and_then(|e| e.pointer("/context/requiredGranularScopes"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !scopes.is_empty() {
        let which = if scopes.len() == 1 {
            "the scope"
        } else {
            "one of the scopes"
        };
        message = format!("{message} (the token lacks {which} {})", scopes.join(", "));
    } else if let Some(detail) = detail.filter(|d| !message.contains(d)) {
        message = format!("{message} ({detail})");
    }
    ClientError::Api {
        method,
        path: path.to_owned(),
        status,
        category: field("category"),
        message: message.replace('\n', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_lose_their_folders() {
        let name = |h| attachment_file_name(h);
        assert_eq!(
            name("attachment; filename=\"a b.csv\"").as_deref(),
            Some("a b.csv")
        );
        assert_eq!(
            name("attachment; filename=../../etc/x.csv").as_deref(),
            Some("x.csv")
        );
        assert_eq!(name("attachment; filename=\"..\""), None);
        assert_eq!(name("inline"), None);
    }

    #[test]
    fn error_bodies_become_one_line_with_the_category_and_the_first_detail() {
        let body = br#"{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR","errors":[{"message":"Property \"nope\" does not exist"}]}"#;
        let error = api_error(Method::POST, "/x", StatusCode::BAD_REQUEST, body).to_string();
        assert_eq!(
            error,
            "POST /x: 400 Bad Request VALIDATION_ERROR: Property values were not valid (Property \"nope\" does not exist)"
        );
        let error = api_error(Method::GET, "/y", StatusCode::BAD_GATEWAY, b"").to_string();
        assert_eq!(error, "GET /y: 502 Bad Gateway: Bad Gateway");
    }

    #[test]
    fn a_403_names_the_scopes_it_lists() {
        let body = br#"{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","category":"MISSING_SCOPES","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredGranularScopes":["crm.export"]}}]}"#;
        let error = api_error(Method::GET, "/z", StatusCode::FORBIDDEN, body).to_string();
        assert_eq!(
            error,
            "GET /z: 403 Forbidden MISSING_SCOPES: This app hasn't been granted all required scopes to make this call. (the token lacks the scope crm.export)"
        );
    }
}
