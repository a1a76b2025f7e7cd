//! Booking machine and tutor time: create, move and cancel under the machine's rules and the
//! workshop's calendar, with the database refusing double bookings; availability; weekly series.
//! Mail about each change is queued in the same transaction.
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Serialize;

use super::audit::{self, Changes};
use super::{now, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::bookings::{
    self as rows, BookingFilter, BookingRow, NewBlock, NewBookingRow, NewChargeRow,
};
use crate::db::resources as resource_rows;
use crate::db::tutors as tutor_rows;
use crate::db::{timestamp, write_tx, DbConn, DbError};
use crate::documents::ics::{self, CalendarEvent, Method};
use crate::domain::billing::time_price;
use crate::domain::booking::{
    check_calendar, check_interval, Calendar, CancellationPolicy, RuleBroken,
};
use crate::domain::resources::{Resource, ResourceKind};
use crate::domain::tutors::Tutor;
use crate::domain::{
    BookingId, Customer, CustomerId, CustomerKind, Money, ResourceId, SeriesId, User, UserId,
    WorkshopTz,
};
use crate::mail::{self, MailIdentity, OutgoingMail, Recipient};

/// What every booking use case needs from configuration.
pub struct Context<'a> {
    pub tz: WorkshopTz,
    pub policy: CancellationPolicy,
    /// Where confirmations are sent from; `None` sends no mail (demo data).
    pub mail: Option<&'a MailIdentity>,
    pub public_url: &'a str,
    /// How long before a booking its reminder goes out; 0 sends none.
    pub reminder_hours: i64,
    /// How long after its end an unused booking is settled as a no-show.
    pub no_show_grace_minutes: i64,
    /// The share of the booked price a no-show costs.
    pub no_show_percent: rust_decimal::Decimal,
}

impl Context<'static> {
    /// A context that sends no mail and schedules no reminders, with the default policies: for
    /// loading demo data and other work done by the system itself.
    pub fn quiet(tz: WorkshopTz) -> Context<'static> {
        Context {
            tz,
            policy: CancellationPolicy {
                free_until_hours: 24,
                late_fee_percent: rust_decimal::Decimal::from(50),
            },
            mail: None,
            public_url: "",
            reminder_hours: 0,
            no_show_grace_minutes: 30,
            no_show_percent: rust_decimal::Decimal::from(100),
        }
    }
}

impl<'a> Context<'a> {
    /// The context configuration gives (the time zone was validated at start-up).
    pub fn from_settings(
        settings: &'a crate::config::Settings,
        mail: Option<&'a MailIdentity>,
    ) -> Context<'a> {
        Context {
            tz: settings.timezone().unwrap_or_default(),
            policy: settings.booking.cancellation_policy(),
            mail,
            public_url: &settings.public_url,
            reminder_hours: settings.booking.reminder_hours,
            no_show_grace_minutes: settings.booking.no_show_grace_minutes,
            no_show_percent: rust_decimal::Decimal::from(settings.booking.no_show_percent.min(100)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Booking {
    pub id: BookingId,
    pub resource_id: ResourceId,
    pub customer_id: CustomerId,
    pub user_id: UserId,
    pub series_id: Option<SeriesId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: BookingStatus,
    /// The booked time at the rate of the customer's price category when booked, VAT excluded.
    pub price: Money,
    pub sequence: i32,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// A request for machine time. `customer_id` and `user_id` let staff book for someone else.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub resource_id: ResourceId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub customer_id: Option<CustomerId>,
    pub user_id: Option<UserId>,
    pub note: String,
    /// A tutor booked with the machine for the same interval (both blocks or neither).
    pub with_tutor: Option<ResourceId>,
}

fn to_booking(row: &BookingRow, resource: &Resource) -> Booking {
    let minutes = (row.ends_at - row.starts_at).num_minutes();
    let price = time_price(
        Money::from_cents(row.rate_cents),
        minutes,
        resource.billing_increment,
        resource.minimum_charge,
    );
    Booking {
        id: BookingId::new(row.id),
        resource_id: ResourceId::new(row.resource_id),
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
        price,
        sequence: row.sequence,
        cancelled_at: row.cancelled_at.map(|t| t.and_utc()),
    }
}

fn is_staff(by: &By) -> bool {
    by.actor().is_none_or(|a| a.is_staff())
}

/// Who the booking is for: the caller, or (staff only) the customer and user they name.
fn resolve_party(
    conn: &mut DbConn,
    by: &By,
    new: &NewBooking,
) -> Result<(Customer, User), ServiceError> {
    let user_id = match (by.actor(), new.user_id) {
        (Some(actor), Some(user)) if user != actor.user_id && !actor.is_staff() => {
            return Err(ServiceError::Forbidden(
                "Only staff can book for someone else.".into(),
            ))
        }
        (_, Some(user)) => user,
        (Some(actor), None) => actor.user_id,
        (None, None) => {
            return Err(ServiceError::Invalid(
                "Say which user the booking is for.".into(),
            ))
        }
    };
    let user = account_rows::find_user(conn, user_id)
        .map_err(|_| ServiceError::Invalid(format!("There is no user {user_id}.")))?;
    let customer_id = new.customer_id.unwrap_or(user.customer_id);
    if let Some(actor) = by.actor() {
        if !actor.is_staff() && customer_id != actor.customer_id {
            return Err(ServiceError::Forbidden(
                "You can only book on your own account.".into(),
            ));
        }
    }
    let customer = account_rows::find_customer(conn, customer_id)
        .map_err(|_| ServiceError::Invalid(format!("There is no customer {customer_id}.")))?;
    Ok((customer, user))
}

fn find_machine(conn: &mut DbConn, id: ResourceId) -> Result<Resource, ServiceError> {
    resource_rows::find(conn, id).map_err(|e| match e {
        DbError::NotFound => ServiceError::Invalid(format!("There is no machine {id}.")),
        other => other.into(),
    })
}

/// Everything a booking must satisfy; for staff, broken rules are returned as overrides instead.
fn check_rules(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    user: UserId,
    machine: &Resource,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<String>, ServiceError> {
    if end <= start {
        return Err(ServiceError::Invalid(
            RuleBroken::EndNotAfterStart.to_string(),
        ));
    }
    let mut broken: Vec<String> = Vec::new();
    if machine.out_of_service {
        broken.push(RuleBroken::OutOfService.to_string());
    }
    let hours = resource_rows::weekly_hours(conn)?;
    let closures =
        resource_rows::closures_between(conn, ctx.tz.local_date(start), ctx.tz.local_date(end))?;
    let calendar = Calendar {
        tz: ctx.tz,
        hours: &hours,
        closures: &closures,
        now: now(),
    };
    if let Err(rule) = check_interval(&machine.rules, &calendar, start, end) {
        broken.push(rule.to_string());
    } else if let Err(rule) = check_calendar(&calendar, start, end) {
        broken.push(rule.to_string());
    }
    if let Some(qualification) = machine.required_qualification {
        if !resource_rows::holds(conn, user, qualification, timestamp(now()))? {
            let name = resource_rows::qualification_name(conn, qualification)?;
            let courses = crate::db::training::courses_granting(conn, qualification.get())?;
            let how = if courses.is_empty() {
                "ask the staff how to get it".to_string()
            } else {
                let names: Vec<String> = courses.iter().map(|c| format!("'{c}'")).collect();
                format!("the course {} grants it", names.join(" or "))
            };
            let message = format!(
                "Booking {} needs the qualification '{name}'; {how}.",
                machine.name
            );
            if !is_staff(by) {
                return Err(ServiceError::Forbidden(message));
            }
            broken.push(message);
        }
    }
    match broken.first() {
        Some(first) if !is_staff(by) => Err(ServiceError::Invalid(capitalise(first))),
        _ => Ok(broken),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

fn taken(machine: &Resource) -> impl Fn(DbError) -> ServiceError + '_ {
    move |e| match e {
        DbError::Overlap(_) => ServiceError::Conflict(format!(
            "That time on {} is already taken; choose another.",
            machine.name
        )),
        other => other.into(),
    }
}

pub fn create(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    new: &NewBooking,
) -> Result<Booking, ServiceError> {
    write_tx(conn, |c| create_in(c, ctx, by, new, None))
}

/// The body of `create`, inside the caller's transaction (a series books several at once).
fn create_in(
    c: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    new: &NewBooking,
    series: Option<SeriesId>,
) -> Result<Booking, ServiceError> {
    let (customer, user) = resolve_party(c, by, new)?;
    let machine = find_machine(c, new.resource_id)?;
    let overrides = check_rules(c, ctx, by, user.id, &machine, new.starts_at, new.ends_at)?;
    let tutor = super::tutors::for_booking(
        c,
        ctx.tz,
        &machine,
        new.with_tutor,
        new.starts_at,
        new.ends_at,
    )?;
    let at = timestamp(now());
    let (start, end) = (timestamp(new.starts_at), timestamp(new.ends_at));
    let rate = machine.rates.for_category(customer.price_category);
    let row = NewBookingRow {
        customer_id: customer.id.get(),
        user_id: user.id.get(),
        resource_id: machine.id.get(),
        series_id: series.map(SeriesId::get),
        starts_at: start,
        ends_at: end,
        status: "confirmed",
        price_category: customer.price_category.as_str(),
        rate_cents: rate.cents(),
        note: new.note.trim(),
        created_by: by.actor().map(|a| a.user_id.get()),
        created_at: at,
        updated_at: at,
    };
    let id = rows::insert_booking(c, &row)?;
    let block = NewBlock {
        resource_id: machine.id.get(),
        kind: block_kind(&machine),
        starts_at: start,
        ends_at: end,
        blocks_until: end + Duration::minutes(machine.rules.buffer_minutes),
        booking_id: Some(id),
        maintenance_id: None,
    };
    rows::insert_block(c, &block, at).map_err(taken(&machine))?;
    if let Some(tutor) = &tutor {
        block_tutor(c, id, &machine, tutor, &block, at)?;
    }
    let booking = to_booking(&rows::find_booking(c, id)?, &machine);
    let mut changes = Changes::new()
        .set("resource_id", &booking.resource_id)
        .set("starts_at", &booking.starts_at)
        .set("ends_at", &booking.ends_at)
        .set("customer_id", &booking.customer_id);
    if let Some(tutor) = &tutor {
        changes = changes.set("tutor_id", &tutor.resource.id);
    }
    if !overrides.is_empty() {
        changes = changes.set("overrides", &overrides);
    }
    let action = if overrides.is_empty() {
        "booking.create"
    } else {
        "booking.create_override"
    };
    audit::record(c, by, action, "booking", Some(id), changes)?;
    schedule_reminder(c, ctx, &booking)?;
    schedule_settlement(c, ctx, &booking)?;
    notify(c, ctx, &booking, &machine, &user, Notice::Confirmed)?;
    Ok(booking)
}

/// A tutor booked alone occupies their own time as a tutor block; a machine, a booking block.
fn block_kind(booked: &Resource) -> &'static str {
    match booked.kind {
        ResourceKind::Tutor => "tutor",
        ResourceKind::Machine => "booking",
    }
}

/// Records the tutor on the booking (tutor hours are billed from it later) and, when booked with
/// a machine, blocks the tutor's time too, in the caller's transaction: both or neither.
fn block_tutor(
    c: &mut DbConn,
    booking: i64,
    machine: &Resource,
    tutor: &Tutor,
    machine_block: &NewBlock<'_>,
    at: NaiveDateTime,
) -> Result<(), ServiceError> {
    tutor_rows::set_booking_tutor(c, booking, tutor.resource.id.get())?;
    if tutor.resource.id == machine.id {
        return Ok(());
    }
    let block = NewBlock {
        resource_id: tutor.resource.id.get(),
        kind: "tutor",
        blocks_until: machine_block.ends_at
            + Duration::minutes(tutor.resource.rules.buffer_minutes),
        ..*machine_block
    };
    rows::insert_block(c, &block, at).map_err(taken(&tutor.resource))?;
    Ok(())
}

/// Moves a booking's blocks: the machine's with its buffer and, booked with it, the tutor's.
fn move_blocks(
    c: &mut DbConn,
    booking: BookingId,
    machine: &Resource,
    tutor: Option<&Tutor>,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Result<(), ServiceError> {
    let Some(tutor) = tutor.filter(|t| t.resource.id != machine.id) else {
        rows::move_booking_blocks(c, booking.get(), start, end, machine.rules.buffer_minutes)
            .map_err(taken(machine))?;
        return Ok(());
    };
    for resource in [machine, &tutor.resource] {
        let buffer = resource.rules.buffer_minutes;
        tutor_rows::move_block(c, booking.get(), resource.id.get(), start, end, buffer)
            .map_err(taken(resource))?;
    }
    Ok(())
}

/// A booking the caller may see; anyone else's answers `NotFound`.
fn visible(conn: &mut DbConn, by: &By, id: BookingId) -> Result<BookingRow, ServiceError> {
    let row = rows::find_booking(conn, id.get())?;
    if let Some(actor) = by.actor() {
        let kind = if actor.is_staff() || actor.user_id.get() == row.user_id {
            CustomerKind::Individual
        } else {
            account_rows::find_customer(conn, CustomerId::new(row.customer_id))?.kind
        };
        if !actor.may_view_booking(
            UserId::new(row.user_id),
            CustomerId::new(row.customer_id),
            kind,
        ) {
            return Err(ServiceError::NotFound);
        }
    }
    Ok(row)
}

pub fn get(conn: &mut DbConn, by: &By, id: BookingId) -> Result<Booking, ServiceError> {
    let row = visible(conn, by, id)?;
    let machine = resource_rows::find(conn, ResourceId::new(row.resource_id))?;
    Ok(to_booking(&row, &machine))
}

/// Moves a confirmed booking under the same rules as a new one.
pub fn reschedule(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: BookingId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<Booking, ServiceError> {
    write_tx(conn, |c| {
        let row = visible(c, by, id)?;
        if row.status != "confirmed" {
            return Err(ServiceError::Invalid(
                "A cancelled booking cannot be moved; book again instead.".into(),
            ));
        }
        if !is_staff(by) && row.starts_at.and_utc() <= now() {
            return Err(ServiceError::Invalid(
                "This booking has already started and cannot be moved.".into(),
            ));
        }
        let machine = find_machine(c, ResourceId::new(row.resource_id))?;
        let user = account_rows::find_user(c, UserId::new(row.user_id))?;
        let overrides = check_rules(c, ctx, by, user.id, &machine, starts_at, ends_at)?;
        let with_tutor = tutor_rows::booking_tutor(c, id.get())?
            .map(ResourceId::new)
            .filter(|t| *t != machine.id);
        let tutor =
            super::tutors::for_booking(c, ctx.tz, &machine, with_tutor, starts_at, ends_at)?;
        let at = timestamp(now());
        let (start, end) = (timestamp(starts_at), timestamp(ends_at));
        rows::move_booking(c, id.get(), start, end, at)?;
        move_blocks(c, id, &machine, tutor.as_ref(), start, end)?;
        let booking = to_booking(&rows::find_booking(c, id.get())?, &machine);
        let mut changes = Changes::new()
            .field("starts_at", &row.starts_at.and_utc(), &booking.starts_at)
            .field("ends_at", &row.ends_at.and_utc(), &booking.ends_at);
        if !overrides.is_empty() {
            changes = changes.set("overrides", &overrides);
        }
        audit::record(c, by, "booking.move", "booking", Some(id.get()), changes)?;
        schedule_reminder(c, ctx, &booking)?;
        schedule_settlement(c, ctx, &booking)?;
        notify(c, ctx, &booking, &machine, &user, Notice::Moved)?;
        Ok(booking)
    })
}

/// What cancelling cost.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cancelled {
    #[serde(flatten)]
    pub booking: Booking,
    pub cancellation_fee: Money,
}

/// Cancels a confirmed booking and frees its time; after the free-cancellation deadline the
/// policy's fee is written to the charges ledger, once.
pub fn cancel(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    id: BookingId,
) -> Result<Cancelled, ServiceError> {
    write_tx(conn, |c| {
        let row = visible(c, by, id)?;
        if row.status != "confirmed" {
            return Err(ServiceError::Conflict(
                "This booking is already cancelled.".into(),
            ));
        }
        let at = now();
        if !is_staff(by) && row.starts_at.and_utc() <= at {
            return Err(ServiceError::Invalid(
                "This booking has already started and cannot be cancelled.".into(),
            ));
        }
        let machine = resource_rows::find(c, ResourceId::new(row.resource_id))?;
        let user = account_rows::find_user(c, UserId::new(row.user_id))?;
        rows::cancel_booking(c, id.get(), timestamp(at))?;
        rows::release_booking_blocks(c, id.get())?;
        rows::skip_reminder(c, id.get())?;
        rows::skip_settlement(c, id.get())?;
        let booking = to_booking(&rows::find_booking(c, id.get())?, &machine);
        let fee = ctx.policy.fee(booking.starts_at, at, booking.price);
        if fee > Money::ZERO {
            charge_late_cancellation(c, ctx, &row, &machine, fee)?;
        }
        let changes = Changes::new()
            .field("status", &"confirmed", &"cancelled")
            .set("cancellation_fee", &fee);
        audit::record(c, by, "booking.cancel", "booking", Some(id.get()), changes)?;
        notify(c, ctx, &booking, &machine, &user, Notice::Cancelled(fee))?;
        Ok(Cancelled {
            booking,
            cancellation_fee: fee,
        })
    })
}

fn charge_late_cancellation(
    c: &mut DbConn,
    ctx: &Context<'_>,
    row: &BookingRow,
    machine: &Resource,
    fee: Money,
) -> Result<(), ServiceError> {
    let start = row.starts_at.and_utc();
    let description = format!(
        "Late cancellation: {}, {}",
        machine.name,
        when(ctx.tz, start, row.ends_at.and_utc())
    );
    let charge = NewChargeRow {
        customer_id: row.customer_id,
        user_id: Some(row.user_id),
        kind: "late_cancel",
        source_type: "booking",
        source_id: row.id,
        revision: 0,
        service_date: ctx.tz.local_date(start),
        description: &description,
        quantity: 1,
        unit_price_cents: fee.cents(),
        price_category: &row.price_category,
        vat_category: "standard",
        machine_category_id: machine.category_id.map(|c| c.get()),
        created_at: timestamp(now()),
    };
    rows::insert_charge_once(c, &charge)?;
    Ok(())
}

/// Charges the tutor hours of bookings with a tutor that have ended (the settle job's work):
/// the booked time rounded up to the tutor's increment, at the tutor's rate for the price
/// category the booking was made in. Each is written once, however often this runs, on however
/// many instances. Returns how many were written.
pub fn charge_tutor_hours(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<usize, ServiceError> {
    write_tx(conn, |c| {
        let due = rows::tutor_hours_to_charge(c, timestamp(until), limit)?;
        let mut written = 0;
        for row in &due {
            let Some(tutor_id) = tutor_rows::booking_tutor(c, row.id)? else {
                continue;
            };
            let tutor = resource_rows::find(c, ResourceId::new(tutor_id))?;
            let category = crate::db::parse_stored(&row.price_category)?;
            let minutes = tutor
                .billing_increment
                .round_up((row.ends_at - row.starts_at).num_minutes());
            let (start, end) = (row.starts_at.and_utc(), row.ends_at.and_utc());
            let description = format!("Tutor: {}, {}", tutor.name, when(ctx.tz, start, end));
            let charge = NewChargeRow {
                customer_id: row.customer_id,
                user_id: Some(row.user_id),
                kind: "tutor",
                source_type: "booking",
                source_id: row.id,
                revision: 0,
                service_date: ctx.tz.local_date(start),
                description: &description,
                quantity: minutes,
                unit_price_cents: tutor.rates.for_category(category).cents(),
                price_category: &row.price_category,
                vat_category: "standard",
                machine_category_id: None,
                created_at: timestamp(now()),
            };
            if rows::insert_charge_once(c, &charge)? {
                written += 1;
            }
        }
        Ok(written)
    })
}

/// Which bookings to list.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub resource_id: Option<ResourceId>,
    pub include_cancelled: bool,
}

/// The caller's bookings: staff see everyone's, a business admin the business's, others their own.
pub fn list(conn: &mut DbConn, by: &By, query: &ListQuery) -> Result<Vec<Booking>, ServiceError> {
    let mut filter = BookingFilter {
        from: query.from.map(timestamp),
        to: query.to.map(timestamp),
        resource_id: query.resource_id.map(ResourceId::get),
        include_cancelled: query.include_cancelled,
        limit: 1000,
        ..BookingFilter::default()
    };
    if let Some(actor) = by.actor() {
        if !actor.is_staff() {
            if actor.role == crate::domain::Role::BusinessAdmin {
                filter.customer_id = Some(actor.customer_id.get());
            } else {
                filter.user_id = Some(actor.user_id.get());
            }
        }
    }
    let rows = rows::list_bookings(conn, &filter)?;
    let machines = resource_rows::list(conn)?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let machine = machines.iter().find(|m| m.id.get() == row.resource_id)?;
            Some(to_booking(row, machine))
        })
        .collect())
}

/// Local wall-clock description of an interval, as mails and charge lines show it.
pub fn when(tz: WorkshopTz, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let (s, e) = (tz.to_local(start), tz.to_local(end));
    if s.date_naive() == e.date_naive()
        || (e - s) < Duration::hours(24) && e.format("%H:%M").to_string() == "00:00"
    {
        format!(
            "{} {}–{}",
            s.format("%a %d %b %Y"),
            s.format("%H:%M"),
            e.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}",
            s.format("%a %d %b %Y %H:%M"),
            e.format("%a %d %b %Y %H:%M")
        )
    }
}

enum Notice {
    Confirmed,
    Moved,
    Cancelled(Money),
    Reminder,
}

/// Queues the booking's reminder `reminder_hours` before it starts (none if that is already past).
fn schedule_reminder(
    c: &mut DbConn,
    ctx: &Context<'_>,
    booking: &Booking,
) -> Result<(), ServiceError> {
    let due = booking.starts_at - Duration::hours(ctx.reminder_hours);
    if ctx.reminder_hours <= 0 || due <= now() {
        rows::skip_reminder(c, booking.id.get())?;
        return Ok(());
    }
    rows::schedule_reminder(c, booking.id.get(), timestamp(due))?;
    Ok(())
}

/// Queues the booking's settlement (used, or a no-show) for its end plus the grace period.
fn schedule_settlement(
    c: &mut DbConn,
    ctx: &Context<'_>,
    booking: &Booking,
) -> Result<(), ServiceError> {
    let due = booking.ends_at + Duration::minutes(ctx.no_show_grace_minutes.max(0));
    rows::schedule_settlement(c, booking.id.get(), timestamp(due))?;
    Ok(())
}

/// Sends one claimed reminder (the reminder job's work): the mail is queued only if the booking
/// is still confirmed and ahead, and the reminder is closed in the same transaction. Returns
/// whether a mail was queued.
pub fn send_reminder(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    reminder_id: i64,
    owner: &str,
) -> Result<bool, ServiceError> {
    write_tx(conn, |c| {
        let Some(booking_id) = rows::claimed_reminder(c, reminder_id, owner)? else {
            return Ok(false);
        };
        let row = rows::find_booking(c, booking_id)?;
        if row.status != "confirmed" || row.starts_at.and_utc() <= now() {
            rows::finish_reminder(c, reminder_id, "skipped")?;
            return Ok(false);
        }
        let machine = resource_rows::find(c, ResourceId::new(row.resource_id))?;
        let user = account_rows::find_user(c, UserId::new(row.user_id))?;
        notify(
            c,
            ctx,
            &to_booking(&row, &machine),
            &machine,
            &user,
            Notice::Reminder,
        )?;
        rows::finish_reminder(c, reminder_id, "sent")?;
        Ok(true)
    })
}

/// The booking as a calendar event (the same UID and data in mails and feeds).
pub fn calendar_event(
    booking: &Booking,
    machine_name: &str,
    host: &str,
    stamp: DateTime<Utc>,
) -> CalendarEvent {
    CalendarEvent {
        uid: ics::booking_uid(booking.id.get(), host),
        summary: format!("{machine_name} (booking {})", booking.id),
        description: format!(
            "Machine time booked at the workshop. Booking {}.",
            booking.id
        ),
        location: String::new(),
        starts_at: booking.starts_at,
        ends_at: booking.ends_at,
        sequence: booking.sequence,
        cancelled: booking.status == BookingStatus::Cancelled,
        stamp,
    }
}

fn notify(
    c: &mut DbConn,
    ctx: &Context<'_>,
    booking: &Booking,
    machine: &Resource,
    user: &User,
    notice: Notice,
) -> Result<(), ServiceError> {
    let Some(identity) = ctx.mail else {
        return Ok(());
    };
    let host = host_of(ctx.public_url);
    let when = when(ctx.tz, booking.starts_at, booking.ends_at);
    let link = format!("{}/bookings", ctx.public_url.trim_end_matches('/'));
    let price = format!("{} EUR", booking.price);
    let free_until = ctx
        .tz
        .to_local(booking.starts_at - Duration::hours(ctx.policy.free_until_hours))
        .format("%a %d %b %Y %H:%M")
        .to_string();
    let fee_line = match &notice {
        Notice::Cancelled(fee) if *fee > Money::ZERO => {
            format!("As it was cancelled late, a fee of {fee} EUR goes on your next invoice.")
        }
        _ => "Nothing is charged.".to_string(),
    };
    let values = [
        ("name", user.name.as_str()),
        ("machine", machine.name.as_str()),
        ("when", when.as_str()),
        ("link", link.as_str()),
        ("price", price.as_str()),
        ("free_until", free_until.as_str()),
        ("fee_line", fee_line.as_str()),
    ];
    let (template, key, method) = match notice {
        Notice::Confirmed => (
            crate::mail_template!("booking_confirmed"),
            format!("booking-{}-confirmed", booking.id),
            Method::Request,
        ),
        Notice::Moved => (
            crate::mail_template!("booking_moved"),
            format!("booking-{}-moved-{}", booking.id, booking.sequence),
            Method::Request,
        ),
        Notice::Cancelled(_) => (
            crate::mail_template!("booking_cancelled"),
            format!("booking-{}-cancelled", booking.id),
            Method::Cancel,
        ),
        Notice::Reminder => (
            crate::mail_template!("booking_reminder"),
            format!("booking-{}-reminder-{}", booking.id, booking.sequence),
            Method::Request,
        ),
    };
    let rendered = template
        .render(identity, &values)
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let event = calendar_event(booking, &machine.name, &host, now());
    let attachment = ics::calendar(identity.name(), Some(method), &[event]);
    let method_name = if method == Method::Cancel {
        "CANCEL"
    } else {
        "REQUEST"
    };
    let mail = OutgoingMail::new(
        key,
        Recipient::new(user.email.clone(), Some(user.name.clone())),
        rendered,
    )
    .attach(
        "booking.ics",
        format!("text/calendar; charset=utf-8; method={method_name}"),
        attachment.into_bytes(),
    );
    mail::enqueue(c, identity, mail).map_err(|e| match e {
        mail::MailError::Db(db) => ServiceError::Db(db),
        other => ServiceError::Invalid(other.to_string()),
    })?;
    Ok(())
}

/// The host of the public URL, for UIDs and Message-IDs.
pub fn host_of(public_url: &str) -> String {
    url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "obrador.local".to_string())
}

/// A free or busy span of a resource.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Span {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Availability {
    pub resource_id: ResourceId,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub free: Vec<Span>,
    pub busy: Vec<Span>,
}

/// The longest window availability answers for at once.
pub const MAX_AVAILABILITY_DAYS: i64 = 62;

/// Free time (opening hours minus closures and live blocks) and busy time of a resource within
/// `[from, to)`, from an indexed range query on its blocks.
pub fn availability(
    conn: &mut DbConn,
    tz: WorkshopTz,
    resource: ResourceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Availability, ServiceError> {
    if to <= from {
        return Err(ServiceError::Invalid("'to' must be after 'from'.".into()));
    }
    if to - from > Duration::days(MAX_AVAILABILITY_DAYS) {
        return Err(ServiceError::Invalid(format!(
            "Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."
        )));
    }
    let machine = resource_rows::find(conn, resource)?;
    let busy: Vec<Span> = rows::busy(conn, resource.get(), timestamp(from), timestamp(to))?
        .into_iter()
        .map(|(kind, start, until, _)| Span {
            starts_at: start.and_utc().max(from),
            ends_at: until.and_utc().min(to),
            kind: Some(kind),
        })
        .collect();
    let free = if machine.out_of_service {
        Vec::new()
    } else {
        let hours = resource_rows::weekly_hours(conn)?;
        let closures =
            resource_rows::closures_between(conn, tz.local_date(from), tz.local_date(to))?;
        let open = crate::domain::booking::open_spans(tz, &hours, &closures, from, to);
        subtract(open, &busy)
    };
    Ok(Availability {
        resource_id: resource,
        from,
        to,
        free,
        busy,
    })
}

/// `open` minus `busy` (both sorted by start).
fn subtract(open: Vec<(DateTime<Utc>, DateTime<Utc>)>, busy: &[Span]) -> Vec<Span> {
    let mut free = Vec::new();
    for (mut start, end) in open {
        for span in busy {
            if span.ends_at <= start || span.starts_at >= end {
                continue;
            }
            if span.starts_at > start {
                free.push(Span {
                    starts_at: start,
                    ends_at: span.starts_at,
                    kind: None,
                });
            }
            start = start.max(span.ends_at);
        }
        if start < end {
            free.push(Span {
                starts_at: start,
                ends_at: end,
                kind: None,
            });
        }
    }
    free
}

/// How a weekly series treats occurrences that cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesMode {
    /// One conflict cancels the whole series.
    AllOrNothing,
    /// Book what is free and report the rest.
    BookWhatIsFree,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesOutcome {
    pub series_id: Option<SeriesId>,
    pub booked: Vec<Booking>,
    pub conflicts: Vec<SeriesConflict>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesConflict {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

/// The same local weekday and time for `weeks` weeks, in one transaction. Each occurrence runs
/// in a savepoint, so on PostgreSQL a refused one does not abort the others.
pub fn create_series(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    by: &By,
    first: &NewBooking,
    weeks: u32,
    mode: SeriesMode,
) -> Result<SeriesOutcome, ServiceError> {
    if !(1..=52).contains(&weeks) {
        return Err(ServiceError::Invalid(
            "A series lasts 1 to 52 weeks.".into(),
        ));
    }
    write_tx(conn, |c| {
        let (customer, user) = resolve_party(c, by, first)?;
        // The series row points at the machine: refuse an unknown one as a single booking does,
        // before the insert would fail on the foreign key (a 500).
        find_machine(c, first.resource_id)?;
        let series = rows::insert_series(
            c,
            customer.id.get(),
            user.id.get(),
            first.resource_id.get(),
            weeks,
            timestamp(now()),
        )?;
        let series = SeriesId::new(series);
        let mut outcome = SeriesOutcome {
            series_id: Some(series),
            booked: Vec::new(),
            conflicts: Vec::new(),
        };
        for week in 0..weeks {
            let (starts_at, ends_at) =
                same_local_time_weeks_later(ctx.tz, first.starts_at, first.ends_at, week)?;
            let occurrence = NewBooking {
                starts_at,
                ends_at,
                user_id: Some(user.id),
                customer_id: Some(customer.id),
                ..first.clone()
            };
            let attempt = diesel::Connection::transaction(c, |sp| {
                create_in(sp, ctx, by, &occurrence, Some(series))
            });
            match attempt {
                Ok(booking) => outcome.booked.push(booking),
                Err(ServiceError::Conflict(reason) | ServiceError::Invalid(reason)) => {
                    if mode == SeriesMode::AllOrNothing {
                        return Err(ServiceError::Conflict(format!(
                            "The series cannot be booked: {} ({reason}). Nothing was booked.",
                            when(ctx.tz, starts_at, ends_at)
                        )));
                    }
                    outcome.conflicts.push(SeriesConflict {
                        starts_at,
                        ends_at,
                        reason,
                    });
                }
                Err(other) => return Err(other),
            }
        }
        Ok(outcome)
    })
}

/// The same local wall-clock interval `weeks` later (so a series keeps 18:00 across DST).
fn same_local_time_weeks_later(
    tz: WorkshopTz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    weeks: u32,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ServiceError> {
    let shift = |t: DateTime<Utc>| -> Result<DateTime<Utc>, ServiceError> {
        let local: NaiveDateTime = tz.to_local(t).naive_local() + Duration::weeks(i64::from(weeks));
        tz.to_utc(local, crate::domain::Ambiguity::Earlier)
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    };
    Ok((shift(start)?, shift(end)?))
}

/// Every pair of overlapping live blocks (a consistency check for tests and `verify` tools).
pub fn overlapping_blocks(conn: &mut DbConn) -> Result<i64, ServiceError> {
    Ok(rows::overlapping_pairs(conn)?)
}
