//! Records streamed in bulk for an export: a batch keeps every row's id and typed values in
//! flat vectors and all of its text in one buffer, so streaming a million records costs a
//! few allocations per batch instead of one per value, and the writer renders cells that
//! borrow from the batch. It holds what a [`Record`](super::record::Record) holds for its projected properties,
//! with the same typing rules.

use super::record::Value;

/// One value of a batch; text is a byte range of the batch's text buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Missing,
    Text { start: usize, end: usize },
    Integer(i64),
    Real(f64),
    Bool(bool),
    Timestamp(i64),
}

/// A borrowed [`Value`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    Text(&'a str),
    Integer(i64),
    Real(f64),
    Bool(bool),
    Timestamp(i64),
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(value: &'a Value) -> Self {
        match value {
            Value::Text(t) => ValueRef::Text(t),
            Value::Integer(n) => ValueRef::Integer(*n),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Timestamp(ms) => ValueRef::Timestamp(*ms),
        }
    }
}

/// Rows of `width` values each, in stream order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordBatch {
    width: usize,
    ids: Vec<i64>,
    slots: Vec<Slot>,
    text: String,
    /// Text pushed as bytes after `text`, checked as UTF-8 by [`RecordBatch::sealed`]:
    /// one check of a whole batch's bytes costs a small part of one per value.
    unchecked: Vec<u8>,
    /// The first slot whose text lies in `unchecked`.
    first_unchecked: usize,
}

impl RecordBatch {
    /// An empty batch for rows of `width` values, with room for `rows` rows.
    pub fn with_capacity(width: usize, rows: usize) -> Self {
        Self {
            width,
            ids: Vec::with_capacity(rows),
            slots: Vec::with_capacity(rows * width),
            text: String::new(),
            unchecked: Vec::with_capacity(rows * width * 16),
            first_unchecked: 0,
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn ids(&self) -> &[i64] {
        &self.ids
    }

    /// Begins a row; exactly `width` pushes must follow before the next one.
    pub fn start_row(&mut self, id: i64) {
        self.ids.push(id);
    }

    pub fn push_missing(&mut self) {
        self.slots.push(Slot::Missing);
    }

    pub fn push_text(&mut self, text: &str) {
        self.check_text();
        let start = self.text.len();
        self.text.push_str(text);
        self.slots.push(Slot::Text {
            start,
            end: self.text.len(),
        });
    }

    /// Pushes bytes as text. They are checked when the batch is [sealed](Self::sealed),
    /// where invalid UTF-8 is replaced as [`String::from_utf8_lossy`] does.
    pub fn push_text_bytes(&mut self, bytes: &[u8]) {
        if self.unchecked.is_empty() {
            self.first_unchecked = self.slots.len();
        }
        let start = self.text.len() + self.unchecked.len();
        self.unchecked.extend_from_slice(bytes);
        self.slots.push(Slot::Text {
            start,
            end: start + bytes.len(),
        });
    }

    /// The batch with every value's text checked: what a reader pushing bytes hands on.
    pub fn sealed(mut self) -> Self {
        self.check_text();
        self
    }

    /// Moves the unchecked bytes into `text`. Valid bytes whose values each begin on a
    /// character (so each value is valid on its own) move as they are; otherwise each
    /// value is decoded lossily on its own, and its slot moved to where its text now is.
    fn check_text(&mut self) {
        if self.unchecked.is_empty() {
            return;
        }
        let base = self.text.len();
        let bytes = match String::from_utf8(std::mem::take(&mut self.unchecked)) {
            Ok(valid) => {
                let on_characters =
                    self.slots[self.first_unchecked..]
                        .iter()
                        .all(|slot| match slot {
                            Slot::Text { start, .. } => valid.is_char_boundary(start - base),
                            _ => true,
                        });
                if on_characters {
                    if base == 0 {
                        self.text = valid;
                    } else {
                        self.text.push_str(&valid);
                    }
                    return;
                }
                valid.into_bytes()
            }
            Err(invalid) => invalid.into_bytes(),
        };
        for slot in &mut self.slots[self.first_unchecked..] {
            if let Slot::Text { start, end } = slot {
                let text = String::from_utf8_lossy(&bytes[*start - base..*end - base]);
                *start = self.text.len();
                self.text.push_str(&text);
                *end = self.text.len();
            }
        }
    }

    pub fn push_integer(&mut self, n: i64) {
        self.slots.push(Slot::Integer(n));
    }

    pub fn push_real(&mut self, x: f64) {
        self.slots.push(Slot::Real(x));
    }

    pub fn push_bool(&mut self, b: bool) {
        self.slots.push(Slot::Bool(b));
    }

    pub fn push_timestamp(&mut self, ms: i64) {
        self.slots.push(Slot::Timestamp(ms));
    }

    /// Row `row`'s values, in projection order; `None` where the record has no value.
    /// Text pushed as bytes is there once the batch is [sealed](Self::sealed).
    pub fn row(&self, row: usize) -> impl Iterator<Item = Option<ValueRef<'_>>> + '_ {
        self.slots[row * self.width..(row + 1) * self.width]
            .iter()
            .map(|slot| match *slot {
                Slot::Missing => None,
                Slot::Text { start, end } => Some(ValueRef::Text(&self.text[start..end])),
                Slot::Integer(n) => Some(ValueRef::Integer(n)),
                Slot::Real(x) => Some(ValueRef::Real(x)),
                Slot::Bool(b) => Some(ValueRef::Bool(b)),
                Slot::Timestamp(ms) => Some(ValueRef::Timestamp(ms)),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::Record;

    /// The rows of `records`, each cut or padded to `width` values.
    fn from_records(records: &[Record], width: usize) -> RecordBatch {
        let mut batch = RecordBatch::with_capacity(width, records.len());
        for record in records {
            batch.start_row(record.id);
            for i in 0..width {
                match record.properties.get(i).and_then(|(_, v)| v.as_ref()) {
                    None => batch.push_missing(),
                    Some(Value::Text(t)) => batch.push_text(t),
                    Some(Value::Integer(n)) => batch.push_integer(*n),
                    Some(Value::Real(x)) => batch.push_real(*x),
                    Some(Value::Bool(b)) => batch.push_bool(*b),
                    Some(Value::Timestamp(ms)) => batch.push_timestamp(*ms),
                }
            }
        }
        batch
    }

    #[test]
    fn a_batch_gives_back_each_rows_values_in_order() {
        let record = |id, props: Vec<Option<Value>>| Record {
            id,
            created_at: 0,
            updated_at: 0,
            archived: false,
            archived_at: None,
            properties: props.into_iter().map(|v| ("p".to_string(), v)).collect(),
        };
        let batch = from_records(
            &[
                record(
                    7,
                    vec![
                        Some(Value::Text("Zoë".into())),
                        None,
                        Some(Value::Real(2.5)),
                    ],
                ),
                record(
                    8,
                    vec![Some(Value::Timestamp(5)), Some(Value::Bool(true)), None],
                ),
            ],
            3,
        );
        assert_eq!(batch.ids(), &[7, 8]);
        assert_eq!(
            batch.row(0).collect::<Vec<_>>(),
            vec![Some(ValueRef::Text("Zoë")), None, Some(ValueRef::Real(2.5))]
        );
        assert_eq!(
            batch.row(1).collect::<Vec<_>>(),
            vec![
                Some(ValueRef::Timestamp(5)),
                Some(ValueRef::Bool(true)),
                None
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_as_lossy_decoding_does() {
        let mut batch = RecordBatch::with_capacity(2, 2);
        batch.start_row(1);
        batch.push_text_bytes(b"a\xffb");
        batch.push_text_bytes("Zoë".as_bytes());
        batch.start_row(2);
        batch.push_integer(3);
        batch.push_text_bytes(b"\xc3");
        let batch = batch.sealed();
        assert_eq!(
            batch.row(0).collect::<Vec<_>>(),
            vec![
                Some(ValueRef::Text("a\u{fffd}b")),
                Some(ValueRef::Text("Zoë"))
            ]
        );
        assert_eq!(
            batch.row(1).collect::<Vec<_>>(),
            vec![Some(ValueRef::Integer(3)), Some(ValueRef::Text("\u{fffd}"))]
        );
    }

    #[test]
    fn values_split_inside_a_character_are_each_decoded_on_their_own() {
        // Together the bytes are valid "ë", but neither value is valid alone.
        let mut batch = RecordBatch::with_capacity(2, 1);
        batch.start_row(1);
        batch.push_text_bytes(b"x\xc3");
        batch.push_text_bytes(b"\xaby");
        let batch = batch.sealed();
        assert_eq!(
            batch.row(0).collect::<Vec<_>>(),
            vec![
                Some(ValueRef::Text("x\u{fffd}")),
                Some(ValueRef::Text("\u{fffd}y"))
            ]
        );
    }

    #[test]
    fn text_pushed_as_bytes_and_as_text_keeps_its_order() {
        let mut batch = RecordBatch::with_capacity(3, 1);
        batch.start_row(1);
        batch.push_text_bytes("línea".as_bytes());
        batch.push_text("O'Brien");
        batch.push_text_bytes(b"");
        let batch = batch.sealed();
        assert_eq!(
            batch.row(0).collect::<Vec<_>>(),
            vec![
                Some(ValueRef::Text("línea")),
                Some(ValueRef::Text("O'Brien")),
                Some(ValueRef::Text(""))
            ]
        );
    }
}
