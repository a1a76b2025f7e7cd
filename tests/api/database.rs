//! The db layer: both backends, migrations, write transactions, idempotent inserts, counters and
//! the mapping of constraint violations to typed errors.
use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use obrador::db::{self, schema::counters, write_tx, Backend, DbConn, DbError};

use crate::helpers::{postgres_admin_url, TestDatabase};

fn counter(conn: &mut DbConn, name: &str) -> i64 {
    counters::table
        .filter(counters::name.eq(name))
        .select(counters::value)
        .first(conn)
        .expect("counter row")
}

#[test]
fn sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh_sqlite(dir.path());
    let mut conn = db.conn();
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = BigInt)]
        foreign_keys: i64,
    }
    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = BigInt)]
        timeout: i64,
    }
    let conn: &mut DbConn = &mut conn;
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(conn)
        .expect("pragma");
    assert_eq!(mode.journal_mode, "wal");
    let fk: Flag = diesel::sql_query("PRAGMA foreign_keys")
        .get_result(conn)
        .expect("pragma");
    assert_eq!(fk.foreign_keys, 1);
    let timeout: Timeout = diesel::sql_query("PRAGMA busy_timeout")
        .get_result(conn)
        .expect("pragma");
    assert!(timeout.timeout >= 5000);
}

/// Two writers doing read-modify-write at once on SQLite both succeed (one waits for the other)
/// and no update is lost: `write_tx` takes the write lock up front.
#[test]
fn two_concurrent_sqlite_writers_both_succeed() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh_sqlite(dir.path());
    run_concurrent_increments(&db);
}

fn run_concurrent_increments(db: &TestDatabase) {
    const ROUNDS: i64 = 100;
    let pool = db.pool();
    db::run_migrations(&mut pool.get().expect("conn")).expect("migrate");
    let start = Arc::new(Barrier::new(2));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let pool = pool.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("conn");
                start.wait();
                for _ in 0..ROUNDS {
                    write_tx(&mut conn, |c| -> Result<(), DbError> {
                        let seen = counters::table
                            .filter(counters::name.eq("race"))
                            .select(counters::value)
                            .first::<i64>(c)
                            .optional()?
                            .unwrap_or(0);
                        obrador::insert_ignore!(
                            &mut *c,
                            counters::table,
                            (counters::name.eq("race"), counters::value.eq(0_i64))
                        )?;
                        diesel::update(counters::table.filter(counters::name.eq("race")))
                            .set(counters::value.eq(seen + 1))
                            .execute(c)?;
                        Ok(())
                    })
                    .expect("every write transaction succeeds");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer finished");
    }
    assert_eq!(counter(&mut pool.get().expect("conn"), "race"), 2 * ROUNDS);
}

#[test]
fn counters_hand_out_unique_gapless_numbers_under_concurrency() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh(dir.path());
    let pool = db.pool();
    db::run_migrations(&mut pool.get().expect("conn")).expect("migrate");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("conn");
                (0..25)
                    .map(|_| {
                        write_tx(&mut conn, |c| db::next_counter_value(c, "invoice-F2026"))
                            .expect("number")
                    })
                    .collect::<Vec<i64>>()
            })
        })
        .collect();
    let mut numbers: Vec<i64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("joined"))
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=100).collect::<Vec<_>>());
}

#[test]
fn a_rolled_back_transaction_leaves_no_trace_and_no_gap() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh(dir.path());
    let mut conn = db.conn();
    db::run_migrations(&mut conn).expect("migrate");
    let first = write_tx(&mut conn, |c| db::next_counter_value(c, "n")).expect("1");
    let failed: Result<i64, DbError> = write_tx(&mut conn, |c| {
        db::next_counter_value(c, "n")?;
        Err(DbError::NotFound)
    });
    assert!(matches!(failed, Err(DbError::NotFound)));
    let second = write_tx(&mut conn, |c| db::next_counter_value(c, "n")).expect("2");
    assert_eq!((first, second), (1, 2));
}

#[test]
fn insert_ignore_is_idempotent_and_unique_violations_are_typed() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh(dir.path());
    let mut conn = db.conn();
    let conn: &mut DbConn = &mut conn;
    db::run_migrations(conn).expect("migrate");
    let row = (counters::name.eq("once"), counters::value.eq(7_i64));
    assert_eq!(
        obrador::insert_ignore!(&mut *conn, counters::table, row).expect("first"),
        1
    );
    assert_eq!(
        obrador::insert_ignore!(&mut *conn, counters::table, row).expect("again"),
        0
    );
    assert_eq!(counter(conn, "once"), 7);
    let duplicate = diesel::insert_into(counters::table)
        .values(row)
        .execute(conn);
    let err = DbError::from(duplicate.expect_err("duplicate refused"));
    assert!(matches!(err, DbError::Unique(_)), "{err:?}");
}

#[test]
fn lock_row_reports_whether_the_row_exists() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh(dir.path());
    let mut conn = db.conn();
    let conn: &mut DbConn = &mut conn;
    db::run_migrations(conn).expect("migrate");
    diesel::sql_query("CREATE TABLE lock_probe (id BIGINT PRIMARY KEY)")
        .execute(conn)
        .expect("table");
    diesel::sql_query("INSERT INTO lock_probe (id) VALUES (5)")
        .execute(conn)
        .expect("row");
    let found = write_tx(conn, |c| -> QueryResult<(bool, bool)> {
        Ok((
            db::lock_row(c, "lock_probe", 5)?,
            db::lock_row(c, "lock_probe", 6)?,
        ))
    })
    .expect("locked");
    assert_eq!(found, (true, false));
}

#[test]
fn migrations_run_once() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDatabase::fresh_sqlite(dir.path());
    let mut conn = db.conn();
    let first = db::run_migrations(&mut conn).expect("first run");
    assert!(!first.is_empty());
    assert!(db::run_migrations(&mut conn)
        .expect("second run")
        .is_empty());
}

/// Both backends end with the same tables and columns after migrating.
#[test]
fn both_backends_have_the_same_tables_and_columns() {
    let Some(admin) = postgres_admin_url() else {
        eprintln!("skipped: no PostgreSQL configured (TEST_DATABASE_URL / TEST_POSTGRES_URL)");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = TestDatabase::fresh_sqlite(dir.path());
    let mut sqlite_conn = sqlite.conn();
    db::run_migrations(&mut sqlite_conn).expect("migrate sqlite");
    let postgres = TestDatabase::fresh_postgres(&admin);
    let mut pg_conn = postgres.conn();
    assert_eq!(pg_conn.backend(), Backend::Postgres);
    let sqlite_columns = columns(&mut sqlite_conn);
    let pg_columns = columns(&mut pg_conn);
    assert!(sqlite_columns.contains_key("counters"));
    assert_eq!(sqlite_columns, pg_columns);
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn columns(conn: &mut DbConn) -> BTreeMap<String, Vec<String>> {
    let query = match conn.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND m.name <> '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'"
        }
    };
    let rows: Vec<Column> = diesel::sql_query(query).load(conn).expect("catalog");
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        tables
            .entry(row.table_name)
            .or_default()
            .push(row.column_name);
    }
    tables.values_mut().for_each(|cols| cols.sort());
    tables
}
