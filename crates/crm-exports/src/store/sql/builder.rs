//! [`Sql`]: a statement's text and its parameters, kept together so they cannot drift
//! apart. A dynamic statement is built piece by piece (`push` text, `bind` a value, which
//! writes the dialect's placeholder); a fixed one is written once with `?1`, `?2` … and
//! [`Sql::fixed`] renumbers them for PostgreSQL. Parameters are our own [`Param`] values,
//! which each driver's adapter binds; this module imports no driver.

use std::borrow::Cow;

use super::dialect::Dialect;
use crate::domain::Value;

/// A parameter value, borrowed from the caller where it can be.
#[derive(Clone, Debug, PartialEq)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Bool(bool),
}

impl<'a> Param<'a> {
    /// A domain value as it is: booleans as 0 or 1, timestamps as epoch milliseconds.
    pub fn of_value(value: &'a Value) -> Self {
        match value {
            Value::Text(s) => Param::Text(Cow::Borrowed(s)),
            Value::Integer(n) | Value::Timestamp(n) => Param::Int(*n),
            Value::Real(x) => Param::Real(*x),
            Value::Bool(b) => Param::Int(i64::from(*b)),
        }
    }
}

impl Param<'_> {
    /// The same value, owning its text.
    pub fn into_owned(self) -> Param<'static> {
        match self {
            Param::Null => Param::Null,
            Param::Int(n) => Param::Int(n),
            Param::Real(x) => Param::Real(x),
            Param::Text(s) => Param::Text(Cow::Owned(s.into_owned())),
            Param::Bool(b) => Param::Bool(b),
        }
    }
}

impl From<i64> for Param<'_> {
    fn from(n: i64) -> Self {
        Param::Int(n)
    }
}

impl From<bool> for Param<'_> {
    fn from(b: bool) -> Self {
        Param::Bool(b)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Param::Text(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(s: &'a String) -> Self {
        Param::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Param<'_> {
    fn from(s: String) -> Self {
        Param::Text(Cow::Owned(s))
    }
}

impl<'a> From<Cow<'a, str>> for Param<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Param::Text(s)
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Param::Null, Into::into)
    }
}

/// A statement for one dialect: its text and parameters, in placeholder order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sql<'a> {
    dialect: Dialect,
    text: Cow<'a, str>,
    params: Vec<Param<'a>>,
}

impl<'a> Sql<'a> {
    /// An empty statement, to build with [`Sql::push`] and [`Sql::bind`].
    pub fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            text: Cow::Borrowed(""),
            params: Vec::new(),
        }
    }

    /// A statement written with `?1`, `?2` … placeholders (SQLite's own), renumbered as
    /// `$1`, `$2` … for PostgreSQL. `?` inside quoted text is left alone.
    pub fn fixed(dialect: Dialect, text: &'a str, params: Vec<Param<'a>>) -> Self {
        let text = match dialect {
            Dialect::Sqlite => Cow::Borrowed(text),
            Dialect::Postgres => Cow::Owned(dollar_placeholders(text)),
        };
        Self {
            dialect,
            text,
            params,
        }
    }

    /// A statement whose text was built once in this dialect's placeholders and is run
    /// again with other values (an insert repeated for each record of a batch).
    pub fn reusing(dialect: Dialect, text: &'a str, params: Vec<Param<'a>>) -> Self {
        Self {
            dialect,
            text: Cow::Borrowed(text),
            params,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn params(&self) -> &[Param<'a>] {
        &self.params
    }

    /// Appends text (which must hold no placeholders of its own).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.to_mut().push_str(text);
        self
    }

    /// Appends the next parameter's placeholder and keeps its value.
    pub fn bind(&mut self, value: impl Into<Param<'a>>) -> &mut Self {
        self.params.push(value.into());
        let placeholder = self.dialect.placeholder(self.params.len());
        self.text.to_mut().push_str(&placeholder);
        self
    }

    /// Appends `values` bound and separated by commas, as in `IN (…)`.
    pub fn bind_list<P: Into<Param<'a>>>(
        &mut self,
        values: impl IntoIterator<Item = P>,
    ) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self
    }
}

/// `?N` placeholders outside single-quoted text rewritten as `$N`.
fn dollar_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_statements_are_renumbered_for_postgresql_outside_quoted_text() {
        let sql = Sql::fixed(
            Dialect::Postgres,
            "SELECT '?1' FROM t WHERE a = ?1 AND b = ?12",
            vec![],
        );
        assert_eq!(sql.text(), "SELECT '?1' FROM t WHERE a = $1 AND b = $12");
        let same = Sql::fixed(Dialect::Sqlite, "SELECT 1 WHERE a = ?1", vec![]);
        assert_eq!(same.text(), "SELECT 1 WHERE a = ?1");
    }

    #[test]
    fn bound_values_get_numbered_placeholders_in_order() {
        let mut sql = Sql::new(Dialect::Postgres);
        sql.push("a = ")
            .bind(1i64)
            .push(" AND b IN (")
            .bind_list(["x", "y"])
            .push(")");
        assert_eq!(sql.text(), "a = $1 AND b IN ($2, $3)");
        assert_eq!(
            sql.params(),
            [Param::Int(1), Param::from("x"), Param::from("y")]
        );
        let mut lite = Sql::new(Dialect::Sqlite);
        lite.push("a = ")
            .bind(Some(2i64))
            .push(", b = ")
            .bind(None::<i64>);
        assert_eq!(lite.text(), "a = ?1, b = ?2");
        assert_eq!(lite.params(), [Param::Int(2), Param::Null]);
    }
}
