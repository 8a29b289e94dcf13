//! Commands that read a data folder refuse one that does not exist (only `serve` and
//! `seed` create it), each command's `--help` lists only the options it uses, and shell
//! completions and man pages come from the same definitions.

use crate::harness::run;

#[test]
fn commands_that_read_a_data_folder_refuse_a_missing_one_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let folder = missing.to_str().unwrap();
    for args in [
        vec!["token", "list", "--data-dir", folder],
        vec!["token", "revoke", "1", "--data-dir", folder],
        vec![
            "owner",
            "create",
            "--portal",
            "1",
            "--email",
            "a@b.c",
            "--data-dir",
            folder,
        ],
        vec!["worker", "--data-dir", folder],
    ] {
        let error = run(dir.path(), &args).expect_one_error_line();
        assert!(
            error.contains(&format!("the data folder {folder} does not exist")),
            "{args:?}: {error}"
        );
        assert!(!missing.exists(), "{args:?} created {folder}");
    }
    // An existing folder without a database is refused too, and stays empty.
    std::fs::create_dir(&missing).unwrap();
    let error = run(dir.path(), &["token", "list", "--data-dir", folder]).expect_one_error_line();
    assert!(error.contains("holds no crm-exports database"), "{error}");
    assert_eq!(std::fs::read_dir(&missing).unwrap().count(), 0);
}

#[test]
fn serve_and_seed_create_the_folder_and_the_others_then_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let folder = data.to_str().unwrap();
    run(
        dir.path(),
        &[
            "seed",
            "--data-dir",
            folder,
            "--contacts",
            "2",
            "--companies",
            "1",
            "--deals",
            "0",
            "--tickets",
            "0",
        ],
    )
    .expect_ok();
    let listed = run(
        dir.path(),
        &["token", "list", "--data-dir", data.to_str().unwrap()],
    )
    .expect_ok();
    assert!(listed.stdout.contains("development"), "{}", listed.stdout);
}

fn help(args: &[&str]) -> String {
    let mut full = args.to_vec();
    full.push("--help");
    run(std::path::Path::new("."), &full).expect_ok().stdout
}

#[test]
fn each_command_lists_only_the_options_it_uses() {
    let export = help(&["export", "start"]);
    for used in [
        "--base-url",
        "--token",
        "--data-dir",
        "--out",
        "--force",
        "--cancel-on-interrupt",
    ] {
        assert!(
            export.contains(used),
            "export start --help lacks {used}:\n{export}"
        );
    }
    for unused in ["--database-url", "--bind", "--lease-secs"] {
        assert!(
            !export.contains(unused),
            "export start --help lists {unused}:\n{export}"
        );
    }
    assert!(!help(&["export"]).contains("--database-url"));
    let token = help(&["token", "list"]);
    assert!(
        token.contains("--data-dir") && token.contains("--database-url"),
        "{token}"
    );
    assert!(!token.contains("--base-url"), "{token}");
    let serve = help(&["serve"]);
    assert!(
        serve.contains("--database-url") && serve.contains("--bind"),
        "{serve}"
    );
    assert!(!serve.contains("--base-url"), "{serve}");
    let completions = help(&["completions"]);
    assert!(!completions.contains("--data-dir"), "{completions}");
    let top = help(&[]);
    assert!(
        !top.contains("--data-dir") && !top.contains("--database-url"),
        "{top}"
    );
}

#[test]
fn completions_load_in_bash_and_name_every_command_in_zsh_and_fish() {
    let here = std::path::Path::new(".");
    let bash = run(here, &["completions", "bash"]).expect_ok().stdout;
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), &bash).unwrap();
    // Loading the script registers a completion function for the binary's name.
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p crm-exports",
            script.path().display()
        ))
        .output()
        .unwrap();
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("crm-exports"));
    let zsh = run(here, &["completions", "zsh"]).expect_ok().stdout;
    assert!(
        zsh.starts_with("#compdef crm-exports"),
        "{}",
        &zsh[..80.min(zsh.len())]
    );
    let fish = run(here, &["completions", "fish"]).expect_ok().stdout;
    for script in [&bash, &zsh, &fish] {
        for command in ["serve", "export", "token", "seed", "cancel-on-interrupt"] {
            assert!(
                script.contains(command),
                "a completion script lacks {command}"
            );
        }
    }
    assert!(fish.contains("complete -c crm-exports"));
    let error = run(here, &["completions", "tcsh"]);
    assert!(!error.ok);
}

#[test]
fn the_man_pages_describe_every_command_and_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let page = run(dir.path(), &["man"]).expect_ok().stdout;
    assert!(
        page.starts_with(".ie") || page.contains(".TH crm-exports"),
        "{}",
        &page[..200]
    );
    assert!(page.contains("export"), "{page}");
    run(dir.path(), &["man", "--out-dir", "pages"]).expect_ok();
    let pages = dir.path().join("pages");
    for name in [
        "crm-exports.1",
        "crm-exports-serve.1",
        "crm-exports-export.1",
        "crm-exports-export-start.1",
    ] {
        assert!(pages.join(name).is_file(), "no {name}");
    }
    let start = std::fs::read_to_string(pages.join("crm-exports-export-start.1")).unwrap();
    assert!(start.contains("cancel\\-on\\-interrupt"), "{start}");
    assert!(start.contains("CRM_EXPORTS_BASE_URL"), "{start}");
}
