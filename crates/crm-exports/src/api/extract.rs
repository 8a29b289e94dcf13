//! Request input with HubSpot-shaped failures, for every handler to use: the body read
//! under the size limit (413) and only as JSON (415 for another content type), parsed
//! strictly (see `strict_json`) with the failing field's path in the message (400); query
//! strings checked for bad percent-encoding and UTF-8, whose arrays arrive repeated
//! (`a=1&a=2`, the legacy SDKs) or comma-joined (`a=1,2`, the date-versioned SDK), and whose
//! single values are refused when repeated; and path parameters whose parse failures are
//! HubSpot's "Unable to parse value for path parameter". No Rust type name reaches a message.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::{ApiError, ApiResult, ErrorDetail};
use super::strict_json::{Strict, plain_message};

/// The raw request body; parse it with [`parse_json`] after authentication, so a bad body
/// from an unauthenticated caller still gets 401. A body that is not empty must be sent as
/// JSON (`application/json`, or any `application/…+json`): HubSpot's servers refuse other
/// content types with 415.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(CONTENT_TYPE).cloned();
        let bytes = match Bytes::from_request(req, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::payload_too_large());
            }
            Err(_) => {
                return Err(ApiError::validation(
                    "The request body could not be read to its end.",
                ));
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(bytes));
        }
        let declared = content_type.as_ref().and_then(|v| v.to_str().ok());
        if declared.is_some_and(is_json_media_type) {
            Ok(Body(bytes))
        } else {
            Err(ApiError::unsupported_media_type(declared))
        }
    }
}

/// `application/json`, `application/json; charset=utf-8`, `application/vnd.x+json`.
fn is_json_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// Parses a JSON body strictly, naming the field whose value is wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(
            "Invalid input JSON: the request body is empty",
        ));
    }
    if let Err(e) = std::str::from_utf8(body) {
        return Err(ApiError::validation(format!(
            "Invalid input JSON: the request body is not UTF-8 text (at byte {})",
            e.valid_up_to()
        )));
    }
    // Tracking the path costs on every value of a large body (a batch of 100 records), and
    // only a failure needs it: a body that parses is parsed once, plainly; one that does not
    // is parsed again below for the message.
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    if let Ok(value) = T::deserialize(Strict(&mut deserializer))
        && deserializer.end().is_ok()
    {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let parsed = serde_path_to_error::deserialize(Strict(&mut deserializer));
    // Trailing garbage after a valid document is a syntax error too.
    if let (Ok(_), Err(e)) = (&parsed, deserializer.end()) {
        return Err(ApiError::validation(format!(
            "Invalid input JSON on line {}, column {}: {}",
            e.line(),
            e.column(),
            plain_message(&e.to_string())
        )));
    }
    match parsed {
        Ok(value) => Ok(value),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let text = plain_message(&inner.to_string());
            let message = if inner.is_syntax() || inner.is_eof() {
                format!(
                    "Invalid input JSON on line {}, column {}: {text}",
                    inner.line(),
                    inner.column()
                )
            } else if path == "." {
                format!("Invalid input JSON: {text}")
            } else {
                format!("Invalid input JSON: field `{path}`: {text}")
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

/// Path parameters with HubSpot's 400 when one does not parse (`Path<i64>` given `abc`).
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let message = match e.into_kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => {
                        format!("Unable to parse value for path parameter: {key}")
                    }
                    _ => "Unable to parse a value of the request path".to_string(),
                };
                Err(ApiError::validation(message))
            }
            Err(_) => Err(ApiError::validation(
                "Unable to parse a value of the request path",
            )),
        }
    }
}

/// Checks that every `%` escape in a path or query is two hex digits, that the decoded bytes
/// are UTF-8 text, and that none is NUL (no store keeps it); `part` names where, for the
/// message ("path", "query string").
pub fn check_url_text(raw: &str, part: &str) -> ApiResult<()> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(0) => {
                    return Err(ApiError::validation(format!(
                        "The request's {part} contains an encoded NUL character (%00)"
                    )));
                }
                Some(byte) => decoded.push(byte),
                None => {
                    return Err(ApiError::validation(format!(
                        "The request's {part} has a malformed percent-escape at character {}",
                        i + 1
                    )));
                }
            }
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    match std::str::from_utf8(&decoded) {
        Ok(_) => Ok(()),
        Err(_) => Err(ApiError::validation(format!(
            "The request's {part} does not decode to UTF-8 text"
        ))),
    }
}

/// The last segment of a request path: the operation of a route that names one
/// (`…/batch/read`).
pub fn last_segment(uri: &axum::http::Uri) -> &str {
    uri.path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
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

/// Decoded query parameters, in order. As an extractor it refuses a malformed query string
/// with 400; `parse` takes one already checked (the API checks every request's URL first).
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query();
        if let Some(raw) = raw {
            check_url_text(raw, "query string")?;
        }
        Ok(Self::parse(raw))
    }
}

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

    /// The parameter's first value, as HubSpot's servers take a repeated one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter that takes one value: 400 when it is given more than once.
    pub fn single(&self, name: &str) -> ApiResult<Option<&str>> {
        let mut values = self.0.iter().filter(|(k, _)| k == name);
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            return Err(ApiError::validation(format!(
                "Query parameter `{name}` takes one value but was given more than once"
            )));
        }
        Ok(first)
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
        match self.single("after")?.filter(|a| !a.is_empty()) {
            None => Ok(0),
            Some(a) => {
                a.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    ApiError::validation(format!("{a:?} is not a valid paging cursor"))
                })
            }
        }
    }

    pub fn bool(&self, name: &str) -> ApiResult<bool> {
        match self.single(name)?.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::validation(format!(
                "Query parameter `{name}` must be true or false, not {other:?}"
            ))),
        }
    }

    pub fn number<T: FromStr>(&self, name: &str) -> ApiResult<Option<T>> {
        match self.single(name)? {
            None | Some("") => Ok(None),
            Some(text) => text.trim().parse().map(Some).map_err(|_| {
                ApiError::validation(format!(
                    "Query parameter `{name}` must be a whole number, not {text:?}"
                ))
            }),
        }
    }

    /// A whole number that must lie in `range`; 400 naming the range otherwise.
    pub fn number_in<T>(&self, name: &str, range: RangeInclusive<T>) -> ApiResult<Option<T>>
    where
        T: FromStr + PartialOrd + Display,
    {
        let out_of_range = |text: &str| {
            ApiError::validation(format!(
                "Query parameter `{name}` must be a whole number from {} to {}, not {text:?}",
                range.start(),
                range.end()
            ))
        };
        match self.single(name)? {
            None | Some("") => Ok(None),
            Some(text) => match text.trim().parse::<T>() {
                Ok(n) if range.contains(&n) => Ok(Some(n)),
                _ => Err(out_of_range(text)),
            },
        }
    }

    /// One of `allowed` (compared in any letter case), returned as spelled in `allowed`.
    pub fn one_of(&self, name: &str, allowed: &[&'static str]) -> ApiResult<Option<&'static str>> {
        match self.single(name)? {
            None | Some("") => Ok(None),
            Some(text) => allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(text.trim()))
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "Query parameter `{name}` must be one of {}, not {text:?}",
                        allowed.join(", ")
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
