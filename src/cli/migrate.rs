//! `obrador migrate`: create the database if needed and apply pending migrations.
use crate::config::Settings;
use crate::db;

pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let url = settings.database_url()?;
    let pool = db::build_pool(&url, 1)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if applied.is_empty() {
        println!("{} is up to date.", url.redacted());
    } else {
        for name in &applied {
            println!("applied {name}");
        }
        println!("{} migrated ({} applied).", url.redacted(), applied.len());
    }
    Ok(())
}
