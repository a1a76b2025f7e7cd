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

mod accounts {
    use std::io::Write;
    use std::process::Stdio;

    use super::obrador;
    use crate::helpers::TestDatabase;

    fn run(
        dir: &std::path::Path,
        db: &TestDatabase,
        args: &[&str],
        stdin: Option<&str>,
    ) -> std::process::Output {
        let mut child = obrador()
            .current_dir(dir)
            .env("DATABASE_URL", db.url())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("write");
        }
        drop(input);
        child.wait_with_output().expect("output")
    }

    #[tokio::test]
    async fn user_add_and_token_create_make_a_working_admin() {
        let app = crate::helpers::spawn_app().await;
        let dir = app.data_dir.path();
        let add = [
            "user",
            "add",
            "--email",
            "Marta@Obrador.example",
            "--name",
            "Marta Soler",
            "--role",
            "admin",
        ];
        let output = run(dir, &app.db, &add, Some("a very good password\n"));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains("marta@obrador.example") && !text.contains("Password"),
            "{text}"
        );
        assert_eq!(
            app.browser()
                .login("marta@obrador.example", "a very good password")
                .await
                .status(),
            303
        );

        let output = run(
            dir,
            &app.db,
            &[
                "token",
                "create",
                "--email",
                "MARTA@obrador.example",
                "--name",
                "laser",
            ],
            None,
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let token = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let me = app.api_get(&token, "/api/v1/me").await;
        assert_eq!(me.status(), 200);

        let device = [
            "token",
            "create",
            "--email",
            "marta@obrador.example",
            "--resource",
            "7",
        ];
        let output = run(dir, &app.db, &device, None);
        let device_token = String::from_utf8_lossy(&output.stdout).trim().to_string();
        // A device token reports usage and nothing else; Marta's own token lists it.
        let refused = app.api_get(&device_token, "/api/v1/tokens").await;
        assert_eq!(refused.status(), 403);
        let listed: serde_json::Value = app
            .api_get(&token, "/api/v1/tokens")
            .await
            .json()
            .await
            .expect("json");
        let items = listed["items"].as_array().expect("items");
        assert!(items.iter().any(|t| t["resource_id"] == 7), "{listed}");
    }

    #[tokio::test]
    async fn user_add_generates_a_password_when_none_is_piped_and_refuses_bad_input() {
        let app = crate::helpers::spawn_app().await;
        let dir = app.data_dir.path();
        let add = [
            "user",
            "add",
            "--email",
            "pau@example.org",
            "--name",
            "Pau",
            "--role",
            "member",
        ];
        let output = run(dir, &app.db, &add, None);
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        let password = text
            .split("Password (shown once): ")
            .nth(1)
            .expect("printed")
            .trim()
            .to_string();
        assert_eq!(
            app.browser()
                .login("pau@example.org", &password)
                .await
                .status(),
            303
        );

        let again = [
            "user",
            "add",
            "--email",
            "PAU@example.org",
            "--name",
            "Pau",
            "--role",
            "member",
        ];
        let output = run(dir, &app.db, &again, None);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
        let bad_role = [
            "user",
            "add",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "boss",
        ];
        let output = run(dir, &app.db, &bad_role, None);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("'boss' is not a role"));
        let nobody = ["token", "create", "--email", "nobody@example.org"];
        let output = run(dir, &app.db, &nobody, None);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("no user with the email"));
    }
}
