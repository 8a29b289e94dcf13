//! The exports API as the client sees it: start, task status, details and cancel, on the
//! legacy `/crm/v3/exports` paths, which HubSpot and this service both answer, and this
//! service's export log.

use serde::Deserialize;
use serde_json::Value;

use super::{Client, ClientError, ClientResult};

const BASE: &str = "/crm/v3/exports/export";

/// `GET …/tasks/{id}/status`: the task's state and, once COMPLETE, the signed link.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportStatus {
    pub status: String,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub num_errors: Option<i64>,
    #[serde(default)]
    pub errors: Vec<Value>,
}

impl ExportStatus {
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "COMPLETE" | "CANCELED")
    }

    /// The first error's message, for a CANCELED export that failed.
    pub fn error_message(&self) -> Option<String> {
        self.errors
            .first()
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }
}

/// `GET …/export/{id}`: what was asked for and, while or after it runs, how many rows.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDetails {
    pub id: String,
    #[serde(default)]
    pub export_name: Option<String>,
    #[serde(default)]
    pub export_state: Option<String>,
    #[serde(default)]
    pub record_count: Option<i64>,
    /// Extension: cells cut at the format's cell limit, and their properties.
    #[serde(default)]
    pub truncated_cell_count: Option<i64>,
    #[serde(default)]
    pub truncated_properties: Vec<String>,
    /// This service's extension: how many records the export will hold, known once the
    /// worker has counted them (HubSpot does not send it).
    #[serde(default)]
    pub expected_record_count: Option<i64>,
}

/// Which page of the export log to ask for (this service's `GET …/export`).
#[derive(Clone, Debug, Default)]
pub struct ExportLogQuery {
    pub limit: u32,
    pub states: Vec<String>,
    pub object: Option<String>,
    pub after: Option<String>,
}

impl ExportLogQuery {
    fn query_string(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("limit", &self.limit.to_string());
        if !self.states.is_empty() {
            query.append_pair("state", &self.states.join(","));
        }
        if let Some(object) = &self.object {
            query.append_pair("objectType", object);
        }
        if let Some(after) = &self.after {
            query.append_pair("after", after);
        }
        query.finish()
    }
}

#[derive(Deserialize)]
struct Started {
    id: Value,
}

impl Client {
    /// Starts an export; returns its id.
    pub async fn start_export(&self, request: &Value) -> ClientResult<String> {
        let started: Started = self.post(&format!("{BASE}/async"), request).await?;
        match started.id {
            Value::String(id) => Ok(id),
            Value::Number(id) => Ok(id.to_string()),
            other => Err(ClientError::Protocol(format!(
                "the export was started but its id is not a number: {other}"
            ))),
        }
    }

    pub async fn export_status(&self, id: &str) -> ClientResult<ExportStatus> {
        self.get(&format!("{BASE}/async/tasks/{id}/status")).await
    }

    pub async fn export_details(&self, id: &str) -> ClientResult<ExportDetails> {
        self.get(&format!("{BASE}/{id}")).await
    }

    /// A page of the export log (this service's extension): `results` and `paging`.
    pub async fn list_exports(&self, query: &ExportLogQuery) -> ClientResult<Value> {
        self.get(&format!("{BASE}?{}", query.query_string())).await
    }

    /// Cancels a queued or running export (this service's extension to the API).
    pub async fn cancel_export(&self, id: &str) -> ClientResult<Value> {
        self.call(reqwest::Method::POST, &format!("{BASE}/{id}/cancel"), None)
            .await
    }
}
