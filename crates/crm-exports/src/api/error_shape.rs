//! The last word on every error response: whatever produced a 4xx or 5xx without HubSpot's
//! JSON body — a timeout layer's empty 408, a file service's empty 416, a framework
//! rejection's plain text — leaves with HubSpot's body (`status`, `message`,
//! `correlationId`, `category`) and its useful headers kept (`Content-Range`, `Allow`,
//! `Retry-After`). An error after which the server drops the socket (408, 413, or any error
//! that left the request body unread) says so with `Connection: close`. It needs the
//! correlation scope of `observe` around it; it imports only the API's error type.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;

use super::error::ApiError;

/// Headers of an error response that still hold once its body is replaced.
const KEPT_HEADERS: [&str; 4] = ["content-range", "allow", "retry-after", "www-authenticate"];

pub async fn hubspot_error_bodies(request: Request, next: Next) -> Response {
    let (request, read_to_end) = track_body(request);
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    if !is_json(response.headers()) {
        response = reshaped(status, response.headers());
    }
    let body_left_unread = read_to_end.is_some_and(|done| !done.load(Ordering::Acquire));
    if matches!(
        status,
        StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE
    ) || body_left_unread
    {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// HubSpot's body for a status whose producer wrote none of its own.
fn reshaped(status: StatusCode, old: &HeaderMap) -> Response {
    let (category, message) = match status {
        StatusCode::NOT_FOUND => ("OBJECT_NOT_FOUND", "resource not found"),
        StatusCode::REQUEST_TIMEOUT => (
            "TIMEOUT",
            "The request took too long to arrive or to answer and was stopped.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "VALIDATION_ERROR",
            "The request body is larger than this server accepts.",
        ),
        StatusCode::RANGE_NOT_SATISFIABLE => (
            "VALIDATION_ERROR",
            "The requested byte range does not lie within the file.",
        ),
        StatusCode::PRECONDITION_FAILED => (
            "VALIDATION_ERROR",
            "The file does not match the request's preconditions.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "VALIDATION_ERROR",
            "Send the request body as JSON with Content-Type: application/json.",
        ),
        s if s.is_server_error() => (
            "INTERNAL_ERROR",
            "An internal error occurred. Quote the correlationId when reporting it.",
        ),
        _ => ("VALIDATION_ERROR", "The request could not be understood."),
    };
    let mut response = ApiError::new(status, category, message).into_response();
    for name in KEPT_HEADERS {
        if let Some(value) = old.get(name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// A request that carries a body gets it wrapped, so the response can tell whether it was
/// read to its end.
fn track_body(request: Request) -> (Request, Option<Arc<AtomicBool>>) {
    let headers = request.headers();
    let declares_body = headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    if !declares_body {
        return (request, None);
    }
    let done = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let tracked = TrackedBody {
        inner: body,
        done: done.clone(),
    };
    (Request::from_parts(parts, Body::new(tracked)), Some(done))
}

struct TrackedBody {
    inner: Body,
    done: Arc<AtomicBool>,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            self.done.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        let end = self.inner.is_end_stream();
        if end {
            self.done.store(true, Ordering::Release);
        }
        end
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
