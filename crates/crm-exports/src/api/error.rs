//! The one API error type and HubSpot's error body: `status: "error"`, `message`,
//! `correlationId` (also sent as `X-HubSpot-Correlation-Id`), `category`, and optional
//! `errors[]`, `context` and `links`. Internal failures are logged with the correlation id
//! and never echoed to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use uuid::Uuid;

use crate::domain::value_error::PropertyValueError;
use crate::store::StoreError;

tokio::task_local! {
    /// The current request's correlation id, set by the correlation middleware.
    pub static CORRELATION_ID: Uuid;
}

/// A new correlation id: a version 4 UUID, as HubSpot's are. Its bits come from the
/// thread's buffered generator rather than a `getrandom` call per request; an id only has
/// to be unique, not secret.
pub fn new_correlation_id() -> Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

pub fn current_correlation_id() -> String {
    CORRELATION_ID
        .try_with(Uuid::to_string)
        .unwrap_or_else(|_| new_correlation_id().to_string())
}

/// One entry of `errors[]`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ErrorDetail {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Json>>,
}

impl ErrorDetail {
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: None,
            location: None,
            context: None,
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub category: &'static str,
    pub message: String,
    pub errors: Vec<ErrorDetail>,
    // Boxed: errors travel in every `Result`, so keep the type small.
    pub context: Option<Box<Map<String, Json>>>,
    pub links: Option<Box<Map<String, Json>>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, category: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            category,
            message: message.into(),
            errors: Vec::new(),
            context: None,
            links: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    /// A 400 listing every problem found, the first as the message.
    pub fn validation_list(problems: Vec<String>) -> Self {
        let message = match problems.as_slice() {
            [one] => one.clone(),
            many => format!("{} problems: {}", many.len(), many.join("; ")),
        };
        let mut error = Self::validation(message);
        error.errors = problems.into_iter().map(ErrorDetail::message).collect();
        error
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION", message)
    }

    /// HubSpot's 403 for a token lacking every one of `any_of`.
    pub fn missing_scopes(any_of: &[&str]) -> Self {
        let mut error = Self::new(
            StatusCode::FORBIDDEN,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
        );
        let mut context = Map::new();
        context.insert("requiredGranularScopes".into(), json!(any_of));
        error.errors = vec![ErrorDetail {
            message: "One or more of the following scopes are required.".into(),
            code: None,
            location: None,
            context: Some(context),
        }];
        let mut links = Map::new();
        links.insert(
            "scopes".into(),
            json!("https://developers.hubspot.com/scopes"),
        );
        error.links = Some(Box::new(links));
        error
    }

    /// HubSpot's 400 for invalid property values, naming each property.
    pub fn invalid_properties(problems: &[PropertyValueError]) -> Self {
        let listed: Vec<Json> = problems
            .iter()
            .map(|p| {
                json!({"isValid": false, "message": p.message, "error": p.code, "name": p.property})
            })
            .collect();
        let mut error = Self::validation(format!(
            "Property values were not valid: {}",
            Json::Array(listed)
        ));
        error.errors = problems
            .iter()
            .map(|p| {
                let mut context = Map::new();
                context.insert("propertyName".into(), json!([p.property]));
                ErrorDetail {
                    message: p.message.clone(),
                    code: Some(p.code.to_string()),
                    location: Some(p.property.clone()),
                    context: Some(context),
                }
            })
            .collect();
        error
    }

    /// A failure the client cannot fix; the details go to the log, not the response.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(correlation_id = %current_correlation_id(), "internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "An internal error occurred. Quote the correlationId when reporting it.",
        )
    }

    pub fn with_context(mut self, key: &str, values: Vec<String>) -> Self {
        self.context
            .get_or_insert_with(Default::default)
            .insert(key.into(), json!(values));
        self
    }

    pub fn body(&self, correlation_id: &str) -> Json {
        let mut body = Map::new();
        body.insert("status".into(), json!("error"));
        body.insert("message".into(), json!(self.message));
        body.insert("correlationId".into(), json!(correlation_id));
        body.insert("category".into(), json!(self.category));
        if !self.errors.is_empty() {
            body.insert("errors".into(), json!(self.errors));
        }
        if let Some(context) = &self.context {
            body.insert("context".into(), Json::Object(context.as_ref().clone()));
        }
        if let Some(links) = &self.links {
            body.insert("links".into(), Json::Object(links.as_ref().clone()));
        }
        Json::Object(body)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} was not found")),
            StoreError::Conflict {
                ref message,
                source: Some(_),
            } => {
                // The database's own words name tables and values: they go to the log.
                tracing::warn!(
                    correlation_id = %current_correlation_id(),
                    "conflict raised by the database: {}",
                    e.detail()
                );
                ApiError::conflict(message.clone())
            }
            StoreError::Conflict { message, .. } => ApiError::conflict(message),
            internal @ StoreError::Internal { .. } => ApiError::internal(internal.detail()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body(&current_correlation_id());
        (self.status, axum::Json(body)).into_response()
    }
}
