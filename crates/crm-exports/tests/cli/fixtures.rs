//! `fixtures load` and `fixtures dump` as a user runs them: a file loaded straight into a
//! new data folder dumps back byte for byte (to a file and to standard output), and a
//! wrong file is refused with `FILE:LINE:COLUMN: field: message`, nothing stored.

use crate::harness::run;

const FULL: &str = include_str!("../data/fixture_full.json");

#[test]
fn a_loaded_fixture_dumps_back_byte_for_byte_and_a_wrong_one_is_refused_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let file = dir.path().join("portal.json");
    std::fs::write(&file, FULL).unwrap();
    let file = file.to_str().unwrap();

    let loaded = run(dir.path(), &["fixtures", "load", file, "--data-dir", data]).expect_ok();
    assert_eq!(
        loaded.stdout,
        "loaded into portal 1: 2 owners, 1 schemas, 7 records, 5 associations, 4 lists\n"
    );
    let out = dir.path().join("dump.json");
    let out = out.to_str().unwrap();
    run(
        dir.path(),
        &["fixtures", "dump", "--data-dir", data, "--out", out],
    )
    .expect_ok();
    assert_eq!(std::fs::read_to_string(out).unwrap(), FULL);
    let printed = run(
        dir.path(),
        &["fixtures", "dump", "--data-dir", data, "--portal", "1"],
    )
    .expect_ok();
    assert_eq!(printed.stdout, FULL);

    // A second portal, and a file with a misspelt property for it.
    let wrong = dir.path().join("wrong.json");
    let text = r#"{
  "records": {
    "contacts": [
      {"id": 7, "properties": {"emial": "x@example.com"}}
    ]
  }
}
"#;
    std::fs::write(&wrong, text).unwrap();
    let wrong = wrong.to_str().unwrap();
    let refused = run(dir.path(), &["fixtures", "load", wrong, "--data-dir", data]);
    assert!(!refused.ok, "{}", refused.stdout);
    assert!(
        refused.stderr.contains(&format!(
            "{wrong}:4:32: records.contacts[0].properties.emial: unknown property"
        )),
        "{}",
        refused.stderr
    );
    let after = run(dir.path(), &["fixtures", "dump", "--data-dir", data]).expect_ok();
    assert_eq!(after.stdout, FULL, "nothing of the refused file was stored");
    let unknown = run(
        dir.path(),
        &["fixtures", "dump", "--data-dir", data, "--portal", "9"],
    );
    assert!(
        unknown.stderr.contains("portal 9 does not exist"),
        "{}",
        unknown.stderr
    );
}
