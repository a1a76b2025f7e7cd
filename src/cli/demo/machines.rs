//! The demo's machines and calendar: three categories of machines (some needing a
//! qualification), opening hours Monday to Saturday, a closure, maintenance, and a past month plus
//! the next three weeks of bookings by the demo's members and employees.
use chrono::{Datelike, Duration, NaiveDate, Utc};

use crate::db::DbConn;
use crate::domain::booking::{Closure, WeeklyHours};
use crate::domain::resources::{RawResource, Resource};
use crate::domain::{Ambiguity, CategoryId, Email, QualificationId, ResourceId, User, WorkshopTz};
use crate::services::bookings::{self, Context, NewBooking};
use crate::services::{accounts, resources, By, ServiceError};

const BY: By = By::System("demo");

struct Machine {
    name: &'static str,
    category: usize,
    description: &'static str,
    rates: [&'static str; 3],
    qualification: Option<usize>,
    increment: i64,
    basis: &'static str,
}

const CATEGORIES: [(&str, &str); 3] = [
    (
        "Laser cutters",
        "CO₂ lasers for cutting and engraving wood, acrylic, card and leather.",
    ),
    ("3D printers", "FDM and resin printers."),
    ("CNC and wood", "CNC router and woodworking machines."),
];

const QUALIFICATIONS: [(&str, i32); 2] =
    [("Laser cutter safety", 24), ("CNC router induction", 12)];

const MACHINES: [Machine; 7] = [
    Machine {
        name: "Laser cutter Trotec 1",
        category: 0,
        description: "100 W, 1000 × 600 mm bed.",
        rates: ["18.00", "24.00", "30.00"],
        qualification: Some(0),
        increment: 6,
        basis: "max",
    },
    Machine {
        name: "Laser cutter Trotec 2",
        category: 0,
        description: "60 W, 600 × 400 mm bed.",
        rates: ["15.00", "20.00", "25.00"],
        qualification: Some(0),
        increment: 6,
        basis: "max",
    },
    Machine {
        name: "Prusa MK4 A",
        category: 1,
        description: "FDM, PLA/PETG, 250 × 210 × 220 mm.",
        rates: ["4.00", "6.00", "8.00"],
        qualification: None,
        increment: 30,
        basis: "booked",
    },
    Machine {
        name: "Prusa MK4 B",
        category: 1,
        description: "FDM, PLA/PETG, 250 × 210 × 220 mm.",
        rates: ["4.00", "6.00", "8.00"],
        qualification: None,
        increment: 30,
        basis: "booked",
    },
    Machine {
        name: "Formlabs Form 3",
        category: 1,
        description: "Resin printer; post-curing included.",
        rates: ["9.00", "12.00", "15.00"],
        qualification: None,
        increment: 15,
        basis: "actual",
    },
    Machine {
        name: "CNC router ShopBot",
        category: 2,
        description: "1220 × 2440 mm, 3 axes.",
        rates: ["25.00", "32.00", "40.00"],
        qualification: Some(1),
        increment: 15,
        basis: "max",
    },
    Machine {
        name: "Bandsaw and workbench",
        category: 2,
        description: "Hand tools and a bandsaw.",
        rates: ["6.00", "8.00", "10.00"],
        qualification: None,
        increment: 30,
        basis: "booked",
    },
];

/// Members who took the safety courses.
const QUALIFIED: [(&str, usize); 8] = [
    ("marta.vidal", 0),
    ("pau.ferrer", 0),
    ("laia.serra", 0),
    ("anna.roure", 0),
    ("joan.puig", 0),
    ("oriol.bosch", 1),
    ("marc.soler", 1),
    ("xavier.gil", 1),
];

const BOOKERS: [&str; 14] = [
    "marta.vidal",
    "pau.ferrer",
    "laia.serra",
    "jordi.casals",
    "oriol.bosch",
    "aina.roca",
    "marc.soler",
    "carla.font",
    "arnau.riera",
    "anna.roure",
    "xavier.gil",
    "joan.puig",
    "eva.miro",
    "bruno.sanz",
];

#[derive(Default)]
pub struct Summary {
    pub machines: usize,
    pub bookings: usize,
}

pub fn load(conn: &mut DbConn, tz: WorkshopTz) -> Result<Summary, ServiceError> {
    let machines_exist = resources::resources(conn)?
        .iter()
        .any(|r| r.kind == crate::domain::resources::ResourceKind::Machine);
    if machines_exist {
        return Ok(Summary::default());
    }
    let categories = ensure_categories(conn)?;
    let qualifications = ensure_qualifications(conn)?;
    let mut machines = Vec::new();
    for spec in &MACHINES {
        machines.push(create_machine(conn, spec, &categories, &qualifications)?);
    }
    let holiday = set_calendar(conn, tz, &machines)?;
    for (local, which) in QUALIFIED {
        if let Some(user) = demo_user(conn, local)? {
            resources::grant_qualification(conn, &BY, user.id, qualifications[which])?;
        }
    }
    let bookings = book_a_month(conn, tz, &machines, holiday)?;
    Ok(Summary {
        machines: machines.len(),
        bookings,
    })
}

fn ensure_categories(conn: &mut DbConn) -> Result<Vec<CategoryId>, ServiceError> {
    let known = resources::categories(conn)?;
    CATEGORIES
        .iter()
        .map(
            |(name, description)| match known.iter().find(|c| c.name == *name) {
                Some(found) => Ok(found.id),
                None => resources::create_category(conn, &BY, name, description),
            },
        )
        .collect()
}

fn ensure_qualifications(conn: &mut DbConn) -> Result<Vec<QualificationId>, ServiceError> {
    let known = resources::qualifications(conn)?;
    QUALIFICATIONS
        .iter()
        .map(
            |(name, months)| match known.iter().find(|q| q.name == *name) {
                Some(found) => Ok(found.id),
                None => resources::create_qualification(
                    conn,
                    &BY,
                    name,
                    "Granted by attending the course.",
                    Some(*months),
                ),
            },
        )
        .collect()
}

fn create_machine(
    conn: &mut DbConn,
    spec: &Machine,
    categories: &[CategoryId],
    qualifications: &[QualificationId],
) -> Result<Resource, ServiceError> {
    let raw = RawResource {
        name: spec.name.into(),
        category_id: Some(categories[spec.category].get()),
        description: spec.description.into(),
        rate_member: spec.rates[0].into(),
        rate_business: spec.rates[1].into(),
        rate_public: spec.rates[2].into(),
        slot_minutes: Some(30),
        min_minutes: Some(30),
        max_minutes: Some(if spec.category == 1 { 720 } else { 240 }),
        horizon_days: Some(42),
        notice_minutes: Some(60),
        buffer_minutes: Some(if spec.category == 0 { 15 } else { 0 }),
        required_qualification_id: spec.qualification.map(|q| qualifications[q].get()),
        billing_basis: Some(spec.basis.into()),
        billing_increment_minutes: Some(spec.increment),
        minimum_charge: Some(if spec.category == 2 {
            "10.00".into()
        } else {
            "0".into()
        }),
        out_of_service: false,
    };
    let machine = Resource::parse_machine(ResourceId::new(0), &raw)?;
    resources::create_machine(conn, &BY, &machine)
}

/// Mon–Fri 9:00–21:00, Sat 10:00–14:00; closed for a local holiday; the big laser serviced.
fn set_calendar(
    conn: &mut DbConn,
    tz: WorkshopTz,
    machines: &[Resource],
) -> Result<NaiveDate, ServiceError> {
    let mut hours = WeeklyHours::default();
    for day in 0..5 {
        hours.days[day] = vec![(9 * 60, 21 * 60)];
    }
    hours.days[5] = vec![(10 * 60, 14 * 60)];
    resources::set_weekly_hours(conn, &BY, &hours)?;
    let today = tz.local_date(Utc::now());
    let holiday = next_weekday(today + Duration::days(16));
    let closure = Closure {
        first_day: holiday,
        last_day: holiday,
        reason: "Local holiday: the workshop is closed".into(),
    };
    resources::add_closure(conn, &BY, &closure)?;
    let service_day = next_weekday(today + Duration::days(9));
    let start = at(tz, service_day, 9)?;
    resources::add_maintenance(
        conn,
        &BY,
        machines[0].id,
        start,
        start + Duration::hours(4),
        "Yearly service: mirrors and lens",
    )?;
    Ok(holiday)
}

fn next_weekday(mut day: NaiveDate) -> NaiveDate {
    while day.weekday().num_days_from_monday() > 4 {
        day = day.succ_opt().unwrap_or(day);
    }
    day
}

fn at(tz: WorkshopTz, day: NaiveDate, hour: u32) -> Result<chrono::DateTime<Utc>, ServiceError> {
    let local = day
        .and_hms_opt(hour, 0, 0)
        .ok_or_else(|| ServiceError::Invalid("bad demo time".into()))?;
    tz.to_utc(local, Ambiguity::Earlier)
        .map_err(|e| ServiceError::Invalid(e.to_string()))
}

fn demo_user(conn: &mut DbConn, local_part: &str) -> Result<Option<User>, ServiceError> {
    let email = Email::parse(&format!("{local_part}@demo.obrador.example"))?;
    accounts::user_by_email(conn, &email)
}

/// A plausible month: each open day, each machine gets a few bookings of 1–3 hours. A fixed
/// seed makes the demo the same every time; a slot someone already holds is simply skipped.
fn book_a_month(
    conn: &mut DbConn,
    tz: WorkshopTz,
    machines: &[Resource],
    holiday: NaiveDate,
) -> Result<usize, ServiceError> {
    let ctx = Context::quiet(tz);
    let mut people = Vec::new();
    for local in BOOKERS {
        if let Some(user) = demo_user(conn, local)? {
            people.push(user);
        }
    }
    if people.is_empty() {
        return Ok(0);
    }
    let qualified: Vec<(&str, usize)> = QUALIFIED.to_vec();
    let mut seed: u64 = 0x0b7a_d0e5;
    let mut random = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let today = tz.local_date(Utc::now());
    let mut count = 0;
    for offset in -30..=21 {
        let day = today + Duration::days(offset);
        let weekday = day.weekday().num_days_from_monday();
        if weekday > 5 || offset == 0 || day == holiday {
            continue;
        }
        let (open, close) = if weekday == 5 { (10, 14) } else { (9, 21) };
        for (index, machine) in machines.iter().enumerate() {
            let mut hour = open + random(3) as u32;
            while hour + 1 < close {
                let length = 1 + random(3) as u32;
                let end = (hour + length).min(close);
                let user = &people[random(people.len() as u64) as usize];
                let needs = MACHINES[index].qualification;
                let allowed = needs.is_none_or(|q| {
                    qualified
                        .iter()
                        .any(|(who, which)| *which == q && user.email.starts_with(who))
                });
                if allowed && random(10) < 6 {
                    let new = NewBooking {
                        resource_id: machine.id,
                        starts_at: at(tz, day, hour)?,
                        ends_at: at(tz, day, end)?,
                        customer_id: None,
                        user_id: Some(user.id),
                        note: String::new(),
                        with_tutor: None,
                    };
                    match bookings::create(conn, &ctx, &BY, &new) {
                        Ok(_) => count += 1,
                        Err(ServiceError::Conflict(_)) => {}
                        Err(other) => return Err(other),
                    }
                }
                hour = end + random(3) as u32;
            }
        }
    }
    Ok(count)
}
