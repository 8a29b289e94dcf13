//! `crm-exports export start|status|get|download|cancel|list`: the exports API from the
//! command line, over HTTP only. `start` (in `start`) builds the request from flags, waits
//! with a progress display, downloads the file and prints its path on stdout; every error
//! the server returns is one line on stderr and a non-zero exit. Each subcommand is a
//! variant of [`ExportCommand`] and one arm of [`run`]; saving a file is shared by `start`
//! and `download`; `list` (in `list`) shows the export log.

pub(crate) mod filter;
mod interrupt;
mod list;
mod names;
mod progress;
mod save;
mod start;
mod truncation;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::cli::connection::{ConnectionArgs, DEFAULT_BASE_URL};
use crate::client::{Client, ExportStatus};
pub use interrupt::Interrupted;
use progress::{Progress, group_digits};

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(subcommand)]
    pub command: ExportCommand,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Start an export, wait for it, and download the file.
    Start(start::StartArgs),
    /// Print an export's task status (and a fresh download link once COMPLETE).
    Status { id: String },
    /// Print an export's details (name, state, object, properties, row counts).
    Get { id: String },
    /// Download a finished export's file.
    Download {
        id: String,
        #[command(flatten)]
        save: SaveTo,
    },
    /// Cancel a queued or running export.
    Cancel { id: String },
    /// List exports, newest first: a table on a terminal, JSON otherwise.
    List(list::ListArgs),
}

/// Where a downloaded file goes.
#[derive(Args, Debug, Clone, Default)]
pub struct SaveTo {
    /// Where to save the file (default: the name the server gives it, in this folder). Its
    /// extension follows what the server sent: `.zip` when it zipped the export.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite an existing file instead of saving beside it as `name-1.ext`.
    #[arg(long)]
    pub force: bool,
}

/// Spells out the commands that pick an export up later, with the connection flags that
/// differ from the defaults.
pub struct LaterCommands {
    flags: String,
}

impl LaterCommands {
    fn new(args: &ExportArgs) -> Self {
        let mut flags = String::new();
        if args.connection.base_url != DEFAULT_BASE_URL {
            flags.push_str(&format!(" --base-url {}", args.connection.base_url));
        }
        if args.connection.token.is_some() {
            flags.push_str(" --token <TOKEN>");
        } else if args.connection.data_dir != Path::new("data") {
            let data_dir = args.connection.data_dir.display();
            flags.push_str(&format!(" --data-dir {data_dir}"));
        }
        LaterCommands { flags }
    }

    pub fn download(&self, id: &str, save: &SaveTo) -> String {
        let out = save
            .out
            .as_ref()
            .map(|o| format!(" --out {}", o.display()))
            .unwrap_or_default();
        format!("crm-exports export download {id}{}{out}", self.flags)
    }
}

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    let later = LaterCommands::new(&args);
    match args.command {
        ExportCommand::Start(start) => start::run(&client, start, &later).await,
        ExportCommand::Status { id } => {
            let status: Value = client
                .get(&format!("/crm/v3/exports/export/async/tasks/{id}/status"))
                .await?;
            println!("{}", serde_json::to_string_pretty(&status)?);
            Ok(())
        }
        ExportCommand::Get { id } => {
            let details: Value = client.get(&format!("/crm/v3/exports/export/{id}")).await?;
            println!("{}", serde_json::to_string_pretty(&details)?);
            Ok(())
        }
        ExportCommand::Download { id, save } => download(&client, &id, &save).await,
        ExportCommand::Cancel { id } => {
            client.cancel_export(&id).await?;
            println!("canceled export {id}");
            Ok(())
        }
        ExportCommand::List(args) => list::run(&client, args).await,
    }
}

async fn download(client: &Client, id: &str, save: &SaveTo) -> anyhow::Result<()> {
    let status = client.export_status(id).await?;
    if status.status != "COMPLETE" {
        bail!(
            "export {id} is {}; there is nothing to download{}",
            status.status,
            if status.is_finished() { "" } else { " yet" }
        );
    }
    let details = client.export_details(id).await.ok();
    let rows = details.as_ref().and_then(|d| d.record_count);
    let fallback = details
        .and_then(|d| d.export_name)
        .unwrap_or_else(|| format!("export-{id}"));
    let mut progress = Progress::new(id);
    save_export(client, id, &status, save, &fallback, rows, &mut progress).await
}

/// Downloads a COMPLETE export, keeps it under a name that tells what it is without
/// replacing another file (unless `--force`), says why when it is a zip, and prints its
/// path on stdout.
async fn save_export(
    client: &Client,
    id: &str,
    status: &ExportStatus,
    to: &SaveTo,
    export_name: &str,
    rows: Option<i64>,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    let url = status
        .result
        .as_deref()
        .with_context(|| format!("export {id} is COMPLETE but its status has no download link"))?;
    let folder = match to.out.as_deref().map(Path::parent) {
        Some(Some(parent)) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let download = client
        .download(url, &folder, |received, total| {
            progress.downloading(received, total)
        })
        .await?;
    let size = download.size;
    let kind = save::FileKind::sniff(&download.temp)
        .with_context(|| format!("cannot read the downloaded file of export {id}"))?;
    let wanted = match &to.out {
        Some(out) => out.clone(),
        None => PathBuf::from(
            download
                .file_name
                .clone()
                .unwrap_or_else(|| crate::domain::export::file_stem(export_name)),
        ),
    };
    let named = save::with_extension(&wanted, kind);
    let path = save::keep(download, &named, to.force)?;
    progress.clear();
    if kind == save::FileKind::Zip
        && let Some(why) = save::why_zipped(&path, rows)
    {
        eprintln!("note: {why}");
    }
    if named != wanted && to.out.is_some() {
        eprintln!(
            "note: saved as {} rather than {}: the file is {}",
            named.display(),
            wanted.display(),
            kind.extension().to_ascii_uppercase()
        );
    }
    if path != named {
        eprintln!(
            "note: {} exists; saved as {} (--force overwrites)",
            named.display(),
            path.display()
        );
    }
    progress.finish(&format!(
        "saved {} ({} bytes)",
        path.display(),
        group_digits(size as i64)
    ));
    println!("{}", path.display());
    Ok(())
}
