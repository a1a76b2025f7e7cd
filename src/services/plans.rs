//! Membership plans and subscriptions: staff define plans and subscribe customers from a month
//! on; the month's invoicing run writes each running subscription's fee, its included-hours
//! deductions (the month's usage of each category in time order, at the prices of the lines they
//! offset) and its discount on machine and tutor hours into the ledger as charges, once each.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::audit::{self, Changes};
use super::{now, staff_only, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::bookings::{insert_charge_once, NewChargeRow};
use crate::db::plans::{self as rows, PlanRow, SubscriptionRow, TimeCharge};
use crate::db::{timestamp, write_tx, DbConn, DbError};
use crate::domain::invoice::{line_net, Quantity};
use crate::domain::plans::{allocate_included, discount_on, parse_discount, parse_plan_name};
use crate::domain::{CustomerId, LocalMonth, Money};

/// Hours a plan includes in a machine category each month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Included {
    pub category_id: i64,
    pub category: String,
    pub minutes: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Plan {
    pub id: i64,
    pub name: String,
    pub monthly_fee: Money,
    pub discount_percent: i32,
    pub active: bool,
    pub included: Vec<Included>,
}

/// A plan to create.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub name: String,
    pub monthly_fee: Money,
    pub discount_percent: i32,
    /// (machine category, minutes per month).
    pub included: Vec<(i64, i32)>,
}

fn to_plans(c: &mut DbConn, found: Vec<PlanRow>) -> Result<Vec<Plan>, ServiceError> {
    let ids: Vec<i64> = found.iter().map(|p| p.id).collect();
    let mut included: HashMap<i64, Vec<Included>> = HashMap::new();
    for (plan, category_id, category, minutes) in rows::included(c, &ids)? {
        included.entry(plan).or_default().push(Included {
            category_id,
            category,
            minutes,
        });
    }
    Ok(found
        .into_iter()
        .map(|p| Plan {
            included: included.remove(&p.id).unwrap_or_default(),
            id: p.id,
            name: p.name,
            monthly_fee: Money::from_cents(p.monthly_fee_cents),
            discount_percent: p.discount_percent,
            active: p.active,
        })
        .collect())
}

/// Every plan (anyone signed in may read them: they are the workshop's price list).
pub fn list_plans(conn: &mut DbConn) -> Result<Vec<Plan>, ServiceError> {
    let found = rows::plans(conn)?;
    to_plans(conn, found)
}

pub fn get_plan(conn: &mut DbConn, id: i64) -> Result<Plan, ServiceError> {
    let found = rows::find_plan(conn, id)?;
    to_plans(conn, vec![found])?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// Creates a plan; its name is unique.
pub fn create_plan(conn: &mut DbConn, by: &By, plan: &NewPlan) -> Result<Plan, ServiceError> {
    staff_only(by, "define plans")?;
    let name = parse_plan_name(&plan.name).map_err(|e| ServiceError::Invalid(e.0))?;
    let discount = parse_discount(plan.discount_percent).map_err(|e| ServiceError::Invalid(e.0))?;
    if plan.monthly_fee < Money::ZERO {
        return Err(ServiceError::Invalid(
            "The monthly fee cannot be negative.".into(),
        ));
    }
    let mut seen = HashSet::new();
    for (category, minutes) in &plan.included {
        if !(1..=744 * 60).contains(minutes) {
            return Err(ServiceError::Invalid(
                "Included hours are more than 0 and at most a month's.".into(),
            ));
        }
        if !seen.insert(*category) {
            return Err(ServiceError::Invalid(format!(
                "Machine category {category} is listed twice."
            )));
        }
    }
    let id = write_tx(conn, |c| {
        if rows::plan_by_name(c, &name)?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "A plan named \"{name}\" exists already."
            )));
        }
        for (category, _) in &plan.included {
            if !rows::category_exists(c, *category)? {
                return Err(ServiceError::Invalid(format!(
                    "There is no machine category {category}."
                )));
            }
        }
        let id = rows::insert_plan(
            c,
            &name,
            plan.monthly_fee.cents(),
            discount,
            timestamp(now()),
        )?;
        for (category, minutes) in &plan.included {
            rows::insert_included(c, id, *category, *minutes)?;
        }
        let changes = Changes::new()
            .set("name", &name)
            .set("monthly_fee", &plan.monthly_fee)
            .set("discount_percent", &discount);
        audit::record(c, by, "plan.create", "plan", Some(id), changes)?;
        Ok(id)
    })?;
    get_plan(conn, id)
}

// --- Subscriptions ----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Subscription {
    pub id: i64,
    pub customer_id: CustomerId,
    pub plan_id: i64,
    pub plan: String,
    pub first_month: String,
    pub last_month: Option<String>,
}

fn to_subscription(c: &mut DbConn, row: SubscriptionRow) -> Result<Subscription, ServiceError> {
    let plan = rows::find_plan(c, row.plan_id)?;
    Ok(Subscription {
        id: row.id,
        customer_id: CustomerId::new(row.customer_id),
        plan_id: row.plan_id,
        plan: plan.name,
        first_month: row.first_month,
        last_month: row.last_month,
    })
}

/// A customer's subscriptions: staff, or the customer's own people.
pub fn subscriptions(
    conn: &mut DbConn,
    by: &By,
    customer: CustomerId,
) -> Result<Vec<Subscription>, ServiceError> {
    if let Some(actor) = by.actor() {
        if !actor.is_staff() && actor.customer_id != customer {
            return Err(ServiceError::NotFound);
        }
    }
    rows::subscriptions_of(conn, customer.get())?
        .into_iter()
        .map(|row| to_subscription(conn, row))
        .collect()
}

fn month_of(text: &str) -> Result<LocalMonth, ServiceError> {
    LocalMonth::parse(text)
        .map_err(|e| ServiceError::Db(DbError::Corrupt(format!("subscription month: {e}"))))
}

/// Subscribes a customer to a plan from `first_month` on. A customer has one plan at a time:
/// a subscription that would overlap another is refused.
pub fn subscribe(
    conn: &mut DbConn,
    by: &By,
    customer: CustomerId,
    plan: i64,
    first_month: LocalMonth,
) -> Result<Subscription, ServiceError> {
    staff_only(by, "subscribe customers to plans")?;
    write_tx(conn, |c| {
        crate::db::lock_row(c, "customers", customer.get())?;
        account_rows::find_customer(c, customer)?;
        let found = rows::find_plan(c, plan).map_err(|e| match e {
            DbError::NotFound => ServiceError::Invalid(format!("There is no plan {plan}.")),
            other => other.into(),
        })?;
        if !found.active {
            return Err(ServiceError::Conflict(format!(
                "The plan \"{}\" is no longer offered.",
                found.name
            )));
        }
        for existing in rows::subscriptions_of(c, customer.get())? {
            let open_ended = existing.last_month.is_none();
            let ends_after = existing
                .last_month
                .as_deref()
                .map(month_of)
                .transpose()?
                .is_some_and(|last| last >= first_month);
            if open_ended || ends_after {
                return Err(ServiceError::Conflict(format!(
                    "The customer already has a plan from {}; end it first.",
                    existing.first_month
                )));
            }
        }
        let label = first_month.to_string();
        let id = rows::insert_subscription(c, customer.get(), plan, &label, timestamp(now()))?;
        let changes = Changes::new()
            .set("plan", &found.name)
            .set("first_month", &label);
        audit::record(
            c,
            by,
            "subscription.create",
            "customer",
            Some(customer.get()),
            changes,
        )?;
        let row = rows::find_subscription(c, id)?;
        to_subscription(c, row)
    })
}

/// Ends a subscription after `last_month` (inclusive). A month whose fee is already charged
/// cannot be dropped.
pub fn unsubscribe(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    last_month: LocalMonth,
) -> Result<Subscription, ServiceError> {
    staff_only(by, "end subscriptions")?;
    write_tx(conn, |c| {
        crate::db::lock_row(c, "subscriptions", id)?;
        let row = rows::find_subscription(c, id)?;
        let first = month_of(&row.first_month)?;
        if last_month < first {
            return Err(ServiceError::Invalid(format!(
                "The subscription starts in {first}; it cannot end before."
            )));
        }
        if let Some(charged) = rows::last_fee_revision(c, id)? {
            if charged > month_index(last_month) {
                return Err(ServiceError::Conflict(
                    "A later month's fee is already charged; end the subscription after it.".into(),
                ));
            }
        }
        let label = last_month.to_string();
        rows::end_subscription(c, id, &label)?;
        let changes = Changes::new().field("last_month", &row.last_month, &Some(label.clone()));
        audit::record(
            c,
            by,
            "subscription.end",
            "customer",
            Some(row.customer_id),
            changes,
        )?;
        let row = rows::find_subscription(c, id)?;
        to_subscription(c, row)
    })
}

// --- The month's plan charges -----------------------------------------------------------------

/// A month as a number (the plan fee's revision): one fee per subscription and month.
fn month_index(month: LocalMonth) -> i32 {
    month.year() * 12 + i32::try_from(month.month()).unwrap_or(1) - 1
}

fn last_day_of(month: LocalMonth) -> NaiveDate {
    let first = month.first_day();
    month.next().first_day().pred_opt().unwrap_or(first)
}

/// Writes every running subscription's plan charges for `month` (once each: a re-run writes
/// only what new usage calls for). Returns how many charges were written.
pub fn write_month_charges(conn: &mut DbConn, month: LocalMonth) -> Result<usize, ServiceError> {
    let running = rows::running_in(conn, &month.to_string())?;
    let mut written = 0;
    for subscription in running {
        written += write_tx(conn, |c| subscription_charges(c, &subscription, month))?;
    }
    Ok(written)
}

/// One charge to write for a plan.
struct PlanLine<'a> {
    kind: &'a str,
    source_type: &'a str,
    source_id: i64,
    revision: i32,
    date: NaiveDate,
    description: String,
    quantity: i64,
    unit_price_cents: i64,
    vat_category: &'a str,
    machine_category_id: Option<i64>,
}

fn subscription_charges(
    c: &mut DbConn,
    subscription: &SubscriptionRow,
    month: LocalMonth,
) -> Result<usize, ServiceError> {
    let plan = rows::find_plan(c, subscription.plan_id)?;
    let included = rows::included(c, &[plan.id])?;
    let customer = account_rows::find_customer(c, CustomerId::new(subscription.customer_id))?;
    let (from, to) = (month.first_day(), last_day_of(month));
    let mut lines = Vec::new();
    if plan.monthly_fee_cents > 0 {
        lines.push(PlanLine {
            kind: "plan_fee",
            source_type: "subscription",
            source_id: subscription.id,
            revision: month_index(month),
            date: from,
            description: format!("{} plan, {}", plan.name, from.format("%B %Y")),
            quantity: 1,
            unit_price_cents: plan.monthly_fee_cents,
            vat_category: "standard",
            machine_category_id: None,
        });
    }
    let time = rows::time_charges(c, customer.id.get(), from, to)?;
    let reversed = rows::reversed(c, customer.id.get(), from, to)?;
    let is_reversed = |source: &str, id: i64, revision: i32| {
        reversed.contains(&(source.to_string(), id, revision))
    };
    let live = |t: &TimeCharge| !is_reversed(&t.source_type, t.source_id, t.revision);
    // What the plan already wrote against each charge: (deduction, discount) amounts.
    let mut deducted: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut discounted: HashMap<i64, i64> = HashMap::new();
    for written in rows::plan_charges(c, customer.id.get(), from, to)? {
        match (written.source_type.as_str(), written.kind.as_str()) {
            ("included_hours", "included_hours") => {
                let net = line_net(
                    Quantity::Minutes(written.quantity),
                    Money::from_cents(written.unit_price_cents),
                );
                deducted.insert(written.source_id, (written.quantity, net.cents()));
            }
            ("discount", "discount") => {
                discounted.insert(written.source_id, written.unit_price_cents);
            }
            _ => {}
        }
    }
    // A charge reversed since: its deduction and discount are reversed too, freeing the hours.
    for charge in time.iter().filter(|t| !live(t)) {
        if let Some((_, net)) = deducted.get(&charge.id) {
            if !is_reversed("included_hours", charge.id, 0) {
                lines.push(reversal("included_hours", charge, -net));
            }
        }
        if let Some(amount) = discounted.get(&charge.id) {
            if !is_reversed("discount", charge.id, 0) {
                lines.push(reversal("discount", charge, -amount));
            }
        }
    }
    // Included hours, category by category, in time order.
    let mut new_deductions: HashMap<i64, i64> = HashMap::new();
    for (_, category, category_name, allowance) in &included {
        let in_category = |t: &&TimeCharge| {
            t.kind == "usage" && t.machine_category_id == Some(*category) && live(t)
        };
        let used: i64 = time
            .iter()
            .filter(in_category)
            .filter_map(|t| deducted.get(&t.id).map(|(minutes, _)| *minutes))
            .sum();
        let open: Vec<&TimeCharge> = time
            .iter()
            .filter(in_category)
            .filter(|t| !deducted.contains_key(&t.id) && !discounted.contains_key(&t.id))
            .collect();
        let minutes: Vec<i64> = open.iter().map(|t| t.quantity).collect();
        let taken = allocate_included(i64::from(*allowance) - used, &minutes);
        for (charge, take) in open.iter().zip(taken) {
            if take == 0 {
                continue;
            }
            let price = -charge.unit_price_cents;
            let net = line_net(Quantity::Minutes(take), Money::from_cents(price));
            new_deductions.insert(charge.id, net.cents());
            lines.push(PlanLine {
                kind: "included_hours",
                source_type: "included_hours",
                source_id: charge.id,
                revision: 0,
                date: charge.service_date,
                description: format!(
                    "Included in the {} plan ({category_name}): {}",
                    plan.name, charge.description
                ),
                quantity: take,
                unit_price_cents: price,
                vat_category: &charge.vat_category,
                machine_category_id: Some(*category),
            });
        }
    }
    // The discount on what is still billed of each machine and tutor line.
    if plan.discount_percent > 0 {
        for charge in time
            .iter()
            .filter(|t| live(t) && !discounted.contains_key(&t.id))
        {
            let net = line_net(
                Quantity::of_charge(&charge.kind, charge.quantity),
                Money::from_cents(charge.unit_price_cents),
            );
            let included = deducted
                .get(&charge.id)
                .map(|(_, net)| *net)
                .or_else(|| new_deductions.get(&charge.id).copied())
                .unwrap_or(0);
            let discount = discount_on(net + Money::from_cents(included), plan.discount_percent);
            if discount == Money::ZERO {
                continue;
            }
            lines.push(PlanLine {
                kind: "discount",
                source_type: "discount",
                source_id: charge.id,
                revision: 0,
                date: charge.service_date,
                description: format!(
                    "{} % {} plan discount: {}",
                    plan.discount_percent, plan.name, charge.description
                ),
                quantity: 1,
                unit_price_cents: discount.cents(),
                vat_category: &charge.vat_category,
                machine_category_id: charge.machine_category_id,
            });
        }
    }
    let at = timestamp(now());
    let mut written = 0;
    for line in &lines {
        let wrote = insert_charge_once(
            c,
            &NewChargeRow {
                customer_id: customer.id.get(),
                user_id: None,
                kind: line.kind,
                source_type: line.source_type,
                source_id: line.source_id,
                revision: line.revision,
                service_date: line.date,
                description: &line.description,
                quantity: line.quantity,
                unit_price_cents: line.unit_price_cents,
                price_category: customer.price_category.as_str(),
                vat_category: line.vat_category,
                machine_category_id: line.machine_category_id,
                created_at: at,
            },
        )?;
        written += usize::from(wrote);
    }
    Ok(written)
}

/// Takes back what a plan wrote against a charge that was reversed since.
fn reversal<'a>(source_type: &'a str, charge: &'a TimeCharge, amount_cents: i64) -> PlanLine<'a> {
    PlanLine {
        kind: "reversal",
        source_type,
        source_id: charge.id,
        revision: 0,
        date: charge.service_date,
        description: format!("Reversed plan {source_type}: {}", charge.description),
        quantity: 1,
        unit_price_cents: amount_cents,
        vat_category: &charge.vat_category,
        machine_category_id: charge.machine_category_id,
    }
}
