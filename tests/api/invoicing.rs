//! Monthly invoicing over the API: drafts from open charges (idempotent), gapless numbering and
//! the integrity chain under concurrency and failure, immutability enforced by the database, and
//! verification that finds tampering.
use chrono::{Datelike, Utc};
use diesel::prelude::*;
use obrador::domain::{InvoiceId, Role, WorkshopTz};
use obrador::services::invoicing::{self, Context};
use obrador::services::{By, ServiceError};
use reqwest::Method;
use serde_json::json;

use crate::helpers::billing::{charge, json_of, this_month};
use crate::helpers::{spawn_app_with, TestApp};

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

#[tokio::test]
async fn the_months_run_drafts_one_invoice_per_customer_and_running_again_adds_only_new_charges() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    let bea = app.user(Role::Member, None);
    {
        let mut conn = app.db.conn();
        // 1 h 30 at 25.17 €/h = 37.76 (37.755 rounded half away from zero); 26.80; 5.50.
        charge(&mut conn, ana.customer_id, 1, "usage", 90, 2517);
        charge(&mut conn, ana.customer_id, 2, "seat", 1, 2680);
        charge(&mut conn, ana.customer_id, 3, "late_cancel", 1, 550);
        charge(&mut conn, bea.customer_id, 4, "usage", 60, 2000);
    }
    let first = app.run_month(&staff).await;
    assert_eq!(first["drafts_created"], 2);
    assert_eq!(first["lines_added"], 4);
    let again = app.run_month(&staff).await;
    assert_eq!(again["drafts_created"], 0);
    assert_eq!(again["lines_added"], 0);

    let month = this_month().to_string();
    let items = app.month_invoices(&staff, "&status=draft").await;
    assert_eq!(items.len(), 2);
    let ana_draft = items
        .iter()
        .find(|i| i["customer_id"] == ana.customer_id.get())
        .expect("ana's draft");
    let id = ana_draft["id"].as_i64().expect("id");
    let invoice = json_of(app.api_get(&staff, &format!("/api/v1/invoices/{id}")).await).await;
    assert_eq!(invoice["lines"].as_array().expect("lines").len(), 3);
    assert_eq!(invoice["lines"][0]["net"]["amount"], "37.76");
    // The worked case: 37.76 + 26.80 + 5.50 = 70.06 at 21 % → VAT 14.71, total 84.77.
    assert_eq!(invoice["totals"]["net"]["amount"], "70.06");
    assert_eq!(invoice["totals"]["vat"]["amount"], "14.71");
    assert_eq!(invoice["totals"]["total"]["amount"], "84.77");

    // A charge that appears later joins the same draft.
    {
        let mut conn = app.db.conn();
        charge(&mut conn, ana.customer_id, 5, "usage", 30, 2000);
    }
    let third = app.run_month(&staff).await;
    assert_eq!(
        (
            third["drafts_created"].clone(),
            third["lines_added"].clone()
        ),
        (json!(0), json!(1))
    );
    let invoice = json_of(app.api_get(&staff, &format!("/api/v1/invoices/{id}")).await).await;
    assert_eq!(invoice["lines"].as_array().expect("lines").len(), 4);

    // Customers never see drafts; members may not run the month; a bad month is a 422.
    let ana_token = app.token(&ana);
    assert_eq!(
        app.api_get(&ana_token, &format!("/api/v1/invoices/{id}"))
            .await
            .status(),
        404
    );
    let refused = app
        .api_send(
            Method::POST,
            &ana_token,
            "/api/v1/invoice-runs",
            json!({"month": month}),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let bad = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/invoice-runs",
            json!({"month": "2026-13"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
}

fn context(app: &TestApp) -> Context {
    Context::from_settings(&app.settings).expect("context")
}

/// `count` customers with one charge each, drafted; returns the draft ids.
async fn drafts(app: &TestApp, staff: &str, count: usize) -> Vec<i64> {
    {
        let mut conn = app.db.conn();
        for i in 0..count {
            let customer = app.user(Role::Member, None).customer_id;
            charge(&mut conn, customer, 1000 + i as i64, "usage", 60, 2000);
        }
    }
    app.run_month(staff).await;
    app.month_invoices(staff, "&status=draft")
        .await
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn issuing_numbers_without_gaps_even_when_a_failure_follows_numbering() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ids = drafts(&app, &staff, 3).await;
    let ctx = context(&app);
    let year = WorkshopTz::DEFAULT.local_date(Utc::now()).year();

    // A failure after the number was taken rolls everything back, the number too.
    {
        let mut conn = app.db.conn();
        let failed = invoicing::issue_with_hook(
            &mut conn,
            &ctx,
            &By::System("test"),
            InvoiceId::new(ids[0]),
            &mut |number| {
                assert_eq!(number, format!("F{year}-000001"));
                Err(ServiceError::Invalid("injected failure".into()))
            },
        );
        assert!(failed.is_err());
    }
    let mut numbers = Vec::new();
    for id in &ids {
        let response = app
            .api_send(
                Method::POST,
                &staff,
                &format!("/api/v1/invoices/{id}/issue"),
                json!({}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let issued = json_of(response).await;
        assert_eq!(issued["status"], "issued");
        numbers.push(issued["number"].as_str().expect("number").to_string());
        assert_eq!(
            issued["chain"]["record_hash"].as_str().expect("hash").len(),
            64
        );
    }
    assert_eq!(
        numbers,
        (1..=3)
            .map(|n| format!("F{year}-{n:06}"))
            .collect::<Vec<_>>()
    );
    let twice = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/invoices/{}/issue", ids[0]),
            json!({}),
        )
        .await;
    assert_eq!(twice.status(), 409);
    let chain = json_of(app.api_get(&staff, "/api/v1/invoices/chain").await).await;
    assert_eq!(chain["intact"], true);
    assert_eq!(chain["documents"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_issuing_two_hundred_drafts_at_once_leave_no_gap_and_no_fork() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ids = drafts(&app, &staff, 200).await;
    assert_eq!(ids.len(), 200);
    let handles: Vec<_> = (0..8)
        .map(|client| {
            let (http, base, token) = (app.client.clone(), app.address.clone(), staff.clone());
            // Every client tries every draft, in its own order: each draft is issued once.
            let mut mine = ids.clone();
            mine.rotate_left(client * 25);
            tokio::spawn(async move {
                let mut issued = 0;
                for id in mine {
                    let status = http
                        .post(format!("{base}/api/v1/invoices/{id}/issue"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("sent")
                        .status()
                        .as_u16();
                    assert!(status == 200 || status == 409, "{status}");
                    issued += usize::from(status == 200);
                }
                issued
            })
        })
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await.expect("task");
    }
    assert_eq!(total, 200, "each draft issued exactly once");
    let issued = json!({"items": app.month_invoices(&staff, "&status=issued").await});
    let mut numbers: Vec<i64> = issued["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["number"].as_str()?.rsplit('-').next()?.parse().ok())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=200).collect::<Vec<_>>());
    let chain = json_of(app.api_get(&staff, "/api/v1/invoices/chain").await).await;
    assert_eq!(chain["intact"], true, "{chain}");
    assert_eq!(chain["documents"], 200);
}

#[tokio::test]
async fn the_database_refuses_to_change_an_issued_invoice_and_verify_finds_tampering() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ids = drafts(&app, &staff, 2).await;
    for id in &ids {
        let response = app
            .api_send(
                Method::POST,
                &staff,
                &format!("/api/v1/invoices/{id}/issue"),
                json!({}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let mut conn = app.db.conn();
    for statement in [
        format!("UPDATE invoices SET total_cents = 1 WHERE id = {}", ids[0]),
        format!("DELETE FROM invoices WHERE id = {}", ids[0]),
        format!(
            "UPDATE invoice_lines SET net_cents = 1 WHERE invoice_id = {}",
            ids[0]
        ),
        format!("DELETE FROM invoice_lines WHERE invoice_id = {}", ids[0]),
        "UPDATE charges SET invoice_line_id = NULL WHERE invoice_line_id IS NOT NULL".to_string(),
    ] {
        let refused = diesel::sql_query(&statement).execute(&mut *conn);
        let message = format!("{refused:?}");
        assert!(message.contains("immutable"), "{statement}: {message}");
    }
    assert!(invoicing::verify(&mut conn).expect("verify").intact);

    // Someone drops the triggers and edits an amount: verification names the document.
    let drops: &[&str] = match app.db.backend() {
        obrador::db::Backend::Sqlite => &[
            "DROP TRIGGER invoice_lines_immutable_update",
            "DROP TRIGGER invoices_immutable_update",
        ],
        obrador::db::Backend::Postgres => &[
            "DROP TRIGGER invoice_lines_immutable ON invoice_lines",
            "DROP TRIGGER invoices_immutable ON invoices",
        ],
    };
    for drop in drops {
        diesel::sql_query(*drop)
            .execute(&mut *conn)
            .expect("dropped");
    }
    let second =
        invoicing::get(&mut conn, &By::System("test"), InvoiceId::new(ids[1])).expect("invoice");
    diesel::sql_query(format!(
        "UPDATE invoice_lines SET net_cents = net_cents + 100 WHERE invoice_id = {}",
        ids[1]
    ))
    .execute(&mut *conn)
    .expect("tampered");
    let state = invoicing::verify(&mut conn).expect("verify");
    assert!(!state.intact);
    assert_eq!(state.first_broken, second.number);
}

#[tokio::test]
async fn customers_see_their_own_issued_invoices_and_nobody_elses() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    let bea = app.user(Role::Member, None);
    {
        let mut conn = app.db.conn();
        charge(&mut conn, ana.customer_id, 1, "usage", 60, 2000);
        charge(&mut conn, bea.customer_id, 2, "usage", 60, 2000);
    }
    app.run_month(&staff).await;
    let listed = json!({"items": app.month_invoices(&staff, "").await});
    for item in listed["items"].as_array().expect("items") {
        let id = item["id"].as_i64().expect("id");
        app.api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/invoices/{id}/issue"),
            json!({}),
        )
        .await;
    }
    let ana_token = app.token(&ana);
    let mine = json_of(app.api_get(&ana_token, "/api/v1/invoices").await).await;
    let mine = mine["items"].as_array().expect("items");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["customer_id"], ana.customer_id.get());
    let theirs = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["customer_id"] == bea.customer_id.get())
        .and_then(|i| i["id"].as_i64())
        .expect("bea's");
    assert_eq!(
        app.api_get(&ana_token, &format!("/api/v1/invoices/{theirs}"))
            .await
            .status(),
        404
    );
    let own = mine[0]["id"].as_i64().expect("id");
    let read = json_of(
        app.api_get(&ana_token, &format!("/api/v1/invoices/{own}"))
            .await,
    )
    .await;
    assert!(read["customer"]["name"].is_string());
    assert!(read["supplier"]["tax_id"].is_string());
    assert_eq!(
        app.api_get(&ana_token, "/api/v1/invoices/chain")
            .await
            .status(),
        403
    );
}

/// `obrador invoices draft|issue|verify` on the real binary: the month drafted and issued, the
/// chain verified, and a tampered amount found and named with a non-zero exit.
#[tokio::test]
async fn the_command_line_drafts_issues_and_verifies_the_month() {
    let app = app().await;
    {
        let mut conn = app.db.conn();
        for i in 0..3 {
            let customer = app.user(Role::Member, None).customer_id;
            charge(&mut conn, customer, 500 + i, "usage", 45, 2000);
        }
    }
    let month = this_month().to_string();
    let obrador = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_obrador"))
            .current_dir(app.data_dir.path())
            .env("DATABASE_URL", app.db.url())
            .env("RUST_LOG", "warn")
            .args(args)
            .output()
            .expect("runs")
    };
    let drafted = obrador(&["invoices", "draft", "--month", &month]);
    assert!(
        drafted.status.success(),
        "{}",
        String::from_utf8_lossy(&drafted.stderr)
    );
    assert!(String::from_utf8_lossy(&drafted.stdout).contains("3 new drafts"));
    let issued = obrador(&["invoices", "issue", "--month", &month]);
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    let year = WorkshopTz::DEFAULT.local_date(Utc::now()).year();
    let text = String::from_utf8_lossy(&issued.stdout).to_string();
    assert!(
        text.contains(&format!("F{year}-000001 to F{year}-000003")),
        "{text}"
    );
    let verified = obrador(&["invoices", "verify"]);
    assert!(verified.status.success());
    assert!(String::from_utf8_lossy(&verified.stdout).contains("3 issued documents is intact"));
    let bad_month = obrador(&["invoices", "draft", "--month", "March"]);
    assert!(!bad_month.status.success());

    {
        let mut conn = app.db.conn();
        let drops: &[&str] = match app.db.backend() {
            obrador::db::Backend::Sqlite => &["DROP TRIGGER invoices_immutable_update"],
            obrador::db::Backend::Postgres => &["DROP TRIGGER invoices_immutable ON invoices"],
        };
        for drop in drops {
            diesel::sql_query(*drop)
                .execute(&mut *conn)
                .expect("dropped");
        }
        diesel::sql_query(format!(
            "UPDATE invoices SET record_hash = 'F00D' WHERE number = 'F{year}-000002'"
        ))
        .execute(&mut *conn)
        .expect("tampered");
    }
    let broken = obrador(&["invoices", "verify"]);
    assert!(!broken.status.success());
    let message = String::from_utf8_lossy(&broken.stderr);
    assert!(message.contains(&format!("F{year}-000002")), "{message}");
}

#[tokio::test]
async fn staff_review_drafts_and_a_removed_charge_waits_for_next_month() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    {
        let mut conn = app.db.conn();
        charge(&mut conn, ana.customer_id, 1, "usage", 60, 2000);
        charge(&mut conn, ana.customer_id, 2, "seat", 1, 3000);
    }
    app.run_month(&staff).await;
    let listed = json!({"items": app.month_invoices(&staff, "").await});
    let id = listed["items"][0]["id"].as_i64().expect("id");
    let path = format!("/api/v1/invoices/{id}");
    let invoice = json_of(app.api_get(&staff, &path).await).await;
    let usage_line = invoice["lines"][0]["id"].as_i64().expect("line");
    let seat_line = invoice["lines"][1]["id"].as_i64().expect("line");

    // Adjust the usage line (1 h at a courtesy 15 €), take the seat off, add a manual line.
    let adjusted = app
        .api_send(
            Method::PATCH,
            &staff,
            &format!("{path}/lines/{usage_line}"),
            json!({"description": "Laser cutter, courtesy rate", "quantity": 60, "unit_price": "15.00"}),
        )
        .await;
    assert_eq!(adjusted.status(), 200);
    let removed = app
        .api_send(
            Method::DELETE,
            &staff,
            &format!("{path}/lines/{seat_line}"),
            json!({}),
        )
        .await;
    assert_eq!(removed.status(), 200);
    let added = app
        .api_send(
            Method::POST,
            &staff,
            &format!("{path}/lines"),
            json!({"description": "Material: plywood 4 mm", "quantity": 2, "unit_price": "6.50"}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let bad = app
        .api_send(
            Method::POST,
            &staff,
            &format!("{path}/lines"),
            json!({"description": " ", "quantity": 0, "unit_price": "6.50"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let noted = app
        .api_send(Method::PATCH, &staff, &path, json!({"notes": "Thank you!"}))
        .await;
    assert_eq!(noted.status(), 200);

    // A re-run keeps the edit and does not bring the removed charge back.
    let again = app.run_month(&staff).await;
    assert_eq!(again["lines_added"], 0);
    let invoice = json_of(app.api_get(&staff, &path).await).await;
    let lines = invoice["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["net"]["amount"], "15.00");
    assert_eq!(lines[0]["edited"], true);
    assert_eq!(lines[1]["net"]["amount"], "13.00");
    assert_eq!(invoice["totals"]["net"]["amount"], "28.00");
    assert_eq!(invoice["totals"]["total"]["amount"], "33.88");
    assert_eq!(invoice["notes"], "Thank you!");

    // Next month's run bills the deferred seat.
    let next = this_month().next().to_string();
    let response = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/invoice-runs",
            json!({"month": next}),
        )
        .await;
    let next_run = json_of(response).await;
    assert_eq!(next_run["lines_added"], 1);

    // Once issued, nothing changes any more.
    let issued = app
        .api_send(Method::POST, &staff, &format!("{path}/issue"), json!({}))
        .await;
    assert_eq!(issued.status(), 200);
    let late = app
        .api_send(
            Method::DELETE,
            &staff,
            &format!("{path}/lines/{usage_line}"),
            json!({}),
        )
        .await;
    assert_eq!(late.status(), 409);
    let member = app.token(&ana);
    let refused = app
        .api_send(Method::PATCH, &member, &path, json!({"notes": "mine"}))
        .await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn payments_are_recorded_apart_and_the_status_is_derived() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    {
        let mut conn = app.db.conn();
        charge(&mut conn, ana.customer_id, 1, "usage", 60, 2000);
    }
    app.run_month(&staff).await;
    let listed = json!({"items": app.month_invoices(&staff, "").await});
    let id = listed["items"][0]["id"].as_i64().expect("id");
    let path = format!("/api/v1/invoices/{id}/payments");
    let today = WorkshopTz::DEFAULT.local_date(Utc::now()).to_string();
    let pay = |amount: &str| json!({"paid_on": today, "amount": amount, "method": "transfer"});
    // A draft cannot be paid.
    let early = app.api_send(Method::POST, &staff, &path, pay("10")).await;
    assert_eq!(early.status(), 409);
    app.api_send(
        Method::POST,
        &staff,
        &format!("/api/v1/invoices/{id}/issue"),
        json!({}),
    )
    .await;
    // 20.00 + 21 % = 24.20: pay 10, then the rest; more than is outstanding is refused.
    let partly = app.api_send(Method::POST, &staff, &path, pay("10")).await;
    assert_eq!(partly.status(), 201);
    let partly = json_of(partly).await;
    assert_eq!(partly["status"], "partly_paid");
    assert_eq!(partly["outstanding"]["amount"], "14.20");
    let too_much = app.api_send(Method::POST, &staff, &path, pay("20")).await;
    assert_eq!(too_much.status(), 409);
    for bad in [
        json!({"paid_on": today, "amount": "-5", "method": "transfer"}),
        json!({"paid_on": today, "amount": "5", "method": "barter"}),
        json!({"paid_on": "yesterday", "amount": "5", "method": "cash"}),
        json!({"paid_on": "2999-01-01", "amount": "5", "method": "cash"}),
    ] {
        let refused = app.api_send(Method::POST, &staff, &path, bad.clone()).await;
        assert_eq!(refused.status(), 422, "{bad}");
    }
    let paid = json_of(
        app.api_send(Method::POST, &staff, &path, pay("14.20"))
            .await,
    )
    .await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"].as_array().expect("payments").len(), 2);
    // The customer sees the status; another member does not; only staff record payments.
    let mine = app.token(&ana);
    assert_eq!(
        json_of(app.api_get(&mine, &path).await).await["status"],
        "paid"
    );
    let other = app.token(&app.user(Role::Member, None));
    assert_eq!(app.api_get(&other, &path).await.status(), 404);
    assert_eq!(
        app.api_send(Method::POST, &mine, &path, pay("1"))
            .await
            .status(),
        403
    );
    // The issued invoice itself never changed; the chain still verifies.
    let chain = json_of(app.api_get(&staff, "/api/v1/invoices/chain").await).await;
    assert_eq!(chain["intact"], true);
}
