//! `obrador backup --to FILE`: an online copy of the SQLite database taken while the server
//! serves writes, which restores to the same data.
use std::path::Path;
use std::process::Command;

use chrono::Duration;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use obrador::db::{Backend, DbConn};
use obrador::domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{hours_ahead, rfc, spawn_app, spawn_app_with, TestApp, TestDatabase};

fn backup(database_url: &str, to: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_obrador"))
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .args(["backup", "--to"])
        .arg(to)
        .output()
        .expect("obrador runs")
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every table's row count, by name.
fn row_counts(conn: &mut DbConn) -> Vec<(String, i64)> {
    let tables: Vec<Named> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(conn)
    .expect("tables");
    tables
        .into_iter()
        .map(|t| {
            let counted: Counted =
                diesel::sql_query(format!("SELECT count(*) AS n FROM \"{}\"", t.name))
                    .get_result(conn)
                    .expect("count");
            (t.name, counted.n)
        })
        .collect()
}

fn open(path: &Path) -> TestDatabase {
    TestDatabase::existing_sqlite(path)
}

/// A copy is whole: SQLite's own checks pass and no booking lacks its block.
fn assert_consistent(conn: &mut DbConn) {
    let check: Named =
        diesel::sql_query("SELECT integrity_check AS name FROM pragma_integrity_check")
            .get_result(conn)
            .expect("integrity check");
    assert_eq!(check.name, "ok");
    let broken: Counted = diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
        .get_result(conn)
        .expect("foreign key check");
    assert_eq!(broken.n, 0, "rows pointing at missing rows");
    let orphans: Counted = diesel::sql_query(
        "SELECT count(*) AS n FROM bookings b WHERE NOT EXISTS \
         (SELECT 1 FROM resource_blocks r WHERE r.booking_id = b.id)",
    )
    .get_result(conn)
    .expect("orphans");
    assert_eq!(orphans.n, 0, "a booking without its block");
}

async fn book(
    app: &TestApp,
    token: &str,
    machine: i64,
    start: chrono::DateTime<chrono::Utc>,
) -> u16 {
    let body = json!({"resource_id": machine, "starts_at": rfc(start), "ends_at": rfc(start + Duration::hours(1))});
    app.api_send(Method::POST, token, "/api/v1/bookings", body)
        .await
        .status()
        .as_u16()
}

async fn bookings(app: &TestApp, token: &str) -> Value {
    app.api_get(token, "/api/v1/bookings")
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn a_backup_taken_while_bookings_are_written_is_consistent_and_restores_the_same_data() {
    let app = spawn_app().await;
    if app.db.backend() != Backend::Sqlite {
        return; // the PostgreSQL run checks the refusal below
    }
    let staff = app.user(Role::Staff, None);
    let token = app.token(&staff);
    let machine = app.machine("Lathe", |_| {}).id.get();
    let starts = hours_ahead(53);
    let (before, rest) = starts.split_at(3);
    for start in before {
        assert_eq!(book(&app, &token, machine, *start).await, 201);
    }

    // Bookings keep arriving while the first copy is taken.
    let during = app.data_dir.path().join("during.db");
    let writer = async {
        let mut made = 0;
        for start in rest {
            assert_eq!(book(&app, &token, machine, *start).await, 201);
            made += 1;
        }
        made
    };
    let url = app.db.url().to_string();
    let target = during.clone();
    let copier = tokio::task::spawn_blocking(move || backup(&url, &target));
    let (made, copied) = tokio::join!(writer, copier);
    let output = copied.expect("backup ran");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Backed up"));
    assert_eq!(made, 50);
    assert_consistent(&mut open(&during).conn());
    assert!(!app.data_dir.path().join("during.db.partial").exists());

    // Quiet now: a second copy restores to exactly what the server holds.
    let quiet = app.data_dir.path().join("quiet.db");
    assert!(backup(app.db.url(), &quiet).status.success());
    let restored_dir = tempfile::tempdir().expect("dir");
    let restored_file = restored_dir.path().join("obrador.db");
    std::fs::copy(&quiet, &restored_file).expect("restore by copying the file into place");
    let restored_url = format!("sqlite://{}", restored_file.display());
    let restored = spawn_app_with(|s| s.set_database_url(&restored_url)).await;
    assert_eq!(
        row_counts(&mut app.db.conn()),
        row_counts(&mut open(&restored_file).conn())
    );
    let live = bookings(&app, &token).await;
    assert_eq!(live["items"].as_array().map(Vec::len), Some(53));
    // The token lives in the copied database too, so the same request reads the same answer.
    assert_eq!(bookings(&restored, &token).await, live);
}

#[tokio::test]
async fn an_existing_file_is_never_overwritten_and_postgresql_points_to_pg_dump() {
    let app = spawn_app().await;
    let target = app.data_dir.path().join("kept.db");
    std::fs::write(&target, b"an earlier backup").expect("write");
    let output = backup(app.db.url(), &target);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    match app.db.backend() {
        Backend::Sqlite => assert!(stderr.contains("already exists"), "{stderr}"),
        Backend::Postgres => assert!(stderr.contains("pg_dump"), "{stderr}"),
    }
    assert_eq!(
        std::fs::read(&target).expect("read"),
        b"an earlier backup".to_vec()
    );
}

#[test]
fn there_is_nothing_to_back_up_where_no_database_exists() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("none.db");
    let output = backup(
        &format!("sqlite://{}", missing.display()),
        &dir.path().join("copy.db"),
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no database"));
    assert!(
        !missing.exists(),
        "the command must not create an empty database"
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}
