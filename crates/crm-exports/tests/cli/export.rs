//! `export start` in every format, with filters, associations and lists, and the
//! `status`, `get`, `download` and `cancel` commands.

use crate::harness::{Server, read_rows, seed};

const SMALL: &[&str] = &[
    "--contacts",
    "120",
    "--companies",
    "12",
    "--deals",
    "30",
    "--tickets",
    "10",
    "--seed",
    "7",
];

fn column(rows: &[Vec<String>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header:?} in {:?}", rows[0]))
}

#[test]
fn filtered_exports_with_associations_download_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), SMALL).expect_ok();
    let server = Server::start(dir.path(), &[]);
    let mut counts = Vec::new();
    for format in ["csv", "xlsx", "xls"] {
        let out = dir.path().join(format!("customers.{format}"));
        let ran = server
            .client(
                dir.path(),
                &[
                    "export",
                    "start",
                    "--object",
                    "contacts",
                    "--properties",
                    "email,firstname,city,lifecyclestage",
                    "--format",
                    format,
                    "--filter",
                    "lifecyclestage EQ customer",
                    "--associated",
                    "companies",
                    "--name",
                    "customers",
                    "--out",
                    out.to_str().unwrap(),
                ],
            )
            .expect_ok();
        assert_eq!(ran.stdout.trim(), out.to_str().unwrap());
        assert!(ran.stderr.contains("COMPLETE"), "{}", ran.stderr);
        let rows = read_rows(&out);
        let stage = column(&rows, "Lifecycle Stage");
        let company = column(&rows, "Associated Company IDs");
        let name = column(&rows, "Associated Company");
        assert!(rows.len() > 5, "only {} rows", rows.len());
        for row in &rows[1..] {
            assert_eq!(row[stage], "Customer", "{row:?}");
        }
        // Nine in ten seeded contacts have a company, with its name beside its id.
        let with_company = rows[1..].iter().filter(|r| !r[company].is_empty()).count();
        assert!(
            with_company * 10 >= (rows.len() - 1) * 7,
            "{with_company} of {}",
            rows.len() - 1
        );
        assert!(
            rows[1..]
                .iter()
                .all(|r| r[company].is_empty() == r[name].is_empty())
        );
        counts.push(rows.len());
    }
    assert!(counts.iter().all(|&c| c == counts[0]), "{counts:?}");
}

#[test]
fn a_list_export_holds_the_members_of_the_dynamic_list() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = seed(dir.path(), SMALL).expect_ok();
    // One line per list: "list 3: Demo: contacts in Paris".
    let list_id = seeded
        .stdout
        .lines()
        .find_map(|line| line.strip_suffix(": Demo: contacts in Paris"))
        .and_then(|p| p.strip_prefix("list "))
        .unwrap_or_else(|| panic!("no list id in {:?}", seeded.stdout))
        .to_owned();
    let server = Server::start(dir.path(), &[]);
    let out = dir.path().join("paris.csv");
    server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--list",
                &list_id,
                "--properties",
                "email,city",
                "--format",
                "csv",
                "--internal-names",
                "--out",
                out.to_str().unwrap(),
            ],
        )
        .expect_ok();
    let rows = read_rows(&out);
    assert_eq!(rows[0], ["hs_object_id", "email", "city"]);
    assert!(rows.len() > 1, "nobody in Paris");
    assert!(rows[1..].iter().all(|r| r[2] == "Paris"), "{rows:?}");
}

#[test]
fn status_get_download_and_cancel_work_on_an_export_id() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), SMALL).expect_ok();
    let server = Server::start(dir.path(), &[]);
    let id = server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "deals",
                "--format",
                "csv",
                "--no-wait",
            ],
        )
        .expect_ok()
        .stdout
        .trim()
        .to_owned();
    assert!(id.parse::<u64>().is_ok(), "{id:?}");
    // Wait for it through the status command, as a script would.
    let mut status = serde_json::Value::Null;
    for _ in 0..200 {
        let ran = server
            .client(dir.path(), &["export", "status", &id])
            .expect_ok();
        status = serde_json::from_str(&ran.stdout).expect("status is JSON");
        if status["status"] == "COMPLETE" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(status["status"], "COMPLETE");
    let details: serde_json::Value = serde_json::from_str(
        &server
            .client(dir.path(), &["export", "get", &id])
            .expect_ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(details["recordCount"], 30);
    assert_eq!(details["exportState"], "DONE");
    // Without --out, the file takes the name the server gives it, in the current folder.
    let work = tempfile::tempdir().unwrap();
    let saved = server
        .client(work.path(), &["export", "download", &id])
        .expect_ok();
    let path = work.path().join(saved.stdout.trim());
    assert!(saved.stdout.trim().ends_with(".csv"), "{}", saved.stdout);
    assert_eq!(read_rows(&path).len(), 31);
    // A finished export cannot be canceled: one clear line.
    let error = server
        .client(dir.path(), &["export", "cancel", &id])
        .expect_one_error_line();
    assert!(
        error.contains("409") && error.contains("cannot be canceled"),
        "{error}"
    );
}

#[test]
fn a_queued_export_is_canceled_and_has_nothing_to_download() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), SMALL).expect_ok();
    // No workers: the export stays queued.
    let server = Server::start(dir.path(), &["--export-workers", "0"]);
    let id = server
        .client(
            dir.path(),
            &["export", "start", "--object", "contacts", "--no-wait"],
        )
        .expect_ok()
        .stdout
        .trim()
        .to_owned();
    let ran = server
        .client(dir.path(), &["export", "cancel", &id])
        .expect_ok();
    assert_eq!(ran.stdout.trim(), format!("canceled export {id}"));
    let error = server
        .client(dir.path(), &["export", "download", &id])
        .expect_one_error_line();
    assert!(error.contains("CANCELED"), "{error}");
}
