//! Staff: membership plans — the list and a form to define one (fee, discount, hours included per
//! machine category) — and, on a customer's page, subscribing them from a month on and ending a
//! subscription after a month. Refusals (a duplicate name, a plan already running, an end before
//! the start) come back inline with their status and change nothing.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::customer::{self, Shown};
use super::{sentence, Flash};
use crate::db::DbConn;
use crate::domain::billing::hours;
use crate::domain::plans::{parse_discount, parse_plan_name};
use crate::domain::{CustomerId, LocalMonth, Money, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::web::bookings::euros;
use crate::http::web::training::Pairs;
use crate::http::web::{chrome, form_refusal, html, refusal, see_other};
use crate::http::{AppError, AppState};
use crate::services::plans::{self, NewPlan, Plan, Subscription};
use crate::services::resources::{self, Category};
use crate::services::{now, By, ServiceError};
use crate::views::pages::staff::plans::{
    self as view, CustomerPlans, EndFields, HoursField, PlanFields, PlanLine, PlansPage,
    SubscribeFields, SubscriptionLine,
};
use crate::views::pages::staff::FormError;

/// The most a plan may include in one category: a month's worth of hours (as the service).
const MAX_MINUTES: i32 = 744 * 60;

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "created" => Some("The plan was created."),
        _ => None,
    }
}

/// Minutes as hours for people: `240` → `4`, `150` → `2.5`, `100` → `1.67`.
fn hours_label(minutes: i32) -> String {
    hours(i64::from(minutes))
        .round_dp(2)
        .normalize()
        .to_string()
}

/// Hours typed as a decimal (`4`, `2.5`, `0.75`) as whole minutes; empty or zero is none.
fn parse_hours(text: &str) -> Result<Option<i32>, String> {
    let typed = text.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    if typed.starts_with('-') {
        return Err("Included hours cannot be negative.".into());
    }
    let not_hours = || format!("'{typed}' is not a number of hours; write it like 2.5.");
    // Digits and one dot only: no exponents, separators or signs for the parser to guess at.
    if !typed.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(not_hours());
    }
    let minutes = typed.parse::<Decimal>().map_err(|_| not_hours())? * Decimal::from(60);
    if !minutes.fract().is_zero() {
        return Err(format!(
            "{typed} h is not a whole number of minutes; write it like 2.5 or 1.25."
        ));
    }
    match minutes.to_i32() {
        Some(0) => Ok(None),
        Some(m) if m <= MAX_MINUTES => Ok(Some(m)),
        _ => Err("At most 744 hours (a month's) can be included.".into()),
    }
}

/// The new plan form as typed, with one hours field per machine category.
fn plan_fields(form: &Pairs, categories: &[Category]) -> PlanFields {
    PlanFields {
        name: form.one("name"),
        monthly_fee: form.one("monthly_fee"),
        discount_percent: form.one("discount_percent"),
        hours: categories
            .iter()
            .map(|c| HoursField {
                category_id: c.id.get(),
                category: c.name.clone(),
                hours: form.one(&format!("hours_{}", c.id.get())),
                error: None,
            })
            .collect(),
    }
}

/// The plan the fields describe. A bad hours field gets its message next to it as well.
fn parse_plan(fields: &mut PlanFields) -> Result<NewPlan, FormError> {
    let name = parse_plan_name(&fields.name).map_err(|e| FormError::on("name", e.0))?;
    let fee = Money::parse(&fields.monthly_fee)
        .map_err(|e| FormError::on("monthly_fee", sentence(&e.to_string())))?;
    if fee < Money::ZERO {
        return Err(FormError::on(
            "monthly_fee",
            "The monthly fee cannot be negative.",
        ));
    }
    let discount = match fields.discount_percent.trim() {
        "" => 0,
        typed => typed.parse::<i32>().map_err(|_| {
            FormError::on(
                "discount_percent",
                format!("'{typed}' is not a whole percent."),
            )
        })?,
    };
    let discount = parse_discount(discount).map_err(|e| FormError::on("discount_percent", e.0))?;
    let mut included = Vec::new();
    for field in &mut fields.hours {
        match parse_hours(&field.hours) {
            Ok(Some(minutes)) => included.push((field.category_id, minutes)),
            Ok(None) => {}
            Err(message) => {
                let summary = format!("{}: {message}", field.category);
                field.error = Some(message);
                return Err(FormError::general(summary));
            }
        }
    }
    Ok(NewPlan {
        name,
        monthly_fee: fee,
        discount_percent: discount,
        included,
    })
}

fn plan_line(plan: Plan) -> PlanLine {
    PlanLine {
        name: plan.name,
        monthly_fee: euros(plan.monthly_fee),
        discount_percent: plan.discount_percent,
        included: plan
            .included
            .into_iter()
            .map(|i| (i.category, hours_label(i.minutes)))
            .collect(),
        active: plan.active,
    }
}

async fn render_plans(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    shown: Option<(PlanFields, FormError)>,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (list, categories) = state
        .db(|c| -> Result<_, ServiceError> {
            Ok((plans::list_plans(c)?, resources::categories(c)?))
        })
        .await?;
    let lines: Vec<PlanLine> = list.into_iter().map(plan_line).collect();
    let (fields, error) = match shown {
        Some((fields, error)) => (fields, Some(error)),
        None => (plan_fields(&Pairs(Vec::new()), &categories), None),
    };
    let data = PlansPage {
        plans: &lines,
        fields: &fields,
        notice,
        error: error.as_ref(),
    };
    Ok(html(status, view::page(&chrome(Some(user), csrf), &data)))
}

pub async fn list(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let notice = notice_for(flash.done.as_deref());
    render_plans(&state, &user, &csrf, None, notice, StatusCode::OK).await
}

pub async fn create(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let categories = state.db(resources::categories).await?;
    let mut fields = plan_fields(&Pairs(form), &categories);
    let (status, error) = match parse_plan(&mut fields) {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(plan) => {
            let by = user.by();
            match state.db(move |c| plans::create_plan(c, &by, &plan)).await {
                Ok(_) => return Ok(see_other("/staff/plans?done=created")),
                // The only conflict is the name: show it there.
                Err(error) => match refusal(error)? {
                    (StatusCode::CONFLICT, message) => {
                        (StatusCode::CONFLICT, FormError::on("name", message))
                    }
                    (status, message) => (status, FormError::general(message)),
                },
            }
        }
    };
    let shown = Some((fields, error));
    render_plans(&state, &user, &csrf, shown, None, status).await
}

// --- A customer's plan --------------------------------------------------------------------------

/// The plan forms of a customer's page as shown after a refusal (or their defaults).
#[derive(Default)]
pub(super) struct PlanForms {
    subscribe: Option<(SubscribeFields, FormError)>,
    end: Option<(EndFields, FormError)>,
}

/// This month on the workshop's wall clock.
fn this_month(tz: WorkshopTz) -> LocalMonth {
    LocalMonth::of(tz.local_date(now()))
}

fn parse_month(text: &str) -> Result<LocalMonth, String> {
    LocalMonth::parse(text.trim()).map_err(|e| sentence(&e.to_string()))
}

/// The customer page's "Plan" section: their subscriptions, the plans on offer and the forms.
pub(super) fn customer_plans(
    tz: WorkshopTz,
    customer: CustomerId,
    subscriptions: Vec<Subscription>,
    plans: Vec<Plan>,
    forms: PlanForms,
) -> CustomerPlans {
    let month = this_month(tz).to_string();
    let (subscribe, subscribe_error) = match forms.subscribe {
        Some((fields, error)) => (fields, Some(error)),
        None => (
            SubscribeFields {
                plan_id: String::new(),
                first_month: month.clone(),
            },
            None,
        ),
    };
    CustomerPlans {
        customer_id: customer.get(),
        subscriptions: subscriptions
            .into_iter()
            .map(|s| SubscriptionLine {
                id: s.id,
                plan: s.plan,
                first_month: s.first_month,
                last_month: s.last_month,
            })
            .collect(),
        offered: plans
            .into_iter()
            .filter(|p| p.active)
            .map(|p| (p.id.to_string(), p.name))
            .collect(),
        subscribe,
        subscribe_error,
        default_last_month: month,
        end: forms.end,
    }
}

#[derive(Deserialize)]
pub struct SubscribeForm {
    #[serde(default)]
    plan_id: String,
    #[serde(default)]
    first_month: String,
}

fn parse_subscription(form: &SubscribeForm) -> Result<(i64, LocalMonth), FormError> {
    let plan = form
        .plan_id
        .trim()
        .parse()
        .map_err(|_| FormError::on("plan_id", "Choose a plan."))?;
    let first = parse_month(&form.first_month).map_err(|m| FormError::on("first_month", m))?;
    Ok((plan, first))
}

fn after(customer: CustomerId, done: &str) -> HttpResponse {
    see_other(&format!("/staff/customers/{customer}?done={done}#plan"))
}

pub async fn subscribe(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<SubscribeForm>,
) -> Result<HttpResponse, AppError> {
    let customer = CustomerId::new(path.into_inner());
    let (status, error) = match parse_subscription(&form) {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok((plan, first)) => {
            let by = user.by();
            match state
                .db(move |c| plans::subscribe(c, &by, customer, plan, first))
                .await
            {
                Ok(_) => return Ok(after(customer, "subscribed")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let fields = SubscribeFields {
        plan_id: form.plan_id,
        first_month: form.first_month,
    };
    let shown = Shown {
        plan: PlanForms {
            subscribe: Some((fields, error)),
            ..PlanForms::default()
        },
        ..Shown::default()
    };
    customer::render(&state, &user, &csrf, customer, shown, status).await
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    last_month: String,
}

/// Refuses a subscription of another customer as if it did not exist.
fn of_customer(
    c: &mut DbConn,
    by: &By,
    customer: CustomerId,
    subscription: i64,
) -> Result<(), ServiceError> {
    if plans::subscriptions(c, by, customer)?
        .iter()
        .any(|s| s.id == subscription)
    {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

pub async fn end(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<EndForm>,
) -> Result<HttpResponse, AppError> {
    let (customer, subscription) = path.into_inner();
    let customer = CustomerId::new(customer);
    let by = user.by();
    let (status, error) = match parse_month(&form.last_month) {
        Err(message) => {
            // Someone else's subscription is a 404 whatever was typed.
            state
                .db(move |c| of_customer(c, &by, customer, subscription))
                .await?;
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                FormError::on("last_month", message),
            )
        }
        Ok(last) => {
            match state
                .db(move |c| {
                    of_customer(c, &by, customer, subscription)?;
                    plans::unsubscribe(c, &by, subscription, last)
                })
                .await
            {
                Ok(_) => return Ok(after(customer, "ended")),
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let fields = EndFields {
        subscription_id: subscription,
        last_month: form.last_month,
    };
    let shown = Shown {
        plan: PlanForms {
            end: Some((fields, error)),
            ..PlanForms::default()
        },
        ..Shown::default()
    };
    customer::render(&state, &user, &csrf, customer, shown, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_become_whole_minutes() {
        assert_eq!(parse_hours("4"), Ok(Some(240)));
        assert_eq!(parse_hours(" 2.5 "), Ok(Some(150)));
        assert_eq!(parse_hours("0.75"), Ok(Some(45)));
        assert_eq!(parse_hours(""), Ok(None));
        assert_eq!(parse_hours("0"), Ok(None));
        assert_eq!(parse_hours("744"), Ok(Some(744 * 60)));
        for bad in ["-1", "2,5", "1e3", "abc", "1.2.3", "0.001", "745", "1_000"] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn minutes_read_as_hours() {
        assert_eq!(hours_label(240), "4");
        assert_eq!(hours_label(150), "2.5");
        assert_eq!(hours_label(100), "1.67");
    }

    fn fields(fee: &str, discount: &str, hours: &str) -> PlanFields {
        PlanFields {
            name: "Maker".into(),
            monthly_fee: fee.into(),
            discount_percent: discount.into(),
            hours: vec![HoursField {
                category_id: 7,
                category: "Laser".into(),
                hours: hours.into(),
                error: None,
            }],
        }
    }

    #[test]
    fn the_plan_form_names_the_wrong_field() {
        let plan = parse_plan(&mut fields("35", "", "2.5")).expect("valid");
        assert_eq!(plan.monthly_fee, Money::from_cents(3500));
        assert_eq!((plan.discount_percent, plan.included), (0, vec![(7, 150)]));
        let field = |mut f: PlanFields| parse_plan(&mut f).err().and_then(|e| e.field);
        assert_eq!(field(fields("35", "101", "")), Some("discount_percent"));
        assert_eq!(field(fields("35", "ten", "")), Some("discount_percent"));
        assert_eq!(field(fields("-1", "", "")), Some("monthly_fee"));
        assert_eq!(field(fields("", "", "")), Some("monthly_fee"));
        let mut bad_hours = fields("35", "10", "x");
        let error = parse_plan(&mut bad_hours).expect_err("refused");
        assert!(error.message.starts_with("Laser: "), "{}", error.message);
        assert!(bad_hours.hours[0].error.is_some());
    }
}
