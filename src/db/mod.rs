//! Database access: one connection type over SQLite and PostgreSQL, the pool, migrations, and the
//! few helpers every service shares. Where the two backends' SQL differs, it differs here.
pub mod accounts;
pub mod audit;
pub mod backup;
pub mod bookings;
mod error;
pub mod invoicing;
mod lease;
mod migrations;
pub mod password_resets;
pub mod plans;
mod pool;
pub mod resources;
pub mod schema;
pub mod training;
pub mod tutors;
mod tx;
mod url;
pub mod usage;

pub use error::DbError;
pub use lease::{claim_due, LeaseClaim};
pub use migrations::{run_migrations, MigrationError};
pub use pool::{
    build_pool, build_pool_waiting, init_tls, ConnectError, Pool, PooledConn,
    DEFAULT_WAIT as DEFAULT_POOL_WAIT,
};
pub use tx::{lock_row, next_counter_value, write_tx};
pub use url::{Backend, DatabaseUrl, DatabaseUrlError};

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Parses a value the application itself stored (a role, a kind); failure means a corrupt row.
pub fn parse_stored<T: std::str::FromStr>(stored: &str) -> Result<T, DbError> {
    stored
        .parse()
        .map_err(|_| DbError::Corrupt(format!("unexpected stored value '{stored}'")))
}

/// An instant as stored: UTC, to the microsecond (PostgreSQL's precision), so that values read
/// back compare equal on both backends.
pub fn timestamp(instant: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    instant.naive_utc().trunc_subsecs(6)
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Pg(_) => Backend::Postgres,
        }
    }
}

/// `INSERT … ON CONFLICT DO NOTHING` on either backend; evaluates to the number of rows inserted
/// (0 when the row was already there). The multi-backend query builder has no upsert, so the
/// statement is built once per concrete connection.
#[macro_export]
macro_rules! insert_ignore {
    ($conn:expr, $table:expr, $values:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(c),
            $crate::db::DbConn::Pg(c) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(c),
        }
    }};
}
