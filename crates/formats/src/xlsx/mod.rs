//! XLSX writer: one worksheet streamed into the zip package as rows arrive, compressed on
//! the deflate pool while the caller renders the next rows, in constant memory. The first
//! row is the header: bold, frozen, with an autofilter over the whole sheet; column widths
//! come from the header and the first rows ([`crate::widths`]), which are held back until
//! measured because the widths precede the rows in the XML. Text is always a string (never
//! a formula or a hyperlink), numbers are numbers, dates are day numbers with a date
//! format. The same rows always give the same bytes.

mod cells;
mod parts;

use std::io::Write;

use self::cells::{RowXml, range};
use self::parts::{fixed_parts, sheet_head, sheet_tail, workbook};
use crate::archive::ZipArchive;
use crate::sheet::validate_sheet_name;
use crate::widths::ColumnWidths;
use crate::{Cell, CutCells, Format, FormatError, Result, SheetOptions, SheetWriter};

const SHEET_ENTRY: &str = "xl/worksheets/sheet1.xml";
/// Held-back rows stop being measured past this many bytes, so a few huge cells cannot
/// make the writer hold much memory.
const MAX_HELD_BYTES: usize = 4 << 20;

/// Writes one worksheet of an `.xlsx` workbook to a sink.
pub struct XlsxWriter<W: Write> {
    archive: ZipArchive<W>,
    sheet_name: String,
    rows: RowXml,
    next_row: u32,
    /// The header's width, for the filter range.
    columns: usize,
    widths: ColumnWidths,
    /// Rows written before the widths were settled; `None` once the head is written.
    held: Option<Vec<u8>>,
    fixed_widths: Option<Vec<f64>>,
    cut: CutCells,
}

impl<W: Write> XlsxWriter<W> {
    pub fn new(sink: W, options: &SheetOptions) -> Result<Self> {
        validate_sheet_name(&options.sheet_name)?;
        let mut archive = ZipArchive::new(sink);
        for (name, xml) in fixed_parts(&options.sheet_name, &options.application) {
            archive.start_deflated(name)?;
            archive.write_all(xml.as_bytes())?;
        }
        archive.start_deflated(SHEET_ENTRY)?;
        let mut writer = XlsxWriter {
            archive,
            sheet_name: options.sheet_name.clone(),
            rows: RowXml::default(),
            next_row: 0,
            columns: 0,
            widths: ColumnWidths::default(),
            held: Some(Vec::new()),
            fixed_widths: options.column_widths.clone(),
            cut: CutCells::default(),
        };
        if writer.fixed_widths.is_some() {
            writer.write_head()?;
        }
        Ok(writer)
    }

    /// Writes the sheet's head with the widths settled now, then the rows held back.
    fn write_head(&mut self) -> Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let widths = self.fixed_widths.as_deref().unwrap_or(self.widths.widths());
        let head = sheet_head(widths);
        let buffer = self.archive.buffer();
        buffer.extend_from_slice(head.as_bytes());
        buffer.extend_from_slice(&held);
        self.archive.flush_full()?;
        Ok(())
    }
}

impl<W: Write> SheetWriter for XlsxWriter<W> {
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        if Some(u64::from(self.next_row)) == Format::Xlsx.max_rows_per_sheet() {
            return Err(FormatError::TooManyRows {
                format: Format::Xlsx,
                limit: u64::from(self.next_row),
            });
        }
        Format::Xlsx.check_columns(row.len())?;
        if self.next_row == 0 {
            self.columns = row.len();
        }
        let index = self.next_row;
        self.next_row += 1;
        match self.held.as_mut() {
            Some(held) => {
                self.widths.measure(row);
                self.rows.push_row(held, index, row, &mut self.cut);
                if self.widths.is_complete() || held.len() > MAX_HELD_BYTES {
                    self.write_head()?;
                }
            }
            None => {
                self.rows
                    .push_row(self.archive.buffer(), index, row, &mut self.cut);
                self.archive.flush_full()?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<CutCells> {
        self.write_head()?;
        let filter = (self.columns > 0 && self.next_row > 0)
            .then(|| range(self.columns - 1, self.next_row - 1));
        let tail = sheet_tail(filter.as_deref());
        self.archive.buffer().extend_from_slice(tail.as_bytes());
        let book = workbook(&self.sheet_name, filter.as_deref());
        self.archive.start_deflated("xl/workbook.xml")?;
        self.archive.write_all(book.as_bytes())?;
        self.archive.finish()?;
        Ok(self.cut)
    }

    fn column_widths(&self) -> Option<&[f64]> {
        match &self.fixed_widths {
            Some(fixed) => Some(fixed),
            None if self.next_row > 0 => Some(self.widths.widths()),
            None => None,
        }
    }
}
