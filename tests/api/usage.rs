//! Usage over the API: device events (idempotent, any order, batches), the front desk's
//! check-in and check-out, staff entries and audited corrections, anomalies, usage charges by
//! billing basis, and no-shows settled once by the leased settle job.
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use obrador::db::schema::{bookings, charges};
use obrador::domain::Role;
use obrador::jobs::{run_batch_blocking, settle::Settle, Job};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{problem, rfc, spawn_app_with, weekday_at, TestApp};

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

/// A device token for `machine` (made by staff via the API).
fn device_token(app: &TestApp, machine: i64) -> String {
    let device_user = app.user(Role::Staff, None);
    let mut conn = app.db.conn();
    obrador::services::tokens::create(
        &mut conn,
        &obrador::services::By::System("test"),
        device_user.id,
        &obrador::domain::Name::parse("Laser controller", "name").expect("name"),
        Some(obrador::domain::ResourceId::new(machine)),
        None,
    )
    .expect("device token")
    .secret
}

fn event(id: &str, machine: i64, kind: &str, at: DateTime<Utc>) -> Value {
    json!({"event_id": id, "resource_id": machine, "kind": kind, "at": rfc(at)})
}

async fn send(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.api_send(Method::POST, token, "/api/v1/usage-events", body)
        .await
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

/// (source type, kind, revision, quantity, unit price) of every charge, in order.
fn ledger(app: &TestApp) -> Vec<(String, String, i32, i64, i64)> {
    let mut conn = app.db.conn();
    charges::table
        .order(charges::id)
        .select((
            charges::source_type,
            charges::kind,
            charges::revision,
            charges::quantity,
            charges::unit_price_cents,
        ))
        .load(&mut *conn)
        .expect("charges")
}

/// Moves a booking into the past by `days` days (keeping its local time of day), as time would.
fn shift_booking(app: &TestApp, booking: i64, by: Duration) {
    let mut conn = app.db.conn();
    let (start, end): (chrono::NaiveDateTime, chrono::NaiveDateTime) = bookings::table
        .find(booking)
        .select((bookings::starts_at, bookings::ends_at))
        .first(&mut *conn)
        .expect("booking");
    diesel::update(bookings::table.find(booking))
        .set((
            bookings::starts_at.eq(start - by),
            bookings::ends_at.eq(end - by),
        ))
        .execute(&mut *conn)
        .expect("moved");
}

#[tokio::test]
async fn device_events_pair_into_usage_in_any_order_and_repeats_change_nothing() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = app
        .machine("Laser cutter", |raw| {
            raw.billing_basis = Some("actual".into());
            raw.billing_increment_minutes = Some(6);
        })
        .id
        .get();
    let other = app.machine("Printer", |_| {}).id.get();
    let device = device_token(&app, laser);
    let member = app.user(Role::Member, None);
    let customer = member.customer_id.get();
    let start = Utc::now() - Duration::hours(3);

    // In order: start then stop (with the customer named on the start).
    let mut first = event("l-1", laser, "start", start);
    first["customer_id"] = json!(customer);
    let opened = send(&app, &device, first.clone()).await;
    assert_eq!(opened.status(), 201);
    let opened = json_of(opened).await;
    assert_eq!(opened["status"], "recorded");
    let usage_id = opened["usage_id"].as_i64().expect("usage");
    let repeat = send(&app, &device, first.clone()).await;
    assert_eq!(repeat.status(), 200, "a retry is accepted");
    assert_eq!(json_of(repeat).await["status"], "duplicate");
    let stop = send(
        &app,
        &device,
        event("l-2", laser, "stop", start + Duration::minutes(50)),
    )
    .await;
    assert_eq!(stop.status(), 201);
    assert_eq!(json_of(stop).await["usage_id"], usage_id);
    // 50 minutes by actual time in 6-minute increments: 54 minutes at the member rate, 20 €/h.
    assert_eq!(
        ledger(&app),
        vec![("usage".into(), "usage".into(), 0, 54, 2000)]
    );

    // Out of order: the stop arrives before its start.
    let later = start + Duration::hours(1);
    let mut stop_first = event("l-4", laser, "stop", later + Duration::minutes(30));
    stop_first["customer_id"] = json!(customer);
    let waiting = json_of(send(&app, &device, stop_first).await).await;
    assert!(
        waiting["usage_id"].is_null(),
        "the stop waits for its start"
    );
    let mut start_late = event("l-3", laser, "start", later);
    start_late["customer_id"] = json!(customer);
    let paired = json_of(send(&app, &device, start_late).await).await;
    assert!(paired["usage_id"].is_i64());
    let usage = json_of(app.api_get(&staff, "/api/v1/usage?status=closed").await).await;
    assert_eq!(usage["items"].as_array().expect("items").len(), 2);
    assert_eq!(ledger(&app).len(), 2, "each closed record is charged once");

    // The same event_id for a different event is a conflict; another machine's token is refused.
    let clash = send(&app, &device, event("l-1", laser, "stop", start)).await;
    assert_eq!(clash.status(), 409);
    let foreign = send(&app, &device, event("p-1", other, "start", start)).await;
    assert_eq!(foreign.status(), 403);
    let member_token = app.token(&member);
    let not_device = send(&app, &member_token, event("m-1", laser, "start", start)).await;
    assert_eq!(not_device.status(), 403);
}

#[tokio::test]
async fn bad_events_are_refused_and_record_nothing() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let now = Utc::now();
    let cases = [
        (event("x-1", 999_999, "start", now), 422),
        (event("x-2", laser, "pause", now), 422),
        (
            json!({"event_id": "x-3", "resource_id": laser, "kind": "start", "at": "yesterday"}),
            422,
        ),
        (
            event("x-4", laser, "start", now + Duration::days(3 * 365)),
            422,
        ),
        (event("", laser, "start", now), 422),
        (
            json!({"event_id": "x-5", "resource_id": laser, "kind": "start"}),
            422,
        ),
    ];
    for (body, status) in cases {
        let response = send(&app, &staff, body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
        assert!(problem(response).await["detail"].is_string());
    }
    let usage = json_of(app.api_get(&staff, "/api/v1/usage").await).await;
    assert_eq!(usage["items"], json!([]));
    let mut conn = app.db.conn();
    let events: i64 = obrador::db::schema::usage_events::table
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(events, 0);
}

#[tokio::test]
async fn a_batch_answers_each_event_and_one_bad_event_does_not_stop_the_rest() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let customer = app.user(Role::Member, None).customer_id.get();
    let start = Utc::now() - Duration::hours(20);
    let mut events: Vec<Value> = (0..300)
        .flat_map(|i| {
            let at = start + Duration::minutes(i * 4);
            let mut on = event(&format!("b-{i}-on"), laser, "start", at);
            on["customer_id"] = json!(customer);
            let off = event(
                &format!("b-{i}-off"),
                laser,
                "stop",
                at + Duration::minutes(3),
            );
            [on, off]
        })
        .collect();
    events.push(event("bad-1", laser, "explode", start));
    events.push(json!({"resource_id": laser}));
    events.push(events[0].clone());
    let response = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/usage-events/batch",
            json!({"events": events}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let results = json_of(response).await["results"].clone();
    let results = results.as_array().expect("results");
    assert_eq!(results.len(), 603);
    let count = |status: &str| results.iter().filter(|r| r["status"] == status).count();
    assert_eq!(count("recorded"), 600);
    assert_eq!(count("rejected"), 2);
    assert_eq!(count("duplicate"), 1);
    assert!(results[600]["error"]
        .as_str()
        .expect("error")
        .contains("kind"));
    let usage = json_of(app.api_get(&staff, "/api/v1/usage?status=closed").await).await;
    assert_eq!(usage["items"].as_array().expect("items").len(), 300);

    let too_many: Vec<Value> = (0..1001)
        .map(|i| event(&format!("t-{i}"), laser, "start", start))
        .collect();
    let refused = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/usage-events/batch",
            json!({"events": too_many}),
        )
        .await;
    assert_eq!(refused.status(), 422);
}

/// Books `machine` for a member at a weekday 10:00–11:00, then moves it a week into the past.
async fn past_booking(app: &TestApp, token: &str, machine: i64) -> (i64, DateTime<Utc>) {
    let start = weekday_at(8, 10);
    let response = app
        .api_send(
            Method::POST,
            token,
            "/api/v1/bookings",
            json!({"resource_id": machine, "starts_at": rfc(start),
                "ends_at": rfc(start + Duration::hours(1))}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let id = json_of(response).await["id"].as_i64().expect("id");
    shift_booking(app, id, Duration::days(14));
    (id, start - Duration::days(14))
}

#[tokio::test]
async fn the_front_desk_checks_in_and_out_and_the_booking_is_billed_by_its_basis() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = app
        .machine("Laser cutter", |raw| {
            raw.billing_basis = Some("max".into());
            raw.billing_increment_minutes = Some(15);
        })
        .id
        .get();
    let member = app.token(&app.user(Role::Member, None));
    let (booking, start) = past_booking(&app, &member, laser).await;

    let checked_in = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/bookings/{booking}/check-in"),
            json!({}),
        )
        .await;
    assert_eq!(checked_in.status(), 201);
    let usage = json_of(checked_in).await;
    assert_eq!(usage["status"], "open");
    assert_eq!(usage["source"], "front_desk");
    let again = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/bookings/{booking}/check-in"),
            json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);
    let id = usage["id"].as_i64().expect("id");
    let out = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/usage/{id}/check-out"),
            json!({}),
        )
        .await;
    assert_eq!(out.status(), 200);
    // Used a minute or so of a one-hour booking billed by the larger: the hour, once.
    assert_eq!(
        ledger(&app),
        vec![("booking_usage".into(), "usage".into(), 0, 60, 2000)]
    );

    // A staff correction: the record covered 10:00–11:40 in fact. Reversal plus a new revision.
    let corrected = app
        .api_send(
            Method::PATCH,
            &staff,
            &format!("/api/v1/usage/{id}"),
            json!({"started_at": rfc(start), "ended_at": rfc(start + Duration::minutes(100)),
                "note": "forgot to check out"}),
        )
        .await;
    assert_eq!(corrected.status(), 200);
    assert_eq!(json_of(corrected).await["revision"], 1);
    assert_eq!(
        ledger(&app),
        vec![
            ("booking_usage".into(), "usage".into(), 0, 60, 2000),
            ("booking_usage".into(), "reversal".into(), 0, 1, -2000),
            ("booking_usage".into(), "usage".into(), 1, 105, 2000),
        ]
    );
    let without_note = app
        .api_send(
            Method::PATCH,
            &staff,
            &format!("/api/v1/usage/{id}"),
            json!({"started_at": rfc(start), "ended_at": rfc(start + Duration::minutes(90)),
                "note": " "}),
        )
        .await;
    assert_eq!(without_note.status(), 422);
    let backwards = app
        .api_send(
            Method::PATCH,
            &staff,
            &format!("/api/v1/usage/{id}"),
            json!({"started_at": rfc(start), "ended_at": rfc(start - Duration::minutes(5)),
                "note": "typo"}),
        )
        .await;
    assert_eq!(backwards.status(), 422);
    assert_eq!(ledger(&app).len(), 3, "refused corrections change nothing");
    let audit = json_of(app.api_get(&staff, "/api/v1/audit?object_type=usage").await).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"usage.correct"), "{actions:?}");
}

async fn settle(app: &TestApp, instances: usize) {
    let runs: Vec<_> = (0..instances)
        .map(|i| {
            let job: Arc<dyn Job> = Arc::new(Settle::new(&app.settings, &format!("instance-{i}")));
            tokio::spawn(run_batch_blocking(job, app.db.pool(), obrador::jobs::now()))
        })
        .collect();
    for run in runs {
        run.await.expect("task").expect("batch");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unused_booking_becomes_a_no_show_once_and_late_usage_replaces_it() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.token(&app.user(Role::Member, None));
    let (unused, _) = past_booking(&app, &member, laser).await;
    // The settlement was queued for the booking's original end: move it along with the booking.
    {
        use obrador::db::schema::booking_settlements;
        let mut conn = app.db.conn();
        diesel::update(booking_settlements::table)
            .set(booking_settlements::due_at.eq((Utc::now() - Duration::days(1)).naive_utc()))
            .execute(&mut *conn)
            .expect("due");
    }
    // Three instances settle at once: one no-show charge, in full (1 h at 20 €).
    settle(&app, 3).await;
    settle(&app, 1).await;
    assert_eq!(
        ledger(&app),
        vec![("booking".into(), "no_show".into(), 0, 1, 2000)]
    );
    // Usage for it turns up after all: billed for the usage instead, never on top.
    let booking: Value = json_of(
        app.api_get(&member, &format!("/api/v1/bookings/{unused}"))
            .await,
    )
    .await;
    let start = DateTime::parse_from_rfc3339(booking["starts_at"].as_str().expect("start"))
        .expect("time")
        .with_timezone(&Utc);
    let customer = booking["customer_id"].as_i64().expect("customer");
    let entered = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/usage",
            json!({"resource_id": laser, "customer_id": customer, "booking_id": unused,
                "started_at": rfc(start), "ended_at": rfc(start + Duration::minutes(45)),
                "note": "logbook"}),
        )
        .await;
    assert_eq!(entered.status(), 201);
    assert_eq!(
        ledger(&app),
        vec![
            ("booking".into(), "no_show".into(), 0, 1, 2000),
            ("booking_usage".into(), "usage".into(), 0, 60, 2000),
            ("booking".into(), "reversal".into(), 0, 1, -2000),
        ]
    );
}

#[tokio::test]
async fn anomalies_show_stops_without_starts_and_records_without_a_customer() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let now = Utc::now();
    // A start with no booking and no customer; a stop with no start at all.
    send(
        &app,
        &staff,
        event("a-1", laser, "start", now - Duration::hours(15)),
    )
    .await;
    send(
        &app,
        &staff,
        event("a-2", laser, "stop", now - Duration::hours(14)),
    )
    .await;
    send(
        &app,
        &staff,
        event("a-3", laser, "stop", now - Duration::hours(13)),
    )
    .await;
    {
        use obrador::db::schema::usage_events;
        let mut conn = app.db.conn();
        diesel::update(usage_events::table)
            .set(usage_events::received_at.eq((now - Duration::hours(1)).naive_utc()))
            .execute(&mut *conn)
            .expect("aged");
    }
    let found = json_of(app.api_get(&staff, "/api/v1/usage/anomalies").await).await;
    let kinds: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["no_customer", "stop_without_start"], "{found}");
    let member = app.token(&app.user(Role::Member, None));
    assert_eq!(
        app.api_get(&member, "/api/v1/usage/anomalies")
            .await
            .status(),
        403
    );
    assert!(
        ledger(&app).is_empty(),
        "nothing charged without a customer"
    );
    // Resolving: dismiss the lonely stop, give the record its customer.
    let event_id = found["items"][1]["event"].as_i64().expect("event");
    let dismissed = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/usage-events/{event_id}/dismiss"),
            json!({}),
        )
        .await;
    assert_eq!(dismissed.status(), 204);
    let usage_id = found["items"][0]["usage_id"].as_i64().expect("usage");
    let customer = app.user(Role::Member, None).customer_id.get();
    let fixed = app
        .api_send(
            Method::PATCH,
            &staff,
            &format!("/api/v1/usage/{usage_id}"),
            json!({"started_at": rfc(now - Duration::hours(15)),
                "ended_at": rfc(now - Duration::hours(14)), "customer_id": customer,
                "note": "Marta, per the logbook"}),
        )
        .await;
    assert_eq!(fixed.status(), 200);
    let after = json_of(app.api_get(&staff, "/api/v1/usage/anomalies").await).await;
    assert_eq!(after["items"], json!([]));
    assert_eq!(ledger(&app).len(), 1);
}

#[tokio::test]
async fn members_see_their_own_usage_and_charges_and_nobody_elses() {
    let app = app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.user(Role::Member, None);
    let bea = app.user(Role::Member, None);
    let start = Utc::now() - Duration::hours(2);
    for who in [&ana, &bea] {
        let entered = app
            .api_send(
                Method::POST,
                &staff,
                "/api/v1/usage",
                json!({"resource_id": laser, "customer_id": who.customer_id.get(),
                    "user_id": who.id.get(), "started_at": rfc(start),
                    "ended_at": rfc(start + Duration::minutes(30))}),
            )
            .await;
        assert_eq!(entered.status(), 201);
    }
    let ana_token = app.token(&ana);
    let mine = json_of(app.api_get(&ana_token, "/api/v1/usage").await).await;
    let items = mine["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["user_id"], ana.id.get());
    let charges = json_of(app.api_get(&ana_token, "/api/v1/charges").await).await;
    assert_eq!(charges["total"]["amount"], "10.00");
    assert_eq!(charges["charges"][0]["kind"], "usage");
    let other = app
        .api_get(
            &ana_token,
            &format!("/api/v1/charges?customer_id={}", bea.customer_id),
        )
        .await;
    assert_eq!(other.status(), 404);
    let bad_month = app
        .api_get(&ana_token, "/api/v1/charges?month=2026-13")
        .await;
    assert_eq!(bad_month.status(), 422);
    let forbidden = app
        .api_send(
            Method::POST,
            &ana_token,
            "/api/v1/usage",
            json!({"resource_id": laser, "customer_id": ana.customer_id.get(),
                "started_at": rfc(start)}),
        )
        .await;
    assert_eq!(forbidden.status(), 403);
}

/// A controller retrying one event from many connections at once: recorded once, every other
/// answer a harmless duplicate, one usage record.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_sent_thirty_times_at_once_is_recorded_once() {
    let app = app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let device = device_token(&app, laser);
    let customer = app.user(Role::Member, None).customer_id.get();
    let mut body = event("race-1", laser, "start", Utc::now() - Duration::minutes(5));
    body["customer_id"] = json!(customer);
    let handles: Vec<_> = (0..30)
        .map(|_| {
            let (client, url, token, body) = (
                app.client.clone(),
                app.url("/api/v1/usage-events"),
                device.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .expect("sent");
                response.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        29,
        "{statuses:?}"
    );
    let staff = app.token(&app.user(Role::Staff, None));
    let usage = json_of(app.api_get(&staff, "/api/v1/usage").await).await;
    assert_eq!(usage["items"].as_array().expect("items").len(), 1);
}

/// Starts and stops of one machine arriving all at once, in any order, on many connections:
/// every pair still becomes one closed record.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn starts_and_stops_arriving_at_once_still_pair_up() {
    let app = app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let device = device_token(&app, laser);
    let customer = app.user(Role::Member, None).customer_id.get();
    let base = Utc::now() - Duration::hours(10);
    let mut bodies = Vec::new();
    for i in 0..20 {
        let at = base + Duration::minutes(i * 10);
        let mut on = event(&format!("p-{i}-on"), laser, "start", at);
        on["customer_id"] = json!(customer);
        bodies.push(on);
        bodies.push(event(
            &format!("p-{i}-off"),
            laser,
            "stop",
            at + Duration::minutes(5),
        ));
    }
    bodies.reverse();
    let handles: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (client, url, token) = (
                app.client.clone(),
                app.url("/api/v1/usage-events"),
                device.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .expect("sent")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.expect("task"), 201);
    }
    let staff = app.token(&app.user(Role::Staff, None));
    let closed = json_of(app.api_get(&staff, "/api/v1/usage?status=closed").await).await;
    assert_eq!(closed["items"].as_array().expect("items").len(), 20);
    let open = json_of(app.api_get(&staff, "/api/v1/usage?status=open").await).await;
    assert_eq!(open["items"], json!([]));
}
