//! Embedded migrations, one folder per backend with the same names in each.
use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any key works as long as every instance uses the same one.
const PG_MIGRATION_LOCK: i64 = 0x006f_6272_6164_6f72;

#[derive(Debug, thiserror::Error)]
#[error("database migration failed: {0}")]
pub struct MigrationError(String);

/// Applies what is pending; returns the names applied. Safe when several instances start at once:
/// on PostgreSQL they take turns under an advisory lock, on SQLite under the file's write lock.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(names),
        DbConn::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))
                .map_err(|e| MigrationError(e.to_string()))?;
            let result = c.run_pending_migrations(POSTGRES).map(names);
            c.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))
                .map_err(|e| MigrationError(e.to_string()))?;
            result
        }
    };
    applied.map_err(|e| MigrationError(e.to_string()))
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.into_iter().map(|v| v.to_string()).collect()
}
