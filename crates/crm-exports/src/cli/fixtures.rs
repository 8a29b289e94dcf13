//! `crm-exports fixtures load FILE` and `fixtures dump`: a portal's test data from a
//! declarative JSON file (docs/FIXTURES.md), written straight into the local store in one
//! transaction, and the portal written back out in the same form. A refused file is
//! reported a problem per line, as `FILE:LINE:COLUMN: field: message`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::data::StoreArgs;
use crate::clock::Clock;
use crate::fixtures::{self, FixtureError};
use crate::server;
use crate::store::{PortalId, SharedStore, Stores};

#[derive(Args, Debug)]
pub struct FixturesArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: FixturesCommand,
}

#[derive(Subcommand, Debug)]
pub enum FixturesCommand {
    /// Load a fixture file into a portal, all of it or (when it is wrong) none of it.
    Load {
        /// The fixture file (JSON).
        file: PathBuf,
        /// The portal to load into (default: the first one, created if needed).
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: Option<i64>,
    },
    /// Write a portal out as a fixture (what is not HubSpot's default), in canonical order.
    Dump {
        /// The portal to dump (default: the first one).
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: Option<i64>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(args: FixturesArgs) -> anyhow::Result<()> {
    match args.command {
        FixturesCommand::Load { file, portal } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let store = args.store.open_or_create().await?;
            let now = Clock::system().now_ms();
            server::bootstrap(store.as_ref(), &args.store.data_dir, now).await?;
            let portal = chosen_portal(&store, portal).await?;
            let loaded = match fixtures::load(&Stores::from(store), portal, &text, now).await {
                Ok(loaded) => loaded,
                Err(FixtureError::Refused(problems)) => {
                    let lines: Vec<String> = problems
                        .iter()
                        .map(|p| {
                            let field = match p.path.as_str() {
                                "" => String::new(),
                                path => format!("{path}: "),
                            };
                            format!(
                                "{}:{}:{}: {field}{}",
                                file.display(),
                                p.line,
                                p.column,
                                p.message
                            )
                        })
                        .collect();
                    bail!(
                        "the fixture was refused, nothing was stored:\n{}",
                        lines.join("\n")
                    );
                }
                Err(e) => return Err(e.into()),
            };
            println!(
                "loaded into portal {}: {} owners, {} schemas, {} records, {} associations, {} lists",
                portal.0,
                loaded.owners,
                loaded.schemas,
                loaded.records,
                loaded.associations,
                loaded.lists
            );
        }
        FixturesCommand::Dump { portal, out } => {
            let store = args.store.open_existing().await?;
            let portal = chosen_portal(&store, portal).await?;
            let fixture = fixtures::dump(&Stores::from(store), portal).await?;
            let text = fixtures::to_text(&fixture);
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

pub(super) async fn chosen_portal(
    store: &SharedStore,
    asked: Option<i64>,
) -> anyhow::Result<PortalId> {
    let portals = store.list_portals().await?;
    match asked {
        Some(p) if portals.contains(&PortalId(p)) => Ok(PortalId(p)),
        Some(p) => bail!("portal {p} does not exist (create it with `token create --portal {p}`)"),
        None => match portals.first() {
            Some(first) => Ok(*first),
            None => bail!("the store has no portal yet"),
        },
    }
}
