//! The connection pool, and the settings every new connection gets.
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use secrecy::ExposeSecret;

use super::{DatabaseUrl, DbConn};

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Every SQLite connection: wait for the write lock instead of failing, enforce foreign keys, and
/// fsync at checkpoints only (safe under WAL).
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 10000;
     PRAGMA foreign_keys = ON;
     PRAGMA synchronous = NORMAL;";

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("cannot prepare the database connection: {0}")]
    Setup(#[from] diesel::result::Error),
    #[error("cannot create the database folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("the database path {0} is not valid UTF-8")]
    Path(String),
    #[error("cannot open a connection pool: {0}")]
    Pool(#[from] r2d2::PoolError),
}

/// Opens connections for the backend the URL names; never guesses from a failed attempt.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => Some(path),
            DatabaseUrl::Postgres(_) => None,
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path
                    .to_str()
                    .ok_or_else(|| ConnectError::Path(path.display().to_string()))?;
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(SQLITE_CONNECTION_PRAGMAS)?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url.expose_secret())?;
                // Instants are stored as UTC `timestamp`s; make `now()` agree.
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConn::Pg(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        conn.ping().map_err(ConnectError::Setup)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// Initialises OpenSSL (used by libpq for TLS) without registering its clean-up to run at exit:
/// that clean-up frees global state while other threads may still hold PostgreSQL connections,
/// which crashes a process on its way out. Idempotent; call it before the first connection.
pub fn init_tls() {
    openssl_sys::init();
}

/// How long a caller waits for a free connection unless told otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// Builds the pool; for SQLite also creates the file's folder and switches the file to WAL once.
pub fn build_pool(url: &DatabaseUrl, size: u32) -> Result<Pool, ConnectError> {
    build_pool_waiting(url, size, DEFAULT_WAIT)
}

/// Like `build_pool`: a caller finding all `size` connections busy waits up to `wait` for one
/// (r2d2 hands connections back to waiters in turn), and only then fails.
pub fn build_pool_waiting(
    url: &DatabaseUrl,
    size: u32,
    wait: Duration,
) -> Result<Pool, ConnectError> {
    init_tls();
    let manager = Manager { url: url.clone() };
    if let Some(path) = manager.sqlite_path() {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|e| ConnectError::Folder(folder.display().to_string(), e))?;
        }
    }
    let pool = r2d2::Pool::builder()
        .max_size(size)
        // Under load a request waits for a connection rather than failing at once.
        .connection_timeout(wait)
        .build(manager)?;
    let mut conn = pool.get()?;
    if let DbConn::Sqlite(c) = &mut *conn {
        c.batch_execute("PRAGMA journal_mode = WAL;")?;
    }
    Ok(pool)
}
