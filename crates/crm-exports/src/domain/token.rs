//! Token matching for the `CONTAINS_TOKEN` operators and the free-text `query`: a value
//! matches a `*`-glob pattern when the whole value, one of its whitespace-separated words or
//! one of its alphanumeric runs does, ignoring letter case. The pattern is folded once; an
//! ASCII value is compared byte by byte with ASCII folding and nothing allocated, any other
//! value is folded with Unicode lower-casing into a buffer the thread reuses, so every value
//! gets the answer `str::to_lowercase` on both sides would give.

use std::cell::RefCell;

/// A folded pattern, built once per search and matched against many values.
#[derive(Clone, Debug)]
pub struct TokenPattern {
    /// The trimmed, lower-cased pattern; empty never matches.
    chars: Vec<char>,
    /// The same bytes when the folded pattern is ASCII: the only case an ASCII value can
    /// match, since lower-casing ASCII gives ASCII.
    ascii: Option<Vec<u8>>,
    /// The longest run of the ASCII pattern without `*`: any match holds it, so an ASCII
    /// value without it is ruled out by one scan (nearly every value, for a search).
    required: Vec<u8>,
}

thread_local! {
    /// The folded chars of the last non-ASCII value, kept so that folding allocates only
    /// when a longer value than any before comes along.
    static FOLDED: RefCell<Vec<char>> = const { RefCell::new(Vec::new()) };
}

impl TokenPattern {
    pub fn new(pattern: &str) -> Self {
        let folded = pattern.trim().to_lowercase();
        let ascii = folded.is_ascii().then(|| folded.as_bytes().to_vec());
        let required = (ascii.as_deref().unwrap_or_default().split(|&b| b == b'*'))
            .max_by_key(|run| run.len())
            .unwrap_or_default()
            .to_vec();
        Self {
            chars: folded.chars().collect(),
            ascii,
            required,
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        if self.chars.is_empty() {
            return false;
        }
        if text.is_ascii() {
            if !contains_folded(text.as_bytes(), &self.required) {
                return false;
            }
            return self.ascii.as_deref().is_some_and(|p| {
                any_part_matches(
                    p,
                    text.as_bytes(),
                    b'*',
                    |b| b.to_ascii_lowercase(),
                    |b| {
                        // char::is_whitespace over ASCII: tab, line feed, vertical tab, form
                        // feed, carriage return and space (u8::is_ascii_whitespace omits VT).
                        matches!(b, b'\t'..=b'\r' | b' ')
                    },
                )
            });
        }
        FOLDED.with(|buffer| {
            let mut folded = buffer.borrow_mut();
            folded.clear();
            if text.contains('Σ') {
                // The one context-dependent mapping (final sigma): str::to_lowercase alone
                // knows it.
                folded.extend(text.to_lowercase().chars());
            } else {
                folded.extend(text.chars().flat_map(char::to_lowercase));
            }
            any_part_matches(&self.chars, &folded, '*', |c| c, char::is_whitespace)
        })
    }
}

/// Whether ASCII `text`, lower-cased, contains `needle` (lower-case; empty: always).
fn contains_folded(text: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    let upper = first.to_ascii_uppercase();
    text.windows(needle.len()).any(|window| {
        (window[0] == first || window[0] == upper)
            && window
                .iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
    })
}

/// What a folded unit (an ASCII byte or a char) needs for matching.
trait Unit: Copy + PartialEq {
    fn is_alphanumeric(self) -> bool;
}

impl Unit for u8 {
    fn is_alphanumeric(self) -> bool {
        self.is_ascii_alphanumeric()
    }
}

impl Unit for char {
    fn is_alphanumeric(self) -> bool {
        char::is_alphanumeric(self)
    }
}

/// Whether the whole text, a word between `is_space` runs, or an alphanumeric run matches
/// `pattern`; `fold` lower-cases a unit of `text` (the pattern is folded already).
fn any_part_matches<T: Unit>(
    pattern: &[T],
    text: &[T],
    star: T,
    fold: impl Fn(T) -> T + Copy,
    is_space: impl Fn(T) -> bool,
) -> bool {
    glob(pattern, text, star, fold)
        || runs(text, |u| !is_space(u)).any(|word| glob(pattern, word, star, fold))
        || runs(text, T::is_alphanumeric).any(|token| glob(pattern, token, star, fold))
}

/// The non-empty maximal runs of units that are `inside`.
fn runs<T: Copy>(text: &[T], inside: impl Fn(T) -> bool) -> impl Iterator<Item = &[T]> {
    text.split(move |&u| !inside(u))
        .filter(|run| !run.is_empty())
}

/// `*`-only glob, iterative with backtracking to the last star.
fn glob<T: Unit>(pattern: &[T], text: &[T], star: T, fold: impl Fn(T) -> T) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while ti < text.len() {
        if pi < pattern.len() && pattern[pi] == star {
            last_star = Some((pi, ti));
            pi += 1;
        } else if pi < pattern.len() && pattern[pi] == fold(text[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = last_star {
            pi = sp + 1;
            ti = st + 1;
            last_star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[pi..].iter().all(|&u| u == star)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The matcher as it was before folding was made allocation-free: lower-case both
    /// sides into new strings, then glob the whole text, each word and each token.
    fn reference(text: &str, pattern: &str) -> bool {
        let pattern: Vec<char> = pattern.trim().to_lowercase().chars().collect();
        if pattern.is_empty() {
            return false;
        }
        let text = text.to_lowercase();
        let glob_str = |t: &str| old_glob(&pattern, &t.chars().collect::<Vec<_>>());
        glob_str(&text)
            || text.split_whitespace().any(glob_str)
            || text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .any(glob_str)
    }

    fn old_glob(p: &[char], t: &[char]) -> bool {
        let (mut pi, mut ti) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            if pi < p.len() && p[pi] == '*' {
                star = Some((pi, ti));
                pi += 1;
            } else if pi < p.len() && p[pi] == t[ti] {
                pi += 1;
                ti += 1;
            } else if let Some((sp, st)) = star {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|c| *c == '*')
    }

    fn matches(text: &str, pattern: &str) -> bool {
        TokenPattern::new(pattern).matches(text)
    }

    #[test]
    fn tokens_match_whole_words_not_substrings() {
        assert!(matches("Acme Corp", "acme"));
        assert!(!matches("AcmeTech", "acme"));
        assert!(matches("alice@hubspot.com", "*@hubspot.com"));
        assert!(matches("alice@hubspot.com", "hubspot"));
        assert!(matches("Acme Corp", "ac*"));
        assert!(!matches("Acme Corp", ""));
    }

    #[test]
    fn ascii_and_unicode_values_fold_alike() {
        assert!(matches("Hoffmann GmbH", "hoffmann*"));
        assert!(matches("HOFFMANN", "Hoff*"));
        assert!(matches("Zoë Hoffmann", "ZOË"));
        // A final capital sigma folds to ς, as str::to_lowercase has it; another to σ.
        assert!(matches("ΟΔΟΣ Αθηνών", "οδο\u{3C2}"));
        assert!(!matches("ΟΔΟΣ Αθηνών", "οδο\u{3C3}"));
        assert!(matches("ΣΟΦΙΑ", "\u{3C3}οφια"));
        assert!(matches("\u{212A}elvin", "kelvin"));
        assert!(!matches("kelvin", "\u{212A}"));
        assert!(matches("a\u{0B}hoffmann", "hoffmann"));
        assert!(!matches("Hoffmann", "   "));
    }

    /// Text drawn from ASCII letters, separators and the characters whose lower case is
    /// unusual (several chars, context-dependent, or ASCII from non-ASCII).
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                proptest::char::range('a', 'e'),
                proptest::char::range('A', 'E'),
                proptest::sample::select(vec![
                    ' ', '\t', '\u{0B}', '\u{1C}', '-', '@', '.', '*', '1', 'Σ', 'σ', 'ς', 'İ',
                    'i', '\u{0307}', '\u{212A}', 'k', 'K', 'ë', 'Ë', 'ß', '\u{A0}', '\u{3000}',
                    'Ω', '\u{2126}',
                ]),
                any::<char>(),
            ],
            0..12,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn the_allocation_free_matcher_agrees_with_lowercasing_copies(
            value in text(),
            pattern in text(),
        ) {
            prop_assert_eq!(matches(&value, &pattern), reference(&value, &pattern));
        }

        #[test]
        fn a_word_of_the_value_as_a_prefix_pattern_agrees(value in text(), cut in 0usize..6) {
            let word: String = value.split_whitespace().next().unwrap_or("x").chars().take(cut + 1).collect();
            let pattern = format!("{word}*");
            prop_assert_eq!(matches(&value, &pattern), reference(&value, &pattern));
        }
    }
}
