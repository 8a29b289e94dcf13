//! The document as YAML for `/openapi.yaml`: block mappings and sequences, every string
//! double-quoted with JSON's escapes (which YAML 1.2 reads the same), so no value can be
//! taken for a number, a boolean or a comment. The document needs no more of YAML than this.

use std::fmt::Write;

use serde_json::Value as Json;

pub fn to_yaml(value: &Json) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

fn quoted(text: &str) -> String {
    Json::String(text.to_string()).to_string()
}

/// A scalar or an empty collection, written on the line of its key.
fn inline(value: &Json) -> Option<String> {
    match value {
        Json::Null => Some("null".to_string()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        Json::String(s) => Some(quoted(s)),
        Json::Array(a) if a.is_empty() => Some("[]".to_string()),
        Json::Object(o) if o.is_empty() => Some("{}".to_string()),
        _ => None,
    }
}

fn write_value(out: &mut String, value: &Json, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Json::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                match inline(item) {
                    Some(text) => {
                        let _ = writeln!(out, "{pad}{}: {text}", quoted(key));
                    }
                    None => {
                        let _ = writeln!(out, "{pad}{}:", quoted(key));
                        write_value(out, item, indent + 2);
                    }
                }
            }
        }
        Json::Array(items) if !items.is_empty() => {
            for item in items {
                match inline(item) {
                    Some(text) => {
                        let _ = writeln!(out, "{pad}- {text}");
                    }
                    None => {
                        let _ = writeln!(out, "{pad}-");
                        write_value(out, item, indent + 2);
                    }
                }
            }
        }
        scalar => {
            let _ = writeln!(out, "{pad}{}", inline(scalar).unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_values_become_block_yaml_with_quoted_strings() {
        let value = serde_json::json!({
            "openapi": "3.1.0",
            "paths": { "/a": { "get": { "tags": ["x", "y: z"], "security": [] } } },
            "n": 3, "yes": true, "empty": {},
        });
        // serde_json's map keeps keys sorted, so the YAML lists them in that order.
        let expected = concat!(
            "\"empty\": {}\n",
            "\"n\": 3\n",
            "\"openapi\": \"3.1.0\"\n",
            "\"paths\":\n",
            "  \"/a\":\n",
            "    \"get\":\n",
            "      \"security\": []\n",
            "      \"tags\":\n",
            "        - \"x\"\n",
            "        - \"y: z\"\n",
            "\"yes\": true\n",
        );
        assert_eq!(to_yaml(&value), expected);
    }
}
