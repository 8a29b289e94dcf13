//! The command line: `serve` runs the service (`worker` export workers alone); `token`
//! and `owner` manage portals; `seed` fills one with demo data; `export` is a client of the
//! exports API. Every option is a flag, and most are also a `CRM_EXPORTS_*` variable.

mod connection;
mod export;
mod owner;
mod seed;
mod serve;
mod token;
mod worker;

/// The `--filter` grammar (`city EQ Paris AND amount >= 10`) as HubSpot's filter groups;
/// public for the fuzz run.
pub use export::filter::filter_groups as parse_filter_expressions;

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

    /// PostgreSQL to keep the data in (`postgres://user@host:5432/db`), shared by any
    /// number of API and worker processes; without it, SQLite in the data folder.
    #[arg(long, global = true, env = "CRM_EXPORTS_DATABASE_URL")]
    pub database_url: Option<String>,

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
        let data_dir = &cli.data_dir;
        let database_url = cli.database_url.as_deref();
        match cli.command {
            Command::Serve(args) => serve::run(data_dir, database_url, args).await,
            Command::Worker(args) => worker::run(data_dir, database_url, args).await,
            Command::Token(command) => token::run(data_dir, database_url, command).await,
            Command::Owner(command) => owner::run(data_dir, database_url, command).await,
            Command::Seed(args) => seed::run(data_dir, database_url, args).await,
            Command::Export(args) => export::run(data_dir, args).await,
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
