//! One worksheet row as XML, appended straight to the buffer the deflate stream takes:
//! text as inline strings (the sheet is never held in memory, so there is no shared
//! string table), numbers, booleans, and dates with a date style, each cell with its
//! reference (`r="B7"`). Text is escaped as Excel itself escapes it: `&`, `<` and `>` as
//! entities, control characters and the non-characters U+FFFE/U+FFFF as `_xHHHH_`, and
//! text that already looks like such an escape protected as `_x005F_xHHHH_`.

use super::parts::{XF_DATE, XF_DATE_TIME, XF_DEFAULT, XF_HEADER};
use crate::cell::number_text;
use crate::{Cell, CutCells};

/// Column letters (`A` … `XFD`) and row numbers for cell references.
#[derive(Default)]
pub(super) struct RowXml {
    column_names: Vec<Box<[u8]>>,
    ints: itoa::Buffer,
    floats: ryu::Buffer,
}

impl RowXml {
    /// Appends row `index` (from 0). The header row's cells are bold.
    pub(super) fn push_row(
        &mut self,
        out: &mut Vec<u8>,
        index: u32,
        row: &[Cell<'_>],
        cut: &mut CutCells,
    ) {
        while self.column_names.len() < row.len() {
            let name = column_name(self.column_names.len());
            self.column_names.push(name.into_bytes().into_boxed_slice());
        }
        let mut row_number = itoa::Buffer::new();
        let row_number = row_number.format(u64::from(index) + 1).as_bytes();
        let text_style = if index == 0 { XF_HEADER } else { XF_DEFAULT };
        out.extend_from_slice(b"<row r=\"");
        out.extend_from_slice(row_number);
        out.extend_from_slice(b"\">");
        for (column, cell) in row.iter().enumerate() {
            let reference = (&self.column_names[column][..], row_number);
            match *cell {
                Cell::Empty | Cell::Text("") => {}
                Cell::Text(text) => {
                    let text = cut.fit(column, text);
                    push_text(out, reference, text_style, text);
                }
                Cell::Number(number) if number.is_finite() => {
                    let spelled = number_text(number, &mut self.ints, &mut self.floats);
                    push_value(out, reference, text_style, b"", spelled.as_bytes());
                }
                Cell::Number(number) => {
                    let spelled = number_text(number, &mut self.ints, &mut self.floats);
                    push_text(out, reference, text_style, spelled);
                }
                Cell::Bool(value) => {
                    let value: &[u8] = if value { b"1" } else { b"0" };
                    push_value(out, reference, text_style, b" t=\"b\"", value);
                }
                Cell::Date(date) => {
                    // A date keeps its date format even in the header row.
                    let style = if date.has_time() {
                        XF_DATE_TIME
                    } else {
                        XF_DATE
                    };
                    let serial = number_text(date.serial(), &mut self.ints, &mut self.floats);
                    push_value(out, reference, style, b"", serial.as_bytes());
                }
            }
        }
        out.extend_from_slice(b"</row>");
    }
}

/// `<c r="B7" s="1"` without the closing `>`.
fn open_cell(out: &mut Vec<u8>, (column, row): (&[u8], &[u8]), style: u8) {
    out.extend_from_slice(b"<c r=\"");
    out.extend_from_slice(column);
    out.extend_from_slice(row);
    out.push(b'"');
    if style != XF_DEFAULT {
        out.extend_from_slice(b" s=\"");
        out.push(b'0' + style);
        out.push(b'"');
    }
}

fn push_value(out: &mut Vec<u8>, reference: (&[u8], &[u8]), style: u8, kind: &[u8], value: &[u8]) {
    open_cell(out, reference, style);
    out.extend_from_slice(kind);
    out.extend_from_slice(b"><v>");
    out.extend_from_slice(value);
    out.extend_from_slice(b"</v></c>");
}

fn push_text(out: &mut Vec<u8>, reference: (&[u8], &[u8]), style: u8, text: &str) {
    open_cell(out, reference, style);
    // Leading or trailing whitespace survives only when marked as significant.
    let edges = [text.as_bytes()[0], text.as_bytes()[text.len() - 1]];
    if edges.iter().any(|b| matches!(b, b' ' | b'\t' | b'\n')) {
        out.extend_from_slice(b" t=\"inlineStr\"><is><t xml:space=\"preserve\">");
    } else {
        out.extend_from_slice(b" t=\"inlineStr\"><is><t>");
    }
    escape_into(out, text);
    out.extend_from_slice(b"</t></is></c>");
}

/// Bytes that may need escaping: `&`, `<`, `>`, `_` (an escape lookalike may follow),
/// control characters other than tab and line feed, and 0xEF (U+FFFE/U+FFFF start so).
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = byte != b'\t' as usize && byte != b'\n' as usize;
        byte += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'_' as usize] = true;
    table[0xEF] = true;
    table
};

/// Appends `text` escaped for a `<t>` element, as described in the module documentation.
pub(super) fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if !SPECIAL[byte as usize] {
            at += 1;
            continue;
        }
        let rest = &bytes[at..];
        let (replacement, skip): (&[u8], usize) = match byte {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            // Only the underscore is protected; the lookalike itself follows as it is.
            b'_' if looks_like_escape(rest) => (b"_x005F", 0),
            b'_' => (b"", 0),
            0xEF if rest.starts_with(&[0xEF, 0xBF, 0xBE]) => (b"_xFFFE_", 3),
            0xEF if rest.starts_with(&[0xEF, 0xBF, 0xBF]) => (b"_xFFFF_", 3),
            0xEF => (b"", 0),
            control => {
                out.extend_from_slice(&bytes[copied..at]);
                out.extend_from_slice(b"_x00");
                out.push(HEX[usize::from(control >> 4)]);
                out.push(HEX[usize::from(control & 0xF)]);
                out.push(b'_');
                at += 1;
                copied = at;
                continue;
            }
        };
        if replacement.is_empty() {
            at += 1;
            continue;
        }
        out.extend_from_slice(&bytes[copied..at]);
        out.extend_from_slice(replacement);
        if skip == 0 {
            // The underscore itself is copied with the text after it.
            copied = at;
            at += 1;
        } else {
            at += skip;
            copied = at;
        }
    }
    out.extend_from_slice(&bytes[copied..]);
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `_xHHHH_` with four hex digits, which Excel would read as an escaped character.
fn looks_like_escape(text: &[u8]) -> bool {
    text.len() >= 7
        && text[1] == b'x'
        && text[2..6].iter().all(u8::is_ascii_hexdigit)
        && text[6] == b'_'
}

/// `A`, `B`, … `Z`, `AA`, … for a column index from 0.
fn column_name(index: usize) -> String {
    let mut name = Vec::new();
    let mut rest = index + 1;
    while rest > 0 {
        rest -= 1;
        name.push(b'A' + (rest % 26) as u8);
        rest /= 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The cell reference range from `A1` to the last column and row (both from 0).
pub(super) fn range(last_column: usize, last_row: u32) -> String {
    format!("A1:{}{}", column_name(last_column), u64::from(last_row) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        escape_into(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_escaped_as_excel_escapes_it() {
        assert_eq!(escaped("a & <b> \"c\""), "a &amp; &lt;b&gt; \"c\"");
        assert_eq!(
            escaped("tab\tline\nbell\u{7}cr\r"),
            "tab\tline\nbell_x0007_cr_x000D_"
        );
        assert_eq!(
            escaped("_x0041_ and _x12_ and _"),
            "_x005F_x0041_ and _x12_ and _"
        );
        assert_eq!(escaped("\u{FFFE}é\u{FFFF}"), "_xFFFE_é_xFFFF_");
        assert_eq!(escaped("日本語 😀"), "日本語 😀");
    }

    #[test]
    fn columns_are_lettered_as_excel_letters_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
        assert_eq!(range(20, 1_000_000), "A1:U1000001");
    }

    #[test]
    fn a_row_carries_references_styles_and_preserved_whitespace() {
        let mut xml = Vec::new();
        let mut rows = RowXml::default();
        let mut cut = CutCells::default();
        let date = crate::Date::day(0).unwrap();
        rows.push_row(&mut xml, 0, &[Cell::Text("Name")], &mut cut);
        rows.push_row(
            &mut xml,
            1,
            &[
                Cell::Text(" x"),
                Cell::Number(2.5),
                Cell::Bool(true),
                Cell::Date(date),
            ],
            &mut cut,
        );
        assert_eq!(
            String::from_utf8(xml).unwrap(),
            "<row r=\"1\"><c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t>Name</t></is></c></row>\
             <row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> x</t></is></c>\
             <c r=\"B2\"><v>2.5</v></c><c r=\"C2\" t=\"b\"><v>1</v></c>\
             <c r=\"D2\" s=\"3\"><v>25569</v></c></row>"
        );
    }
}
