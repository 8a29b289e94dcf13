//! `crm-exports webhook add|list|remove`: a portal's completion-webhook subscriptions,
//! managed straight in the store (as `token` and `owner` are), checked by the same rules
//! as the API's `…/exports/webhooks`, including the `--webhook-allow-hosts` policy.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::data::StoreArgs;
use crate::clock::Clock;
use crate::domain::webhook::{
    HostPolicy, NUMBERED_FAMILY, SubscriptionInput, WebhookEvent, parse_subscription, secret_text,
};
use crate::store::{NewWebhook, PortalId, StatusLinks, Store};

#[derive(Args, Debug)]
pub struct WebhookArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: WebhookCommand,
}

#[derive(Subcommand, Debug)]
pub enum WebhookCommand {
    /// Subscribe a URL to a portal's export events; prints the id and the signing secret
    /// (shown only this once).
    Add {
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: i64,
        /// Where deliveries are POSTed.
        #[arg(long)]
        url: String,
        /// An event to deliver (repeatable; default: all three).
        #[arg(long = "event", value_parser = ["export.completed", "export.failed", "export.canceled"])]
        events: Vec<String>,
        /// Hosts allowed besides public addresses, as the server's option of this name.
        #[arg(long, env = "CRM_EXPORTS_WEBHOOK_ALLOW_HOSTS", default_value = "")]
        webhook_allow_hosts: String,
    },
    /// List a portal's subscriptions: id, events and URL, one per line.
    List {
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: i64,
    },
    /// Delete a subscription and its pending deliveries.
    Remove {
        #[arg(long, env = "CRM_EXPORTS_PORTAL")]
        portal: i64,
        id: i64,
    },
}

pub async fn run(args: WebhookArgs) -> anyhow::Result<()> {
    let store = args.store.open_existing().await?;
    match args.command {
        WebhookCommand::Add {
            portal,
            url,
            events,
            webhook_allow_hosts,
        } => {
            add(
                store.as_ref(),
                PortalId(portal),
                url,
                events,
                &webhook_allow_hosts,
            )
            .await
        }
        WebhookCommand::List { portal } => {
            for row in store.list_webhooks(PortalId(portal)).await? {
                println!("{}\t{}\t{}", row.id, row.events.join(","), row.target_url);
            }
            Ok(())
        }
        WebhookCommand::Remove { portal, id } => {
            if !store.delete_webhook(PortalId(portal), id).await? {
                bail!("portal {portal} has no webhook subscription {id}");
            }
            println!("removed webhook subscription {id}");
            Ok(())
        }
    }
}

async fn add(
    store: &dyn Store,
    portal: PortalId,
    url: String,
    events: Vec<String>,
    allow_hosts: &str,
) -> anyhow::Result<()> {
    if !store.list_portals().await?.contains(&portal) {
        bail!("portal {} does not exist", portal.0);
    }
    let events = match events.is_empty() {
        true => WebhookEvent::ALL.map(|e| e.as_str().to_string()).to_vec(),
        false => events,
    };
    let input = SubscriptionInput {
        target_url: Some(url),
        events: Some(events),
    };
    let draft = parse_subscription(input, &HostPolicy::parse(allow_hosts))
        .map_err(|problems| anyhow::anyhow!(problems.join(" ")))?;
    let new = NewWebhook {
        target_url: draft.target_url,
        events: draft.events,
        secret: secret_text(rand::random()),
        // Made outside the API: the numbered family, and the server's own origin.
        links: StatusLinks {
            family: NUMBERED_FAMILY.to_string(),
            origin: None,
        },
    };
    let row = store
        .create_webhook(portal, new, Clock::system().now_ms())
        .await
        .context("cannot create the subscription")?
        .context("the portal has as many webhook subscriptions as it may keep")?;
    println!("{}", row.id);
    println!("secret: {}", row.secret);
    Ok(())
}
