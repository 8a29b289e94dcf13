//! Column widths for the spreadsheet formats, measured from the header and a sample of the
//! first rows so a sheet opens with readable, unclipped headers without holding the sheet
//! in memory. Widths are in characters of the default font; the XLS and XLSX writers turn
//! them into their own units.

use crate::Cell;

/// Data rows measured after the header.
pub(crate) const SAMPLE_ROWS: u32 = 100;
/// Narrowest and widest column, in characters (Excel's default width is 8.43).
const MIN_WIDTH: f64 = 8.43;
const MAX_WIDTH: f64 = 60.0;
/// Room for the header's filter button and bold face, in characters.
const HEADER_EXTRA: f64 = 3.0;

/// Widths measured so far; the header is the first row seen.
#[derive(Debug, Default)]
pub(crate) struct ColumnWidths {
    widths: Vec<f64>,
    rows_seen: u32,
}

impl ColumnWidths {
    /// Whether the header and the sample rows have all been measured.
    pub(crate) fn is_complete(&self) -> bool {
        self.rows_seen > SAMPLE_ROWS
    }

    /// Measures one row (the first one is the header).
    pub(crate) fn measure(&mut self, row: &[Cell<'_>]) {
        if self.is_complete() {
            return;
        }
        let extra = if self.rows_seen == 0 {
            HEADER_EXTRA
        } else {
            1.0
        };
        if self.widths.len() < row.len() {
            self.widths.resize(row.len(), MIN_WIDTH);
        }
        for (width, cell) in self.widths.iter_mut().zip(row) {
            let chars = display_chars(cell);
            *width = width.max((chars + extra).min(MAX_WIDTH));
        }
        self.rows_seen += 1;
    }

    pub(crate) fn widths(&self) -> &[f64] {
        &self.widths
    }
}

/// About how many characters of the default font a cell needs: the longest line of a
/// text, with wide (East Asian, emoji) characters counting two; numbers as written.
fn display_chars(cell: &Cell<'_>) -> f64 {
    match *cell {
        Cell::Empty => 0.0,
        Cell::Text(text) => {
            let mut longest = 0usize;
            for line in text.split('\n') {
                let mut chars = 0;
                for ch in line.chars() {
                    chars += if is_wide(ch) { 2 } else { 1 };
                    if chars as f64 >= MAX_WIDTH {
                        return MAX_WIDTH;
                    }
                }
                longest = longest.max(chars);
            }
            longest as f64
        }
        Cell::Number(number) => {
            let mut ints = itoa::Buffer::new();
            let mut floats = ryu::Buffer::new();
            crate::cell::number_text(number, &mut ints, &mut floats).len() as f64
        }
        Cell::Bool(_) => 5.0,
        Cell::Date(date) if date.has_time() => 16.0,
        Cell::Date(_) => 10.0,
    }
}

/// East Asian wide and full-width characters and emoji, which take two columns.
fn is_wide(ch: char) -> bool {
    matches!(ch,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{1F300}'..='\u{1FAFF}'
        | '\u{20000}'..='\u{3FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_get_room_for_the_filter_button_and_values_widen_their_column() {
        let mut widths = ColumnWidths::default();
        widths.measure(&[Cell::Text("Record ID"), Cell::Text("Zip")]);
        widths.measure(&[Cell::Number(123.0), Cell::Text("a much longer value here")]);
        assert_eq!(widths.widths(), [12.0, 25.0]);
    }

    #[test]
    fn long_text_is_capped_and_only_its_longest_line_counts() {
        let mut widths = ColumnWidths::default();
        widths.measure(&[Cell::Text("Notes"), Cell::Text("日本語")]);
        widths.measure(&[Cell::Text(&"x".repeat(500)), Cell::Text("ab\nabcdefghijkl")]);
        assert_eq!(widths.widths(), [MAX_WIDTH, 13.0]);
    }

    #[test]
    fn only_the_header_and_the_sample_rows_are_measured() {
        let mut widths = ColumnWidths::default();
        widths.measure(&[Cell::Text("A")]);
        for _ in 0..SAMPLE_ROWS {
            widths.measure(&[Cell::Text("short")]);
        }
        assert!(widths.is_complete());
        widths.measure(&[Cell::Text("a value past the sample rows")]);
        assert_eq!(widths.widths(), [MIN_WIDTH]);
    }
}
