//! The demo's training: the tutors as bookable resources, four courses, a month of upcoming
//! sessions with sign-ups (one full, with a waiting list) and last month's sessions with their
//! attendance on record.
//!
//! Everything goes through the services except the history: `training::create_session` refuses a
//! session that starts in the past, by design, so `write_history` writes two past sessions the
//! way a real one would have left them (session, blocks, seats, enrollments marked attended or
//! no-show, seat and no-show charges) with the row functions of `db::training`, in one
//! transaction per session. The qualification attending grants is then given through
//! `resources::grant_qualification`, audited as the system "demo".
//!
//! Idempotent: tutors are found by their user, courses by name, and a session by its course and
//! the week it is planned in; sign-ups skip whoever is already enrolled (in any state). Weeks are
//! counted from the day of the run, so a run on a later day may add sessions for weeks that have
//! none yet; a second run on the same day adds nothing.
use std::collections::HashSet;

use anyhow::Context as _;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use crate::db::bookings::{self as charge_rows, NewChargeRow};
use crate::db::training::{self as rows, NewEnrollmentRow, NewSessionRow};
use crate::db::{accounts as account_rows, timestamp, write_tx, DbConn, DbError};
use crate::domain::booking::{check_calendar, Calendar, Closure, WeeklyHours};
use crate::domain::resources::{Rates, Resource, ResourceKind};
use crate::domain::training::{Course, EnrollmentStatus, NewSession, RawCourse, Session};
use crate::domain::tutors::{AvailabilitySlot, RawTimeOff, RawTutor, Tutor};
use crate::domain::{
    Ambiguity, CourseId, Email, LocalMonth, Money, QualificationId, ResourceId, User, WorkshopTz,
};
use crate::services::bookings::{when, Context};
use crate::services::training::{self, SessionQuery};
use crate::services::{accounts, resources, tutors, By, ServiceError};

const BY: By = By::System("demo");
const DOMAIN: &str = "demo.obrador.example";
/// Each planned session may move within this many days of its planned day (a taken machine, a
/// closure, the tutor's time off); the same days are where a later run looks for it.
const WINDOW_DAYS: i64 = 7;

struct CourseSpec {
    name: &'static str,
    description: &'static str,
    /// The qualification (created by machines.rs) attending grants.
    grants: Option<&'static str>,
    free_cancel_hours: i64,
    late_cancel_percent: i64,
    no_show_fee: Option<&'static str>,
}

const COURSES: [CourseSpec; 4] = [
    CourseSpec {
        name: "Laser cutter safety",
        description: "Three hours at the laser with a tutor: which materials may be cut (never \
                      PVC), focus and power settings, air assist and fume extraction, fire watch \
                      and the emergency stop. Ends with your first supervised cut. Attending \
                      unlocks both laser cutters for 24 months.",
        grants: Some("Laser cutter safety"),
        free_cancel_hours: 48,
        late_cancel_percent: 50,
        no_show_fee: Some("15.00"),
    },
    CourseSpec {
        name: "CNC router induction",
        description: "Workholding, tool changes and collet care, zeroing the axes, feeds and \
                      speeds for plywood and MDF, dust extraction and the emergency stop on the \
                      ShopBot. Bring a simple design as SVG or DXF and take the part home. \
                      Attending unlocks the CNC router for 12 months.",
        grants: Some("CNC router induction"),
        free_cancel_hours: 72,
        late_cancel_percent: 50,
        no_show_fee: None,
    },
    CourseSpec {
        name: "Intro to 3D printing",
        description: "From a 3D model to a printed part on the Prusa MK4 printers: slicing with \
                      PrusaSlicer, PLA or PETG, supports and bed adhesion, and what to do when a \
                      print fails. No qualification is needed to book the FDM printers.",
        grants: None,
        free_cancel_hours: 24,
        late_cancel_percent: 25,
        no_show_fee: None,
    },
    CourseSpec {
        name: "Resin printing workshop",
        description: "Fine detail on the Formlabs Form 3: orienting and supporting a model, \
                      handling resin safely (gloves, ventilation), washing and post-curing. For \
                      jewellers, miniature makers and product designers.",
        grants: None,
        free_cancel_hours: 48,
        late_cancel_percent: 50,
        no_show_fee: None,
    },
];

struct TutorSpec {
    /// The local part of the demo tutor user's email (people.rs).
    user: &'static str,
    name: &'static str,
    description: &'static str,
    rates: [&'static str; 3],
    /// Machine categories (machines.rs) by name.
    skills: &'static [&'static str],
    courses: &'static [&'static str],
    /// (weekday 0 = Monday, opens hour, closes hour), inside the workshop's opening hours.
    week: &'static [(u8, u16, u16)],
    /// A week off next month.
    time_off: bool,
}

const TUTORS: [TutorSpec; 2] = [
    TutorSpec {
        user: "rosa.ferrer",
        name: "Rosa Ferrer",
        description: "Product designer; teaches the laser cutters and both kinds of 3D printing.",
        rates: ["28.00", "34.00", "40.00"],
        skills: &["Laser cutters", "3D printers"],
        courses: &[
            "Laser cutter safety",
            "Intro to 3D printing",
            "Resin printing workshop",
        ],
        week: &[(1, 9, 17), (2, 9, 17), (3, 9, 17), (4, 9, 17), (5, 10, 14)],
        time_off: false,
    },
    TutorSpec {
        user: "dani.balaguer",
        name: "Dani Balaguer",
        description: "Cabinet maker; runs the CNC router and the wood shop, and helps with FDM \
                      printing.",
        rates: ["30.00", "36.00", "45.00"],
        skills: &["CNC and wood", "3D printers"],
        courses: &["CNC router induction", "Intro to 3D printing"],
        week: &[
            (0, 14, 21),
            (1, 14, 21),
            (2, 14, 21),
            (3, 14, 21),
            (4, 14, 21),
            (5, 10, 14),
        ],
        time_off: true,
    },
];

/// Who signs up, in order: a person themself, or a business admin several employees at once.
enum SignUp {
    Own(&'static str),
    ByAdmin(&'static str, &'static [&'static str]),
}

struct Planned {
    course: &'static str,
    tutor: &'static str,
    /// Days from today of the first day it may take place.
    day: i64,
    hour: u32,
    hours: i64,
    machines: &'static [&'static str],
    seats: i32,
    prices: [&'static str; 3],
    sign_ups: &'static [SignUp],
}

const UPCOMING: [Planned; 6] = [
    Planned {
        course: "Laser cutter safety",
        tutor: "rosa.ferrer",
        day: 3,
        hour: 10,
        hours: 3,
        machines: &["Laser cutter Trotec 2"],
        seats: 6,
        prices: ["35.00", "45.00", "55.00"],
        sign_ups: &[
            SignUp::Own("jordi.casals"),
            SignUp::Own("aina.roca"),
            SignUp::Own("arnau.riera"),
            SignUp::Own("julia.camps"),
            SignUp::Own("eva.miro"),
        ],
    },
    Planned {
        course: "CNC router induction",
        tutor: "dani.balaguer",
        day: 8,
        hour: 16,
        hours: 3,
        machines: &["CNC router ShopBot"],
        seats: 4,
        prices: ["45.00", "55.00", "70.00"],
        sign_ups: &[
            SignUp::ByAdmin("joan.puig", &["anna.roure", "silvia.planas"]),
            SignUp::Own("pau.ferrer"),
        ],
    },
    Planned {
        course: "Intro to 3D printing",
        tutor: "dani.balaguer",
        day: 10,
        hour: 16,
        hours: 3,
        machines: &["Prusa MK4 A", "Prusa MK4 B"],
        seats: 10,
        prices: ["20.00", "25.00", "30.00"],
        sign_ups: &[
            SignUp::Own("nuria.puigdomenech"),
            SignUp::Own("jordi.casals"),
            SignUp::ByAdmin("albert.rius", &["eva.miro", "hugo.ramos"]),
            SignUp::Own("bruno.sanz"),
            SignUp::Own("ona.sala"),
        ],
    },
    Planned {
        course: "Resin printing workshop",
        tutor: "rosa.ferrer",
        day: 12,
        hour: 15,
        hours: 2,
        machines: &["Formlabs Form 3"],
        seats: 5,
        prices: ["40.00", "50.00", "60.00"],
        sign_ups: &[
            SignUp::Own("teresa.lluna"),
            SignUp::Own("marta.vidal"),
            SignUp::Own("laia.serra"),
            SignUp::Own("bruno.sanz"),
        ],
    },
    Planned {
        course: "Laser cutter safety",
        tutor: "rosa.ferrer",
        day: 17,
        hour: 10,
        hours: 3,
        machines: &["Laser cutter Trotec 2"],
        seats: 6,
        prices: ["35.00", "45.00", "55.00"],
        // Six seats, nine people: the last three wait in line.
        sign_ups: &[
            SignUp::Own("pol.marti"),
            SignUp::Own("clara.vila"),
            SignUp::Own("biel.prat"),
            SignUp::Own("ona.sala"),
            SignUp::Own("roger.pujol"),
            SignUp::Own("mireia.costa"),
            SignUp::Own("guillem.mas"),
            SignUp::Own("elena.ortega"),
            SignUp::Own("iker.navarro"),
        ],
    },
    Planned {
        course: "Intro to 3D printing",
        tutor: "rosa.ferrer",
        day: 21,
        hour: 10,
        hours: 3,
        machines: &["Prusa MK4 A", "Prusa MK4 B"],
        seats: 10,
        prices: ["20.00", "25.00", "30.00"],
        sign_ups: &[
            SignUp::Own("guillem.mas"),
            SignUp::Own("elena.ortega"),
            SignUp::Own("clara.vila"),
        ],
    },
];

struct PastSpec {
    course: &'static str,
    tutor: &'static str,
    /// Days from today (negative) of the first day it may have taken place.
    day: i64,
    hour: u32,
    hours: i64,
    machines: &'static [&'static str],
    seats: i32,
    prices: [&'static str; 3],
    attended: &'static [&'static str],
    no_show: &'static [&'static str],
}

/// Last month's courses: the people machines.rs qualifies took them (and Carla Font too).
const HISTORY: [PastSpec; 2] = [
    PastSpec {
        course: "Laser cutter safety",
        tutor: "rosa.ferrer",
        day: -27,
        hour: 10,
        hours: 3,
        machines: &["Laser cutter Trotec 2"],
        seats: 8,
        prices: ["35.00", "45.00", "55.00"],
        attended: &[
            "marta.vidal",
            "pau.ferrer",
            "laia.serra",
            "anna.roure",
            "joan.puig",
            "carla.font",
        ],
        no_show: &["jordi.casals"],
    },
    PastSpec {
        course: "CNC router induction",
        tutor: "dani.balaguer",
        day: -20,
        hour: 16,
        hours: 3,
        machines: &["CNC router ShopBot"],
        seats: 4,
        prices: ["45.00", "55.00", "70.00"],
        attended: &["oriol.bosch", "marc.soler", "xavier.gil"],
        no_show: &[],
    },
];

/// What this run added.
#[derive(Default)]
pub struct Summary {
    pub tutors: usize,
    pub courses: usize,
    pub sessions: usize,
    pub sign_ups: usize,
    pub waiting: usize,
    pub past_sessions: usize,
    pub attendance: usize,
    pub granted: usize,
}

impl Summary {
    pub fn is_empty(&self) -> bool {
        self.tutors + self.courses + self.sessions + self.sign_ups + self.past_sessions == 0
    }
}

/// What the demo's calendar needs to place a session.
struct Workshop<'a> {
    ctx: Context<'a>,
    hours: WeeklyHours,
    closures: Vec<Closure>,
    machines: Vec<Resource>,
    today: NaiveDate,
}

impl Workshop<'static> {
    /// Opening hours, closures around today and the machines, as machines.rs left them.
    fn read(conn: &mut DbConn, tz: WorkshopTz) -> Result<Workshop<'static>, ServiceError> {
        let today = tz.local_date(Utc::now());
        let window = Duration::days(60);
        Ok(Workshop {
            ctx: Context::quiet(tz),
            hours: resources::weekly_hours(conn)?,
            closures: resources::closures(conn, today - window, today + window)?,
            machines: resources::resources(conn)?
                .into_iter()
                .filter(|r| r.kind == ResourceKind::Machine)
                .collect(),
            today,
        })
    }
}

pub fn load(conn: &mut DbConn, tz: WorkshopTz) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    let courses = ensure_courses(conn, &mut summary).context("adding the demo's courses")?;
    let mut tutors = Vec::new();
    for spec in &TUTORS {
        let tutor = ensure_tutor(conn, tz, spec, &courses, &mut summary)
            .with_context(|| format!("adding the tutor {}", spec.name))?;
        tutors.extend(tutor.map(|t| (spec.user, t)));
    }
    let workshop = Workshop::read(conn, tz)?;
    let find = |name: &str, user: &str| {
        let course = courses.iter().find(|c| c.name == name);
        let tutor = tutors.iter().find(|(u, _)| *u == user).map(|(_, t)| t);
        course.zip(tutor)
    };
    for spec in &HISTORY {
        if let Some((course, tutor)) = find(spec.course, spec.tutor) {
            write_history(conn, &workshop, course, tutor, spec, &mut summary)
                .with_context(|| format!("recording last month's {}", spec.course))?;
        }
    }
    for plan in &UPCOMING {
        if let Some((course, tutor)) = find(plan.course, plan.tutor) {
            schedule(conn, &workshop, course, tutor, plan, &mut summary)
                .with_context(|| format!("scheduling {}", plan.course))?;
        }
    }
    Ok(summary)
}

// --- Courses and tutors -----------------------------------------------------------------------

fn ensure_courses(conn: &mut DbConn, summary: &mut Summary) -> anyhow::Result<Vec<Course>> {
    let qualifications = resources::qualifications(conn)?;
    let mut courses = training::courses(conn)?;
    for spec in &COURSES {
        if courses.iter().any(|c| c.name == spec.name) {
            continue;
        }
        let grants = spec
            .grants
            .and_then(|name| qualifications.iter().find(|q| q.name == name))
            .map(|q| q.id.get());
        let raw = RawCourse {
            name: spec.name.into(),
            description: spec.description.into(),
            qualification_id: grants,
            free_cancel_hours: Some(spec.free_cancel_hours),
            late_cancel_percent: Some(spec.late_cancel_percent),
            no_show_fee: spec.no_show_fee.map(str::to_string),
        };
        let course = Course::parse(CourseId::new(0), &raw)?;
        courses.push(training::create_course(conn, &BY, &course)?);
        summary.courses += 1;
    }
    Ok(courses)
}

/// The tutor resource of the demo tutor user, created if missing; `None` if the user is not there.
fn ensure_tutor(
    conn: &mut DbConn,
    tz: WorkshopTz,
    spec: &TutorSpec,
    courses: &[Course],
    summary: &mut Summary,
) -> anyhow::Result<Option<Tutor>> {
    let Some(user) = demo_user(conn, spec.user)? else {
        return Ok(None);
    };
    for resource in resources::resources(conn)? {
        if resource.kind == ResourceKind::Tutor {
            let tutor = tutors::find(conn, resource.id)?;
            if tutor.user_id == user.id {
                return Ok(Some(tutor));
            }
        }
    }
    let categories = resources::categories(conn)?;
    let raw = RawTutor {
        user_id: user.id.get(),
        name: spec.name.into(),
        description: spec.description.into(),
        rate_member: spec.rates[0].into(),
        rate_business: spec.rates[1].into(),
        rate_public: spec.rates[2].into(),
        billing_increment_minutes: Some(15),
        skills: categories
            .iter()
            .filter(|c| spec.skills.contains(&c.name.as_str()))
            .map(|c| c.id.get())
            .collect(),
        courses: courses
            .iter()
            .filter(|c| spec.courses.contains(&c.name.as_str()))
            .map(|c| c.id.get())
            .collect(),
        availability: spec
            .week
            .iter()
            .map(|&(weekday, opens, closes)| AvailabilitySlot {
                weekday,
                opens_minute: opens * 60,
                closes_minute: closes * 60,
            })
            .collect(),
        time_off: if spec.time_off {
            vec![week_off_next_month(tz)]
        } else {
            Vec::new()
        },
    };
    let tutor = Tutor::parse(ResourceId::new(0), &raw)?;
    let created = tutors::create(conn, &BY, &tutor)?;
    summary.tutors += 1;
    Ok(Some(created))
}

/// Monday to Friday of the second week of next month.
fn week_off_next_month(tz: WorkshopTz) -> RawTimeOff {
    let next = LocalMonth::of(tz.local_date(Utc::now())).next().first_day();
    let mut monday = next + Duration::days(7);
    while monday.weekday() != Weekday::Mon {
        monday += Duration::days(1);
    }
    RawTimeOff {
        starts_at: tz.start_of_day(monday).to_rfc3339(),
        ends_at: tz.start_of_day(monday + Duration::days(5)).to_rfc3339(),
        reason: "Holiday".into(),
    }
}

fn demo_user(conn: &mut DbConn, local_part: &str) -> Result<Option<User>, ServiceError> {
    accounts::user_by_email(conn, &Email::parse(&format!("{local_part}@{DOMAIN}"))?)
}

fn demo_users(conn: &mut DbConn, local_parts: &[&str]) -> Result<Vec<User>, ServiceError> {
    let mut users = Vec::new();
    for local in local_parts {
        users.extend(demo_user(conn, local)?);
    }
    Ok(users)
}

// --- Placing a session ------------------------------------------------------------------------

/// The intervals a session planned from `first_day` at `hour` may take, best first: each day of
/// the window, the hours nearest the planned one first, kept only where the workshop is open and
/// the tutor works.
fn slots(
    workshop: &Workshop<'_>,
    tutor: &Tutor,
    first_day: NaiveDate,
    hour: u32,
    hours: i64,
) -> anyhow::Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    let calendar = Calendar {
        tz: workshop.ctx.tz,
        hours: &workshop.hours,
        closures: &workshop.closures,
        now: Utc::now(),
    };
    let mut by_nearness: Vec<u32> = (8..=20).collect();
    by_nearness.sort_by_key(|h| h.abs_diff(hour));
    let mut found = Vec::new();
    for offset in 0..WINDOW_DAYS {
        let day = first_day + Duration::days(offset);
        for &h in &by_nearness {
            let local = day
                .and_hms_opt(h, 0, 0)
                .with_context(|| format!("{day} {h}:00 is not a time"))?;
            let Ok(start) = workshop.ctx.tz.to_utc(local, Ambiguity::Earlier) else {
                continue;
            };
            let end = start + Duration::hours(hours);
            if check_calendar(&calendar, start, end).is_ok()
                && tutor.check_available(workshop.ctx.tz, start, end).is_ok()
            {
                found.push((start, end));
            }
        }
    }
    Ok(found)
}

/// The machines of `names` that exist.
fn machines(workshop: &Workshop<'_>, names: &[&str]) -> Vec<Resource> {
    workshop
        .machines
        .iter()
        .filter(|m| names.contains(&m.name.as_str()))
        .cloned()
        .collect()
}

/// The course's session already in the window that starts on `first_day`, cancelled or not.
fn existing(
    conn: &mut DbConn,
    workshop: &Workshop<'_>,
    course: &Course,
    first_day: NaiveDate,
) -> Result<Option<Session>, ServiceError> {
    let tz = workshop.ctx.tz;
    let query = SessionQuery {
        from: Some(tz.start_of_day(first_day)),
        to: Some(tz.start_of_day(first_day + Duration::days(WINDOW_DAYS))),
        course_id: Some(course.id),
        tutor_id: None,
        include_cancelled: true,
    };
    Ok(training::sessions(conn, &query)?.into_iter().next())
}

/// The machines to try a session with: these, then (if all week is taken) none.
fn with_then_without<T>(machines: Vec<T>) -> Vec<Vec<T>> {
    if machines.is_empty() {
        vec![machines]
    } else {
        vec![machines, Vec::new()]
    }
}

fn rates(prices: &[&str; 3]) -> anyhow::Result<Rates> {
    Ok(Rates {
        member: Money::parse(prices[0])?,
        business: Money::parse(prices[1])?,
        public: Money::parse(prices[2])?,
    })
}

// --- Upcoming sessions ------------------------------------------------------------------------

/// Finds or schedules the planned session, then signs up whoever of the plan is not in it yet.
fn schedule(
    conn: &mut DbConn,
    workshop: &Workshop<'_>,
    course: &Course,
    tutor: &Tutor,
    plan: &Planned,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    if !tutor.courses.contains(&course.id) {
        return Ok(());
    }
    let first_day = workshop.today + Duration::days(plan.day);
    let session = match existing(conn, workshop, course, first_day)? {
        Some(found) => found,
        None => match create_upcoming(conn, workshop, course, tutor, plan, first_day)? {
            Some(created) => {
                summary.sessions += 1;
                created
            }
            None => {
                tracing::warn!(course = plan.course, "no free slot for a demo session");
                return Ok(());
            }
        },
    };
    if session.open_for_sign_up(Utc::now()) {
        sign_up(conn, workshop, &session, plan.sign_ups, summary)?;
    }
    Ok(())
}

/// The first slot of the window where the tutor and the machines are free; if the machines are
/// taken all week (the demo's own bookings), the session is held with the tutor alone.
fn create_upcoming(
    conn: &mut DbConn,
    workshop: &Workshop<'_>,
    course: &Course,
    tutor: &Tutor,
    plan: &Planned,
    first_day: NaiveDate,
) -> anyhow::Result<Option<Session>> {
    let candidates = slots(workshop, tutor, first_day, plan.hour, plan.hours)?;
    let machines: Vec<ResourceId> = machines(workshop, plan.machines)
        .iter()
        .map(|m| m.id)
        .collect();
    let prices = rates(&plan.prices)?;
    for machine_ids in with_then_without(machines) {
        for &(starts_at, ends_at) in &candidates {
            let new = NewSession {
                course_id: course.id,
                tutor_id: tutor.resource.id,
                starts_at,
                ends_at,
                seats: plan.seats,
                seat_prices: prices,
                machine_ids: machine_ids.clone(),
                note: String::new(),
            };
            match training::create_session(conn, &workshop.ctx, &BY, &new) {
                Ok(session) => return Ok(Some(session)),
                Err(ServiceError::Conflict(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
    }
    Ok(None)
}

fn sign_up(
    conn: &mut DbConn,
    workshop: &Workshop<'_>,
    session: &Session,
    plan: &[SignUp],
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let enrolled: HashSet<i64> = training::participants(conn, &BY, session.id)?
        .iter()
        .map(|e| e.user_id.get())
        .collect();
    for entry in plan {
        let (by, people) = match entry {
            SignUp::Own(person) => (BY.clone(), demo_users(conn, &[person])?),
            SignUp::ByAdmin(admin, employees) => {
                let Some(admin) = demo_user(conn, admin)? else {
                    continue;
                };
                let by = By::User {
                    actor: admin.actor(),
                    email: admin.email.clone(),
                };
                (by, demo_users(conn, employees)?)
            }
        };
        let ids: Vec<_> = people
            .iter()
            .filter(|p| !enrolled.contains(&p.id.get()))
            .map(|p| p.id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        for enrollment in training::sign_up(conn, &workshop.ctx, &by, session.id, &ids)? {
            summary.sign_ups += 1;
            if enrollment.status == EnrollmentStatus::Waitlisted {
                summary.waiting += 1;
            }
        }
    }
    Ok(())
}

// --- Last month -------------------------------------------------------------------------------

/// Records the past session of `spec` unless its course already has one in that week, then gives
/// the course's qualification to those who attended.
fn write_history(
    conn: &mut DbConn,
    workshop: &Workshop<'_>,
    course: &Course,
    tutor: &Tutor,
    spec: &PastSpec,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let first_day = workshop.today + Duration::days(spec.day);
    if existing(conn, workshop, course, first_day)?.is_some() {
        return Ok(());
    }
    let mut people = Vec::new();
    for (list, status) in [
        (spec.attended, EnrollmentStatus::Attended),
        (spec.no_show, EnrollmentStatus::NoShow),
    ] {
        people.extend(demo_users(conn, list)?.into_iter().map(|u| (u, status)));
    }
    let past = Past {
        course,
        tutor,
        seats: spec.seats,
        prices: rates(&spec.prices)?,
        people: &people,
    };
    let candidates = slots(workshop, tutor, first_day, spec.hour, spec.hours)?;
    for with in with_then_without(machines(workshop, spec.machines)) {
        for &(start, end) in candidates.iter().filter(|(_, end)| *end < Utc::now()) {
            match write_tx(conn, |c| insert_past(c, workshop, &past, &with, start, end)) {
                Ok(()) => {
                    summary.past_sessions += 1;
                    summary.attendance += people.len();
                    summary.granted += grant(conn, course.qualification_id, &people)?;
                    return Ok(());
                }
                Err(ServiceError::Conflict(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
    }
    tracing::warn!(course = spec.course, "no free slot for a past demo session");
    Ok(())
}

/// A past session and the people in it, attended or absent.
struct Past<'a> {
    course: &'a Course,
    tutor: &'a Tutor,
    seats: i32,
    prices: Rates,
    people: &'a [(User, EnrollmentStatus)],
}

/// The rows a session held at `[start, end)` leaves behind: the session, opened two weeks before
/// with its blocks on the tutor and `machines`; each person's seat, taken ten days before and
/// charged; then attendance marked at the end (a no-show also pays the course's fee). A block
/// that overlaps answers `Conflict`.
fn insert_past(
    c: &mut DbConn,
    workshop: &Workshop<'_>,
    past: &Past<'_>,
    machines: &[Resource],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let opened = timestamp(start - Duration::days(14));
    let (from, to) = (timestamp(start), timestamp(end));
    let id = rows::insert_session(
        c,
        &NewSessionRow {
            course_id: past.course.id.get(),
            tutor_id: past.tutor.resource.id.get(),
            starts_at: from,
            ends_at: to,
            seats: past.seats,
            seat_member_cents: past.prices.member.cents(),
            seat_business_cents: past.prices.business.cents(),
            seat_public_cents: past.prices.public.cents(),
            status: "scheduled",
            note: "",
            created_at: opened,
            updated_at: to,
        },
    )?;
    for resource in std::iter::once(&past.tutor.resource).chain(machines) {
        if resource.kind == ResourceKind::Machine {
            rows::add_session_machine(c, id, resource.id.get())?;
        }
        let until = to + Duration::minutes(resource.rules.buffer_minutes);
        rows::insert_session_block(c, resource.id.get(), id, from, to, until, opened).map_err(
            |e| match e {
                DbError::Overlap(_) => {
                    ServiceError::Conflict(format!("{} is taken", resource.name))
                }
                other => other.into(),
            },
        )?;
    }
    for (user, status) in past.people {
        insert_past_enrollment(c, workshop, past, id, user, *status, start, end)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_past_enrollment(
    c: &mut DbConn,
    workshop: &Workshop<'_>,
    past: &Past<'_>,
    session_id: i64,
    user: &User,
    status: EnrollmentStatus,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let signed = timestamp(start - Duration::days(10));
    let customer = account_rows::find_customer(c, user.customer_id)?;
    let category = customer.price_category;
    if !rows::take_seat(c, session_id, signed)? {
        return Err(ServiceError::Invalid(format!(
            "the demo's past {} has more people than seats",
            past.course.name
        )));
    }
    let seat = past.prices.for_category(category);
    let id = rows::insert_enrollment(
        c,
        &NewEnrollmentRow {
            session_id,
            customer_id: customer.id.get(),
            user_id: user.id.get(),
            status: EnrollmentStatus::Confirmed.as_str(),
            price_category: category.as_str(),
            seat_price_cents: seat.cents(),
            created_by: None,
            created_at: signed,
            updated_at: signed,
            confirmed_at: Some(signed),
        },
    )?;
    rows::set_enrollment_status(c, id, status.as_str(), timestamp(end))?;
    let when = when(workshop.ctx.tz, start, end);
    let seat_line = format!("Seat: {}, {when}", past.course.name);
    let mut charges = vec![("seat", seat_line, seat, signed)];
    if status == EnrollmentStatus::NoShow {
        let text = format!("Absent from {}, {when}", past.course.name);
        charges.push(("no_show", text, past.course.no_show_fee, timestamp(end)));
    }
    for (kind, description, amount, at) in charges {
        if amount > Money::ZERO {
            charge_rows::insert_charge_once(
                c,
                &NewChargeRow {
                    customer_id: customer.id.get(),
                    user_id: Some(user.id.get()),
                    kind,
                    source_type: "enrollment",
                    source_id: id,
                    revision: 0,
                    service_date: workshop.ctx.tz.local_date(start),
                    description: &description,
                    quantity: 1,
                    unit_price_cents: amount.cents(),
                    price_category: category.as_str(),
                    vat_category: "training",
                    machine_category_id: None,
                    created_at: at,
                },
            )?;
        }
    }
    Ok(())
}

/// Gives the qualification to whoever attended and does not hold it yet; returns how many.
fn grant(
    conn: &mut DbConn,
    qualification: Option<QualificationId>,
    people: &[(User, EnrollmentStatus)],
) -> Result<usize, ServiceError> {
    let Some(qualification) = qualification else {
        return Ok(0);
    };
    let mut granted = 0;
    for (user, status) in people {
        if *status != EnrollmentStatus::Attended {
            continue;
        }
        let held = resources::held_by(conn, user.id)?
            .iter()
            .any(|q| q.id == qualification);
        if !held {
            resources::grant_qualification(conn, &BY, user.id, qualification)?;
            granted += 1;
        }
    }
    Ok(granted)
}
