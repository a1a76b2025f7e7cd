//! `obrador user add`: create a user from the command line (the first admin, typically).
use std::io::{IsTerminal, Read};

use anyhow::Context;

use crate::config::Settings;
use crate::domain::{CustomerId, Email, Name, NewPassword, Role};
use crate::mail::MailIdentity;
use crate::services::accounts::{self, NewUser};
use crate::services::By;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a user. Without --business the user gets an individual customer account of their
    /// own. The password is read from standard input when one is piped in; otherwise a password
    /// is generated and printed once.
    Add(AddArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Email address (unique, case-insensitive); the user signs in with it.
    #[arg(long)]
    email: String,
    /// Full name, as shown on screens.
    #[arg(long)]
    name: String,
    /// member, business_admin, tutor, staff or admin.
    #[arg(long)]
    role: String,
    /// Make the user an employee of this business customer (its id).
    #[arg(long, value_name = "CUSTOMER_ID")]
    business: Option<i64>,
}

pub fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    let Command::Add(args) = command;
    let new = NewUser {
        email: Email::parse(&args.email)?,
        name: Name::parse(&args.name, "the name")?,
        role: args.role.parse::<Role>()?,
        business: args.business.map(CustomerId::new),
        password: piped_password()?
            .as_deref()
            .map(NewPassword::parse)
            .transpose()?,
    };
    let identity = MailIdentity::from_settings(settings)?;
    let mut conn = super::open(settings)?;
    let (user, generated) =
        accounts::create_user(&mut conn, &By::System("cli"), new, Some(&identity))?;
    println!(
        "Created {} <{}> (user {}, role {}, customer {}).",
        user.name, user.email, user.id, user.role, user.customer_id
    );
    if let Some(password) = generated {
        println!("Password (shown once): {password}");
    }
    Ok(())
}

/// A password piped on standard input (first line), if any; never read from a terminal.
fn piped_password() -> anyhow::Result<Option<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut input = String::new();
    stdin
        .lock()
        .read_to_string(&mut input)
        .context("reading the password from stdin")?;
    let line = input
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r')
        .to_string();
    Ok(Some(line).filter(|l| !l.is_empty()))
}
