//! `--filter` expressions: `city EQ Paris`, `amount BETWEEN 100 500`, `lifecyclestage IN
//! lead,customer`, `phone HAS_PROPERTY`, joined with `AND` and `OR` (AND binds tighter).
//! Values with spaces are double-quoted. Several `--filter` flags must all hold, so the
//! result is their conjunction, spelled out as HubSpot's OR-of-AND `filterGroups`.

use serde_json::{Value, json};

/// One filter group: its filters must all match.
pub type Group = Vec<Value>;

/// The `filterGroups` of all `--filter` expressions together (all of them must hold).
pub fn filter_groups(expressions: &[String]) -> Result<Vec<Group>, String> {
    let mut groups: Vec<Group> = vec![Vec::new()];
    for expression in expressions {
        let alternatives = parse(expression)?;
        // (A or B) and (C or D) = AC or AD or BC or BD.
        groups = groups
            .iter()
            .flat_map(|left| {
                alternatives.iter().map(move |right| {
                    let mut group = left.clone();
                    group.extend(right.iter().cloned());
                    group
                })
            })
            .collect();
    }
    groups.retain(|g| !g.is_empty());
    Ok(groups)
}

/// Parses one expression into its OR-ed groups.
pub fn parse(expression: &str) -> Result<Vec<Group>, String> {
    let tokens = tokenize(expression)?;
    let fail = |message: String| format!("in --filter {expression:?}: {message}");
    let mut groups = vec![Vec::new()];
    let mut rest = &tokens[..];
    loop {
        let (filter, after) = condition(rest).map_err(fail)?;
        groups.last_mut().expect("never empty").push(filter);
        rest = after;
        match rest.split_first() {
            None => return Ok(groups),
            Some((word, after)) if word.is_keyword("AND") => rest = after,
            Some((word, after)) if word.is_keyword("OR") => {
                groups.push(Vec::new());
                rest = after;
            }
            Some((word, _)) => {
                return Err(fail(format!("expected AND or OR before {:?}", word.text)));
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    text: String,
    quoted: bool,
}

impl Token {
    fn is_keyword(&self, keyword: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(keyword)
    }
}

fn tokenize(expression: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = expression.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(escaped) => text.push(escaped),
                        None => return Err(format!("unfinished quote in {expression:?}")),
                    },
                    Some(other) => text.push(other),
                    None => return Err(format!("unfinished quote in {expression:?}")),
                }
            }
            tokens.push(Token { text, quoted: true });
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                text.push(c);
                chars.next();
            }
            tokens.push(Token {
                text,
                quoted: false,
            });
        }
    }
    if tokens.is_empty() {
        return Err("an empty --filter".to_owned());
    }
    Ok(tokens)
}

fn operator(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_uppercase().as_str() {
        "=" | "==" | "EQ" => "EQ",
        "!=" | "<>" | "NEQ" => "NEQ",
        "<" | "LT" => "LT",
        "<=" | "LTE" => "LTE",
        ">" | "GT" => "GT",
        ">=" | "GTE" => "GTE",
        "BETWEEN" => "BETWEEN",
        "IN" => "IN",
        "NOT_IN" => "NOT_IN",
        "HAS_PROPERTY" => "HAS_PROPERTY",
        "NOT_HAS_PROPERTY" => "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN" => "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN" => "NOT_CONTAINS_TOKEN",
        _ => return None,
    })
}

const OPERATORS: &str = "EQ (=), NEQ (!=), LT (<), LTE (<=), GT (>), GTE (>=), BETWEEN, IN, \
                         NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN";

/// One `property OPERATOR values…` condition and the tokens after it.
fn condition(tokens: &[Token]) -> Result<(Value, &[Token]), String> {
    let [property, op, rest @ ..] = tokens else {
        return Err(match tokens.first() {
            Some(p) => format!("{:?} needs an operator ({OPERATORS})", p.text),
            None => "a condition is missing after AND/OR".to_owned(),
        });
    };
    let operator = operator(&op.text)
        .filter(|_| !op.quoted)
        .ok_or_else(|| format!("unknown operator {:?}; use one of {OPERATORS}", op.text))?;
    let name = &property.text;
    let missing = || format!("{name} {operator} needs a value");
    match operator {
        "HAS_PROPERTY" | "NOT_HAS_PROPERTY" => {
            Ok((json!({"propertyName": name, "operator": operator}), rest))
        }
        "BETWEEN" => {
            let (low, rest) = rest.split_first().ok_or_else(missing)?;
            // `BETWEEN 1 AND 5` reads naturally; `BETWEEN 1 5` works too.
            let rest = match rest {
                [and, high, ..] if and.is_keyword("AND") && !is_joiner(high) => &rest[1..],
                _ => rest,
            };
            let (high, rest) = rest
                .split_first()
                .ok_or_else(|| format!("{name} BETWEEN needs two values"))?;
            Ok((
                json!({"propertyName": name, "operator": operator, "value": low.text, "highValue": high.text}),
                rest,
            ))
        }
        "IN" | "NOT_IN" => {
            let count = rest.iter().take_while(|t| !is_joiner(t)).count();
            let values: Vec<&str> = rest[..count]
                .iter()
                .flat_map(|t| {
                    if t.quoted {
                        vec![t.text.as_str()]
                    } else {
                        t.text.split(',').filter(|v| !v.is_empty()).collect()
                    }
                })
                .collect();
            if values.is_empty() {
                return Err(missing());
            }
            Ok((
                json!({"propertyName": name, "operator": operator, "values": values}),
                &rest[count..],
            ))
        }
        _ => {
            let (value, rest) = rest
                .split_first()
                .filter(|(v, _)| !is_joiner(v))
                .ok_or_else(missing)?;
            Ok((
                json!({"propertyName": name, "operator": operator, "value": value.text}),
                rest,
            ))
        }
    }
}

fn is_joiner(token: &Token) -> bool {
    token.is_keyword("AND") || token.is_keyword("OR")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(property: &str, value: &str) -> Value {
        json!({"propertyName": property, "operator": "EQ", "value": value})
    }

    #[test]
    fn one_condition_is_one_group_of_one_filter() {
        assert_eq!(
            filter_groups(&["city EQ Paris".into()]).unwrap(),
            vec![vec![eq("city", "Paris")]]
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_quotes_keep_spaces() {
        let groups =
            parse(r#"city = "New York" AND lifecyclestage EQ lead OR country EQ "and""#).unwrap();
        assert_eq!(
            groups,
            vec![
                vec![eq("city", "New York"), eq("lifecyclestage", "lead")],
                vec![eq("country", "and")]
            ]
        );
    }

    #[test]
    fn several_flags_must_all_hold() {
        let groups = filter_groups(&[
            "city EQ Paris OR city EQ Lyon".into(),
            "lifecyclestage EQ lead".into(),
        ])
        .unwrap();
        assert_eq!(
            groups,
            vec![
                vec![eq("city", "Paris"), eq("lifecyclestage", "lead")],
                vec![eq("city", "Lyon"), eq("lifecyclestage", "lead")]
            ]
        );
    }

    #[test]
    fn between_in_and_has_property_take_their_own_number_of_values() {
        let groups =
            parse("amount BETWEEN 10 AND 20 AND stage IN a,b c AND phone HAS_PROPERTY").unwrap();
        assert_eq!(
            groups,
            vec![vec![
                json!({"propertyName": "amount", "operator": "BETWEEN", "value": "10", "highValue": "20"}),
                json!({"propertyName": "stage", "operator": "IN", "values": ["a", "b", "c"]}),
                json!({"propertyName": "phone", "operator": "HAS_PROPERTY"}),
            ]]
        );
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("city", "needs an operator"),
            ("city LIKE Paris", "unknown operator \"LIKE\""),
            ("city EQ", "city EQ needs a value"),
            ("city EQ Paris lyon", "expected AND or OR before \"lyon\""),
            ("city EQ Paris AND", "a condition is missing"),
            ("city EQ \"Paris", "unfinished quote"),
            ("amount BETWEEN 1", "needs two values"),
            ("  ", "an empty --filter"),
        ];
        for (expression, expected) in cases {
            let error = filter_groups(&[expression.into()]).unwrap_err();
            assert!(error.contains(expected), "{expression:?} gave {error:?}");
        }
    }
}
