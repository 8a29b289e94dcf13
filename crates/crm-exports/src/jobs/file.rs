//! Rendering and writing an export's file, on a blocking thread: each batch of records
//! from the reader becomes rows through the column plan (and association columns), written
//! through the format's sheet writer, a new part at the format's row limit; several parts,
//! or a CSV over the zip threshold, end up in one zip.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use formats::{Cell, Format, PartitionOptions, Partitioner, SheetOptions};

use super::ExportConfig;
use super::associated::AssociationColumns;
use super::attempt::JobError;
use super::render::{ColumnPlan, Rendered};
use crate::domain::batch::RecordBatch;
use crate::domain::export::{ExportFormat, ExportRequest, file_stem};

/// HubSpot splits CSV and XLSX exports at a million rows.
const HUBSPOT_PART_ROWS: u64 = 1_000_000;

/// The application the XLS writer names as the file's author.
const APPLICATION: &str = "crm-exports";

fn sheet_format(format: ExportFormat) -> Format {
    match format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Xlsx => Format::Xlsx,
        ExportFormat::Xls => Format::Xls,
    }
}

/// What the file is written from.
pub struct FileJob<'a> {
    pub request: &'a ExportRequest,
    pub plan: &'a ColumnPlan,
    pub associations: Option<&'a AssociationColumns>,
    pub temp: &'a Path,
    pub config: &'a ExportConfig,
}

/// Writes the whole file, counting rows in `rows_written` as it goes; returns the row
/// count and the file's extension.
pub fn write_file(
    job: &FileJob<'_>,
    receiver: std::sync::mpsc::Receiver<RecordBatch>,
    rows_written: &AtomicU64,
) -> Result<(u64, &'static str), JobError> {
    let FileJob {
        request,
        plan,
        associations,
        temp,
        config,
    } = *job;
    let format = sheet_format(request.format);
    let mut header_names = plan.headers.clone();
    if let Some(a) = associations {
        header_names.extend(a.headers());
    }
    let headers: Vec<&str> = header_names.iter().map(String::as_str).collect();
    let file = File::create(temp).map_err(JobError::File)?;
    let part_rows = config.partition_rows.or(match format {
        Format::Xls => None,
        _ => Some(HUBSPOT_PART_ROWS),
    });
    let options = PartitionOptions {
        max_data_rows_per_part: part_rows,
        entry_stem: file_stem(&request.export_name),
        sheet: SheetOptions {
            sheet_name: "Export".to_string(),
            application: APPLICATION.to_string(),
            // Spool files go beside the file being written, in the data folder.
            tempdir: temp.parent().map(Path::to_path_buf),
        },
    };
    let mut partitioner = Partitioner::new(format, &headers, BufWriter::new(file), options)?;
    let mut scratch = String::new();
    for batch in receiver {
        let extra = match associations {
            Some(a) => a.cells(batch.ids())?,
            None => vec![Vec::new(); batch.len()],
        };
        let mut pieces = Vec::with_capacity(headers.len());
        for (row, extra) in extra.iter().enumerate() {
            plan.render(batch.ids()[row], batch.row(row), &mut scratch, &mut pieces);
            let cells: Vec<Cell<'_>> = pieces
                .iter()
                .map(|p| p.as_cell(&scratch))
                .chain(extra.iter().map(Rendered::as_cell))
                .collect();
            partitioner.write_row(&cells)?;
        }
        rows_written.fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    let summary = partitioner.finish()?;
    let mut extension = if summary.zipped {
        "zip"
    } else {
        request.format.extension()
    };
    let size = std::fs::metadata(temp).map_err(JobError::File)?.len();
    if extension == "csv" && size > config.csv_zip_bytes {
        let entry = format!("{}.csv", file_stem(&request.export_name));
        zip_single(temp, &entry).map_err(JobError::File)?;
        extension = "zip";
    }
    Ok((summary.data_rows, extension))
}

/// Replaces the file at `path` with a zip holding it as `entry`.
fn zip_single(path: &Path, entry: &str) -> std::io::Result<()> {
    let zipped: PathBuf = path.with_extension("zipping");
    {
        let mut zip = zip::ZipWriter::new(BufWriter::new(File::create(&zipped)?));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file(entry, options)?;
        std::io::copy(&mut File::open(path)?, &mut zip)?;
        zip.finish()?.flush()?;
    }
    std::fs::rename(&zipped, path)
}
