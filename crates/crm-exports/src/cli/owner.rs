//! `crm-exports owner create`: adds an owner to a portal so that `hubspot_owner_id` can
//! name it and exports show the owner's name.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::data::StoreArgs;
use crate::clock::Clock;
use crate::store::PortalId;

#[derive(Args, Debug)]
pub struct OwnerArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: OwnerCommand,
}

#[derive(Subcommand, Debug)]
pub enum OwnerCommand {
    /// Create an owner; prints its id.
    Create {
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: i64,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
    },
}

pub async fn run(args: OwnerArgs) -> anyhow::Result<()> {
    let store = args.store.open_existing().await?;
    match args.command {
        OwnerCommand::Create {
            portal,
            email,
            first_name,
            last_name,
        } => {
            if !email.contains('@') {
                bail!("--email must be an email address");
            }
            if !store.list_portals().await?.contains(&PortalId(portal)) {
                bail!(
                    "portal {portal} does not exist (create it with `token create --portal {portal}`)"
                );
            }
            let owner = store
                .create_owner(
                    PortalId(portal),
                    &email,
                    &first_name,
                    &last_name,
                    Clock::system().now_ms(),
                )
                .await
                .context("cannot create the owner")?;
            println!("{}", owner.id);
        }
    }
    Ok(())
}
