//! `crm-exports owner create`: adds an owner to a portal so that `hubspot_owner_id` can
//! name it and exports show the owner's name.

use std::path::Path;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::clock::Clock;
use crate::server;
use crate::store::PortalId;

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

pub async fn run(
    data_dir: &Path,
    database_url: Option<&str>,
    command: OwnerCommand,
) -> anyhow::Result<()> {
    let store = server::open_database(data_dir, database_url).await?;
    match command {
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
