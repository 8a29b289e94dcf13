//! `crm-exports export start`: builds HubSpot's export request from flags (after checking
//! the object types it names), starts the export, follows it with a progress display,
//! downloads the file and prints its path. Ctrl-C on the way hands over to `interrupt`.

use std::cell::Cell;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::interrupt::{self, CtrlC};
use super::names::{ObjectNames, Target, explain_refusal};
use super::progress::{Progress, Snapshot, group_digits};
use super::{LaterCommands, SaveTo, filter, save_export};
use crate::client::{Client, ExportStatus};

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
    /// The object to export: contacts, companies, deals, tickets, or a custom object's
    /// name or id.
    #[arg(long)]
    pub object: String,
    /// Comma-separated internal property names, one column each (default: a few usual ones).
    #[arg(long, value_delimiter = ',')]
    pub properties: Vec<String>,
    #[arg(long, value_enum, default_value = "xlsx")]
    pub format: FileFormat,
    /// Language of column headers and option labels (EN, FR, DE, ES, JA, ...).
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
    #[command(flatten)]
    pub save: SaveTo,
    /// Print the export's id and return without waiting.
    #[arg(long)]
    pub no_wait: bool,
    /// On Ctrl-C, cancel the export on the server at once (without it, a second Ctrl-C
    /// within 3 s cancels it; otherwise it keeps running and can be downloaded later).
    #[arg(long)]
    pub cancel_on_interrupt: bool,
}

pub async fn run(client: &Client, args: StartArgs, later: &LaterCommands) -> anyhow::Result<()> {
    // Object types first: a misspelt type is the problem, whatever else is wrong.
    let mut names = ObjectNames::new(client);
    let target = names.resolve(&args.object).await?;
    if args.associated.len() > 4 {
        bail!("--associated takes at most four object types");
    }
    let mut associated = Vec::new();
    for a in &args.associated {
        associated.push(names.resolve(a).await?.api_name);
    }
    let request = build_request(&args, &target, associated)?;
    let id = match client.start_export(&request).await {
        Ok(id) => id,
        Err(e) if e.status() == Some(StatusCode::BAD_REQUEST) => {
            return Err(explain_refusal(client, &request, e).await);
        }
        Err(e) => return Err(e.into()),
    };
    if args.no_wait {
        println!("{id}");
        return Ok(());
    }
    let mut ctrl_c = CtrlC::listen().context("cannot listen for Ctrl-C")?;
    let complete = Cell::new(false);
    let fallback = request["exportName"].as_str().unwrap_or("export");
    let outcome = {
        let follow = async {
            let mut progress = Progress::new(&id);
            let (status, rows) = wait(client, &id, &mut progress).await?;
            complete.set(true);
            save_export(
                client,
                &id,
                &status,
                &args.save,
                fallback,
                rows,
                &mut progress,
            )
            .await
        };
        tokio::select! {
            result = follow => Some(result),
            _ = ctrl_c.pressed() => None,
        }
    };
    match outcome {
        Some(Ok(())) => {
            super::truncation::warn_if_cut(client, &id).await;
            Ok(())
        }
        Some(result) => result,
        // The follow future, its progress line and any partial download are gone by now.
        None => {
            let at = interrupt::Context {
                client,
                export_id: &id,
                complete: complete.get(),
                cancel_on_interrupt: args.cancel_on_interrupt,
                download_later: later.download(&id, &args.save),
            };
            interrupt::handle(&mut ctrl_c, at).await
        }
    }
}

/// Polls until the export is COMPLETE or CANCELED, quickly at first and then every
/// second, showing rows against the total once the details report them. Returns the final
/// status and the row count.
async fn wait(
    client: &Client,
    id: &str,
    progress: &mut Progress,
) -> anyhow::Result<(ExportStatus, Option<i64>)> {
    let mut interval = Duration::from_millis(100);
    loop {
        let status = client.export_status(id).await?;
        let details = if status.status == "PROCESSING" || status.status == "COMPLETE" {
            client.export_details(id).await.ok()
        } else {
            None
        };
        let rows = details.as_ref().and_then(|d| d.record_count);
        if status.status == "CANCELED" {
            let reason = status
                .error_message()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            bail!("export {id} was canceled{reason}");
        }
        if status.is_finished() {
            let shown = rows.map(|n| format!(", {} rows", group_digits(n)));
            progress.finish(&format!(
                "export {id}: COMPLETE in {:.1} s{}",
                progress.elapsed().as_secs_f64(),
                shown.as_deref().unwrap_or("")
            ));
            return Ok((status, rows));
        }
        progress.show(&Snapshot {
            state: &status.status,
            rows_written: rows,
            expected_rows: details.and_then(|d| d.expected_record_count),
        });
        tokio::time::sleep(interval).await;
        interval = (interval * 3 / 2).min(Duration::from_secs(1));
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

/// The request body HubSpot's exports API takes, from the command's flags and the
/// resolved object types.
fn build_request(
    args: &StartArgs,
    target: &Target,
    associated: Vec<String>,
) -> anyhow::Result<Value> {
    let properties: Vec<String> = if !args.properties.is_empty() {
        args.properties
            .iter()
            .map(|p| p.trim().to_owned())
            .collect()
    } else if !target.default_properties.is_empty() {
        target.default_properties.clone()
    } else {
        bail!(
            "--properties is needed: {:?} is not a standard object type and its schema \
             could not be read",
            args.object
        );
    };
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
    let mut request = json!({
        "exportName": name,
        "format": args.format.api_name(),
        "language": args.language.to_ascii_uppercase(),
        "objectType": target.api_name,
        "objectProperties": properties,
        "includeLabeledAssociations": args.labeled_associations,
        "exportInternalValuesOptions": internal,
        "overrideAssociatedObjectsPerDefinitionPerRowLimit": args.no_association_limit,
        "includePrimaryDisplayPropertyForAssociatedObjects":
            args.primary_display_property.unwrap_or(associated.len() == 1),
        "associatedObjectType": associated,
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

    fn request(argv: &[&str], target: Target, associated: &[&str]) -> Value {
        let args = Wrapper::try_parse_from(std::iter::once("x").chain(argv.iter().copied()))
            .unwrap()
            .args;
        let associated = associated.iter().map(|a| a.to_string()).collect();
        build_request(&args, &target, associated).unwrap()
    }

    fn target(api_name: &str, defaults: &[&str]) -> Target {
        Target {
            api_name: api_name.to_owned(),
            default_properties: defaults.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn a_view_export_carries_every_flag() {
        let body = request(
            &[
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
            ],
            target("CONTACT", &["email"]),
            &["COMPANY"],
        );
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
        let body = request(
            &["--object", "deals", "--list", "12", "--internal-values"],
            target("DEAL", &["dealname", "amount"]),
            &[],
        );
        assert_eq!(body["exportType"], "LIST");
        assert_eq!(body["listId"], "12");
        assert_eq!(body["objectProperties"], json!(["dealname", "amount"]));
        assert_eq!(body["exportInternalValuesOptions"], json!(["VALUES"]));
        assert!(body.get("publicCrmSearchRequest").is_none());
    }

    #[test]
    fn without_known_columns_properties_are_needed() {
        let args = Wrapper::try_parse_from(["x", "--object", "2-7"])
            .unwrap()
            .args;
        let error = build_request(&args, &target("2-7", &[]), Vec::new()).unwrap_err();
        assert!(
            error.to_string().starts_with("--properties is needed"),
            "{error}"
        );
    }

    #[test]
    fn bad_sorts_are_refused() {
        assert!(sort("createdate:sideways").is_err());
        assert!(sort("-").is_err());
        assert_eq!(sort("amount:asc").unwrap()["direction"], "ASCENDING");
    }
}
