//! `crm-exports token create|list|revoke`: tokens belong to one portal (created on demand),
//! hold named scopes, are shown once and stored only as hashes.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::data::StoreArgs;
use crate::api::auth;
use crate::clock::Clock;
use crate::domain::scope::{ADMIN_SCOPE, ALL_SCOPES, is_known};
use crate::domain::time::format_datetime;
use crate::store::PortalId;

#[derive(Args, Debug)]
pub struct TokenArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token for a portal (the portal is created if it does not exist; without
    /// `--portal`, a new portal with the next free id).
    Create {
        /// Portal id, a positive whole number; leave it out for a new portal.
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: Option<i64>,
        /// Comma-separated scopes, or `all` (every HubSpot scope; the admin API's
        /// `crm-exports.admin` only when named).
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id (from `token list`).
    Revoke { id: i64 },
}

pub async fn run(args: TokenArgs) -> anyhow::Result<()> {
    let store = args.store.open_existing().await?;
    match args.command {
        TokenCommand::Create {
            portal,
            scopes,
            name,
        } => {
            let scopes = expand_scopes(&scopes)?;
            let now = Clock::system().now_ms();
            let portal = match portal {
                Some(id) if id <= 0 => bail!("--portal must be a positive whole number"),
                Some(id) => {
                    if store.ensure_portal(PortalId(id), now).await? {
                        eprintln!("created portal {id}");
                    }
                    id
                }
                None => {
                    let PortalId(id) = store.create_portal(now).await?;
                    eprintln!("created portal {id}");
                    id
                }
            };
            let token = auth::generate_token();
            let info = store
                .create_token(
                    PortalId(portal),
                    &name,
                    &scopes,
                    &auth::hash_token(&token),
                    now,
                )
                .await
                .context("cannot create the token")?;
            eprintln!(
                "token {} for portal {portal} with scopes: {}",
                info.id,
                scopes.join(",")
            );
            println!("{token}");
        }
        TokenCommand::List => {
            println!(
                "{:>4}  {:>8}  {:<16}  {:<24}  {:<8}  scopes",
                "id", "portal", "name", "created", "state"
            );
            for t in store.list_tokens().await? {
                println!(
                    "{:>4}  {:>8}  {:<16}  {:<24}  {:<8}  {}",
                    t.id,
                    t.portal.0,
                    t.name,
                    format_datetime(t.created_at),
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    },
                    t.scopes.join(",")
                );
            }
        }
        TokenCommand::Revoke { id } => {
            if !store.revoke_token(id, Clock::system().now_ms()).await? {
                bail!("no active token has id {id}");
            }
            println!("token {id} revoked");
        }
    }
    Ok(())
}

fn expand_scopes(requested: &[String]) -> anyhow::Result<Vec<String>> {
    let mut scopes: Vec<String> = Vec::new();
    for s in requested.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if s == "all" {
            scopes.extend(ALL_SCOPES.iter().map(|s| s.to_string()));
        } else if is_known(s) {
            scopes.push(s.to_string());
        } else {
            bail!(
                "unknown scope {s:?}; known scopes: {}, {ADMIN_SCOPE}",
                ALL_SCOPES.join(", ")
            );
        }
    }
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        bail!("--scopes needs at least one scope");
    }
    Ok(scopes)
}
