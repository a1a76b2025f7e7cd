//! The workshop the load runs against, made through the library straight into the database:
//! opening hours, machines, a week of bookings to read, members with API tokens, and training
//! sessions with seats for all of them; and which free hour or seat the k-th request of a
//! scenario asks for.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use obrador::db::accounts::{self as account_rows, CustomerValues, NewUserRow};
use obrador::db::bookings::{self as rows, NewBlock, NewBookingRow};
use obrador::db::{timestamp, write_tx, DatabaseUrl, DbConn, DbError, Pool};
use obrador::domain::booking::WeeklyHours;
use obrador::domain::resources::{Rates, RawResource, Resource};
use obrador::domain::training::{Course, NewSession, RawCourse};
use obrador::domain::tutors::{RawTutor, Tutor};
use obrador::domain::{Ambiguity, CourseId, Money, Name, ResourceId, Role, User, WorkshopTz};
use obrador::services::bookings::Context;
use obrador::services::{resources, tokens, training, tutors, By};
use serde_json::json;

use crate::Options;

/// Machines booked and read; bookings are spread over them.
pub const MACHINES: usize = 64;
/// Members with a token: booking client `i` acts as member `i`, sign-ups go through all of them.
const MEMBERS: usize = 256;
/// Tutors teaching the training sessions (a tutor teaches one session at a time).
const TUTORS: usize = 8;
/// The workshop is open every day from 08:00 to 22:00; bookings and sessions last an hour.
const OPENS: u32 = 8;
const HOURS_OPEN: usize = 14;
const OPEN_MINUTES: (u16, u16) = (OPENS as u16 * 60, (OPENS as u16 + HOURS_OPEN as u16) * 60);
/// The week read by the availability scenario: the seven days from tomorrow, every other hour
/// of every machine booked beforehand (a busy week). Bookings made under load come after it.
pub const READ_DAYS: i64 = 7;
/// More sign-ups a second than a run can make, so the seats arranged never run out.
const SIGN_UPS_PER_SECOND: usize = 4_000;

const BY: By = By::System("bench");

#[derive(Clone)]
pub struct Workshop {
    /// The database the server and the benchmark share.
    pub url: String,
    pub machines: Vec<i64>,
    /// One API token per member.
    pub tokens: Vec<String>,
    pub sessions: Vec<i64>,
}

impl Workshop {
    /// The session and the member (as indexes) of the k-th sign-up: sessions in turn, so
    /// consecutive sign-ups rarely wait for the same session's row, each member once per session.
    pub fn sign_up(&self, k: usize) -> (usize, usize) {
        let sessions = self.sessions.len();
        (k % sessions, (k / sessions) % self.tokens.len())
    }

    /// How many sign-ups the seats arranged allow without anyone signing up twice.
    pub fn seats(&self) -> usize {
        self.sessions.len() * self.tokens.len()
    }
}

pub fn open(url: &str) -> anyhow::Result<Pool> {
    obrador::startup::open_database(&DatabaseUrl::parse(url)?, 2)
}

/// Arranges the workshop in the (already migrated) database at `url`.
pub fn arrange(url: &str, options: &Options) -> anyhow::Result<Workshop> {
    let pool = open(url)?;
    let mut conn = pool.get()?;
    let hours = WeeklyHours {
        days: std::array::from_fn(|_| vec![OPEN_MINUTES]),
    };
    resources::set_weekly_hours(&mut conn, &BY, &hours)?;
    let machines = machines(&mut conn, MACHINES)?;
    let clients = options.clients.iter().copied().max().unwrap_or(1);
    let members = people(&mut conn, Role::Member, MEMBERS.max(clients))?;
    busy_week(&mut conn, &machines, &members[0])?;
    let name = Name::parse("bench", "name")?;
    let tokens = members
        .iter()
        .map(|m| Ok(tokens::create(&mut conn, &BY, m.id, &name, None, None)?.secret))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let sign_ups = options.seconds.as_secs() as usize * options.clients.len() * SIGN_UPS_PER_SECOND;
    let sessions = sessions(&mut conn, sign_ups.div_ceil(members.len()), members.len())?;
    Ok(Workshop {
        url: url.to_string(),
        machines,
        tokens,
        sessions,
    })
}

/// The rows `table` (a name from code) holds.
pub fn count_rows(url: &str, table: &str) -> anyhow::Result<usize> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let pool = open(url)?;
    let counted: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result(&mut pool.get()?)?;
    Ok(usize::try_from(counted.n)?)
}

/// Books every other opening hour of the read week on every machine, as `member`.
fn busy_week(conn: &mut DbConn, machines: &[i64], member: &User) -> anyhow::Result<()> {
    let hours = READ_DAYS as usize * HOURS_OPEN;
    write_tx(conn, |c| {
        for &machine in machines {
            for n in (0..hours).step_by(2) {
                book(c, member, machine, hour(n)?)?;
            }
        }
        Ok(())
    })
}

/// The rows of a confirmed one-hour booking of `machine` from `start` by `member`: the booking
/// and its resource block (as the bookings service writes them), inside the caller's
/// transaction; returns the booking's id.
pub fn book(
    c: &mut DbConn,
    member: &User,
    machine: i64,
    start: DateTime<Utc>,
) -> Result<i64, DbError> {
    let at = timestamp(Utc::now());
    let (starts_at, ends_at) = (timestamp(start), timestamp(start + Duration::hours(1)));
    let booking = NewBookingRow {
        customer_id: member.customer_id.get(),
        user_id: member.id.get(),
        resource_id: machine,
        series_id: None,
        starts_at,
        ends_at,
        status: "confirmed",
        price_category: "member",
        rate_cents: 2000,
        note: "",
        created_by: Some(member.id.get()),
        created_at: at,
        updated_at: at,
    };
    let id = rows::insert_booking(c, &booking)?;
    let block = NewBlock {
        resource_id: machine,
        kind: "booking",
        starts_at,
        ends_at,
        blocks_until: ends_at,
        booking_id: Some(id),
        maintenance_id: None,
    };
    rows::insert_block(c, &block, at)?;
    Ok(id)
}

/// `count` machines: hourly slots, bookable 400 days ahead with no notice, no buffer.
pub fn machines(conn: &mut DbConn, count: usize) -> anyhow::Result<Vec<i64>> {
    (0..count)
        .map(|i| {
            let raw = RawResource {
                name: format!("Machine {i}"),
                category_id: None,
                description: String::new(),
                rate_member: "20".into(),
                rate_business: "25".into(),
                rate_public: "30".into(),
                slot_minutes: Some(60),
                min_minutes: Some(60),
                max_minutes: Some(240),
                horizon_days: Some(400),
                notice_minutes: Some(0),
                buffer_minutes: Some(0),
                required_qualification_id: None,
                billing_basis: None,
                billing_increment_minutes: None,
                minimum_charge: None,
                out_of_service: false,
            };
            let machine = Resource::parse_machine(ResourceId::new(0), &raw)?;
            Ok(resources::create_machine(conn, &BY, &machine)?.id.get())
        })
        .collect()
}

/// `count` people with `role`, each with an individual customer account, in one transaction.
/// Straight into the tables: the service would hash a password for each (argon2, on purpose
/// slow), and they only ever use API tokens.
pub fn people(conn: &mut DbConn, role: Role, count: usize) -> anyhow::Result<Vec<User>> {
    let at = timestamp(Utc::now());
    let people = write_tx(conn, |c| {
        (0..count)
            .map(|i| {
                let email = format!("{}{i}@bench.example.org", role.as_str());
                let name = format!("Bench {} {i}", role.as_str());
                let values = CustomerValues {
                    kind: "individual",
                    legal_name: &name,
                    tax_id: None,
                    address: "",
                    billing_email: Some(&email),
                    price_category: "member",
                    updated_at: at,
                };
                let customer = account_rows::insert_customer(c, &values, at)?;
                let user = NewUserRow {
                    customer_id: customer.id,
                    email: &email,
                    name: &name,
                    role: role.as_str(),
                    password_hash: None,
                };
                account_rows::insert_user(c, &user, at)
            })
            .collect::<Result<Vec<_>, DbError>>()
    })?;
    Ok(people)
}

/// `count` one-hour sessions of one course with `seats` seats each, from tomorrow on, taught by
/// tutors in turn.
fn sessions(conn: &mut DbConn, count: usize, seats: usize) -> anyhow::Result<Vec<i64>> {
    let raw = RawCourse {
        name: "Laser cutter safety".into(),
        description: "Using the laser cutter safely.".into(),
        qualification_id: None,
        free_cancel_hours: None,
        late_cancel_percent: None,
        no_show_fee: None,
    };
    let course = training::create_course(conn, &BY, &Course::parse(CourseId::new(0), &raw)?)?;
    let mut teachers = Vec::with_capacity(TUTORS);
    let (opens, closes) = OPEN_MINUTES;
    for (i, user) in people(conn, Role::Tutor, TUTORS)?.into_iter().enumerate() {
        // As staff would send it to the API; the fields left out take their defaults.
        let availability: Vec<_> = (0..7)
            .map(|weekday| json!({"weekday": weekday, "opens_minute": opens, "closes_minute": closes}))
            .collect();
        let raw: RawTutor = serde_json::from_value(json!({
            "user_id": user.id.get(),
            "name": format!("Tutor {i}"),
            "rate_member": "30",
            "rate_business": "35",
            "rate_public": "40",
            "courses": [course.id.get()],
            "availability": availability,
        }))?;
        let tutor = Tutor::parse(ResourceId::new(0), &raw)?;
        teachers.push(tutors::create(conn, &BY, &tutor)?.resource.id);
    }
    let ctx = Context::quiet(WorkshopTz::DEFAULT);
    (0..count)
        .map(|j| {
            let starts_at = hour(j / TUTORS)?;
            let new = NewSession {
                course_id: course.id,
                tutor_id: teachers[j % TUTORS],
                starts_at,
                ends_at: starts_at + Duration::hours(1),
                seats: i32::try_from(seats)?,
                seat_prices: Rates {
                    member: Money::from_cents(3000),
                    business: Money::from_cents(4500),
                    public: Money::from_cents(6000),
                },
                machine_ids: vec![],
                note: String::new(),
            };
            Ok(training::create_session(conn, &ctx, &BY, &new)?.id.get())
        })
        .collect()
}

/// The k-th free hour for a booking: machines in turn, then the opening hours of each day after
/// the read week.
pub fn slot(machines: &[i64], k: usize) -> anyhow::Result<(i64, DateTime<Utc>)> {
    let after_read_week = READ_DAYS as usize * HOURS_OPEN;
    Ok((
        machines[k % machines.len()],
        hour(after_read_week + k / machines.len())?,
    ))
}

/// The n-th opening hour from tomorrow on, local time.
fn hour(n: usize) -> anyhow::Result<DateTime<Utc>> {
    let tz = WorkshopTz::DEFAULT;
    let day = tz.local_date(Utc::now()) + Duration::days(1 + (n / HOURS_OPEN) as i64);
    let local = day.and_hms_opt(OPENS + (n % HOURS_OPEN) as u32, 0, 0);
    let local = local.ok_or_else(|| anyhow::anyhow!("no such hour"))?;
    Ok(tz.to_utc(local, Ambiguity::Earlier)?)
}
