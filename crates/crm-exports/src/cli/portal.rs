//! `crm-exports portal create|reset`: a new portal with its own token, or a portal emptied
//! to its first state, asked of a running server's admin API (`/_crm-exports/portals`)
//! over HTTP. A reset goes through the server, not the database, because only the server
//! can delete the portal's export files from its file store and drop what it caches about
//! the portal. Needs a token holding `crm-exports.admin` (the local server's development
//! token holds it).

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::connection::ConnectionArgs;

#[derive(Args, Debug)]
pub struct PortalArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(subcommand)]
    pub command: PortalCommand,
}

#[derive(Subcommand, Debug)]
pub enum PortalCommand {
    /// Create a portal and a token for it; prints `portal <id>` and `token <token>`.
    Create {
        /// Give the new token the admin scope too.
        #[arg(long)]
        admin: bool,
        /// A name to recognise the token by.
        #[arg(long)]
        token_name: Option<String>,
        /// Print the server's JSON answer instead (portalId, token, tokenId, scopes).
        #[arg(long)]
        json: bool,
    },
    /// Empty a portal (records, lists, custom objects, owners, exports and their files,
    /// webhooks); its tokens and HubSpot's default definitions stay.
    Reset {
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: i64,
        /// Print the server's JSON answer instead.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(args: PortalArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    match args.command {
        PortalCommand::Create {
            admin,
            token_name,
            json,
        } => {
            let mut body = json!({"admin": admin});
            if let Some(name) = token_name {
                body["tokenName"] = json!(name);
            }
            let created: Value = client.post("/_crm-exports/portals", &body).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
                return Ok(());
            }
            let id = created["portalId"]
                .as_i64()
                .context("the answer has no portalId")?;
            let token = created["token"]
                .as_str()
                .context("the answer has no token")?;
            println!("portal {id}");
            println!("token {token}");
            Ok(())
        }
        PortalCommand::Reset { portal, json } => {
            let path = format!("/_crm-exports/portals/{portal}/reset");
            let reset: Value = client.post(&path, &json!({})).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reset)?);
            } else {
                let removed = reset["removedExports"].as_i64().unwrap_or(0);
                println!("reset portal {portal}; removed {removed} exports and their files");
            }
            Ok(())
        }
    }
}
