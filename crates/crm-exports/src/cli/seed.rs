//! `crm-exports seed`: fills a portal with demo data, straight into the local store (fast,
//! byte-reproducible for a given `--seed`) or, with `--via-api URL`, through the batch
//! API of any HubSpot-compatible server. Shows a progress bar on a terminal and one line
//! per object elsewhere.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::data::StoreArgs;
use crate::cli::connection::ConnectionArgs;
use crate::clock::Clock;
use crate::domain::ObjectType;
use crate::seed::api_sink::ApiSink;
use crate::seed::store_sink::StoreSink;
use crate::seed::{self, Plan, Sink, Summary};
use crate::server;
use crate::store::{PortalId, Stores};

#[derive(Args, Debug)]
pub struct SeedArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, default_value_t = 1000)]
    pub contacts: usize,
    #[arg(long, default_value_t = 200)]
    pub companies: usize,
    #[arg(long, default_value_t = 500)]
    pub deals: usize,
    #[arg(long, default_value_t = 300)]
    pub tickets: usize,
    /// The same seed always gives the same records.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The portal to fill in the local store (default: the first one, created if needed).
    #[arg(long, env = "CRM_EXPORTS_PORTAL")]
    pub portal: Option<i64>,
    /// Seed through the batch API of the server at this base URL instead of the store.
    #[arg(long, value_name = "URL")]
    pub via_api: Option<String>,
    /// A private-app token for `--via-api` (default: the local server's dev-token).
    #[arg(long, env = "CRM_EXPORTS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let data_dir = args.store.data_dir.as_path();
    let plan = Plan {
        companies: args.companies,
        contacts: args.contacts,
        deals: args.deals,
        tickets: args.tickets,
        seed: args.seed,
    };
    let started = Instant::now();
    let (summary, target) = match &args.via_api {
        Some(url) => {
            let connection = ConnectionArgs {
                base_url: url.clone(),
                token: args.token.clone(),
                data_dir: data_dir.to_path_buf(),
            };
            let mut sink = ApiSink::new(connection.client()?);
            let summary = seed_into(&plan, &mut sink).await?;
            if sink.no_owners {
                eprintln!("note: the portal has no owners, so no record names one");
            }
            (summary, url.clone())
        }
        None => {
            let store = args.store.open_or_create().await?;
            let now = Clock::system().now_ms();
            if server::bootstrap(store.as_ref(), data_dir, now)
                .await?
                .is_some()
            {
                eprintln!(
                    "created a portal; its token is in {}",
                    data_dir.join(server::DEV_TOKEN_FILE).display()
                );
            }
            let portals = store.list_portals().await?;
            let portal = match args.portal {
                Some(p) if portals.contains(&PortalId(p)) => PortalId(p),
                Some(p) => {
                    bail!("portal {p} does not exist (create it with `token create --portal {p}`)")
                }
                None => portals[0],
            };
            let mut sink = StoreSink::new(Stores::from(store), portal);
            let summary = seed_into(&plan, &mut sink).await?;
            (summary, format!("portal {}", portal.0))
        }
    };
    let counts: Vec<String> = summary
        .created
        .iter()
        .map(|(object, n)| format!("{n} {}", object.plural()))
        .collect();
    println!(
        "seeded {target} with {}, {} owners and {} lists in {:.1} s",
        counts.join(", "),
        summary.owners,
        summary.lists.len(),
        started.elapsed().as_secs_f64()
    );
    for (name, id) in &summary.lists {
        println!("list {id}: {name}");
    }
    Ok(())
}

/// Runs the seed with a bar per object on a terminal, or a line per object elsewhere.
async fn seed_into(plan: &Plan, sink: &mut dyn Sink) -> anyhow::Result<Summary> {
    let terminal = std::io::stderr().is_terminal();
    let mut bars: HashMap<ObjectType, (ProgressBar, Instant)> = HashMap::new();
    let mut report = |object: ObjectType, done: usize, total: usize| {
        let (bar, started) = bars.entry(object).or_insert_with(|| {
            let bar = if terminal {
                ProgressBar::new(total as u64)
            } else {
                ProgressBar::hidden()
            };
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>10} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(object.plural());
            (bar, Instant::now())
        });
        bar.set_position(done as u64);
        if done == total {
            bar.finish();
            if !terminal {
                let seconds = started.elapsed().as_secs_f64();
                eprintln!(
                    "{}: {total} created in {seconds:.1} s ({:.0}/s)",
                    object.plural(),
                    total as f64 / seconds.max(1e-9)
                );
            }
        }
    };
    Ok(seed::run(plan, sink, &mut report).await?)
}
