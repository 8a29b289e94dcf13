//! The API's routes, read from the router's own source: `api::router` and every router
//! function it nests or merges, so a route added anywhere is in the hostile-input suite
//! without anyone listing it. Each route is its full path (with `{param}` placeholders) and
//! the methods it answers.

use std::collections::BTreeSet;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: &'static str,
    pub path: String,
}

const METHODS: [(&str, &str); 5] = [
    ("get(", "GET"),
    ("post(", "POST"),
    ("put(", "PUT"),
    ("patch(", "PATCH"),
    ("delete(", "DELETE"),
];

/// Every route of the API, sorted.
pub fn api_routes() -> Vec<Route> {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut routes = BTreeSet::new();
    collect(&api, "mod", "router", "", &mut routes);
    assert!(
        routes.len() > 40,
        "only {} routes found: the reader is out of step",
        routes.len()
    );
    routes.into_iter().collect()
}

/// The routes of `function` in `module` (`mod` for api/mod.rs), under `prefix`.
fn collect(api: &Path, module: &str, function: &str, prefix: &str, out: &mut BTreeSet<Route>) {
    let file = api.join(format!("{module}.rs"));
    let file = if file.exists() {
        file
    } else {
        api.join(module).join("mod.rs")
    };
    let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("api/{module}: {e}"));
    let body = function_body(&source, function)
        .unwrap_or_else(|| panic!("no fn {function} in api/{module}.rs"));
    let mut rest = body;
    while let Some((call, args, after)) = next_call(rest) {
        rest = after;
        match call {
            "route" => {
                let (path, methods) = split_first_string(args);
                let full = join(prefix, &path);
                for (marker, method) in METHODS {
                    if contains_call(methods, marker) {
                        out.insert(Route {
                            method,
                            path: full.clone(),
                        });
                    }
                }
            }
            "nest" => {
                let (path, target) = split_first_string(args);
                let (m, f) = router_function(target, module);
                collect(api, &m, &f, &join(prefix, &path), out);
            }
            "merge" => {
                let (m, f) = router_function(args, module);
                collect(api, &m, &f, prefix, out);
            }
            _ => {}
        }
    }
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix, path) {
        ("", p) => p.to_string(),
        (p, "/") => p.to_string(),
        (p, q) => format!("{p}{q}"),
    }
}

/// `lists::routes()` → (`lists`, `routes`); `objects_router()` → (this module, it).
fn router_function(expression: &str, module: &str) -> (String, String) {
    // `lists::routes()`, `admin::router(state.config.admin_api)`: the name before the
    // arguments.
    let call = expression.trim().split('(').next().unwrap_or_default();
    let call = call.trim_start_matches("super::");
    match call.rsplit_once("::") {
        Some((m, f)) => (m.to_string(), f.to_string()),
        None => (module.to_string(), call.to_string()),
    }
}

/// Whether `text` calls `marker` (`get(`) as a word of its own (`axum::routing::post(` too).
fn contains_call(text: &str, marker: &str) -> bool {
    text.match_indices(marker).any(|(at, _)| {
        at == 0
            || !text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

fn function_body<'a>(source: &'a str, name: &str) -> Option<&'a str> {
    let start = source.find(&format!("fn {name}("))?;
    let open = start + source[start..].find('{')?;
    let close = open + matching(&source[open..], '{', '}')?;
    Some(&source[open + 1..close])
}

/// The next `.route(`, `.nest(` or `.merge(` call: its name, its arguments, what follows.
fn next_call(text: &str) -> Option<(&str, &str, &str)> {
    let found = ["route", "nest", "merge"]
        .iter()
        .filter_map(|name| text.find(&format!(".{name}(")).map(|at| (at, *name)))
        .min()?;
    let (at, name) = found;
    let open = at + name.len() + 1;
    let close = open + matching(&text[open..], '(', ')')?;
    Some((name, &text[open + 1..close], &text[close + 1..]))
}

/// The offset of the bracket closing the one `text` starts with, skipping string literals.
fn matching(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first string literal of an argument list, and the text after its comma.
fn split_first_string(args: &str) -> (String, &str) {
    let start = args.find('"').expect("a path literal");
    let end = start + 1 + args[start + 1..].find('"').expect("a closed literal");
    let rest = args[end + 1..].trim_start().trim_start_matches(',');
    (args[start + 1..end].to_string(), rest)
}
