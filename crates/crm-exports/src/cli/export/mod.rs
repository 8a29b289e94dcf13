//! `crm-exports export start|status|get|download|cancel`: the exports API from the command
//! line, over HTTP only. `start` builds the request from flags, waits with a progress
//! display, downloads the file and prints its path on stdout; every error the server
//! returns is one line on stderr and a non-zero exit.

mod filter;
mod progress;
mod truncation;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::cli::connection::ConnectionArgs;
use crate::client::{Client, DownloadInfo, ExportStatus};
use crate::domain::ObjectType;
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
    Start(StartArgs),
    /// Print an export's task status (and a fresh download link once COMPLETE).
    Status { id: String },
    /// Print an export's details (name, state, object, properties, row count).
    Get { id: String },
    /// Download a finished export's file.
    Download {
        id: String,
        /// Where to save the file (default: the name the server gives it, in this folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Cancel a queued or running export.
    Cancel { id: String },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FileFormat {
    Csv,
    Xlsx,
    Xls,
}

impl FileFormat {
    fn api_name(self) -> &'static str {
        match self {
            FileFormat::Csv => "CSV",
            FileFormat::Xlsx => "XLSX",
            FileFormat::Xls => "XLS",
        }
    }
}

#[derive(Args, Debug)]
pub struct StartArgs {
    /// The object to export: contacts, companies, deals, tickets, or an object type id.
    #[arg(long)]
    pub object: String,
    /// Comma-separated internal property names, one column each (default: a few usual ones).
    #[arg(long, value_delimiter = ',')]
    pub properties: Vec<String>,
    #[arg(long, value_enum, default_value = "xlsx")]
    pub format: FileFormat,
    /// Language of column headers and labels (EN, FR, DE, ES, ...).
    #[arg(long, default_value = "EN")]
    pub language: String,
    /// The export's name (default: the object and today's date); the file is named after it.
    #[arg(long)]
    pub name: Option<String>,
    /// A filter such as 'city EQ Paris' or 'amount BETWEEN 10 AND 20 OR dealstage IN a,b';
    /// repeat it for conditions that must all hold.
    #[arg(long)]
    pub filter: Vec<String>,
    /// Free-text search, as in HubSpot's search box.
    #[arg(long)]
    pub query: Option<String>,
    /// Sort by a property: `createdate`, `-createdate` or `createdate:desc`.
    #[arg(long, allow_hyphen_values = true)]
    pub sort: Vec<String>,
    /// Export the members of this list instead of a filtered view.
    #[arg(long, conflicts_with_all = ["filter", "query", "sort"])]
    pub list: Option<String>,
    /// Add the ids (and names) of associated records of this type; up to four.
    #[arg(long, value_delimiter = ',')]
    pub associated: Vec<String>,
    /// Also export association labels.
    #[arg(long)]
    pub labeled_associations: bool,
    /// Whether to export each associated record's name (default: only with one --associated).
    #[arg(long)]
    pub primary_display_property: Option<bool>,
    /// Lift the cap of 1,000 associated records per row.
    #[arg(long)]
    pub no_association_limit: bool,
    /// Column headers are internal property names instead of labels.
    #[arg(long)]
    pub internal_names: bool,
    /// Cells hold internal values instead of labels and formatted dates.
    #[arg(long)]
    pub internal_values: bool,
    /// Where to save the file (default: the name the server gives it, in this folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the export's id and return without waiting.
    #[arg(long)]
    pub no_wait: bool,
}

pub async fn run(data_dir: &Path, args: ExportArgs) -> anyhow::Result<()> {
    let client = args.connection.client(data_dir)?;
    match args.command {
        ExportCommand::Start(start) => {
            let request = build_request(&start)?;
            let id = client.start_export(&request).await?;
            if start.no_wait {
                println!("{id}");
                return Ok(());
            }
            let mut progress = Progress::new(&id);
            let status = wait(&client, &id, &mut progress).await?;
            let fallback = request["exportName"].as_str().unwrap_or("export");
            save(&client, &id, &status, start.out, fallback, &progress).await?;
            truncation::warn_if_cut(&client, &id).await;
            Ok(())
        }
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
        ExportCommand::Download { id, out } => {
            let status = client.export_status(&id).await?;
            if status.status != "COMPLETE" {
                bail!(
                    "export {id} is {}; there is nothing to download{}",
                    status.status,
                    if status.is_finished() { "" } else { " yet" }
                );
            }
            let details = client.export_details(&id).await.ok();
            let fallback = details
                .and_then(|d| d.export_name)
                .unwrap_or_else(|| format!("export-{id}"));
            let progress = Progress::new(&id);
            save(&client, &id, &status, out, &fallback, &progress).await
        }
        ExportCommand::Cancel { id } => {
            client.cancel_export(&id).await?;
            println!("canceled export {id}");
            Ok(())
        }
    }
}

/// Polls until the export is COMPLETE or CANCELED, quickly at first and then every two
/// seconds, showing the row count when the details report it.
async fn wait(client: &Client, id: &str, progress: &mut Progress) -> anyhow::Result<ExportStatus> {
    let mut interval = Duration::from_millis(100);
    loop {
        let status = client.export_status(id).await?;
        let rows = if status.status == "PROCESSING" || status.status == "COMPLETE" {
            client
                .export_details(id)
                .await
                .ok()
                .and_then(|d| d.record_count)
        } else {
            None
        };
        if !status.is_finished() {
            progress.state(&status.status, rows);
        }
        if status.status == "CANCELED" {
            let reason = status
                .error_message()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            bail!("export {id} was canceled{reason}");
        }
        if status.is_finished() {
            let rows = rows.map(|n| format!(", {} rows", group_digits(n)));
            progress.finish(&format!(
                "export {id}: COMPLETE in {:.1} s{}",
                progress.elapsed().as_secs_f64(),
                rows.as_deref().unwrap_or("")
            ));
            return Ok(status);
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 3 / 2).min(Duration::from_secs(2));
    }
}

async fn save(
    client: &Client,
    id: &str,
    status: &ExportStatus,
    out: Option<PathBuf>,
    fallback_name: &str,
    progress: &Progress,
) -> anyhow::Result<()> {
    let url = status
        .result
        .as_deref()
        .with_context(|| format!("export {id} is COMPLETE but its status has no download link"))?;
    let (path, size) = client
        .download(
            url,
            |info| out.unwrap_or_else(|| default_file_name(info, fallback_name)),
            |received, total| progress.downloading(received, total),
        )
        .await?;
    progress.finish(&format!(
        "saved {} ({} bytes)",
        path.display(),
        group_digits(size as i64)
    ));
    println!("{}", path.display());
    Ok(())
}

/// The server's suggested name, or the export's name with the extension its type implies.
fn default_file_name(info: &DownloadInfo, export_name: &str) -> PathBuf {
    if let Some(name) = &info.file_name {
        return PathBuf::from(name);
    }
    let extension = match info.content_type.as_deref().unwrap_or("") {
        t if t.starts_with("application/zip") => "zip",
        t if t.starts_with("text/csv") => "csv",
        t if t.starts_with("application/vnd.ms-excel") => "xls",
        _ => "xlsx",
    };
    let stem: String = export_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_. ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from(format!("{}.{extension}", stem.trim()))
}

/// HubSpot's documented spelling (`CONTACT`) for a standard object named any way the
/// service accepts; anything else (a custom object's id) goes as given.
fn object_type_name(object: &str) -> String {
    ObjectType::parse(object)
        .map(|t| t.singular().to_ascii_uppercase())
        .unwrap_or_else(|| object.to_owned())
}

fn default_properties(object: ObjectType) -> &'static [&'static str] {
    match object {
        ObjectType::Contacts => &[
            "email",
            "firstname",
            "lastname",
            "lifecyclestage",
            "createdate",
        ],
        ObjectType::Companies => &["name", "domain", "city", "country", "createdate"],
        ObjectType::Deals => &["dealname", "amount", "dealstage", "closedate", "createdate"],
        ObjectType::Tickets => &[
            "subject",
            "hs_pipeline_stage",
            "hs_ticket_priority",
            "createdate",
        ],
        ObjectType::Custom(_) => &["hs_object_id", "hs_createdate", "hs_lastmodifieddate"],
    }
}

/// `createdate`, `-createdate`, `createdate:desc` or `createdate:asc`.
fn sort(spec: &str) -> anyhow::Result<Value> {
    let (name, direction) = match spec.split_once(':') {
        Some((name, dir)) if dir.eq_ignore_ascii_case("desc") => (name, "DESCENDING"),
        Some((name, dir)) if dir.eq_ignore_ascii_case("asc") => (name, "ASCENDING"),
        Some((_, dir)) => bail!("--sort {spec:?}: the direction must be asc or desc, not {dir:?}"),
        None => match spec.strip_prefix('-') {
            Some(name) => (name, "DESCENDING"),
            None => (spec, "ASCENDING"),
        },
    };
    if name.is_empty() {
        bail!("--sort {spec:?} names no property");
    }
    Ok(json!({"propertyName": name, "direction": direction}))
}

/// The request body HubSpot's exports API takes, from the command's flags.
fn build_request(args: &StartArgs) -> anyhow::Result<Value> {
    let object_type = object_type_name(&args.object);
    let properties: Vec<String> = if args.properties.is_empty() {
        ObjectType::parse(&args.object)
            .map(default_properties)
            .with_context(|| format!("--properties is needed for object type {object_type}"))?
            .iter()
            .map(|p| p.to_string())
            .collect()
    } else {
        args.properties
            .iter()
            .map(|p| p.trim().to_owned())
            .collect()
    };
    if args.associated.len() > 4 {
        bail!("--associated takes at most four object types");
    }
    let name = args.name.clone().unwrap_or_else(|| {
        format!(
            "{}-{}",
            args.object.to_ascii_lowercase(),
            chrono::Utc::now().format("%Y-%m-%d")
        )
    });
    let mut internal = Vec::new();
    if args.internal_names {
        internal.push("NAMES");
    }
    if args.internal_values {
        internal.push("VALUES");
    }
    let associated: Vec<String> = args
        .associated
        .iter()
        .map(|a| object_type_name(a.trim()))
        .collect();
    let mut request = json!({
        "exportName": name,
        "format": args.format.api_name(),
        "language": args.language.to_ascii_uppercase(),
        "objectType": object_type,
        "objectProperties": properties,
        "associatedObjectType": associated,
        "includeLabeledAssociations": args.labeled_associations,
        "exportInternalValuesOptions": internal,
        "overrideAssociatedObjectsPerDefinitionPerRowLimit": args.no_association_limit,
        "includePrimaryDisplayPropertyForAssociatedObjects":
            args.primary_display_property.unwrap_or(associated.len() == 1),
    });
    match &args.list {
        Some(list) => {
            request["exportType"] = json!("LIST");
            request["listId"] = json!(list);
        }
        None => {
            let groups: Vec<Value> = filter::filter_groups(&args.filter)
                .map_err(anyhow::Error::msg)?
                .into_iter()
                .map(|filters| json!({ "filters": filters }))
                .collect();
            let sorts = args
                .sort
                .iter()
                .map(|s| sort(s))
                .collect::<anyhow::Result<Vec<_>>>()?;
            request["exportType"] = json!("VIEW");
            request["publicCrmSearchRequest"] = json!({
                "filterGroups": groups,
                "sorts": sorts,
                "query": args.query.clone().unwrap_or_default(),
            });
        }
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: StartArgs,
    }

    fn request(argv: &[&str]) -> Value {
        let args = Wrapper::try_parse_from(std::iter::once("x").chain(argv.iter().copied()))
            .unwrap()
            .args;
        build_request(&args).unwrap()
    }

    #[test]
    fn a_view_export_carries_every_flag() {
        let body = request(&[
            "--object",
            "contacts",
            "--properties",
            "email,city",
            "--format",
            "csv",
            "--language",
            "fr",
            "--name",
            "Paris",
            "--filter",
            "city EQ Paris",
            "--sort",
            "-createdate",
            "--associated",
            "companies",
            "--internal-names",
            "--labeled-associations",
        ]);
        assert_eq!(
            body,
            json!({
                "exportType": "VIEW", "exportName": "Paris", "format": "CSV", "language": "FR",
                "objectType": "CONTACT", "objectProperties": ["email", "city"],
                "associatedObjectType": ["COMPANY"], "includeLabeledAssociations": true,
                "exportInternalValuesOptions": ["NAMES"],
                "overrideAssociatedObjectsPerDefinitionPerRowLimit": false,
                "includePrimaryDisplayPropertyForAssociatedObjects": true,
                "publicCrmSearchRequest": {
                    "filterGroups": [{"filters": [
                        {"propertyName": "city", "operator": "EQ", "value": "Paris"}]}],
                    "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
                    "query": ""
                }
            })
        );
    }

    #[test]
    fn a_list_export_names_its_list_and_defaults_the_columns() {
        let body = request(&["--object", "deals", "--list", "12", "--internal-values"]);
        assert_eq!(body["exportType"], "LIST");
        assert_eq!(body["listId"], "12");
        assert_eq!(body["objectProperties"][0], "dealname");
        assert_eq!(body["exportInternalValuesOptions"], json!(["VALUES"]));
        assert!(body.get("publicCrmSearchRequest").is_none());
    }

    #[test]
    fn bad_sorts_are_refused() {
        assert!(sort("createdate:sideways").is_err());
        assert!(sort("-").is_err());
        assert_eq!(sort("amount:asc").unwrap()["direction"], "ASCENDING");
    }
}
