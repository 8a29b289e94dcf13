//! What `export start` and `export download` save: names that end in the extension of
//! what the server wrote (with a line saying why it is a zip), existing files never
//! overwritten without `--force`, and Ctrl-C that leaves the export running (named, with
//! the command that downloads it later) or cancels it on a second press or with
//! `--cancel-on-interrupt`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Server, read_rows, seed};

const SMALL: &[&str] = &[
    "--contacts",
    "120",
    "--companies",
    "5",
    "--deals",
    "0",
    "--tickets",
    "0",
];

fn export_to(server: &Server, cwd: &Path, out: &Path, extra: &[&str]) -> crate::harness::Ran {
    let mut args = vec![
        "export",
        "start",
        "--object",
        "contacts",
        "--properties",
        "email,firstname,city",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    server.client(cwd, &args)
}

#[test]
fn a_zipped_csv_is_saved_as_a_zip_and_the_client_says_why() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), SMALL).expect_ok();
    // A tiny zip threshold makes the server zip this CSV, as HubSpot zips one over 2 MB.
    let server = Server::start(dir.path(), &["--csv-zip-bytes", "1000"]);
    let asked = dir.path().join("big.csv");
    let ran = export_to(&server, dir.path(), &asked, &["--format", "csv"]).expect_ok();
    let saved = dir.path().join("big.zip");
    assert_eq!(ran.stdout.trim(), saved.to_str().unwrap());
    assert!(!asked.exists(), "a zip was saved under the .csv name");
    assert_eq!(&std::fs::read(&saved).unwrap()[..4], b"PK\x03\x04");
    assert!(
        ran.stderr.contains("note: the server zipped") && ran.stderr.contains("over 2 MB"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("saved as"), "{}", ran.stderr);
}

#[test]
fn an_xls_export_split_into_parts_is_a_zip_named_so_with_the_number_of_parts() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), SMALL).expect_ok();
    let server = Server::start(dir.path(), &["--partition-rows", "50"]);
    let ran = server
        .client(
            dir.path(),
            &[
                "export", "start", "--object", "contacts", "--format", "xls", "--name", "everyone",
            ],
        )
        .expect_ok();
    assert_eq!(ran.stdout.trim(), "everyone.zip");
    assert!(
        ran.stderr
            .contains("the server split its 120 rows into 3 files in one zip"),
        "{}",
        ran.stderr
    );
    assert!(dir.path().join("everyone.zip").is_file());
}

#[test]
fn an_existing_file_gets_a_numbered_neighbour_unless_force_is_given() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), SMALL).expect_ok();
    let server = Server::start(dir.path(), &[]);
    let out = dir.path().join("contacts.xlsx");
    std::fs::write(&out, "mine").unwrap();
    let ran = export_to(&server, dir.path(), &out, &[]).expect_ok();
    let first = dir.path().join("contacts-1.xlsx");
    assert_eq!(ran.stdout.trim(), first.to_str().unwrap());
    assert!(ran.stderr.contains("exists; saved as"), "{}", ran.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    assert_eq!(read_rows(&first).len(), 121);

    let ran = export_to(&server, dir.path(), &out, &[]).expect_ok();
    assert_eq!(
        ran.stdout.trim(),
        dir.path().join("contacts-2.xlsx").to_str().unwrap()
    );

    let ran = export_to(&server, dir.path(), &out, &["--force"]).expect_ok();
    assert_eq!(ran.stdout.trim(), out.to_str().unwrap());
    assert_eq!(read_rows(&out).len(), 121);
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

/// `export start` following an export that never runs (the server has no workers),
/// stopped after its first progress line, which names the export.
struct Following {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStderr>>,
    id: String,
}

impl Following {
    fn start(server: &Server, cwd: &Path, extra: &[&str]) -> Following {
        let mut args = vec!["export", "start", "--object", "contacts"];
        args.extend_from_slice(extra);
        let mut child = server
            .client_command(cwd, &args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("export start runs");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        // "export 12: PENDING (0.1 s)"
        let first = lines.next().expect("a progress line").unwrap();
        let id = first
            .strip_prefix("export ")
            .and_then(|rest| rest.split(':').next())
            .unwrap_or_else(|| panic!("no export id in {first:?}"))
            .to_owned();
        Following { child, lines, id }
    }

    fn interrupt(&self) {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    fn next_line(&mut self) -> String {
        self.lines.next().expect("another line").unwrap()
    }

    /// The rest of stderr and the exit code, within a deadline.
    fn finish(mut self) -> (String, Option<i32>) {
        let rest: Vec<String> = self.lines.map(|l| l.unwrap()).collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (rest.join("\n"), status.code());
            }
            assert!(Instant::now() < deadline, "export start did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn export_status(server: &Server, cwd: &Path, id: &str) -> String {
    let ran = server.client(cwd, &["export", "status", id]).expect_ok();
    let status: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    status["status"].as_str().unwrap().to_owned()
}

/// A server without workers, so the export stays queued, and `export start` following it.
fn follow_a_queued_export(extra: &[&str]) -> (tempfile::TempDir, Server, Following) {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), SMALL).expect_ok();
    let server = Server::start(dir.path(), &["--export-workers", "0"]);
    let following = Following::start(&server, dir.path(), extra);
    (dir, server, following)
}

/// The client exited as after Ctrl-C, saying so, and the export is `state` on the server.
fn assert_interrupted(
    (stderr, code): (String, Option<i32>),
    said: &str,
    (server, dir, id): (&Server, &Path, &str),
    state: &str,
) {
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains(said), "no {said:?} in {stderr}");
    assert_eq!(export_status(server, dir, id), state);
}

#[test]
fn ctrl_c_names_the_export_and_the_command_that_downloads_it_later() {
    let (dir, server, following) = follow_a_queued_export(&[]);
    let id = following.id.clone();
    following.interrupt();
    let ended = following.finish();
    assert!(
        ended
            .0
            .contains(&format!("`crm-exports export download {id} --base-url")),
        "{}",
        ended.0
    );
    let said = format!("export {id} keeps running on the server");
    assert_interrupted(ended, &said, (&server, dir.path(), &id), "PENDING");
}

#[test]
fn a_second_ctrl_c_cancels_the_export_on_the_server() {
    let (dir, server, mut following) = follow_a_queued_export(&[]);
    let id = following.id.clone();
    following.interrupt();
    let said = following.next_line();
    assert!(said.contains("Press Ctrl-C again"), "{said}");
    following.interrupt();
    let said = format!("canceled export {id} on the server");
    assert_interrupted(
        following.finish(),
        &said,
        (&server, dir.path(), &id),
        "CANCELED",
    );
}

#[test]
fn with_cancel_on_interrupt_one_ctrl_c_cancels_the_export() {
    let (dir, server, following) = follow_a_queued_export(&["--cancel-on-interrupt"]);
    let id = following.id.clone();
    following.interrupt();
    let said = format!("canceled export {id} on the server");
    assert_interrupted(
        following.finish(),
        &said,
        (&server, dir.path(), &id),
        "CANCELED",
    );
}
