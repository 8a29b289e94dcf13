//! The test harness: a real server on a random port over a fresh SQLite database in a
//! temporary folder, with a full-scope token for a first portal, and small HTTP helpers
//! that return the status and the parsed JSON body.

use crm_exports::api::ApiConfig;
use crm_exports::api::auth::{generate_token, hash_token};
use crm_exports::clock::Clock;
use crm_exports::domain::scope::ALL_SCOPES;
use crm_exports::jobs::{RunOutcome, Runner};
use crm_exports::server;
use crm_exports::server::Settings;
use crm_exports::store::{PortalId, SharedStore};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Both path families every record endpoint answers on.
pub const OBJECT_PREFIXES: [&str; 2] = ["/crm/v3/objects", "/crm/objects/2026-03"];
pub const PROPERTY_PREFIXES: [&str; 2] = ["/crm/v3/properties", "/crm/properties/2026-03"];

/// Why a PostgreSQL test is ignored by default, and what it needs to run.
pub const NEEDS_POSTGRES: &str =
    "needs PostgreSQL: set CRM_EXPORTS_TEST_POSTGRES_URL and run with --include-ignored";

pub struct TestApp {
    pub base: String,
    pub token: String,
    pub portal: PortalId,
    pub store: SharedStore,
    pub runner: Runner,
    /// The server's clock, which the admin API moves.
    pub clock: Clock,
    client: reqwest::Client,
    /// On PostgreSQL: an admin connection and the test's own schema, dropped at the end.
    postgres: Option<(tokio_postgres::Client, String)>,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Self::config()).await
    }

    /// The server's defaults without HubSpot's rate limits: tests send requests far faster
    /// than a client sharing HubSpot's limits could (the rate-limit tests turn them on).
    pub fn config() -> ApiConfig {
        ApiConfig {
            rate_limits: None,
            ..ApiConfig::default()
        }
    }

    pub async fn spawn_with(config: ApiConfig) -> TestApp {
        Self::spawn_with_settings(Settings {
            api: config,
            ..Settings::default()
        })
        .await
    }

    pub async fn spawn_with_settings(settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let store: SharedStore = server::open_store(dir.path()).expect("store opens");
        Self::spawn_over(store, dir, settings, None).await
    }

    /// The same server over a fresh schema of the test PostgreSQL database; tests that use
    /// it are `#[ignore]`d with the words of [`NEEDS_POSTGRES`] and fail, naming the variable, when run without
    /// it. Call [`drop_postgres_schema`](Self::drop_postgres_schema) at the end.
    pub async fn spawn_on_postgres(settings: Settings) -> TestApp {
        let url = std::env::var("CRM_EXPORTS_TEST_POSTGRES_URL").expect(NEEDS_POSTGRES);
        let mut config: tokio_postgres::Config = url.parse().expect("a PostgreSQL URL");
        let (admin, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .expect("the test PostgreSQL server answers");
        tokio::spawn(connection);
        let schema = format!("api_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("a fresh schema");
        config.options(format!("-c search_path={schema}"));
        let store = crm_exports::store::postgres::PgStore::open(config)
            .await
            .expect("a PostgreSQL store");
        let dir = tempfile::tempdir().expect("temporary folder");
        Self::spawn_over(
            std::sync::Arc::new(store),
            dir,
            settings,
            Some((admin, schema)),
        )
        .await
    }

    pub async fn drop_postgres_schema(&self) {
        if let Some((admin, schema)) = &self.postgres {
            admin
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
                .expect("the test schema is dropped");
        }
    }

    async fn spawn_over(
        store: SharedStore,
        dir: tempfile::TempDir,
        settings: Settings,
        postgres: Option<(tokio_postgres::Client, String)>,
    ) -> TestApp {
        let now = Clock::system().now_ms();
        let token = server::bootstrap(store.as_ref(), dir.path(), now)
            .await
            .expect("bootstrap")
            .expect("a fresh store creates a development token");
        let portal = store.list_portals().await.unwrap()[0];
        let listener = server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let connections = settings.connections;
        let clock = settings.clock.clone();
        let (state, runner) =
            server::assemble(store.clone(), dir.path(), settings).expect("assemble");
        tokio::spawn(server::serve_with(listener, state, connections, async {
            let _ = stopped.await;
        }));
        TestApp {
            base,
            token,
            portal,
            store,
            runner,
            clock,
            client: {
                crm_exports::client::install_tls_provider();
                reqwest::Client::new()
            },
            postgres,
            _dir: dir,
            _stop: stop,
        }
    }

    /// A token for `portal` (created if new) holding exactly `scopes`.
    pub async fn token_for(&self, portal: i64, scopes: &[&str]) -> String {
        let now = 1_700_000_000_000;
        self.store
            .ensure_portal(PortalId(portal), now)
            .await
            .unwrap();
        let token = generate_token();
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        self.store
            .create_token(PortalId(portal), "test", &scopes, &hash_token(&token), now)
            .await
            .unwrap();
        token
    }

    pub fn all_scopes() -> Vec<&'static str> {
        ALL_SCOPES.to_vec()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Body>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        match body {
            Some(Body::Json(v)) => request = request.json(&v),
            Some(Body::Raw(text)) => {
                request = request
                    .header("content-type", "application/json")
                    .body(text)
            }
            None => {}
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, Some(&self.token.clone()), None)
            .await
    }

    /// A GET with the server's token, answering the status and the body's exact text.
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{}", self.base, path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(
            Method::POST,
            path,
            Some(&self.token.clone()),
            Some(Body::Json(body)),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(
            Method::PATCH,
            path,
            Some(&self.token.clone()),
            Some(Body::Json(body)),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, Some(&self.token.clone()), None)
            .await
    }

    /// The server's data folder (database, export files).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Runs queued exports until none is due, as a worker would; returns how many ran.
    pub async fn run_exports(&self) -> usize {
        let mut ran = 0;
        while let RunOutcome::Ran { .. } = self
            .runner
            .run_once(self.clock.now_ms())
            .await
            .expect("the runner step succeeds")
        {
            ran += 1;
        }
        ran
    }

    /// Starts an export, runs the queue, and returns the downloaded file as text.
    pub async fn export_text(&self, request: Value) -> String {
        let started = self.post("/crm/v3/exports/export/async", request).await;
        assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
        self.run_exports().await;
        let id = started.body["id"].as_str().unwrap();
        let status = self
            .get(&format!("/crm/v3/exports/export/async/tasks/{id}/status"))
            .await;
        let (_, _, bytes) = self
            .fetch(status.body["result"].as_str().expect("a finished export"))
            .await;
        String::from_utf8(bytes).expect("a UTF-8 file")
    }

    /// Downloads a URL without a token; returns status, headers and bytes.
    pub async fn fetch(&self, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .expect("download reaches the server");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// Creates records through batch/create, 100 at a time; returns their ids in order.
    pub async fn create_many(&self, object: &str, properties: Vec<Value>) -> Vec<String> {
        let mut ids = Vec::new();
        for chunk in properties.chunks(100) {
            let inputs: Vec<Value> = chunk.iter().map(|p| json!({ "properties": p })).collect();
            let reply = self
                .post(
                    &format!("/crm/v3/objects/{object}/batch/create"),
                    json!({ "inputs": inputs }),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
            let results = reply.body["results"].as_array().unwrap();
            // Results come back in input order, so ids can be paired with inputs.
            ids.extend(
                results
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_string()),
            );
        }
        ids
    }

    /// The ids of every live record of `object`, read by paging the list endpoint.
    pub async fn all_ids(&self, object: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut after = String::new();
        loop {
            let reply = self
                .get(&format!("/crm/v3/objects/{object}?limit=100&after={after}"))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            for r in reply.body["results"].as_array().unwrap() {
                ids.push(r["id"].as_str().unwrap().to_string());
            }
            match reply.body["paging"]["next"]["after"].as_str() {
                Some(next) => after = next.to_string(),
                None => return ids,
            }
        }
    }
}

pub enum Body {
    Json(Value),
    Raw(String),
}

/// Asserts HubSpot's error body shape and returns its category.
pub fn assert_hubspot_error(reply: &Reply, status: StatusCode, category: &str) {
    assert_eq!(
        reply.status, status,
        "unexpected status; body: {}",
        reply.body
    );
    assert_eq!(reply.body["status"], "error", "{}", reply.body);
    assert_eq!(reply.body["category"], category, "{}", reply.body);
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        reply.body
    );
    let correlation = reply.body["correlationId"].as_str().expect("correlationId");
    assert_eq!(
        reply
            .headers
            .get("x-hubspot-correlation-id")
            .and_then(|v| v.to_str().ok()),
        Some(correlation),
        "the header carries the body's correlation id"
    );
}

pub fn ids_of(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}
