//! The import rules of DESIGN.md, checked against the sources: which of our modules each
//! module may name (`crate::…` anywhere in its code, comments aside), that `domain` reads
//! no clock, that `store/sql` names no database driver, and that `formats` names no
//! service. A rule broken in any file fails the test with the file, line and path.

use std::path::{Path, PathBuf};

/// The modules of this crate each module may name (besides itself).
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("store", &["domain"]),
    (
        "jobs",
        &[
            "domain",
            "store",
            "blob",
            "clock",
            "faults",
            "restore_gate",
            "tls",
        ],
    ),
    (
        "api",
        &[
            "domain",
            "store",
            "blob",
            "clock",
            "faults",
            "fixtures",
            "restore_gate",
        ],
    ),
    ("fixtures", &["domain", "store"]),
    ("blob", &["tls"]),
    ("clock", &[]),
    ("faults", &[]),
    ("restore_gate", &[]),
    ("tls", &[]),
];

/// What `domain` must not call: it takes the time as `now`, never reads it.
const CLOCK_READS: &[&str] = &[
    "Utc::now",
    "Local::now",
    "SystemTime::now",
    "Instant::now",
    "now_ms(",
];

/// What the shared SQL must not name: it is pure code over the dialect.
const DRIVERS: &[&str] = &[
    "rusqlite",
    "tokio_postgres",
    "deadpool_postgres",
    "postgres_types",
];

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The file's lines with comments removed (doc comments and `//` tails); block comments
/// are not used in this code base.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let code = match line.find("//") {
                Some(at) if !line[..at].contains('"') => &line[..at],
                _ => line,
            };
            (i + 1, code.to_string())
        })
        .filter(|(_, code)| !code.trim().is_empty())
        .collect()
}

/// Every `crate::<module>` a line names.
fn named_modules(line: &str) -> Vec<&str> {
    line.match_indices("crate::")
        .filter(|(at, _)| {
            // `$crate::` in macros and `other_crate::` are not ours.
            !line[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$')
        })
        .map(|(at, _)| {
            let rest = &line[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// The rules a module's files break, as `file:line: why`.
fn broken_rules(module: &str, allowed: &[&str]) -> Vec<String> {
    let src = crate_root().join("src");
    let dir = src.join(module);
    let files = if dir.is_dir() {
        rust_files(&dir)
    } else {
        vec![src.join(format!("{module}.rs"))]
    };
    let mut broken = Vec::new();
    for file in files {
        let shown = file
            .strip_prefix(crate_root())
            .unwrap()
            .display()
            .to_string();
        let shared_sql = file.starts_with(src.join("store/sql"));
        for (number, line) in code_lines(&file) {
            for named in named_modules(&line) {
                if named != module && !allowed.contains(&named) {
                    broken.push(format!(
                        "{shown}:{number}: `{module}` must not use `crate::{named}`"
                    ));
                }
            }
            if module == "domain" {
                for read in CLOCK_READS.iter().filter(|r| line.contains(**r)) {
                    broken.push(format!(
                        "{shown}:{number}: `domain` reads the clock ({read})"
                    ));
                }
            }
            if shared_sql {
                for driver in DRIVERS.iter().filter(|d| line.contains(**d)) {
                    broken.push(format!(
                        "{shown}:{number}: `store/sql` names the driver {driver}"
                    ));
                }
            }
        }
    }
    broken
}

#[test]
fn every_module_imports_only_what_design_md_allows() {
    let broken: Vec<String> = ALLOWED
        .iter()
        .flat_map(|(module, allowed)| broken_rules(module, allowed))
        .collect();
    assert!(
        broken.is_empty(),
        "import rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_sheet_writers_name_no_service() {
    let formats = crate_root().join("../formats/src");
    let mut named = Vec::new();
    for file in rust_files(&formats) {
        for (number, line) in code_lines(&file) {
            if line.contains("crm-exports") || line.contains("crm_exports") {
                named.push(format!("{}:{number}: {}", file.display(), line.trim()));
            }
        }
    }
    assert!(
        named.is_empty(),
        "formats names the service:\n{}",
        named.join("\n")
    );
}

#[test]
fn the_rules_see_a_forbidden_use() {
    assert_eq!(
        named_modules("use crate::jobs::Runner; let x = crate::store::X; $crate::y"),
        ["jobs", "store"]
    );
}
