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

/// `obrador --bind ADDR` serves (serve is the default command) and stops cleanly on SIGTERM.
#[test]
fn the_binary_serves_by_default_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("dir");
    let mut child = obrador()
        .current_dir(dir.path())
        .env("RUST_LOG", "info")
        .args(["--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let port = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            let (_, rest) = line.split_once("listening on http://127.0.0.1:")?;
            rest.split_whitespace().next()?.parse::<u16>().ok()
        })
        .expect("the server says where it listens");
    let health = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
        use std::io::{Read, Write};
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply)?;
        Ok(reply)
    });
    assert!(health.expect("healthz").starts_with("HTTP/1.1 200"));
    assert!(
        dir.path().join("data/obrador.db").exists(),
        "default SQLite file under data/"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("exits");
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
}
