//! Complete HTTP/1.1 error responses as bytes, for the few answers the connection layer
//! writes itself because no request reached the router: a header read that timed out
//! (408), a request line or header block the HTTP parser refused (400, 414, 431), and a
//! connection over the server's cap (503). Each carries HubSpot's error body, a correlation
//! id and `Connection: close`. It imports only the API's error type.

use axum::http::StatusCode;

use crate::api::CORRELATION_HEADER;
use crate::api::error::{ApiError, new_correlation_id};

/// `HTTP/1.1 <status>` with HubSpot's body; `retry_after` adds a `Retry-After` header.
pub fn error_bytes(
    status: StatusCode,
    category: &'static str,
    message: &str,
    retry_after: Option<u64>,
) -> Vec<u8> {
    let correlation_id = new_correlation_id().to_string();
    let body = ApiError::new(status, category, message)
        .body(&correlation_id)
        .to_string();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{CORRELATION_HEADER}: {correlation_id}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    if let Some(secs) = retry_after {
        head.push_str(&format!("retry-after: {secs}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// The HubSpot-shaped replacement for a response hyper writes on its own when it cannot
/// parse a request (always with an empty body), or `None` if `written` is not one.
pub fn replacement_for_parse_error(written: &[u8]) -> Option<Vec<u8>> {
    let head_end = written.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&written[..head_end]).ok()?;
    let status_line = head.lines().next()?;
    let code = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?
        .get(..3)?;
    let empty = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("content-length: 0"));
    if !empty {
        return None;
    }
    let (status, message) = match code {
        "400" => (
            StatusCode::BAD_REQUEST,
            "The request line or its headers could not be parsed as HTTP.",
        ),
        "414" => (StatusCode::URI_TOO_LONG, "The request URL is too long."),
        "431" => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "The request's headers are too large.",
        ),
        _ => return None,
    };
    Some(error_bytes(status, "VALIDATION_ERROR", message, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_answer_gets_hubspots_body() {
        let hyper_wrote = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Sun, 01 Nov 2026 10:00:00 GMT\r\n\r\n";
        let replaced =
            String::from_utf8(replacement_for_parse_error(hyper_wrote).unwrap()).unwrap();
        let (head, body) = replaced.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("connection: close"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["status"], "error");
        assert_eq!(body["category"], "VALIDATION_ERROR");
        assert!(body["correlationId"].as_str().is_some());
    }

    #[test]
    fn an_ordinary_response_is_left_alone() {
        let ordinary = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 97\r\n\r\n{";
        assert!(replacement_for_parse_error(ordinary).is_none());
        assert!(
            replacement_for_parse_error(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none()
        );
        assert!(replacement_for_parse_error(b"partial body bytes").is_none());
    }
}
