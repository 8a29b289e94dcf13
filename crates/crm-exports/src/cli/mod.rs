//! The command line: `serve` runs the service (`worker` export workers alone); `token`
//! and `owner` manage portals; `portal` creates and resets them through a server's admin API; `webhook` their completion-webhook subscriptions; `seed` fills one with demo data; `fixtures` loads and dumps its test data; `import` mirrors another portal into one; `export` is a client of the
//! exports API; `completions` and `man` describe the command line itself. Every option is
//! a flag, and most are also a `CRM_EXPORTS_*` variable; each command takes only the
//! options it uses, after its name (`crm-exports serve --data-dir D`).

mod connection;
mod data;
mod export;
mod fixtures;
mod help;
mod import;
mod owner;
mod portal;
mod seed;
mod serve;
mod token;
mod webhook;
mod worker;

/// The `--filter` grammar (`city EQ Paris AND amount >= 10`) as HubSpot's filter groups;
/// public for the fuzz run.
pub use export::filter::filter_groups as parse_filter_expressions;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "crm-exports",
    version,
    about = "A self-hostable, HubSpot-compatible CRM export service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP API (and, unless `--workers 0`, export workers).
    Serve(serve::ServeArgs),
    /// Run export workers only, no HTTP API.
    Worker(worker::WorkerArgs),
    /// Create, list and revoke API tokens.
    Token(token::TokenArgs),
    /// Create owners (the people `hubspot_owner_id` names).
    Owner(owner::OwnerArgs),
    /// Create a portal (with a token) or reset one, through a running server's admin API.
    Portal(portal::PortalArgs),
    /// Subscribe URLs to a portal's export events (completion webhooks).
    Webhook(webhook::WebhookArgs),
    /// Fill a portal with realistic, reproducible demo data.
    Seed(seed::SeedArgs),
    /// Load a portal's test data from a fixture file, or dump a portal as one.
    Fixtures(fixtures::FixturesArgs),
    /// Copy a HubSpot portal (or another crm-exports server) into a local portal, ids kept.
    Import(import::ImportArgs),
    /// Start, follow, download and cancel exports through the HTTP API.
    Export(export::ExportArgs),
    /// Print a shell completion script: `crm-exports completions bash > ~/.local/share/bash-completion/completions/crm-exports`.
    Completions(help::CompletionsArgs),
    /// Print the man page (or, with `--out-dir`, write one page per command).
    Man(help::ManArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Worker(args) => worker::run(args).await,
            Command::Token(args) => token::run(args).await,
            Command::Owner(args) => owner::run(args).await,
            Command::Portal(args) => portal::run(args).await,
            Command::Webhook(args) => webhook::run(args).await,
            Command::Seed(args) => seed::run(args).await,
            Command::Fixtures(args) => fixtures::run(args).await,
            Command::Import(args) => import::run(args).await,
            Command::Export(args) => export::run(args).await,
            Command::Completions(args) => help::completions(args),
            Command::Man(args) => help::man(args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<export::Interrupted>() {
            // Ctrl-C: the message is printed already; 130 is the shell's code for SIGINT.
            Some(_) => ExitCode::from(130),
            None => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
