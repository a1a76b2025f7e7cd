//! One-time links to choose a password: the reset mail a user asks for, the link in a new user's
//! welcome mail, and choosing the password with either. Only a SHA-256 of each link's secret is
//! stored; a link works once and until it expires.
use chrono::{DateTime, Duration, Utc};

use super::audit::{self, Changes};
use super::credentials::{hash_password, new_secret, sha256_hex};
use super::{accounts, now, By, ServiceError};
use crate::db::password_resets as rows;
use crate::db::{timestamp, write_tx, DbConn};
use crate::domain::{Email, NewPassword, Role, User, UserId};
use crate::mail::{self, MailError, MailIdentity, OutgoingMail, Recipient};
use crate::mail_template;

/// How long a link asked for on the reset form works.
const RESET_LIFETIME: Duration = Duration::hours(1);
/// How long the link of a welcome mail works: a new user may not read their mail at once.
const WELCOME_LIFETIME: Duration = Duration::days(7);
/// At most this many links per user within `THROTTLE_WINDOW`; further requests send nothing, so
/// the form cannot be used to flood someone's inbox.
const MAX_LINKS_PER_WINDOW: i64 = 3;
const THROTTLE_WINDOW: Duration = Duration::hours(1);

const SPENT: &str = "This link has expired or was already used; ask for a new one.";

fn spent() -> ServiceError {
    ServiceError::Invalid(SPENT.into())
}

/// Mails a reset link to the account with this email, if there is an active one. Answers the
/// same whether or not there is, so the form tells nobody which addresses have accounts; an
/// input that is not an email address at all is `Invalid`.
pub fn request(
    conn: &mut DbConn,
    identity: &MailIdentity,
    email_input: &str,
) -> Result<(), ServiceError> {
    let email = Email::parse(email_input)?;
    let sent = write_tx(conn, |c| -> Result<(), ServiceError> {
        let Some(user) = accounts::user_by_email(c, &email)?.filter(|u| u.active) else {
            return Ok(());
        };
        let at = now();
        let recent = rows::issued_since(c, user.id, timestamp(at - THROTTLE_WINDOW))?;
        if recent >= MAX_LINKS_PER_WINDOW {
            tracing::info!(user = %user.id, "password reset not sent: too many asked for recently");
            return Ok(());
        }
        let (id, secret) = issue(c, user.id, at, RESET_LIFETIME)?;
        let body = mail_template!("password_reset").render(
            identity,
            &[
                ("name", &user.name),
                ("email", &user.email),
                ("reset_link", &reset_link(identity, &secret)),
            ],
        )?;
        let to = Recipient::new(&user.email, Some(user.name.clone()));
        mail::enqueue(
            c,
            identity,
            OutgoingMail::new(format!("password-reset-{id}"), to, body),
        )?;
        audit::record(
            c,
            &By::System("password reset"),
            "user.password_reset_request",
            "user",
            Some(user.id.get()),
            Changes::new(),
        )
    });
    match sent {
        // Saying so would tell the caller that the account exists.
        Err(ServiceError::Mail(MailError::Address(_))) => {
            tracing::warn!("password reset not sent: the account's address cannot receive mail");
            Ok(())
        }
        other => other,
    }
}

/// The user whose open link this is, to greet them on the form; `Invalid` when it is not open.
pub fn pending(conn: &mut DbConn, secret: &str) -> Result<User, ServiceError> {
    let reset = rows::find_by_hash(conn, &sha256_hex(secret))?
        .filter(|r| r.is_open(timestamp(now())))
        .ok_or_else(spent)?;
    let user = accounts::user(
        conn,
        &By::System("password reset"),
        UserId::new(reset.user_id),
    )?;
    if user.active {
        Ok(user)
    } else {
        Err(spent())
    }
}

/// Sets the password of the link's user, once: the link and every other open link of theirs are
/// closed, they are signed out everywhere (as by `accounts::set_password`), and it is audited.
pub fn complete(conn: &mut DbConn, secret: &str, new: &NewPassword) -> Result<User, ServiceError> {
    let hash = hash_password(new)?;
    write_tx(conn, |c| {
        let at = timestamp(now());
        let reset = rows::find_by_hash(c, &sha256_hex(secret))?.ok_or_else(spent)?;
        let user = accounts::user(c, &By::System("password reset"), UserId::new(reset.user_id))?;
        // The claim is a conditional update: of two requests with one link, one wins.
        if !user.active || !rows::claim(c, reset.id, at)? {
            return Err(spent());
        }
        rows::close_open_of(c, user.id, at)?;
        let by = By::User {
            actor: user.actor(),
            email: user.email.clone(),
        };
        let changes = Changes::new().set("password_reset_id", &reset.id);
        accounts::replace_password(c, &by, user.id, &hash, "user.password_reset", changes)?;
        Ok(user)
    })
}

/// Queues the welcome mail of a user just created, with a link to choose their own password,
/// inside the transaction that creates them.
pub(super) fn queue_welcome(
    conn: &mut DbConn,
    identity: &MailIdentity,
    user: &User,
) -> Result<(), ServiceError> {
    let (_, secret) = issue(conn, user.id, now(), WELCOME_LIFETIME)?;
    let body = mail_template!("welcome").render(
        identity,
        &[
            ("name", &user.name),
            ("email", &user.email),
            ("role", role_in_words(user.role)),
            ("valid_days", &WELCOME_LIFETIME.num_days().to_string()),
            ("reset_link", &reset_link(identity, &secret)),
            ("login_link", &identity.link("/login")),
        ],
    )?;
    let to = Recipient::new(&user.email, Some(user.name.clone()));
    let key = format!("welcome-user-{}", user.id);
    match mail::enqueue(conn, identity, OutgoingMail::new(key, to, body)) {
        Ok(_) => Ok(()),
        Err(MailError::Address(address)) => Err(ServiceError::Invalid(format!(
            "'{address}' is not an address mail can be delivered to."
        ))),
        Err(other) => Err(other.into()),
    }
}

/// Stores a new link for `user`, open for `lifetime` from `at`; returns its id and its secret
/// (which is only ever put into the mail).
fn issue(
    conn: &mut DbConn,
    user: UserId,
    at: DateTime<Utc>,
    lifetime: Duration,
) -> Result<(i64, String), ServiceError> {
    let (secret, hash) = new_secret("obp_");
    let id = rows::insert(conn, user, &hash, timestamp(at), timestamp(at + lifetime))?;
    Ok((id, secret))
}

fn reset_link(identity: &MailIdentity, secret: &str) -> String {
    identity.link(&format!("/password-reset/{secret}"))
}

fn role_in_words(role: Role) -> &'static str {
    match role {
        Role::Member => "a member",
        Role::BusinessAdmin => "the administrator of your business's account",
        Role::Tutor => "a tutor",
        Role::Staff => "staff",
        Role::Admin => "an administrator",
    }
}
