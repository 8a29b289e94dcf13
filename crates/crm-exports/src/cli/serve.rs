//! `crm-exports serve`: the defaults need nothing configured — bind 127.0.0.1:8080, data
//! under `./data` — and the first start prints a ready-to-use token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::sync::Notify;

use super::data::StoreArgs;
use crate::api::ApiConfig;
use crate::api::rate_limit::RateLimitConfig;
use crate::clock::Clock;
use crate::domain::search::SearchLimits;
use crate::domain::webhook::HostPolicy;
use crate::jobs::delivery::DeliveryConfig;
use crate::jobs::{ExportConfig, Runner};
use crate::server;
use crate::server::{ConnTimeouts, ConnectionLimits, Settings};
use crate::telemetry::{self, LogFormat};

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address and port to listen on.
    #[arg(long, env = "CRM_EXPORTS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Log format on stderr.
    #[arg(
        long,
        env = "CRM_EXPORTS_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    /// Most inputs accepted by one batch request.
    #[arg(long, env = "CRM_EXPORTS_BATCH_LIMIT", default_value_t = 100)]
    pub batch_limit: usize,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CRM_EXPORTS_MAX_BODY_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most filter groups in one search.
    #[arg(long, env = "CRM_EXPORTS_SEARCH_MAX_FILTER_GROUPS", default_value_t = SearchLimits::default().max_groups)]
    pub search_max_filter_groups: usize,
    /// Most filters in one search filter group.
    #[arg(long, env = "CRM_EXPORTS_SEARCH_MAX_FILTERS_PER_GROUP", default_value_t = SearchLimits::default().max_filters_per_group)]
    pub search_max_filters_per_group: usize,
    /// Most filters in one search, over all groups.
    #[arg(long, env = "CRM_EXPORTS_SEARCH_MAX_FILTERS", default_value_t = SearchLimits::default().max_filters_total)]
    pub search_max_filters: usize,
    /// Most values in one search filter's `values` (`IN`, `NOT_IN`; HubSpot: 100).
    #[arg(long, env = "CRM_EXPORTS_SEARCH_MAX_IN_VALUES", default_value_t = SearchLimits::default().max_in_values)]
    pub search_max_in_values: usize,
    /// How far a search may page (HubSpot: 10,000 results).
    #[arg(long, env = "CRM_EXPORTS_SEARCH_RESULT_CAP", default_value_t = 10_000)]
    pub search_result_cap: usize,
    /// Seconds before a request is answered with 408.
    #[arg(long, env = "CRM_EXPORTS_REQUEST_TIMEOUT_SECS", default_value_t = 60)]
    pub request_timeout_secs: u64,
    /// Exports a portal may request in any rolling 24 hours.
    #[arg(long, env = "CRM_EXPORTS_DAILY_EXPORT_QUOTA", default_value_t = 30)]
    pub daily_export_quota: u64,
    /// Base URL put in download links (default: the host the client called).
    #[arg(long, env = "CRM_EXPORTS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a download link works.
    #[arg(
        long,
        env = "CRM_EXPORTS_DOWNLOAD_LINK_TTL_SECS",
        default_value_t = 300
    )]
    pub download_link_ttl_secs: i64,
    /// Most connections open at once; past it the longest-idle one is closed, and a new one
    /// is refused with 503 only when none is idle (default: 4,096, or the descriptor limit
    /// less 128 when that is lower).
    #[arg(long, env = "CRM_EXPORTS_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
    /// Seconds a client has to send a request's headers, from their first byte (then 408).
    #[arg(long, env = "CRM_EXPORTS_HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,
    /// Seconds a kept-alive connection may wait idle for its next request before it is closed.
    #[arg(long, env = "CRM_EXPORTS_KEEP_ALIVE_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub keep_alive_secs: u64,
    #[command(flatten)]
    pub rate_limits: RateLimitArgs,
    /// Guard CSV exports against formula injection unless a request sets
    /// `csvFormulaGuard` itself: cells starting with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return get a leading apostrophe. Off by default, so files match HubSpot's byte for byte.
    #[arg(long, env = "CRM_EXPORTS_CSV_FORMULA_GUARD")]
    pub csv_formula_guard: bool,
    /// Serve the admin API under `/_crm-exports/` (portals, reset, clock, faults) to tokens
    /// holding `crm-exports.admin`; `off` answers 404 there.
    #[arg(long, env = "CRM_EXPORTS_ADMIN_API", value_enum, default_value = "on")]
    pub admin_api: Switch,
    /// The service's clock: `system`, or `fixed:<RFC 3339 time>` standing still until the
    /// admin API moves it (`POST /_crm-exports/clock`).
    #[arg(long, env = "CRM_EXPORTS_CLOCK", default_value = "system", value_parser = Clock::parse)]
    pub clock: Clock,
    #[command(flatten)]
    pub export: ExportArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

/// HubSpot's rate limits (Professional tier figures by default).
#[derive(Args, Debug)]
pub struct RateLimitArgs {
    /// Apply HubSpot's rate limits (`off` for bulk loading and benchmarks).
    #[arg(
        long,
        env = "CRM_EXPORTS_RATE_LIMITS",
        value_enum,
        default_value = "on"
    )]
    pub rate_limits: Switch,
    /// Requests one token may make in any ten seconds.
    #[arg(long = "rate-limit-per-10s", env = "CRM_EXPORTS_RATE_LIMIT_PER_10S", default_value_t = RateLimitConfig::default().per_ten_seconds, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_per_10s: u32,
    /// Requests one portal may make per day (the day starts at midnight UTC).
    #[arg(long, env = "CRM_EXPORTS_RATE_LIMIT_DAILY", default_value_t = RateLimitConfig::default().daily, value_parser = clap::value_parser!(u64).range(1..))]
    pub rate_limit_daily: u64,
    /// CRM search requests one token may make in any second.
    #[arg(long, env = "CRM_EXPORTS_RATE_LIMIT_SEARCH_PER_SECOND", default_value_t = RateLimitConfig::default().search_per_second, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_search_per_second: u32,
}

impl RateLimitArgs {
    pub fn config(&self) -> Option<RateLimitConfig> {
        (self.rate_limits == Switch::On).then_some(RateLimitConfig {
            per_ten_seconds: self.rate_limit_per_10s,
            daily: self.rate_limit_daily,
            search_per_second: self.rate_limit_search_per_second,
        })
    }
}

/// How exports run; shared by `serve` and `worker`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Export workers in this process (`serve --workers 0` runs the API only). Each runs one
    /// export at a time, and a portal runs one at a time as HubSpot's does, so with several
    /// workers one portal's large export does not hold up another's.
    #[arg(
        long,
        visible_alias = "workers",
        env = "CRM_EXPORTS_EXPORT_WORKERS",
        default_value_t = default_export_workers()
    )]
    pub export_workers: usize,
    /// Data rows per file before an export is split into a zip of parts (default: 1,000,000
    /// for CSV and XLSX, 65,535 for XLS).
    #[arg(long, env = "CRM_EXPORTS_PARTITION_ROWS")]
    pub partition_rows: Option<u64>,
    /// A CSV export larger than this many bytes is delivered zipped.
    #[arg(long, env = "CRM_EXPORTS_CSV_ZIP_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub csv_zip_bytes: u64,
    /// Keep export files in an S3-compatible bucket, `s3://bucket/prefix` (endpoint,
    /// region and credentials from the usual AWS_* variables); downloads are then presigned
    /// bucket URLs.
    #[arg(long, env = "CRM_EXPORTS_BLOB_URL")]
    pub blob_url: Option<String>,
    /// Days export files and their records are kept.
    #[arg(long, env = "CRM_EXPORTS_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u64,
    /// Seconds a worker's claim on an export lasts without a heartbeat: how long an export
    /// whose worker died waits before another worker takes it over.
    #[arg(long, env = "CRM_EXPORTS_LEASE_SECS", default_value_t = ExportConfig::default().lease.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub lease_secs: u64,
    /// For tests only: milliseconds a worker holds each export it claims before producing
    /// it (the export shows PROCESSING, and exports queued behind it PENDING, for that
    /// long), so conformance checks can observe every task status. Never set in production.
    #[arg(long, env = "CRM_EXPORTS_TEST_HOLD_CLAIMED_MS", default_value_t = 0)]
    pub test_hold_claimed_ms: u64,
}

/// How completion webhooks are delivered; shared by `serve` and `worker`.
#[derive(Args, Debug)]
pub struct WebhookArgs {
    /// Hosts webhook subscriptions may target besides public addresses, comma-separated
    /// (`127.0.0.1,hooks.internal`), or `*` for any. By default only hosts that resolve to
    /// public addresses are called: any token holder can subscribe, and the server must not
    /// be made to POST to itself, its private network or a cloud metadata address.
    #[arg(long, env = "CRM_EXPORTS_WEBHOOK_ALLOW_HOSTS", default_value = "")]
    pub webhook_allow_hosts: String,
    /// Seconds one delivery attempt may take before it counts as failed.
    #[arg(long, env = "CRM_EXPORTS_WEBHOOK_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub webhook_timeout_secs: u64,
    /// For tests only: the first retry's delay in milliseconds (default three minutes,
    /// doubling to about a day over ten attempts).
    #[arg(long, env = "CRM_EXPORTS_TEST_WEBHOOK_BACKOFF_MS", hide = true)]
    pub test_webhook_backoff_ms: Option<u64>,
}

impl WebhookArgs {
    pub fn hosts(&self) -> HostPolicy {
        HostPolicy::parse(&self.webhook_allow_hosts)
    }

    /// `public_url` is `--public-url`; `local_origin` the serving process's own address.
    pub fn config(
        &self,
        public_url: Option<String>,
        local_origin: Option<String>,
    ) -> DeliveryConfig {
        let defaults = DeliveryConfig::default();
        DeliveryConfig {
            hosts: self.hosts(),
            attempt_timeout: Duration::from_secs(self.webhook_timeout_secs),
            backoff_base: self
                .test_webhook_backoff_ms
                .map_or(defaults.backoff_base, Duration::from_millis),
            public_url,
            local_origin,
            ..defaults
        }
    }
}

/// `http://IP:PORT` of the bound address; a wildcard bind (`0.0.0.0`, `[::]`) is reached
/// on loopback, so the link names that instead of an address no client can call.
fn local_origin(address: std::net::SocketAddr) -> String {
    let mut address = address;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{address}")
}

/// The machine's cores, and at least two, so that exports of two portals run side by side.
fn default_export_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .max(2)
}

impl ExportArgs {
    pub fn config(&self) -> ExportConfig {
        ExportConfig {
            partition_rows: self.partition_rows,
            csv_zip_bytes: self.csv_zip_bytes,
            retention: Duration::from_secs(self.retention_days * 24 * 3600),
            lease: Duration::from_secs(self.lease_secs),
            hold_claimed: Duration::from_millis(self.test_hold_claimed_ms),
            ..ExportConfig::default()
        }
    }

    /// Starts the workers on `runner`, each woken by `wake` or its own polling.
    pub fn spawn_workers(
        &self,
        runner: &Runner,
        wake: &Arc<Notify>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        (0..self.export_workers)
            .map(|n| {
                let worker = runner.with_worker_id(format!("worker-{}-{n}", std::process::id()));
                tokio::spawn(worker.work(wake.clone()))
            })
            .collect()
    }
}

impl ServeArgs {
    fn settings(&self) -> Settings {
        Settings {
            api: self.api_config(),
            export: self.export.config(),
            daily_export_quota: self.daily_export_quota,
            public_url: self.public_url.clone(),
            link_ttl_secs: self.download_link_ttl_secs,
            blob_url: self.export.blob_url.clone(),
            connections: ConnectionLimits {
                max_connections: self
                    .max_connections
                    .map_or_else(server::default_max_connections, |n| n as usize),
                timeouts: ConnTimeouts {
                    keep_alive_idle: Duration::from_secs(self.keep_alive_secs),
                    header_read: Duration::from_secs(self.header_read_timeout_secs),
                },
            },
            clock: self.clock.clone(),
        }
    }

    fn api_config(&self) -> ApiConfig {
        ApiConfig {
            batch_limit: self.batch_limit,
            max_body_bytes: self.max_body_bytes,
            search_limits: SearchLimits {
                max_groups: self.search_max_filter_groups,
                max_filters_per_group: self.search_max_filters_per_group,
                max_filters_total: self.search_max_filters,
                max_in_values: self.search_max_in_values,
                ..SearchLimits::default()
            },
            search_result_cap: self.search_result_cap,
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            rate_limits: self.rate_limits.config(),
            csv_formula_guard: self.csv_formula_guard,
            admin_api: self.admin_api == Switch::On,
            webhook_hosts: self.webhooks.hosts(),
        }
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init_logging(args.log_format);
    let data_dir = args.store.data_dir.as_path();
    let store = args.store.open_or_create().await?;
    let now = args.clock.now_ms();
    let new_token = server::bootstrap(store.as_ref(), data_dir, now).await?;
    let listener = server::bind(args.bind).await?;
    let address = listener.local_addr()?;
    println!("crm-exports is listening on http://{address}");
    println!("The web console is at http://{address}/ (sign in with a token).");
    match new_token {
        Some(token) => {
            println!("A portal and a development token with every scope were created:");
            println!("  {token}");
            println!(
                "The token is also in {} (shown only this once).",
                data_dir.join(server::DEV_TOKEN_FILE).display()
            );
        }
        None => println!(
            "Using the existing data in {}; the development token is in {}.",
            data_dir.display(),
            data_dir.join(server::DEV_TOKEN_FILE).display()
        ),
    }
    let settings = args.settings();
    let connections = settings.connections;
    let (state, runner) = server::assemble(store, data_dir, settings)?;
    let wake = state.exports.wake.clone();
    let mut workers = args.export.spawn_workers(&runner, &wake);
    // Deliveries run where exports run: `serve --workers 0` leaves both to `worker`.
    let config = args
        .webhooks
        .config(args.public_url.clone(), Some(local_origin(address)));
    let deliverer = server::deliverer(&state, config);
    if !workers.is_empty() {
        // Exports created by other API processes wake these workers too.
        state.store.exports.forward_export_wakeups(wake);
        workers.push(tokio::spawn(deliverer.clone().work()));
    }
    let result = server::serve_with(listener, state, connections, server::shutdown_signal()).await;
    // An export in progress is re-queued at once, for the next start or another worker.
    runner.stop();
    deliverer.stop();
    for w in workers {
        let _ = w.await;
    }
    Ok(result?)
}
