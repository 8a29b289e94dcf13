//! CSV writer: UTF-8 with a byte-order mark (so Excel detects the encoding), RFC 4180
//! quoting (only fields that need it) and CRLF line ends. CSV has no row or column limit.

use std::io::Write;

use crate::cell::number_text;
use crate::{Cell, Result, SheetWriter};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes rows as CSV to any `Write`.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    ints: itoa::Buffer,
    floats: ryu::Buffer,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the byte-order mark and returns the writer.
    pub fn new(mut sink: W) -> Result<Self> {
        sink.write_all(UTF8_BOM)?;
        let csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            // Rows may be ragged (trailing empty cells); the other formats accept that too.
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_writer(sink);
        Ok(CsvWriter {
            csv,
            ints: itoa::Buffer::new(),
            floats: ryu::Buffer::new(),
        })
    }
}

impl<W: Write> SheetWriter for CsvWriter<W> {
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        for cell in row {
            match *cell {
                Cell::Empty => self.csv.write_field("")?,
                Cell::Text(text) => self.csv.write_field(text)?,
                Cell::Number(number) => {
                    self.csv
                        .write_field(number_text(number, &mut self.ints, &mut self.floats))?
                }
                Cell::Bool(value) => self.csv.write_field(if value { "true" } else { "false" })?,
            }
        }
        self.csv.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let mut sink = self.csv.into_inner().map_err(|e| e.into_error())?;
        sink.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_of(rows: &[&[Cell<'_>]]) -> String {
        let mut out = Vec::new();
        let mut writer = Box::new(CsvWriter::new(&mut out).unwrap());
        for row in rows {
            writer.write_row(row).unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn output_starts_with_a_bom_and_ends_rows_with_crlf() {
        let text = csv_of(&[&[Cell::Text("a"), Cell::Number(1.0)]]);
        assert_eq!(text, "\u{feff}a,1\r\n");
    }

    #[test]
    fn only_fields_with_commas_quotes_or_newlines_are_quoted() {
        let text = csv_of(&[&[
            Cell::Text("plain text"),
            Cell::Text("a,b"),
            Cell::Text("say \"hi\""),
            Cell::Text("two\nlines"),
            Cell::Text("Zoë"),
        ]]);
        assert_eq!(
            text,
            "\u{feff}plain text,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",Zoë\r\n"
        );
    }

    #[test]
    fn empty_bool_and_fractional_cells_have_plain_spellings() {
        let text = csv_of(&[&[
            Cell::Empty,
            Cell::Bool(true),
            Cell::Bool(false),
            Cell::Number(2.5),
        ]]);
        assert_eq!(text, "\u{feff},true,false,2.5\r\n");
    }
}
