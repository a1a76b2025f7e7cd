//! Rows and queries of machines, their categories and qualifications, and the workshop calendar
//! (opening hours, closures).
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    closures, machine_categories, opening_hours, qualifications, resources, user_qualifications,
};
use super::{parse_stored, DbConn, DbError};
use crate::domain::billing::BillingIncrement;
use crate::domain::booking::{Closure, WeeklyHours};
use crate::domain::resources::{BookingRules, Rates, Resource};
use crate::domain::{CategoryId, Money, QualificationId, ResourceId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = resources)]
#[diesel(treat_none_as_null = true)]
pub struct ResourceValues {
    pub kind: String,
    pub name: String,
    pub category_id: Option<i64>,
    pub description: String,
    pub rate_member_cents: i64,
    pub rate_business_cents: i64,
    pub rate_public_cents: i64,
    pub slot_minutes: i32,
    pub min_minutes: i32,
    pub max_minutes: i32,
    pub horizon_days: i32,
    pub notice_minutes: i32,
    pub buffer_minutes: i32,
    pub required_qualification_id: Option<i64>,
    pub billing_basis: String,
    pub billing_increment_minutes: i32,
    pub minimum_charge_cents: i64,
    pub out_of_service: bool,
}

impl ResourceValues {
    pub fn from_resource(r: &Resource) -> ResourceValues {
        let minutes = |m: i64| i32::try_from(m).unwrap_or(i32::MAX);
        ResourceValues {
            kind: r.kind.as_str().into(),
            name: r.name.clone(),
            category_id: r.category_id.map(CategoryId::get),
            description: r.description.clone(),
            rate_member_cents: r.rates.member.cents(),
            rate_business_cents: r.rates.business.cents(),
            rate_public_cents: r.rates.public.cents(),
            slot_minutes: minutes(r.rules.slot_minutes),
            min_minutes: minutes(r.rules.min_minutes),
            max_minutes: minutes(r.rules.max_minutes),
            horizon_days: minutes(r.rules.horizon_days),
            notice_minutes: minutes(r.rules.notice_minutes),
            buffer_minutes: minutes(r.rules.buffer_minutes),
            required_qualification_id: r.required_qualification.map(QualificationId::get),
            billing_basis: r.billing_basis.as_str().into(),
            billing_increment_minutes: minutes(r.billing_increment.minutes()),
            minimum_charge_cents: r.minimum_charge.cents(),
            out_of_service: r.out_of_service,
        }
    }

    fn into_resource(self, id: i64) -> Result<Resource, DbError> {
        Ok(Resource {
            id: ResourceId::new(id),
            kind: parse_stored(&self.kind)?,
            name: self.name,
            category_id: self.category_id.map(CategoryId::new),
            description: self.description,
            rates: Rates {
                member: Money::from_cents(self.rate_member_cents),
                business: Money::from_cents(self.rate_business_cents),
                public: Money::from_cents(self.rate_public_cents),
            },
            rules: BookingRules {
                slot_minutes: self.slot_minutes.into(),
                min_minutes: self.min_minutes.into(),
                max_minutes: self.max_minutes.into(),
                horizon_days: self.horizon_days.into(),
                notice_minutes: self.notice_minutes.into(),
                buffer_minutes: self.buffer_minutes.into(),
            },
            required_qualification: self.required_qualification_id.map(QualificationId::new),
            billing_basis: parse_stored(&self.billing_basis)?,
            billing_increment: BillingIncrement::new(self.billing_increment_minutes.into())
                .map_err(|e| DbError::Corrupt(e.0))?,
            minimum_charge: Money::from_cents(self.minimum_charge_cents),
            out_of_service: self.out_of_service,
        })
    }
}

pub fn insert(
    conn: &mut DbConn,
    values: &ResourceValues,
    calendar_secret: &str,
    now: NaiveDateTime,
) -> Result<ResourceId, DbError> {
    let id: i64 = diesel::insert_into(resources::table)
        .values((
            values,
            resources::active.eq(true),
            resources::calendar_secret.eq(calendar_secret),
            resources::created_at.eq(now),
            resources::updated_at.eq(now),
        ))
        .returning(resources::id)
        .get_result(conn)?;
    Ok(ResourceId::new(id))
}

pub fn update(
    conn: &mut DbConn,
    id: ResourceId,
    values: &ResourceValues,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let changed = diesel::update(resources::table.find(id.get()))
        .set((values, resources::updated_at.eq(now)))
        .execute(conn)?;
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: ResourceId) -> Result<Resource, DbError> {
    let (id, values): (i64, ResourceValues) = resources::table
        .find(id.get())
        .filter(resources::active.eq(true))
        .select((resources::id, ResourceValues::as_select()))
        .first(conn)?;
    values.into_resource(id)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<Resource>, DbError> {
    let rows: Vec<(i64, ResourceValues)> = resources::table
        .filter(resources::active.eq(true))
        .select((resources::id, ResourceValues::as_select()))
        .order((resources::kind, resources::name, resources::id))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, values)| values.into_resource(id))
        .collect()
}

pub fn by_calendar_secret(conn: &mut DbConn, secret: &str) -> Result<Option<Resource>, DbError> {
    let row: Option<(i64, ResourceValues)> = resources::table
        .filter(resources::calendar_secret.eq(secret))
        .select((resources::id, ResourceValues::as_select()))
        .first(conn)
        .optional()?;
    row.map(|(id, values)| values.into_resource(id)).transpose()
}

pub fn calendar_secret(conn: &mut DbConn, id: ResourceId) -> Result<String, DbError> {
    Ok(resources::table
        .find(id.get())
        .select(resources::calendar_secret)
        .first(conn)?)
}

// --- Categories and qualifications ------------------------------------------------------------

pub fn categories(conn: &mut DbConn) -> Result<Vec<(CategoryId, String, String)>, DbError> {
    let rows: Vec<(i64, String, String)> = machine_categories::table
        .select((
            machine_categories::id,
            machine_categories::name,
            machine_categories::description,
        ))
        .order(machine_categories::name)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, n, d)| (CategoryId::new(id), n, d))
        .collect())
}

pub fn insert_category(
    conn: &mut DbConn,
    name: &str,
    description: &str,
) -> Result<CategoryId, DbError> {
    let id: i64 = diesel::insert_into(machine_categories::table)
        .values((
            machine_categories::name.eq(name),
            machine_categories::description.eq(description),
        ))
        .returning(machine_categories::id)
        .get_result(conn)?;
    Ok(CategoryId::new(id))
}

pub fn qualifications(
    conn: &mut DbConn,
) -> Result<Vec<(QualificationId, String, Option<i32>)>, DbError> {
    let rows: Vec<(i64, String, Option<i32>)> = qualifications::table
        .select((
            qualifications::id,
            qualifications::name,
            qualifications::valid_months,
        ))
        .order(qualifications::name)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, n, v)| (QualificationId::new(id), n, v))
        .collect())
}

pub fn insert_qualification(
    conn: &mut DbConn,
    name: &str,
    description: &str,
    valid_months: Option<i32>,
) -> Result<QualificationId, DbError> {
    let id: i64 = diesel::insert_into(qualifications::table)
        .values((
            qualifications::name.eq(name),
            qualifications::description.eq(description),
            qualifications::valid_months.eq(valid_months),
        ))
        .returning(qualifications::id)
        .get_result(conn)?;
    Ok(QualificationId::new(id))
}

pub fn qualification_name(conn: &mut DbConn, id: QualificationId) -> Result<String, DbError> {
    Ok(qualifications::table
        .find(id.get())
        .select(qualifications::name)
        .first(conn)?)
}

pub fn qualification_valid_months(
    conn: &mut DbConn,
    id: QualificationId,
) -> Result<Option<i32>, DbError> {
    Ok(qualifications::table
        .find(id.get())
        .select(qualifications::valid_months)
        .first(conn)?)
}

/// Whether `user` holds `qualification` at `at` (granted, not revoked, not expired).
pub fn holds(
    conn: &mut DbConn,
    user: UserId,
    qualification: QualificationId,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let found: Option<i64> = user_qualifications::table
        .filter(user_qualifications::user_id.eq(user.get()))
        .filter(user_qualifications::qualification_id.eq(qualification.get()))
        .filter(user_qualifications::revoked_at.is_null())
        .filter(
            user_qualifications::expires_at
                .is_null()
                .or(user_qualifications::expires_at.gt(at)),
        )
        .select(user_qualifications::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Grants (or renews) a qualification: one row per user and qualification.
pub fn grant(
    conn: &mut DbConn,
    user: UserId,
    qualification: QualificationId,
    at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    crate::insert_ignore!(
        &mut *conn,
        user_qualifications::table,
        (
            user_qualifications::user_id.eq(user.get()),
            user_qualifications::qualification_id.eq(qualification.get()),
            user_qualifications::granted_at.eq(at),
            user_qualifications::expires_at.eq(expires_at),
        )
    )?;
    diesel::update(
        user_qualifications::table
            .filter(user_qualifications::user_id.eq(user.get()))
            .filter(user_qualifications::qualification_id.eq(qualification.get())),
    )
    .set((
        user_qualifications::granted_at.eq(at),
        user_qualifications::expires_at.eq(expires_at),
        user_qualifications::revoked_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn revoke(
    conn: &mut DbConn,
    user: UserId,
    qualification: QualificationId,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        user_qualifications::table
            .filter(user_qualifications::user_id.eq(user.get()))
            .filter(user_qualifications::qualification_id.eq(qualification.get()))
            .filter(user_qualifications::revoked_at.is_null()),
    )
    .set(user_qualifications::revoked_at.eq(at))
    .execute(conn)?;
    Ok(changed > 0)
}

/// A user's live qualifications: (id, name, expires_at).
pub fn held_by(
    conn: &mut DbConn,
    user: UserId,
    at: NaiveDateTime,
) -> Result<Vec<(QualificationId, String, Option<NaiveDateTime>)>, DbError> {
    let rows: Vec<(i64, String, Option<NaiveDateTime>)> = user_qualifications::table
        .inner_join(qualifications::table)
        .filter(user_qualifications::user_id.eq(user.get()))
        .filter(user_qualifications::revoked_at.is_null())
        .filter(
            user_qualifications::expires_at
                .is_null()
                .or(user_qualifications::expires_at.gt(at)),
        )
        .select((
            qualifications::id,
            qualifications::name,
            user_qualifications::expires_at,
        ))
        .order(qualifications::name)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, n, e)| (QualificationId::new(id), n, e))
        .collect())
}

// --- Workshop calendar ------------------------------------------------------------------------

pub fn weekly_hours(conn: &mut DbConn) -> Result<WeeklyHours, DbError> {
    let rows: Vec<(i32, i32, i32)> = opening_hours::table
        .select((
            opening_hours::weekday,
            opening_hours::opens_minute,
            opening_hours::closes_minute,
        ))
        .order((opening_hours::weekday, opening_hours::opens_minute))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(WeeklyHours::always());
    }
    let mut hours = WeeklyHours::default();
    for (weekday, opens, closes) in rows {
        let day = usize::try_from(weekday)
            .ok()
            .filter(|d| *d < 7)
            .ok_or_else(|| DbError::Corrupt(format!("weekday {weekday}")))?;
        let minute = |m: i32| u16::try_from(m).map_err(|_| DbError::Corrupt(format!("minute {m}")));
        hours.days[day].push((minute(opens)?, minute(closes)?));
    }
    Ok(hours)
}

/// Replaces the whole week's opening hours.
pub fn set_weekly_hours(conn: &mut DbConn, hours: &WeeklyHours) -> Result<(), DbError> {
    diesel::delete(opening_hours::table).execute(conn)?;
    for (weekday, intervals) in hours.days.iter().enumerate() {
        for (opens, closes) in intervals {
            diesel::insert_into(opening_hours::table)
                .values((
                    opening_hours::weekday.eq(weekday as i32),
                    opening_hours::opens_minute.eq(i32::from(*opens)),
                    opening_hours::closes_minute.eq(i32::from(*closes)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Closures that touch `[from, to]`.
pub fn closures_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Closure>, DbError> {
    let rows: Vec<(NaiveDate, NaiveDate, String)> = closures::table
        .filter(closures::first_day.le(to))
        .filter(closures::last_day.ge(from))
        .select((closures::first_day, closures::last_day, closures::reason))
        .order(closures::first_day)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(first_day, last_day, reason)| Closure {
            first_day,
            last_day,
            reason,
        })
        .collect())
}

pub fn insert_closure(conn: &mut DbConn, closure: &Closure) -> Result<i64, DbError> {
    Ok(diesel::insert_into(closures::table)
        .values((
            closures::first_day.eq(closure.first_day),
            closures::last_day.eq(closure.last_day),
            closures::reason.eq(&closure.reason),
        ))
        .returning(closures::id)
        .get_result(conn)?)
}
