//! The demo's usage: last month's bookings turned into what happened at the machines, through the
//! usage services as the system "demo".
//!
//! - The laser cutters' controllers report device events: each job a start and a stop (event ids
//!   `trotec1-<date>-<n>`), which the service pairs into records linked to the booking the
//!   machine had then. Two anomalies are left on purpose: on Trotec 2 the earliest booking's start
//!   was never stopped (open too long), and on Trotec 1 a stop without a start follows a job (a
//!   power cycle; the anomalies list shows it once it has waited `LONELY_STOP_MINUTES`).
//! - Every other booking gets a front-desk or staff entry linked to it, with its end: a few
//!   minutes late, some running 10–40 minutes over (into free time only), some ending early, so
//!   the charges follow each machine's billing basis.
//! - Two walk-ins without a booking, entered at the front desk for members who book nothing.
//! - Two no-shows, marked by staff from the front desk with `usage::mark_no_show`. The settle
//!   job's own path, `usage::settle_booking`, acts only on a settlement it holds under a lease, so
//!   the demo does not take it; marking skips the booking's settlement, and every other demo
//!   booking has usage, so when the job runs it finds them used and charges nothing more.
//! - One audited correction on the CNC router (the job ran 45 minutes longer than entered): the
//!   ledger shows the reversal and the second revision.
//!
//! Idempotent: a booking that has any usage record is skipped, a no-show already charged is not
//! marked again, device events repeat harmlessly by event id, a walk-in is skipped when the member
//! already has one on that machine, and the correction when the router has a corrected record.
//! Only the demo people's bookings that ended at least an hour ago are touched, so a run on a
//! later day adds usage just for the demo bookings that have ended since.
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use anyhow::Context as _;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::db::DbConn;
use crate::domain::resources::{Resource, ResourceKind};
use crate::domain::usage::{RawUsageEvent, UsageEvent, UsageSource};
use crate::domain::{Ambiguity, BookingId, CustomerId, Email, LocalMonth, UserId, WorkshopTz};
use crate::services::bookings::{self, when, Booking, Context, ListQuery};
use crate::services::usage::{self, ChargeView, NewUsage, UsageChange, UsageQuery};
use crate::services::{accounts, resources, By, ServiceError};

const BY: By = By::System("demo");
const DOMAIN: &str = "demo.obrador.example";
/// How far back the demo looks for ended bookings: the past month with room to spare, and well
/// inside the 90 days a device event may arrive late.
const LOOKBACK_DAYS: i64 = 80;
/// A booking gets its usage once it ended this long ago, so no entered end lies in the future.
const ENDED_MINUTES_AGO: i64 = 60;

/// The machines whose controllers report usage, with the prefix of their event ids.
const DEVICES: [(&str, &str); 2] = [
    ("Laser cutter Trotec 1", "trotec1"),
    ("Laser cutter Trotec 2", "trotec2"),
];
/// Its earliest ended booking's job was started and never stopped.
const NEVER_STOPPED: &str = "Laser cutter Trotec 2";
/// A stop without a start after the jobs of this machine's ended booking at this position.
const LONELY_STOP: (&str, usize) = ("Laser cutter Trotec 1", 1);
/// Bookings nobody turned up for: (machine, position among its ended bookings).
const NO_SHOWS: [(&str, usize); 2] = [("Prusa MK4 B", 2), ("Bandsaw and workbench", 4)];
/// Walk-ins: (member, machine, about how many days ago, minutes used).
const WALK_INS: [(&str, &str, i64, i64); 2] = [
    ("nuria.puigdomenech", "Bandsaw and workbench", 5, 95),
    ("julia.camps", "Prusa MK4 A", 12, 140),
];
/// The machine (billed by the larger of booked and actual time) whose usage staff correct.
const CORRECTED: &str = "CNC router ShopBot";

#[derive(Default)]
pub struct Summary {
    pub front_desk: usize,
    pub staff: usize,
    pub events: usize,
    pub device_records: usize,
    pub walk_ins: usize,
    pub no_shows: usize,
    pub corrections: usize,
    /// What staff are asked to look at after the run (not only what this run added).
    pub anomalies: usize,
}

impl Summary {
    /// Whether this run added nothing.
    pub fn is_empty(&self) -> bool {
        self.front_desk
            + self.staff
            + self.events
            + self.walk_ins
            + self.no_shows
            + self.corrections
            == 0
    }
}

pub fn load(conn: &mut DbConn, tz: WorkshopTz) -> anyhow::Result<Summary> {
    let ctx = Context::quiet(tz);
    let now = Utc::now();
    let calendars = calendars(conn, now).context("listing last month's bookings")?;
    let mut summary = Summary::default();
    let mut no_shows = NoShows::new(tz);
    for cal in &calendars {
        let name = &cal.machine.name;
        let todo = unsettled(conn, &mut no_shows, cal)
            .with_context(|| format!("checking the usage of the {name}"))?;
        match DEVICES.iter().find(|(machine, _)| machine == name) {
            Some((_, prefix)) => {
                report_events(conn, &ctx, cal, prefix, &todo, now, &mut summary)
                    .with_context(|| format!("reporting the {name}'s device events"))?
            }
            None => enter_usage(conn, &ctx, cal, &todo, now, &mut summary)
                .with_context(|| format!("entering the usage of the {name}"))?,
        }
    }
    for spec in &WALK_INS {
        if walk_in(conn, &ctx, &calendars, spec, now)
            .with_context(|| format!("entering {}'s walk-in", spec.0))?
        {
            summary.walk_ins += 1;
        }
    }
    if correct_one(conn, &ctx, &calendars, now).context("correcting a usage record")? {
        summary.corrections += 1;
    }
    summary.anomalies = usage::anomalies(conn, &BY)?.len();
    Ok(summary)
}

/// One machine's bookings around the past month.
struct Calendar {
    machine: Resource,
    /// Everything booked on it from the look-back to tomorrow, by start.
    booked: Vec<Booking>,
    /// The demo people's bookings that have ended, by start.
    ended: Vec<Booking>,
}

impl Calendar {
    /// When the machine is next booked after `booking`, so use never runs into someone's time.
    fn next_start(&self, booking: &Booking) -> Option<DateTime<Utc>> {
        self.booked
            .iter()
            .map(|b| b.starts_at)
            .filter(|start| *start >= booking.ends_at)
            .min()
    }
}

fn calendars(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Vec<Calendar>, ServiceError> {
    let mut calendars = Vec::new();
    for machine in resources::resources(conn)? {
        if machine.kind != ResourceKind::Machine {
            continue;
        }
        let query = ListQuery {
            from: Some(now - Duration::days(LOOKBACK_DAYS)),
            to: Some(now + Duration::days(1)),
            resource_id: Some(machine.id),
            include_cancelled: false,
        };
        let booked = bookings::list(conn, &BY, &query)?;
        calendars.push(Calendar {
            machine,
            booked,
            ended: Vec::new(),
        });
    }
    let mut people: Vec<UserId> = calendars
        .iter()
        .flat_map(|c| c.booked.iter().map(|b| b.user_id))
        .collect();
    people.sort();
    people.dedup();
    let demo: HashSet<UserId> = accounts::users_by_ids(conn, &BY, &people)?
        .into_iter()
        .filter(|u| u.email.ends_with(&format!("@{DOMAIN}")))
        .map(|u| u.id)
        .collect();
    let ended_by = now - Duration::minutes(ENDED_MINUTES_AGO);
    for cal in &mut calendars {
        cal.ended = cal
            .booked
            .iter()
            .filter(|b| b.ends_at <= ended_by && demo.contains(&b.user_id))
            .cloned()
            .collect();
    }
    Ok(calendars)
}

/// The ended bookings that have no usage record yet and are not charged as no-shows.
fn unsettled(
    conn: &mut DbConn,
    no_shows: &mut NoShows,
    cal: &Calendar,
) -> Result<HashSet<BookingId>, ServiceError> {
    let mut todo = HashSet::new();
    for booking in &cal.ended {
        if !has_usage(conn, booking)? && !no_shows.charged(conn, &cal.machine, booking)? {
            todo.insert(booking.id);
        }
    }
    Ok(todo)
}

fn has_usage(conn: &mut DbConn, booking: &Booking) -> Result<bool, ServiceError> {
    let query = UsageQuery {
        from: Some(booking.starts_at - Duration::hours(1)),
        to: Some(booking.ends_at + Duration::hours(1)),
        resource_id: Some(booking.resource_id),
        ..UsageQuery::default()
    };
    Ok(usage::list(conn, &BY, &query)?
        .iter()
        .any(|r| r.booking_id == Some(booking.id)))
}

/// Which bookings stand charged as no-shows, read from each customer's charges of the month (one
/// read per customer and month). The ledger names no booking there, so a no-show charge is known
/// by the description `usage::mark_no_show` writes.
struct NoShows {
    tz: WorkshopTz,
    months: HashMap<(CustomerId, LocalMonth), Vec<ChargeView>>,
}

impl NoShows {
    fn new(tz: WorkshopTz) -> NoShows {
        NoShows {
            tz,
            months: HashMap::new(),
        }
    }

    fn charged(
        &mut self,
        conn: &mut DbConn,
        machine: &Resource,
        booking: &Booking,
    ) -> Result<bool, ServiceError> {
        let month = LocalMonth::of(self.tz.local_date(booking.starts_at));
        let lines = match self.months.entry((booking.customer_id, month)) {
            Entry::Occupied(found) => found.into_mut(),
            Entry::Vacant(slot) => slot
                .insert(usage::month_charges(conn, &BY, Some(booking.customer_id), month)?.charges),
        };
        let wanted = format!(
            "No-show: {}, {}",
            machine.name,
            when(self.tz, booking.starts_at, booking.ends_at)
        );
        Ok(lines
            .iter()
            .any(|line| line.kind == "no_show" && line.description == wanted))
    }
}

/// A number in `0..n` fixed by a booking and a purpose, so a later run makes the same choices.
fn pick(booking: BookingId, purpose: u64, n: i64) -> i64 {
    let mut x = booking.get() as u64 ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((x ^ (x >> 31)) % n.max(1) as u64) as i64
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// When a use that started at `start` really ended: mostly a few minutes before the booking's
/// end, sometimes 10–40 minutes over (only into free time, never into the next booking or the
/// future), sometimes 10–30 minutes early.
fn end_of_use(
    booking: &Booking,
    start: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let latest = next.map_or(now, |n| n.min(now)) - minutes(5);
    let on_time = booking.ends_at - minutes(pick(booking.id, 5, 5));
    let end = match pick(booking.id, 3, 8) {
        0 | 1 => Some(booking.ends_at + minutes(10 + pick(booking.id, 4, 31)))
            .filter(|over| *over <= latest)
            .unwrap_or(on_time),
        2 | 3 => booking.ends_at - minutes(10 + pick(booking.id, 4, 21)),
        _ => on_time,
    };
    end.max(start + minutes(15))
}

/// Front-desk and staff entries for the machine's ended bookings, and its no-shows.
fn enter_usage(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    cal: &Calendar,
    todo: &HashSet<BookingId>,
    now: DateTime<Utc>,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    for (position, booking) in cal.ended.iter().enumerate() {
        if !todo.contains(&booking.id) {
            continue;
        }
        let no_show = NO_SHOWS
            .iter()
            .any(|&(machine, at)| machine == cal.machine.name && at == position);
        if no_show {
            usage::mark_no_show(conn, ctx, &BY, booking.id)
                .with_context(|| format!("marking booking {} a no-show", booking.id))?;
            summary.no_shows += 1;
            continue;
        }
        let start = booking.starts_at + minutes(pick(booking.id, 1, 11));
        let (source, note) = if pick(booking.id, 2, 10) < 7 {
            (
                UsageSource::FrontDesk,
                "Checked in and out at the front desk.",
            )
        } else {
            (
                UsageSource::Staff,
                "Entered by staff from the machine's sign-in sheet.",
            )
        };
        let new = NewUsage {
            resource_id: cal.machine.id,
            customer_id: booking.customer_id,
            user_id: Some(booking.user_id),
            booking_id: Some(booking.id),
            started_at: start,
            ended_at: Some(end_of_use(booking, start, cal.next_start(booking), now)),
            source,
            note: note.into(),
        };
        usage::enter(conn, ctx, &BY, &new)
            .with_context(|| format!("entering the usage of booking {}", booking.id))?;
        match source {
            UsageSource::FrontDesk => summary.front_desk += 1,
            _ => summary.staff += 1,
        }
    }
    Ok(())
}

/// The laser jobs of a booking: one, or two with a pause between them.
fn jobs(
    booking: &Booking,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let start = booking.starts_at + minutes(2 + pick(booking.id, 1, 9));
    let end = end_of_use(booking, start, next, now);
    let half = (end - start) / 2;
    if half >= minutes(40) && pick(booking.id, 6, 2) == 0 {
        let pause = minutes(5 + pick(booking.id, 7, 11));
        vec![
            (start, start + half - pause / 2),
            (start + half + pause / 2, end),
        ]
    } else {
        vec![(start, end)]
    }
}

/// Every event the controller sent for the machine's ended bookings, numbered per local day, with
/// the booking each belongs to.
fn device_events(
    cal: &Calendar,
    prefix: &str,
    tz: WorkshopTz,
    now: DateTime<Utc>,
) -> Vec<(BookingId, RawUsageEvent)> {
    let mut events = Vec::new();
    let mut day: Option<NaiveDate> = None;
    let mut n = 0;
    for (position, booking) in cal.ended.iter().enumerate() {
        let date = tz.local_date(booking.starts_at);
        if day != Some(date) {
            (day, n) = (Some(date), 0);
        }
        let next = cal.next_start(booking);
        let mut times: Vec<(&str, DateTime<Utc>)> = jobs(booking, next, now)
            .into_iter()
            .flat_map(|(start, stop)| [("start", start), ("stop", stop)])
            .collect();
        if cal.machine.name == NEVER_STOPPED && position == 0 {
            times.truncate(1);
        }
        if (cal.machine.name.as_str(), position) == LONELY_STOP {
            // A power cycle after the last job, well before the next booking's first start.
            if let Some(&(_, last)) = times.last() {
                let room = next.map_or(minutes(40), |n| n - last);
                times.push(("stop", last + minutes(20).min(room / 2)));
            }
        }
        for (kind, at) in times {
            n += 1;
            let raw = RawUsageEvent {
                event_id: format!("{prefix}-{date}-{n}"),
                resource_id: cal.machine.id.get(),
                kind: kind.into(),
                at: tz.to_local(at).to_rfc3339(),
                customer_id: None,
            };
            events.push((booking.id, raw));
        }
    }
    events
}

/// Sends the controller's events for the bookings still without usage, in one batch in time
/// order, as a controller catching up would.
fn report_events(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    cal: &Calendar,
    prefix: &str,
    todo: &HashSet<BookingId>,
    now: DateTime<Utc>,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let raw: Vec<RawUsageEvent> = device_events(cal, prefix, ctx.tz, now)
        .into_iter()
        .filter(|(booking, _)| todo.contains(booking))
        .map(|(_, event)| event)
        .collect();
    if raw.is_empty() {
        return Ok(());
    }
    let starts: HashSet<&str> = raw
        .iter()
        .filter(|e| e.kind == "start")
        .map(|e| e.event_id.as_str())
        .collect();
    let batch: Vec<(String, Result<UsageEvent, String>)> = raw
        .iter()
        .map(|e| {
            let parsed = UsageEvent::parse(e, now).map_err(|why| why.to_string());
            (e.event_id.clone(), parsed)
        })
        .collect();
    for result in usage::record_events(conn, ctx, &BY, None, None, &batch)? {
        match result.status.as_str() {
            "recorded" => {
                summary.events += 1;
                summary.device_records += usize::from(starts.contains(result.event_id.as_str()));
            }
            "duplicate" => {}
            _ => anyhow::bail!(
                "the device event {} was refused: {}",
                result.event_id,
                result.error.unwrap_or_default()
            ),
        }
    }
    Ok(())
}

/// A member without a booking uses a machine for a while in free time, entered at the front desk.
/// Returns whether it was entered (skipped when the member already has a walk-in there).
fn walk_in(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    calendars: &[Calendar],
    &(member, machine, days_ago, length): &(&str, &str, i64, i64),
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let email = Email::parse(&format!("{member}@{DOMAIN}"))?;
    let Some(user) = accounts::user_by_email(conn, &email)? else {
        return Ok(false);
    };
    let Some(cal) = calendars.iter().find(|c| c.machine.name == machine) else {
        return Ok(false);
    };
    let query = UsageQuery {
        from: Some(now - Duration::days(LOOKBACK_DAYS)),
        to: Some(now),
        resource_id: Some(cal.machine.id),
        customer_id: Some(user.customer_id),
        ..UsageQuery::default()
    };
    if usage::list(conn, &BY, &query)?
        .iter()
        .any(|r| r.booking_id.is_none())
    {
        return Ok(false);
    }
    let mut day = ctx.tz.local_date(now) - Duration::days(days_ago);
    while day.weekday().num_days_from_monday() > 4 {
        day = day
            .pred_opt()
            .context("a day before the calendar's start")?;
    }
    for hour in 10..=18 {
        let start = local(ctx.tz, day, hour, 20)?;
        let end = start + minutes(length);
        let free = cal
            .booked
            .iter()
            .all(|b| b.ends_at <= start || b.starts_at >= end);
        if free && end < now {
            let new = NewUsage {
                resource_id: cal.machine.id,
                customer_id: user.customer_id,
                user_id: Some(user.id),
                booking_id: None,
                started_at: start,
                ended_at: Some(end),
                source: UsageSource::FrontDesk,
                note: "Walk-in: the machine was free.".into(),
            };
            usage::enter(conn, ctx, &BY, &new)?;
            return Ok(true);
        }
    }
    Ok(false)
}

fn local(tz: WorkshopTz, day: NaiveDate, hour: u32, minute: u32) -> anyhow::Result<DateTime<Utc>> {
    let wall = day
        .and_hms_opt(hour, minute, 0)
        .context("a demo time of day")?;
    Ok(tz.to_utc(wall, Ambiguity::Earlier)?)
}

/// Staff correct the router's earliest entered use that has free time after it: the spindle log
/// shows the job ran 45 minutes longer. Returns whether it was corrected (skipped when the router
/// already has a corrected record).
fn correct_one(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    calendars: &[Calendar],
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let Some(cal) = calendars.iter().find(|c| c.machine.name == CORRECTED) else {
        return Ok(false);
    };
    let query = UsageQuery {
        from: Some(now - Duration::days(LOOKBACK_DAYS)),
        to: Some(now),
        resource_id: Some(cal.machine.id),
        ..UsageQuery::default()
    };
    let mut records = usage::list(conn, &BY, &query)?;
    if records.iter().any(|r| r.revision > 0) {
        return Ok(false);
    }
    records.sort_by_key(|r| r.started_at);
    for record in records.iter().filter(|r| r.status == "closed") {
        let (Some(booking_id), Some(ended)) = (record.booking_id, record.ended_at) else {
            continue;
        };
        let Some(booking) = cal.ended.iter().find(|b| b.id == booking_id) else {
            continue;
        };
        // Past both the entered and the booked end, so the billed time surely changes.
        let end = ended.max(booking.ends_at) + minutes(45);
        let fits = cal.next_start(booking).is_none_or(|next| end <= next);
        if record.source == UsageSource::Device || !fits || end > now - minutes(5) {
            continue;
        }
        let change = UsageChange {
            started_at: record.started_at,
            ended_at: Some(end),
            customer_id: None,
            user_id: None,
            void: false,
            note: "Corrected from the router's spindle log: the job ran 45 minutes past the \
                   end entered at the front desk."
                .into(),
        };
        usage::correct(conn, ctx, &BY, record.id, &change)?;
        return Ok(true);
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::domain::{Money, ResourceId};
    use crate::services::bookings::BookingStatus;

    fn booking(id: i64, hours: i64) -> Booking {
        let start = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("a time");
        Booking {
            id: BookingId::new(id),
            resource_id: ResourceId::new(1),
            customer_id: CustomerId::new(1),
            user_id: UserId::new(1),
            series_id: None,
            starts_at: start,
            ends_at: start + Duration::hours(hours),
            status: BookingStatus::Confirmed,
            price: Money::ZERO,
            sequence: 0,
            cancelled_at: None,
        }
    }

    #[test]
    fn use_never_runs_into_the_next_booking_or_the_future() {
        for id in 1..500 {
            let b = booking(id, 1 + id % 3);
            let next = (id % 2 == 0).then(|| b.ends_at + Duration::minutes(30));
            let now = b.ends_at + Duration::hours(1);
            let start = b.starts_at + minutes(pick(b.id, 1, 11));
            let end = end_of_use(&b, start, next, now);
            assert!(end >= start + minutes(15), "{id}");
            assert!(end <= next.unwrap_or(now) - minutes(5), "{id}");
            assert!(end >= b.ends_at - minutes(30), "{id}");
            for (from, to) in jobs(&b, next, now) {
                assert!(from >= b.starts_at && from < to && to <= now, "{id}");
            }
        }
    }

    #[test]
    fn choices_are_the_same_every_run() {
        let b = BookingId::new(42);
        assert_eq!(pick(b, 3, 8), pick(b, 3, 8));
        assert!((0..1000).all(|id| (0..7).contains(&pick(BookingId::new(id), 2, 7))));
    }
}
