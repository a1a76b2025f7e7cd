//! Outgoing mail: services enqueue messages into the outbox inside their own transaction; the
//! mail sender job (`crate::jobs::mail_sender`) delivers them through a [`Transport`]. Bodies come
//! from `templates/mail/` with `{placeholder}` substitution (see [`template`]).
mod message;
pub mod outbox;
pub mod template;
mod transport;

pub use message::{MailAttachment, MailIdentity, OutgoingMail, Recipient};
pub use outbox::{enqueue, EnqueueOutcome, OutboxEntry, OutboxFilter, OutboxStatus};
pub use template::{MailTemplate, RenderedMail, TemplateError};
pub use transport::{DeliveryError, Transport, SMTP_TIMEOUT};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("'{0}' is not a valid email address")]
    Address(String),
    #[error("'{0}' is not a valid MIME content type")]
    ContentType(String),
    #[error("an outbox key must be 1 to 200 printable ASCII characters, got '{0}'")]
    Key(String),
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP URL (OBRADOR_SMTP_URL) is not usable: {0}")]
    SmtpUrl(String),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for MailError {
    fn from(err: diesel::result::Error) -> MailError {
        MailError::Db(err.into())
    }
}
