//! XLSX writer on rust_xlsxwriter in constant-memory mode: each finished row goes to a
//! temp file, so memory stays flat however many rows a part has. Text is always written
//! as a string (never a formula or a hyperlink), numbers as numbers. The same rows always
//! give the same bytes.

use std::io::{Seek, Write};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, Worksheet};

use crate::cell::{MAX_TEXT_UTF16_UNITS, number_text, truncate_utf16};
use crate::sheet::validate_sheet_name;
use crate::{Cell, Format, FormatError, Result, SheetOptions, SheetWriter};

/// Excel 365 itself saves at level 3; it is markedly faster than the default 6 for about
/// 5% more bytes (reference/stack.md, section 4.2).
const ZIP_LEVEL: u8 = 3;

/// Writes one worksheet of an `.xlsx` workbook to a seekable sink.
pub struct XlsxWriter<W: Write + Seek + Send> {
    workbook: Workbook,
    sink: W,
    next_row: u32,
}

impl<W: Write + Seek + Send> XlsxWriter<W> {
    pub fn new(sink: W, options: &SheetOptions) -> Result<Self> {
        validate_sheet_name(&options.sheet_name)?;
        let mut workbook = Workbook::new();
        workbook.set_zip_compression_level(ZIP_LEVEL);
        // The workbook's creation time would otherwise be the moment of writing; a fixed
        // one (the zip format's own epoch, as the zip entries carry) makes the same rows
        // give the same bytes, so exports can be compared and checksummed.
        let epoch = ExcelDateTime::from_ymd(1980, 1, 1)?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
        if let Some(dir) = &options.tempdir {
            workbook.set_tempdir(dir)?;
        }
        workbook
            .add_worksheet_with_constant_memory()?
            .set_name(&options.sheet_name)?;
        Ok(XlsxWriter {
            workbook,
            sink,
            next_row: 0,
        })
    }

    fn worksheet(&mut self) -> Result<&mut Worksheet> {
        Ok(self.workbook.worksheet_from_index(0)?)
    }
}

impl<W: Write + Seek + Send> SheetWriter for XlsxWriter<W> {
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        if Some(u64::from(self.next_row)) == Format::Xlsx.max_rows_per_sheet() {
            return Err(FormatError::TooManyRows {
                format: Format::Xlsx,
                limit: u64::from(self.next_row),
            });
        }
        Format::Xlsx.check_columns(row.len())?;
        let row_index = self.next_row;
        let (mut ints, mut floats) = (itoa::Buffer::new(), ryu::Buffer::new());
        let sheet = self.worksheet()?;
        for (col, cell) in row.iter().enumerate() {
            // Checked above: at most 16,384 columns.
            let col = col as u16;
            match *cell {
                Cell::Empty | Cell::Text("") => {}
                Cell::Text(text) => {
                    sheet.write_string(
                        row_index,
                        col,
                        truncate_utf16(text, MAX_TEXT_UTF16_UNITS),
                    )?;
                }
                Cell::Number(number) if number.is_finite() => {
                    sheet.write_number(row_index, col, number)?;
                }
                Cell::Number(number) => {
                    sheet.write_string(
                        row_index,
                        col,
                        number_text(number, &mut ints, &mut floats),
                    )?;
                }
                Cell::Bool(value) => {
                    sheet.write_boolean(row_index, col, value)?;
                }
            }
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let XlsxWriter {
            mut workbook,
            mut sink,
            ..
        } = *self;
        workbook.save_to_writer(&mut sink)?;
        sink.flush()?;
        Ok(())
    }
}
