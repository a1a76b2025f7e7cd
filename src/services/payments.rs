//! Payment reminders for overdue invoices. An issued invoice that is still owed something
//! `reminder_days` after its due date gets reminder 1, `reminder_days` later reminder 2, and so on
//! up to `max_reminders`. Each reminder is a durable row written once (unique per invoice and
//! number); the overdue job claims due rows under a lease and sends each in one transaction that
//! re-checks the invoice is still owed, queues the mail under a unique key and closes the row.
use chrono::{Days, NaiveDate};

use super::invoicing::{self, Payments};
use super::{now, By, ServiceError};
use crate::db::accounts::{self as account_rows, UserFilter};
use crate::db::invoicing as rows;
use crate::db::{lock_row, timestamp, write_tx, DbConn};
use crate::domain::{CustomerId, CustomerKind, InvoiceId, Money, Role};
use crate::mail::{self, MailIdentity, OutgoingMail, Recipient};

/// What reminders need from configuration.
#[derive(Debug, Clone)]
pub struct Context {
    pub invoicing: invoicing::Context,
    /// Days from the due date to the first reminder, and between reminders.
    pub reminder_days: u32,
    /// Reminders per invoice at most.
    pub max_reminders: i32,
    pub mail: MailIdentity,
}

impl Context {
    pub fn from_settings(
        settings: &crate::config::Settings,
        mail: MailIdentity,
    ) -> Result<Context, ServiceError> {
        Ok(Context {
            invoicing: invoicing::Context::from_settings(settings)?,
            reminder_days: u32::try_from(settings.invoicing.reminder_days.max(1))
                .unwrap_or(u32::MAX),
            max_reminders: i32::try_from(settings.invoicing.max_reminders.max(0))
                .unwrap_or(i32::MAX),
            mail,
        })
    }
}

/// The reminder an invoice due on `due` has earned by `today`: the number of whole
/// `every_days` periods since the due date, at most `max`; `None` before the first.
pub fn reminder_number(due: NaiveDate, today: NaiveDate, every_days: u32, max: i32) -> Option<i32> {
    let overdue_days = (today - due).num_days();
    let periods = overdue_days / i64::from(every_days.max(1));
    (periods >= 1 && max >= 1).then(|| i32::try_from(periods).unwrap_or(i32::MAX).min(max))
}

/// The day reminder `number` of an invoice due on `due` falls due.
fn falls_due(due: NaiveDate, number: i32, every_days: u32) -> NaiveDate {
    let days = u64::from(every_days) * u64::try_from(number.max(0)).unwrap_or(0);
    due.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// Writes, for each invoice still owed something on `today`, the reminder it has earned (if not
/// written yet); returns how many were written. Safe to run any number of times, on any number
/// of instances: each reminder is written once. A job that was down for a while writes only the
/// latest reminder, so a customer never gets several at once.
pub fn schedule_overdue(
    conn: &mut DbConn,
    ctx: &Context,
    today: NaiveDate,
) -> Result<usize, ServiceError> {
    if ctx.max_reminders < 1 {
        return Ok(0);
    }
    let due_by = today
        .checked_sub_days(Days::new(u64::from(ctx.reminder_days)))
        .unwrap_or(NaiveDate::MIN);
    let candidates = rows::unpaid_due_by(conn, due_by, ctx.max_reminders)?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let at = timestamp(now());
    write_tx(conn, |c| {
        let mut written = 0;
        for (invoice, due) in &candidates {
            let Some(number) = reminder_number(*due, today, ctx.reminder_days, ctx.max_reminders)
            else {
                continue;
            };
            let day = falls_due(*due, number, ctx.reminder_days);
            let due_at = timestamp(ctx.invoicing.tz.start_of_day(day));
            written += usize::from(rows::insert_payment_reminder(
                c, *invoice, number, due_at, at,
            )?);
        }
        Ok(written)
    })
}

/// Sends a reminder claimed by `owner`, in one transaction: if its invoice is still owed
/// something (payments of it wait on the invoice's row meanwhile) and no later reminder of it
/// exists, queues the mail to the customer's billing contacts and closes the row as `sent`;
/// otherwise closes it as `skipped`. Returns whether mail was queued; `false` too when the row
/// is no longer pending under this owner's lease (another instance took it over).
pub fn send_reminder(
    conn: &mut DbConn,
    ctx: &Context,
    reminder_id: i64,
    owner: &str,
) -> Result<bool, ServiceError> {
    write_tx(conn, |c| {
        let Some(reminder) = rows::claimed_payment_reminder(c, reminder_id, owner)? else {
            return Ok(false);
        };
        lock_row(c, "invoices", reminder.invoice_id)?;
        let superseded = rows::payment_reminders_of(c, reminder.invoice_id)?
            .iter()
            .any(|r| r.number > reminder.number);
        let id = InvoiceId::new(reminder.invoice_id);
        let state = invoicing::payments(c, &ctx.invoicing, &By::System("overdue"), id)?;
        if superseded || state.outstanding <= Money::ZERO {
            rows::finish_payment_reminder(c, reminder.id, "skipped", None)?;
            return Ok(false);
        }
        let row = rows::find_invoice(c, reminder.invoice_id)?;
        let to = billing_contacts(c, CustomerId::new(row.customer_id))?;
        if to.is_empty() {
            tracing::warn!(
                invoice = row.id,
                "payment reminder skipped: the customer has no billing email and no one to bill"
            );
            rows::finish_payment_reminder(c, reminder.id, "skipped", None)?;
            return Ok(false);
        }
        let invoice = Reminded {
            id: row.id,
            number: row.number.clone().unwrap_or_default(),
            issue_date: row.issue_date,
            due_date: row.due_date,
            payments: &state,
        };
        for (suffix, recipient) in to {
            let key = format!("payment-reminder-{}-{}{suffix}", row.id, reminder.number);
            mail::enqueue(c, &ctx.mail, reminder_mail(ctx, &invoice, key, recipient)?)?;
        }
        rows::finish_payment_reminder(c, reminder.id, "sent", Some(timestamp(now())))?;
        Ok(true)
    })
}

/// Who is reminded, each with the suffix of their mail's key: the customer's billing email when
/// it has one; otherwise the member of an individual account, or the admins of a business.
pub(crate) fn billing_contacts(
    c: &mut DbConn,
    customer: CustomerId,
) -> Result<Vec<(String, Recipient)>, ServiceError> {
    let account = account_rows::find_customer(c, customer)?;
    if let Some(email) = account.billing_email.filter(|e| !e.trim().is_empty()) {
        return Ok(vec![(
            String::new(),
            Recipient::new(email, Some(account.legal_name)),
        )]);
    }
    let filter = UserFilter {
        search: None,
        customer_id: Some(customer),
        limit: 100,
    };
    Ok(account_rows::search_users(c, &filter)?
        .into_iter()
        .filter(|u| u.active)
        .filter(|u| account.kind == CustomerKind::Individual || u.role == Role::BusinessAdmin)
        .map(|u| (format!("-{}", u.id), Recipient::new(u.email, Some(u.name))))
        .collect())
}

/// What a reminder says about its invoice.
struct Reminded<'a> {
    id: i64,
    number: String,
    issue_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    payments: &'a Payments,
}

fn reminder_mail(
    ctx: &Context,
    invoice: &Reminded<'_>,
    key: String,
    to: Recipient,
) -> Result<OutgoingMail, ServiceError> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let issue_date = day(invoice.issue_date).unwrap_or_default();
    let due_date = day(invoice.due_date).unwrap_or_default();
    let p = invoice.payments;
    let total = if p.credited > Money::ZERO {
        format!("{} EUR, less {} EUR credited", p.total, p.credited)
    } else {
        format!("{} EUR", p.total)
    };
    let paid = format!("{} EUR", p.paid);
    let outstanding = format!("{} EUR", p.outstanding);
    let link = ctx.mail.link(&format!("/invoices/{}", invoice.id));
    let name = to.name.clone().unwrap_or_else(|| to.email.clone());
    let values = [
        ("name", name.as_str()),
        ("number", invoice.number.as_str()),
        ("issue_date", issue_date.as_str()),
        ("due_date", due_date.as_str()),
        ("total", total.as_str()),
        ("paid", paid.as_str()),
        ("outstanding", outstanding.as_str()),
        ("link", link.as_str()),
    ];
    let rendered = crate::mail_template!("payment_reminder").render(&ctx.mail, &values)?;
    Ok(OutgoingMail::new(key, to, rendered))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
    }

    #[test]
    fn a_reminder_is_earned_every_period_after_the_due_date_up_to_the_maximum() {
        let due = day(1);
        let number = |today| reminder_number(due, today, 7, 3);
        assert_eq!(number(day(1)), None);
        assert_eq!(number(day(7)), None, "six days late");
        assert_eq!(number(day(8)), Some(1));
        assert_eq!(number(day(14)), Some(1));
        assert_eq!(number(day(15)), Some(2));
        assert_eq!(number(day(22)), Some(3));
        assert_eq!(number(day(31)), Some(3), "never past the maximum");
        assert_eq!(reminder_number(due, day(31), 7, 0), None);
        assert_eq!(falls_due(due, 2, 7), day(15));
    }
}
