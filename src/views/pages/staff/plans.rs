//! Staff: the membership plans with a form to define one, and a customer's "Plan" section — their
//! subscriptions, a form to subscribe them from a month on, and one to end an open subscription.
use maud::{html, Markup};

use super::FormError;
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

/// A plan as listed, every value in words.
pub struct PlanLine {
    pub name: String,
    pub monthly_fee: String,
    pub discount_percent: i32,
    /// (machine category, hours a month).
    pub included: Vec<(String, String)>,
    pub active: bool,
}

/// One machine category's included hours as typed, with its problem if it has one.
#[derive(Debug, Clone, Default)]
pub struct HoursField {
    pub category_id: i64,
    pub category: String,
    pub hours: String,
    pub error: Option<String>,
}

/// The new plan form's values as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanFields {
    pub name: String,
    pub monthly_fee: String,
    pub discount_percent: String,
    /// One per machine category, in the categories' order.
    pub hours: Vec<HoursField>,
}

pub struct PlansPage<'a> {
    pub plans: &'a [PlanLine],
    pub fields: &'a PlanFields,
    pub notice: Option<&'a str>,
    pub error: Option<&'a FormError>,
}

pub fn page(chrome: &Chrome<'_>, data: &PlansPage<'_>) -> Markup {
    layout::page(
        chrome,
        "Membership plans",
        html! {
            h1 { "Membership plans" }
            (notice(data.notice))
            p.muted { "Customers are subscribed to a plan from their page under Customers." }
            (plans_table(data.plans))
            (new_plan_form(chrome.csrf, data))
        },
    )
}

fn plans_table(plans: &[PlanLine]) -> Markup {
    html! {
        section {
            h2 #plans { "Plans" }
            @if plans.is_empty() {
                p.muted { "No plans yet." }
            } @else {
                table.responsive aria-labelledby="plans" {
                    thead {
                        tr {
                            th scope="col" { "Name" }
                            th scope="col" { "Monthly fee" }
                            th scope="col" { "Discount on machine and tutor hours" }
                            th scope="col" { "Included each month" }
                            th scope="col" { "Active" }
                        }
                    }
                    tbody {
                        @for plan in plans {
                            tr {
                                th scope="row" data-label="Name" { (plan.name) }
                                td.num data-label="Monthly fee" { (plan.monthly_fee) }
                                td.num data-label="Discount" { (plan.discount_percent) " %" }
                                td data-label="Included each month" {
                                    @if plan.included.is_empty() {
                                        "—"
                                    } @else {
                                        ul {
                                            @for (category, hours) in &plan.included {
                                                li { (category) ": " (hours) " h" }
                                            }
                                        }
                                    }
                                }
                                td data-label="Active" { @if plan.active { "yes" } @else { "no" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn new_plan_form(csrf: &str, data: &PlansPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.error, field);
    let fields = data.fields;
    html! {
        section {
            h2 #new-plan { "New plan" }
            (error_summary(data.error.map(|e| e.message.as_str())))
            form.stack method="post" action="/staff/plans" {
                (csrf_field(csrf))
                (text_field("Name", "name", "text", &fields.name, on("name")))
                (text_field("Monthly fee, € without VAT", "monthly_fee", "text", &fields.monthly_fee, on("monthly_fee")))
                (text_field("Discount on machine and tutor hours, % (empty: none)", "discount_percent", "number", &fields.discount_percent, on("discount_percent")))
                @if fields.hours.is_empty() {
                    p.muted { "Plans can include hours once machine categories exist (under Machines & hours)." }
                } @else {
                    fieldset {
                        legend { "Hours included each month, per machine category (optional, like 2.5)" }
                        @for field in &fields.hours {
                            (hours_input(field))
                        }
                    }
                }
                button type="submit" { "Create the plan" }
            }
        }
    }
}

/// A category's hours input: its name is `hours_{category id}`, so the form needs no JavaScript.
fn hours_input(field: &HoursField) -> Markup {
    let name = format!("hours_{}", field.category_id);
    let id = format!("f-{name}");
    let error_id = format!("{id}-error");
    let error = field.error.as_deref();
    html! {
        label for=(id) {
            (field.category)
            input id=(id) name=(name) type="text" inputmode="decimal" value=(field.hours)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(error) = error {
                span.field-error id=(error_id) { (error) }
            }
        }
    }
}

// --- A customer's plan --------------------------------------------------------------------------

/// A subscription as listed on the customer's page.
pub struct SubscriptionLine {
    pub id: i64,
    pub plan: String,
    pub first_month: String,
    /// `None` while it runs on.
    pub last_month: Option<String>,
}

/// The subscribe form's values as typed.
#[derive(Debug, Clone, Default)]
pub struct SubscribeFields {
    pub plan_id: String,
    pub first_month: String,
}

/// The "End after month" form of one subscription as typed.
#[derive(Debug, Clone)]
pub struct EndFields {
    pub subscription_id: i64,
    pub last_month: String,
}

/// Everything the customer's "Plan" section shows.
pub struct CustomerPlans {
    pub customer_id: i64,
    pub subscriptions: Vec<SubscriptionLine>,
    /// `(id, name)` of the plans on offer.
    pub offered: Vec<(String, String)>,
    pub subscribe: SubscribeFields,
    pub subscribe_error: Option<FormError>,
    /// The month an end form offers unless one was typed.
    pub default_last_month: String,
    /// An end form as typed, with its problem.
    pub end: Option<(EndFields, FormError)>,
}

pub fn customer_section(csrf: &str, data: &CustomerPlans) -> Markup {
    let base = format!("/staff/customers/{}/subscriptions", data.customer_id);
    html! {
        section {
            h2 #plan { "Plan" }
            @if data.subscriptions.is_empty() {
                p.muted { "No plan so far." }
            } @else {
                table.responsive aria-labelledby="plan" {
                    thead {
                        tr {
                            th scope="col" { "Plan" }
                            th scope="col" { "From" }
                            th scope="col" { "Until" }
                        }
                    }
                    tbody {
                        @for line in &data.subscriptions {
                            tr id={ "subscription-" (line.id) } {
                                th scope="row" data-label="Plan" { (line.plan) }
                                td data-label="From" { (line.first_month) }
                                td data-label="Until" { (line.last_month.as_deref().unwrap_or("open")) }
                            }
                        }
                    }
                }
            }
            @for line in data.subscriptions.iter().filter(|s| s.last_month.is_none()) {
                (end_form(csrf, &base, line, data))
            }
            (subscribe_form(csrf, &base, data))
        }
    }
}

fn end_form(csrf: &str, base: &str, line: &SubscriptionLine, data: &CustomerPlans) -> Markup {
    let refused = data
        .end
        .as_ref()
        .filter(|(fields, _)| fields.subscription_id == line.id);
    let value = refused.map_or(data.default_last_month.as_str(), |(f, _)| &f.last_month);
    let error = refused.map(|(_, e)| e.message.as_str());
    let id = format!("f-last_month-{}", line.id);
    let error_id = format!("{id}-error");
    html! {
        h3 { "End the " (line.plan) " plan" }
        (error_summary(error))
        form.stack method="post" action={ (base) "/" (line.id) "/end" } {
            (csrf_field(csrf))
            label for=(id) {
                "End after month (YYYY-MM; the plan still covers it)"
                input id=(id) name="last_month" type="month" value=(value)
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| error_id.as_str())];
                @if let Some(error) = error {
                    span.field-error id=(error_id) { (error) }
                }
            }
            button type="submit" { "End the plan" }
        }
    }
}

fn subscribe_form(csrf: &str, base: &str, data: &CustomerPlans) -> Markup {
    let on = |field| FormError::for_field(data.subscribe_error.as_ref(), field);
    let choices: Vec<(&str, &str)> = std::iter::once(("", "Choose a plan"))
        .chain(data.offered.iter().map(|(v, l)| (v.as_str(), l.as_str())))
        .collect();
    html! {
        h3 #subscribe { "Subscribe" }
        (error_summary(data.subscribe_error.as_ref().map(|e| e.message.as_str())))
        @if data.offered.is_empty() {
            p.muted { "No plan is on offer; define one under " a href="/staff/plans" { "Plans" } "." }
        } @else {
            form.stack method="post" action=(base) {
                (csrf_field(csrf))
                (select_field("Plan", "plan_id", &choices, &data.subscribe.plan_id))
                @if let Some(error) = on("plan_id") {
                    span.field-error { (error) }
                }
                (text_field("First month (YYYY-MM)", "first_month", "month", &data.subscribe.first_month, on("first_month")))
                button type="submit" { "Subscribe" }
            }
        }
    }
}
