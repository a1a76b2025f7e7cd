//! What a use case can answer besides success; the HTTP edge maps each variant to a status once.
use crate::db::DbError;
use crate::documents::invoice::DocumentError;
use crate::domain::InvalidField;
use crate::mail::{MailError, TemplateError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Missing, or someone else's: the caller cannot tell the two apart.
    #[error("not found")]
    NotFound,
    /// The input breaks a rule; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// The caller may not do this; the message says what would allow it.
    #[error("{0}")]
    Forbidden(String),
    /// The change collides with the current state (a taken email, a taken slot).
    #[error("{0}")]
    Conflict(String),
    /// Wrong or missing credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed attempts; come back later.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: u64 },
    /// A mail the change must send could not be queued (a template missing a value, an address
    /// the mail library refuses).
    #[error("cannot queue the mail: {0}")]
    Mail(MailError),
    /// A document (an invoice's PDF) could not be rendered.
    #[error("cannot render the document: {0}")]
    Document(#[from] DocumentError),
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for ServiceError {
    fn from(err: DbError) -> ServiceError {
        match err {
            DbError::NotFound => ServiceError::NotFound,
            other => ServiceError::Db(other),
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(err: diesel::result::Error) -> ServiceError {
        DbError::from(err).into()
    }
}

impl From<MailError> for ServiceError {
    fn from(err: MailError) -> ServiceError {
        match err {
            MailError::Db(db) => db.into(),
            other => ServiceError::Mail(other),
        }
    }
}

impl From<TemplateError> for ServiceError {
    fn from(err: TemplateError) -> ServiceError {
        ServiceError::Mail(err.into())
    }
}

impl From<InvalidField> for ServiceError {
    fn from(err: InvalidField) -> ServiceError {
        ServiceError::Invalid(err.0)
    }
}
