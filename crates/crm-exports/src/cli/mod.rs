//! The command line: `serve` runs the service; `token` and `owner` manage a local data
//! folder; `seed` fills it with demo data; `export` is a client of the exports API. Every
//! option is a flag, and most are also a `CRM_EXPORTS_*` environment variable.

mod connection;
mod export;
mod owner;
mod seed;
mod serve;
mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "crm-exports",
    version,
    about = "A self-hostable, HubSpot-compatible CRM export service"
)]
pub struct Cli {
    /// Folder holding the database, export files and the development token.
    #[arg(
        long,
        global = true,
        env = "CRM_EXPORTS_DATA_DIR",
        default_value = "data"
    )]
    pub data_dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP API.
    Serve(serve::ServeArgs),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Create owners (the people `hubspot_owner_id` names).
    #[command(subcommand)]
    Owner(owner::OwnerCommand),
    /// Fill a portal with realistic, reproducible demo data.
    Seed(seed::SeedArgs),
    /// Start, follow, download and cancel exports through the HTTP API.
    Export(export::ExportArgs),
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
            Command::Serve(args) => serve::run(&cli.data_dir, args).await,
            Command::Token(command) => token::run(&cli.data_dir, command).await,
            Command::Owner(command) => owner::run(&cli.data_dir, command).await,
            Command::Seed(args) => seed::run(&cli.data_dir, args).await,
            Command::Export(args) => export::run(&cli.data_dir, args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
