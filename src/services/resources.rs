//! Machines and the workshop calendar as staff manage them: machines with rates and rules,
//! categories, qualifications (granted and revoked), opening hours, closures and maintenance.
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Serialize;

use super::audit::{self, Changes};
use super::credentials::new_secret;
use super::{now, staff_only, By, ServiceError};
use crate::db::bookings::{self as block_rows, NewBlock};
use crate::db::resources::{self as rows, ResourceValues};
use crate::db::{timestamp, write_tx, DbConn, DbError};
use crate::domain::booking::{Closure, WeeklyHours};
use crate::domain::resources::Resource;
use crate::domain::{CategoryId, QualificationId, ResourceId, UserId};

fn check_references(conn: &mut DbConn, resource: &Resource) -> Result<(), ServiceError> {
    if let Some(category) = resource.category_id {
        if !rows::categories(conn)?
            .iter()
            .any(|(id, _, _)| *id == category)
        {
            return Err(ServiceError::Invalid(format!(
                "There is no machine category {category}."
            )));
        }
    }
    if let Some(qualification) = resource.required_qualification {
        if !rows::qualifications(conn)?
            .iter()
            .any(|(id, _, _)| *id == qualification)
        {
            return Err(ServiceError::Invalid(format!(
                "There is no qualification {qualification}."
            )));
        }
    }
    Ok(())
}

pub fn create_machine(
    conn: &mut DbConn,
    by: &By,
    machine: &Resource,
) -> Result<Resource, ServiceError> {
    staff_only(by, "add machines")?;
    write_tx(conn, |c| {
        check_references(c, machine)?;
        let (secret, _) = new_secret("cal_");
        let id = rows::insert(
            c,
            &ResourceValues::from_resource(machine),
            &secret,
            timestamp(now()),
        )?;
        let created = rows::find(c, id)?;
        let changes = Changes::new()
            .set("name", &created.name)
            .set("rates", &created.rates);
        audit::record(
            c,
            by,
            "resource.create",
            "resource",
            Some(id.get()),
            changes,
        )?;
        Ok(created)
    })
}

pub fn update_machine(
    conn: &mut DbConn,
    by: &By,
    machine: &Resource,
) -> Result<Resource, ServiceError> {
    staff_only(by, "change machines")?;
    write_tx(conn, |c| {
        let old = rows::find(c, machine.id)?;
        check_references(c, machine)?;
        rows::update(
            c,
            machine.id,
            &ResourceValues::from_resource(machine),
            timestamp(now()),
        )?;
        let new = rows::find(c, machine.id)?;
        let changes = Changes::new()
            .field("name", &old.name, &new.name)
            .field("category_id", &old.category_id, &new.category_id)
            .field("rates", &old.rates, &new.rates)
            .field("rules", &old.rules, &new.rules)
            .field(
                "required_qualification",
                &old.required_qualification,
                &new.required_qualification,
            )
            .field("billing_basis", &old.billing_basis, &new.billing_basis)
            .field(
                "billing_increment",
                &old.billing_increment,
                &new.billing_increment,
            )
            .field("minimum_charge", &old.minimum_charge, &new.minimum_charge)
            .field("out_of_service", &old.out_of_service, &new.out_of_service);
        if !changes.is_empty() {
            audit::record(
                c,
                by,
                "resource.update",
                "resource",
                Some(new.id.get()),
                changes,
            )?;
        }
        Ok(new)
    })
}

pub fn resource(conn: &mut DbConn, id: ResourceId) -> Result<Resource, ServiceError> {
    Ok(rows::find(conn, id)?)
}

pub fn resources(conn: &mut DbConn) -> Result<Vec<Resource>, ServiceError> {
    Ok(rows::list(conn)?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    pub description: String,
}

pub fn categories(conn: &mut DbConn) -> Result<Vec<Category>, ServiceError> {
    Ok(rows::categories(conn)?
        .into_iter()
        .map(|(id, name, description)| Category {
            id,
            name,
            description,
        })
        .collect())
}

pub fn create_category(
    conn: &mut DbConn,
    by: &By,
    name: &str,
    description: &str,
) -> Result<CategoryId, ServiceError> {
    staff_only(by, "add machine categories")?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::Invalid("The category needs a name.".into()));
    }
    write_tx(conn, |c| {
        let id = rows::insert_category(c, name, description.trim()).map_err(|e| match e {
            DbError::Unique(_) => {
                ServiceError::Conflict(format!("A category named {name} already exists."))
            }
            other => other.into(),
        })?;
        audit::record(
            c,
            by,
            "category.create",
            "category",
            Some(id.get()),
            Changes::new().set("name", name),
        )?;
        Ok(id)
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Qualification {
    pub id: QualificationId,
    pub name: String,
    pub valid_months: Option<i32>,
}

pub fn qualifications(conn: &mut DbConn) -> Result<Vec<Qualification>, ServiceError> {
    Ok(rows::qualifications(conn)?
        .into_iter()
        .map(|(id, name, valid_months)| Qualification {
            id,
            name,
            valid_months,
        })
        .collect())
}

pub fn create_qualification(
    conn: &mut DbConn,
    by: &By,
    name: &str,
    description: &str,
    valid_months: Option<i32>,
) -> Result<QualificationId, ServiceError> {
    staff_only(by, "add qualifications")?;
    let name = name.trim();
    if name.is_empty() || valid_months.is_some_and(|m| m < 1) {
        return Err(ServiceError::Invalid(
            "A qualification needs a name, and validity of at least a month.".into(),
        ));
    }
    write_tx(conn, |c| {
        let id =
            rows::insert_qualification(c, name, description.trim(), valid_months).map_err(|e| {
                match e {
                    DbError::Unique(_) => ServiceError::Conflict(format!(
                        "A qualification named {name} already exists."
                    )),
                    other => other.into(),
                }
            })?;
        audit::record(
            c,
            by,
            "qualification.create",
            "qualification",
            Some(id.get()),
            Changes::new().set("name", name),
        )?;
        Ok(id)
    })
}

/// Grants a qualification (staff, or training attendance); it expires after the qualification's
/// validity, counted from `at`.
pub fn grant_qualification(
    conn: &mut DbConn,
    by: &By,
    user: UserId,
    qualification: QualificationId,
) -> Result<Option<DateTime<Utc>>, ServiceError> {
    staff_only(by, "grant qualifications")?;
    write_tx(conn, |c| {
        let valid = rows::qualification_valid_months(c, qualification).map_err(|_| {
            ServiceError::Invalid(format!("There is no qualification {qualification}."))
        })?;
        let at = now();
        let expires = valid.and_then(|m| at.checked_add_months(Months::new(m.unsigned_abs())));
        rows::grant(
            c,
            user,
            qualification,
            timestamp(at),
            expires.map(timestamp),
        )
        .map_err(|e| match e {
            DbError::ForeignKey(_) => ServiceError::Invalid(format!("There is no user {user}.")),
            other => other.into(),
        })?;
        let changes = Changes::new()
            .set("qualification_id", &qualification)
            .set("expires_at", &expires);
        audit::record(
            c,
            by,
            "qualification.grant",
            "user",
            Some(user.get()),
            changes,
        )?;
        Ok(expires)
    })
}

pub fn revoke_qualification(
    conn: &mut DbConn,
    by: &By,
    user: UserId,
    qualification: QualificationId,
) -> Result<(), ServiceError> {
    staff_only(by, "revoke qualifications")?;
    write_tx(conn, |c| {
        if !rows::revoke(c, user, qualification, timestamp(now()))? {
            return Err(ServiceError::NotFound);
        }
        let changes = Changes::new().field("qualification_id", &Some(qualification), &None);
        audit::record(
            c,
            by,
            "qualification.revoke",
            "user",
            Some(user.get()),
            changes,
        )
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldQualification {
    pub id: QualificationId,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn held_by(conn: &mut DbConn, user: UserId) -> Result<Vec<HeldQualification>, ServiceError> {
    Ok(rows::held_by(conn, user, timestamp(now()))?
        .into_iter()
        .map(|(id, name, expires)| HeldQualification {
            id,
            name,
            expires_at: expires.map(|t| t.and_utc()),
        })
        .collect())
}

pub fn weekly_hours(conn: &mut DbConn) -> Result<WeeklyHours, ServiceError> {
    Ok(rows::weekly_hours(conn)?)
}

pub fn set_weekly_hours(
    conn: &mut DbConn,
    by: &By,
    hours: &WeeklyHours,
) -> Result<(), ServiceError> {
    staff_only(by, "change opening hours")?;
    for day in &hours.days {
        if day.iter().any(|(o, c)| o >= c || *c > 1440) {
            return Err(ServiceError::Invalid(
                "Each opening interval must close after it opens, by midnight.".into(),
            ));
        }
    }
    write_tx(conn, |c| {
        let old = rows::weekly_hours(c)?;
        rows::set_weekly_hours(c, hours)?;
        audit::record(
            c,
            by,
            "hours.update",
            "opening_hours",
            None,
            Changes::new().field("days", &old.days, &hours.days),
        )
    })
}

pub fn closures(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Closure>, ServiceError> {
    Ok(rows::closures_between(conn, from, to)?)
}

pub fn add_closure(conn: &mut DbConn, by: &By, closure: &Closure) -> Result<(), ServiceError> {
    staff_only(by, "close the workshop")?;
    if closure.last_day < closure.first_day || closure.reason.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "A closure needs a reason and must end on or after its first day.".into(),
        ));
    }
    write_tx(conn, |c| {
        let id = rows::insert_closure(c, closure)?;
        let changes = Changes::new()
            .set("first_day", &closure.first_day)
            .set("last_day", &closure.last_day)
            .set("reason", &closure.reason);
        audit::record(c, by, "closure.create", "closure", Some(id), changes)
    })
}

/// Takes a machine out for maintenance; refused (409) where bookings already hold the time.
pub fn add_maintenance(
    conn: &mut DbConn,
    by: &By,
    resource: ResourceId,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: &str,
) -> Result<i64, ServiceError> {
    staff_only(by, "schedule maintenance")?;
    if ends_at <= starts_at {
        return Err(ServiceError::Invalid(
            "Maintenance must end after it starts.".into(),
        ));
    }
    write_tx(conn, |c| {
        let machine = rows::find(c, resource)?;
        let at = timestamp(now());
        let (start, end) = (timestamp(starts_at), timestamp(ends_at));
        let id = block_rows::insert_maintenance(c, resource.get(), start, end, reason.trim(), at)?;
        let block = NewBlock {
            resource_id: resource.get(),
            kind: "maintenance",
            starts_at: start,
            ends_at: end,
            blocks_until: end,
            booking_id: None,
            maintenance_id: Some(id),
        };
        block_rows::insert_block(c, &block, at).map_err(|e| match e {
            DbError::Overlap(_) => ServiceError::Conflict(format!(
                "{} is booked during that time; move those bookings first.",
                machine.name
            )),
            other => other.into(),
        })?;
        let changes = Changes::new()
            .set("starts_at", &starts_at)
            .set("ends_at", &ends_at)
            .set("reason", reason);
        audit::record(
            c,
            by,
            "maintenance.create",
            "resource",
            Some(resource.get()),
            changes,
        )?;
        Ok(id)
    })
}

pub fn calendar_secret(
    conn: &mut DbConn,
    by: &By,
    resource: ResourceId,
) -> Result<String, ServiceError> {
    staff_only(by, "read machine calendars")?;
    Ok(rows::calendar_secret(conn, resource)?)
}
