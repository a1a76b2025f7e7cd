//! Tutors: people booked by the hour (alone or with a machine), with rates, the machine
//! categories they teach, weekly availability and time off.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::accounts::InvalidField;
use super::booking::{check_calendar, Calendar, RuleBroken, WeeklyHours};
use super::ids::{CategoryId, CourseId, ResourceId, UserId};
use super::resources::{RawResource, Resource, ResourceKind};
use super::time::{parse_rfc3339_with_offset, WorkshopTz};

/// A tutor's fields as sent as JSON; money as decimal strings ("25.00").
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RawTutor {
    pub user_id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub rate_member: String,
    pub rate_business: String,
    pub rate_public: String,
    #[serde(default)]
    pub billing_increment_minutes: Option<i64>,
    /// Machine category ids the tutor teaches.
    #[serde(default)]
    pub skills: Vec<i64>,
    /// Course ids the tutor teaches.
    #[serde(default)]
    pub courses: Vec<i64>,
    #[serde(default)]
    pub availability: Vec<AvailabilitySlot>,
    #[serde(default)]
    pub time_off: Vec<RawTimeOff>,
}

/// One weekly interval a tutor works: local minutes from midnight, `[opens, closes)`,
/// weekday 0 = Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AvailabilitySlot {
    pub weekday: u8,
    pub opens_minute: u16,
    pub closes_minute: u16,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RawTimeOff {
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TimeOff {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

/// A tutor: the bookable resource plus who they are and when and what they teach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tutor {
    #[serde(flatten)]
    pub resource: Resource,
    pub user_id: UserId,
    pub skills: Vec<CategoryId>,
    pub courses: Vec<CourseId>,
    pub availability: Vec<AvailabilitySlot>,
    pub time_off: Vec<TimeOff>,
}

/// Why a tutor cannot be booked for an interval; each message names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TutorRule {
    #[error("{tutor} is not available then: on {weekday} they work {hours}")]
    Unavailable {
        tutor: String,
        weekday: &'static str,
        hours: String,
    },
    #[error("{tutor} is on time off then ({reason})")]
    TimeOff { tutor: String, reason: String },
    #[error("{tutor} does not teach {machine}")]
    NoSkill { tutor: String, machine: String },
}

impl Tutor {
    /// A tutor from raw input: a resource of kind tutor with the default booking rules (30-minute
    /// slots), billed in 15-minute increments unless told otherwise.
    pub fn parse(id: ResourceId, raw: &RawTutor) -> Result<Tutor, InvalidField> {
        let name = raw.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(InvalidField(
                "the tutor needs a name of at most 120 characters".into(),
            ));
        }
        let as_resource = RawResource {
            name: name.to_string(),
            category_id: None,
            description: raw.description.clone(),
            rate_member: raw.rate_member.clone(),
            rate_business: raw.rate_business.clone(),
            rate_public: raw.rate_public.clone(),
            slot_minutes: None,
            min_minutes: None,
            max_minutes: None,
            horizon_days: None,
            notice_minutes: None,
            buffer_minutes: None,
            required_qualification_id: None,
            billing_basis: None,
            billing_increment_minutes: raw.billing_increment_minutes,
            minimum_charge: None,
            out_of_service: false,
        };
        let resource = Resource {
            kind: ResourceKind::Tutor,
            ..Resource::parse_machine(id, &as_resource)?
        };
        for slot in &raw.availability {
            check_slot(slot)?;
        }
        let time_off = raw
            .time_off
            .iter()
            .map(parse_time_off)
            .collect::<Result<Vec<_>, _>>()?;
        let mut skills: Vec<CategoryId> = raw.skills.iter().map(|c| CategoryId::new(*c)).collect();
        skills.sort_by_key(|c| c.get());
        skills.dedup();
        let mut courses: Vec<CourseId> = raw.courses.iter().map(|c| CourseId::new(*c)).collect();
        courses.sort();
        courses.dedup();
        Ok(Tutor {
            resource,
            user_id: UserId::new(raw.user_id),
            skills,
            courses,
            availability: raw.availability.clone(),
            time_off,
        })
    }

    pub fn weekly_hours(&self) -> WeeklyHours {
        let mut hours = WeeklyHours::default();
        for slot in &self.availability {
            if let Some(day) = hours.days.get_mut(usize::from(slot.weekday)) {
                day.push((slot.opens_minute, slot.closes_minute));
            }
        }
        for day in &mut hours.days {
            day.sort_unstable();
        }
        hours
    }

    /// Whether `[start, end)` lies inside one of the tutor's weekly intervals and outside their
    /// time off.
    pub fn check_available(
        &self,
        tz: WorkshopTz,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<(), TutorRule> {
        let tutor = self.resource.name.clone();
        if let Some(off) = self
            .time_off
            .iter()
            .find(|off| off.starts_at < end && start < off.ends_at)
        {
            return Err(TutorRule::TimeOff {
                tutor,
                reason: off.reason.clone(),
            });
        }
        let hours = self.weekly_hours();
        let calendar = Calendar {
            tz,
            hours: &hours,
            closures: &[],
            now: start,
        };
        match check_calendar(&calendar, start, end) {
            Err(RuleBroken::OutsideHours { weekday, hours }) => Err(TutorRule::Unavailable {
                tutor,
                weekday,
                hours: if hours == "closed" {
                    "no hours".into()
                } else {
                    hours
                },
            }),
            _ => Ok(()),
        }
    }

    /// Whether the tutor teaches the machine's category (a machine without one: nobody does).
    pub fn check_teaches(&self, machine: &Resource) -> Result<(), TutorRule> {
        match machine.category_id {
            Some(category) if self.skills.contains(&category) => Ok(()),
            _ => Err(TutorRule::NoSkill {
                tutor: self.resource.name.clone(),
                machine: machine.name.clone(),
            }),
        }
    }
}

fn check_slot(slot: &AvailabilitySlot) -> Result<(), InvalidField> {
    if slot.weekday > 6 || slot.opens_minute >= slot.closes_minute || slot.closes_minute > 1440 {
        return Err(InvalidField(
            "each availability interval needs a weekday 0–6 (0 = Monday) and minutes \
             0 ≤ opens_minute < closes_minute ≤ 1440"
                .into(),
        ));
    }
    Ok(())
}

fn parse_time_off(raw: &RawTimeOff) -> Result<TimeOff, InvalidField> {
    let instant = |what: &str, text: &str| {
        parse_rfc3339_with_offset(text).map_err(|e| InvalidField(format!("time off {what}: {e}")))
    };
    let (starts_at, ends_at) = (
        instant("starts_at", &raw.starts_at)?,
        instant("ends_at", &raw.ends_at)?,
    );
    if ends_at <= starts_at {
        return Err(InvalidField("time off must end after it starts".into()));
    }
    Ok(TimeOff {
        starts_at,
        ends_at,
        reason: raw.reason.trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Ambiguity, CategoryId};

    fn tutor() -> Tutor {
        let raw = RawTutor {
            user_id: 1,
            name: "Ana".into(),
            description: String::new(),
            rate_member: "30".into(),
            rate_business: "35".into(),
            rate_public: "40".into(),
            billing_increment_minutes: None,
            skills: vec![3],
            courses: vec![],
            availability: vec![AvailabilitySlot {
                weekday: 0,
                opens_minute: 9 * 60,
                closes_minute: 13 * 60,
            }],
            time_off: vec![RawTimeOff {
                starts_at: "2027-03-08T00:00:00+01:00".into(),
                ends_at: "2027-03-09T00:00:00+01:00".into(),
                reason: "holiday".into(),
            }],
        };
        Tutor::parse(ResourceId::new(7), &raw).expect("valid tutor")
    }

    fn at(text: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time");
        WorkshopTz::DEFAULT
            .to_utc(naive, Ambiguity::Earlier)
            .expect("exists")
    }

    #[test]
    fn a_tutor_is_booked_only_when_working_and_not_on_time_off() {
        let t = tutor();
        assert_eq!(t.resource.kind, ResourceKind::Tutor);
        let tz = WorkshopTz::DEFAULT;
        // 2027-03-01 and 2027-03-08 are Mondays.
        assert!(t
            .check_available(tz, at("2027-03-01 10:00"), at("2027-03-01 12:00"))
            .is_ok());
        assert!(matches!(
            t.check_available(tz, at("2027-03-01 12:00"), at("2027-03-01 14:00")),
            Err(TutorRule::Unavailable { .. })
        ));
        assert!(matches!(
            t.check_available(tz, at("2027-03-02 10:00"), at("2027-03-02 11:00")),
            Err(TutorRule::Unavailable { .. })
        ));
        assert!(matches!(
            t.check_available(tz, at("2027-03-08 10:00"), at("2027-03-08 11:00")),
            Err(TutorRule::TimeOff { .. })
        ));
    }

    #[test]
    fn a_tutor_teaches_only_their_categories() {
        let t = tutor();
        let mut machine = t.resource.clone();
        machine.name = "Laser".into();
        machine.category_id = Some(CategoryId::new(3));
        assert!(t.check_teaches(&machine).is_ok());
        machine.category_id = Some(CategoryId::new(4));
        assert!(t.check_teaches(&machine).is_err());
        machine.category_id = None;
        assert!(t.check_teaches(&machine).is_err());
    }

    #[test]
    fn bad_availability_is_refused() {
        let mut raw_slot = tutor().availability[0];
        raw_slot.weekday = 7;
        assert!(check_slot(&raw_slot).is_err());
        raw_slot.weekday = 1;
        raw_slot.closes_minute = raw_slot.opens_minute;
        assert!(check_slot(&raw_slot).is_err());
    }
}
