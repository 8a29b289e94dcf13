//! Legacy Excel 97–2003 `.xls` (BIFF8) writer: one worksheet in a compound file whose
//! `Workbook` stream holds the workbook globals (fonts, XFs, the shared string table) and
//! then the worksheet substream, laid out as [MS-XLS] prescribes.
//!
//! **Layout and memory.** The shared string table (SST) sits in the globals, before the
//! sheet, so the sheet cannot be streamed straight out. While rows arrive, cell records
//! are spooled to an unnamed temporary file, 32 rows at a time, and only the deduplicated
//! SST stays in memory; [`SheetWriter::finish`] then writes the globals and SST, copies the
//! spool behind them, patches the sheet offset into BoundSheet8, and copies the compound
//! file to the sink. Memory is therefore bounded by: one 32-row block (at most
//! 32 × 256 cells × 18 bytes = 144 KiB) and two 64 KiB buffers, plus the SST, which holds
//! each distinct text of the sheet once: its UTF-8 bytes plus at most about 100 bytes of
//! bookkeeping (hash-table slot, index vector entry, allocation). A sheet has at most
//! 65,536 × 256 = 16,777,216 cells and a text at most 32,767 UTF-16 units, so the SST is
//! at most "distinct texts × 100 B + their bytes"; for a full part of 65,535 rows × 20
//! columns of distinct 30-byte texts that is 1,310,720 × 130 B ≈ 170 MB (measured: 137 MB
//! peak RSS for the whole process), while the same shape with three repeated values peaks
//! at 5 MB; CRM data (owners, stages, enumeration labels) repeats a lot. On disk, the
//! spool holds at most 65,536 rows × (20 + 256 × 18) bytes ≈ 303 MB and the compound file
//! about as much again; both are unnamed temporary files, gone once the writer finishes or
//! is dropped.
//!
//! **Limits.** 65,536 rows (header included) and 256 columns per sheet; a row past either
//! is rejected with [`FormatError::TooManyRows`] or [`FormatError::TooManyColumns`] and
//! nothing of it is written. Text longer than 32,767 UTF-16 code units, Excel's cell
//! limit, is truncated to the longest prefix of at most 32,767 units that does not split
//! a surrogate pair, which is what Excel does with an over-long pasted value. Text is
//! counted and stored in UTF-16, so every Unicode character survives, including CJK and
//! characters outside the BMP; text that is all Latin-1 is stored one byte per character.
//!
//! **Records.** Globals: BOF, InterfaceHdr, Mms, InterfaceEnd, WriteAccess, CodePage
//! (1200: Unicode), DSF, RRTabId, Window1, Date1904, CalcPrecision, BookBool, 4 Font,
//! 8 Format, 16 XF (15 style XFs and the one cell XF every cell uses), Style, UsesELFs,
//! BoundSheet8, Country, SST (+ Continue), ExtSST, EOF. Worksheet: BOF, Index,
//! DefaultRowHeight, WsBool, DefColWidth, Dimensions, blocks of Row records + LabelSst /
//! Number / BoolErr cells + DBCell, Window2, EOF. The stream is padded to 4,096 bytes so
//! it never lands in the compound file's mini stream, which some readers mishandle.

mod cells;
mod records;
mod sst;

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use self::cells::{CellTable, Dimensions, SpooledCells};
use self::records::{Counted, HEADER_LEN};
use self::sst::SharedStrings;
use crate::sheet::validate_sheet_name;
use crate::widths::ColumnWidths;
use crate::{Cell, CutCells, FormatError, Result, SheetOptions, SheetWriter};

/// Streams shorter than this go to the compound file's mini stream; pad past it.
const MIN_WORKBOOK_STREAM: u64 = 4_096;

/// Writes one worksheet as an `.xls` (BIFF8) workbook. See the module documentation for
/// the layout, limits and memory bound.
pub struct XlsWriter<W: Write> {
    sink: W,
    sheet_name: String,
    application: String,
    tempdir: Option<PathBuf>,
    cells: CellTable,
    sst: SharedStrings,
    widths: ColumnWidths,
    fixed_widths: Option<Vec<f64>>,
    /// The header's width: the autofilter's columns.
    columns: u16,
    cut: CutCells,
}

impl<W: Write> XlsWriter<W> {
    pub fn new(sink: W, options: &SheetOptions) -> Result<Self> {
        validate_sheet_name(&options.sheet_name)?;
        let spool = temp_file(options.tempdir.as_ref())?;
        Ok(XlsWriter {
            sink,
            sheet_name: options.sheet_name.clone(),
            application: options.application.clone(),
            tempdir: options.tempdir.clone(),
            cells: CellTable::new(spool),
            sst: SharedStrings::default(),
            widths: ColumnWidths::default(),
            fixed_widths: options.column_widths.clone(),
            columns: 0,
            cut: CutCells::default(),
        })
    }
}

/// What the globals and the sheet substream say about the sheet, beside its cells.
struct Layout<'a> {
    sheet_name: &'a str,
    application: &'a str,
    widths: &'a [f64],
    /// The autofilter's last row and column, when the sheet has a header.
    filter: Option<(u16, u16)>,
}

impl<W: Write> SheetWriter for XlsWriter<W> {
    fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        let first = self.cells.dims() == Dimensions::default();
        self.cells.write_row(row, &mut self.sst, &mut self.cut)?;
        if first {
            self.columns = row.len() as u16;
        }
        if self.fixed_widths.is_none() {
            self.widths.measure(row);
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<CutCells> {
        let XlsWriter {
            mut sink,
            sheet_name,
            application,
            tempdir,
            cells,
            sst,
            widths,
            fixed_widths,
            columns,
            cut,
        } = *self;
        let spooled = cells.finish()?;
        let layout = Layout {
            sheet_name: &sheet_name,
            application: &application,
            widths: fixed_widths.as_deref().unwrap_or(widths.widths()),
            filter: (columns > 0 && spooled.dims.rows > 0)
                .then(|| ((spooled.dims.rows - 1) as u16, columns - 1)),
        };

        let container = temp_file(tempdir.as_ref())?;
        let mut compound = cfb::CompoundFile::create_with_version(cfb::Version::V3, container)?;
        let mut stream = compound.create_stream("/Workbook")?;
        let (bound_sheet_at, sheet_at) = {
            let mut out = Counted::new(&mut stream);
            let bound_sheet_at = write_globals(&mut out, &layout, sst)?;
            let sheet_at = out.position();
            write_worksheet(&mut out, &layout, spooled)?;
            let written = out.position();
            if written < MIN_WORKBOOK_STREAM {
                let padding = MIN_WORKBOOK_STREAM - written;
                io::copy(&mut io::repeat(0).take(padding), &mut out)?;
            }
            (bound_sheet_at, sheet_at)
        };
        let sheet_at = u32::try_from(sheet_at).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the XLS shared string table passes 4 GiB",
            )
        })?;
        stream.seek(SeekFrom::Start(bound_sheet_at + HEADER_LEN))?;
        stream.write_all(&sheet_at.to_le_bytes())?;
        stream.flush()?;
        drop(stream);
        // Fixed times keep the output byte-for-byte reproducible.
        compound.set_created_time("/", std::time::UNIX_EPOCH)?;
        compound.set_modified_time("/", std::time::UNIX_EPOCH)?;
        compound.flush()?;

        let mut container = compound.into_inner();
        container.seek(SeekFrom::Start(0))?;
        io::copy(&mut container, &mut sink)?;
        sink.flush()?;
        Ok(cut)
    }

    fn column_widths(&self) -> Option<&[f64]> {
        match &self.fixed_widths {
            Some(fixed) => Some(fixed),
            None if self.columns > 0 => Some(self.widths.widths()),
            None => None,
        }
    }
}

fn temp_file(dir: Option<&PathBuf>) -> io::Result<std::fs::File> {
    match dir {
        Some(dir) => tempfile::tempfile_in(dir),
        None => tempfile::tempfile(),
    }
}

/// Writes the workbook globals substream and returns the stream position of the
/// BoundSheet8 record, whose sheet offset is patched once the sheet is placed.
fn write_globals<W: Write>(
    out: &mut Counted<W>,
    layout: &Layout<'_>,
    sst: SharedStrings,
) -> Result<u64, FormatError> {
    use self::records::*;
    out.record(BOF, &bof(Substream::Globals).0)?;
    out.record(0x00E1, &1200u16.to_le_bytes())?; // InterfaceHdr: UTF-16 code page
    out.record(0x00C1, &[0, 0])?; // Mms: reserved
    out.record(0x00E2, &[])?; // InterfaceEnd
    out.record(0x005C, &write_access(layout.application).0)?; // WriteAccess
    out.record(0x0042, &1200u16.to_le_bytes())?; // CodePage: 1200 = Unicode
    out.record(0x0161, &[0, 0])?; // DSF: not a dual-stream file
    out.record(0x013D, &1u16.to_le_bytes())?; // RRTabId: the one sheet
    out.record(0x003D, &window1().0)?; // Window1
    out.record(0x0022, &[0, 0])?; // Date1904: 1900 date system
    out.record(0x000E, &1u16.to_le_bytes())?; // CalcPrecision: as displayed = no
    out.record(0x00DA, &[0, 0])?; // BookBool
    // Excel writes four fonts before it ever needs index 4 (which BIFF skips); the fifth
    // record is the header's bold font, index 5.
    for _ in 0..4 {
        out.record(0x0031, &font(false).0)?;
    }
    out.record(0x0031, &font(true).0)?;
    for (ifmt, code) in BUILTIN_FORMATS.into_iter().chain(DATE_FORMATS) {
        out.record(0x041E, &format(ifmt, code).0)?;
    }
    out.record(0x00E0, &xf(true).0)?; // XF 0: the Normal style
    for _ in 1..15 {
        out.record(0x00E0, &secondary_style_xf().0)?;
    }
    for cell_xf in cell_xfs() {
        out.record(0x00E0, &cell_xf.0)?; // XFs 15 to 18
    }
    out.record(0x0293, &normal_style().0)?; // Style
    out.record(0x0160, &[0, 0])?; // UsesELFs
    let bound_sheet_at = out.position();
    out.record(BOUNDSHEET8, &bound_sheet(layout.sheet_name).0)?;
    out.record(0x008C, &Data::default().u16(1).u16(1).0)?; // Country: United States
    if let Some((last_row, last_col)) = layout.filter {
        out.record(SUPBOOK, &self_supbook().0)?;
        out.record(EXTERNSHEET, &extern_sheet().0)?;
        out.record(LBL, &filter_database_name(last_row, last_col).0)?;
    }
    sst.write(out)?;
    out.record(EOF, &[])?;
    Ok(bound_sheet_at)
}

/// Writes the worksheet substream around the spooled cell table.
fn write_worksheet<W: Write>(
    out: &mut Counted<W>,
    layout: &Layout<'_>,
    mut cells: SpooledCells,
) -> Result<()> {
    use self::records::*;
    let sheet_at = out.position();
    let bof = bof(Substream::Worksheet).0;
    let index_len = 16 + 4 * cells.dbcells.len() as u64;
    let default_row_height = Data::default().u16(0).u16(ROW_HEIGHT).0;
    let wsbool = 0x04C1u16.to_le_bytes();
    let rows = cells.dims.rows;
    let def_col_width_at = sheet_at
        + HEADER_LEN * 4
        + bof.len() as u64
        + index_len
        + default_row_height.len() as u64
        + wsbool.len() as u64;
    let columns = column_records(layout, cells.dims)?;
    let cells_at = def_col_width_at + columns.len() as u64;

    // Index (2.4.144): the used rows, where DefColWidth is, and each block's DBCell.
    let mut index = Data::default()
        .u32(0)
        .u32(0)
        .u32(rows)
        .u32(def_col_width_at as u32);
    for dbcell in &cells.dbcells {
        index = index.u32((cells_at + dbcell) as u32);
    }
    debug_assert_eq!(index.0.len() as u64, index_len);

    out.record(BOF, &bof)?;
    out.record(INDEX, &index.0)?;
    out.record(DEFAULT_ROW_HEIGHT, &default_row_height)?;
    out.record(WSBOOL, &wsbool)?;
    debug_assert_eq!(out.position(), def_col_width_at);
    out.write_all(&columns)?;
    debug_assert_eq!(out.position(), cells_at);
    let copied = io::copy(&mut cells.file, out)?;
    debug_assert_eq!(copied, cells.len);
    out.record(WINDOW2, &window2().0)?;
    out.record(PANE, &frozen_header_pane().0)?;
    out.record(SELECTION, &selection().0)?;
    out.record(EOF, &[])?;
    Ok(())
}

/// The records between WsBool and the cells: DefColWidth, one ColInfo per measured
/// column, AutoFilterInfo when there is a header, and Dimensions.
fn column_records(layout: &Layout<'_>, dims: Dimensions) -> io::Result<Vec<u8>> {
    use self::records::*;
    let mut out = Counted::new(Vec::new());
    out.record(DEF_COL_WIDTH, &8u16.to_le_bytes())?;
    // BIFF8 has 256 columns; the writer rejected wider rows.
    for (column, &width) in layout.widths.iter().enumerate().take(256) {
        out.record(COLINFO, &col_info(column as u16, width).0)?;
    }
    if let Some((_, last_col)) = layout.filter {
        out.record(AUTOFILTERINFO, &autofilter_info(last_col + 1).0)?;
    }
    let dimensions = Data::default()
        .u32(0)
        .u32(dims.rows)
        .u16(0)
        .u16(dims.cols)
        .u16(0);
    out.record(DIMENSIONS, &dimensions.0)?;
    Ok(out.into_inner())
}
