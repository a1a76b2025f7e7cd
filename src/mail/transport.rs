//! Where a formatted message is handed over: an SMTP server (lettre, TLS by rustls), or, with no
//! SMTP configured, an `.eml` file in the data folder so that no mail is silently dropped.
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::{Address, SmtpTransport, Transport as _};
use secrecy::{ExposeSecret, SecretString};

use super::outbox::ClaimedMail;
use super::MailError;
use crate::config::Settings;

/// Longest wait for one SMTP step; a sender's lease must outlast a batch of such waits.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

pub enum Transport {
    Smtp(Box<SmtpTransport>),
    /// Writes `<folder>/<id>-<key>.eml`.
    Folder(PathBuf),
}

/// Only the kind: the SMTP URL may hold a password.
impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Folder(folder) => write!(f, "Transport::Folder({})", folder.display()),
        }
    }
}

/// Why a delivery failed; `permanent` when retrying cannot help (a 5xx reply, a bad address).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    pub message: String,
    pub permanent: bool,
}

impl DeliveryError {
    fn temporary(message: String) -> DeliveryError {
        DeliveryError {
            message,
            permanent: false,
        }
    }

    fn permanent(message: String) -> DeliveryError {
        DeliveryError {
            message,
            permanent: true,
        }
    }
}

impl Transport {
    /// SMTP when `smtp_url` is set, else `.eml` files under `<data_dir>/outbox`.
    pub fn from_settings(settings: &Settings) -> Result<Transport, MailError> {
        match &settings.smtp_url {
            Some(url) => Transport::smtp(url),
            None => Ok(Transport::Folder(settings.data_dir.join("outbox"))),
        }
    }

    /// `smtp://host:port` (plain), `smtp://host?tls=required` (STARTTLS), `smtps://host` (TLS
    /// from the start), with optional `user:password@`, as lettre's `from_url` reads them.
    pub fn smtp(url: &SecretString) -> Result<Transport, MailError> {
        let transport = SmtpTransport::from_url(url.expose_secret())
            .map_err(|e| MailError::SmtpUrl(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Transport::Smtp(Box::new(transport)))
    }

    /// Delivers `mail` from `from` (the envelope sender, where bounces go). Blocking.
    pub fn deliver(&self, from: &Address, mail: &ClaimedMail) -> Result<(), DeliveryError> {
        match self {
            Transport::Smtp(smtp) => send_smtp(smtp, from, mail),
            Transport::Folder(folder) => write_eml(folder, mail),
        }
    }
}

fn send_smtp(
    smtp: &SmtpTransport,
    from: &Address,
    mail: &ClaimedMail,
) -> Result<(), DeliveryError> {
    let to: Address = mail.recipient.parse().map_err(|_| {
        DeliveryError::permanent(format!("'{}' is not a valid address", mail.recipient))
    })?;
    let envelope = Envelope::new(Some(from.clone()), vec![to])
        .map_err(|e| DeliveryError::permanent(e.to_string()))?;
    smtp.send_raw(&envelope, &mail.message)
        .map(|_| ())
        .map_err(|e| DeliveryError {
            message: e.to_string(),
            permanent: e.is_permanent(),
        })
}

/// Writes through a temporary file and a rename, so a crash never leaves half a message; a
/// retry rewrites the same bytes under the same name.
fn write_eml(folder: &Path, mail: &ClaimedMail) -> Result<(), DeliveryError> {
    let failed = |what: &str, path: &Path, e: std::io::Error| {
        DeliveryError::temporary(format!("cannot {what} {}: {e}", path.display()))
    };
    std::fs::create_dir_all(folder).map_err(|e| failed("create", folder, e))?;
    let path = folder.join(eml_name(mail));
    let partial = path.with_extension("eml.partial");
    let mut file = std::fs::File::create(&partial).map_err(|e| failed("create", &partial, e))?;
    file.write_all(&mail.message)
        .and_then(|()| file.sync_all())
        .map_err(|e| failed("write", &partial, e))?;
    std::fs::rename(&partial, &path).map_err(|e| failed("write", &path, e))
}

/// `<id>-<key>.eml`, the key reduced to characters safe in any file system.
pub(crate) fn eml_name(mail: &ClaimedMail) -> String {
    let key: String = mail
        .key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}-{key}.eml", mail.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OutboxId;

    fn claimed(key: &str) -> ClaimedMail {
        ClaimedMail {
            id: OutboxId::new(7),
            key: key.into(),
            message_id: "<a@b>".into(),
            recipient: "ada@example.org".into(),
            message: b"Subject: hi\r\n\r\nbody\r\n".to_vec(),
            attempts: 0,
        }
    }

    #[test]
    fn eml_names_keep_the_id_and_a_safe_key() {
        assert_eq!(
            eml_name(&claimed("booking-42-confirmation")),
            "7-booking-42-confirmation.eml"
        );
        assert_eq!(eml_name(&claimed("../x/y")), "7-.._x_y.eml");
    }

    #[test]
    fn the_smtp_password_never_prints() {
        let url = SecretString::from("smtps://user:hunter2@smtp.example.org");
        let transport = Transport::smtp(&url).expect("valid url");
        assert!(!format!("{transport:?}").contains("hunter2"));
        let bad = Transport::smtp(&SecretString::from("ftp://user:hunter2@host")).expect_err("bad");
        assert!(!bad.to_string().contains("hunter2"), "{bad}");
    }

    #[test]
    fn writes_the_exact_bytes_and_rewrites_them_on_a_retry() {
        let dir = tempfile::tempdir().expect("dir");
        let folder = dir.path().join("outbox");
        let from: Address = "hola@obrador.example".parse().expect("address");
        let transport = Transport::Folder(folder.clone());
        transport.deliver(&from, &claimed("k")).expect("written");
        transport.deliver(&from, &claimed("k")).expect("rewritten");
        let files: Vec<_> = std::fs::read_dir(&folder)
            .expect("folder")
            .flatten()
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(
            std::fs::read(files[0].path()).expect("read"),
            claimed("k").message
        );
    }
}
