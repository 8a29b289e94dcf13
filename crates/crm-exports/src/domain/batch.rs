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
}

impl RecordBatch {
    /// An empty batch for rows of `width` values, with room for `rows` rows.
    pub fn with_capacity(width: usize, rows: usize) -> Self {
        Self {
            width,
            ids: Vec::with_capacity(rows),
            slots: Vec::with_capacity(rows * width),
            text: String::with_capacity(rows * width * 16),
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
        let start = self.text.len();
        self.text.push_str(text);
        self.slots.push(Slot::Text {
            start,
            end: self.text.len(),
        });
    }

    /// Pushes bytes as text, replacing invalid UTF-8 as [`String::from_utf8_lossy`] does.
    pub fn push_text_bytes(&mut self, bytes: &[u8]) {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.push_text(text),
            Err(_) => self.push_text(&String::from_utf8_lossy(bytes)),
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
        let mut batch = RecordBatch::with_capacity(1, 1);
        batch.start_row(1);
        batch.push_text_bytes(b"a\xffb");
        assert_eq!(
            batch.row(0).collect::<Vec<_>>(),
            vec![Some(ValueRef::Text("a\u{fffd}b"))]
        );
    }
}
