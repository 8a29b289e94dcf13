//! Request input with HubSpot-shaped failures: the body read under the size limit (413),
//! JSON parsed with the failing field's path in the message (400), and query strings whose
//! arrays arrive repeated (`a=1&a=2`, the legacy SDKs) or comma-joined (`a=1,2`, the
//! date-versioned SDK).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::{ApiError, ApiResult, ErrorDetail};

/// The raw request body; parse it with [`parse_json`] after authentication, so a bad body
/// from an unauthenticated caller still gets 401.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Body(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "VALIDATION_ERROR",
                    "The request body is larger than this server accepts.",
                ))
            }
            Err(rejection) => Err(ApiError::validation(format!(
                "The request body could not be read: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Parses JSON, naming the field whose type is wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(
            "Invalid input JSON: the request body is empty",
        ));
    }
    // Tracking the path costs on every value of a large body (a batch of 100 records), and
    // only a failure needs it: a body that parses is parsed once, plainly; one that does not
    // is parsed again below for the message.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let parsed = serde_path_to_error::deserialize(&mut deserializer);
    // Trailing garbage after a valid document is a syntax error too.
    if let (Ok(_), Err(e)) = (&parsed, deserializer.end()) {
        return Err(ApiError::validation(format!(
            "Invalid input JSON on line {}, column {}: {e}",
            e.line(),
            e.column()
        )));
    }
    match parsed {
        Ok(value) => Ok(value),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                format!(
                    "Invalid input JSON on line {}, column {}: {inner}",
                    inner.line(),
                    inner.column()
                )
            } else if path == "." {
                format!("Invalid input JSON: {inner}")
            } else {
                format!("Invalid input JSON: field `{path}`: {inner}")
            };
            let mut error = ApiError::validation(message.clone());
            let mut detail = ErrorDetail::message(message);
            if path != "." {
                detail.location = Some(path);
            }
            error.errors = vec![detail];
            Err(error)
        }
    }
}

/// A record id in a JSON body: a string, or from some clients a number.
#[derive(serde::Deserialize)]
#[serde(untagged)]
pub enum IdText {
    Text(String),
    Number(i64),
}

impl IdText {
    pub fn text(&self) -> String {
        match self {
            IdText::Text(s) => s.clone(),
            IdText::Number(n) => n.to_string(),
        }
    }
}

/// Decoded query parameters, in order.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Self {
        QueryParams(
            raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    /// Every parameter as `(name, value)`, in the order sent.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of an array parameter, repeated or comma-joined; `None` if absent.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        let mut found = false;
        let mut values = Vec::new();
        for (k, v) in &self.0 {
            if k == name || k.strip_suffix("[]") == Some(name) {
                found = true;
                values.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                );
            }
        }
        found.then_some(values)
    }

    /// An `after` cursor over ids: the last id seen, 0 when absent.
    pub fn id_cursor(&self) -> ApiResult<i64> {
        match self.get("after").filter(|a| !a.is_empty()) {
            None => Ok(0),
            Some(a) => a
                .parse::<i64>()
                .map_err(|_| ApiError::validation(format!("{a:?} is not a valid paging cursor"))),
        }
    }

    pub fn bool(&self, name: &str) -> ApiResult<bool> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::validation(format!(
                "Query parameter `{name}` must be true or false, not {other:?}"
            ))),
        }
    }

    pub fn number<T: std::str::FromStr>(&self, name: &str) -> ApiResult<Option<T>> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(text) => text.trim().parse().map(Some).map_err(|_| {
                ApiError::validation(format!(
                    "Query parameter `{name}` must be a whole number, not {text:?}"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_arrive_repeated_or_comma_joined() {
        let q = QueryParams::parse(Some("properties=a&properties=b,c&limit=5"));
        assert_eq!(q.list("properties").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(q.number::<usize>("limit").unwrap(), Some(5));
        assert_eq!(q.list("associations"), None);
        assert!(
            QueryParams::parse(Some("limit=x"))
                .number::<usize>("limit")
                .is_err()
        );
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Input {
            inputs: Vec<String>,
        }
        let e = parse_json::<Input>(br#"{"inputs": [1]}"#).unwrap_err();
        assert!(e.message.contains("inputs[0]"), "{}", e.message);
        let e = parse_json::<Input>(b"{nope").unwrap_err();
        assert!(
            e.message.starts_with("Invalid input JSON on line 1"),
            "{}",
            e.message
        );
    }
}
