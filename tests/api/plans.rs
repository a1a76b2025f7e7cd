//! Membership plans: staff define them and subscribe customers; the month's run charges the
//! fee, uses up included hours in time order at the prices of the lines they offset, and
//! discounts machine and tutor hours — once, however often it runs.
use diesel::prelude::*;
use obrador::db::schema::machine_categories;
use obrador::domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::billing::{json_of, this_month, Charge};
use crate::helpers::{spawn_app_with, TestApp};

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

fn category(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db.conn();
    diesel::insert_into(machine_categories::table)
        .values((
            machine_categories::name.eq(name),
            machine_categories::description.eq(""),
        ))
        .returning(machine_categories::id)
        .get_result(&mut conn)
        .expect("category")
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.api_send(Method::POST, token, path, body).await
}

#[tokio::test]
async fn the_run_charges_the_fee_uses_included_hours_in_time_order_and_discounts_the_rest() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = category(&app, "Laser");
    let cnc = category(&app, "CNC");
    let made = post(
        &app,
        &staff,
        "/api/v1/plans",
        json!({"name": "Maker", "monthly_fee": "35.00", "discount_percent": 10,
               "included": [{"category_id": laser, "minutes": 240}]}),
    )
    .await;
    assert_eq!(made.status(), 201);
    let plan = json_of(made).await;
    assert_eq!(plan["included"][0]["category"], "Laser");
    let ana = app.user(Role::Member, None);
    let subscribed = post(
        &app,
        &staff,
        "/api/v1/subscriptions",
        json!({"customer_id": ana.customer_id.get(), "plan_id": plan["id"],
               "first_month": this_month().to_string()}),
    )
    .await;
    assert_eq!(subscribed.status(), 201);

    {
        let mut conn = app.db.conn();
        let usage = |source, day, minutes, cents, category| Charge {
            quantity: minutes,
            unit_cents: cents,
            day,
            category: Some(category),
            ..Charge::new(ana.customer_id, source, "usage")
        };
        // Laser at 20.00 €/h: 90 min on the 2nd, 180 on the 5th, 60 on the 9th; the CNC is
        // not included; a seat is never discounted. Written out of time order on purpose.
        usage(3, 9, 60, 2000, laser).write(&mut conn);
        usage(2, 5, 180, 2000, laser).write(&mut conn);
        usage(1, 2, 90, 2000, laser).write(&mut conn);
        usage(4, 3, 60, 3000, cnc).write(&mut conn);
        Charge {
            quantity: 1,
            unit_cents: 5000,
            ..Charge::new(ana.customer_id, 5, "seat")
        }
        .write(&mut conn);
    }
    let run = app.run_month(&staff).await;
    // Fee, two deductions (90 min, then 150 of 180), three discounts.
    assert_eq!(run["plan_charges"], 6);
    let draft = app
        .month_invoices(&staff, "&status=draft")
        .await
        .into_iter()
        .find(|i| i["customer_id"] == ana.customer_id.get())
        .expect("draft");
    let id = draft["id"].as_i64().expect("id");
    let invoice = json_of(app.api_get(&staff, &format!("/api/v1/invoices/{id}")).await).await;
    let lines = invoice["lines"].as_array().expect("lines");
    let nets = |needle: &str| nets_of(lines, needle);
    assert_eq!(nets("Maker plan,"), ["35.00"]);
    let mut included = nets("Included in the Maker plan");
    included.sort();
    assert_eq!(included, ["-30.00", "-50.00"]);
    // 10 % of what is still billed: 60.00 − 50.00 → 1.00, 20.00 → 2.00, CNC 30.00 → 3.00.
    let mut discounts = nets("% Maker plan discount");
    discounts.sort();
    assert_eq!(discounts, ["-1.00", "-2.00", "-3.00"]);
    // 140 of machine time + 50 seat + 35 fee − 80 included − 6 discount = 139.00; 21 % VAT.
    assert_eq!(invoice["totals"]["net"]["amount"], "139.00");
    assert_eq!(invoice["totals"]["total"]["amount"], "168.19");

    // Running again writes nothing new.
    let again = app.run_month(&staff).await;
    assert_eq!(again["plan_charges"], 0);
    assert_eq!(again["lines_added"], 0);

    // The 2nd's session is reversed (a correction): its deduction is taken back, and the 90
    // minutes it frees go to new laser usage on the 12th, which is then not discounted.
    {
        let mut conn = app.db.conn();
        Charge {
            quantity: 30,
            unit_cents: 2000,
            day: 12,
            category: Some(laser),
            ..Charge::new(ana.customer_id, 6, "usage")
        }
        .write(&mut conn);
        Charge {
            quantity: 1,
            unit_cents: -3000,
            day: 2,
            category: Some(laser),
            ..Charge::new(ana.customer_id, 1, "reversal")
        }
        .write(&mut conn);
    }
    let third = app.run_month(&staff).await;
    assert_eq!(third["plan_charges"], 2);
    let invoice = json_of(app.api_get(&staff, &format!("/api/v1/invoices/{id}")).await).await;
    let lines = invoice["lines"].as_array().expect("lines");
    let reversed: Vec<&str> = lines
        .iter()
        .filter(|l| {
            l["description"]
                .as_str()
                .unwrap_or("")
                .starts_with("Reversed plan included_hours")
        })
        .filter_map(|l| l["net"]["amount"].as_str())
        .collect();
    assert_eq!(reversed, ["30.00"]);
    let mut included = nets_of(lines, "Included in the Maker plan");
    included.sort();
    assert_eq!(included, ["-10.00", "-30.00", "-50.00"]);
    // 139.00 − 30.00 (reversed usage) + 30.00 (its deduction back) + 10.00 (new usage)
    // − 10.00 (included) = 139.00.
    assert_eq!(invoice["totals"]["net"]["amount"], "139.00");
}

#[tokio::test]
async fn plans_and_subscriptions_are_checked_and_staff_only() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    let ana_token = app.token(&ana);
    let laser = category(&app, "Laser");
    let body = json!({"name": "Basic", "monthly_fee": "20.00",
                      "included": [{"category_id": laser, "minutes": 120}]});
    assert_eq!(
        post(&app, &ana_token, "/api/v1/plans", body.clone())
            .await
            .status(),
        403
    );
    let plan = json_of(post(&app, &staff, "/api/v1/plans", body.clone()).await).await;
    assert_eq!(
        post(&app, &staff, "/api/v1/plans", body).await.status(),
        409
    );
    for bad in [
        json!({"name": "X", "monthly_fee": "20.00", "discount_percent": 150}),
        json!({"name": "Y", "monthly_fee": "-1.00"}),
        json!({"name": "Z", "monthly_fee": "1.00", "included": [{"category_id": 99999, "minutes": 60}]}),
        json!({"name": "W", "monthly_fee": "1.00", "included": [{"category_id": laser, "minutes": 0}]}),
        json!({"name": "", "monthly_fee": "1.00"}),
    ] {
        let response = post(&app, &staff, "/api/v1/plans", bad.clone()).await;
        assert_eq!(response.status(), 422, "{bad}");
    }
    let listed = json_of(app.api_get(&ana_token, "/api/v1/plans").await).await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);

    let month = this_month();
    let subscribe = |first: String| json!({"customer_id": ana.customer_id.get(), "plan_id": plan["id"], "first_month": first});
    assert_eq!(
        post(
            &app,
            &ana_token,
            "/api/v1/subscriptions",
            subscribe(month.to_string())
        )
        .await
        .status(),
        403
    );
    let made = post(
        &app,
        &staff,
        "/api/v1/subscriptions",
        subscribe(month.to_string()),
    )
    .await;
    assert_eq!(made.status(), 201);
    let subscription = json_of(made).await;
    // One plan at a time.
    let overlapping = post(
        &app,
        &staff,
        "/api/v1/subscriptions",
        subscribe(month.next().to_string()),
    )
    .await;
    assert_eq!(overlapping.status(), 409);
    let bad_month = post(
        &app,
        &staff,
        "/api/v1/subscriptions",
        subscribe("2026-13".into()),
    )
    .await;
    assert_eq!(bad_month.status(), 422);

    let sid = subscription["id"].as_i64().expect("id");
    let mine = json_of(
        app.api_get(
            &ana_token,
            &format!(
                "/api/v1/subscriptions?customer_id={}",
                ana.customer_id.get()
            ),
        )
        .await,
    )
    .await;
    assert_eq!(mine["items"][0]["plan"], "Basic");
    let bea = app.token(&app.user(Role::Member, None));
    let theirs = app
        .api_get(
            &bea,
            &format!(
                "/api/v1/subscriptions?customer_id={}",
                ana.customer_id.get()
            ),
        )
        .await;
    assert_eq!(theirs.status(), 404);

    // Ending before it starts is refused; ending this month lets a new plan start next month.
    let previous = month_before(month);
    let early = post(
        &app,
        &staff,
        &format!("/api/v1/subscriptions/{sid}/end"),
        json!({"last_month": previous}),
    )
    .await;
    assert_eq!(early.status(), 422);
    let ended = post(
        &app,
        &staff,
        &format!("/api/v1/subscriptions/{sid}/end"),
        json!({"last_month": month.to_string()}),
    )
    .await;
    assert_eq!(ended.status(), 200);
    let next = post(
        &app,
        &staff,
        "/api/v1/subscriptions",
        subscribe(month.next().to_string()),
    )
    .await;
    assert_eq!(next.status(), 201);
}

/// The month before `month`, as text.
fn month_before(month: obrador::domain::LocalMonth) -> String {
    let before = month.first_day().pred_opt().expect("a day before");
    obrador::domain::LocalMonth::of(before).to_string()
}

/// The nets of the lines whose description contains `needle`.
fn nets_of(lines: &[Value], needle: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l["description"].as_str().unwrap_or("").contains(needle))
        .filter_map(|l| l["net"]["amount"].as_str().map(str::to_string))
        .collect()
}
