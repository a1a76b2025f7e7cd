//! `obrador backup --to FILE`: a consistent copy of the SQLite database, safe while serving.
use std::path::PathBuf;

use crate::config::Settings;
use crate::db::{self, backup};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to write the copy to; it must not exist yet.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let url = settings.database_url()?;
    match &url {
        db::DatabaseUrl::Postgres(_) => return Err(backup::BackupError::Postgres.into()),
        db::DatabaseUrl::Sqlite(path) => anyhow::ensure!(
            path.exists(),
            "there is no database at {} to back up",
            path.display()
        ),
    }
    // No migrations here: a backup copies the database as it is, even one a newer binary made.
    let pool = db::build_pool(&url, 1)?;
    let mut conn = pool.get()?;
    let bytes = backup::copy_sqlite(&mut conn, &args.to)?;
    println!(
        "Backed up {} to {} ({bytes} bytes).",
        url.redacted(),
        args.to.display()
    );
    Ok(())
}
