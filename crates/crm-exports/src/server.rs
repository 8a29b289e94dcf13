//! Starting the service: open the store (SQLite under the data folder, or PostgreSQL when
//! a database URL is given), make sure a first portal and development token exist, bind,
//! and serve until SIGINT or SIGTERM.

mod accept;
mod conn_io;
mod raw_response;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::api::exports::ExportsContext;
use crate::api::rate_limit::RateLimiter;
use crate::api::{self, ApiConfig, AppContext, AppState, auth};
use crate::blob::signing::UrlSigner;
use crate::blob::{Blobs, LocalBlobs, S3Blobs};
use crate::clock::Clock;
use crate::domain::scope::development_scopes;
use crate::faults::Faults;
use crate::jobs::delivery::{Deliverer, DeliveryConfig};
use crate::jobs::{ExportConfig, Runner, RunnerParts};
use crate::restore_gate::RestoreGate;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Cause, PortalId, Portals, SharedStore, Stores};
use crate::telemetry;

/// Why the service could not start, or stopped: what it was doing, and the cause.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
pub struct ServerError {
    context: String,
    /// What went wrong underneath; none where the context says it all.
    #[source]
    source: Option<Cause>,
}

impl ServerError {
    /// A failure the context describes in full (a missing data folder).
    fn plain(context: String) -> Self {
        Self {
            context,
            source: None,
        }
    }
}

/// Adds what the service was doing to a failure.
trait Doing<T> {
    fn doing(self, context: impl FnOnce() -> String) -> Result<T, ServerError>;
}

impl<T, E: Into<Cause>> Doing<T> for Result<T, E> {
    fn doing(self, context: impl FnOnce() -> String) -> Result<T, ServerError> {
        self.map_err(|e| ServerError {
            context: context(),
            source: Some(e.into()),
        })
    }
}

pub type ServerResult<T> = Result<T, ServerError>;

pub use self::accept::{ConnectionLimits, default_max_connections};
pub use self::conn_io::ConnTimeouts;

pub const DATABASE_FILE: &str = "crm-exports.sqlite3";
pub const DEV_TOKEN_FILE: &str = "dev-token";
pub const EXPORTS_DIR: &str = "exports";
/// Where the admin API keeps snapshots of the store, in the data folder.
pub const SNAPSHOTS_DIR: &str = "snapshots";
pub const SIGNING_KEY_FILE: &str = "signing-key";

pub fn open_store(data_dir: &Path) -> ServerResult<Arc<SqliteStore>> {
    std::fs::create_dir_all(data_dir)
        .doing(|| format!("cannot create data folder {}", data_dir.display()))?;
    let store = SqliteStore::open(&data_dir.join(DATABASE_FILE))
        .doing(|| format!("cannot open the database in {}", data_dir.display()))?;
    Ok(Arc::new(store))
}

/// Whether a command may start a new data folder (`serve`, `seed`) or works only on one
/// that exists: a command that lists tokens in a mistyped folder must say so, not answer
/// from a database it has just created there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFolder {
    CreateIfMissing,
    MustExist,
}

/// The store a command works on: PostgreSQL at `database_url` when one is given (any
/// number of processes may share it), otherwise SQLite in the data folder.
pub async fn open_database(
    data_dir: &Path,
    database_url: Option<&str>,
    folder: DataFolder,
) -> ServerResult<SharedStore> {
    match database_url {
        Some(url) => {
            // The folder still holds the development token, signing key and local files;
            // a command that reads only the database does not need it.
            if folder == DataFolder::CreateIfMissing {
                std::fs::create_dir_all(data_dir)
                    .doing(|| format!("cannot create data folder {}", data_dir.display()))?;
            }
            let store = PgStore::connect(url)
                .await
                .doing(|| "cannot open the PostgreSQL database".to_string())?;
            Ok(Arc::new(store))
        }
        None => {
            if folder == DataFolder::MustExist {
                require_database(data_dir)?;
            }
            Ok(open_store(data_dir)?)
        }
    }
}

/// Fails, naming the folder, unless it holds a SQLite database made by `serve` or `seed`.
fn require_database(data_dir: &Path) -> ServerResult<()> {
    let shown = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let what = if !data_dir.is_dir() {
        "does not exist"
    } else if !data_dir.join(DATABASE_FILE).is_file() {
        "holds no crm-exports database"
    } else {
        return Ok(());
    };
    Err(ServerError::plain(format!(
        "the data folder {} {what}; pass --data-dir (or set CRM_EXPORTS_DATA_DIR) to name \
         the folder `crm-exports serve` uses, or --database-url for PostgreSQL",
        shown.display()
    )))
}

/// On a store with no portal, creates one and a token holding every scope (the admin one too), and writes the
/// token to `dev-token` (mode 0600). Returns the token when it was created now.
pub async fn bootstrap(
    store: &dyn Portals,
    data_dir: &Path,
    now: i64,
) -> ServerResult<Option<String>> {
    let reading = || "cannot read or create the first portal".to_string();
    if !store.list_portals().await.doing(reading)?.is_empty() {
        return Ok(None);
    }
    // Several processes may start on one empty PostgreSQL database at once: only the one
    // that creates portal 1 creates the token.
    let portal = PortalId(1);
    if !store.ensure_portal(portal, now).await.doing(reading)? {
        return Ok(None);
    }
    let token = auth::generate_token();
    let scopes = development_scopes();
    store
        .create_token(
            portal,
            "development",
            &scopes,
            &auth::hash_token(&token),
            now,
        )
        .await
        .doing(|| "cannot create the development token".to_string())?;
    let path = data_dir.join(DEV_TOKEN_FILE);
    write_secret(&path, &token).doing(|| format!("cannot write {}", path.display()))?;
    Ok(Some(token))
}

fn write_secret(path: &PathBuf, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    writeln!(file, "{secret}")
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
    /// The one clock of the API and the workers (`serve --clock`).
    pub clock: Clock,
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
            clock: Clock::system(),
        }
    }
}

/// Builds the API state and an export runner sharing one store, one clock and one files
/// folder.
pub fn assemble(
    store: SharedStore,
    data_dir: &Path,
    settings: Settings,
) -> ServerResult<(AppState, Runner)> {
    let exports_dir = data_dir.join(EXPORTS_DIR);
    let blobs = Arc::new(match &settings.blob_url {
        Some(url) => Blobs::S3(
            S3Blobs::open(url, &exports_dir)
                .doing(|| format!("cannot use {url} for export files"))?,
        ),
        None => Blobs::Local(
            LocalBlobs::open(&exports_dir)
                .doing(|| format!("cannot create the exports folder in {}", data_dir.display()))?,
        ),
    });
    let signer = UrlSigner::load_or_create(&data_dir.join(SIGNING_KEY_FILE)).doing(|| {
        format!(
            "cannot read or create the signing key in {}",
            data_dir.display()
        )
    })?;
    let wake = Arc::new(Notify::new());
    let stores = Stores::from(store);
    let clock = settings.clock.clone();
    let limits = settings
        .api
        .rate_limits
        .map(|config| Arc::new(RateLimiter::new(config)));
    let faults = Arc::new(Faults::default());
    let gate = Arc::new(RestoreGate::default());
    let state = AppState::new(AppContext {
        gate: gate.clone(),
        snapshots_dir: data_dir.join(SNAPSHOTS_DIR),
        store: stores.clone(),
        clock: clock.clone(),
        faults: faults.clone(),
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
    });
    let parts = RunnerParts {
        queue: stores.exports,
        stream: stores.stream,
        blobs,
        clock,
        faults,
        gate,
    };
    let runner = Runner::new(
        parts,
        format!("worker-{}", std::process::id()),
        settings.export,
    );
    Ok((state, runner))
}

/// The webhook deliverer over the state's store and clock.
pub fn deliverer(state: &AppState, config: DeliveryConfig) -> Deliverer {
    Deliverer::new(state.store.webhooks.clone(), config, state.clock.clone())
}

/// Serves on an already-bound listener until `shutdown` resolves, with the default
/// connection limits.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> ServerResult<()> {
    serve_with(listener, state, ConnectionLimits::default(), shutdown).await
}

/// Serves on an already-bound listener until `shutdown` resolves; requests in flight then
/// finish.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> ServerResult<()> {
    accept::serve(listener, api::service(state), limits, shutdown).await;
    Ok(())
}

pub async fn bind(addr: SocketAddr) -> ServerResult<TcpListener> {
    TcpListener::bind(addr)
        .await
        .doing(|| format!("cannot listen on {addr}"))
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
