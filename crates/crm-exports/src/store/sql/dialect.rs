//! [`Dialect`]: the few places where SQLite and PostgreSQL need different SQL for the same
//! statement, each a hook the shared statements call: placeholders, booleans, text compared
//! and sorted without regard to ASCII case, property values as their columns hold them,
//! token and option matching, identifiers, row locks, id sequences, the new-export notice
//! and the record tables' DDL. Pure text; imports no driver.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use super::builder::{Param, Sql};
use crate::domain::property::{PropertyDefinition, PropertyType, SystemField, system_field};
use crate::domain::{ObjectType, Value};
use crate::store::PortalId;

/// The two databases the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The server-wide number sequences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sequence {
    /// Record and owner ids.
    Record,
    /// The `<n>` of custom object types `2-<n>`.
    CustomObject,
    /// Association type ids of custom definitions.
    AssociationType,
}

/// PostgreSQL truncates identifiers longer than this many bytes.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// The channel a new export is announced on (PostgreSQL); idle workers LISTEN to it.
pub const EXPORT_CREATED_CHANNEL: &str = "crm_exports_export_created";

/// Whether values of this type compare and sort as text, ignoring ASCII case.
pub fn is_text(kind: PropertyType) -> bool {
    matches!(
        kind,
        PropertyType::String | PropertyType::PhoneNumber | PropertyType::Enumeration
    )
}

/// The table holding one portal's records of one object type.
pub fn table_name(portal: PortalId, object: ObjectType) -> String {
    format!(
        "records_{}_{}",
        portal.0,
        object.type_id().replace('-', "_")
    )
}

fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    hex::encode(&digest[..8])
}

impl Dialect {
    /// The placeholder of the `n`th parameter (from 1).
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    pub fn bool_literal(self, value: bool) -> &'static str {
        match (self, value) {
            (Dialect::Sqlite, false) => "0",
            (Dialect::Sqlite, true) => "1",
            (Dialect::Postgres, false) => "FALSE",
            (Dialect::Postgres, true) => "TRUE",
        }
    }

    /// `column` is false: written as each database's partial indexes are, so they apply.
    pub fn is_false(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{column} = 0"),
            Dialect::Postgres => format!("NOT {column}"),
        }
    }

    /// The expression a text column is compared and sorted by, ignoring ASCII case and
    /// ordering by code point: SQLite's `NOCASE`, and in PostgreSQL `lower` under the "C"
    /// collation (which folds ASCII only), matched by [`Dialect::key_value`].
    pub fn text_key(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{column} COLLATE NOCASE"),
            Dialect::Postgres => format!("lower({column} COLLATE \"C\")"),
        }
    }

    /// The column (or system column) holding a property. Names are validated identifiers,
    /// so quoting is enough to make them safe. In PostgreSQL a name too long for an
    /// identifier keeps a prefix and gains a hash of the whole name, so two long names never
    /// share a column.
    pub fn column(self, object: ObjectType, property: &str) -> Cow<'static, str> {
        match system_field(object, property) {
            Some(SystemField::Id) => Cow::Borrowed("id"),
            Some(SystemField::CreatedAt) => Cow::Borrowed("created_at"),
            Some(SystemField::UpdatedAt) => Cow::Borrowed("updated_at"),
            None => Cow::Owned(self.property_column(property)),
        }
    }

    fn property_column(self, property: &str) -> String {
        let plain = format!("p_{property}");
        if self == Dialect::Sqlite || plain.len() <= MAX_IDENTIFIER_BYTES {
            return format!("\"{plain}\"");
        }
        let mut cut = MAX_IDENTIFIER_BYTES - 2 - 1 - 16;
        while !property.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("\"p_{}_{}\"", &property[..cut], short_hash(property))
    }

    /// A property value as a column of type `kind` holds it. SQLite takes the value as it
    /// is (its columns convert by affinity); PostgreSQL's typed columns take text for text
    /// types, and for the others numbers, with text that does not read as a number stored
    /// as NULL, which compares with nothing.
    pub fn stored_value<'a>(self, kind: PropertyType, value: &'a Value) -> Param<'a> {
        match (self, value) {
            (Dialect::Sqlite, v) => Param::of_value(v),
            (Dialect::Postgres, v) if is_text(kind) => match v {
                Value::Text(s) => Param::Text(Cow::Borrowed(s)),
                other => Param::Text(Cow::Owned(other.to_wire(None))),
            },
            (Dialect::Postgres, Value::Text(s)) => match s.trim().parse::<f64>() {
                Ok(x) => Param::Real(x),
                Err(_) => Param::Null,
            },
            (Dialect::Postgres, v) => Param::of_value(v),
        }
    }

    /// A value compared with [`Dialect::text_key`] of a text column (or, for other types,
    /// with the column itself).
    pub fn key_value<'a>(self, kind: PropertyType, value: &'a Value) -> Param<'a> {
        if self == Dialect::Postgres && is_text(kind) {
            return Param::Text(Cow::Owned(value.to_wire(None).to_ascii_lowercase()));
        }
        self.stored_value(kind, value)
    }

    /// Appends `column`'s text equal to `value`, ignoring ASCII case.
    pub fn push_text_equals<'a>(self, sql: &mut Sql<'a>, column: &str, value: &'a str) {
        sql.push(&self.text_key(column)).push(" = ");
        match self {
            Dialect::Sqlite => sql.bind(value),
            Dialect::Postgres => sql.bind(value.to_ascii_lowercase()),
        };
    }

    /// Appends whether `column` (of type `kind`) holds a word matching `pattern`
    /// (`domain::token`'s `TokenPattern`, with `*` as a wildcard).
    pub fn push_token_match<'a>(
        self,
        sql: &mut Sql<'a>,
        column: &str,
        kind: PropertyType,
        pattern: &str,
    ) {
        self.push_any_token_match(sql, &[column.to_string()], is_text(kind), pattern);
    }

    /// Appends whether any of `columns` holds a word matching `pattern`: SQLite calls the
    /// function registered on each connection once for all the columns, PostgreSQL the SQL
    /// function of the first migration per column. `all_text` says every column holds text
    /// (not numbers, whose text SQLite and Rust write differently).
    pub fn push_any_token_match<'a>(
        self,
        sql: &mut Sql<'a>,
        columns: &[String],
        all_text: bool,
        pattern: &str,
    ) {
        match self {
            Dialect::Sqlite => {
                // SQLite's LIKE runs in C and rules out almost every row before the
                // token function (a call into Rust per row) runs; it is only added where
                // it can never rule out a match.
                let like = sqlite_like_superset(pattern).filter(|_| all_text);
                if let Some(like) = &like {
                    sql.push("((");
                    for (i, column) in columns.iter().enumerate() {
                        if i > 0 {
                            sql.push(" OR ");
                        }
                        sql.push(column).push(" LIKE ").bind(like.clone());
                        sql.push(" ESCAPE '\\'");
                    }
                    // IS TRUE: a NULL (every searched cell empty) rules the row out too,
                    // where `NULL AND f()` would still call f.
                    sql.push(") IS TRUE AND ");
                }
                sql.push("hs_contains_token(").bind(pattern.to_string());
                for column in columns {
                    sql.push(", ").push(column);
                }
                sql.push(if like.is_some() { "))" } else { ")" });
            }
            Dialect::Postgres => {
                let pattern = pattern.trim().to_lowercase();
                if pattern.is_empty() || columns.is_empty() {
                    sql.push("FALSE");
                    return;
                }
                // A word or token matching the pattern is a substring of the value, so a
                // plain LIKE over the lower-cased value rules out almost every row before
                // the (not inlinable, much slower) token function runs. `IS TRUE`: an
                // empty value's LIKE is NULL, and `NULL AND f()` calls f (the answer
                // hangs on it), which cost a call per empty cell: most of a search's time.
                let like = escape_like(&pattern).replace('*', "%");
                sql.push("(");
                for (i, column) in columns.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    sql.push("((lower(").push(column).push("::text) LIKE ");
                    sql.bind(format!("%{like}%"));
                    sql.push(") IS TRUE AND crm_contains_token(")
                        .push(column)
                        .push("::text, ");
                    sql.bind(like.clone()).push("))");
                }
                sql.push(")");
            }
        }
    }

    /// Appends whether the `;`-joined multi-select value in `column` includes `option`,
    /// ignoring case.
    pub fn push_option_match<'a>(self, sql: &mut Sql<'a>, column: &str, option: &str) {
        sql.push("(';' || ").push(column).push(" || ';' ");
        sql.push(match self {
            Dialect::Sqlite => "LIKE ",
            Dialect::Postgres => "ILIKE ",
        });
        sql.bind(format!("%;{};%", escape_like(option)));
        sql.push(match self {
            Dialect::Sqlite => " ESCAPE '\\')",
            Dialect::Postgres => ")",
        });
    }

    /// The text at top-level `key` of the JSON object stored as text in `column`.
    pub fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Dialect::Postgres => format!("({column}::jsonb ->> '{key}')"),
        }
    }

    /// The statement locking `table` against concurrent writers until the transaction
    /// ends, where another process could write meanwhile (SQLite has one writer).
    pub fn lock_table(self, table: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")),
        }
    }

    /// The statements that make the planner probe an index rather than scan the table,
    /// and that undo it, for a lookup of hundreds of values by an indexed expression.
    /// PostgreSQL prices a probe as a disk read and the expression (`lower(…)`) per row as
    /// almost nothing, so it scans tables of up to about 100,000 records for such a lookup:
    /// 30 ms at 50,000 records against 1 ms of probes, once per bulk write call, growing
    /// with the table. Both apply to the transaction only.
    pub fn index_probes_only(self) -> Option<(&'static str, &'static str)> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some((
                "SET LOCAL enable_seqscan = off",
                "SET LOCAL enable_seqscan TO DEFAULT",
            )),
        }
    }

    /// Whether new rows go in by `COPY … FROM STDIN` ([`Exec::copy_in`]) rather than
    /// multi-row INSERTs: PostgreSQL parses and plans a statement of hundreds of rows and
    /// thousands of parameters for each flush, which took half of a bulk write's time.
    ///
    /// [`Exec::copy_in`]: super::exec::Exec::copy_in
    pub fn copies_rows(self) -> bool {
        self == Dialect::Postgres
    }

    /// What locks the rows a select reads until the transaction ends.
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Takes `count` numbers from `sequence`: SQLite's counters in `sequences` hand out one
    /// block (a single row, its first number); PostgreSQL's sequences one row per number.
    pub fn reserve(self, sequence: Sequence, count: i64) -> Sql<'static> {
        match self {
            Dialect::Sqlite => {
                let name = match sequence {
                    Sequence::Record => "record_id",
                    Sequence::CustomObject => "custom_object",
                    Sequence::AssociationType => "association_type",
                };
                Sql::fixed(
                    self,
                    "UPDATE sequences SET next_value = next_value + ?1 WHERE name = ?2 \
                     RETURNING next_value - ?1",
                    vec![Param::Int(count), Param::from(name)],
                )
            }
            Dialect::Postgres => {
                let text = match sequence {
                    Sequence::Record => "SELECT nextval('record_ids') FROM generate_series(1, ?1)",
                    Sequence::CustomObject => {
                        "SELECT nextval('custom_object_numbers') FROM generate_series(1, ?1)"
                    }
                    Sequence::AssociationType => {
                        "SELECT nextval('association_type_ids') FROM generate_series(1, ?1)"
                    }
                };
                Sql::fixed(self, text, vec![Param::Int(count)])
            }
        }
    }

    /// Moves the record id sequence past `used` (an id some import chose), so later creates
    /// never take it; a sequence already past it stays where it is.
    pub fn advance_record_ids(self, used: i64) -> Sql<'static> {
        let text = match self {
            Dialect::Sqlite => {
                "UPDATE sequences SET next_value = MAX(next_value, ?1 + 1) \
                 WHERE name = 'record_id' RETURNING next_value"
            }
            // `setval` marks the value as taken: the next `nextval` answers one more.
            Dialect::Postgres => {
                "SELECT setval('record_ids', GREATEST(?1, (SELECT last_value FROM record_ids)))"
            }
        };
        Sql::fixed(self, text, vec![Param::Int(used)])
    }

    /// The column property groups are listed by: the order they were created in.
    pub fn creation_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "seq",
        }
    }

    /// The statement that tells listening workers of a new export when the transaction
    /// commits (PostgreSQL's NOTIFY); SQLite's workers share the API's process, which wakes
    /// them itself.
    /// The statement that makes one portal's export starts wait for each other until the
    /// transaction ends (PostgreSQL's transaction-scoped advisory lock, keyed by schema and
    /// portal); none on SQLite, whose write transactions already run one at a time.
    pub fn export_quota_lock(self, portal: PortalId) -> Option<Sql<'static>> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(Sql::fixed(
                self,
                "SELECT pg_advisory_xact_lock(hashtextextended(\
                 'crm_exports.quota.' || current_schema() || '.' || ?1, 0))",
                vec![Param::from(portal.0.to_string())],
            )),
        }
    }

    pub fn export_created_notice(self, portal: PortalId) -> Option<Sql<'static>> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(Sql::fixed(
                self,
                "SELECT pg_notify(?1, ?2)",
                vec![
                    Param::from(EXPORT_CREATED_CHANNEL),
                    Param::from(portal.0.to_string()),
                ],
            )),
        }
    }

    /// The column type of a property: SQLite's storage classes, and in PostgreSQL numbers as
    /// `double precision` (HubSpot's numbers are doubles; SQLite's NUMERIC keeps whole
    /// numbers beyond 2^53 exact, which no HubSpot number property needs), booleans and
    /// dates as epoch integers, the rest text.
    fn column_type(self, property: &PropertyDefinition) -> &'static str {
        match (self, property.property_type) {
            (Dialect::Sqlite, PropertyType::Number) => "NUMERIC",
            (Dialect::Postgres, PropertyType::Number) => "DOUBLE PRECISION",
            (Dialect::Sqlite, PropertyType::Bool | PropertyType::Date | PropertyType::Datetime) => {
                "INTEGER"
            }
            (_, PropertyType::Bool | PropertyType::Date | PropertyType::Datetime) => "BIGINT",
            _ => "TEXT",
        }
    }

    /// The record table of an object type: the system columns, then one column per property
    /// that is not a system field.
    pub fn create_table(
        self,
        portal: PortalId,
        object: ObjectType,
        properties: &[PropertyDefinition],
    ) -> String {
        let system = match self {
            Dialect::Sqlite => {
                "id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, \
                 archived INTEGER NOT NULL DEFAULT 0, archived_at INTEGER"
            }
            Dialect::Postgres => {
                "id BIGINT PRIMARY KEY, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, \
                 archived BOOLEAN NOT NULL DEFAULT FALSE, archived_at BIGINT"
            }
        };
        let mut sql = format!("CREATE TABLE {} ({system}", table_name(portal, object));
        for p in properties {
            if system_field(object, &p.name).is_none() {
                let column = self.column(object, &p.name);
                sql.push_str(&format!(", {column} {}", self.column_type(p)));
            }
        }
        sql.push(')');
        sql
    }

    pub fn add_column(
        self,
        portal: PortalId,
        object: ObjectType,
        property: &PropertyDefinition,
    ) -> String {
        format!(
            "ALTER TABLE {} ADD COLUMN {} {}",
            table_name(portal, object),
            self.column(object, &property.name),
            self.column_type(property)
        )
    }

    /// A unique index over the live records' values of a unique property, ignoring case.
    pub fn unique_index(self, portal: PortalId, object: ObjectType, property: &str) -> String {
        let table = table_name(portal, object);
        let column = self.column(object, property);
        let name = match self {
            Dialect::Sqlite => format!("{table}_{property}_unique"),
            Dialect::Postgres => format!("{table}_u_{}", short_hash(property)),
        };
        format!(
            "CREATE UNIQUE INDEX \"{name}\" ON {table} ({}) WHERE {} AND {column} IS NOT NULL",
            self.text_key(&column),
            self.is_false("archived")
        )
    }
}

/// `text` with LIKE's wildcards and its escape character escaped.
/// A LIKE pattern (escaped with a backslash) that every text holding a token matching `pattern`
/// matches, for SQLite, whose LIKE folds ASCII letters only; `None` where there is none.
///
/// A token match means the folded text holds the pattern's literal runs in order, and only
/// ASCII can fold to an ASCII pattern except two signs: KELVIN SIGN folds to `k` and
/// LATIN CAPITAL LETTER I WITH DOT ABOVE to `i` and a combining dot. `_` (one character
/// of any kind) stands for those two letters. A pattern that is not ASCII once folded gets
/// none: LIKE would not fold its letters.
pub fn sqlite_like_superset(pattern: &str) -> Option<String> {
    let folded = pattern.trim().to_lowercase();
    if folded.is_empty() || !folded.is_ascii() {
        return None;
    }
    let body: String = escape_like(&folded)
        .chars()
        .map(|c| match c {
            '*' => '%',
            'k' | 'i' => '_',
            c => c,
        })
        .collect();
    Some(format!("%{body}%"))
}

pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_property_names_get_distinct_columns_within_postgresql_identifier_limits() {
        let a = format!("{}a", "x".repeat(80));
        let b = format!("{}b", "x".repeat(80));
        let (ca, cb) = (
            Dialect::Postgres.column(ObjectType::Contacts, &a),
            Dialect::Postgres.column(ObjectType::Contacts, &b),
        );
        assert_ne!(ca, cb);
        assert!(ca.len() - 2 <= MAX_IDENTIFIER_BYTES, "{ca}");
        assert_eq!(
            Dialect::Sqlite.column(ObjectType::Contacts, &a),
            format!("\"p_{a}\"")
        );
    }

    #[test]
    fn the_unique_index_matches_each_database_s_text_key_and_live_condition() {
        assert_eq!(
            Dialect::Sqlite.unique_index(PortalId(1), ObjectType::Contacts, "email"),
            "CREATE UNIQUE INDEX \"records_1_0_1_email_unique\" ON records_1_0_1 \
             (\"p_email\" COLLATE NOCASE) WHERE archived = 0 AND \"p_email\" IS NOT NULL"
        );
        assert!(
            Dialect::Postgres
                .unique_index(PortalId(1), ObjectType::Contacts, "email")
                .ends_with(
                    "ON records_1_0_1 (lower(\"p_email\" COLLATE \"C\")) WHERE NOT archived \
                     AND \"p_email\" IS NOT NULL"
                )
        );
    }

    #[test]
    fn postgresql_stores_text_in_a_number_column_as_a_number_or_null() {
        let d = Dialect::Postgres;
        let kind = PropertyType::Number;
        assert_eq!(
            d.stored_value(kind, &Value::Text(" 2.5 ".into())),
            Param::Real(2.5)
        );
        assert_eq!(d.stored_value(kind, &Value::Text("x".into())), Param::Null);
        assert_eq!(
            d.key_value(PropertyType::String, &Value::Text("MiXed".into())),
            Param::Text("mixed".into())
        );
        assert_eq!(
            Dialect::Sqlite.key_value(PropertyType::String, &Value::Text("MiXed".into())),
            Param::Text("MiXed".into())
        );
    }
}
