//! CSV writer: UTF-8 with a byte-order mark (so Excel detects the encoding), RFC 4180
//! quoting (only fields that need it) and CRLF line ends. CSV has no row, column or cell
//! limit. Dates are spelled `YYYY-MM-DD HH:MM` or `YYYY-MM-DD`. With the formula guard,
//! text cells that a spreadsheet would run as a formula get a leading apostrophe.

use std::io::Write;

use crate::cell::number_text;
use crate::{Cell, CutCells, Result, SheetOptions, SheetWriter};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes rows as CSV to any `Write`.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    ints: itoa::Buffer,
    floats: ryu::Buffer,
    formula_guard: bool,
    guarded: String,
}

/// What a spreadsheet program may read as the start of a formula (OWASP's list).
fn runs_as_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

impl<W: Write> CsvWriter<W> {
    /// Writes the byte-order mark and returns the writer; of the options it reads only
    /// `csv_formula_guard`.
    pub fn new(mut sink: W, options: &SheetOptions) -> Result<Self> {
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
            formula_guard: options.csv_formula_guard,
            guarded: String::new(),
        })
    }
}

impl<W: Write> SheetWriter for CsvWriter<W> {
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        for cell in row {
            match *cell {
                Cell::Empty => self.csv.write_field("")?,
                Cell::Text(text) if self.formula_guard && runs_as_formula(text) => {
                    self.guarded.clear();
                    self.guarded.push('\'');
                    self.guarded.push_str(text);
                    self.csv.write_field(&self.guarded)?
                }
                Cell::Text(text) => self.csv.write_field(text)?,
                Cell::Number(number) => {
                    self.csv
                        .write_field(number_text(number, &mut self.ints, &mut self.floats))?
                }
                Cell::Bool(value) => self.csv.write_field(if value { "true" } else { "false" })?,
                Cell::Date(date) => self.csv.write_field(date.text(&mut [0; 16]))?,
            }
        }
        self.csv.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<CutCells> {
        let mut sink = self.csv.into_inner().map_err(|e| e.into_error())?;
        sink.flush()?;
        Ok(CutCells::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_of(rows: &[&[Cell<'_>]]) -> String {
        csv_with(rows, &SheetOptions::default())
    }

    fn csv_with(rows: &[&[Cell<'_>]], options: &SheetOptions) -> String {
        let mut out = Vec::new();
        let mut writer = Box::new(CsvWriter::new(&mut out, options).unwrap());
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

    #[test]
    fn dates_are_spelled_to_the_minute_or_the_day() {
        let instant = 1_572_406_217_883; // 2019-10-30T03:30:17.883Z
        let text = csv_of(&[&[
            Cell::Date(crate::Date::with_time(instant).unwrap()),
            Cell::Date(crate::Date::day(instant).unwrap()),
        ]]);
        assert_eq!(text, "\u{feff}2019-10-30 03:30,2019-10-30\r\n");
    }

    #[test]
    fn the_formula_guard_prefixes_what_would_run_and_leaves_the_rest() {
        let row: &[Cell<'_>] = &[
            Cell::Text("=HYPERLINK(\"http://evil.example\",\"click\")"),
            Cell::Text("+1 555"),
            Cell::Text("-2"),
            Cell::Text("@SUM(A1)"),
            Cell::Text("\tx"),
            Cell::Text("\rx"),
            Cell::Text("plain = text"),
            Cell::Number(-3.0),
        ];
        let guarded = SheetOptions {
            csv_formula_guard: true,
            ..SheetOptions::default()
        };
        assert_eq!(
            csv_with(&[row], &guarded),
            "\u{feff}\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",'+1 555,'-2,\
             '@SUM(A1),'\tx,\"'\rx\",plain = text,-3\r\n"
        );
        assert_eq!(
            csv_of(&[row]),
            "\u{feff}\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",+1 555,-2,\
             @SUM(A1),\tx,\"\rx\",plain = text,-3\r\n"
        );
    }
}
