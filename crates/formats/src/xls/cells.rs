//! The worksheet's cell table, spooled to a temporary file while rows arrive because the
//! shared string table must precede the sheet in the stream. Rows are grouped in blocks
//! of 32 as [MS-XLS] 2.1.7.20.6 lays them out: the block's Row records, its cell records,
//! then a DBCell record pointing back at them.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

use super::records::{
    BOOLERR, CELL_XF, DATE_TIME_XF, DATE_XF, DBCELL, HEADER_LEN, HEADER_XF, LABEL_SST, NUMBER, ROW,
    ROW_HEIGHT,
};
use super::sst::SharedStrings;
use crate::cell::number_text;
use crate::{Cell, CutCells, Format, FormatError, Result};

const ROWS_PER_BLOCK: usize = 32;
const ROW_RECORD_LEN: u64 = HEADER_LEN + 16;

/// The used area, for the Dimensions record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dimensions {
    /// Rows written (last row + 1); rows start at 0.
    pub(crate) rows: u32,
    /// Last used column + 1, or 0 when no cell has a value.
    pub(crate) cols: u16,
}

struct RowInfo {
    first_col: u16,
    last_col_plus_one: u16,
    cells_len: u16,
}

/// Spooled cell table plus the bookkeeping the Index and Dimensions records need.
pub(crate) struct CellTable {
    spool: BufWriter<File>,
    spool_len: u64,
    /// Rows of the current, not yet spooled block and their cell records.
    block_rows: Vec<RowInfo>,
    block_cells: Vec<u8>,
    /// Offsets of the DBCell records within the spool, one per block.
    dbcells: Vec<u64>,
    dims: Dimensions,
    ints: itoa::Buffer,
    floats: ryu::Buffer,
}

impl CellTable {
    pub(crate) fn new(spool: File) -> Self {
        CellTable {
            spool: BufWriter::with_capacity(1 << 16, spool),
            spool_len: 0,
            block_rows: Vec::with_capacity(ROWS_PER_BLOCK),
            block_cells: Vec::new(),
            dbcells: Vec::new(),
            dims: Dimensions::default(),
            ints: itoa::Buffer::new(),
            floats: ryu::Buffer::new(),
        }
    }

    /// Adds one row, interning its text (cut at the cell limit, counted in `cut`). Checks
    /// the limits before changing anything, so a rejected row leaves the table as it was.
    /// The first row is the header, in bold.
    pub(crate) fn write_row(
        &mut self,
        row: &[Cell<'_>],
        sst: &mut SharedStrings,
        cut: &mut CutCells,
    ) -> Result<()> {
        let limit = Format::Xls.max_rows_per_sheet().unwrap_or(u64::MAX);
        if u64::from(self.dims.rows) >= limit {
            return Err(FormatError::TooManyRows {
                format: Format::Xls,
                limit,
            });
        }
        Format::Xls.check_columns(row.len())?;
        if self.block_rows.len() == ROWS_PER_BLOCK {
            self.spool_block()?;
        }
        // Both fit a u16: checked against 65,536 rows and 256 columns above.
        let row_index = self.dims.rows as u16;
        let cells_start = self.block_cells.len();
        let mut first_col = None;
        let mut last_col_plus_one = 0;
        let xf = if row_index == 0 { HEADER_XF } else { CELL_XF };
        for (index, cell) in row.iter().enumerate() {
            let col = index as u16;
            let at = (row_index, col);
            let written = match *cell {
                Cell::Empty | Cell::Text("") => false,
                Cell::Text(text) => {
                    let isst = sst.intern(index, cut.fit(index, text));
                    self.push_cell(LABEL_SST, at, xf, &isst.to_le_bytes());
                    true
                }
                Cell::Number(number) if number.is_finite() => {
                    self.push_cell(NUMBER, at, xf, &number.to_le_bytes());
                    true
                }
                Cell::Number(number) => {
                    let text = number_text(number, &mut self.ints, &mut self.floats);
                    let isst = sst.intern(index, text);
                    self.push_cell(LABEL_SST, at, xf, &isst.to_le_bytes());
                    true
                }
                Cell::Bool(value) => {
                    // bBoolErr = value, fError = 0 (a boolean, not an error code)
                    self.push_cell(BOOLERR, at, xf, &[u8::from(value), 0]);
                    true
                }
                Cell::Date(date) => {
                    // A date keeps its date format even in the header row.
                    let date_xf = if date.has_time() {
                        DATE_TIME_XF
                    } else {
                        DATE_XF
                    };
                    self.push_cell(NUMBER, at, date_xf, &date.serial().to_le_bytes());
                    true
                }
            };
            if written {
                first_col.get_or_insert(col);
                last_col_plus_one = col + 1;
            }
        }
        self.block_rows.push(RowInfo {
            first_col: first_col.unwrap_or(0),
            last_col_plus_one,
            // At most 256 cells of at most 18 bytes.
            cells_len: (self.block_cells.len() - cells_start) as u16,
        });
        self.dims.rows += 1;
        self.dims.cols = self.dims.cols.max(last_col_plus_one);
        Ok(())
    }

    /// Appends a cell record: row, column and XF, then the type-specific value.
    fn push_cell(&mut self, record_type: u16, (row, col): (u16, u16), xf: u16, value: &[u8]) {
        let cells = &mut self.block_cells;
        cells.extend_from_slice(&record_type.to_le_bytes());
        cells.extend_from_slice(&(6 + value.len() as u16).to_le_bytes());
        cells.extend_from_slice(&row.to_le_bytes());
        cells.extend_from_slice(&col.to_le_bytes());
        cells.extend_from_slice(&xf.to_le_bytes());
        cells.extend_from_slice(value);
    }

    /// Writes the current block: Row records, cell records, DBCell.
    fn spool_block(&mut self) -> io::Result<()> {
        if self.block_rows.is_empty() {
            return Ok(());
        }
        let first_row_index = self.dims.rows - self.block_rows.len() as u32;
        let first_row_offset = self.spool_len;
        for (i, info) in self.block_rows.iter().enumerate() {
            let mut record = [0u8; ROW_RECORD_LEN as usize];
            record[0..2].copy_from_slice(&ROW.to_le_bytes());
            record[2..4].copy_from_slice(&16u16.to_le_bytes());
            record[4..6].copy_from_slice(&((first_row_index + i as u32) as u16).to_le_bytes());
            record[6..8].copy_from_slice(&info.first_col.to_le_bytes());
            record[8..10].copy_from_slice(&info.last_col_plus_one.to_le_bytes());
            record[10..12].copy_from_slice(&ROW_HEIGHT.to_le_bytes());
            // bytes 12..16 reserved / unused; then flags: bit 8 is reserved and MUST be 1,
            // ixfe (bits 16–27) names the cell XF.
            let flags: u32 = 0x0100 | (u32::from(CELL_XF) << 16);
            record[16..20].copy_from_slice(&flags.to_le_bytes());
            self.spool.write_all(&record)?;
        }
        self.spool.write_all(&self.block_cells)?;
        self.spool_len += ROW_RECORD_LEN * self.block_rows.len() as u64;
        self.spool_len += self.block_cells.len() as u64;

        // DBCell (2.4.78): the distance back to the block's first Row record, then for
        // each row where its first cell starts: row 0 relative to the second Row record,
        // each later row relative to the previous row's first cell.
        let dbcell_offset = self.spool_len;
        let mut data = Vec::with_capacity(4 + 2 * ROWS_PER_BLOCK);
        data.extend_from_slice(&((dbcell_offset - first_row_offset) as u32).to_le_bytes());
        let mut step = (ROW_RECORD_LEN * (self.block_rows.len() as u64 - 1)) as u16;
        for info in &self.block_rows {
            data.extend_from_slice(&step.to_le_bytes());
            step = info.cells_len;
        }
        self.spool.write_all(&DBCELL.to_le_bytes())?;
        self.spool.write_all(&(data.len() as u16).to_le_bytes())?;
        self.spool.write_all(&data)?;
        self.spool_len += HEADER_LEN + data.len() as u64;
        self.dbcells.push(dbcell_offset);

        self.block_rows.clear();
        self.block_cells.clear();
        Ok(())
    }

    /// The used area so far.
    pub(crate) fn dims(&self) -> Dimensions {
        self.dims
    }

    /// Spools the last block and hands back the spool, rewound, with its layout.
    pub(crate) fn finish(mut self) -> io::Result<SpooledCells> {
        self.spool_block()?;
        let mut file = self.spool.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        Ok(SpooledCells {
            file,
            len: self.spool_len,
            dbcells: self.dbcells,
            dims: self.dims,
        })
    }
}

/// The finished cell table, ready to be copied into the Workbook stream.
pub(crate) struct SpooledCells {
    pub(crate) file: File,
    pub(crate) len: u64,
    /// DBCell offsets relative to the start of the cell table.
    pub(crate) dbcells: Vec<u64>,
    pub(crate) dims: Dimensions,
}
