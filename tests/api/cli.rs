//! The real `obrador` binary: help, migrate, and refusing a URL it cannot serve.
use std::process::Command;

use crate::helpers::TestDatabase;

fn obrador() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_obrador"));
    cmd.env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    cmd
}

#[test]
fn help_explains_the_commands() {
    let output = obrador().arg("--help").output().expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("serve") && text.contains("migrate"), "{text}");
    assert!(text.contains("Create the database if needed"), "{text}");
}

#[test]
fn migrate_creates_and_migrates_then_reports_up_to_date() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh(dir.path());
    let run = || {
        let output = obrador()
            .current_dir(dir.path())
            .env("DATABASE_URL", db.url())
            .arg("migrate")
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let first = run();
    // A template-cloned PostgreSQL database is already migrated; SQLite starts empty.
    assert!(
        first.contains("applied") || first.contains("up to date"),
        "{first}"
    );
    assert!(run().contains("up to date"));
}

#[test]
fn runs_from_an_empty_folder_with_defaults_and_data_dir_from_the_environment() {
    let dir = tempfile::tempdir().expect("dir");
    let output = obrador()
        .current_dir(dir.path())
        .env("OBRADOR_DATA_DIR", dir.path().join("state"))
        .arg("migrate")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("state/obrador.db").exists());
}

#[test]
fn an_unknown_database_scheme_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let output = obrador()
        .current_dir(dir.path())
        .env("DATABASE_URL", "mysql://localhost/obrador")
        .arg("migrate")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("scheme 'mysql' is not supported"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}
