//! Rendering and writing an export's file, on a blocking thread: each batch of records
//! from the reader becomes rows through the column plan (and association columns, looked up
//! a batch ahead on a thread of their own), written through the format's sheet writer, a
//! new part at the format's row limit; several parts, or a CSV over the zip threshold, end
//! up in one zip (the partitioner decides both). Cells cut at the format's cell limit are
//! counted by column.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

use formats::{Cell, Format, PartitionOptions, Partitioner, SheetOptions};

use super::ExportConfig;
use super::associated::AssociationColumns;
use super::attempt::JobError;
use super::render::{ColumnPlan, Rendered};
use crate::domain::batch::RecordBatch;
use crate::domain::export::{ExportFormat, ExportRequest, file_stem};
use crate::faults::RowPace;

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
    /// An injected fault's pace, asked before each row.
    pub pace: Option<&'a RowPace>,
}

/// What [`write_file`] wrote.
pub struct Written {
    pub rows: u64,
    pub extension: &'static str,
    /// Cells cut at the format's cell limit, and the columns they were in (properties by
    /// internal name, association columns by header).
    pub cut_cells: u64,
    pub cut_columns: Vec<String>,
}

/// Writes the whole file, counting rows in `rows_written` as it goes.
pub fn write_file(
    job: &FileJob<'_>,
    receiver: Receiver<RecordBatch>,
    rows_written: &AtomicU64,
) -> Result<Written, JobError> {
    let FileJob {
        request,
        plan,
        associations,
        temp,
        config,
        pace,
    } = *job;
    let format = sheet_format(request.format);
    let mut header_names = plan.headers.clone();
    if let Some(a) = associations {
        header_names.extend(a.headers());
    }
    let headers: Vec<&str> = header_names.iter().map(String::as_str).collect();
    // Readable too: a first part written in place is read back if it must move into a zip.
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(temp)
        .map_err(JobError::File)?;
    let options = partition_options(request, format, config, temp);
    let mut partitioner = Partitioner::in_place(format, &headers, BufWriter::new(file), options)?;
    std::thread::scope(|scope| -> Result<(), JobError> {
        let batches = with_association_cells(scope, receiver, associations);
        let mut scratch = String::new();
        for looked_up in batches {
            let (batch, extra) = looked_up?;
            let rows = RenderedBatch {
                plan,
                batch: &batch,
                extra: &extra,
                width: headers.len(),
            };
            rows.write(&mut partitioner, &mut scratch, pace, rows_written)?;
        }
        Ok(())
    })?;
    let summary = partitioner.finish()?;
    // Column 0 is the record id; then the properties, then the association columns.
    let cut_columns = summary
        .cut_cells
        .columns()
        .into_iter()
        .filter_map(|column| match column.checked_sub(1) {
            Some(i) if i < plan.properties.len() => Some(plan.properties[i].name.clone()),
            _ => header_names.get(column).cloned(),
        })
        .collect();
    Ok(Written {
        rows: summary.data_rows,
        extension: if summary.zipped {
            "zip"
        } else {
            request.format.extension()
        },
        cut_cells: summary.cut_cells.total(),
        cut_columns,
    })
}

/// A batch of records with the association cells of each row, as the writer takes it.
type LookedUp = Result<(RecordBatch, Vec<Vec<Rendered>>), JobError>;

/// The reader's batches looked up together: each store call has a fixed cost (a pooled
/// connection, a transaction, and on PostgreSQL planning the query and hashing the
/// associated records) above rendering one batch, so one call serves several.
const BATCHES_PER_LOOKUP: usize = 4;

/// The batches with their association cells. With association columns a scoped thread
/// looks them up [`BATCHES_PER_LOOKUP`] batches at a time, ahead of the writer, so the
/// store's queries run while earlier batches are written instead of pausing the writer;
/// it ends when the writer stops taking.
fn with_association_cells<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    receiver: Receiver<RecordBatch>,
    associations: Option<&'scope AssociationColumns>,
) -> Box<dyn Iterator<Item = LookedUp> + 'scope> {
    let Some(associations) = associations else {
        return Box::new(receiver.into_iter().map(|batch| {
            let extra = vec![Vec::new(); batch.len()];
            Ok((batch, extra))
        }));
    };
    let (sender, looked_up) = std::sync::mpsc::sync_channel::<LookedUp>(BATCHES_PER_LOOKUP);
    scope.spawn(move || {
        let mut group = Vec::with_capacity(BATCHES_PER_LOOKUP);
        while let Ok(first) = receiver.recv() {
            group.push(first);
            while group.len() < BATCHES_PER_LOOKUP
                && let Ok(next) = receiver.recv()
            {
                group.push(next);
            }
            let ids: Vec<i64> = group.iter().flat_map(|b| b.ids().iter().copied()).collect();
            let mut cells = match associations.cells(&ids) {
                Ok(cells) => cells.into_iter(),
                Err(e) => {
                    let _ = sender.send(Err(JobError::from(e)));
                    return;
                }
            };
            for batch in group.drain(..) {
                let own = cells.by_ref().take(batch.len()).collect();
                if sender.send(Ok((batch, own))).is_err() {
                    return;
                }
            }
        }
    });
    Box::new(looked_up.into_iter())
}

/// One batch's rows, rendered through the column plan beside their association cells.
struct RenderedBatch<'a> {
    plan: &'a ColumnPlan,
    batch: &'a RecordBatch,
    extra: &'a [Vec<Rendered>],
    width: usize,
}

impl RenderedBatch<'_> {
    fn write<W: std::io::Write>(
        &self,
        partitioner: &mut Partitioner<W>,
        scratch: &mut String,
        pace: Option<&RowPace>,
        rows_written: &AtomicU64,
    ) -> Result<(), JobError> {
        let mut pieces = Vec::with_capacity(self.width);
        for (row, extra) in self.extra.iter().enumerate() {
            let id = self.batch.ids()[row];
            self.plan
                .render(id, self.batch.row(row), scratch, &mut pieces);
            let cells: Vec<Cell<'_>> = pieces
                .iter()
                .map(|p| p.as_cell(scratch))
                .chain(extra.iter().map(Rendered::as_cell))
                .collect();
            if let Some(pace) = pace {
                // Paced rows are counted one by one, so progress shows where it stalls.
                let index = rows_written.load(Ordering::Relaxed);
                pace.before_row(index)
                    .map_err(|e| JobError::message(e.to_string()))?;
                partitioner.write_row(&cells)?;
                rows_written.fetch_add(1, Ordering::Relaxed);
            } else {
                partitioner.write_row(&cells)?;
            }
        }
        if pace.is_none() {
            rows_written.fetch_add(self.batch.len() as u64, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Parts of 1,000,000 rows as HubSpot splits CSV and XLSX (XLS parts hold the format's
/// 65,535), a CSV over the zip threshold zipped, spool files beside the export file.
fn partition_options(
    request: &ExportRequest,
    format: Format,
    config: &ExportConfig,
    temp: &Path,
) -> PartitionOptions {
    let part_rows = config.partition_rows.or(match format {
        Format::Xls => None,
        _ => Some(HUBSPOT_PART_ROWS),
    });
    PartitionOptions {
        max_data_rows_per_part: part_rows,
        entry_stem: file_stem(&request.export_name),
        zip_single_part_over: (format == Format::Csv).then_some(config.csv_zip_bytes),
        sheet: SheetOptions {
            sheet_name: "Export".to_string(),
            application: APPLICATION.to_string(),
            // Spool files go beside the file being written, in the data folder.
            tempdir: temp.parent().map(Path::to_path_buf),
            column_widths: None,
            csv_formula_guard: request.csv_formula_guard,
        },
    }
}
