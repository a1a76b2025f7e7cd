//! The `obrador` command line: one subcommand per module, `serve` by default.
mod backup;
mod demo;
mod invoices;
mod migrate;
mod serve;
mod token;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "obrador",
    version,
    about = "Booking and billing for a cooperative workshop",
    long_about = "Booking and billing for a cooperative workshop: machine time, tutors, training, \
                  usage and monthly invoices.\n\nWith no subcommand, `obrador` serves the web UI and \
                  API. Settings come from the built-in defaults, an optional obrador.toml, and \
                  environment variables (DATABASE_URL, OBRADOR_*).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// A configuration file to read over the built-in defaults (default: ./obrador.toml if present).
    #[arg(long, global = true, env = "OBRADOR_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// With no subcommand: the options of `serve`.
    #[command(flatten)]
    serve: serve::Args,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web UI and JSON API (the default). Creates and migrates the database if needed.
    Serve(serve::Args),
    /// Create the database if needed, apply pending migrations, and exit.
    Migrate,
    /// Load a realistic demo workshop into the configured database (safe to run again).
    Demo,
    /// Manage users.
    #[command(subcommand)]
    User(user::Command),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(token::Command),
    /// The month's invoicing: draft, issue, verify the chain, export for the accountant.
    #[command(subcommand)]
    Invoices(invoices::Command),
    /// Copy the SQLite database to a new file while the server keeps running (a consistent
    /// snapshot). For PostgreSQL use `pg_dump`.
    Backup(backup::Args),
}

/// Parses the command line and runs the command; errors are printed once, with their causes.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve::run(settings, args),
        Command::Migrate => migrate::run(&settings),
        Command::Demo => demo::run(&settings),
        Command::User(command) => user::run(&settings, command),
        Command::Token(command) => token::run(&settings, command),
        Command::Invoices(command) => invoices::run(&settings, command),
        Command::Backup(args) => backup::run(&settings, args),
    }
}

/// A migrated database connection for one-shot commands.
fn open(settings: &Settings) -> anyhow::Result<crate::db::PooledConn> {
    let pool = crate::startup::open_database(&settings.database_url()?, 1)?;
    Ok(pool.get()?)
}
