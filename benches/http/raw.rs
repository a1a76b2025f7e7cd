//! The raw bound of booking creation: the writes one booking makes (see `create_in` in the
//! bookings service) done straight on a database through the library's own db functions, one
//! write transaction per booking, without HTTP, rule checks or reads: the booking row (no
//! charges: those come when it is settled) and its resource block, the audit row, the reminder
//! and settlement rows, and the confirmation mail with its `.ics` in the outbox. The mail's body and
//! calendar are made once beforehand; the outbox still formats each message, as it must.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use obrador::config::Settings;
use obrador::db::audit::{self as audit_rows, NewAuditRow};
use obrador::db::bookings as rows;
use obrador::db::{timestamp, write_tx, DatabaseUrl, DbConn, Pool};
use obrador::documents::ics::{self, CalendarEvent, Method};
use obrador::domain::{Role, User, WorkshopTz};
use obrador::mail::{self, MailIdentity, OutgoingMail, Recipient, RenderedMail};
use serde_json::json;

use crate::load::Stats;
use crate::workshop::{self, slot, MACHINES};

pub struct RawBound {
    pool: Pool,
    machines: Vec<i64>,
    member: User,
    settings: Settings,
    identity: MailIdentity,
    body: RenderedMail,
    calendar: Vec<u8>,
    /// Bookings so far, across runs: each takes the next free hour.
    next: AtomicUsize,
}

impl RawBound {
    /// Machines and a member in the empty database at `url`, and a pool for `threads` writers.
    pub fn arrange(url: &str, threads: usize) -> anyhow::Result<RawBound> {
        let size = u32::try_from(threads.max(1))?;
        let pool = obrador::startup::open_database(&DatabaseUrl::parse(url)?, size)?;
        let mut conn = pool.get()?;
        let machines = workshop::machines(&mut conn, MACHINES)?;
        let member = workshop::people(&mut conn, Role::Member, 1)?
            .pop()
            .context("no member made")?;
        drop(conn);
        let settings = Settings::defaults()?;
        let identity = MailIdentity::from_settings(&settings)?;
        let (body, calendar) = confirmation(&identity, &member)?;
        Ok(RawBound {
            pool,
            machines,
            member,
            settings,
            identity,
            body,
            calendar,
            next: AtomicUsize::new(0),
        })
    }

    /// Books with `threads` writers for `duration`; each transaction is one "request".
    pub fn run(&self, threads: usize, duration: Duration) -> Stats {
        let started = Instant::now();
        let deadline = started + duration;
        let parts = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..threads)
                .map(|_| scope.spawn(|| self.writer(deadline)))
                .collect();
            writers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        });
        Stats::from_parts(parts, started.elapsed())
    }

    fn writer(&self, deadline: Instant) -> Stats {
        let mut stats = Stats::default();
        let mut conn = match self.pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                stats.record(Duration::ZERO, Some(e.to_string()));
                return stats;
            }
        };
        while Instant::now() < deadline {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let error = self.book(&mut conn, k).err().map(|e| format!("{e:#}"));
            stats.record(started.elapsed(), error);
        }
        stats
    }

    fn book(&self, conn: &mut DbConn, k: usize) -> anyhow::Result<()> {
        let (machine, start) = slot(&self.machines, k)?;
        let end = start + chrono::Duration::hours(1);
        let policy = &self.settings.booking;
        let member = &self.member;
        write_tx(conn, |c| -> anyhow::Result<()> {
            let now = Utc::now();
            let at = timestamp(now);
            let id = workshop::book(c, member, machine, start)?;
            let change = |new: serde_json::Value| json!({ "old": null, "new": new });
            let changes = json!({
                "resource_id": change(json!(machine)),
                "starts_at": change(json!(start)),
                "ends_at": change(json!(end)),
                "customer_id": change(json!(member.customer_id.get())),
            })
            .to_string();
            audit_rows::insert(
                c,
                &NewAuditRow {
                    at,
                    actor_user_id: Some(member.id.get()),
                    actor: &member.email,
                    action: "booking.create",
                    object_type: "booking",
                    object_id: Some(id),
                    changes: &changes,
                },
            )?;
            let reminder = start - chrono::Duration::hours(policy.reminder_hours);
            if policy.reminder_hours > 0 && reminder > now {
                rows::schedule_reminder(c, id, timestamp(reminder))?;
            } else {
                rows::skip_reminder(c, id)?;
            }
            let settles = end + chrono::Duration::minutes(policy.no_show_grace_minutes);
            rows::schedule_settlement(c, id, timestamp(settles))?;
            let to = Recipient::new(member.email.clone(), Some(member.name.clone()));
            let mail = OutgoingMail::new(format!("booking-{id}-confirmed"), to, self.body.clone())
                .attach(
                    "booking.ics",
                    "text/calendar; charset=utf-8; method=REQUEST",
                    self.calendar.clone(),
                );
            mail::enqueue(c, &self.identity, mail)?;
            Ok(())
        })
    }
}

/// A booking confirmation as the service writes it: the rendered template and the `.ics`.
fn confirmation(identity: &MailIdentity, member: &User) -> anyhow::Result<(RenderedMail, Vec<u8>)> {
    let tz = WorkshopTz::DEFAULT;
    let start = Utc::now() + chrono::Duration::days(2);
    let end = start + chrono::Duration::hours(1);
    let when = obrador::services::bookings::when(tz, start, end);
    let values = [
        ("name", member.name.as_str()),
        ("machine", "Machine 0"),
        ("when", when.as_str()),
        ("link", "http://127.0.0.1:8080/bookings"),
        ("price", "20.00 EUR"),
        ("free_until", "Mon 01 Jan 2030 10:00"),
        ("fee_line", "Nothing is charged."),
    ];
    let body = obrador::mail_template!("booking_confirmed").render(identity, &values)?;
    let event = CalendarEvent {
        uid: ics::booking_uid(1, "127.0.0.1"),
        summary: "Machine 0 (booking 1)".into(),
        description: "Machine time booked at the workshop. Booking 1.".into(),
        location: String::new(),
        starts_at: start,
        ends_at: end,
        sequence: 0,
        cancelled: false,
        stamp: Utc::now(),
    };
    let calendar = ics::calendar(identity.name(), Some(Method::Request), &[event]);
    Ok((body, calendar.into_bytes()))
}
