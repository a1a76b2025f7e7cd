//! Billing fixtures: charges written straight into the ledger, the month's run and issuing over
//! the API.
use chrono::{Datelike, Utc};
use obrador::db::bookings::{insert_charge_once, NewChargeRow};
use obrador::db::DbConn;
use obrador::domain::{CustomerId, LocalMonth, WorkshopTz};
use reqwest::Method;
use serde_json::{json, Value};

use super::TestApp;

/// The current month in the workshop's time zone.
pub fn this_month() -> LocalMonth {
    LocalMonth::of(WorkshopTz::DEFAULT.local_date(Utc::now()))
}

/// A ledger charge of this month for a customer; adjust it before it is written.
pub struct Charge {
    pub customer: CustomerId,
    pub source: i64,
    pub kind: &'static str,
    pub quantity: i64,
    pub unit_cents: i64,
    pub day: u32,
    pub vat_category: &'static str,
    pub category: Option<i64>,
    pub description: &'static str,
}

impl Charge {
    pub fn new(customer: CustomerId, source: i64, kind: &'static str) -> Charge {
        Charge {
            customer,
            source,
            kind,
            quantity: 60,
            unit_cents: 2000,
            day: 1,
            vat_category: "standard",
            category: None,
            description: "Laser cutter, test",
        }
    }

    /// Writes it (once: its source is unique per test).
    pub fn write(&self, conn: &mut DbConn) {
        let first = this_month().first_day();
        let row = NewChargeRow {
            customer_id: self.customer.get(),
            user_id: None,
            kind: self.kind,
            source_type: "test",
            source_id: self.source,
            revision: 0,
            service_date: first.with_day0(self.day.saturating_sub(1)).unwrap_or(first),
            description: self.description,
            quantity: self.quantity,
            unit_price_cents: self.unit_cents,
            price_category: "member",
            vat_category: self.vat_category,
            machine_category_id: self.category,
            created_at: Utc::now().naive_utc(),
        };
        assert!(insert_charge_once(conn, &row).expect("charge"));
    }
}

/// A charge of this month's first day for `customer`: `kind` with `quantity` at `unit_cents`.
pub fn charge(
    conn: &mut DbConn,
    customer: CustomerId,
    source: i64,
    kind: &'static str,
    quantity: i64,
    unit_cents: i64,
) {
    Charge {
        quantity,
        unit_cents,
        ..Charge::new(customer, source, kind)
    }
    .write(conn);
}

pub async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

impl TestApp {
    /// Runs this month's invoicing over the API as `staff`; the run's summary.
    pub async fn run_month(&self, staff: &str) -> Value {
        let response = self
            .api_send(
                Method::POST,
                staff,
                "/api/v1/invoice-runs",
                json!({"month": this_month().to_string()}),
            )
            .await;
        assert_eq!(response.status(), 201);
        json_of(response).await
    }

    /// This month's invoices as staff list them, `filter` appended (e.g. `&status=draft`).
    pub async fn month_invoices(&self, staff: &str, filter: &str) -> Vec<Value> {
        let month = this_month().to_string();
        let listed = json_of(
            self.api_get(staff, &format!("/api/v1/invoices?month={month}{filter}"))
                .await,
        )
        .await;
        listed["items"].as_array().cloned().unwrap_or_default()
    }

    /// Issues a draft over the API; the issued invoice.
    pub async fn issue(&self, staff: &str, id: i64) -> Value {
        let response = self
            .api_send(
                Method::POST,
                staff,
                &format!("/api/v1/invoices/{id}/issue"),
                json!({}),
            )
            .await;
        assert_eq!(response.status(), 200);
        json_of(response).await
    }

    /// Drafts this month and issues every draft; the issued invoices.
    pub async fn issue_month(&self, staff: &str) -> Vec<Value> {
        self.run_month(staff).await;
        let mut issued = Vec::new();
        for draft in self.month_invoices(staff, "&status=draft").await {
            issued.push(self.issue(staff, draft["id"].as_i64().expect("id")).await);
        }
        issued
    }

    /// Drafts this month and issues the draft of `customer`; the issued invoice (with lines).
    pub async fn issued_invoice_of(&self, staff: &str, customer: CustomerId) -> Value {
        self.run_month(staff).await;
        let draft = self
            .month_invoices(staff, "&status=draft")
            .await
            .into_iter()
            .find(|i| i["customer_id"] == customer.get())
            .expect("the customer's draft");
        let id = draft["id"].as_i64().expect("id");
        self.issue(staff, id).await
    }
}
