//! A zip writer for sinks that only need `Write`, laid out as Java's `ZipOutputStream`
//! (and so Apache POI) writes zips, which every spreadsheet program and unzip tool reads:
//! deflated entries are streamed through [`DeflateStream`] with their CRC and sizes in a
//! data descriptor after the data; stored entries, whose bytes are known beforehand, carry
//! them in the local header. Zip64 fields appear only where a size or an offset passes
//! 4 GiB (descriptor, central directory, end records), so ordinary files stay plain zip.
//! Every entry has the zip epoch (1980-01-01 00:00) as its time, so the same rows give the
//! same bytes.

use std::io::{self, Read, Write};

use crate::deflate::{DeflateStream, Deflated};

const LOCAL_HEADER: u32 = 0x0403_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_END: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EXTRA: u16 = 0x0001;
/// Bit 3: CRC and sizes follow the data; bit 11: the name is UTF-8.
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// MS-DOS date of 1980-01-01 (time 00:00 is 0).
const DOS_DATE: u16 = (1 << 5) | 1;
const U32_LIMIT: u64 = 0xFFFF_FFFF;

struct CentralEntry {
    name: String,
    flags: u16,
    method: u16,
    crc: u32,
    compressed_len: u64,
    raw_len: u64,
    offset: u64,
}

/// A zip being written; at most one deflated entry is open at a time.
pub(crate) struct ZipArchive<W: Write> {
    out: W,
    position: u64,
    entries: Vec<CentralEntry>,
    open: Option<(CentralEntry, DeflateStream)>,
}

/// Writes through to the sink, counting bytes.
struct Counting<'a, W> {
    out: &'a mut W,
    position: &'a mut u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let written = self.out.write(data)?;
        *self.position += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> ZipArchive<W> {
    pub(crate) fn new(out: W) -> Self {
        ZipArchive {
            out,
            position: 0,
            entries: Vec::new(),
            open: None,
        }
    }

    fn counting(&mut self) -> Counting<'_, W> {
        Counting {
            out: &mut self.out,
            position: &mut self.position,
        }
    }

    /// Starts a deflated entry; write its bytes with [`ZipArchive::write_all`] or
    /// [`ZipArchive::buffer`], then call [`ZipArchive::end_entry`].
    pub(crate) fn start_deflated(&mut self, name: &str) -> io::Result<()> {
        self.end_entry()?;
        let entry = CentralEntry {
            name: name.to_owned(),
            flags: FLAG_DESCRIPTOR | utf8_flag(name),
            method: DEFLATED,
            crc: 0,
            compressed_len: 0,
            raw_len: 0,
            offset: self.position,
        };
        let header = local_header(&entry, false);
        self.counting().write_all(&header)?;
        self.open = Some((entry, DeflateStream::new()));
        Ok(())
    }

    /// The open entry's uncompressed bytes not yet compressed: append to it, then call
    /// [`ZipArchive::flush_full`]. Panics without an open entry.
    pub(crate) fn buffer(&mut self) -> &mut Vec<u8> {
        let (_, stream) = self.open.as_mut().expect("a deflated entry is open");
        stream.buffer()
    }

    /// Compresses the open entry's buffer once it holds a whole chunk.
    pub(crate) fn flush_full(&mut self) -> io::Result<()> {
        let Some((_, stream)) = self.open.as_mut() else {
            return Ok(());
        };
        stream.flush_full(&mut Counting {
            out: &mut self.out,
            position: &mut self.position,
        })
    }

    /// Ends the open entry, if any, with its data descriptor.
    pub(crate) fn end_entry(&mut self) -> io::Result<()> {
        let Some((mut entry, stream)) = self.open.take() else {
            return Ok(());
        };
        let Deflated {
            crc,
            raw_len,
            compressed_len,
        } = stream.finish(&mut self.counting())?;
        entry.crc = crc;
        entry.raw_len = raw_len;
        entry.compressed_len = compressed_len;
        let mut descriptor = Vec::with_capacity(24);
        put_u32(&mut descriptor, DATA_DESCRIPTOR);
        put_u32(&mut descriptor, crc);
        if raw_len >= U32_LIMIT || compressed_len >= U32_LIMIT {
            put_u64(&mut descriptor, compressed_len);
            put_u64(&mut descriptor, raw_len);
        } else {
            put_u32(&mut descriptor, compressed_len as u32);
            put_u32(&mut descriptor, raw_len as u32);
        }
        self.counting().write_all(&descriptor)?;
        self.entries.push(entry);
        Ok(())
    }

    /// Adds an entry stored as is, from `len` bytes of `source` whose CRC is `crc`.
    pub(crate) fn add_stored(
        &mut self,
        name: &str,
        source: &mut impl Read,
        len: u64,
        crc: u32,
    ) -> io::Result<()> {
        let known = Deflated {
            crc,
            raw_len: len,
            compressed_len: len,
        };
        self.add_known(name, STORED, source, known)
    }

    /// Adds a deflated entry from data compressed beforehand, as `known` describes it.
    pub(crate) fn add_deflated(
        &mut self,
        name: &str,
        compressed: &mut impl Read,
        known: Deflated,
    ) -> io::Result<()> {
        self.add_known(name, DEFLATED, compressed, known)
    }

    /// Adds an entry whose CRC and sizes are known, so they go in its local header.
    fn add_known(
        &mut self,
        name: &str,
        method: u16,
        source: &mut impl Read,
        known: Deflated,
    ) -> io::Result<()> {
        self.end_entry()?;
        let entry = CentralEntry {
            name: name.to_owned(),
            flags: utf8_flag(name),
            method,
            crc: known.crc,
            compressed_len: known.compressed_len,
            raw_len: known.raw_len,
            offset: self.position,
        };
        let zip64 = known.raw_len >= U32_LIMIT || known.compressed_len >= U32_LIMIT;
        let header = local_header(&entry, zip64);
        self.counting().write_all(&header)?;
        let len = known.compressed_len;
        let copied = io::copy(&mut source.take(len), &mut self.counting())?;
        if copied != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a zip entry's data ended early",
            ));
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Ends the open entry, writes the central directory and returns the sink, flushed.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.end_entry()?;
        let directory_at = self.position;
        let mut directory = Vec::new();
        for entry in &self.entries {
            central_header(&mut directory, entry);
        }
        let directory_len = directory.len() as u64;
        let count = self.entries.len() as u64;
        let needs_zip64 =
            count >= 0xFFFF || directory_at >= U32_LIMIT || directory_len >= U32_LIMIT;
        if needs_zip64 {
            let zip64_end_at = directory_at + directory_len;
            put_u32(&mut directory, ZIP64_END);
            put_u64(&mut directory, 44); // size of the rest of this record
            put_u16(&mut directory, 45); // version made by
            put_u16(&mut directory, 45); // version needed
            put_u32(&mut directory, 0); // this disk
            put_u32(&mut directory, 0); // disk of the central directory
            put_u64(&mut directory, count);
            put_u64(&mut directory, count);
            put_u64(&mut directory, directory_len);
            put_u64(&mut directory, directory_at);
            put_u32(&mut directory, ZIP64_LOCATOR);
            put_u32(&mut directory, 0);
            put_u64(&mut directory, zip64_end_at);
            put_u32(&mut directory, 1); // disks
        }
        put_u32(&mut directory, END_OF_CENTRAL_DIRECTORY);
        put_u16(&mut directory, 0);
        put_u16(&mut directory, 0);
        let short_count = count.min(0xFFFF) as u16;
        put_u16(&mut directory, short_count);
        put_u16(&mut directory, short_count);
        put_u32(&mut directory, directory_len.min(U32_LIMIT) as u32);
        put_u32(&mut directory, directory_at.min(U32_LIMIT) as u32);
        put_u16(&mut directory, 0); // comment length
        self.counting().write_all(&directory)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes go into the open deflated entry.
impl<W: Write> Write for ZipArchive<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let Some((_, stream)) = self.open.as_mut() else {
            return Err(io::Error::other("no zip entry is open"));
        };
        stream.write(
            data,
            &mut Counting {
                out: &mut self.out,
                position: &mut self.position,
            },
        )?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn utf8_flag(name: &str) -> u16 {
    if name.is_ascii() { 0 } else { FLAG_UTF8 }
}

fn local_header(entry: &CentralEntry, zip64: bool) -> Vec<u8> {
    let mut header = Vec::with_capacity(30 + entry.name.len() + 20);
    put_u32(&mut header, LOCAL_HEADER);
    put_u16(&mut header, if zip64 { 45 } else { 20 });
    put_u16(&mut header, entry.flags);
    put_u16(&mut header, entry.method);
    put_u16(&mut header, 0); // time
    put_u16(&mut header, DOS_DATE);
    // A streamed entry's CRC and sizes are in its data descriptor.
    let (crc, compressed, raw) = if entry.flags & FLAG_DESCRIPTOR != 0 {
        (0, 0, 0)
    } else {
        (entry.crc, entry.compressed_len, entry.raw_len)
    };
    put_u32(&mut header, crc);
    put_u32(
        &mut header,
        if zip64 { u32::MAX } else { compressed as u32 },
    );
    put_u32(&mut header, if zip64 { u32::MAX } else { raw as u32 });
    put_u16(&mut header, entry.name.len() as u16);
    put_u16(&mut header, if zip64 { 20 } else { 0 });
    header.extend_from_slice(entry.name.as_bytes());
    if zip64 {
        put_u16(&mut header, ZIP64_EXTRA);
        put_u16(&mut header, 16);
        put_u64(&mut header, raw);
        put_u64(&mut header, compressed);
    }
    header
}

fn central_header(out: &mut Vec<u8>, entry: &CentralEntry) {
    // The zip64 extra holds, in this order, the fields that do not fit their slot.
    let mut extra = Vec::new();
    for value in [entry.raw_len, entry.compressed_len, entry.offset] {
        if value >= U32_LIMIT {
            put_u64(&mut extra, value);
        }
    }
    let slot = |value: u64| value.min(U32_LIMIT) as u32;
    let version = if extra.is_empty() { 20 } else { 45 };
    put_u32(out, CENTRAL_HEADER);
    put_u16(out, version); // made by: MS-DOS attributes
    put_u16(out, version);
    put_u16(out, entry.flags);
    put_u16(out, entry.method);
    put_u16(out, 0);
    put_u16(out, DOS_DATE);
    put_u32(out, entry.crc);
    put_u32(out, slot(entry.compressed_len));
    put_u32(out, slot(entry.raw_len));
    put_u16(out, entry.name.len() as u16);
    put_u16(
        out,
        if extra.is_empty() {
            0
        } else {
            4 + extra.len() as u16
        },
    );
    put_u16(out, 0); // comment length
    put_u16(out, 0); // disk
    put_u16(out, 0); // internal attributes
    put_u32(out, 0); // external attributes
    put_u32(out, slot(entry.offset));
    out.extend_from_slice(entry.name.as_bytes());
    if !extra.is_empty() {
        put_u16(out, ZIP64_EXTRA);
        put_u16(out, extra.len() as u16);
        out.extend_from_slice(&extra);
    }
}

fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut entry = zip.by_index(i).unwrap();
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                (entry.name().unwrap().into_owned(), data)
            })
            .collect()
    }

    #[test]
    fn deflated_and_stored_entries_read_back_with_the_zip_crate() {
        // Several chunks, so the pool's pieces must join into one valid stream.
        let big: Vec<u8> = (0..3 * crate::deflate::CHUNK + 12_345)
            .map(|i| (i % 251) as u8 ^ (i / 7919) as u8)
            .collect();
        let mut archive = ZipArchive::new(Vec::new());
        archive.start_deflated("a.csv").unwrap();
        archive.write_all(&big).unwrap();
        archive.start_deflated("empty.txt").unwrap();
        let stored = b"stored bytes";
        archive
            .add_stored(
                "é/stored.xlsx",
                &mut &stored[..],
                stored.len() as u64,
                crc32fast::hash(stored),
            )
            .unwrap();
        archive.start_deflated("buffered.xml").unwrap();
        archive.buffer().extend_from_slice(b"<row/>");
        archive.flush_full().unwrap();
        let bytes = archive.finish().unwrap();
        let entries = unzip(&bytes);
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["a.csv", "empty.txt", "é/stored.xlsx", "buffered.xml"]
        );
        assert!(entries[0].1 == big, "the deflated entry reads back whole");
        assert!(entries[1].1.is_empty());
        assert_eq!(entries[2].1, stored);
        assert_eq!(entries[3].1, b"<row/>");
    }

    #[test]
    fn an_empty_archive_is_a_valid_zip() {
        let bytes = ZipArchive::new(Vec::new()).finish().unwrap();
        assert!(unzip(&bytes).is_empty());
        assert_eq!(bytes.len(), 22);
    }
}
