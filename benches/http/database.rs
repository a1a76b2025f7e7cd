//! Fresh, empty databases: a SQLite file in a new folder, or a PostgreSQL database dropped and
//! created again through the same server's `postgres` database.
use std::path::Path;

use anyhow::{bail, Context as _};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

pub enum Backend {
    Sqlite,
    /// `BENCH_DATABASE_URL`: the main database; others are named after it.
    Postgres(url::Url),
}

impl Backend {
    pub fn from_env() -> anyhow::Result<Backend> {
        let Ok(text) = std::env::var("BENCH_DATABASE_URL") else {
            return Ok(Backend::Sqlite);
        };
        let url = url::Url::parse(&text).context("BENCH_DATABASE_URL is not a URL")?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            bail!("BENCH_DATABASE_URL must be a postgres:// URL (SQLite is the default)");
        }
        let name = url.path().trim_start_matches('/');
        let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if name.is_empty() || !plain || !name.contains("bench") {
            bail!(
                "BENCH_DATABASE_URL must name a database of letters, digits and '_' containing \
                 'bench' (the benchmark drops and creates it), not '{name}'"
            );
        }
        Ok(Backend::Postgres(url))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }

    /// The URL of a new, empty database: on SQLite a file in `folder`, created when first
    /// opened; on PostgreSQL the main database (`tag` empty) or `NAME_tag`, dropped and created.
    pub fn fresh(&self, folder: &Path, tag: &str) -> anyhow::Result<String> {
        match self {
            Backend::Sqlite => Ok(format!("sqlite://{}", folder.join("obrador.db").display())),
            Backend::Postgres(main) => {
                let (name, url) = named(main, tag);
                let mut admin = admin(main)?;
                recreate(&mut admin, &name)?;
                Ok(url)
            }
        }
    }

    /// Leaves PostgreSQL as the benchmark found it: the main database empty (another benchmark
    /// may use it next) and the raw bound's gone.
    pub fn finish(&self) -> anyhow::Result<()> {
        if let Backend::Postgres(main) = self {
            let mut admin = admin(main)?;
            admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                named(main, "raw").0
            ))?;
            recreate(&mut admin, &named(main, "").0)?;
        }
        Ok(())
    }
}

/// Drops the database `name` (closing its connections) and creates it empty. Two statements:
/// PostgreSQL runs neither inside a transaction, which one query of both would be.
fn recreate(admin: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
    Ok(())
}

/// The database called `NAME` (tag empty) or `NAME_tag`, and its URL.
fn named(main: &url::Url, tag: &str) -> (String, String) {
    let base = main.path().trim_start_matches('/');
    let name = if tag.is_empty() {
        base.to_string()
    } else {
        format!("{base}_{tag}")
    };
    let mut url = main.clone();
    url.set_path(&name);
    (name, url.to_string())
}

/// A connection to the server's `postgres` database, where databases are dropped and created.
fn admin(main: &url::Url) -> anyhow::Result<PgConnection> {
    obrador::db::init_tls();
    let mut url = main.clone();
    url.set_path("postgres");
    PgConnection::establish(url.as_str()).context("connecting to the server's postgres database")
}
