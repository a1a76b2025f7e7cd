//! Settings: the built-in `config/default.toml`, an optional local file, then environment variables.
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::db::DatabaseUrl;
use crate::domain::WorkshopTz;

/// The defaults ship inside the binary so it runs from any folder.
const DEFAULTS: &str = include_str!("../config/default.toml");
/// Read from the working folder when present and no other file is named.
const LOCAL_FILE: &str = "obrador.toml";

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    database_url: Option<SecretString>,
    pub data_dir: PathBuf,
    pub bind: String,
    timezone: String,
    pub public_url: String,
    pub secret_key: Option<SecretString>,
    pub smtp_url: Option<SecretString>,
    pub database_pool_size: u32,
    pub max_body_bytes: usize,
    /// Seconds a client has to send a request's head before it is answered 408 and dropped.
    pub request_timeout_secs: u64,
    /// Seconds an idle keep-alive connection stays open.
    pub keep_alive_secs: u64,
    /// Seconds a request waits for a free database connection (queued, first come first served)
    /// before it is answered 503.
    pub database_wait_secs: u64,
    pub log: String,
    pub workshop: WorkshopSettings,
    pub booking: BookingSettings,
    pub jobs: JobsSettings,
    pub invoicing: InvoicingSettings,
}

/// VAT per kind of item and payment terms.
#[derive(Debug, Clone, Deserialize)]
pub struct InvoicingSettings {
    /// Percent on machine time, tutor hours, fees and plans.
    pub vat_standard: String,
    /// Percent on training seats.
    pub vat_training: String,
    /// The legal reference printed when training is exempt (VAT 0).
    pub training_exemption: String,
    /// Days from issue to due date.
    pub payment_days: i64,
    /// Days after the due date that an unpaid invoice's first reminder goes out, and between
    /// reminders after that.
    pub reminder_days: i64,
    /// Reminders per invoice at most (0: none).
    pub max_reminders: i64,
}

/// Which background jobs this instance runs, and how the mail sender retries.
#[derive(Debug, Clone, Deserialize)]
pub struct JobsSettings {
    pub enabled: bool,
    pub mail_sender: bool,
    pub reminders: bool,
    pub settle: bool,
    /// Mails payment reminders for overdue invoices.
    pub overdue: bool,
    pub poll_interval_ms: u64,
    pub mail_max_attempts: u32,
    pub mail_max_backoff_secs: u64,
}

/// The booking policy: free cancellation window, late fee, reminders, no-shows.
#[derive(Debug, Clone, Deserialize)]
pub struct BookingSettings {
    pub free_cancel_hours: i64,
    /// 0 to 100.
    pub late_cancel_percent: u8,
    pub reminder_hours: i64,
    /// A booking with no usage this long after its end is settled as a no-show…
    pub no_show_grace_minutes: i64,
    /// …and charged this percentage of its booked price (0 to 100).
    pub no_show_percent: u8,
}

impl BookingSettings {
    pub fn cancellation_policy(&self) -> crate::domain::booking::CancellationPolicy {
        crate::domain::booking::CancellationPolicy {
            free_until_hours: self.free_cancel_hours,
            late_fee_percent: rust_decimal::Decimal::from(self.late_cancel_percent.min(100)),
        }
    }
}

/// The co-op's own details, as printed on invoices.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkshopSettings {
    pub legal_name: String,
    pub tax_id: String,
    pub address: String,
    pub email: String,
    pub invoice_series: String,
    pub credit_note_series: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults, then `file` (or `./obrador.toml` when present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        match file {
            Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if Path::new(LOCAL_FILE).exists() => {
                figment = figment.merge(Toml::file(LOCAL_FILE))
            }
            None => {}
        }
        let figment = figment
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("OBRADOR_").split("__").ignore(&["config"]));
        Self::extract(figment)
    }

    /// The built-in defaults alone, ignoring files and environment (tests start from these).
    pub fn defaults() -> Result<Settings, ConfigError> {
        Self::extract(Figment::from(Toml::string(DEFAULTS)))
    }

    fn extract(figment: Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.timezone()?;
        self.database_url()?;
        if let Some(key) = &self.secret_key {
            if key.expose_secret().len() < 64 {
                return Err(ConfigError::Invalid(
                    "secret_key (OBRADOR_SECRET_KEY) must be at least 64 characters".into(),
                ));
            }
        }
        if self.database_pool_size == 0 {
            return Err(ConfigError::Invalid(
                "database_pool_size must be at least 1".into(),
            ));
        }
        if self.jobs.poll_interval_ms == 0 || self.jobs.mail_max_attempts == 0 {
            return Err(ConfigError::Invalid(
                "jobs.poll_interval_ms and jobs.mail_max_attempts must be at least 1".into(),
            ));
        }
        if self.invoicing.reminder_days < 1 || self.invoicing.max_reminders < 0 {
            return Err(ConfigError::Invalid(
                "invoicing.reminder_days must be at least 1 and invoicing.max_reminders at least 0"
                    .into(),
            ));
        }
        Ok(())
    }

    /// `DATABASE_URL`, defaulting to a SQLite file in the data folder.
    pub fn database_url(&self) -> Result<DatabaseUrl, ConfigError> {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url.expose_secret())
                .map_err(|e| ConfigError::Invalid(e.to_string())),
            None => Ok(DatabaseUrl::Sqlite(self.data_dir.join("obrador.db"))),
        }
    }

    pub fn set_database_url(&mut self, url: &str) {
        self.database_url = Some(SecretString::from(url));
    }

    pub fn timezone(&self) -> Result<WorkshopTz, ConfigError> {
        WorkshopTz::parse(&self.timezone).map_err(|e| ConfigError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
// figment::Jail's closures return its own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn built_in_defaults_are_valid() {
        let settings = Settings::defaults().expect("defaults parse");
        assert_eq!(settings.bind, "127.0.0.1:8080");
        assert_eq!(settings.timezone().expect("tz").name(), "Europe/Madrid");
        assert!(matches!(
            settings.database_url().expect("url"),
            DatabaseUrl::Sqlite(path) if path == Path::new("data/obrador.db")
        ));
    }

    #[test]
    fn environment_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://u:pw@localhost/obrador");
            jail.set_env("OBRADOR_BIND", "0.0.0.0:9000");
            jail.set_env("OBRADOR_WORKSHOP__TAX_ID", "B12345678");
            let settings = Settings::load(None).expect("load");
            assert_eq!(settings.bind, "0.0.0.0:9000");
            assert_eq!(settings.workshop.tax_id, "B12345678");
            assert!(matches!(
                settings.database_url().expect("url"),
                DatabaseUrl::Postgres(_)
            ));
            Ok(())
        });
    }

    #[test]
    fn local_file_overrides_defaults_and_env_overrides_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "obrador.toml",
                "bind = \"127.0.0.1:7000\"\ntimezone = \"Europe/Lisbon\"",
            )?;
            jail.set_env("OBRADOR_TIMEZONE", "Atlantic/Canary");
            let settings = Settings::load(None).expect("load");
            assert_eq!(settings.bind, "127.0.0.1:7000");
            assert_eq!(settings.timezone().expect("tz").name(), "Atlantic/Canary");
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_refused_with_a_clear_message() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("OBRADOR_TIMEZONE", "Mars/Olympus");
            let err = Settings::load(None).expect_err("bad tz");
            assert!(err.to_string().contains("Mars/Olympus"), "{err}");
            jail.set_env("OBRADOR_TIMEZONE", "Europe/Madrid");
            jail.set_env("DATABASE_URL", "mysql://localhost/x");
            let err = Settings::load(None).expect_err("bad scheme");
            assert!(err.to_string().contains("mysql"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_do_not_print() {
        let mut settings = Settings::defaults().expect("defaults");
        settings.set_database_url("postgres://u:hunter2@localhost/obrador");
        settings.secret_key = Some(SecretString::from("s".repeat(64)));
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains(&"s".repeat(64)));
    }
}
