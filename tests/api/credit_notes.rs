//! Credit notes: full or partial, their own gapless series, the same chain, never more than was
//! invoiced (also when clients race), immutable, seen by the customer, and taken off what the
//! customer owes.
use chrono::{Datelike, Utc};
use diesel::prelude::*;
use obrador::domain::{Role, WorkshopTz};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::billing::{charge, json_of};
use crate::helpers::{problem, spawn_app_with, TestApp};

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

async fn credit(app: &TestApp, staff: &str, invoice: i64, body: Value) -> reqwest::Response {
    app.api_send(
        Method::POST,
        staff,
        &format!("/api/v1/invoices/{invoice}/credit-notes"),
        body,
    )
    .await
}

/// An issued invoice of the worked case: 1 h 30 at 25.17 (37.76), a seat (26.80) and a late
/// fee (5.50) → 84.77.
async fn worked_invoice(app: &TestApp, staff: &str) -> (crate::helpers::TestUser, Value) {
    let ana = app.user(Role::Member, None);
    {
        let mut conn = app.db.conn();
        charge(&mut conn, ana.customer_id, 1, "usage", 90, 2517);
        charge(&mut conn, ana.customer_id, 2, "seat", 1, 2680);
        charge(&mut conn, ana.customer_id, 3, "late_cancel", 1, 550);
    }
    let invoice = app.issued_invoice_of(staff, ana.customer_id).await;
    assert_eq!(invoice["totals"]["total"]["amount"], "84.77");
    (ana, invoice)
}

fn line_id(invoice: &Value, index: usize) -> i64 {
    invoice["lines"][index]["id"].as_i64().expect("line id")
}

#[tokio::test]
async fn a_partial_then_a_full_credit_note_join_the_chain_in_their_own_series() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let (ana, invoice) = worked_invoice(&app, &staff).await;
    let id = invoice["id"].as_i64().expect("id");
    let year = WorkshopTz::DEFAULT.local_date(Utc::now()).year();

    // 30 of the 90 minutes and the whole late fee.
    let response = credit(
        &app,
        &staff,
        id,
        json!({"reason": "Machine stopped half an hour early", "lines": [
            {"line_id": line_id(&invoice, 0), "quantity": 30},
            {"line_id": line_id(&invoice, 2)},
        ]}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let partial = json_of(response).await;
    assert_eq!(partial["kind"], "credit_note");
    assert_eq!(partial["status"], "issued");
    assert_eq!(partial["number"], format!("R{year}-000001"));
    assert_eq!(partial["corrects"], invoice["number"]);
    // 0.5 h × 25.17 = 12.585 → 12.59; + 5.50 = 18.09; VAT 21 % = 3.7989 → 3.80.
    assert_eq!(partial["totals"]["net"]["amount"], "-18.09");
    assert_eq!(partial["totals"]["vat"]["amount"], "-3.80");
    assert_eq!(partial["totals"]["total"]["amount"], "-21.89");
    assert!(partial["notes"]
        .as_str()
        .expect("notes")
        .contains("half an hour early"));
    // The same chain, right after the invoice.
    assert_eq!(partial["chain"]["position"], 2);
    assert_eq!(
        partial["chain"]["previous_hash"],
        invoice["chain"]["record_hash"]
    );

    // What the customer owes shrinks by the credit; the invoice itself is unchanged.
    let payments = json_of(
        app.api_get(&staff, &format!("/api/v1/invoices/{id}/payments"))
            .await,
    )
    .await;
    assert_eq!(payments["credited"]["amount"], "21.89");
    assert_eq!(payments["outstanding"]["amount"], "62.88");
    let again = json_of(app.api_get(&staff, &format!("/api/v1/invoices/{id}")).await).await;
    assert_eq!(again["totals"]["total"]["amount"], "84.77");
    assert_eq!(again["payment_status"], "unpaid");

    // More than is left of a line is refused, and changes nothing.
    let too_much = credit(
        &app,
        &staff,
        id,
        json!({"reason": "x", "lines": [{"line_id": line_id(&invoice, 0), "quantity": 61}]}),
    )
    .await;
    assert_eq!(too_much.status(), 409);
    assert!(problem(too_much).await["detail"]
        .as_str()
        .expect("detail")
        .contains("60 left"));

    // A full credit note takes what is left: 60 minutes and the seat.
    let full =
        json_of(credit(&app, &staff, id, json!({"reason": "Cancelled membership"})).await).await;
    assert_eq!(full["number"], format!("R{year}-000002"));
    assert_eq!(full["lines"].as_array().expect("lines").len(), 2);
    // 25.17 + 26.80 = 51.97; VAT 10.91 (10.9137); total 62.88: the rest of the invoice.
    assert_eq!(full["totals"]["total"]["amount"], "-62.88");
    let nothing_left = credit(&app, &staff, id, json!({"reason": "again"})).await;
    assert_eq!(nothing_left.status(), 409);
    let paid_off = json_of(
        app.api_get(&staff, &format!("/api/v1/invoices/{id}/payments"))
            .await,
    )
    .await;
    assert_eq!(paid_off["outstanding"]["amount"], "0.00");
    assert_eq!(paid_off["status"], "paid");

    let chain = json_of(app.api_get(&staff, "/api/v1/invoices/chain").await).await;
    assert_eq!(chain["intact"], true);
    assert_eq!(chain["documents"], 3);

    // The customer sees the credit notes in their list, and can read them.
    let ana_token = app.token(&ana);
    let listed = json_of(app.api_get(&ana_token, "/api/v1/invoices").await).await;
    let kinds: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "credit_note").count(), 2);
    let note_id = partial["id"].as_i64().expect("id");
    let read = app
        .api_get(&ana_token, &format!("/api/v1/invoices/{note_id}"))
        .await;
    assert_eq!(read.status(), 200);
    let bea = app.token(&app.user(Role::Member, None));
    let other = app
        .api_get(&bea, &format!("/api/v1/invoices/{note_id}"))
        .await;
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn bad_credit_notes_are_refused_and_change_nothing() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let (ana, invoice) = worked_invoice(&app, &staff).await;
    let id = invoice["id"].as_i64().expect("id");

    let member = credit(&app, &app.token(&ana), id, json!({"reason": "please"})).await;
    assert_eq!(member.status(), 403);
    let no_reason = credit(&app, &staff, id, json!({"reason": "  "})).await;
    assert_eq!(no_reason.status(), 422);
    let foreign_line = credit(
        &app,
        &staff,
        id,
        json!({"reason": "x", "lines": [{"line_id": 999_999}]}),
    )
    .await;
    assert_eq!(foreign_line.status(), 422);
    let zero = credit(
        &app,
        &staff,
        id,
        json!({"reason": "x", "lines": [{"line_id": line_id(&invoice, 1), "quantity": 0}]}),
    )
    .await;
    assert_eq!(zero.status(), 422);
    let unknown_field = credit(&app, &staff, id, json!({"reason": "x", "amount": "5"})).await;
    assert_eq!(unknown_field.status(), 422);

    // A draft cannot be credited: it can still be edited.
    let bea = app.user(Role::Member, None);
    {
        let mut conn = app.db.conn();
        charge(&mut conn, bea.customer_id, 10, "seat", 1, 1000);
    }
    app.run_month(&staff).await;
    let draft = app
        .month_invoices(&staff, "&status=draft")
        .await
        .into_iter()
        .find(|i| i["customer_id"] == bea.customer_id.get())
        .expect("draft");
    let on_draft = credit(
        &app,
        &staff,
        draft["id"].as_i64().expect("id"),
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(on_draft.status(), 409);

    // Nothing was issued: no credit note exists, and no number of the R series was used.
    let notes: i64 = {
        use obrador::db::schema::invoices;
        let mut conn = app.db.conn();
        invoices::table
            .filter(invoices::kind.eq("credit_note"))
            .count()
            .get_result(&mut conn)
            .expect("count")
    };
    assert_eq!(notes, 0);
    let first = json_of(credit(&app, &staff, id, json!({"reason": "finally"})).await).await;
    let year = WorkshopTz::DEFAULT.local_date(Utc::now()).year();
    assert_eq!(first["number"], format!("R{year}-000001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_full_credit_notes_credit_an_invoice_once() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let (_ana, invoice) = worked_invoice(&app, &staff).await;
    let id = invoice["id"].as_i64().expect("id");
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (http, url, token) = (
                app.client.clone(),
                app.url(&format!("/api/v1/invoices/{id}/credit-notes")),
                staff.clone(),
            );
            tokio::spawn(async move {
                http.post(url)
                    .bearer_auth(token)
                    .json(&json!({"reason": "duplicate invoice"}))
                    .send()
                    .await
                    .expect("request")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("client"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    let chain = json_of(app.api_get(&staff, "/api/v1/invoices/chain").await).await;
    assert_eq!(chain["documents"], 2);
    assert_eq!(chain["intact"], true);
}

#[tokio::test]
async fn the_database_refuses_to_change_an_issued_credit_note() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let (_ana, invoice) = worked_invoice(&app, &staff).await;
    let id = invoice["id"].as_i64().expect("id");
    let note = json_of(credit(&app, &staff, id, json!({"reason": "wrong rate"})).await).await;
    let note_id = note["id"].as_i64().expect("id");
    use obrador::db::schema::{invoice_lines, invoices};
    let mut conn = app.db.conn();
    let changed = diesel::update(invoices::table.find(note_id))
        .set(invoices::total_cents.eq(0_i64))
        .execute(&mut conn);
    assert!(changed.is_err(), "the trigger refuses the update");
    let line_changed =
        diesel::update(invoice_lines::table.filter(invoice_lines::invoice_id.eq(note_id)))
            .set(invoice_lines::net_cents.eq(0_i64))
            .execute(&mut conn);
    assert!(line_changed.is_err());
    let deleted = diesel::delete(invoices::table.find(note_id)).execute(&mut conn);
    assert!(deleted.is_err());
}
