//! Which backend a `DATABASE_URL` names; anything but SQLite or PostgreSQL is an error.
use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    /// A database file, created on first start.
    Sqlite(PathBuf),
    /// A libpq connection URL; it may carry a password, so it never prints.
    Postgres(SecretString),
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DatabaseUrlError {
    #[error("DATABASE_URL is empty: use sqlite://PATH or postgres://user@host/dbname")]
    Empty,
    #[error("DATABASE_URL sqlite:// needs a file path, e.g. sqlite://data/obrador.db")]
    MissingPath,
    #[error(
        "DATABASE_URL scheme '{0}' is not supported: use sqlite://PATH or postgres://user@host/dbname"
    )]
    UnsupportedScheme(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<DatabaseUrl, DatabaseUrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DatabaseUrlError::MissingPath);
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(SecretString::from(raw)));
        }
        let scheme = raw.split_once(':').map_or(raw, |(scheme, _)| scheme);
        Err(DatabaseUrlError::UnsupportedScheme(scheme.to_string()))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// A form safe for logs: the password, if any, is masked.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url.expose_secret()) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        // Infallible for postgres:// URLs, which always have a host.
                        let _ = parsed.set_password(Some("***"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://(unparseable)".to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_from_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").map(|u| u.backend()),
            Ok(Backend::Sqlite)
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
    }

    #[test]
    fn refuses_other_schemes_instead_of_making_a_file() {
        assert_eq!(
            DatabaseUrl::parse("mysql://h/db").map(|u| u.backend()),
            Err(DatabaseUrlError::UnsupportedScheme("mysql".into()))
        );
        assert!(DatabaseUrl::parse("data/obrador.db").is_err());
        assert_eq!(
            DatabaseUrl::parse("sqlite://").map(|u| u.backend()),
            Err(DatabaseUrlError::MissingPath)
        );
        assert_eq!(
            DatabaseUrl::parse("  ").map(|u| u.backend()),
            Err(DatabaseUrlError::Empty)
        );
    }

    #[test]
    fn redacts_passwords() {
        let url = DatabaseUrl::parse("postgres://app:hunter2@db:5432/obrador").expect("url");
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/obrador");
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
