//! Database failures as typed errors: services match on what went wrong, not on SQL messages.
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Triggers and exclusion constraints that refuse overlapping blocks raise or are named with this.
pub const OVERLAP_MARKER: &str = "no_overlap";
/// Triggers that protect issued documents raise messages starting with this.
pub const IMMUTABLE_MARKER: &str = "immutable";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no such row")]
    NotFound,
    #[error("a row with the same unique key already exists ({0})")]
    Unique(String),
    #[error("the interval overlaps another one ({0})")]
    Overlap(String),
    #[error("the row is immutable ({0})")]
    Immutable(String),
    #[error("a referenced row does not exist ({0})")]
    ForeignKey(String),
    #[error("a check constraint refused the row ({0})")]
    Check(String),
    #[error("the database holds a value the application cannot read: {0}")]
    Corrupt(String),
    /// Text PostgreSQL cannot store (a NUL character); SQLite takes it.
    #[error("the text holds a character the database cannot store ({0})")]
    Text(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database error: {0}")]
    Other(DieselError),
}

impl From<DieselError> for DbError {
    fn from(err: DieselError) -> DbError {
        let DieselError::DatabaseError(kind, info) = &err else {
            return match err {
                DieselError::NotFound => DbError::NotFound,
                other => DbError::Other(other),
            };
        };
        let name = info
            .constraint_name()
            .map(str::to_string)
            .unwrap_or_else(|| info.message().to_string());
        let message = info.message();
        match kind {
            _ if message.contains(OVERLAP_MARKER) || name.contains(OVERLAP_MARKER) => {
                DbError::Overlap(name)
            }
            _ if message.contains(IMMUTABLE_MARKER) => DbError::Immutable(message.to_string()),
            _ if message.starts_with("invalid byte sequence for encoding") => {
                DbError::Text(message.to_string())
            }
            DatabaseErrorKind::ExclusionViolation => DbError::Overlap(name),
            DatabaseErrorKind::UniqueViolation => DbError::Unique(name),
            DatabaseErrorKind::ForeignKeyViolation => DbError::ForeignKey(name),
            DatabaseErrorKind::CheckViolation => DbError::Check(name),
            _ => DbError::Other(err),
        }
    }
}
