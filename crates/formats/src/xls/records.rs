//! BIFF8 record framing and the fixed records of the workbook globals and the worksheet
//! substream, with field layouts from [MS-XLS] section 2.4. Nothing here depends on the
//! data; the shared strings and the cell table live in their own modules.

use std::io::{self, Write};

/// [MS-XLS] 2.1.4: a record's `size` MUST be at most 8,224; longer data continues in
/// Continue records.
pub(crate) const MAX_RECORD_DATA: usize = 8_224;

pub(crate) const BOF: u16 = 0x0809;
pub(crate) const EOF: u16 = 0x000A;
pub(crate) const CONTINUE: u16 = 0x003C;
pub(crate) const SST: u16 = 0x00FC;
pub(crate) const EXTSST: u16 = 0x00FF;
pub(crate) const BOUNDSHEET8: u16 = 0x0085;
pub(crate) const INDEX: u16 = 0x020B;
pub(crate) const DEFAULT_ROW_HEIGHT: u16 = 0x0225;
pub(crate) const WSBOOL: u16 = 0x0081;
pub(crate) const DEF_COL_WIDTH: u16 = 0x0055;
pub(crate) const DIMENSIONS: u16 = 0x0200;
pub(crate) const ROW: u16 = 0x0208;
pub(crate) const DBCELL: u16 = 0x00D7;
pub(crate) const LABEL_SST: u16 = 0x00FD;
pub(crate) const NUMBER: u16 = 0x0203;
pub(crate) const BOOLERR: u16 = 0x0205;
pub(crate) const WINDOW2: u16 = 0x023E;
pub(crate) const PANE: u16 = 0x0041;
pub(crate) const SELECTION: u16 = 0x001D;
pub(crate) const COLINFO: u16 = 0x007D;
pub(crate) const SUPBOOK: u16 = 0x01AE;
pub(crate) const EXTERNSHEET: u16 = 0x0017;
pub(crate) const LBL: u16 = 0x0018;
pub(crate) const AUTOFILTERINFO: u16 = 0x009D;

/// Record header: type and size, both u16.
pub(crate) const HEADER_LEN: u64 = 4;

/// The cell XFs after the 15 style XFs: plain cells, the bold header, date-times, dates.
pub(crate) const CELL_XF: u16 = 15;
pub(crate) const HEADER_XF: u16 = 16;
pub(crate) const DATE_TIME_XF: u16 = 17;
pub(crate) const DATE_XF: u16 = 18;
/// The bold font's index (BIFF never uses index 4, so the fifth Font record is 5).
const BOLD_FONT: u16 = 5;
/// The custom number formats of the date XFs.
pub(crate) const DATE_FORMATS: [(u16, &str); 2] = [(164, "yyyy-mm-dd hh:mm"), (165, "yyyy-mm-dd")];

/// Row height in twips (12.75 pt), Excel's default for a 10 pt Arial.
pub(crate) const ROW_HEIGHT: u16 = 0x00FF;

/// A writer that knows its stream position, so records can note where they start.
pub(crate) struct Counted<W> {
    inner: W,
    pos: u64,
}

impl<W: Write> Counted<W> {
    pub(crate) fn new(inner: W) -> Self {
        Counted { inner, pos: 0 }
    }

    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    pub(crate) fn into_inner(self) -> W {
        self.inner
    }

    /// Writes one record whose data fits a single record.
    pub(crate) fn record(&mut self, record_type: u16, data: &[u8]) -> io::Result<()> {
        debug_assert!(
            data.len() <= MAX_RECORD_DATA,
            "record {record_type:#06x} too long"
        );
        self.write_all(&record_type.to_le_bytes())?;
        self.write_all(&(data.len() as u16).to_le_bytes())?;
        self.write_all(data)
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.pos += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Little-endian field builder for record data.
#[derive(Default)]
pub(crate) struct Data(pub(crate) Vec<u8>);

impl Data {
    pub(crate) fn u8(mut self, value: u8) -> Self {
        self.0.push(value);
        self
    }
    pub(crate) fn u16(mut self, value: u16) -> Self {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }
    pub(crate) fn u32(mut self, value: u32) -> Self {
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }
    /// ShortXLUnicodeString (8-bit length) or XLUnicodeString (16-bit length), always
    /// stored as UTF-16LE so any name survives.
    pub(crate) fn unicode_string(mut self, text: &str, wide_length: bool) -> Self {
        let units: Vec<u16> = text.encode_utf16().collect();
        if wide_length {
            self = self.u16(units.len() as u16);
        } else {
            self = self.u8(units.len() as u8);
        }
        self = self.u8(0x01); // fHighByte: UTF-16LE characters follow
        for unit in units {
            self = self.u16(unit);
        }
        self
    }
}

/// Substream type for [`bof`].
#[derive(Clone, Copy)]
pub(crate) enum Substream {
    Globals = 0x0005,
    Worksheet = 0x0010,
}

/// BOF (2.4.21): BIFF8 (0x0600), with the build and year xlwt-family writers use.
pub(crate) fn bof(substream: Substream) -> Data {
    Data::default()
        .u16(0x0600)
        .u16(substream as u16)
        .u16(0x0DBB) // rupBuild
        .u16(0x07CC) // rupYear
        .u32(0) // file history flags
        .u32(0x06) // verLowestBiff: BIFF8
}

/// WriteAccess (2.4.349): the user name, padded with spaces to 112 bytes.
pub(crate) fn write_access(user: &str) -> Data {
    let mut data = Data::default().unicode_string(user, true);
    data.0.resize(112, b' ');
    data
}

/// Window1 (2.4.345): one visible window, sheet tabs and scroll bars shown.
pub(crate) fn window1() -> Data {
    Data::default()
        .u16(0) // xWn
        .u16(0) // yWn
        .u16(0x4000) // dxWn
        .u16(0x2000) // dyWn
        .u16(0x0038) // fDspHScroll | fDspVScroll | fBotAdornment
        .u16(0) // itabCur
        .u16(0) // itabFirst
        .u16(1) // ctabSel
        .u16(600) // wTabRatio
}

/// Font (2.4.122): 10 pt Arial, regular or bold, automatic colour.
pub(crate) fn font(bold: bool) -> Data {
    Data::default()
        .u16(200) // dyHeight, twips
        .u16(0) // flags
        .u16(0x7FFF) // icv: automatic
        .u16(if bold { 700 } else { 400 }) // bls: weight
        .u16(0) // sss
        .u8(0) // uls
        .u8(0) // bFamily
        .u8(0) // bCharSet
        .u8(0) // reserved
        .unicode_string("Arial", false)
}

/// The eight currency and accounting formats Excel always writes ([MS-XLS] 2.1.7.20.3:
/// `8*218Format`), as (ifmt, format string).
pub(crate) const BUILTIN_FORMATS: [(u16, &str); 8] = [
    (5, "\"$\"#,##0_);(\"$\"#,##0)"),
    (6, "\"$\"#,##0_);[Red](\"$\"#,##0)"),
    (7, "\"$\"#,##0.00_);(\"$\"#,##0.00)"),
    (8, "\"$\"#,##0.00_);[Red](\"$\"#,##0.00)"),
    (
        42,
        "_(\"$\"* #,##0_);_(\"$\"* (#,##0);_(\"$\"* \"-\"_);_(@_)",
    ),
    (41, "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)"),
    (
        44,
        "_(\"$\"* #,##0.00_);_(\"$\"* (#,##0.00);_(\"$\"* \"-\"??_);_(@_)",
    ),
    (43, "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)"),
];

/// Format (2.4.126).
pub(crate) fn format(ifmt: u16, code: &str) -> Data {
    Data::default().u16(ifmt).unicode_string(code, true)
}

/// XF (2.4.353): General format, font 0, bottom-aligned, no borders or fill. Style XFs
/// have no parent (0xFFF); the cell XF inherits from the Normal style XF 0.
pub(crate) fn xf(style: bool) -> Data {
    cell_xf(style, 0, 0)
}

/// The cell XFs: [`CELL_XF`], [`HEADER_XF`] (the bold font), [`DATE_TIME_XF`] and
/// [`DATE_XF`] (the date formats), each marking the attribute it sets as used.
pub(crate) fn cell_xfs() -> [Data; 4] {
    let mut header = cell_xf(false, BOLD_FONT, 0);
    header.0[9] = 0x08; // fAtrFnt: the font differs from the parent's
    let [(date_time, _), (date, _)] = DATE_FORMATS;
    let with_format = |ifmt| {
        let mut data = cell_xf(false, 0, ifmt);
        data.0[9] = 0x04; // fAtrNum: the number format differs from the parent's
        data
    };
    [
        cell_xf(false, 0, 0),
        header,
        with_format(date_time),
        with_format(date),
    ]
}

fn cell_xf(style: bool, font: u16, ifmt: u16) -> Data {
    let (type_and_parent, used_attributes) = if style {
        // fLocked | fStyle | ixfParent = 0xFFF. For style XFs a set "used" bit means
        // "ignore", so XF 0 (Normal) sets none; the other 14 set all but number format.
        (0xFFF5, 0x00)
    } else {
        (0x0001, 0x00) // fLocked, parent XF 0
    };
    Data::default()
        .u16(font) // ifnt
        .u16(ifmt) // 0: General
        .u16(type_and_parent)
        .u8(0x20) // alc = general, alcV = bottom
        .u8(0) // trot
        .u8(0) // indent, shrink, reading order
        .u8(used_attributes)
        .u32(0) // borders: none
        .u32(0) // border colours, fill pattern: none
        .u16(0x20C0) // icvFore = 64, icvBack = 65: system colours
}

/// The style-XF "used attributes" byte for XFs 1–14 ([MS-XLS] 2.4.353: set bits are
/// ignored attributes in a style XF).
pub(crate) fn secondary_style_xf() -> Data {
    let mut data = xf(true);
    data.0[9] = 0xF4;
    data
}

/// Style (2.4.269): the built-in Normal style on XF 0.
pub(crate) fn normal_style() -> Data {
    Data::default()
        .u16(0x8000) // fBuiltIn, ixfe 0
        .u8(0) // istyBuiltIn: Normal
        .u8(0xFF) // iLevel: not an outline style
}

/// BoundSheet8 (2.4.28) for a visible worksheet. Its first field, `lbPlyPos`, is the
/// sheet's stream offset, patched once the sheet is placed.
pub(crate) fn bound_sheet(name: &str) -> Data {
    Data::default()
        .u32(0) // lbPlyPos, patched later
        .u8(0) // hsState: visible
        .u8(0) // dt: worksheet
        .unicode_string(name, false)
}

/// Window2 (2.4.346) for a worksheet: gridlines, headers, zeros and outline symbols
/// shown; the sheet is selected and active; the panes above are frozen without a split
/// line (fFrozen, fFrozenNoSplit).
pub(crate) fn window2() -> Data {
    Data::default()
        .u16(0x06B6 | 0x0008 | 0x0100)
        .u16(0) // rwTop
        .u16(0) // colLeft
        .u16(64) // icvHdr: default gridline colour
        .u16(0) // reserved
        .u16(0) // wScaleSLV
        .u16(0) // wScaleNormal
        .u32(0) // unused, reserved
}

/// Pane (2.4.189): the first row frozen; the pane below it, from row 2, is active.
pub(crate) fn frozen_header_pane() -> Data {
    Data::default()
        .u16(0) // x: no columns frozen
        .u16(1) // y: one row frozen
        .u16(1) // rwTop of the lower pane
        .u16(0) // colLeft
        .u16(2) // pnnAcct: bottom-left pane, and the unused byte
}

/// Selection (2.4.248): cell A2 of the active (lower) pane.
pub(crate) fn selection() -> Data {
    Data::default()
        .u8(2) // pnn: bottom-left pane
        .u16(1) // rwAct
        .u16(0) // colAct
        .u16(0) // irefAct
        .u16(1) // cref: one range
        .u16(1) // rwFirst
        .u16(1) // rwLast
        .u8(0) // colFirst
        .u8(0) // colLast
}

/// ColInfo (2.4.53): one column's width in characters of the default font (stored in
/// 1/256 of a character, with the cell padding Excel adds), set by the user.
pub(crate) fn col_info(column: u16, width_chars: f64) -> Data {
    let coldx = ((width_chars + 0.72) * 256.0).clamp(0.0, 65_280.0) as u16;
    Data::default()
        .u16(column)
        .u16(column)
        .u16(coldx)
        .u16(CELL_XF)
        .u16(0x0002) // fUserSet
        .u16(0)
}

/// SupBook (2.4.271) for references within this workbook, as the filter's name needs.
pub(crate) fn self_supbook() -> Data {
    Data::default().u16(1).u16(0x0401)
}

/// ExternSheet (2.4.106) with the one entry the filter's name refers through: this sheet.
pub(crate) fn extern_sheet() -> Data {
    Data::default().u16(1).u16(0).u16(0).u16(0)
}

/// Lbl (2.4.150): the hidden built-in name `_FilterDatabase` (0x0D) of sheet 1, which
/// holds the autofilter's range, rows and columns from 0.
pub(crate) fn filter_database_name(last_row: u16, last_col: u16) -> Data {
    Data::default()
        .u16(0x0021) // fHidden | fBuiltin
        .u8(0) // chKey
        .u8(1) // cch: the one-character built-in code
        .u16(11) // cce: the formula's size
        .u16(0)
        .u16(1) // itab: local to the first sheet
        .u32(0) // reserved4-7
        .u8(0) // fHighByte
        .u8(0x0D) // _FilterDatabase
        .u8(0x3B) // PtgArea3d, reference class
        .u16(0) // ixti: the ExternSheet entry
        .u16(0) // rwFirst
        .u16(last_row)
        .u16(0) // colFirst, absolute
        .u16(last_col)
}

/// AutoFilterInfo (2.4.31): the number of columns with a filter button.
pub(crate) fn autofilter_info(columns: u16) -> Data {
    Data::default().u16(columns)
}
