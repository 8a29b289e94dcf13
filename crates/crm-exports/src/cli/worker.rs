//! `crm-exports worker`: export workers and the webhook deliverer without the HTTP API,
//! for scaling exports apart from the API on a shared PostgreSQL database. Stops on
//! SIGINT or SIGTERM, handing an export in progress back to the queue.

use clap::Args;

use super::data::StoreArgs;
use super::serve::{ExportArgs, WebhookArgs};
use crate::server::{self, Settings};
use crate::telemetry::{self, LogFormat};

#[derive(Args, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Log format on stderr.
    #[arg(
        long,
        env = "CRM_EXPORTS_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub export: ExportArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    /// Base URL of the API, for the status link in webhook deliveries (without it, the
    /// origin each subscription was created through).
    #[arg(long, env = "CRM_EXPORTS_PUBLIC_URL")]
    pub public_url: Option<String>,
}

pub async fn run(args: WorkerArgs) -> anyhow::Result<()> {
    telemetry::init_logging(args.log_format);
    if args.export.export_workers == 0 {
        anyhow::bail!("--workers must be at least 1 for `worker`");
    }
    // On SQLite the folder holds the database `serve` made; with PostgreSQL it holds only
    // spool files and is made when missing.
    let store = args.store.open_existing().await?;
    let data_dir = args.store.data_dir.as_path();
    let settings = Settings {
        export: args.export.config(),
        blob_url: args.export.blob_url.clone(),
        ..Settings::default()
    };
    let (state, runner) = server::assemble(store.clone(), data_dir, settings)?;
    let wake = state.exports.wake.clone();
    let mut workers = args.export.spawn_workers(&runner, &wake);
    store.forward_export_wakeups(wake);
    let deliverer = server::deliverer(&state, args.webhooks.config(args.public_url.clone(), None));
    workers.push(tokio::spawn(deliverer.clone().work()));
    tracing::info!(
        workers = workers.len(),
        "export workers started; stop with SIGTERM or Ctrl-C"
    );
    server::shutdown_signal().await;
    // An export in progress is re-queued at once, for another worker.
    runner.stop();
    deliverer.stop();
    for w in workers {
        let _ = w.await;
    }
    Ok(())
}
