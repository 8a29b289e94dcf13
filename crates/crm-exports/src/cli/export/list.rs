//! `crm-exports export list`: the export log (`GET /crm/v3/exports/export`, an extension of
//! this service) with its filters. On a terminal it prints a table, newest first, and says
//! how to see the next page; otherwise (or with `--json`) it prints the API's JSON, so
//! scripts read exactly what the API answers. `--all` follows the pages to the end.

use std::io::IsTerminal;

use anyhow::bail;
use clap::Args;
use serde_json::{Value, json};

use crate::client::{Client, ExportLogQuery};

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Exports per page, 1 to 100.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Only exports in these states (ENQUEUED, PROCESSING, DONE, FAILED, CANCELED);
    /// repeat it or separate states with commas.
    #[arg(long, value_delimiter = ',')]
    pub state: Vec<String>,
    /// Only exports of this object type (contacts, 0-1, a custom object's name or id).
    #[arg(long)]
    pub object: Option<String>,
    /// Start after this cursor (the `after` a previous page gave).
    #[arg(long)]
    pub after: Option<String>,
    /// Follow the pages to the end instead of printing one.
    #[arg(long)]
    pub all: bool,
    /// Print JSON even on a terminal.
    #[arg(long, conflicts_with = "table")]
    pub json: bool,
    /// Print a table even when the output is not a terminal.
    #[arg(long)]
    pub table: bool,
}

pub async fn run(client: &Client, args: ListArgs) -> anyhow::Result<()> {
    let mut query = ExportLogQuery {
        limit: args.limit,
        states: args.state.iter().map(|s| s.trim().to_owned()).collect(),
        object: args.object.clone(),
        after: args.after.clone(),
    };
    let mut results = Vec::new();
    let next = loop {
        let page = client.list_exports(&query).await?;
        let next = page["paging"]["next"]["after"].as_str().map(str::to_owned);
        let Some(Value::Array(found)) = page.get("results").cloned() else {
            bail!("the export log answer has no results");
        };
        results.extend(found);
        match next {
            Some(after) if args.all => query.after = Some(after),
            next => break next,
        }
    };
    let as_table = args.table || (!args.json && std::io::stdout().is_terminal());
    if !as_table {
        let mut body = json!({ "results": results });
        if let Some(after) = &next {
            body["paging"] = json!({"next": {"after": after}});
        }
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(());
    }
    print!("{}", render_table(&results));
    match next {
        Some(after) => eprintln!("more exports: add --after {after} (or --all)"),
        None if results.is_empty() => eprintln!("no exports match"),
        None => {}
    }
    Ok(())
}

const HEADERS: [&str; 8] = [
    "ID",
    "NAME",
    "OBJECT",
    "FORMAT",
    "STATE",
    "ROWS",
    "REQUESTED",
    "DURATION",
];
/// Longer names are cut, so a row fits a terminal.
const NAME_WIDTH: usize = 32;

fn cells(export: &Value) -> [String; 8] {
    let text = |field: &str| export[field].as_str().unwrap_or("").to_owned();
    let mut name: String = text("exportName").chars().take(NAME_WIDTH).collect();
    if text("exportName").chars().count() > NAME_WIDTH {
        name.pop();
        name.push('…');
    }
    let mut state = text("exportState");
    if let Some(reason) = export["failureReason"].as_str() {
        state = format!("{state}: {reason}");
    }
    [
        text("id"),
        name,
        text("objectType"),
        text("format"),
        state,
        export["recordCount"]
            .as_i64()
            .map_or_else(|| "-".to_owned(), |n| n.to_string()),
        short_time(&text("requestedAt")),
        duration(export),
    ]
}

/// `2026-03-01T14:05:09.123Z` as `2026-03-01 14:05:09` (UTC).
fn short_time(iso: &str) -> String {
    iso.get(..19).unwrap_or(iso).replace('T', " ")
}

/// Start to finish, in seconds; `-` for an export that has not finished.
fn duration(export: &Value) -> String {
    let millis = |field: &str| {
        export[field]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_millis())
    };
    match (millis("startedAt"), millis("completedAt")) {
        (Some(start), Some(end)) => format!("{:.1} s", (end - start).max(0) as f64 / 1000.0),
        _ => "-".to_owned(),
    }
}

/// Columns padded to their widest cell (counted in characters, as names may be any script).
fn render_table(exports: &[Value]) -> String {
    let rows: Vec<[String; 8]> = exports.iter().map(cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&HEADERS.map(str::to_owned));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_aligns_columns_and_shows_failures_and_durations() {
        let exports = [
            json!({"id": "12", "exportName": "Customers in Paris", "objectType": "0-1",
                "format": "CSV", "exportState": "DONE", "recordCount": 1200,
                "requestedAt": "2026-03-01T14:05:09.123Z", "startedAt": "2026-03-01T14:05:09.500Z",
                "completedAt": "2026-03-01T14:05:11.000Z"}),
            json!({"id": "9", "exportName": "Ünïcode", "objectType": "0-2", "format": "XLSX",
                "exportState": "FAILED", "failureReason": "disk full",
                "requestedAt": "2026-03-01T13:00:00.000Z"}),
        ];
        let table = render_table(&exports);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("ID  NAME"), "{table}");
        assert!(
            lines[1].contains("DONE") && lines[1].contains("1.5 s"),
            "{table}"
        );
        assert!(lines[1].contains("2026-03-01 14:05:09"), "{table}");
        assert!(lines[2].contains("FAILED: disk full"), "{table}");
        // Columns start at the same character on every line.
        let at = |line: &str, text: &str| line.find(text).map(|b| line[..b].chars().count());
        assert_eq!(at(lines[0], "OBJECT"), at(lines[1], "0-1"));
        assert_eq!(at(lines[0], "OBJECT"), at(lines[2], "0-2"));
    }

    #[test]
    fn long_names_are_cut_to_the_column() {
        let name = "x".repeat(50);
        let row = cells(&json!({"exportName": name}));
        assert_eq!(row[1].chars().count(), NAME_WIDTH);
        assert!(row[1].ends_with('…'));
    }
}
