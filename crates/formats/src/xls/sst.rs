//! The shared string table: deduplicates cell text while the sheet is spooled, then
//! writes the SST record with its Continue records and the ExtSST index. This is the only
//! part of the XLS writer whose memory grows with the data (see the module doc of `xls`):
//! every distinct text is kept once, end to end in one buffer, with 8 bytes for where it
//! ends and an 8-byte slot in a hash table (foldhash, seeded per process) — no allocation
//! per string. The slot keeps 32 bits of the text's hash beside its number, so growing the
//! table re-places slots without reading every text again.
//!
//! A column whose first [`SAMPLE`] texts were all new (emails, names, notes: the bulk of an
//! export's text) is not looked up any more: its texts are appended, each as an entry of
//! its own, and never enter the hash table. Looking them up found nothing and cost a cache
//! miss each (a profile of an XLS export put the table at 17 % of its time), and their
//! slots were most of the table's memory. An SST may hold the same text twice; readers
//! index it by position, so a repeat that comes later in such a column only costs its
//! bytes.
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

/// Texts a column interns, all of them new, before it is appended without lookups.
const SAMPLE: u32 = 2_048;

/// What one column's texts have done so far.
#[derive(Default, Clone, Copy)]
struct ColumnSeen {
    interned: u32,
    added: u32,
}

impl ColumnSeen {
    fn appends(self) -> bool {
        self.interned >= SAMPLE && self.added == self.interned
    }
}

/// Distinct strings of one sheet, numbered in order of first use.
#[derive(Default)]
pub(crate) struct SharedStrings {
    /// Every distinct text, one after the other, in order of first use.
    text: String,
    /// Where each distinct text ends in `text`; it starts where the one before ends.
    ends: Vec<usize>,
    /// Indexes into `ends`, by the hash of their text.
    table: HashTable<Slot>,
    hasher: DefaultHashBuilder,
    /// Number of LabelSst cells referring into the table (`cstTotal`).
    references: u32,
    /// By column number.
    columns: Vec<ColumnSeen>,
}

impl SharedStrings {
    /// Returns the index of `text`, a cell of `column`: the entry it shares with earlier
    /// cells, or a new one (at once, without a lookup, in a column of all-new texts).
    pub(crate) fn intern(&mut self, column: usize, text: &str) -> u32 {
        if self.columns.len() <= column {
            self.columns.resize(column + 1, ColumnSeen::default());
        }
        if self.columns[column].appends() {
            self.references += 1;
            return self.append(text);
        }
        let before = self.ends.len();
        let index = self.look_up(text);
        let seen = &mut self.columns[column];
        seen.interned += 1;
        seen.added += u32::from(self.ends.len() > before);
        index
    }

    fn append(&mut self, text: &str) -> u32 {
        let index = self.ends.len() as u32;
        self.text.push_str(text);
        self.ends.push(self.text.len());
        index
    }

    /// The index of `text` in the hash table, adding it on first use.
    fn look_up(&mut self, text: &str) -> u32 {
        self.references += 1;
        // The low half of foldhash's output; a clash only costs one comparison of texts.
        let short = self.hasher.hash_one(text) as u32;
        let (all, ends) = (&self.text, &self.ends);
        let same = |slot: &Slot| slot.hash == short && string(all, ends, slot.index) == text;
        if let Some(slot) = self.table.find(spread(short), same) {
            return slot.index;
        }
        let index = self.append(text);
        let slot = Slot { index, hash: short };
        self.table
            .insert_unique(spread(short), slot, |slot| spread(slot.hash));
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
        let mut scratch = Scratch::default();
        for index in 0..unique {
            let text = string(&self.text, &self.ends, index);
            let start = sst.write_string(text, &mut scratch)?;
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

/// A hash-table slot: a distinct text's number and 32 bits of its hash.
#[derive(Clone, Copy)]
struct Slot {
    index: u32,
    hash: u32,
}

/// The 64-bit hash the table places a slot by, from the 32 bits the slot keeps: hashbrown
/// takes the bucket from the low bits and a tag from the top 7, and an odd multiplier
/// carries the 32 bits into both.
fn spread(short: u32) -> u64 {
    u64::from(short).wrapping_mul(0x9E37_79B9_7F4A_7C15)
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
    /// included. Text that is all Latin-1 goes one byte per character (ASCII as it is),
    /// other text as UTF-16.
    fn write_string(&mut self, text: &str, scratch: &mut Scratch) -> io::Result<(u32, u16)> {
        if text.is_ascii() {
            return self.write_compressed(text.as_bytes());
        }
        if text.chars().all(|c| u32::from(c) <= 0xFF) {
            scratch.latin1.clear();
            scratch
                .latin1
                .extend(text.chars().map(|c| u32::from(c) as u8));
            return self.write_compressed(&scratch.latin1);
        }
        scratch.units.clear();
        scratch.units.extend(text.encode_utf16());
        self.write_utf16(&scratch.units)
    }

    /// Starts a string of `cch` characters: the header and the first character (of
    /// `first_char_len` bytes) kept together, since a Continue record may not begin in the
    /// middle of a string header. Returns where the string starts.
    fn begin_string(
        &mut self,
        cch: usize,
        flags: u8,
        first_char_len: usize,
    ) -> io::Result<(u32, u16)> {
        if self.room() < 3 + first_char_len {
            self.flush_record()?;
        }
        let offset_in_record = HEADER_LEN as usize + self.data.len();
        let start = (
            (self.out.position() + offset_in_record as u64) as u32,
            offset_in_record as u16,
        );
        self.data.extend_from_slice(&(cch as u16).to_le_bytes());
        self.data.push(flags);
        Ok(start)
    }

    /// One byte per character, split wherever a record fills.
    fn write_compressed(&mut self, bytes: &[u8]) -> io::Result<(u32, u16)> {
        let start = self.begin_string(bytes.len(), 0, usize::from(!bytes.is_empty()))?;
        let mut rest = bytes;
        loop {
            let take = rest.len().min(self.room());
            self.data.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if rest.is_empty() {
                return Ok(start);
            }
            self.flush_record()?;
            self.data.push(0);
        }
    }

    /// UTF-16LE units, split between characters and never inside a surrogate pair.
    fn write_utf16(&mut self, units: &[u16]) -> io::Result<(u32, u16)> {
        let first_char_len = match units.first() {
            None => 0,
            Some(&unit) if is_high_surrogate(unit) => 4,
            Some(_) => 2,
        };
        let start = self.begin_string(units.len(), FLAG_UTF16, first_char_len)?;
        let mut done = 0;
        loop {
            let mut take = (units.len() - done).min(self.room() / 2);
            let end = done + take;
            if end < units.len() && take > 0 && is_high_surrogate(units[end - 1]) {
                take -= 1; // keep the surrogate pair together in the next record
            }
            for &unit in &units[done..done + take] {
                self.data.extend_from_slice(&unit.to_le_bytes());
            }
            done += take;
            if done == units.len() {
                return Ok(start);
            }
            self.flush_record()?;
            self.data.push(FLAG_UTF16);
        }
    }
}

/// Buffers reused from one string to the next while the table is written.
#[derive(Default)]
struct Scratch {
    latin1: Vec<u8>,
    units: Vec<u16>,
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
            table.intern(0, text);
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
    fn texts_keep_their_numbers_while_the_table_grows() {
        let mut table = SharedStrings::default();
        let texts: Vec<String> = (0..50_000).map(|i| format!("text {i}")).collect();
        // Each text twice in a row, so that the column never counts as all new.
        let first: Vec<u32> = texts
            .iter()
            .map(|t| {
                let index = table.intern(0, t);
                assert_eq!(table.intern(0, t), index);
                index
            })
            .collect();
        let again: Vec<u32> = texts.iter().map(|t| table.intern(0, t)).collect();
        assert_eq!(first, (0..50_000).collect::<Vec<u32>>());
        assert_eq!(again, first);
        assert_eq!(table.ends.len(), 50_000);
    }

    #[test]
    fn a_column_of_all_new_texts_is_appended_while_repeating_columns_still_share() {
        let mut table = SharedStrings::default();
        let mut cells = Vec::new();
        for i in 0..5_000u32 {
            let unique = format!("user{i}@example.com");
            let stage = ["lead", "customer"][i as usize % 2];
            cells.push((table.intern(0, &unique), unique));
            cells.push((table.intern(1, stage), stage.to_owned()));
        }
        // A text seen in column 0 before, now in a column that appends: an entry of its own.
        let repeat = table.intern(0, "user7@example.com");
        assert_eq!(
            string(&table.text, &table.ends, repeat),
            "user7@example.com"
        );
        assert_ne!(repeat, cells[14].0);
        // The stages share two entries; every email has its own.
        assert_eq!(table.ends.len(), 5_000 + 2 + 1);
        assert_eq!(table.references, 10_001);
        assert!(
            table.table.len() <= SAMPLE as usize + 2,
            "{}",
            table.table.len()
        );
        for (index, text) in &cells {
            assert_eq!(string(&table.text, &table.ends, *index), text);
        }
    }

    #[test]
    fn latin1_text_continues_one_byte_per_character_in_the_next_record() {
        // 8 + 3 bytes before the characters leave room for 8,213 of them in the SST record.
        let text = "é".repeat(8_220);
        let bytes = sst_bytes(&[&text]);
        let recs = records(&bytes);
        assert_eq!(recs[0].1.len(), MAX_RECORD_DATA);
        assert!(recs[0].1[11..].iter().all(|&b| b == 0xE9));
        assert_eq!(recs[1].0, CONTINUE);
        assert_eq!(recs[1].1, [0, 0xE9, 0xE9, 0xE9, 0xE9, 0xE9, 0xE9, 0xE9]);
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
