//! Tutors as staff manage them (a resource of kind tutor linked to a tutor user, with rates,
//! skills, weekly availability and time off), the rules a booking with a tutor must satisfy, and
//! a tutor's own schedule.
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::audit::{self, Changes};
use super::credentials::new_secret;
use super::{now, staff_only, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::resources::{self as resource_rows, ResourceValues};
use crate::db::training as training_rows;
use crate::db::tutors::{self as rows, Absence, Slot};
use crate::db::{timestamp, write_tx, DbConn, DbError};
use crate::domain::resources::{Resource, ResourceKind};
use crate::domain::tutors::{AvailabilitySlot, TimeOff, Tutor};
use crate::domain::{BookingId, CustomerId, ResourceId, Role, UserId, WorkshopTz};

/// The tutor with this resource id; a machine (or nothing) answers `NotFound`.
pub fn find(conn: &mut DbConn, id: ResourceId) -> Result<Tutor, ServiceError> {
    let resource = resource_rows::find(conn, id)?;
    if resource.kind != ResourceKind::Tutor {
        return Err(ServiceError::NotFound);
    }
    let user_id = rows::tutor_user(conn, id.get())?
        .ok_or_else(|| DbError::Corrupt(format!("tutor {id} has no user")))?;
    let availability = rows::availability(conn, id.get())?
        .into_iter()
        .map(|(weekday, opens, closes)| {
            let corrupt = |_| DbError::Corrupt(format!("availability of tutor {id}"));
            Ok(AvailabilitySlot {
                weekday: u8::try_from(weekday).map_err(corrupt)?,
                opens_minute: u16::try_from(opens).map_err(corrupt)?,
                closes_minute: u16::try_from(closes).map_err(corrupt)?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    let time_off = rows::time_off(conn, id.get())?
        .into_iter()
        .map(|(starts_at, ends_at, reason)| TimeOff {
            starts_at: starts_at.and_utc(),
            ends_at: ends_at.and_utc(),
            reason,
        })
        .collect();
    Ok(Tutor {
        resource,
        user_id: UserId::new(user_id),
        skills: rows::skills(conn, id.get())?
            .into_iter()
            .map(crate::domain::CategoryId::new)
            .collect(),
        courses: training_rows::tutor_courses(conn, id.get())?
            .into_iter()
            .map(crate::domain::CourseId::new)
            .collect(),
        availability,
        time_off,
    })
}

/// The tutor whose user is `user_id` (`None`: the user is nobody's tutor).
pub fn of_user(conn: &mut DbConn, user_id: UserId) -> Result<Option<Tutor>, ServiceError> {
    match rows::of_user(conn, user_id.get())? {
        Some(id) => find(conn, ResourceId::new(id)).map(Some),
        None => Ok(None),
    }
}

/// The tutor's user must exist and have the tutor role; the skills must be known categories.
fn check_references(conn: &mut DbConn, tutor: &Tutor) -> Result<(), ServiceError> {
    let user = account_rows::find_user(conn, tutor.user_id).map_err(|e| match e {
        DbError::NotFound => ServiceError::Invalid(format!("There is no user {}.", tutor.user_id)),
        other => other.into(),
    })?;
    if user.role != Role::Tutor {
        return Err(ServiceError::Invalid(format!(
            "{} is not a tutor; give the user the tutor role first.",
            user.name
        )));
    }
    let categories = resource_rows::categories(conn)?;
    if let Some(unknown) = tutor
        .skills
        .iter()
        .find(|s| !categories.iter().any(|(id, _, _)| id == *s))
    {
        return Err(ServiceError::Invalid(format!(
            "There is no machine category {unknown}."
        )));
    }
    for course in &tutor.courses {
        if training_rows::find_course(conn, course.get()).is_err() {
            return Err(ServiceError::Invalid(format!(
                "There is no course {course}."
            )));
        }
    }
    Ok(())
}

fn save_details(conn: &mut DbConn, id: ResourceId, tutor: &Tutor) -> Result<(), ServiceError> {
    rows::set_tutor_user(conn, id.get(), tutor.user_id.get())?;
    let skills: Vec<i64> = tutor.skills.iter().map(|c| c.get()).collect();
    rows::replace_skills(conn, id.get(), &skills)?;
    let courses: Vec<i64> = tutor.courses.iter().map(|c| c.get()).collect();
    training_rows::replace_tutor_courses(conn, id.get(), &courses)?;
    let slots: Vec<Slot> = tutor
        .availability
        .iter()
        .map(|s| {
            (
                i32::from(s.weekday),
                i32::from(s.opens_minute),
                i32::from(s.closes_minute),
            )
        })
        .collect();
    rows::replace_availability(conn, id.get(), &slots)?;
    let absences: Vec<Absence> = tutor
        .time_off
        .iter()
        .map(|t| {
            (
                timestamp(t.starts_at),
                timestamp(t.ends_at),
                t.reason.clone(),
            )
        })
        .collect();
    rows::replace_time_off(conn, id.get(), &absences)?;
    Ok(())
}

pub fn create(conn: &mut DbConn, by: &By, tutor: &Tutor) -> Result<Tutor, ServiceError> {
    staff_only(by, "add tutors")?;
    write_tx(conn, |c| {
        check_references(c, tutor)?;
        let (secret, _) = new_secret("cal_");
        let values = ResourceValues::from_resource(&tutor.resource);
        let id = resource_rows::insert(c, &values, &secret, timestamp(now()))?;
        save_details(c, id, tutor)?;
        let created = find(c, id)?;
        let changes = Changes::new()
            .set("name", &created.resource.name)
            .set("user_id", &created.user_id)
            .set("rates", &created.resource.rates)
            .set("skills", &created.skills)
            .set("courses", &created.courses)
            .set("availability", &created.availability)
            .set("time_off", &created.time_off);
        audit::record(c, by, "tutor.create", "resource", Some(id.get()), changes)?;
        Ok(created)
    })
}

/// Replaces a tutor's settings, skills, availability and time off.
pub fn update(conn: &mut DbConn, by: &By, tutor: &Tutor) -> Result<Tutor, ServiceError> {
    staff_only(by, "change tutors")?;
    write_tx(conn, |c| {
        let id = tutor.resource.id;
        let old = find(c, id)?;
        check_references(c, tutor)?;
        let values = ResourceValues::from_resource(&tutor.resource);
        resource_rows::update(c, id, &values, timestamp(now()))?;
        save_details(c, id, tutor)?;
        let new = find(c, id)?;
        let changes = Changes::new()
            .field("name", &old.resource.name, &new.resource.name)
            .field("user_id", &old.user_id, &new.user_id)
            .field("rates", &old.resource.rates, &new.resource.rates)
            .field(
                "billing_increment",
                &old.resource.billing_increment,
                &new.resource.billing_increment,
            )
            .field("skills", &old.skills, &new.skills)
            .field("courses", &old.courses, &new.courses)
            .field("availability", &old.availability, &new.availability)
            .field("time_off", &old.time_off, &new.time_off);
        if !changes.is_empty() {
            audit::record(c, by, "tutor.update", "resource", Some(id.get()), changes)?;
        }
        Ok(new)
    })
}

/// The tutor a booking of `booked` needs, checked against the tutor's availability, time off and
/// (with a machine) skills: `booked` itself when it is a tutor, else the one in `with_tutor`.
pub fn for_booking(
    conn: &mut DbConn,
    tz: WorkshopTz,
    booked: &Resource,
    with_tutor: Option<ResourceId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Option<Tutor>, ServiceError> {
    let tutor = match (booked.kind, with_tutor) {
        (ResourceKind::Tutor, Some(_)) => {
            return Err(ServiceError::Invalid(
                "Book a tutor either alone (resource_id) or with a machine (with_tutor_id), \
                 not both."
                    .into(),
            ))
        }
        (ResourceKind::Tutor, None) => find(conn, booked.id)?,
        (ResourceKind::Machine, Some(id)) => find(conn, id).map_err(|e| match e {
            ServiceError::NotFound => ServiceError::Invalid(format!("There is no tutor {id}.")),
            other => other,
        })?,
        (ResourceKind::Machine, None) => return Ok(None),
    };
    let invalid = |rule: crate::domain::tutors::TutorRule| {
        ServiceError::Invalid(capitalise(&rule.to_string()))
    };
    if booked.kind == ResourceKind::Machine {
        tutor.check_teaches(booked).map_err(invalid)?;
    }
    tutor.check_available(tz, start, end).map_err(invalid)?;
    Ok(Some(tutor))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>() + "."
    })
}

/// One entry of a tutor's schedule: a block of their time and the booking it belongs to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleEntry {
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub booking_id: Option<BookingId>,
    /// What was booked: a machine, or the tutor themself when booked alone.
    pub resource_id: Option<ResourceId>,
    pub customer_id: Option<CustomerId>,
    /// The training session, for a session block.
    pub session_id: Option<crate::domain::SessionId>,
}

/// The longest window a schedule answers for at once.
pub const MAX_SCHEDULE_DAYS: i64 = 62;

/// A tutor's booked time within `[from, to)`: for the tutor themself and staff; anyone else
/// (and any id that is not a tutor) answers `NotFound`.
pub fn schedule(
    conn: &mut DbConn,
    by: &By,
    id: ResourceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ScheduleEntry>, ServiceError> {
    let tutor = find(conn, id)?;
    if let Some(actor) = by.actor() {
        if !actor.is_staff() && actor.user_id != tutor.user_id {
            return Err(ServiceError::NotFound);
        }
    }
    if to <= from {
        return Err(ServiceError::Invalid("'to' must be after 'from'.".into()));
    }
    if to - from > Duration::days(MAX_SCHEDULE_DAYS) {
        return Err(ServiceError::Invalid(format!(
            "Ask for at most {MAX_SCHEDULE_DAYS} days at a time."
        )));
    }
    Ok(
        rows::schedule(conn, id.get(), timestamp(from), timestamp(to))?
            .into_iter()
            .map(
                |(kind, starts_at, ends_at, booking, resource, customer, session)| ScheduleEntry {
                    kind,
                    starts_at: starts_at.and_utc(),
                    ends_at: ends_at.and_utc(),
                    booking_id: booking.map(BookingId::new),
                    resource_id: resource.map(ResourceId::new),
                    customer_id: customer.map(CustomerId::new),
                    session_id: session.map(crate::domain::SessionId::new),
                },
            )
            .collect(),
    )
}
