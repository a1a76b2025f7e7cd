//! `obrador invoices draft|issue|verify|export`: the month's invoicing from the command line.
use anyhow::{bail, Context as _};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::domain::LocalMonth;
use crate::services::invoicing::{self, Context};
use crate::services::By;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Draft the month: one invoice per customer from open charges (safe to run again).
    Draft(MonthArgs),
    /// Issue every draft of the month, numbering each from the year's series.
    Issue(MonthArgs),
    /// Recompute the integrity chain of every issued document; exits non-zero at the first
    /// broken one, naming it.
    Verify,
    /// Write the accountant's CSV of the invoices and credit notes issued in the month: one row
    /// per document and VAT rate (to standard output unless --out names a file).
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    month: MonthArgs,
    /// Write the CSV to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MonthArgs {
    /// The month, as YYYY-MM.
    #[arg(long)]
    month: String,
}

fn month(args: &MonthArgs) -> anyhow::Result<LocalMonth> {
    LocalMonth::parse(&args.month).with_context(|| format!("--month {}", args.month))
}

fn bar(length: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

pub fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    let ctx = Context::from_settings(settings)?;
    let mut conn = super::open(settings)?;
    let by = By::System("cli");
    match command {
        Command::Draft(args) => {
            let month = month(&args)?;
            let progress = bar(0, "drafting");
            let summary = invoicing::run_month(&mut conn, &ctx, &by, month, &mut |done, all| {
                progress.set_length(all as u64);
                progress.set_position(done as u64);
            })?;
            progress.finish_and_clear();
            println!(
                "{}: {} customers with open charges, {} new drafts, {} lines added, {} already issued.",
                summary.month,
                summary.customers,
                summary.drafts_created,
                summary.lines_added,
                summary.already_issued
            );
        }
        Command::Issue(args) => {
            let month = month(&args)?;
            let drafts = invoicing::month_drafts(&mut conn, month)?;
            let progress = bar(drafts.len() as u64, "issuing");
            let mut numbers = Vec::with_capacity(drafts.len());
            for id in drafts {
                let invoice = invoicing::issue(&mut conn, &ctx, &by, id)
                    .with_context(|| format!("issuing draft {id}"))?;
                numbers.extend(invoice.number);
                progress.inc(1);
            }
            progress.finish_and_clear();
            match (numbers.first(), numbers.last()) {
                (Some(first), Some(last)) => {
                    println!(
                        "{month}: issued {} invoices, {first} to {last}.",
                        numbers.len()
                    )
                }
                _ => println!("{month}: no drafts to issue."),
            }
        }
        Command::Export(args) => export(&mut conn, &by, &args)?,
        Command::Verify => {
            let state = invoicing::verify(&mut conn)?;
            if !state.intact {
                bail!(
                    "the chain is broken at {}: {}",
                    state.first_broken.unwrap_or_else(|| "?".into()),
                    state.reason.unwrap_or_default()
                );
            }
            println!(
                "The chain of {} issued documents is intact.",
                state.documents
            );
        }
    }
    Ok(())
}

/// The month's CSV, byte for byte what the API serves, to `--out` or standard output.
fn export(conn: &mut crate::db::DbConn, by: &By, args: &ExportArgs) -> anyhow::Result<()> {
    use std::io::Write as _;
    let month = month(&args.month)?;
    let csv = invoicing::export(conn, by, month)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &csv).with_context(|| format!("writing {}", path.display()))?;
            println!("{month}: wrote {} bytes to {}.", csv.len(), path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(csv.as_bytes())?;
            stdout.flush()?;
        }
    }
    Ok(())
}
