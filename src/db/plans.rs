//! Rows and queries of membership plans, subscriptions, and the month's charges a plan acts on.
use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{charges, machine_categories, plan_included_hours, plans, subscriptions};
use super::{DbConn, DbError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub monthly_fee_cents: i64,
    pub discount_percent: i32,
    pub active: bool,
}

/// Hours a plan includes in one machine category: (plan, category, category name, minutes).
pub type IncludedRow = (i64, i64, String, i32);

pub fn insert_plan(
    conn: &mut DbConn,
    name: &str,
    monthly_fee_cents: i64,
    discount_percent: i32,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(plans::table)
        .values((
            plans::name.eq(name),
            plans::monthly_fee_cents.eq(monthly_fee_cents),
            plans::discount_percent.eq(discount_percent),
            plans::active.eq(true),
            plans::created_at.eq(now),
        ))
        .returning(plans::id)
        .get_result(conn)?)
}

pub fn insert_included(
    conn: &mut DbConn,
    plan: i64,
    category: i64,
    minutes: i32,
) -> Result<(), DbError> {
    diesel::insert_into(plan_included_hours::table)
        .values((
            plan_included_hours::plan_id.eq(plan),
            plan_included_hours::category_id.eq(category),
            plan_included_hours::minutes.eq(minutes),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn plans(conn: &mut DbConn) -> Result<Vec<PlanRow>, DbError> {
    Ok(plans::table
        .select(PlanRow::as_select())
        .order(plans::name)
        .load(conn)?)
}

pub fn find_plan(conn: &mut DbConn, id: i64) -> Result<PlanRow, DbError> {
    Ok(plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)?)
}

pub fn plan_by_name(conn: &mut DbConn, name: &str) -> Result<Option<PlanRow>, DbError> {
    Ok(plans::table
        .filter(plans::name.eq(name))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// The hours every plan in `ids` includes, by plan and category name.
pub fn included(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<IncludedRow>, DbError> {
    Ok(plan_included_hours::table
        .inner_join(
            machine_categories::table
                .on(machine_categories::id.eq(plan_included_hours::category_id)),
        )
        .filter(plan_included_hours::plan_id.eq_any(ids))
        .select((
            plan_included_hours::plan_id,
            plan_included_hours::category_id,
            machine_categories::name,
            plan_included_hours::minutes,
        ))
        .order((plan_included_hours::plan_id, machine_categories::name))
        .load(conn)?)
}

pub fn category_exists(conn: &mut DbConn, id: i64) -> Result<bool, DbError> {
    Ok(machine_categories::table
        .find(id)
        .select(machine_categories::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

// --- Subscriptions ----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionRow {
    pub id: i64,
    pub customer_id: i64,
    pub plan_id: i64,
    pub first_month: String,
    pub last_month: Option<String>,
}

pub fn insert_subscription(
    conn: &mut DbConn,
    customer: i64,
    plan: i64,
    first_month: &str,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(subscriptions::table)
        .values((
            subscriptions::customer_id.eq(customer),
            subscriptions::plan_id.eq(plan),
            subscriptions::first_month.eq(first_month),
            subscriptions::created_at.eq(now),
        ))
        .returning(subscriptions::id)
        .get_result(conn)?)
}

pub fn find_subscription(conn: &mut DbConn, id: i64) -> Result<SubscriptionRow, DbError> {
    Ok(subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)?)
}

pub fn subscriptions_of(conn: &mut DbConn, customer: i64) -> Result<Vec<SubscriptionRow>, DbError> {
    Ok(subscriptions::table
        .filter(subscriptions::customer_id.eq(customer))
        .select(SubscriptionRow::as_select())
        .order((subscriptions::first_month, subscriptions::id))
        .load(conn)?)
}

/// Subscriptions running in `month` (YYYY-MM, which sorts as text).
pub fn running_in(conn: &mut DbConn, month: &str) -> Result<Vec<SubscriptionRow>, DbError> {
    Ok(subscriptions::table
        .filter(subscriptions::first_month.le(month))
        .filter(
            subscriptions::last_month
                .is_null()
                .or(subscriptions::last_month.ge(month)),
        )
        .select(SubscriptionRow::as_select())
        .order(subscriptions::id)
        .load(conn)?)
}

pub fn end_subscription(conn: &mut DbConn, id: i64, last_month: &str) -> Result<(), DbError> {
    diesel::update(subscriptions::table.find(id))
        .set(subscriptions::last_month.eq(last_month))
        .execute(conn)?;
    Ok(())
}

/// The latest month a subscription's fee was charged for (its revision is the month's index).
pub fn last_fee_revision(conn: &mut DbConn, subscription: i64) -> Result<Option<i32>, DbError> {
    Ok(charges::table
        .filter(charges::source_type.eq("subscription"))
        .filter(charges::source_id.eq(subscription))
        .filter(charges::kind.eq("plan_fee"))
        .select(charges::revision)
        .order(charges::revision.desc())
        .first(conn)
        .optional()?)
}

// --- The month's charges a plan acts on -------------------------------------------------------

/// A charge of machine or tutor time, as a plan deducts and discounts it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = charges)]
pub struct TimeCharge {
    pub id: i64,
    pub kind: String,
    pub source_type: String,
    pub source_id: i64,
    pub revision: i32,
    pub service_date: NaiveDate,
    pub description: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub vat_category: String,
    pub machine_category_id: Option<i64>,
}

/// A customer's machine-usage and tutor charges dated in `[from, to]`, in time order.
pub fn time_charges(
    conn: &mut DbConn,
    customer: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TimeCharge>, DbError> {
    Ok(charges::table
        .filter(charges::customer_id.eq(customer))
        .filter(charges::kind.eq_any(["usage", "tutor"]))
        .filter(charges::service_date.between(from, to))
        .select(TimeCharge::as_select())
        .order((charges::service_date, charges::id))
        .load(conn)?)
}

/// The (source type, source id, revision) of every reversal of the customer's charges dated in
/// `[from, to]` (a reversal carries its charge's date).
pub fn reversed(
    conn: &mut DbConn,
    customer: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashSet<(String, i64, i32)>, DbError> {
    let found: Vec<(String, i64, i32)> = charges::table
        .filter(charges::customer_id.eq(customer))
        .filter(charges::kind.eq("reversal"))
        .filter(charges::service_date.between(from, to))
        .select((charges::source_type, charges::source_id, charges::revision))
        .load(conn)?;
    Ok(found.into_iter().collect())
}

/// A deduction or discount a plan wrote against a time charge.
#[derive(Debug, Clone, Queryable)]
pub struct PlanCharge {
    pub source_type: String,
    pub source_id: i64,
    pub kind: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

/// The customer's included-hours deductions and discounts (and their reversals) dated in
/// `[from, to]`.
pub fn plan_charges(
    conn: &mut DbConn,
    customer: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PlanCharge>, DbError> {
    Ok(charges::table
        .filter(charges::customer_id.eq(customer))
        .filter(charges::source_type.eq_any(["included_hours", "discount"]))
        .filter(charges::service_date.between(from, to))
        .select((
            charges::source_type,
            charges::source_id,
            charges::kind,
            charges::quantity,
            charges::unit_price_cents,
        ))
        .load(conn)?)
}
