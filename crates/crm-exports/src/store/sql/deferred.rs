//! New record rows held back and written many at a time: on SQLite to one `INSERT … VALUES
//! (…), (…)`, on PostgreSQL by one `COPY … FROM STDIN` (every statement there is a round
//! trip, and a many-row INSERT is parsed and planned with its thousands of parameters on
//! each flush). Rows wait only while nothing else in the write call could read them back;
//! the caller flushes before any such read and at the end of the call, in the same
//! transaction.

use std::fmt::Write as _;

use super::builder::{Param, Sql};
use super::dialect::{Dialect, table_name};
use super::exec::Exec;
use crate::domain::schema::ObjectSchema;
use crate::store::{PortalId, StoreResult};

/// Most rows one statement carries: past a few hundred the round trips saved are few, and
/// the statement text grows.
const ROWS_PER_INSERT: usize = 256;

/// Most rows one COPY carries: enough that its round trip is rare, few enough that the
/// rows waiting stay a few megabytes.
const ROWS_PER_COPY: usize = 4096;

/// Most bound parameters one statement carries, under SQLite's limit (32,766) and
/// PostgreSQL's (65,535), for objects with many properties set.
const PARAMS_PER_INSERT: usize = 30_000;

/// A new row: its id, and the value of each property it sets, by column index.
struct Row<'v> {
    id: i64,
    values: Vec<(usize, Param<'v>)>,
}

/// The rows waiting to be inserted. Their columns are every property any of them sets;
/// a row binds NULL where it sets none, as it would by leaving the column out (record
/// columns have no defaults). Records of one object mostly set the same few properties,
/// so a statement's columns are few more than one row's.
pub struct PendingRows<'v> {
    columns: Vec<String>,
    rows: Vec<Row<'v>>,
    /// When every row was created (and last updated): the write call's time.
    now: i64,
}

impl<'v> PendingRows<'v> {
    /// No rows yet, for rows created at `now`.
    pub fn new(now: i64) -> Self {
        Self {
            columns: Vec::new(),
            rows: Vec::new(),
            now,
        }
    }

    /// Adds a row, written at once when the statement is full. `values` are the properties
    /// it sets with their stored values.
    pub async fn push(
        &mut self,
        e: &mut dyn Exec,
        target: (PortalId, &ObjectSchema),
        id: i64,
        values: Vec<(&str, Param<'v>)>,
    ) -> StoreResult<()> {
        let new_columns = values
            .iter()
            .filter(|(name, _)| !self.columns.iter().any(|c| c == name))
            .count();
        let per_row = 3 + self.columns.len() + new_columns;
        let copies = e.dialect().copies_rows();
        if !copies && (self.rows.len() + 1) * per_row > PARAMS_PER_INSERT {
            self.flush(e, target).await?;
        }
        let values = values
            .into_iter()
            .map(|(name, value)| (self.column_index(name), value))
            .collect();
        self.rows.push(Row { id, values });
        let most = if copies {
            ROWS_PER_COPY
        } else {
            ROWS_PER_INSERT
        };
        if self.rows.len() >= most {
            self.flush(e, target).await?;
        }
        Ok(())
    }

    /// Writes every waiting row.
    pub async fn flush(
        &mut self,
        e: &mut dyn Exec,
        (portal, schema): (PortalId, &ObjectSchema),
    ) -> StoreResult<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let d = e.dialect();
        let width = 3 + self.columns.len();
        let target = row_columns(d, portal, schema, &self.columns);
        let params = self.drain_params();
        self.columns.clear();
        if d.copies_rows() {
            e.copy_in(&target, copy_data(&params, width)).await?;
        } else {
            let text = insert_text(d, &target, params.len() / width, width);
            e.execute(&Sql::reusing(d, &text, params)).await?;
        }
        Ok(())
    }

    /// Every waiting row's values, emptying the buffer: its id, created and updated time,
    /// then each column's value, NULL where the row sets none.
    fn drain_params(&mut self) -> Vec<Param<'v>> {
        let width = self.columns.len();
        let mut params = Vec::with_capacity(self.rows.len() * (3 + width));
        for row in self.rows.drain(..) {
            params.extend([
                Param::Int(row.id),
                Param::Int(self.now),
                Param::Int(self.now),
            ]);
            let start = params.len();
            params.resize_with(start + width, || Param::Null);
            for (column, value) in row.values {
                params[start + column] = value;
            }
        }
        params
    }

    fn column_index(&mut self, name: &str) -> usize {
        match self.columns.iter().position(|c| c == name) {
            Some(index) => index,
            None => {
                self.columns.push(name.to_owned());
                self.columns.len() - 1
            }
        }
    }
}

/// One value as a text COPY field: as PostgreSQL reads it into the column's type, with
/// the format's backslash escapes in text.
fn push_copy_field(out: &mut String, value: &Param<'_>) {
    match value {
        Param::Null => out.push_str("\\N"),
        Param::Int(n) => write!(out, "{n}").expect("writing to a String"),
        Param::Real(x) => write!(out, "{x}").expect("writing to a String"),
        // 1 and 0 read as a boolean column's values and as an integer column's alike.
        Param::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Param::Text(text) => {
            for c in text.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

/// Rows of `width` values as PostgreSQL's text COPY format: a line a row, fields separated
/// by tabs, `\N` for NULL.
fn copy_data(params: &[Param<'_>], width: usize) -> bytes::Bytes {
    let mut out = String::with_capacity(params.len() * 16);
    for row in params.chunks(width) {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.push('\t');
            }
            push_copy_field(&mut out, value);
        }
        out.push('\n');
    }
    bytes::Bytes::from(out)
}

/// `<records> (id, created_at, updated_at, <properties>)`: where the rows go, for an
/// INSERT or a COPY.
fn row_columns(
    d: Dialect,
    portal: PortalId,
    schema: &ObjectSchema,
    properties: &[String],
) -> String {
    let mut target = format!(
        "{} (id, created_at, updated_at",
        table_name(portal, schema.object)
    );
    for name in properties {
        target.push_str(", ");
        target.push_str(&d.column(schema.object, name));
    }
    target.push(')');
    target
}

/// `INSERT INTO <target> VALUES (…), …` for `rows` rows of `width` values, in the
/// dialect's placeholders.
fn insert_text(d: Dialect, target: &str, rows: usize, width: usize) -> String {
    let mut sql = format!("INSERT INTO {target} VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&d.placeholder(row * width + column + 1));
        }
        sql.push(')');
    }
    sql
}
