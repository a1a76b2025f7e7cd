//! Tutors over the API: staff manage them; members book a tutor alone or with a machine (both
//! blocks or neither) inside the tutor's availability, outside time off and only for skills they
//! have; races, moves, cancellations and the tutor's own schedule.
use chrono::{DateTime, Duration, Utc};
use obrador::domain::Role;
use obrador::services::{resources, By};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{problem, rfc, spawn_app, spawn_app_with, weekday_at, TestApp, TestUser};

const TUTOR_NAME: &str = "Ana the tutor";

/// A workshop with one category and a tutor who teaches it, Monday to Friday 09:00–18:00, with
/// a day off ten days from now.
struct Workshop {
    staff: String,
    tutor_user: TestUser,
    tutor: i64,
    category: i64,
}

fn category(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db.conn();
    resources::create_category(&mut conn, &By::System("test"), name, "")
        .expect("category")
        .get()
}

fn tutor_body(user: &TestUser, skills: &[i64]) -> Value {
    let week: Vec<Value> = (0..5)
        .map(|d| json!({"weekday": d, "opens_minute": 540, "closes_minute": 1080}))
        .collect();
    json!({"user_id": user.id.get(), "name": TUTOR_NAME, "rate_member": "30",
        "rate_business": "35", "rate_public": "40", "billing_increment_minutes": 15,
        "skills": skills, "availability": week,
        "time_off": [{"starts_at": rfc(weekday_at(10, 9)), "ends_at": rfc(weekday_at(10, 18)),
            "reason": "training abroad"}]})
}

async fn workshop(app: &TestApp) -> Workshop {
    let staff = app.token(&app.user(Role::Staff, None));
    let tutor_user = app.user(Role::Tutor, None);
    let category = category(app, "Laser cutters");
    let response = app
        .api_send(
            Method::POST,
            &staff,
            "/api/v1/tutors",
            tutor_body(&tutor_user, &[category]),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    let tutor = created["id"].as_i64().expect("tutor id");
    Workshop {
        staff,
        tutor_user,
        tutor,
        category,
    }
}

fn laser(app: &TestApp, name: &str, category: i64) -> i64 {
    app.machine(name, |raw| raw.category_id = Some(category))
        .id
        .get()
}

async fn book(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.api_send(Method::POST, token, "/api/v1/bookings", body)
        .await
}

fn slot(resource: i64, start: DateTime<Utc>, minutes: i64) -> Value {
    json!({"resource_id": resource, "starts_at": rfc(start),
        "ends_at": rfc(start + Duration::minutes(minutes))})
}

fn with_tutor(machine: i64, tutor: i64, start: DateTime<Utc>, minutes: i64) -> Value {
    let mut body = slot(machine, start, minutes);
    body["with_tutor_id"] = json!(tutor);
    body
}

fn zulu(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The live blocks of a resource on the day of `day`: (kind, starts_at).
async fn busy(app: &TestApp, resource: i64, day: DateTime<Utc>) -> Vec<(String, String)> {
    let from = day - Duration::hours(12);
    let path = format!(
        "/api/v1/resources/{resource}/availability?from={}&to={}",
        zulu(from),
        zulu(from + Duration::days(1))
    );
    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["busy"]
        .as_array()
        .expect("busy")
        .iter()
        .map(|span| {
            (
                span["kind"].as_str().unwrap_or_default().to_string(),
                span["starts_at"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn detail(response: reqwest::Response) -> String {
    problem(response).await["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn staff_create_tutors_who_are_listed_as_tutors_and_non_tutors_are_refused() {
    let app = spawn_app().await;
    let w = workshop(&app).await;
    let tutor: Value = app
        .api_get(&w.staff, &format!("/api/v1/tutors/{}", w.tutor))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tutor["kind"], "tutor");
    assert_eq!(tutor["user_id"], w.tutor_user.id.get());
    assert_eq!(tutor["skills"], json!([w.category]));
    assert_eq!(
        tutor["rates"]["member"],
        json!({"amount": "30.00", "currency": "EUR"})
    );
    assert_eq!(tutor["availability"].as_array().map(Vec::len), Some(5));
    assert_eq!(tutor["time_off"][0]["reason"], "training abroad");

    let listed: Value = app
        .get("/api/v1/resources")
        .await
        .json()
        .await
        .expect("json");
    let items = listed["items"].as_array().expect("items");
    assert!(items
        .iter()
        .any(|r| r["id"] == w.tutor && r["kind"] == "tutor" && r["name"] == TUTOR_NAME));

    let mut changed = tutor_body(&w.tutor_user, &[w.category]);
    changed["rate_member"] = json!("32.50");
    let response = app
        .api_send(
            Method::PUT,
            &w.staff,
            &format!("/api/v1/tutors/{}", w.tutor),
            changed,
        )
        .await;
    assert_eq!(response.status(), 200);
    let updated: Value = response.json().await.expect("json");
    assert_eq!(updated["rates"]["member"]["amount"], "32.50");
    let log: Value = app
        .api_get(
            &w.staff,
            &format!("/api/v1/audit?object_type=resource&object_id={}", w.tutor),
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
    assert_eq!(actions, ["tutor.update", "tutor.create"], "newest first");

    let member = app.user(Role::Member, None);
    let response = app
        .api_send(
            Method::POST,
            &w.staff,
            "/api/v1/tutors",
            tutor_body(&member, &[w.category]),
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(detail(response).await.contains("is not a tutor"));

    let member_token = app.token(&member);
    let response = app
        .api_send(
            Method::POST,
            &member_token,
            "/api/v1/tutors",
            tutor_body(&app.user(Role::Tutor, None), &[w.category]),
        )
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_tutor_is_booked_alone_or_with_a_machine_and_both_blocks_are_live() {
    let app = spawn_app().await;
    let w = workshop(&app).await;
    let laser = laser(&app, "Laser cutter", w.category);
    let member = app.token(&app.user(Role::Member, None));

    let alone = weekday_at(3, 10);
    assert_eq!(
        book(&app, &member, slot(w.tutor, alone, 60)).await.status(),
        201
    );
    assert_eq!(busy(&app, w.tutor, alone).await.len(), 1);
    assert_eq!(busy(&app, w.tutor, alone).await[0].0, "tutor");

    let together = weekday_at(6, 14);
    let response = book(&app, &member, with_tutor(laser, w.tutor, together, 90)).await;
    assert_eq!(response.status(), 201);
    let booking: Value = response.json().await.expect("json");
    assert_eq!(booking["resource_id"], laser);
    let machine_blocks = busy(&app, laser, together).await;
    let tutor_blocks = busy(&app, w.tutor, together).await;
    assert_eq!(machine_blocks.len(), 1);
    assert_eq!(machine_blocks[0].0, "booking");
    assert_eq!(tutor_blocks.len(), 1);
    assert_eq!(tutor_blocks[0].0, "tutor");
    assert_eq!(tutor_blocks[0].1, machine_blocks[0].1);
}

#[tokio::test]
async fn when_the_tutor_is_taken_nothing_is_booked_and_the_machine_stays_free() {
    let app = spawn_app().await;
    let w = workshop(&app).await;
    let laser = laser(&app, "Laser cutter", w.category);
    let (ana, bo) = (
        app.token(&app.user(Role::Member, None)),
        app.token(&app.user(Role::Member, None)),
    );
    let start = weekday_at(3, 10);
    assert_eq!(
        book(&app, &ana, slot(w.tutor, start, 60)).await.status(),
        201
    );

    let response = book(&app, &bo, with_tutor(laser, w.tutor, start, 60)).await;
    assert_eq!(response.status(), 409);
    assert!(detail(response).await.contains(TUTOR_NAME));
    assert!(busy(&app, laser, start).await.is_empty());
    assert_eq!(busy(&app, w.tutor, start).await.len(), 1);
    assert_eq!(book(&app, &bo, slot(laser, start, 60)).await.status(), 201);
}

#[tokio::test]
async fn a_tutor_is_booked_only_when_available_and_for_their_skills() {
    let app = spawn_app().await;
    let w = workshop(&app).await;
    let laser = laser(&app, "Laser cutter", w.category);
    let other = category(&app, "Welding");
    let welder = app
        .machine("Welding bench", |raw| raw.category_id = Some(other))
        .id
        .get();
    let member = app.token(&app.user(Role::Member, None));

    let evening = weekday_at(3, 19);
    let response = book(&app, &member, with_tutor(laser, w.tutor, evening, 60)).await;
    assert_eq!(response.status(), 422);
    assert!(detail(response).await.contains("is not available then"));
    let response = book(&app, &member, slot(w.tutor, evening, 60)).await;
    assert_eq!(response.status(), 422);

    let day_off = weekday_at(10, 11);
    let response = book(&app, &member, with_tutor(laser, w.tutor, day_off, 60)).await;
    assert_eq!(response.status(), 422);
    assert!(detail(response).await.contains("time off"));

    let response = book(
        &app,
        &member,
        with_tutor(welder, w.tutor, weekday_at(3, 10), 60),
    )
    .await;
    assert_eq!(response.status(), 422);
    let message = detail(response).await;
    assert!(
        message.contains("does not teach Welding bench"),
        "{message}"
    );
    assert!(busy(&app, welder, weekday_at(3, 10)).await.is_empty());
    assert!(busy(&app, laser, evening).await.is_empty());
}

/// 30 members book 30 different machines with the same tutor at once: exactly one gets them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_clients_racing_for_one_tutor_with_thirty_machines_get_one_201() {
    let app = spawn_app().await;
    let w = workshop(&app).await;
    let start = weekday_at(3, 10);
    let requests: Vec<_> = (0..30)
        .map(|i| {
            let machine = laser(&app, &format!("Laser {i}"), w.category);
            let token = app.token(&app.user(Role::Member, None));
            let request = app
                .client
                .post(app.url("/api/v1/bookings"))
                .bearer_auth(token)
                .json(&with_tutor(machine, w.tutor, start, 60));
            async move { request.send().await.expect("sent").status().as_u16() }
        })
        .collect();
    let handles: Vec<_> = requests.into_iter().map(tokio::spawn).collect();
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
        statuses.iter().filter(|s| **s == 409).count(),
        29,
        "{statuses:?}"
    );
    assert_eq!(busy(&app, w.tutor, start).await.len(), 1);
    let mut conn = app.db.conn();
    assert_eq!(
        obrador::services::bookings::overlapping_blocks(&mut conn).expect("count"),
        0
    );
}

#[tokio::test]
async fn moving_moves_both_blocks_and_cancelling_frees_both() {
    let app = spawn_app().await;
    let w = workshop(&app).await;
    let laser = laser(&app, "Laser cutter", w.category);
    let member = app.token(&app.user(Role::Member, None));
    let start = weekday_at(3, 10);
    let response = book(&app, &member, with_tutor(laser, w.tutor, start, 60)).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let path = format!("/api/v1/bookings/{id}");

    let later = start + Duration::hours(4);
    let moved = json!({"starts_at": rfc(later), "ends_at": rfc(later + Duration::hours(1))});
    let response = app.api_send(Method::PATCH, &member, &path, moved).await;
    assert_eq!(response.status(), 200);
    let machine_blocks = busy(&app, laser, start).await;
    let tutor_blocks = busy(&app, w.tutor, start).await;
    assert_eq!(machine_blocks.len(), 1);
    assert_eq!(tutor_blocks.len(), 1);
    assert_eq!(machine_blocks[0].1, tutor_blocks[0].1);
    assert!(machine_blocks[0].1.starts_with(&rfc(later)[..16]));

    let evening = weekday_at(3, 19);
    let outside = json!({"starts_at": rfc(evening), "ends_at": rfc(evening + Duration::hours(1))});
    let response = app.api_send(Method::PATCH, &member, &path, outside).await;
    assert_eq!(response.status(), 422);

    let response = app
        .api_send(Method::DELETE, &member, &path, json!({}))
        .await;
    assert_eq!(response.status(), 200);
    assert!(busy(&app, laser, start).await.is_empty());
    assert!(busy(&app, w.tutor, start).await.is_empty());
}

#[tokio::test]
async fn the_tutor_and_staff_see_the_tutors_schedule_and_members_do_not() {
    let app = spawn_app().await;
    let w = workshop(&app).await;
    let laser = laser(&app, "Laser cutter", w.category);
    let member_user = app.user(Role::Member, None);
    let member = app.token(&member_user);
    let start = weekday_at(3, 10);
    let response = book(&app, &member, with_tutor(laser, w.tutor, start, 60)).await;
    assert_eq!(response.status(), 201);
    let booking = response.json::<Value>().await.expect("json")["id"].clone();
    let path = format!(
        "/api/v1/tutors/{}/schedule?from={}&to={}",
        w.tutor,
        zulu(start - Duration::days(1)),
        zulu(start + Duration::days(1))
    );

    for token in [app.token(&w.tutor_user), w.staff.clone()] {
        let response = app.api_get(&token, &path).await;
        assert_eq!(response.status(), 200);
        let schedule: Value = response.json().await.expect("json");
        let items = schedule["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["booking_id"], booking);
        assert_eq!(items[0]["resource_id"], laser);
        assert_eq!(items[0]["customer_id"], member_user.customer_id.get());
        assert_eq!(items[0]["kind"], "tutor");
    }
    let other_tutor = app.token(&app.user(Role::Tutor, None));
    for token in [member, other_tutor] {
        assert_eq!(app.api_get(&token, &path).await.status(), 404);
    }
}

/// Moves a booking (and its blocks) so that it ended an hour ago, as time would.
fn into_the_past(app: &TestApp, booking: i64, minutes: i64) {
    use diesel::prelude::*;
    use obrador::db::schema::bookings;
    let end = (Utc::now() - Duration::hours(1)).naive_utc();
    let mut conn = app.db.conn();
    diesel::update(bookings::table.find(booking))
        .set((
            bookings::starts_at.eq(end - Duration::minutes(minutes)),
            bookings::ends_at.eq(end),
        ))
        .execute(&mut *conn)
        .expect("moved");
}

/// Runs the settle job's batch as an instance would, `times` times side by side.
async fn settle(app: &TestApp, times: usize) -> usize {
    use obrador::jobs::{run_batch_blocking, settle::Settle, Job};
    use std::sync::Arc;
    let job: Arc<dyn Job> = Arc::new(Settle::new(&app.settings, "test"));
    let runs: Vec<_> = (0..times)
        .map(|_| {
            let (job, pool) = (job.clone(), app.db.pool());
            tokio::spawn(run_batch_blocking(job, pool, obrador::jobs::now()))
        })
        .collect();
    let mut written = 0;
    for run in runs {
        written += run.await.expect("task").expect("batch");
    }
    written
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tutor_hours_are_charged_once_after_the_booking_ends() {
    let app = spawn_app_with(|s| s.jobs.enabled = false).await;
    let w = workshop(&app).await;
    let laser = laser(&app, "Laser cutter", w.category);
    let business = app.business("Taller Mas SL");
    let employee = app.token(&app.user(Role::Member, Some(business)));
    // 50 minutes with the tutor: billed as 60 (15-minute increments) at the business rate, 35 €.
    let start = weekday_at(3, 10);
    let response = book(&app, &employee, with_tutor(laser, w.tutor, start, 60)).await;
    assert_eq!(response.status(), 201);
    let with: Value = response.json().await.expect("json");
    let alone = book(
        &app,
        &employee,
        slot(w.tutor, start + Duration::hours(2), 30),
    )
    .await;
    assert_eq!(alone.status(), 201);
    let alone: Value = alone.json().await.expect("json");
    let cancelled = book(
        &app,
        &employee,
        slot(w.tutor, start + Duration::hours(4), 30),
    )
    .await;
    let cancelled: Value = cancelled.json().await.expect("json");
    let cancel = app
        .api_send(
            Method::DELETE,
            &employee,
            &format!("/api/v1/bookings/{}", cancelled["id"]),
            json!({}),
        )
        .await;
    assert_eq!(cancel.status(), 200);

    assert_eq!(settle(&app, 1).await, 0, "nothing has ended yet");
    let ids: Vec<i64> = [&with, &alone, &cancelled]
        .iter()
        .map(|b| b["id"].as_i64().expect("id"))
        .collect();
    into_the_past(&app, ids[0], 50);
    into_the_past(&app, ids[1], 30);
    into_the_past(&app, ids[2], 30);
    // Three instances settling at once write each charge once.
    assert_eq!(settle(&app, 3).await, 2);
    assert_eq!(settle(&app, 1).await, 0);

    use diesel::prelude::*;
    use obrador::db::schema::charges;
    let mut conn = app.db.conn();
    let written: Vec<(i64, i64, i64)> = charges::table
        .filter(charges::kind.eq("tutor"))
        .order(charges::source_id)
        .select((
            charges::source_id,
            charges::quantity,
            charges::unit_price_cents,
        ))
        .load(&mut *conn)
        .expect("charges");
    assert_eq!(written, vec![(ids[0], 60, 3500), (ids[1], 30, 3500)]);
}
