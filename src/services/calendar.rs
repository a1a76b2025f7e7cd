//! iCalendar feeds: each user has a secret feed URL of their bookings (rotatable), and each
//! machine one for staff. The events come from the same builder as the mail attachments, so a
//! booking keeps its UID and SEQUENCE everywhere.
use chrono::Duration;

use super::audit::{self, Changes};
use super::bookings::{calendar_event, host_of, Booking, BookingStatus};
use super::credentials::new_secret;
use super::{now, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::bookings::{self as rows, BookingFilter};
use crate::db::resources as resource_rows;
use crate::db::{timestamp, write_tx, DbConn};
use crate::documents::ics;
use crate::domain::Money;
use crate::domain::{BookingId, CustomerId, ResourceId, SeriesId, UserId};

/// How far back and ahead a feed reaches.
const PAST_DAYS: i64 = 90;
const FUTURE_DAYS: i64 = 400;

fn feed_url(public_url: &str, secret: &str) -> String {
    format!("{}/calendar/{secret}.ics", public_url.trim_end_matches('/'))
}

/// The user's feed URL, making its secret on first use.
pub fn user_feed_url(
    conn: &mut DbConn,
    user: UserId,
    public_url: &str,
) -> Result<String, ServiceError> {
    if let Some(secret) = account_rows::calendar_secret(conn, user)? {
        return Ok(feed_url(public_url, &secret));
    }
    write_tx(conn, |c| {
        let secret = match account_rows::calendar_secret(c, user)? {
            Some(secret) => secret,
            None => {
                let (secret, _) = new_secret("cal_");
                account_rows::set_calendar_secret(c, user, &secret)?;
                secret
            }
        };
        Ok(feed_url(public_url, &secret))
    })
}

/// A new secret: the old URL stops working at once.
pub fn rotate_user_feed(
    conn: &mut DbConn,
    by: &By,
    user: UserId,
    public_url: &str,
) -> Result<String, ServiceError> {
    if by
        .actor()
        .is_some_and(|a| a.user_id != user && !a.is_staff())
    {
        return Err(ServiceError::NotFound);
    }
    write_tx(conn, |c| {
        let (secret, _) = new_secret("cal_");
        account_rows::set_calendar_secret(c, user, &secret)?;
        audit::record(
            c,
            by,
            "calendar.rotate",
            "user",
            Some(user.get()),
            Changes::new(),
        )?;
        Ok(feed_url(public_url, &secret))
    })
}

/// The machine's feed URL (staff only).
pub fn machine_feed_url(
    conn: &mut DbConn,
    by: &By,
    resource: ResourceId,
    public_url: &str,
) -> Result<String, ServiceError> {
    let secret = super::resources::calendar_secret(conn, by, resource)?;
    Ok(format!(
        "{}/calendar/machines/{secret}.ics",
        public_url.trim_end_matches('/')
    ))
}

/// The feed a secret names, or `None` (an unknown or rotated secret).
pub fn feed(
    conn: &mut DbConn,
    secret: &str,
    public_url: &str,
    calendar_name: &str,
) -> Result<Option<String>, ServiceError> {
    let Some(user) = account_rows::user_by_calendar_secret(conn, secret)? else {
        return Ok(None);
    };
    let filter = BookingFilter {
        user_id: Some(user.id.get()),
        ..window()
    };
    let host = host_of(public_url);
    let mut events = booking_events(conn, &filter, &host)?;
    let (from, to) = span();
    events.extend(super::training::feed_events(
        conn, user.id, from, to, &host,
    )?);
    let name = format!("{calendar_name}: {}", user.name);
    Ok(Some(ics::calendar(&name, None, &events)))
}

/// A machine's feed by its secret, or `None`.
pub fn machine_feed(
    conn: &mut DbConn,
    secret: &str,
    public_url: &str,
) -> Result<Option<String>, ServiceError> {
    let Some(machine) = resource_rows::by_calendar_secret(conn, secret)? else {
        return Ok(None);
    };
    let filter = BookingFilter {
        resource_id: Some(machine.id.get()),
        ..window()
    };
    let host = host_of(public_url);
    let mut events = booking_events(conn, &filter, &host)?;
    let (from, to) = span();
    events.extend(super::training::machine_feed_events(
        conn, machine.id, from, to, &host,
    )?);
    Ok(Some(ics::calendar(&machine.name, None, &events)))
}

/// The instants a feed covers.
fn span() -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    let at = now();
    (
        at - Duration::days(PAST_DAYS),
        at + Duration::days(FUTURE_DAYS),
    )
}

fn window() -> BookingFilter {
    let (from, to) = span();
    BookingFilter {
        from: Some(timestamp(from)),
        to: Some(timestamp(to)),
        include_cancelled: true,
        limit: 5000,
        ..BookingFilter::default()
    }
}

fn booking_events(
    conn: &mut DbConn,
    filter: &BookingFilter,
    host: &str,
) -> Result<Vec<ics::CalendarEvent>, ServiceError> {
    let machines = resource_rows::list(conn)?;
    let events: Vec<ics::CalendarEvent> = rows::list_bookings(conn, filter)?
        .into_iter()
        .filter_map(|row| {
            let machine = machines.iter().find(|m| m.id.get() == row.resource_id)?;
            let booking = Booking {
                id: BookingId::new(row.id),
                resource_id: machine.id,
                customer_id: CustomerId::new(row.customer_id),
                user_id: UserId::new(row.user_id),
                series_id: row.series_id.map(SeriesId::new),
                starts_at: row.starts_at.and_utc(),
                ends_at: row.ends_at.and_utc(),
                status: if row.status == "cancelled" {
                    BookingStatus::Cancelled
                } else {
                    BookingStatus::Confirmed
                },
                price: Money::ZERO,
                sequence: row.sequence,
                cancelled_at: row.cancelled_at.map(|t| t.and_utc()),
            };
            Some(calendar_event(
                &booking,
                &machine.name,
                host,
                row.updated_at.and_utc(),
            ))
        })
        .collect();
    Ok(events)
}
