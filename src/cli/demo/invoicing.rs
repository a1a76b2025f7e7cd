//! The demo's invoicing: two membership plans with subscribers, last month's run, and what staff
//! did with it, through the services as the system "demo".
//!
//! - Plans: "Maker" (35.00 a month, 4 h of laser cutting included, 10 % off machine and tutor
//!   hours) for Marta Vidal, and "Taller" (90.00, 10 h of laser and 6 h of 3D printing included,
//!   15 % off) for Fusteria Roure SL, both from last month, so last month's invoices show the fee,
//!   the included hours used up in time order and the discounts.
//! - Last month is drafted and every draft issued but Disseny Km Zero's, which waits for review
//!   with a note; each issued invoice is mailed with its PDF (to `.eml` files without SMTP).
//! - Marta paid in full by transfer, Fusteria Roure paid part by card, the rest are unpaid.
//! - Joieria Lluna's first line is partly credited: a credit note of the R series.
//!
//! Idempotent: plans are found by name, a customer with a subscription is left alone, the month
//! is drafted only if it has no invoice yet, the draft's note is written once, only an invoice
//! without payments gets one, and only an invoice without a credit note is credited.
use chrono::Duration;

use crate::config::Settings;
use crate::db::DbConn;
use crate::domain::{CustomerId, Email, InvoiceId, LocalMonth, Money};
use crate::services::invoicing::{self, Context, CreditLine, CreditRequest, ListQuery, NewPayment};
use crate::services::plans::{self, NewPlan};
use crate::services::{accounts, By, ServiceError};

const BY: By = By::System("demo");
const DOMAIN: &str = "demo.obrador.example";

/// (name, monthly fee in cents, discount %, [(category, hours)]).
type PlanSpec = (&'static str, i64, i32, &'static [(&'static str, i32)]);

const PLANS: [PlanSpec; 2] = [
    ("Maker", 3500, 10, &[("Laser cutters", 4)]),
    (
        "Taller",
        9000,
        15,
        &[("Laser cutters", 10), ("3D printers", 6)],
    ),
];

/// The invoice left as a draft for staff to review.
const LEFT_AS_DRAFT: &str = "Disseny Km Zero SL";

#[derive(Default)]
pub struct Summary {
    pub month: String,
    pub plans: usize,
    pub subscriptions: usize,
    pub drafts: usize,
    pub issued: usize,
    pub payments: usize,
    pub credit_notes: usize,
}

impl Summary {
    pub fn is_empty(&self) -> bool {
        self.plans + self.subscriptions + self.issued + self.payments + self.credit_notes == 0
    }
}

pub fn load(conn: &mut DbConn, settings: &Settings) -> Result<Summary, ServiceError> {
    let ctx = Context::from_settings(settings)?;
    let today = ctx.tz.local_date(crate::services::now());
    let this_month = LocalMonth::of(today);
    let last_month = LocalMonth::of(this_month.first_day() - Duration::days(1));
    let mut summary = Summary {
        month: last_month.to_string(),
        ..Summary::default()
    };
    let plan_ids = ensure_plans(conn, &mut summary)?;
    let marta = member_account(conn, "marta.vidal")?;
    let fusteria = business_account(conn, "Fusteria Roure SL")?;
    for (customer, plan) in [(marta, plan_ids[0]), (fusteria, plan_ids[1])] {
        if plans::subscriptions(conn, &BY, customer)?.is_empty() {
            plans::subscribe(conn, &BY, customer, plan, last_month)?;
            summary.subscriptions += 1;
        }
    }

    let left = business_account(conn, LEFT_AS_DRAFT)?;
    let month_query = ListQuery {
        month: Some(last_month),
        ..ListQuery::default()
    };
    // Drafted once: a second demo run leaves the month (and its audit trail) as it is.
    if invoicing::list(conn, &ctx, &BY, &month_query)?.is_empty() {
        invoicing::run_month(conn, &ctx, &BY, last_month, &mut |_, _| {})?;
    }
    for draft in invoicing::list(conn, &ctx, &BY, &month_query)?
        .into_iter()
        .filter(|i| i.status == "draft")
    {
        if draft.customer_id == left {
            if !draft.notes.is_empty() {
                continue;
            }
            invoicing::set_notes(
                conn,
                &BY,
                draft.id,
                "Check the CNC hours against the job sheet before issuing.",
            )?;
            summary.drafts += 1;
        } else {
            invoicing::issue(conn, &ctx, &BY, draft.id)?;
            summary.issued += 1;
        }
    }

    let issued: Vec<_> = invoicing::list(conn, &ctx, &BY, &month_query)?
        .into_iter()
        .filter(|i| i.status == "issued" && i.corrects.is_none())
        .collect();
    let invoice_of = |customer: CustomerId| issued.iter().find(|i| i.customer_id == customer);
    let payments = [
        (marta, None, "transfer", "TRF 2291"),
        (
            fusteria,
            Some(Money::from_cents(10_000)),
            "card",
            "TPV 0412",
        ),
    ];
    for (customer, amount, method, reference) in payments {
        let Some(invoice) = invoice_of(customer) else {
            continue;
        };
        let so_far = invoicing::payments(conn, &ctx, &BY, invoice.id)?;
        if !so_far.payments.is_empty() || so_far.outstanding <= Money::ZERO {
            continue;
        }
        let amount = amount.unwrap_or(so_far.outstanding).min(so_far.outstanding);
        invoicing::record_payment(
            conn,
            &ctx,
            &BY,
            invoice.id,
            &NewPayment {
                paid_on: today,
                amount,
                method: method.into(),
                reference: reference.into(),
            },
        )?;
        summary.payments += 1;
    }

    let lluna = business_account(conn, "Joieria Lluna SCP")?;
    if let Some(invoice) = invoice_of(lluna) {
        let credited = invoicing::payments(conn, &ctx, &BY, invoice.id)?.credited;
        if credited == Money::ZERO {
            summary.credit_notes += credit_first_line(conn, &ctx, invoice.id)?;
        }
    }
    Ok(summary)
}

/// Credits half of the invoice's first line (at least one unit of it).
fn credit_first_line(
    conn: &mut DbConn,
    ctx: &Context,
    invoice: InvoiceId,
) -> Result<usize, ServiceError> {
    let full = invoicing::get(conn, &BY, invoice)?;
    let Some(line) = full.lines.first() else {
        return Ok(0);
    };
    let quantity = match line.quantity {
        crate::domain::invoice::Quantity::Minutes(m) => (m / 2).max(1),
        crate::domain::invoice::Quantity::Count(n) => n.max(1),
    };
    invoicing::credit_note(
        conn,
        ctx,
        &BY,
        invoice,
        &CreditRequest {
            reason: "The laser lost focus halfway through the job; half of it is not charged."
                .into(),
            lines: vec![CreditLine {
                line_id: line.id,
                quantity: Some(quantity),
            }],
        },
    )?;
    Ok(1)
}

fn ensure_plans(conn: &mut DbConn, summary: &mut Summary) -> Result<Vec<i64>, ServiceError> {
    let categories = crate::services::resources::categories(conn)?;
    let mut ids = Vec::new();
    for (name, fee, discount, included) in PLANS {
        if let Some(found) = plans::list_plans(conn)?
            .into_iter()
            .find(|p| p.name == name)
        {
            ids.push(found.id);
            continue;
        }
        let included = included
            .iter()
            .filter_map(|(category, hours)| {
                categories
                    .iter()
                    .find(|c| c.name == *category)
                    .map(|c| (c.id.get(), hours * 60))
            })
            .collect();
        let made = plans::create_plan(
            conn,
            &BY,
            &NewPlan {
                name: name.into(),
                monthly_fee: Money::from_cents(fee),
                discount_percent: discount,
                included,
            },
        )?;
        summary.plans += 1;
        ids.push(made.id);
    }
    Ok(ids)
}

fn member_account(conn: &mut DbConn, local_part: &str) -> Result<CustomerId, ServiceError> {
    let email = Email::parse(&format!("{local_part}@{DOMAIN}"))?;
    accounts::user_by_email(conn, &email)?
        .map(|u| u.customer_id)
        .ok_or(ServiceError::NotFound)
}

fn business_account(conn: &mut DbConn, legal_name: &str) -> Result<CustomerId, ServiceError> {
    accounts::customers(conn, &BY, Some(legal_name))?
        .into_iter()
        .find(|c| c.legal_name == legal_name)
        .map(|c| c.id)
        .ok_or(ServiceError::NotFound)
}
