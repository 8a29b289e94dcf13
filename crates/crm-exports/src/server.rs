//! Starting the service: open the store (SQLite under the data folder, or PostgreSQL when
//! a database URL is given), make sure a first portal and development token exist, bind,
//! and serve until SIGINT or SIGTERM.

mod accept;
mod conn_io;
mod raw_response;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use tokio::sync::Notify;

use crate::api::exports::ExportsContext;
use crate::api::rate_limit::RateLimiter;
use crate::api::{self, ApiConfig, AppState, auth};
use crate::blob::signing::UrlSigner;
use crate::blob::{Blobs, LocalBlobs, S3Blobs};
use crate::domain::scope::ALL_SCOPES;
use crate::domain::time::now_ms;
use crate::jobs::{ExportConfig, Runner};
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{PortalId, SharedStore, Store};
use crate::telemetry;

pub use self::accept::{ConnectionLimits, default_max_connections};
pub use self::conn_io::ConnTimeouts;

pub const DATABASE_FILE: &str = "crm-exports.sqlite3";
pub const DEV_TOKEN_FILE: &str = "dev-token";
pub const EXPORTS_DIR: &str = "exports";
pub const SIGNING_KEY_FILE: &str = "signing-key";

pub fn open_store(data_dir: &Path) -> anyhow::Result<Arc<SqliteStore>> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
    let store = SqliteStore::open(&data_dir.join(DATABASE_FILE))
        .with_context(|| format!("cannot open the database in {}", data_dir.display()))?;
    Ok(Arc::new(store))
}

/// The store a command works on: PostgreSQL at `database_url` when one is given (any
/// number of processes may share it), otherwise SQLite in the data folder.
pub async fn open_database(
    data_dir: &Path,
    database_url: Option<&str>,
) -> anyhow::Result<SharedStore> {
    match database_url {
        Some(url) => {
            // The folder still holds the development token, signing key and local files.
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
            let store = PgStore::connect(url)
                .await
                .context("cannot open the PostgreSQL database")?;
            Ok(Arc::new(store))
        }
        None => Ok(open_store(data_dir)?),
    }
}

/// On a store with no portal, creates one and a token holding every scope, and writes the
/// token to `dev-token` (mode 0600). Returns the token when it was created now.
pub async fn bootstrap(store: &dyn Store, data_dir: &Path) -> anyhow::Result<Option<String>> {
    if !store.list_portals().await?.is_empty() {
        return Ok(None);
    }
    let now = now_ms();
    // Several processes may start on one empty PostgreSQL database at once: only the one
    // that creates portal 1 creates the token.
    let portal = PortalId(1);
    if !store.ensure_portal(portal, now).await? {
        return Ok(None);
    }
    let token = auth::generate_token();
    let scopes: Vec<String> = ALL_SCOPES.iter().map(|s| s.to_string()).collect();
    store
        .create_token(
            portal,
            "development",
            &scopes,
            &auth::hash_token(&token),
            now,
        )
        .await?;
    write_secret(&data_dir.join(DEV_TOKEN_FILE), &token)?;
    Ok(Some(token))
}

fn write_secret(path: &PathBuf, secret: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{secret}")?;
    Ok(())
}

/// Everything configurable about a running service.
#[derive(Clone, Debug)]
pub struct Settings {
    pub api: ApiConfig,
    pub export: ExportConfig,
    /// Exports a portal may request in a rolling 24 hours.
    pub daily_export_quota: u64,
    /// Base URL for download links; by default the host the client called.
    pub public_url: Option<String>,
    /// Seconds a download link works.
    pub link_ttl_secs: i64,
    /// `s3://bucket/prefix` to keep export files in a bucket; `None` keeps them in the
    /// data folder.
    pub blob_url: Option<String>,
    /// Open connections and their timeouts.
    pub connections: ConnectionLimits,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            api: ApiConfig::default(),
            export: ExportConfig::default(),
            daily_export_quota: 30,
            public_url: None,
            link_ttl_secs: 300,
            blob_url: None,
            connections: ConnectionLimits::default(),
        }
    }
}

/// Builds the API state and an export runner sharing one store and one files folder.
pub fn assemble(
    store: SharedStore,
    data_dir: &Path,
    settings: Settings,
) -> anyhow::Result<(AppState, Runner)> {
    let exports_dir = data_dir.join(EXPORTS_DIR);
    let blobs = Arc::new(match &settings.blob_url {
        Some(url) => Blobs::S3(
            S3Blobs::open(url, &exports_dir)
                .with_context(|| format!("cannot use {url} for export files"))?,
        ),
        None => Blobs::Local(LocalBlobs::open(&exports_dir).with_context(|| {
            format!("cannot create the exports folder in {}", data_dir.display())
        })?),
    });
    let signer =
        UrlSigner::load_or_create(&data_dir.join(SIGNING_KEY_FILE)).with_context(|| {
            format!(
                "cannot read or create the signing key in {}",
                data_dir.display()
            )
        })?;
    let wake = Arc::new(Notify::new());
    let limits = settings
        .api
        .rate_limits
        .map(|config| Arc::new(RateLimiter::new(config)));
    let state = AppState {
        store: store.clone(),
        limits,
        config: Arc::new(settings.api),
        metrics: telemetry::metrics_handle(),
        exports: Arc::new(ExportsContext {
            blobs: blobs.clone(),
            signer,
            wake,
            daily_quota: settings.daily_export_quota,
            public_url: settings.public_url,
            link_ttl_secs: settings.link_ttl_secs,
        }),
    };
    let runner = Runner::new(
        store,
        blobs,
        format!("worker-{}", std::process::id()),
        settings.export,
    );
    Ok((state, runner))
}

/// Serves on an already-bound listener until `shutdown` resolves, with the default
/// connection limits.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, state, ConnectionLimits::default(), shutdown).await
}

/// Serves on an already-bound listener until `shutdown` resolves; requests in flight then
/// finish.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    accept::serve(listener, api::service(state), limits, shutdown).await;
    Ok(())
}

pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
