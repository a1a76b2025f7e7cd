//! Write transactions and row locks, the two places where SQLite and PostgreSQL behave differently.
use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::BigInt;

use super::schema::counters;
use super::DbConn;

/// Runs `work` in one write transaction and commits it when `work` returns `Ok`.
///
/// On SQLite the transaction is `BEGIN IMMEDIATE`: it takes the write lock up front, so a second
/// writer waits instead of failing later with "database is locked" (which a deferred transaction
/// that upgrades to a write does under WAL, whatever the timeout). Writers of this process queue
/// for the lock in memory first (see `SqliteWriter`); only another process's writer is waited
/// for in SQLite's busy handler. On PostgreSQL it is an ordinary transaction; nested
/// `conn.transaction(..)` calls inside `work` become savepoints on both backends, so one failure
/// need not abort a batch.
pub fn write_tx<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    let _turn = match conn {
        DbConn::Sqlite(c) => {
            let turn = SqliteWriter::wait_turn();
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            turn
        }
        DbConn::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            None
        }
    };
    type Manager = <DbConn as Connection>::TransactionManager;
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(err),
            Err(rollback_err) => Err(rollback_err.into()),
        },
    }
}

/// The SQLite writers of this process, one at a time.
///
/// SQLite admits one writer per database; a second one that finds the lock taken sleeps in the
/// busy handler with growing pauses (up to 100 ms) and retries, so under contention the lock is
/// often free while every waiter sleeps, and a writer can lose the race again and again. Waiting
/// on a mutex instead hands the lock to the next writer the moment the previous one commits.
/// One mutex serves every SQLite database of the process (a server opens one; the tests open
/// many, and gain nothing from writing to two at once). A thread already inside a write
/// transaction does not queue again, so nesting behaves as before.
struct SqliteWriter;

static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// This thread's turn to write; the next writer's begins when it is dropped.
struct Turn {
    _guard: std::sync::MutexGuard<'static, ()>,
}

impl SqliteWriter {
    fn wait_turn() -> Option<Turn> {
        if WRITING.with(std::cell::Cell::get) {
            return None;
        }
        // A writer that panicked left nothing behind: its transaction rolled back with its
        // connection, so a poisoned lock is still a good lock.
        let guard = SQLITE_WRITER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        WRITING.with(|w| w.set(true));
        Some(Turn { _guard: guard })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        WRITING.with(|w| w.set(false));
    }
}

/// Locks one row until the end of the current write transaction so that a read-modify-write on it
/// cannot interleave with another instance's. PostgreSQL takes `FOR UPDATE`; on SQLite the
/// immediate write transaction already holds the database's single write lock. Returns whether
/// the row exists. `table` is always a name from code, never from input.
pub fn lock_row(conn: &mut DbConn, table: &'static str, id: i64) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        id: i64,
    }
    let rows: Vec<Found> = match conn {
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"))
                .bind::<BigInt, _>(id)
                .load(c)?
        }
        DbConn::Sqlite(c) => diesel::sql_query(format!("SELECT id FROM {table} WHERE id = ?"))
            .bind::<BigInt, _>(id)
            .load(c)?,
    };
    Ok(!rows.is_empty())
}

/// Increments the named counter and returns its new value. The `UPDATE` locks the counter's row
/// for the rest of the transaction on both backends, so numbers handed out are gapless and unique
/// as long as the caller's transaction commits or rolls back as a whole.
pub fn next_counter_value(conn: &mut DbConn, name: &str) -> QueryResult<i64> {
    crate::insert_ignore!(
        &mut *conn,
        counters::table,
        (counters::name.eq(name), counters::value.eq(0_i64))
    )?;
    diesel::update(counters::table.filter(counters::name.eq(name)))
        .set(counters::value.eq(counters::value + 1))
        .returning(counters::value)
        .get_result(conn)
}
