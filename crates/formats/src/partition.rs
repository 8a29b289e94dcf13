//! Splits one export into parts at the format's row limit, written once against the sheet
//! writers: every part starts with the header row (and the first part's column widths),
//! and when there is more than one part, or the one part passes a size limit, they are
//! zipped into the sink (`<stem>-part-0001.<ext>`, …, or `<stem>.<ext>` for a single part
//! zipped for its size). A single part under the limit is written to the sink bare.
//!
//! Whether the sink gets a zip is only known once a second part starts or the size limit
//! is passed, so the first part waits: in a spool (in memory, then an unnamed temporary
//! file), or, when the sink is a file that can give back what it holds
//! ([`Partitioner::in_place`]), in the sink itself, so that a part that stays alone is
//! never copied. Once past the size limit the first part is compressed into a spool as it
//! is written, because its entry's name still depends on whether a second part follows.
//! Every later part is compressed straight into the zip while it is written. Deflated
//! entries (CSV, XLS) go through the deflate pool; XLSX parts, already compressed, are
//! stored.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::rc::Rc;

use crate::archive::ZipArchive;
use crate::deflate::{DeflateStream, Deflated};
use crate::sheet::AnyWriter;
use crate::{Cell, CutCells, Format, FormatError, Result, SheetOptions, SheetWriter};

/// How to split and name the parts.
#[derive(Debug, Clone)]
pub struct PartitionOptions {
    /// Data rows per part, header excluded; `None` means the format's limit (65,535 for
    /// XLS, 1,048,575 for XLSX, unlimited for CSV). Tests use small values.
    pub max_data_rows_per_part: Option<u64>,
    /// Zip entry names are `<entry_stem>-part-0001.<ext>` and so on.
    pub entry_stem: String,
    /// A single part larger than this many bytes is zipped too, as `<entry_stem>.<ext>`
    /// (HubSpot zips a CSV over 2 MB); `None` zips only several parts.
    pub zip_single_part_over: Option<u64>,
    /// Options for each part's writer.
    pub sheet: SheetOptions,
}

impl Default for PartitionOptions {
    fn default() -> Self {
        PartitionOptions {
            max_data_rows_per_part: None,
            entry_stem: "export".to_owned(),
            zip_single_part_over: None,
            sheet: SheetOptions::default(),
        }
    }
}

/// What [`Partitioner::finish`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSummary {
    /// Number of parts (at least 1: an export with no rows is one part with a header).
    pub parts: u32,
    /// Data rows written, headers excluded.
    pub data_rows: u64,
    /// Whether the sink holds a zip of the parts rather than the single part itself.
    pub zipped: bool,
    /// Cells of every part whose text was cut at the format's cell limit.
    pub cut_cells: CutCells,
}

/// Writes rows into parts of at most `max_data_rows_per_part` data rows each.
pub struct Partitioner<W: Write> {
    format: Format,
    options: PartitionOptions,
    header: Vec<String>,
    max_data_rows: Option<u64>,
    /// The part being written; `None` only while one part ends and the next begins.
    part: Option<AnyWriter<PartSink<W>>>,
    part_rows: u64,
    parts: u32,
    data_rows: u64,
    output: Rc<RefCell<Output<W>>>,
    cut_cells: CutCells,
}

/// Where the current part's bytes go.
enum Output<W: Write> {
    /// The first part, while it may still become the bare file.
    Waiting { sink: W, first: FirstPart<W> },
    /// The first part past the size limit, compressed into a spool until its name is
    /// known.
    CompressingFirst {
        sink: W,
        stream: DeflateStream,
        compressed: BufWriter<File>,
    },
    /// A later part: into the zip's open deflated entry, or into a spool when the part
    /// will be stored.
    Zipping {
        archive: ZipArchive<W>,
        spool: Option<Spool>,
    },
    /// Between states, or after a failed transition.
    Gone,
}

/// Where the first part waits while it may still become the bare file.
enum FirstPart<W> {
    Spooled(Spool),
    /// Written to the sink: `len` bytes from its start, which `take_back` copies out
    /// (emptying the sink) when the part has to move into a zip after all.
    InSink {
        len: u64,
        take_back: TakeBack<W>,
    },
}

/// Copies what a sink holds into a writer and empties the sink; see [`InPlace`].
type TakeBack<W> = fn(&mut W, &mut dyn Write) -> io::Result<()>;

/// A sink the first part can wait in: a file opened for reading as well as writing, which
/// can hand back what was written to it.
pub trait InPlace: Write {
    /// Copies everything written so far into `into`, then empties the sink, so that
    /// writing starts again from its beginning.
    fn take_back(&mut self, into: &mut dyn Write) -> io::Result<()>;
}

impl InPlace for BufWriter<File> {
    fn take_back(&mut self, into: &mut dyn Write) -> io::Result<()> {
        self.flush()?;
        let file = self.get_mut();
        let written = file.stream_position()?;
        file.seek(SeekFrom::Start(0))?;
        let copied = io::copy(&mut (&*file).take(written), into)?;
        if copied != written {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the export file is shorter than what was written to it",
            ));
        }
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(())
    }
}

impl<W: Write> FirstPart<W> {
    fn len(&self) -> u64 {
        match self {
            FirstPart::Spooled(spool) => spool.len,
            FirstPart::InSink { len, .. } => *len,
        }
    }

    /// The part as a spool, taking it back from the sink if it was written there.
    fn into_spool(self, sink: &mut W, tempdir: Option<&Path>) -> io::Result<Spool> {
        match self {
            FirstPart::Spooled(spool) => Ok(spool),
            FirstPart::InSink { take_back, .. } => {
                let mut spool = Spool::new(tempdir);
                take_back(sink, &mut spool)?;
                Ok(spool)
            }
        }
    }
}

/// The current part's writers write here.
struct PartSink<W: Write> {
    output: Rc<RefCell<Output<W>>>,
    zip_over: Option<u64>,
    tempdir: Option<std::path::PathBuf>,
}

impl<W: InPlace> Partitioner<W> {
    /// As [`Partitioner::new`], with the first part written straight into the sink while
    /// it may stay alone: a single part is not copied at all, and a first part that has to
    /// move into a zip is taken back from the sink first.
    pub fn in_place(
        format: Format,
        header: &[&str],
        sink: W,
        options: PartitionOptions,
    ) -> Result<Self> {
        let first = FirstPart::InSink {
            len: 0,
            take_back: <W as InPlace>::take_back,
        };
        Self::starting(format, header, sink, first, options)
    }
}

impl<W: Write> Partitioner<W> {
    /// Starts the first part and writes its header.
    pub fn new(
        format: Format,
        header: &[&str],
        sink: W,
        options: PartitionOptions,
    ) -> Result<Self> {
        let first = FirstPart::Spooled(Spool::new(options.sheet.tempdir.as_deref()));
        Self::starting(format, header, sink, first, options)
    }

    fn starting(
        format: Format,
        header: &[&str],
        sink: W,
        first: FirstPart<W>,
        options: PartitionOptions,
    ) -> Result<Self> {
        format.check_columns(header.len())?;
        let max_data_rows = match (
            options.max_data_rows_per_part,
            format.max_data_rows_per_sheet(),
        ) {
            (Some(0), _) => {
                return Err(FormatError::InvalidPartitionOptions(
                    "a part must hold at least one data row",
                ));
            }
            (Some(asked), Some(limit)) if asked > limit => {
                return Err(FormatError::InvalidPartitionOptions(
                    "parts cannot hold more rows than the format's sheet limit",
                ));
            }
            (Some(asked), _) => Some(asked),
            (None, limit) => limit,
        };
        let output = Rc::new(RefCell::new(Output::Waiting { sink, first }));
        let mut partitioner = Partitioner {
            format,
            options,
            header: header.iter().map(|&name| name.to_owned()).collect(),
            max_data_rows,
            part: None,
            part_rows: 0,
            parts: 1,
            data_rows: 0,
            output,
            cut_cells: CutCells::default(),
        };
        partitioner.open_part(partitioner.options.sheet.clone())?;
        Ok(partitioner)
    }

    /// Appends one data row, starting a new part first when the current one is full.
    pub fn write_row(&mut self, row: &[Cell<'_>]) -> Result<()> {
        // Reject an over-wide row before it can trigger a part change.
        self.format.check_columns(row.len())?;
        if Some(self.part_rows) == self.max_data_rows {
            self.next_part()?;
        }
        let Some(part) = self.part.as_mut() else {
            return Err(gone());
        };
        part.write_row(row)?;
        self.part_rows += 1;
        self.data_rows += 1;
        Ok(())
    }

    /// Finishes the last part and the zip, if any, and flushes the sink.
    pub fn finish(mut self) -> Result<PartitionSummary> {
        self.end_part()?;
        let zipped = match self.output.replace(Output::Gone) {
            Output::Waiting { mut sink, first } => {
                if let FirstPart::Spooled(spool) = first {
                    spool.copy_to(&mut sink)?;
                }
                sink.flush()?;
                false
            }
            Output::CompressingFirst {
                sink,
                stream,
                compressed,
            } => {
                let name = format!("{}.{}", self.options.entry_stem, self.format.extension());
                let mut archive = ZipArchive::new(sink);
                add_compressed(&mut archive, &name, stream, compressed)?;
                archive.finish()?;
                true
            }
            Output::Zipping { mut archive, spool } => {
                self.add_spooled(&mut archive, spool)?;
                archive.finish()?;
                true
            }
            Output::Gone => return Err(gone()),
        };
        Ok(PartitionSummary {
            parts: self.parts,
            data_rows: self.data_rows,
            zipped,
            cut_cells: self.cut_cells,
        })
    }

    fn part_name(&self, number: u32) -> String {
        let (stem, extension) = (&self.options.entry_stem, self.format.extension());
        format!("{stem}-part-{number:04}.{extension}")
    }

    /// Opens a writer for the current part on the current output, with its header.
    fn open_part(&mut self, sheet: SheetOptions) -> Result<()> {
        let sink = PartSink {
            output: self.output.clone(),
            zip_over: self.options.zip_single_part_over,
            tempdir: sheet.tempdir.clone(),
        };
        let mut writer = AnyWriter::open(self.format, sink, &sheet)?;
        let header: Vec<Cell<'_>> = self.header.iter().map(|name| Cell::Text(name)).collect();
        writer.write_row(&header)?;
        self.part = Some(writer);
        self.part_rows = 0;
        Ok(())
    }

    /// Finishes the current part's writer, keeping what it cut.
    fn end_part(&mut self) -> Result<()> {
        let Some(writer) = self.part.take() else {
            return Err(gone());
        };
        self.cut_cells.add(&Box::new(writer).finish()?);
        Ok(())
    }

    /// Ends the full part, puts it into the zip (starting the zip after the first part),
    /// and opens the next part with the same column widths.
    fn next_part(&mut self) -> Result<()> {
        let widths = self
            .part
            .as_ref()
            .and_then(|part| part.column_widths())
            .map(<[f64]>::to_vec);
        self.end_part()?;
        let mut archive = match self.output.replace(Output::Gone) {
            Output::Waiting { mut sink, first } => {
                let spool = first.into_spool(&mut sink, self.options.sheet.tempdir.as_deref())?;
                let mut archive = ZipArchive::new(sink);
                self.add_spooled(&mut archive, Some(spool))?;
                archive
            }
            Output::CompressingFirst {
                sink,
                stream,
                compressed,
            } => {
                let mut archive = ZipArchive::new(sink);
                add_compressed(&mut archive, &self.part_name(1), stream, compressed)?;
                archive
            }
            Output::Zipping { mut archive, spool } => {
                self.add_spooled(&mut archive, spool)?;
                archive
            }
            Output::Gone => return Err(gone()),
        };
        self.parts += 1;
        let spool = if self.format == Format::Xlsx {
            Some(Spool::new(self.options.sheet.tempdir.as_deref()))
        } else {
            archive.start_deflated(&self.part_name(self.parts))?;
            None
        };
        self.output.replace(Output::Zipping { archive, spool });
        let sheet = SheetOptions {
            column_widths: widths,
            ..self.options.sheet.clone()
        };
        self.open_part(sheet)
    }

    /// Adds the part that just ended: a spooled part whole (stored for XLSX, deflated
    /// otherwise), or by ending the deflated entry it was written into.
    fn add_spooled(&self, archive: &mut ZipArchive<W>, spool: Option<Spool>) -> Result<()> {
        let name = self.part_name(self.parts);
        match spool {
            None => archive.end_entry()?,
            Some(spool) if self.format == Format::Xlsx => {
                let (len, crc) = (spool.len, spool.crc.clone().finalize());
                archive.add_stored(&name, &mut spool.into_reader()?, len, crc)?;
            }
            Some(spool) => {
                archive.start_deflated(&name)?;
                spool.copy_to(archive)?;
                archive.end_entry()?;
            }
        }
        Ok(())
    }
}

/// Finishes a first part compressed into a spool and adds it under `name`.
fn add_compressed<W: Write>(
    archive: &mut ZipArchive<W>,
    name: &str,
    stream: DeflateStream,
    mut compressed: BufWriter<File>,
) -> Result<()> {
    let deflated: Deflated = stream.finish(&mut compressed)?;
    let mut file = compressed.into_inner().map_err(|e| e.into_error())?;
    file.seek(SeekFrom::Start(0))?;
    archive.add_deflated(name, &mut file, deflated)?;
    Ok(())
}

fn gone() -> FormatError {
    FormatError::Io(io::Error::other(
        "the partitioner failed earlier and cannot go on",
    ))
}

impl<W: Write> Write for PartSink<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut output = self.output.borrow_mut();
        match &mut *output {
            Output::Waiting { sink, first } => {
                match first {
                    FirstPart::Spooled(spool) => spool.write_all(data)?,
                    FirstPart::InSink { len, .. } => {
                        sink.write_all(data)?;
                        *len += data.len() as u64;
                    }
                }
                if self.zip_over.is_some_and(|limit| first.len() > limit) {
                    let Output::Waiting { mut sink, first } =
                        std::mem::replace(&mut *output, Output::Gone)
                    else {
                        unreachable!("matched above");
                    };
                    let tempdir = self.tempdir.as_deref();
                    let spool = first.into_spool(&mut sink, tempdir)?;
                    *output = compress_first(sink, spool, tempdir)?;
                }
            }
            Output::CompressingFirst {
                stream, compressed, ..
            } => stream.write(data, compressed)?,
            Output::Zipping {
                spool: Some(spool), ..
            } => spool.write_all(data)?,
            Output::Zipping { archive, .. } => archive.write_all(data)?,
            Output::Gone => return Err(io::Error::other("the export's output is gone")),
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Starts compressing the first part, from what it has spooled so far.
fn compress_first<W: Write>(
    sink: W,
    spool: Spool,
    tempdir: Option<&Path>,
) -> io::Result<Output<W>> {
    let mut compressed = BufWriter::with_capacity(1 << 18, temp_file(tempdir)?);
    let mut stream = DeflateStream::new();
    let mut reader = spool.into_reader()?;
    let mut chunk = vec![0; 1 << 16];
    loop {
        let read = reader.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        stream.write(&chunk[..read], &mut compressed)?;
    }
    Ok(Output::CompressingFirst {
        sink,
        stream,
        compressed,
    })
}

fn temp_file(dir: Option<&Path>) -> io::Result<File> {
    match dir {
        Some(dir) => tempfile::tempfile_in(dir),
        None => tempfile::tempfile(),
    }
}

/// A part's bytes held until it is known where they go: in memory up to 8 MiB, then in
/// an unnamed temporary file. Its CRC is kept as it fills, for a stored zip entry.
struct Spool {
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
    tempdir: Option<std::path::PathBuf>,
    len: u64,
    crc: crc32fast::Hasher,
}

const SPOOL_IN_MEMORY: usize = 8 << 20;

/// A spool, rewound for reading; concrete, so that copying a file keeps `io::copy`'s
/// in-kernel path.
enum SpoolReader {
    Memory(Cursor<Vec<u8>>),
    File(File),
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            SpoolReader::Memory(memory) => memory.read(buf),
            SpoolReader::File(file) => file.read(buf),
        }
    }
}

impl Spool {
    fn new(tempdir: Option<&Path>) -> Spool {
        Spool {
            memory: Vec::new(),
            file: None,
            tempdir: tempdir.map(Path::to_path_buf),
            len: 0,
            crc: crc32fast::Hasher::new(),
        }
    }

    /// The spooled bytes from the start.
    fn into_reader(self) -> io::Result<SpoolReader> {
        match self.file {
            None => Ok(SpoolReader::Memory(Cursor::new(self.memory))),
            Some(file) => {
                let mut file = file.into_inner().map_err(|e| e.into_error())?;
                file.seek(SeekFrom::Start(0))?;
                Ok(SpoolReader::File(file))
            }
        }
    }

    /// Copies the spooled bytes to `out`. From a file into a file (the export's own, as
    /// the service writes it) the kernel copies them, without passing through memory here.
    fn copy_to(self, out: &mut impl Write) -> io::Result<u64> {
        match self.into_reader()? {
            SpoolReader::Memory(mut memory) => io::copy(&mut memory, out),
            SpoolReader::File(mut file) => io::copy(&mut file, out),
        }
    }
}

impl Write for Spool {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.crc.update(data);
        self.len += data.len() as u64;
        if self.file.is_none() && self.memory.len() + data.len() > SPOOL_IN_MEMORY {
            let mut file = BufWriter::with_capacity(1 << 18, temp_file(self.tempdir.as_deref())?);
            file.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(data)?,
            None => self.memory.extend_from_slice(data),
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
