//! The search prefilter's LIKE pattern (`sql::dialect::sqlite_like_superset`) checked
//! against SQLite's own LIKE: it may let through rows the token function then refuses,
//! never rule out a row that holds a match.

use proptest::prelude::*;

use crate::domain::token::TokenPattern;
use crate::store::sql::dialect::sqlite_like_superset;

/// SQLite's own LIKE, as the search statement runs it.
fn sqlite_like(text: &str, like: &str) -> bool {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.query_row("SELECT ?1 LIKE ?2 ESCAPE '\\'", [text, like], |r| r.get(0))
        .unwrap()
}

/// Letters that fold differently in ASCII and Unicode, LIKE's wildcards and escape, and
/// the separators tokens are split at.
const ALPHABET: &str = "aAiIkKzZ0 -_%\\.\u{212A}\u{130}\u{131}üÜßσΣ";

fn text(max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = ALPHABET.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 0..max)
        .prop_map(|c| c.into_iter().collect())
}

proptest! {
    /// The prefilter may let through rows the token function then refuses, never the
    /// reverse: a row it rules out holds no match.
    #[test]
    fn the_like_prefilter_never_rules_out_a_token_match(value in text(12), stem in text(4)) {
        let pattern = format!("{stem}*");
        if let Some(like) = sqlite_like_superset(&pattern)
            && TokenPattern::new(&pattern).matches(&value)
        {
            prop_assert!(sqlite_like(&value, &like), "{value:?} {pattern:?} {like:?}");
        }
    }
}

#[test]
fn the_kelvin_sign_and_dotted_capital_i_still_pass_the_prefilter() {
    for (value, pattern) in [
        ("\u{212A}elvin", "kel*"),
        ("\u{130}stanbul", "i*"),
        ("ALI", "ali*"),
    ] {
        assert!(TokenPattern::new(pattern).matches(value), "{value}");
        let like = sqlite_like_superset(pattern).unwrap();
        assert!(sqlite_like(value, &like), "{value} {like}");
    }
    assert_eq!(sqlite_like_superset("Müller*"), None);
    assert_eq!(
        sqlite_like_superset("50%_off*").as_deref(),
        Some("%50\\%\\_off%%")
    );
}
