//! The value of one cell as every writer receives it, plus the text rules all formats
//! share: Excel's 32,767-character cell limit (and the count of cells cut at it) and how
//! numbers are spelled as text.

use crate::Date;

/// Excel's limit on the text of one cell, counted in UTF-16 code units as BIFF8 and
/// OOXML count characters.
pub const MAX_TEXT_UTF16_UNITS: usize = 32_767;

/// One cell of a row. It borrows its text so that streaming a million rows costs no
/// allocation per cell.
///
/// `Text("")` is written as an empty cell in XLS and XLSX (a spreadsheet cannot tell them
/// apart) and as an empty field in CSV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    /// Finite numbers are written as numbers; NaN and infinities have no spreadsheet
    /// representation and are written as the text `NaN`, `inf` or `-inf`.
    Number(f64),
    Bool(bool),
    /// A date cell in XLS and XLSX (a day number with a date format), text in CSV.
    Date(Date),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(text: &'a str) -> Self {
        Cell::Text(text)
    }
}

impl From<f64> for Cell<'_> {
    fn from(number: f64) -> Self {
        Cell::Number(number)
    }
}

impl From<bool> for Cell<'_> {
    fn from(value: bool) -> Self {
        Cell::Bool(value)
    }
}

/// Cells whose text was longer than the format's cell limit and was cut at it, counted
/// per column, so the caller can say which columns lost text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CutCells {
    per_column: Vec<u64>,
}

impl CutCells {
    /// Number of cells cut.
    pub fn total(&self) -> u64 {
        self.per_column.iter().sum()
    }

    /// The columns (from 0) where at least one cell was cut, in order.
    pub fn columns(&self) -> Vec<usize> {
        (0..self.per_column.len())
            .filter(|&column| self.per_column[column] > 0)
            .collect()
    }

    /// Adds another sheet's counts (the parts of one export).
    pub fn add(&mut self, other: &CutCells) {
        if self.per_column.len() < other.per_column.len() {
            self.per_column.resize(other.per_column.len(), 0);
        }
        for (mine, theirs) in self.per_column.iter_mut().zip(&other.per_column) {
            *mine += theirs;
        }
    }

    /// Returns `text` cut at Excel's cell limit, counting the cut against `column`.
    pub(crate) fn fit<'t>(&mut self, column: usize, text: &'t str) -> &'t str {
        let fitted = truncate_utf16(text, MAX_TEXT_UTF16_UNITS);
        if fitted.len() < text.len() {
            if self.per_column.len() <= column {
                self.per_column.resize(column + 1, 0);
            }
            self.per_column[column] += 1;
        }
        fitted
    }
}

/// Returns the longest prefix of `text` that is at most `max_units` UTF-16 code units
/// long. It cuts only between characters, so a surrogate pair is never split (the whole
/// pair goes, as when Excel truncates a pasted value).
pub fn truncate_utf16(text: &str, max_units: usize) -> &str {
    // Fast path: UTF-8 never has fewer bytes than UTF-16 has units.
    if text.len() <= max_units {
        return text;
    }
    let mut units = 0;
    for (byte_index, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > max_units {
            return &text[..byte_index];
        }
    }
    text
}

/// Spells a number the way users expect to read it in a text file: integral values
/// without a fraction (`3`, not `3.0`), others in the shortest form that reads back to the
/// same `f64`.
pub(crate) fn number_text<'b>(
    number: f64,
    ints: &'b mut itoa::Buffer,
    floats: &'b mut ryu::Buffer,
) -> &'b str {
    // Below 2^53 every integral f64 is an exact i64, so the integer spelling round-trips.
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;
    if number.fract() == 0.0 && number.abs() < EXACT_INTEGER_LIMIT {
        if number == 0.0 && number.is_sign_negative() {
            return "-0";
        }
        ints.format(number as i64)
    } else {
        // ryu spells NaN and the infinities as "NaN", "inf" and "-inf".
        floats.format(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_cells_are_counted_per_column_and_added_across_parts() {
        let long = "x".repeat(MAX_TEXT_UTF16_UNITS + 1);
        let mut first = CutCells::default();
        assert_eq!(first.fit(0, "short"), "short");
        assert_eq!(first.fit(3, &long).len(), MAX_TEXT_UTF16_UNITS);
        let mut second = CutCells::default();
        second.fit(1, &long);
        second.fit(3, &long);
        first.add(&second);
        assert_eq!(first.total(), 3);
        assert_eq!(first.columns(), [1, 3]);
    }

    #[test]
    fn truncation_keeps_text_within_the_limit_unchanged() {
        assert_eq!(truncate_utf16("héllo", 5), "héllo");
    }

    #[test]
    fn truncation_counts_utf16_units_not_bytes_or_chars() {
        // "é" is 2 UTF-8 bytes but 1 UTF-16 unit; "😀" is 4 bytes and 2 units.
        assert_eq!(truncate_utf16("ééé", 2), "éé");
        assert_eq!(truncate_utf16("a😀b", 3), "a😀");
    }

    #[test]
    fn truncation_drops_a_surrogate_pair_that_would_straddle_the_limit() {
        assert_eq!(truncate_utf16("ab😀", 3), "ab");
    }

    #[test]
    fn integral_numbers_are_spelled_without_a_fraction() {
        let (mut i, mut f) = (itoa::Buffer::new(), ryu::Buffer::new());
        assert_eq!(number_text(42.0, &mut i, &mut f), "42");
        assert_eq!(number_text(-7.0, &mut i, &mut f), "-7");
        assert_eq!(number_text(0.25, &mut i, &mut f), "0.25");
        assert_eq!(number_text(1e300, &mut i, &mut f), "1e300");
        assert_eq!(number_text(f64::NAN, &mut i, &mut f), "NaN");
        assert_eq!(number_text(f64::NEG_INFINITY, &mut i, &mut f), "-inf");
    }
}
