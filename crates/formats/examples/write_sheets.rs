//! Writes the same small sheet as `.xlsx` and `.xls`, with a header, date-time and date
//! columns, numbers and text, for checking the spreadsheet formatting with independent
//! readers (tools/sheet_check: openpyxl and xlrd). Usage:
//! `cargo run -p formats --example write_sheets -- OUT_DIR` writes `OUT_DIR/sheet.xlsx` and
//! `OUT_DIR/sheet.xls`. Column B holds date-times, column C dates, D numbers, E text.

use std::fs::File;
use std::path::PathBuf;

use formats::{Cell, Date, Format, SheetOptions, open_sheet_writer};

/// 2021-01-31T09:30:00Z, then one day and 90 minutes later per row.
const FIRST_INSTANT: i64 = 1_612_085_400_000;
const STEP_MS: i64 = 86_400_000 + 90 * 60_000;
const DATA_ROWS: i64 = 50;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .ok_or("usage: write_sheets OUT_DIR")?
        .into();
    std::fs::create_dir_all(&dir)?;
    let options = SheetOptions {
        sheet_name: "Export".to_owned(),
        application: "formats example".to_owned(),
        ..SheetOptions::default()
    };
    for format in [Format::Xlsx, Format::Xls] {
        let path = dir.join(format!("sheet.{}", format.extension()));
        let mut writer = open_sheet_writer(format, File::create(&path)?, &options)?;
        writer.write_row(&[
            Cell::Text("Record ID"),
            Cell::Text("Create Date"),
            Cell::Text("Close Date"),
            Cell::Text("Amount"),
            Cell::Text("Lifecycle Stage"),
        ])?;
        for row in 0..DATA_ROWS {
            let instant = FIRST_INSTANT + row * STEP_MS;
            let stage = format!("Marketing Qualified Lead {row}");
            writer.write_row(&[
                Cell::Number(row as f64 + 1.0),
                Cell::Date(Date::with_time(instant).ok_or("in range")?),
                Cell::Date(Date::day(instant).ok_or("in range")?),
                Cell::Number(row as f64 * 12.5),
                Cell::Text(&stage),
            ])?;
        }
        writer.finish()?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
