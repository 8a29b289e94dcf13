//! The shared string table: deduplicates cell text while the sheet is spooled, then
//! writes the SST record with its Continue records and the ExtSST index. This is the only
//! part of the XLS writer whose memory grows with the data (see the module doc of `xls`):
//! every distinct text is kept once, end to end in one buffer, with 8 bytes for where it
//! ends and a 4-byte slot in a hash table (foldhash, seeded per process) — no allocation
//! per string.
//!
//! Splitting rules ([MS-XLS] 2.1.4, 2.4.265, KB Q198253): no record carries more than
//! 8,224 data bytes; a string's 3-byte header (`cch`, flags) never splits; when a string's
//! characters continue in the next Continue record, that record starts with a fresh 1-byte
//! flags field; a character is never split, and neither is a UTF-16 surrogate pair.

use std::hash::BuildHasher;
use std::io::{self, Write};

use hashbrown::{DefaultHashBuilder, HashTable};

use super::records::{CONTINUE, Counted, Data, EXTSST, HEADER_LEN, MAX_RECORD_DATA, SST};

/// XLUnicodeRichExtendedString flags: bit 0 set means UTF-16LE characters, clear means
/// "compressed" (one byte per character, Latin-1).
const FLAG_UTF16: u8 = 0x01;

/// Distinct strings of one sheet, numbered in order of first use.
#[derive(Default)]
pub(crate) struct SharedStrings {
    /// Every distinct text, one after the other, in order of first use.
    text: String,
    /// Where each distinct text ends in `text`; it starts where the one before ends.
    ends: Vec<usize>,
    /// Indexes into `ends`, by the hash of their text.
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// Number of LabelSst cells referring into the table (`cstTotal`).
    references: u32,
}

impl SharedStrings {
    /// Returns the index of `text`, adding it on first use.
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        self.references += 1;
        let hash = self.hasher.hash_one(text);
        let (all, ends) = (&self.text, &self.ends);
        if let Some(&index) = self.table.find(hash, |&i| string(all, ends, i) == text) {
            return index;
        }
        let index = self.ends.len() as u32;
        self.text.push_str(text);
        self.ends.push(self.text.len());
        let (all, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.table
            .insert_unique(hash, index, |&i| hasher.hash_one(string(all, ends, i)));
        index
    }

    /// Writes SST (with Continue records) and ExtSST, consuming the table.
    pub(crate) fn write<W: Write>(self, out: &mut Counted<W>) -> io::Result<()> {
        let unique = self.ends.len() as u32;
        // ExtSST indexes every `bucket_size`-th string; at most 128 buckets, at least 8
        // strings per bucket ([MS-XLS] 2.4.107). The cap only matters past 8.3M strings.
        let bucket_size = unique.div_ceil(128).clamp(8, u32::from(u16::MAX));
        let mut buckets: Vec<(u32, u16)> = Vec::new();

        let mut sst = ContinuedRecord::new(out, SST);
        sst.data.extend_from_slice(&self.references.to_le_bytes());
        sst.data.extend_from_slice(&unique.to_le_bytes());
        let mut units: Vec<u16> = Vec::new();
        for index in 0..unique {
            let text = string(&self.text, &self.ends, index);
            let start = sst.write_string(text, &mut units)?;
            if index.is_multiple_of(bucket_size) {
                buckets.push(start);
            }
        }
        sst.finish()?;

        let mut ext = Data::default().u16(bucket_size as u16);
        for (stream_position, offset_in_record) in buckets {
            ext = ext.u32(stream_position).u16(offset_in_record).u16(0);
        }
        out.record(EXTSST, &ext.0)
    }
}

/// Distinct text number `index`.
fn string<'t>(all: &'t str, ends: &[usize], index: u32) -> &'t str {
    let index = index as usize;
    let start = if index == 0 { 0 } else { ends[index - 1] };
    &all[start..ends[index]]
}

/// One logical record (SST) split over as many Continue records as its data needs.
struct ContinuedRecord<'w, W: Write> {
    out: &'w mut Counted<W>,
    record_type: u16,
    data: Vec<u8>,
}

impl<'w, W: Write> ContinuedRecord<'w, W> {
    fn new(out: &'w mut Counted<W>, record_type: u16) -> Self {
        ContinuedRecord {
            out,
            record_type,
            data: Vec::with_capacity(MAX_RECORD_DATA),
        }
    }

    fn room(&self) -> usize {
        MAX_RECORD_DATA - self.data.len()
    }

    /// Writes the current record and starts a Continue record.
    fn flush_record(&mut self) -> io::Result<()> {
        self.out.record(self.record_type, &self.data)?;
        self.record_type = CONTINUE;
        self.data.clear();
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.flush_record()
    }

    /// Appends one XLUnicodeRichExtendedString and returns where it starts, as ExtSST
    /// wants it: the absolute stream position and the offset within its record, header
    /// included.
    fn write_string(&mut self, text: &str, units: &mut Vec<u16>) -> io::Result<(u32, u16)> {
        let compressed = text.chars().all(|c| u32::from(c) <= 0xFF);
        units.clear();
        units.extend(text.encode_utf16());
        let unit_len = if compressed { 1 } else { 2 };
        let first_char_len = match units.first() {
            None => 0,
            Some(&unit) if is_high_surrogate(unit) => 4,
            Some(_) => unit_len,
        };
        // Keep the header and the first character together: a Continue record may not
        // begin in the middle of a string header.
        if self.room() < 3 + first_char_len {
            self.flush_record()?;
        }
        let offset_in_record = HEADER_LEN as usize + self.data.len();
        let start = (
            (self.out.position() + offset_in_record as u64) as u32,
            offset_in_record as u16,
        );
        let flags = if compressed { 0 } else { FLAG_UTF16 };
        self.data
            .extend_from_slice(&(units.len() as u16).to_le_bytes());
        self.data.push(flags);

        let mut done = 0;
        loop {
            let mut take = (units.len() - done).min(self.room() / unit_len);
            let end = done + take;
            if end < units.len() && take > 0 && is_high_surrogate(units[end - 1]) {
                take -= 1; // keep the surrogate pair together in the next record
            }
            for &unit in &units[done..done + take] {
                if compressed {
                    self.data.push(unit as u8);
                } else {
                    self.data.extend_from_slice(&unit.to_le_bytes());
                }
            }
            done += take;
            if done == units.len() {
                return Ok(start);
            }
            self.flush_record()?;
            self.data.push(flags);
        }
    }
}

fn is_high_surrogate(unit: u16) -> bool {
    (0xD800..0xDC00).contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits a byte stream of records into (type, data) pairs.
    fn records(bytes: &[u8]) -> Vec<(u16, &[u8])> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let record_type = u16::from_le_bytes([rest[0], rest[1]]);
            let len = u16::from_le_bytes([rest[2], rest[3]]) as usize;
            out.push((record_type, &rest[4..4 + len]));
            rest = &rest[4 + len..];
        }
        out
    }

    fn sst_bytes(strings: &[&str]) -> Vec<u8> {
        let mut table = SharedStrings::default();
        for text in strings {
            table.intern(text);
        }
        let mut out = Counted::new(Vec::new());
        table.write(&mut out).unwrap();
        out.into_inner()
    }

    #[test]
    fn repeated_text_is_stored_once_but_counted_per_reference() {
        let bytes = sst_bytes(&["a", "b", "a"]);
        let recs = records(&bytes);
        assert_eq!(recs[0].0, SST);
        assert_eq!(&recs[0].1[..8], &[3, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(&recs[0].1[8..], &[1, 0, 0, b'a', 1, 0, 0, b'b']);
    }

    #[test]
    fn latin1_text_is_compressed_and_other_text_is_utf16() {
        let bytes = sst_bytes(&["é", "€"]);
        let recs = records(&bytes);
        assert_eq!(&recs[0].1[8..], &[1, 0, 0, 0xE9, 1, 0, 1, 0xAC, 0x20]);
    }

    #[test]
    fn no_record_exceeds_8224_bytes_and_continuations_repeat_the_flags() {
        let long = "x".repeat(20_000);
        let bytes = sst_bytes(&[&long]);
        let recs = records(&bytes);
        let types: Vec<u16> = recs.iter().map(|r| r.0).collect();
        assert_eq!(types, [SST, CONTINUE, CONTINUE, EXTSST]);
        assert!(recs.iter().all(|r| r.1.len() <= MAX_RECORD_DATA));
        // 8 count bytes + 3 header bytes leave 8,213 characters in the SST record.
        assert_eq!(recs[0].1.len(), MAX_RECORD_DATA);
        assert_eq!(recs[1].1[0], 0, "continuation flags: compressed");
        assert_eq!(recs[1].1.len(), MAX_RECORD_DATA);
        assert_eq!(recs[2].1.len(), 1 + 20_000 - 8_213 - 8_223);
    }

    #[test]
    fn a_surrogate_pair_at_the_split_point_moves_whole_to_the_continuation() {
        // 8 + 3 + 2 × 4,105 = 8,221 bytes, leaving 3: room for one unit, not a pair.
        let text = format!("{}😀z", "€".repeat(4_105));
        let bytes = sst_bytes(&[&text]);
        let recs = records(&bytes);
        assert_eq!(recs[0].1.len(), 8_221);
        assert_eq!(recs[1].0, CONTINUE);
        assert_eq!(&recs[1].1[..5], &[FLAG_UTF16, 0x3D, 0xD8, 0x00, 0xDE]);
    }

    #[test]
    fn a_string_header_never_straddles_a_record_boundary() {
        // The first string leaves 2 bytes of room: too little for the next header.
        let first = "a".repeat(MAX_RECORD_DATA - 8 - 3 - 2);
        let bytes = sst_bytes(&[&first, "bc"]);
        let recs = records(&bytes);
        assert_eq!(recs[0].1.len(), MAX_RECORD_DATA - 2);
        assert_eq!(recs[1], (CONTINUE, &[2u8, 0, 0, b'b', b'c'][..]));
    }
}
