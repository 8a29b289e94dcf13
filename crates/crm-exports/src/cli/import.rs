//! `crm-exports import --from URL --token TOKEN`: mirrors a HubSpot portal (or another
//! crm-exports server) into a local portal through HubSpot's public CRM APIs, ids kept,
//! written straight into the store as `seed` and `fixtures load` write. Killed, it
//! continues where it stopped when run again with the same source; `--incremental` then
//! copies what changed there since.

use anyhow::bail;
use clap::Args;

use super::data::StoreArgs;
use super::fixtures::chosen_portal;
use crate::client::{Client, Pacer};
use crate::clock::Clock;
use crate::mirror::{self, Plan};
use crate::server;
use crate::store::Stores;

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The portal's API: `https://api.hubapi.com`, or another crm-exports server.
    #[arg(long, env = "CRM_EXPORTS_IMPORT_FROM")]
    pub from: String,
    /// A private-app token of the source portal holding the read scopes (README).
    #[arg(long, env = "CRM_EXPORTS_IMPORT_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The local portal to copy into (default: the first one, created if needed).
    #[arg(long, env = "CRM_EXPORTS_PORTAL")]
    pub portal: Option<i64>,
    /// Object types to copy, by name (`contacts,deals,cars`); all of them by default.
    #[arg(long, value_delimiter = ',')]
    pub objects: Vec<String>,
    /// Requests per second never exceeded, whatever the source allows (0: no own limit,
    /// only the source's `X-HubSpot-RateLimit-*` answers pace the import).
    #[arg(long, default_value_t = 0.0)]
    pub max_rate: f64,
    /// Once the import is finished, copy only what changed at the source since: records
    /// changed after each object's mark, with their associations and list memberships,
    /// archivals, and new lists and definitions.
    #[arg(long)]
    pub incremental: bool,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    if args.token.trim().is_empty() {
        bail!("the token is empty");
    }
    let client = Client::new(&args.from, args.token.trim())?.paced(Pacer::new(args.max_rate));
    let store = args.store.open_or_create().await?;
    server::bootstrap(
        store.as_ref(),
        &args.store.data_dir,
        Clock::system().now_ms(),
    )
    .await?;
    let portal = chosen_portal(&store, args.portal).await?;
    let plan = Plan {
        source: client.base_url().to_owned(),
        objects: args.objects,
        incremental: args.incremental,
    };
    let started = std::time::Instant::now();
    let stores = Stores::from(store);
    let summary = mirror::run(&client, &stores, portal, &plan, || Clock::system().now_ms()).await?;
    println!(
        "imported {} into portal {} in {:.1} s",
        plan.source,
        portal.0,
        started.elapsed().as_secs_f64()
    );
    for (object, tally) in &summary.objects {
        println!(
            "{object}: {} copied, {} updated, {} unchanged, {} failed, {} associations",
            tally.copied,
            tally.updated,
            tally.unchanged,
            tally.failed.len(),
            tally.associations
        );
        for (id, reason) in &tally.failed {
            println!("  {object} {id} failed: {reason}");
        }
    }
    println!("lists: {} copied", summary.lists);
    Ok(())
}
