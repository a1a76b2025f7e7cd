//! Online copies of a SQLite database: a consistent snapshot taken while the server runs.
use std::path::Path;

use diesel::connection::SimpleConnection;

use super::DbConn;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; name a new file so no earlier backup is overwritten")]
    Exists(String),
    #[error("the backup path {0} is not valid UTF-8")]
    Path(String),
    #[error(
        "this is a PostgreSQL database: back it up with `pg_dump --format=custom` (see the README)"
    )]
    Postgres,
    #[error("cannot copy the database: {0}")]
    Copy(#[from] diesel::result::Error),
    #[error("cannot write {0}: {1}")]
    Io(String, std::io::Error),
}

/// Writes a consistent copy of the connection's SQLite database to `to`, which must not exist.
///
/// `VACUUM INTO` reads the database inside one read transaction, so the copy is the database as
/// of one instant, whatever other connections write meanwhile (under WAL, readers never block
/// writers). The copy is written to `<to>.partial` and renamed once complete and synced, so a
/// backup interrupted half-way never looks like a finished one.
pub fn copy_sqlite(conn: &mut DbConn, to: &Path) -> Result<u64, BackupError> {
    let DbConn::Sqlite(sqlite) = conn else {
        return Err(BackupError::Postgres);
    };
    let shown = || to.display().to_string();
    if to.exists() {
        return Err(BackupError::Exists(shown()));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let io = |e| BackupError::Io(shown(), e);
    match std::fs::remove_file(&partial) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let target = partial
        .to_str()
        .ok_or_else(|| BackupError::Path(partial.display().to_string()))?;
    sqlite.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))?;
    let file = std::fs::File::open(&partial).map_err(io)?;
    file.sync_all().map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    std::fs::rename(&partial, to).map_err(io)?;
    Ok(size)
}
