//! Booking machine time over the API: rules, conflicts, moves, cancellations, visibility, races.
use chrono::Duration;
use obrador::domain::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{local, problem, rfc, spawn_app, weekday_at, TestApp};

async fn book(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.api_send(Method::POST, token, "/api/v1/bookings", body)
        .await
}

fn slot(machine: i64, start: chrono::DateTime<chrono::Utc>, minutes: i64) -> Value {
    json!({"resource_id": machine, "starts_at": rfc(start), "ends_at": rfc(start + Duration::minutes(minutes))})
}

#[tokio::test]
async fn machines_are_listed_with_rates_and_rules() {
    let app = spawn_app().await;
    let staff = app.user(Role::Staff, None);
    let token = app.token(&staff);
    let body = json!({"name": "Laser cutter 1", "rate_member": "18.50", "rate_business": "24", "rate_public": "30",
        "slot_minutes": 15, "min_minutes": 30, "max_minutes": 240, "buffer_minutes": 15, "billing_basis": "max",
        "billing_increment_minutes": 6, "minimum_charge": "5"});
    let response = app
        .api_send(Method::POST, &token, "/api/v1/resources", body)
        .await;
    assert_eq!(response.status(), 201);
    let listed: Value = app
        .get("/api/v1/resources")
        .await
        .json()
        .await
        .expect("json");
    let laser = &listed["items"][0];
    assert_eq!(laser["name"], "Laser cutter 1");
    assert_eq!(laser["kind"], "machine");
    assert_eq!(
        laser["rates"]["member"],
        json!({"amount": "18.50", "currency": "EUR"})
    );
    assert_eq!(laser["rules"]["slot_minutes"], 15);
    assert_eq!(laser["rules"]["buffer_minutes"], 15);
    assert_eq!(laser["billing_basis"], "max");
    assert_eq!(laser["billing_increment"], 6);
    for (body, words) in [
        (
            json!({"name": "X", "rate_member": "-1", "rate_business": "1", "rate_public": "1"}),
            "negative",
        ),
        (
            json!({"name": "X", "rate_member": "1", "rate_business": "1", "rate_public": "1", "billing_increment_minutes": 7}),
            "3, 6, 12, 15, 30 or 60",
        ),
        (
            json!({"name": "X", "rate_member": "1", "rate_business": "1", "rate_public": "1", "slot_minutes": 7}),
            "slot",
        ),
    ] {
        let response = app
            .api_send(Method::POST, &token, "/api/v1/resources", body)
            .await;
        assert_eq!(response.status(), 422);
        assert!(problem(response).await["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(words));
    }
    let member = app.token(&app.user(Role::Member, None));
    let response = app
        .api_send(
            Method::POST,
            &member,
            "/api/v1/resources",
            json!({"name": "X", "rate_member": "1", "rate_business": "1", "rate_public": "1"}),
        )
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_free_slot_is_booked_once_and_half_open_neighbours_fit() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.token(&app.user(Role::Member, None));
    let bea = app.token(&app.user(Role::Member, None));
    let start = weekday_at(3, 10);
    let response = book(&app, &ana, slot(laser, start, 60)).await;
    assert_eq!(response.status(), 201);
    let booking: Value = response.json().await.expect("json");
    assert_eq!(booking["status"], "confirmed");
    assert_eq!(
        booking["price"],
        json!({"amount": "20.00", "currency": "EUR"})
    );
    for (offset, minutes) in [(0, 60), (30, 60), (-30, 60), (-60, 180)] {
        let response = book(
            &app,
            &bea,
            slot(laser, start + Duration::minutes(offset), minutes),
        )
        .await;
        assert_eq!(response.status(), 409, "offset {offset}");
        assert!(problem(response).await["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already taken"));
    }
    assert_eq!(
        book(&app, &bea, slot(laser, start + Duration::minutes(60), 30))
            .await
            .status(),
        201
    );
    assert_eq!(
        book(&app, &bea, slot(laser, start - Duration::minutes(30), 30))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn the_buffer_after_a_booking_blocks_the_next_slot() {
    let app = spawn_app().await;
    let printer = app
        .machine("Resin printer", |m| m.buffer_minutes = Some(30))
        .id
        .get();
    let ana = app.token(&app.user(Role::Member, None));
    let start = weekday_at(3, 10);
    assert_eq!(
        book(&app, &ana, slot(printer, start, 60)).await.status(),
        201
    );
    assert_eq!(
        book(&app, &ana, slot(printer, start + Duration::minutes(60), 30))
            .await
            .status(),
        409
    );
    assert_eq!(
        book(&app, &ana, slot(printer, start + Duration::minutes(90), 30))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn every_rule_is_enforced_with_a_message_that_names_it() {
    let app = spawn_app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let hours = json!({"days": [[[540, 1260]], [[540, 1260]], [[540, 1260]], [[540, 1260]], [[540, 1260]], [[600, 840]], []]});
    assert_eq!(
        app.api_send(Method::PUT, &staff, "/api/v1/opening-hours", hours)
            .await
            .status(),
        200
    );
    let closed_day = weekday_at(10, 10);
    let day = obrador::domain::WorkshopTz::DEFAULT.local_date(closed_day);
    let closure = json!({"first_day": day, "last_day": day, "reason": "annual inventory"});
    assert_eq!(
        app.api_send(Method::POST, &staff, "/api/v1/closures", closure)
            .await
            .status(),
        201
    );
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.token(&app.user(Role::Member, None));
    let start = weekday_at(3, 10);
    let cases = [
        (
            slot(laser, start + Duration::minutes(10), 60),
            422,
            "30-minute grid",
        ),
        (slot(laser, start, 540), 422, "at most 480 minutes"),
        (
            slot(laser, weekday_at(3, 20), 120),
            422,
            "outside opening hours",
        ),
        (slot(laser, closed_day, 60), 422, "annual inventory"),
        (
            slot(laser, start - Duration::days(10), 60),
            422,
            "already started",
        ),
        (
            slot(laser, start + Duration::days(90), 60),
            422,
            "60 days ahead",
        ),
        (slot(laser, start, 0), 422, "end must be after the start"),
        (slot(999, start, 60), 422, "no machine 999"),
        (
            json!({"resource_id": laser, "starts_at": "2027-03-01T10:00:00", "ends_at": "2027-03-01T11:00:00"}),
            422,
            "no UTC offset",
        ),
    ];
    for (body, status, words) in cases {
        let response = book(&app, &ana, body.clone()).await;
        assert_eq!(response.status(), status, "{body}");
        let detail = problem(response).await["detail"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(detail.contains(words), "{detail} should say {words}");
    }
    let mine: Value = app
        .api_get(&ana, "/api/v1/bookings")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        mine["items"].as_array().map(Vec::len),
        Some(0),
        "nothing was booked"
    );
}

#[tokio::test]
async fn a_qualification_unlocks_a_machine_and_the_refusal_names_it() {
    let app = spawn_app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let created: Value = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/qualifications",
            json!({"name": "Laser cutter safety", "valid_months": 24}),
        )
        .await
        .json()
        .await
        .expect("json");
    let qualification = created["id"].as_i64().expect("id");
    let laser = app
        .machine("Laser cutter", |m| {
            m.required_qualification_id = Some(qualification)
        })
        .id
        .get();
    let ana = app.user(Role::Member, None);
    let token = app.token(&ana);
    let response = book(&app, &token, slot(laser, weekday_at(3, 10), 60)).await;
    assert_eq!(response.status(), 403);
    assert!(problem(response).await["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("Laser cutter safety"));
    let grant = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/users/{}/qualifications", ana.id),
            json!({"qualification_id": qualification}),
        )
        .await;
    assert_eq!(grant.status(), 201);
    assert_eq!(
        book(&app, &token, slot(laser, weekday_at(3, 10), 60))
            .await
            .status(),
        201
    );
    let revoke = app
        .api_send(
            Method::DELETE,
            &staff,
            &format!("/api/v1/users/{}/qualifications/{qualification}", ana.id),
            json!(null),
        )
        .await;
    assert_eq!(revoke.status(), 204);
    assert_eq!(
        book(&app, &token, slot(laser, weekday_at(4, 10), 60))
            .await
            .status(),
        403
    );
    let log: Value = app
        .api_get(
            &staff,
            &format!("/api/v1/audit?object_type=user&object_id={}", ana.id),
        )
        .await
        .json()
        .await
        .expect("json");
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"qualification.grant") && actions.contains(&"qualification.revoke"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn staff_book_for_anyone_and_overrides_are_audited() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let staff = app.user(Role::Staff, None);
    let staff_token = app.token(&staff);
    let ana = app.user(Role::Member, None);
    let mut body = slot(laser, weekday_at(3, 10), 600);
    body["user_id"] = json!(ana.id);
    let response = book(&app, &staff_token, body).await;
    assert_eq!(response.status(), 201);
    let booking: Value = response.json().await.expect("json");
    assert_eq!(booking["customer_id"], ana.customer_id.get());
    let log: Value = app
        .api_get(
            &staff_token,
            &format!(
                "/api/v1/audit?object_type=booking&object_id={}",
                booking["id"]
            ),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(log["items"][0]["action"], "booking.create_override");
    assert!(log["items"][0]["changes"]["overrides"]["new"][0]
        .as_str()
        .unwrap_or_default()
        .contains("at most 480"));
    let mine: Value = app
        .api_get(&app.token(&ana), "/api/v1/bookings")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        mine["items"][0]["id"], booking["id"],
        "the member sees it as theirs"
    );
    let other = app.token(&app.user(Role::Member, None));
    let mut body = slot(laser, weekday_at(5, 10), 60);
    body["user_id"] = json!(ana.id);
    assert_eq!(
        book(&app, &other, body).await.status(),
        403,
        "members cannot book for others"
    );
}

#[tokio::test]
async fn someone_elses_booking_is_not_found_and_a_business_admin_sees_the_business() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let business = app.business("Fusteria Roure SL");
    let employee = app.user(Role::Member, Some(business));
    let colleague = app.user(Role::Member, Some(business));
    let boss = app.user(Role::BusinessAdmin, Some(business));
    let stranger = app.user(Role::Member, None);
    let response = book(
        &app,
        &app.token(&employee),
        slot(laser, weekday_at(3, 10), 60),
    )
    .await;
    let booking: Value = response.json().await.expect("json");
    assert_eq!(
        booking["customer_id"],
        business.get(),
        "booked on the business account"
    );
    let path = format!("/api/v1/bookings/{}", booking["id"]);
    for (who, person, status) in [
        ("stranger", &stranger, 404),
        ("colleague", &colleague, 404),
        ("boss", &boss, 200),
        ("employee", &employee, 200),
    ] {
        assert_eq!(
            app.api_get(&app.token(person), &path).await.status(),
            status,
            "{who}"
        );
    }
    let stranger_token = app.token(&stranger);
    let moved = app
        .api_send(
            Method::PATCH,
            &stranger_token,
            &path,
            slot(laser, weekday_at(4, 10), 60),
        )
        .await;
    assert_eq!(moved.status(), 404);
    assert_eq!(
        app.api_send(Method::DELETE, &stranger_token, &path, json!(null))
            .await
            .status(),
        404
    );
    let boss_list: Value = app
        .api_get(&app.token(&boss), "/api/v1/bookings")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(boss_list["items"].as_array().map(Vec::len), Some(1));
    let colleague_list: Value = app
        .api_get(&app.token(&colleague), "/api/v1/bookings")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(colleague_list["items"].as_array().map(Vec::len), Some(0));
    let mut on_other_account = slot(laser, weekday_at(5, 10), 60);
    on_other_account["customer_id"] = json!(stranger.customer_id);
    assert_eq!(
        book(&app, &app.token(&employee), on_other_account)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn a_booking_moves_to_free_time_only() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.token(&app.user(Role::Member, None));
    let bea = app.token(&app.user(Role::Member, None));
    let start = weekday_at(3, 10);
    let mine: Value = book(&app, &ana, slot(laser, start, 60))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        book(&app, &bea, slot(laser, start + Duration::hours(2), 60))
            .await
            .status(),
        201
    );
    let path = format!("/api/v1/bookings/{}", mine["id"]);
    let taken = app
        .api_send(
            Method::PATCH,
            &ana,
            &path,
            slot(laser, start + Duration::minutes(90), 60),
        )
        .await;
    assert_eq!(taken.status(), 409);
    let unchanged: Value = app.api_get(&ana, &path).await.json().await.expect("json");
    assert_eq!(unchanged["starts_at"], mine["starts_at"]);
    let moved = app
        .api_send(
            Method::PATCH,
            &ana,
            &path,
            slot(laser, start + Duration::hours(4), 90),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.expect("json");
    assert_eq!(moved["sequence"], 1);
    assert_eq!(moved["price"]["amount"], "30.00");
    assert_eq!(
        book(&app, &bea, slot(laser, start, 60)).await.status(),
        201,
        "the old time is free again"
    );
    let off_grid = app
        .api_send(
            Method::PATCH,
            &ana,
            &path,
            slot(laser, start + Duration::minutes(5), 60),
        )
        .await;
    assert_eq!(off_grid.status(), 422);
}

fn charges_for(app: &TestApp, booking: i64) -> Vec<(String, i64)> {
    use diesel::prelude::*;
    use obrador::db::schema::charges;
    let mut conn = app.db.conn();
    charges::table
        .filter(charges::source_type.eq("booking"))
        .filter(charges::source_id.eq(booking))
        .select((charges::kind, charges::unit_price_cents))
        .load(&mut *conn)
        .expect("charges")
}

#[tokio::test]
async fn cancelling_early_is_free_and_late_costs_half_once() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.token(&app.user(Role::Member, None));
    let early: Value = book(&app, &ana, slot(laser, weekday_at(3, 10), 90))
        .await
        .json()
        .await
        .expect("json");
    let response = app
        .api_send(
            Method::DELETE,
            &ana,
            &format!("/api/v1/bookings/{}", early["id"]),
            json!(null),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cancelled: Value = response.json().await.expect("json");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancellation_fee"]["amount"], "0.00");
    assert!(charges_for(&app, early["id"].as_i64().expect("id")).is_empty());

    // Within the 24 hours before the start: half of 30 minutes at 20 € = 5.00. (30 minutes from a
    // half hour never crosses local midnight, whatever time the test runs.)
    let soon = chrono::Utc::now() + Duration::hours(3);
    let soon = soon - Duration::seconds(soon.timestamp() % 1800);
    let staff = app.token(&app.user(Role::Staff, None));
    let always = json!({"days": [[[0, 1440]], [[0, 1440]], [[0, 1440]], [[0, 1440]], [[0, 1440]], [[0, 1440]], [[0, 1440]]]});
    app.api_send(Method::PUT, &staff, "/api/v1/opening-hours", always)
        .await;
    let late: Value = book(&app, &ana, slot(laser, soon, 30))
        .await
        .json()
        .await
        .expect("json");
    let path = format!("/api/v1/bookings/{}", late["id"]);
    let cancelled: Value = app
        .api_send(Method::DELETE, &ana, &path, json!(null))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(cancelled["cancellation_fee"]["amount"], "5.00");
    let again = app.api_send(Method::DELETE, &ana, &path, json!(null)).await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        charges_for(&app, late["id"].as_i64().expect("id")),
        vec![("late_cancel".to_string(), 500)]
    );
}

#[tokio::test]
async fn bookings_across_clock_changes_last_and_cost_their_real_time() {
    let app = spawn_app().await;
    let laser = app.machine("Night laser", |m| {
        m.max_minutes = Some(600);
        m.horizon_days = Some(800);
    });
    let ana = app.token(&app.user(Role::Member, None));
    // Spring forward in 2027: 01:00–04:00 local is two real hours; autumn: four.
    for (from, to, hours, price) in [
        ("2027-03-28 01:00", "2027-03-28 04:00", 2, "40.00"),
        ("2027-10-31 01:00", "2027-10-31 04:00", 4, "80.00"),
    ] {
        let (start, end) = (local(from), local(to));
        assert_eq!((end - start).num_hours(), hours);
        let body = json!({"resource_id": laser.id, "starts_at": rfc(start), "ends_at": rfc(end)});
        let response = book(&app, &ana, body).await;
        assert_eq!(response.status(), 201, "{from}");
        let booking: Value = response.json().await.expect("json");
        assert_eq!(booking["price"]["amount"], price, "{from}");
        let stored_start: chrono::DateTime<chrono::Utc> = booking["starts_at"]
            .as_str()
            .expect("time")
            .parse()
            .expect("rfc3339");
        assert_eq!(stored_start, start);
    }
}

#[tokio::test]
async fn availability_shows_free_and_busy_time() {
    let app = spawn_app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let hours = json!({"days": [[[540, 1260]], [[540, 1260]], [[540, 1260]], [[540, 1260]], [[540, 1260]], [], []]});
    app.api_send(Method::PUT, &staff, "/api/v1/opening-hours", hours)
        .await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.token(&app.user(Role::Member, None));
    let start = weekday_at(3, 10);
    assert_eq!(book(&app, &ana, slot(laser, start, 60)).await.status(), 201);
    let day_start = start - Duration::hours(10);
    let path = format!(
        "/api/v1/resources/{laser}/availability?from={}&to={}",
        urlencode(&rfc(day_start)),
        urlencode(&rfc(day_start + Duration::days(1)))
    );
    let availability: Value = app.get(&path).await.json().await.expect("json");
    let busy = availability["busy"].as_array().expect("busy");
    assert_eq!(busy.len(), 1);
    assert_eq!(busy[0]["kind"], "booking");
    let free = availability["free"].as_array().expect("free");
    assert_eq!(free.len(), 2, "09:00–10:00 and 11:00–21:00: {availability}");
    let first_end: chrono::DateTime<chrono::Utc> = free[0]["ends_at"]
        .as_str()
        .expect("t")
        .parse()
        .expect("time");
    assert_eq!(first_end, start);
    let bad = app
        .get(&format!(
            "/api/v1/resources/{laser}/availability?from=yesterday&to=today"
        ))
        .await;
    assert_eq!(bad.status(), 422);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn a_weekly_series_books_all_or_nothing_or_what_is_free() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.token(&app.user(Role::Member, None));
    let bea = app.token(&app.user(Role::Member, None));
    let start = weekday_at(2, 18);
    assert_eq!(
        book(&app, &bea, slot(laser, start + Duration::weeks(2), 60))
            .await
            .status(),
        201
    );
    let mut body = slot(laser, start, 60);
    body["weeks"] = json!(4);
    let response = book(&app, &ana, body.clone()).await;
    assert_eq!(response.status(), 409);
    assert!(problem(response).await["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("Nothing was booked"));
    let mine: Value = app
        .api_get(&ana, "/api/v1/bookings")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(0));
    body["series_mode"] = json!("book_what_is_free");
    let response = book(&app, &ana, body).await;
    assert_eq!(response.status(), 201);
    let outcome: Value = response.json().await.expect("json");
    assert_eq!(outcome["booked"].as_array().map(Vec::len), Some(3));
    assert_eq!(outcome["conflicts"].as_array().map(Vec::len), Some(1));
    assert!(outcome["conflicts"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("already taken"));
}

/// 100 clients race for one slot: exactly one wins, the rest are told it is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_clients_racing_for_one_slot_get_one_201_and_99_409() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let tokens: Vec<String> = (0..10)
        .map(|_| app.token(&app.user(Role::Member, None)))
        .collect();
    let body = slot(laser, weekday_at(3, 10), 60);
    let requests = (0..100).map(|i| {
        let request = app
            .client
            .post(app.url("/api/v1/bookings"))
            .bearer_auth(&tokens[i % tokens.len()])
            .json(&body);
        async move { request.send().await.expect("sent").status().as_u16() }
    });
    let statuses = futures_join_all(requests).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        99,
        "{statuses:?}"
    );
}

/// A random mix of creates, moves and cancels, many at once, never leaves two live blocks of one
/// machine overlapping.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_creates_moves_and_cancels_never_overlap() {
    let app = spawn_app().await;
    let machines = [
        app.machine("A", |_| {}).id.get(),
        app.machine("B", |_| {}).id.get(),
    ];
    let tokens: Vec<String> = (0..6)
        .map(|_| app.token(&app.user(Role::Member, None)))
        .collect();
    let base = weekday_at(3, 9);
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut created = Vec::new();
    for round in 0..6 {
        let batch: Vec<_> = (0..20)
            .map(|i| {
                let token = tokens[(next() as usize) % tokens.len()].clone();
                let machine = machines[(next() as usize) % 2];
                let start = base + Duration::minutes(30 * (next() % 20) as i64);
                let minutes = 30 * (1 + (next() % 4) as i64);
                let action = if created.is_empty() || i % 3 == 0 {
                    0
                } else {
                    next() % 3
                };
                let target: Option<i64> = if created.is_empty() {
                    None
                } else {
                    Some(created[(next() as usize) % created.len()])
                };
                let client = app.client.clone();
                let url = app.url("/api/v1/bookings");
                async move {
                    let response = match (action, target) {
                        (1, Some(id)) => {
                            client
                                .patch(format!("{url}/{id}"))
                                .bearer_auth(&token)
                                .json(&slot(machine, start, minutes))
                                .send()
                                .await
                        }
                        (2, Some(id)) => {
                            client
                                .delete(format!("{url}/{id}"))
                                .bearer_auth(&token)
                                .send()
                                .await
                        }
                        _ => {
                            client
                                .post(&url)
                                .bearer_auth(&token)
                                .json(&slot(machine, start, minutes))
                                .send()
                                .await
                        }
                    }
                    .expect("sent");
                    let status = response.status().as_u16();
                    assert!(status < 500, "round {round}: {status}");
                    if action == 0 && status == 201 {
                        response
                            .json::<Value>()
                            .await
                            .ok()
                            .and_then(|b| b["id"].as_i64())
                    } else {
                        None
                    }
                }
            })
            .collect();
        created.extend(futures_join_all(batch).await.into_iter().flatten());
    }
    assert!(!created.is_empty());
    let mut conn = app.db.conn();
    assert_eq!(
        obrador::services::bookings::overlapping_blocks(&mut conn).expect("check"),
        0
    );
}

/// Runs futures concurrently on the test's runtime and collects their outputs in order.
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}
