//! `obrador token create`: print a new API bearer token acting as a user.
use anyhow::Context;

use crate::config::Settings;
use crate::domain::{Email, Name, ResourceId};
use crate::services::{accounts, tokens, By};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print a new API token acting as the user with this email. Only its hash is stored: copy it
    /// now. With --resource it is a device token that may only report usage for that machine.
    Create(CreateArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The user the token acts as.
    #[arg(long)]
    email: String,
    /// A label to recognise the token by.
    #[arg(long, default_value = "cli")]
    name: String,
    /// Limit the token to reporting usage for this machine (its resource id).
    #[arg(long, value_name = "ID")]
    resource: Option<i64>,
}

pub fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    let Command::Create(args) = command;
    let email = Email::parse(&args.email)?;
    let name = Name::parse(&args.name, "the token name")?;
    let mut conn = super::open(settings)?;
    let user = accounts::user_by_email(&mut conn, &email)?
        .with_context(|| format!("there is no user with the email {email}"))?;
    let resource = args.resource.map(ResourceId::new);
    let token = tokens::create(
        &mut conn,
        &By::System("cli"),
        user.id,
        &name,
        resource,
        None,
    )?;
    println!("{}", token.secret);
    Ok(())
}
