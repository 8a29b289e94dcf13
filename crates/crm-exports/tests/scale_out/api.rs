//! The exports API as a user calls it over HTTP: start an export, read its status and
//! details, wait for it to finish. Waiting tolerates failed requests, since the database
//! behind the API may be restarting.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One portal's view of the API through one API process.
pub struct Portal<'a> {
    pub http: &'a reqwest::Client,
    pub base_url: &'a str,
    pub token: &'a str,
}

const BASE: &str = "/crm/v3/exports/export";

const CONTACT_PROPERTIES: [&str; 20] = [
    "email",
    "firstname",
    "lastname",
    "phone",
    "mobilephone",
    "company",
    "jobtitle",
    "website",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "industry",
    "message",
    "lifecyclestage",
    "hs_lead_status",
    "associatedcompanyid",
    "createdate",
    "lastmodifieddate",
];

impl Portal<'_> {
    async fn get(&self, path: &str) -> Result<Value, String> {
        let response = self
            .http
            .get(format!("{}{BASE}{path}", self.base_url))
            .bearer_auth(self.token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {body}"));
        }
        serde_json::from_str(&body).map_err(|e| e.to_string())
    }

    /// Starts a CSV export of every contact with the 20 properties of a typical contacts
    /// export (email and names first); returns its id.
    pub async fn start_contacts_export(&self, name: &str) -> i64 {
        let response = self
            .http
            .post(format!("{}{BASE}/async", self.base_url))
            .bearer_auth(self.token)
            .json(&json!({
                "exportType": "VIEW",
                "exportName": name,
                "format": "CSV",
                "language": "EN",
                "objectType": "CONTACT",
                "objectProperties": CONTACT_PROPERTIES,
            }))
            .send()
            .await
            .expect("the API answers");
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON answer");
        assert!(status.is_success(), "starting an export: {status} {body}");
        match &body["id"] {
            Value::String(id) => id.parse().expect("a numeric id"),
            other => other.as_i64().expect("a numeric id"),
        }
    }

    /// `GET …/export/{id}`: the export's details (`exportState`, `recordCount`).
    pub async fn details(&self, id: i64) -> Result<Value, String> {
        self.get(&format!("/{id}")).await
    }

    /// `GET …/async/tasks/{id}/status`.
    pub async fn status(&self, id: i64) -> Result<Value, String> {
        self.get(&format!("/async/tasks/{id}/status")).await
    }
}

/// Polls the export's status through each of `portals` in turn until it is no longer
/// PENDING or PROCESSING; returns the last status. Failed requests are retried until
/// `deadline`.
pub async fn wait_until_finished(portals: &[Portal<'_>], id: i64, deadline: Instant) -> Value {
    let mut last_error = String::new();
    for turn in 0.. {
        assert!(
            Instant::now() < deadline,
            "export {id} did not finish in time (last error: {last_error})"
        );
        match portals[turn % portals.len()].status(id).await {
            Ok(status) if status["status"] != "PENDING" && status["status"] != "PROCESSING" => {
                return status;
            }
            Ok(_) => {}
            Err(e) => last_error = e,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    unreachable!()
}
