//! The README's quick start, step by step as written: serve, seed while it runs, export
//! with the README's flags, and open the file it names.

use crate::harness::{Server, read_rows, run};

#[test]
fn the_readme_quick_start_gives_a_spreadsheet_of_customers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let server = Server::start(&data, &[]);
    let data_arg = data.to_str().unwrap();
    let seeded = run(dir.path(), &["seed", "--data-dir", data_arg]).expect_ok();
    assert!(seeded.stdout.contains("1000 contacts"), "{}", seeded.stdout);
    let ran = server
        .client(
            dir.path(),
            &[
                "export",
                "start",
                "--object",
                "contacts",
                "--properties",
                "email,firstname,lastname,city,country,lifecyclestage",
                "--filter",
                "lifecyclestage EQ customer",
                "--associated",
                "companies",
            ],
        )
        .expect_ok();
    let name = ran.stdout.trim();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(name, format!("contacts-{today}.xlsx"));
    let rows = read_rows(&dir.path().join(name));
    assert_eq!(
        rows[0],
        [
            "Record ID",
            "Email",
            "First Name",
            "Last Name",
            "City",
            "Country/Region",
            "Lifecycle Stage",
            "Associated Company IDs",
            "Associated Company"
        ]
    );
    // About two in nine seeded contacts are customers.
    assert!(rows.len() > 150 && rows.len() < 300, "{} rows", rows.len());
    assert!(rows[1..].iter().all(|r| r[6] == "Customer"));
}
