//! Training over the API: staff schedule sessions that block their tutor and machines; members
//! sign up (a business admin for several employees) for seats that are never oversold, or join a
//! FIFO waiting list; a freed seat promotes the first in line; attendance grants the course's
//! qualification; a session cancelled by the workshop charges nobody.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use obrador::db::schema::{charges, training_sessions};
use obrador::domain::{Role, WorkshopTz};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::smtp::app_with_smtp;
use crate::helpers::{local, problem, rfc, spawn_app, weekday_at, TestApp};

async fn sign_up(app: &TestApp, token: &str, session: i64, body: Value) -> reqwest::Response {
    app.api_send(
        Method::POST,
        token,
        &format!("/api/v1/training-sessions/{session}/enrollments"),
        body,
    )
    .await
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json body")
}

async fn session_json(app: &TestApp, token: &str, session: i64) -> Value {
    json_of(
        app.api_get(token, &format!("/api/v1/training-sessions/{session}"))
            .await,
    )
    .await
}

/// The (kind, amount in cents) charges written for an enrollment, in order.
fn charges_of(app: &TestApp, enrollment: i64) -> Vec<(String, i64)> {
    let mut conn = app.db.conn();
    charges::table
        .filter(charges::source_type.eq("enrollment"))
        .filter(charges::source_id.eq(enrollment))
        .order(charges::id)
        .select((charges::kind, charges::unit_price_cents))
        .load(&mut *conn)
        .expect("charges")
}

/// Moves a session into the past, as time would (the service refuses to schedule one there).
fn move_to_past(app: &TestApp, session: i64) {
    let start = (Utc::now() - Duration::hours(2)).naive_utc();
    let mut conn = app.db.conn();
    diesel::update(training_sessions::table.find(session))
        .set((
            training_sessions::starts_at.eq(start),
            training_sessions::ends_at.eq(start + Duration::hours(1)),
        ))
        .execute(&mut *conn)
        .expect("moved");
}

#[tokio::test]
async fn the_catalog_lists_sessions_with_seats_left_and_signing_up_confirms_a_seat() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let session = app.session(&fixture, weekday_at(5, 10), 3).id.get();
    let member = app.user(Role::Member, None);
    let token = app.token(&member);

    let catalog = json_of(app.api_get(&token, "/api/v1/training-sessions").await).await;
    let listed = &catalog["items"][0];
    assert_eq!(listed["id"], session);
    assert_eq!(listed["course_name"], "Laser cutter safety");
    assert_eq!(listed["seats_left"], 3);
    assert_eq!(listed["seat_prices"]["member"]["amount"], "30.00");

    let response = sign_up(&app, &token, session, json!({})).await;
    assert_eq!(response.status(), 201);
    let enrollment = json_of(response).await;
    assert_eq!(enrollment["status"], "confirmed");
    assert!(enrollment.get("position").is_none(), "{enrollment}");
    assert_eq!(enrollment["seat_price"]["amount"], "30.00");
    assert_eq!(session_json(&app, &token, session).await["seats_left"], 2);

    let id = enrollment["id"].as_i64().expect("id");
    assert_eq!(charges_of(&app, id), vec![("seat".to_string(), 3000)]);
    let read = json_of(
        app.api_get(&token, &format!("/api/v1/enrollments/{id}"))
            .await,
    )
    .await;
    assert_eq!(read["status"], "confirmed");
    let mine = json_of(app.api_get(&token, "/api/v1/enrollments").await).await;
    assert_eq!(mine["items"][0]["id"], id);
    assert_eq!(
        mine["items"][0]["session"]["course_name"],
        "Laser cutter safety"
    );

    // Without a token, nothing.
    let anonymous = app.get("/api/v1/training-sessions").await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_business_admin_signs_up_several_employees_at_their_price_but_nobody_elses() {
    let app = spawn_app().await;
    let fixture = app.course("CNC router induction");
    let session = app.session(&fixture, weekday_at(5, 10), 2).id.get();
    let business = app.business("Fusteria Roca SL");
    let admin = app.user(Role::BusinessAdmin, Some(business));
    let ones = [
        app.user(Role::Member, Some(business)),
        app.user(Role::Member, Some(business)),
        app.user(Role::Member, Some(business)),
    ];
    let stranger = app.user(Role::Member, None);
    let token = app.token(&admin);

    // Someone of another account in the list: refused, and nobody is signed up.
    let ids: Vec<i64> = ones.iter().map(|u| u.id.get()).collect();
    let mixed = sign_up(
        &app,
        &token,
        session,
        json!({"user_ids": [ids[0], stranger.id.get()]}),
    )
    .await;
    assert_eq!(mixed.status(), 403);
    assert!(problem(mixed).await["detail"]
        .as_str()
        .expect("detail")
        .contains("business"));
    assert_eq!(session_json(&app, &token, session).await["seats_left"], 2);

    let response = sign_up(&app, &token, session, json!({"user_ids": ids})).await;
    assert_eq!(response.status(), 201);
    let items = json_of(response).await["items"].clone();
    let statuses: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["confirmed", "confirmed", "waitlisted"]);
    assert_eq!(items[2]["position"], 1);
    assert_eq!(items[0]["seat_price"]["amount"], "45.00");

    // Signing the same person up twice: 409, nothing changes.
    let again = sign_up(&app, &token, session, json!({"user_id": ids[0]})).await;
    assert_eq!(again.status(), 409);
    let after = session_json(&app, &token, session).await;
    assert_eq!(after["seats_left"], 0);
    assert_eq!(after["waiting"], 1);

    // The admin reads the employees' enrollments; the stranger does not (404).
    let first = items[0]["id"].as_i64().expect("id");
    let path = format!("/api/v1/enrollments/{first}");
    assert_eq!(app.api_get(&token, &path).await.status(), 200);
    let stranger_token = app.token(&stranger);
    assert_eq!(app.api_get(&stranger_token, &path).await.status(), 404);
    let employee = app.token(&ones[1]);
    assert_eq!(app.api_get(&employee, &path).await.status(), 404);
    let leave = app
        .api_send(Method::DELETE, &stranger_token, &path, json!({}))
        .await;
    assert_eq!(leave.status(), 404);
}

#[tokio::test]
async fn bad_sign_ups_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let member = app.user(Role::Member, None);
    let token = app.token(&member);
    let staff = app.token(&app.user(Role::Staff, None));

    let cancelled = app.session(&fixture, weekday_at(5, 10), 4).id.get();
    let response = app
        .api_send(
            Method::POST,
            &staff,
            &format!("/api/v1/training-sessions/{cancelled}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let refused = sign_up(&app, &token, cancelled, json!({})).await;
    assert_eq!(refused.status(), 409);
    assert!(problem(refused).await["detail"]
        .as_str()
        .expect("detail")
        .contains("cancelled"));

    let past = app.session(&fixture, weekday_at(6, 10), 4).id.get();
    move_to_past(&app, past);
    let refused = sign_up(&app, &token, past, json!({})).await;
    assert_eq!(refused.status(), 422);

    let unknown = sign_up(&app, &token, 999_999, json!({})).await;
    assert_eq!(unknown.status(), 404);
    let malformed = app
        .client
        .post(app.url(&format!("/api/v1/training-sessions/{past}/enrollments")))
        .bearer_auth(&token)
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(malformed.status(), 400);
    let someone_else = app.user(Role::Member, None);
    let open = app.session(&fixture, weekday_at(7, 10), 4).id.get();
    let for_other = sign_up(
        &app,
        &token,
        open,
        json!({"user_id": someone_else.id.get()}),
    )
    .await;
    assert_eq!(for_other.status(), 403);
    assert_eq!(session_json(&app, &token, open).await["seats_left"], 4);

    let mut conn = app.db.conn();
    let written: i64 = charges::table
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(written, 0, "no refused sign-up wrote a charge");
}

/// Fifty people racing for ten seats: exactly ten confirmed, forty waiting at positions 1–40.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_sign_ups_for_ten_seats_never_oversell() {
    let app = spawn_app().await;
    let fixture = app.course("Resin printing");
    let session = app.session(&fixture, weekday_at(5, 10), 10).id.get();
    let tokens: Vec<String> = (0..50)
        .map(|_| app.token(&app.user(Role::Member, None)))
        .collect();
    let client = app.client.clone();
    let url = app.url(&format!("/api/v1/training-sessions/{session}/enrollments"));
    let requests = tokens.into_iter().map(|token| {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .expect("sent");
            (
                response.status().as_u16(),
                response.json::<Value>().await.expect("json"),
            )
        })
    });
    let mut answers = Vec::new();
    for handle in requests.collect::<Vec<_>>() {
        answers.push(handle.await.expect("task"));
    }
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let confirmed = answers
        .iter()
        .filter(|(_, e)| e["status"] == "confirmed")
        .count();
    assert_eq!(confirmed, 10);
    // Positions derive from the order of the list as it is now.
    let staff = app.token(&app.user(Role::Staff, None));
    let list = json_of(
        app.api_get(
            &staff,
            &format!("/api/v1/training-sessions/{session}/enrollments"),
        )
        .await,
    )
    .await;
    let mut positions: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["status"] == "waitlisted")
        .map(|e| e["position"].as_i64().expect("position"))
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=40).collect::<Vec<_>>());
    // Each waiting person reads their own position, and the positions are all different.
    let mut answered: Vec<i64> = answers
        .iter()
        .filter(|(_, e)| e["status"] == "waitlisted")
        .map(|(_, e)| e["position"].as_i64().expect("position"))
        .collect();
    answered.sort_unstable();
    answered.dedup();
    assert_eq!(
        answered.len(),
        40,
        "every waiting sign-up got a place of its own"
    );
    let after = session_json(&app, &staff, session).await;
    assert_eq!(after["seats_taken"], 10);
    assert_eq!(after["waiting"], 40);
}

#[tokio::test]
async fn a_freed_seat_goes_to_the_first_in_line_who_is_told_by_mail() {
    let (smtp, app) = app_with_smtp().await;
    let fixture = app.course("Laser cutter safety");
    let session = app.session(&fixture, weekday_at(5, 10), 1).id.get();
    let people: Vec<_> = (0..3).map(|_| app.user(Role::Member, None)).collect();
    let tokens: Vec<String> = people.iter().map(|p| app.token(p)).collect();
    let mut ids = Vec::new();
    for token in &tokens {
        let enrollment = json_of(sign_up(&app, token, session, json!({})).await).await;
        ids.push(enrollment["id"].as_i64().expect("id"));
    }
    let position = |i: usize| {
        let (app, token, id) = (&app, tokens[i].clone(), ids[i]);
        async move {
            json_of(
                app.api_get(&token, &format!("/api/v1/enrollments/{id}"))
                    .await,
            )
            .await["position"]
                .clone()
        }
    };
    assert_eq!(position(1).await, 1);
    assert_eq!(position(2).await, 2);
    smtp.wait_for(3).await;

    // The confirmed person gives up the seat early: free, and the first in line gets it.
    let left = app
        .api_send(
            Method::DELETE,
            &tokens[0],
            &format!("/api/v1/enrollments/{}", ids[0]),
            json!({}),
        )
        .await;
    assert_eq!(left.status(), 200);
    let left = json_of(left).await;
    assert_eq!(left["status"], "cancelled");
    assert_eq!(left["cancellation_fee"]["amount"], "0.00");
    assert_eq!(left["promoted"], json!([ids[1]]));
    let promoted = json_of(
        app.api_get(&tokens[1], &format!("/api/v1/enrollments/{}", ids[1]))
            .await,
    )
    .await;
    assert_eq!(promoted["status"], "confirmed");
    assert_eq!(position(2).await, 1, "the next in line moves up");
    assert_eq!(
        charges_of(&app, ids[0]),
        vec![("seat".into(), 3000), ("reversal".into(), -3000)]
    );
    assert_eq!(charges_of(&app, ids[1]), vec![("seat".into(), 3000)]);

    // Leaving twice is a conflict; the waiting person leaves the list for free.
    let twice = app
        .api_send(
            Method::DELETE,
            &tokens[0],
            &format!("/api/v1/enrollments/{}", ids[0]),
            json!({}),
        )
        .await;
    assert_eq!(twice.status(), 409);

    let mails = smtp.wait_for(5).await;
    let to = |email: &str| {
        mails
            .iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r == email))
            .map(|m| m.parsed().subject().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        to(&people[1].email),
        vec![
            format!(
                "Waiting list: Laser cutter safety, {}",
                when_of(&mails, &people[1].email)
            ),
            format!(
                "Seat confirmed: Laser cutter safety, {}",
                when_of(&mails, &people[1].email)
            ),
        ]
    );
    let promotion = mails
        .iter()
        .rfind(|m| m.rcpt_to.contains(&people[1].email))
        .expect("promotion mail");
    assert!(promotion.text().contains("first on the waiting list"));
    let raw = String::from_utf8_lossy(&promotion.data);
    assert!(
        raw.contains("METHOD:REQUEST"),
        "the promotion carries an .ics"
    );
    assert!(raw.contains(&format!("enrollment-{}@", ids[1])));
    let cancelled = to(&people[0].email);
    assert!(cancelled[1].starts_with("Cancelled: Laser cutter safety"));
}

/// The local "when" of the first mail to `email`, as its subject shows it.
fn when_of(mails: &[crate::helpers::smtp::ReceivedMail], email: &str) -> String {
    let first = mails
        .iter()
        .find(|m| m.rcpt_to.iter().any(|r| r == email))
        .expect("a mail");
    let subject = first.parsed().subject().unwrap_or_default().to_string();
    subject
        .split_once(", ")
        .map(|(_, when)| when.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn giving_up_a_seat_late_costs_the_courses_fee_once() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    // 48 hours' free cancellation: a session tomorrow is already inside the fee window.
    let tomorrow = WorkshopTz::DEFAULT.local_date(Utc::now() + Duration::days(1));
    let start = local(&format!("{tomorrow} 12:00"));
    let session = app.session(&fixture, start, 2).id.get();
    let token = app.token(&app.user(Role::Member, None));
    let enrollment = json_of(sign_up(&app, &token, session, json!({})).await).await;
    let id = enrollment["id"].as_i64().expect("id");
    let left = json_of(
        app.api_send(
            Method::DELETE,
            &token,
            &format!("/api/v1/enrollments/{id}"),
            json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(left["cancellation_fee"]["amount"], "15.00");
    assert_eq!(
        charges_of(&app, id),
        vec![
            ("seat".into(), 3000),
            ("reversal".into(), -3000),
            ("late_cancel".into(), 1500)
        ]
    );
}

#[tokio::test]
async fn adding_seats_promotes_the_waiting_list_and_seats_never_drop_below_those_taken() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let session = app.session(&fixture, weekday_at(5, 10), 1).id.get();
    let staff = app.token(&app.user(Role::Staff, None));
    let mut ids = Vec::new();
    for _ in 0..3 {
        let token = app.token(&app.user(Role::Member, None));
        let enrollment = json_of(sign_up(&app, &token, session, json!({})).await).await;
        ids.push(enrollment["id"].as_i64().expect("id"));
    }
    let path = format!("/api/v1/training-sessions/{session}");
    let member = app.token(&app.user(Role::Member, None));
    let forbidden = app
        .api_send(Method::PATCH, &member, &path, json!({"seats": 5}))
        .await;
    assert_eq!(forbidden.status(), 403);
    let grown = app
        .api_send(Method::PATCH, &staff, &path, json!({"seats": 2}))
        .await;
    assert_eq!(grown.status(), 200);
    let grown = json_of(grown).await;
    assert_eq!(grown["seats_taken"], 2);
    assert_eq!(grown["waiting"], 1);
    let shrink = app
        .api_send(Method::PATCH, &staff, &path, json!({"seats": 1}))
        .await;
    assert_eq!(shrink.status(), 409);
    let zero = app
        .api_send(Method::PATCH, &staff, &path, json!({"seats": 0}))
        .await;
    assert_eq!(zero.status(), 422);
    assert_eq!(session_json(&app, &staff, session).await["seats"], 2);
}

#[tokio::test]
async fn attending_grants_the_qualification_that_unlocks_the_machine() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let qualification = fixture.qualification.get();
    let laser = app
        .machine("Laser cutter Trotec", |raw| {
            raw.required_qualification_id = Some(qualification)
        })
        .id
        .get();
    let member = app.user(Role::Member, None);
    let token = app.token(&member);
    let booking = json!({"resource_id": laser, "starts_at": rfc(weekday_at(12, 10)),
        "ends_at": rfc(weekday_at(12, 11))});

    let refused = app
        .api_send(Method::POST, &token, "/api/v1/bookings", booking.clone())
        .await;
    assert_eq!(refused.status(), 403);
    let detail = problem(refused).await["detail"]
        .as_str()
        .expect("detail")
        .to_string();
    assert!(
        detail.contains("'Laser cutter safety'"),
        "the refusal names the course: {detail}"
    );

    let session = app.session(&fixture, weekday_at(5, 10), 4).id.get();
    let enrollment = json_of(sign_up(&app, &token, session, json!({})).await).await;
    let id = enrollment["id"].as_i64().expect("id");
    let mark = |who: String| {
        let app = &app;
        async move {
            app.api_send(
                Method::POST,
                &who,
                &format!("/api/v1/enrollments/{id}/attendance"),
                json!({"attendance": "attended"}),
            )
            .await
        }
    };
    let tutor = app.token(&fixture.tutor_user);
    let early = mark(tutor.clone()).await;
    assert_eq!(early.status(), 422, "not before the session starts");
    move_to_past(&app, session);
    // Another member and another tutor cannot mark it; the session's tutor can.
    let other_tutor = app.token(&app.course("CNC router induction").tutor_user);
    assert_eq!(mark(other_tutor).await.status(), 404);
    assert_eq!(mark(token.clone()).await.status(), 404);
    let marked = mark(tutor.clone()).await;
    assert_eq!(marked.status(), 200);
    assert_eq!(json_of(marked).await["status"], "attended");
    assert_eq!(mark(tutor).await.status(), 409, "marked once");

    let held = json_of(
        app.api_get(
            &token,
            &format!("/api/v1/users/{}/qualifications", member.id),
        )
        .await,
    )
    .await;
    assert_eq!(held["items"][0]["name"], "Laser cutter safety");
    assert!(
        held["items"][0]["expires_at"].is_string(),
        "valid 24 months"
    );
    let booked = app
        .api_send(Method::POST, &token, "/api/v1/bookings", booking)
        .await;
    assert_eq!(booked.status(), 201);
}

#[tokio::test]
async fn a_no_show_pays_the_courses_no_show_fee_once() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let staff = app.token(&app.user(Role::Staff, None));
    let mut course = json!({"name": "Laser cutter safety", "description": "",
        "qualification_id": fixture.qualification.get(), "no_show_fee": "12.50"});
    let updated = app
        .api_send(
            Method::PUT,
            &staff,
            &format!("/api/v1/courses/{}", fixture.course.id),
            course.clone(),
        )
        .await;
    assert_eq!(updated.status(), 200);
    course["late_cancel_percent"] = json!(150);
    let bad = app
        .api_send(
            Method::PUT,
            &staff,
            &format!("/api/v1/courses/{}", fixture.course.id),
            course,
        )
        .await;
    assert_eq!(bad.status(), 422);

    let session = app.session(&fixture, weekday_at(5, 10), 4).id.get();
    let token = app.token(&app.user(Role::Member, None));
    let id = json_of(sign_up(&app, &token, session, json!({})).await).await["id"]
        .as_i64()
        .expect("id");
    move_to_past(&app, session);
    let path = format!("/api/v1/enrollments/{id}/attendance");
    let marked = app
        .api_send(
            Method::POST,
            &staff,
            &path,
            json!({"attendance": "no_show"}),
        )
        .await;
    assert_eq!(marked.status(), 200);
    let again = app
        .api_send(
            Method::POST,
            &staff,
            &path,
            json!({"attendance": "no_show"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    let wrong = app
        .api_send(Method::POST, &staff, &path, json!({"attendance": "maybe"}))
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(
        charges_of(&app, id),
        vec![("seat".into(), 3000), ("no_show".into(), 1250)]
    );
    // A member cannot leave a session that has started.
    let late = app
        .api_send(
            Method::DELETE,
            &token,
            &format!("/api/v1/enrollments/{id}"),
            json!({}),
        )
        .await;
    assert_eq!(late.status(), 409);
}

#[tokio::test]
async fn a_session_cancelled_by_the_workshop_tells_everyone_and_charges_nobody() {
    let (smtp, app) = app_with_smtp().await;
    let fixture = app.course("Laser cutter safety");
    let laser = app.machine("Laser cutter", |_| {}).id;
    let start = weekday_at(5, 10);
    let session = app.session_with(&fixture, start, 1, &[laser]).id.get();
    let people: Vec<_> = (0..2).map(|_| app.user(Role::Member, None)).collect();
    let mut ids = Vec::new();
    for person in &people {
        let token = app.token(person);
        let enrollment = json_of(sign_up(&app, &token, session, json!({})).await).await;
        ids.push(enrollment["id"].as_i64().expect("id"));
    }
    smtp.wait_for(2).await;
    let staff = app.token(&app.user(Role::Staff, None));
    let member = app.token(&people[0]);
    let path = format!("/api/v1/training-sessions/{session}/cancel");
    let refused = app.api_send(Method::POST, &member, &path, json!({})).await;
    assert_eq!(refused.status(), 403);

    // While scheduled, the session holds its machine.
    let booking = json!({"resource_id": laser.get(), "starts_at": rfc(start),
        "ends_at": rfc(start + Duration::hours(1))});
    let taken = app
        .api_send(Method::POST, &member, "/api/v1/bookings", booking.clone())
        .await;
    assert_eq!(taken.status(), 409);

    let cancelled = app.api_send(Method::POST, &staff, &path, json!({})).await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(json_of(cancelled).await["status"], "cancelled");
    assert_eq!(
        app.api_send(Method::POST, &staff, &path, json!({}))
            .await
            .status(),
        409
    );
    // Every seat charge is reversed; the waiting person was never charged.
    assert_eq!(
        charges_of(&app, ids[0]),
        vec![("seat".into(), 3000), ("reversal".into(), -3000)]
    );
    assert!(charges_of(&app, ids[1]).is_empty());
    for (i, person) in people.iter().enumerate() {
        let token = app.token(person);
        let read = json_of(
            app.api_get(&token, &format!("/api/v1/enrollments/{}", ids[i]))
                .await,
        )
        .await;
        assert_eq!(read["status"], "cancelled");
    }
    let mails = smtp.wait_for(4).await;
    for person in &people {
        let last = mails
            .iter()
            .rfind(|m| m.rcpt_to.contains(&person.email))
            .expect("told");
        assert!(last.text().contains("the workshop has cancelled"));
        assert!(String::from_utf8_lossy(&last.data).contains("METHOD:CANCEL"));
    }
    // The machine is free again.
    let free = app
        .api_send(Method::POST, &member, "/api/v1/bookings", booking)
        .await;
    assert_eq!(free.status(), 201);
}

#[tokio::test]
async fn sessions_need_a_tutor_who_teaches_the_course_and_is_free() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let other = app.course("CNC router induction");
    let staff = app.token(&app.user(Role::Staff, None));
    let start = weekday_at(5, 10);
    let body = |tutor: i64, start: chrono::DateTime<Utc>| {
        json!({"course_id": fixture.course.id.get(), "tutor_id": tutor,
            "starts_at": rfc(start), "ends_at": rfc(start + Duration::hours(2)), "seats": 6,
            "seat_price_member": "30", "seat_price_business": "40", "seat_price_public": "50"})
    };
    let path = "/api/v1/training-sessions";
    let created = app
        .api_send(Method::POST, &staff, path, body(fixture.tutor.get(), start))
        .await;
    assert_eq!(created.status(), 201);
    let session = json_of(created).await;
    assert_eq!(session["tutor_name"], "Tutor of Laser cutter safety");

    let not_teaching = app
        .api_send(Method::POST, &staff, path, body(other.tutor.get(), start))
        .await;
    assert_eq!(not_teaching.status(), 422);
    assert!(problem(not_teaching).await["detail"]
        .as_str()
        .expect("detail")
        .contains("does not teach"));
    let busy = app
        .api_send(
            Method::POST,
            &staff,
            path,
            body(fixture.tutor.get(), start + Duration::hours(1)),
        )
        .await;
    assert_eq!(busy.status(), 409);
    let past = app
        .api_send(
            Method::POST,
            &staff,
            path,
            body(fixture.tutor.get(), Utc::now() - Duration::days(1)),
        )
        .await;
    assert_eq!(past.status(), 422);
    let member = app.token(&app.user(Role::Member, None));
    let forbidden = app
        .api_send(
            Method::POST,
            &member,
            path,
            body(fixture.tutor.get(), start + Duration::days(1)),
        )
        .await;
    assert_eq!(forbidden.status(), 403);
    // The session's time is on the tutor's schedule; booking the tutor then is refused.
    let schedule = json_of(
        app.api_get(
            &app.token(&fixture.tutor_user),
            &format!(
                "/api/v1/tutors/{}/schedule?from={}&to={}",
                fixture.tutor,
                urlencoding(&rfc(start - Duration::hours(1))),
                urlencoding(&rfc(start + Duration::hours(3)))
            ),
        )
        .await,
    )
    .await;
    assert_eq!(schedule["items"][0]["kind"], "session");
    let booking = json!({"resource_id": fixture.tutor.get(), "starts_at": rfc(start),
        "ends_at": rfc(start + Duration::hours(1))});
    let taken = app
        .api_send(Method::POST, &member, "/api/v1/bookings", booking)
        .await;
    assert_eq!(taken.status(), 409);
}

fn urlencoding(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

/// Everyone with a seat leaving at once: each freed seat goes to a different person in line,
/// and the seat counter always equals the seats held.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seats_freed_at_once_promote_each_waiting_person_once() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let session = app.session(&fixture, weekday_at(5, 10), 5).id.get();
    let mut seated = Vec::new();
    for i in 0..10 {
        let token = app.token(&app.user(Role::Member, None));
        let enrollment = json_of(sign_up(&app, &token, session, json!({})).await).await;
        if i < 5 {
            seated.push((token, enrollment["id"].as_i64().expect("id")));
        }
    }
    let handles: Vec<_> = seated
        .into_iter()
        .map(|(token, id)| {
            let (client, url) = (
                app.client.clone(),
                app.url(&format!("/api/v1/enrollments/{id}")),
            );
            tokio::spawn(async move {
                let response = client
                    .delete(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("sent");
                let status = response.status().as_u16();
                let body: Value = response.json().await.expect("json");
                (status, body["promoted"].clone())
            })
        })
        .collect();
    let mut promoted = Vec::new();
    for handle in handles {
        let (status, ids) = handle.await.expect("task");
        assert_eq!(status, 200);
        promoted.extend(ids.as_array().expect("promoted").iter().cloned());
    }
    let mut unique: Vec<i64> = promoted.iter().filter_map(Value::as_i64).collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        5,
        "five different people promoted: {promoted:?}"
    );
    let staff = app.token(&app.user(Role::Staff, None));
    let after = session_json(&app, &staff, session).await;
    assert_eq!(after["seats_taken"], 5);
    assert_eq!(after["waiting"], 0);
    let list = json_of(
        app.api_get(
            &staff,
            &format!("/api/v1/training-sessions/{session}/enrollments"),
        )
        .await,
    )
    .await;
    let confirmed = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["status"] == "confirmed")
        .count();
    assert_eq!(confirmed, 5, "the counter equals the seats held");
}

/// The text of the calendar feed whose address `path` (an API call) answers with.
async fn feed_of(app: &TestApp, token: &str, path: &str) -> String {
    let url = json_of(app.api_get(token, path).await).await["calendar_url"]
        .as_str()
        .expect("calendar url")
        .trim_start_matches("http://127.0.0.1:8080")
        .to_string();
    let response = app.get(&url).await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

#[tokio::test]
async fn seats_and_taught_sessions_are_in_the_calendar_feeds() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let laser = app.machine("Laser cutter", |_| {}).id;
    let session = app
        .session_with(&fixture, weekday_at(5, 10), 2, &[laser])
        .id
        .get();
    let member = app.user(Role::Member, None);
    let token = app.token(&member);
    let id = json_of(sign_up(&app, &token, session, json!({})).await).await["id"]
        .as_i64()
        .expect("id");
    let uid = format!("UID:enrollment-{id}@");

    let feed = feed_of(&app, &token, "/api/v1/me").await;
    assert!(feed.contains(&uid), "{feed}");
    assert!(feed.contains("Laser cutter safety (training)"));
    let tutor_feed = feed_of(&app, &app.token(&fixture.tutor_user), "/api/v1/me").await;
    assert!(tutor_feed.contains("Teaching: Laser cutter safety"));
    let staff = app.token(&app.user(Role::Staff, None));
    let machine_feed = feed_of(
        &app,
        &staff,
        &format!("/api/v1/resources/{}/calendar", laser.get()),
    )
    .await;
    assert!(machine_feed.contains(&format!("UID:session-{session}@")));

    // Giving the seat up shows it cancelled, under the same UID with a higher SEQUENCE.
    app.api_send(
        Method::DELETE,
        &token,
        &format!("/api/v1/enrollments/{id}"),
        json!({}),
    )
    .await;
    let feed = feed_of(&app, &token, "/api/v1/me").await;
    let event = feed
        .split("BEGIN:VEVENT")
        .find(|e| e.contains(&uid))
        .expect("still there");
    assert!(event.contains("STATUS:CANCELLED"), "{event}");
    assert!(event.contains("SEQUENCE:1"), "{event}");
}
