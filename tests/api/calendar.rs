//! Booking mails with their .ics attachment, the reminder job, and the iCalendar feeds.
use chrono::Duration;
use diesel::prelude::*;
use icalendar::{Calendar, Component, EventStatus};
use mail_parser::{MessageParser, MimeHeaders};
use obrador::db::schema::outbox;
use obrador::domain::Role;
use obrador::jobs::reminders::Reminders;
use obrador::jobs::Job;
use obrador::mail::MailIdentity;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{rfc, spawn_app, weekday_at, TestApp};

/// The queued message with this outbox key, as raw bytes.
fn queued(app: &TestApp, key: &str) -> Option<Vec<u8>> {
    let mut conn = app.db.conn();
    outbox::table
        .filter(outbox::key.eq(key))
        .select(outbox::message)
        .first(&mut *conn)
        .optional()
        .expect("outbox")
}

/// The calendar attached to a message, parsed.
fn attached_calendar(raw: &[u8]) -> (String, Calendar) {
    let message = MessageParser::default().parse(raw).expect("a mail");
    let part = message.attachments().next().expect("an attachment");
    let content_type = part
        .content_type()
        .map(|c| format!("{}/{}", c.c_type, c.subtype().unwrap_or_default()))
        .unwrap_or_default();
    let text = String::from_utf8_lossy(part.contents()).to_string();
    (
        content_type,
        text.parse::<Calendar>().expect("a valid iCalendar"),
    )
}

fn only_event(calendar: &Calendar) -> icalendar::Event {
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 1);
    events[0].clone()
}

#[tokio::test]
async fn booking_mails_carry_an_ics_with_a_stable_uid_and_rising_sequence() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.user(Role::Member, None);
    let token = app.token(&ana);
    let start = weekday_at(3, 10);
    let body = json!({"resource_id": laser, "starts_at": rfc(start), "ends_at": rfc(start + Duration::hours(1))});
    let booking: Value = app
        .api_send(Method::POST, &token, "/api/v1/bookings", body)
        .await
        .json()
        .await
        .expect("json");
    let id = booking["id"].as_i64().expect("id");

    let raw = queued(&app, &format!("booking-{id}-confirmed")).expect("confirmation queued");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Laser cutter") && text.contains(&ana.email));
    let (content_type, calendar) = attached_calendar(&raw);
    assert_eq!(content_type, "text/calendar");
    assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
    let event = only_event(&calendar);
    let uid = event.get_uid().expect("uid").to_string();
    assert_eq!(uid, format!("booking-{id}@127.0.0.1"));
    assert_eq!(event.get_sequence(), Some(0));
    assert_eq!(event.get_status(), Some(EventStatus::Confirmed));

    let path = format!("/api/v1/bookings/{id}");
    let moved = json!({"starts_at": rfc(start + Duration::hours(2)), "ends_at": rfc(start + Duration::hours(3))});
    assert_eq!(
        app.api_send(Method::PATCH, &token, &path, moved)
            .await
            .status(),
        200
    );
    let (_, calendar) =
        attached_calendar(&queued(&app, &format!("booking-{id}-moved-1")).expect("move mail"));
    let event = only_event(&calendar);
    assert_eq!(
        (event.get_uid(), event.get_sequence()),
        (Some(uid.as_str()), Some(1))
    );

    assert_eq!(
        app.api_send(Method::DELETE, &token, &path, json!(null))
            .await
            .status(),
        200
    );
    let (_, calendar) =
        attached_calendar(&queued(&app, &format!("booking-{id}-cancelled")).expect("cancel mail"));
    assert_eq!(calendar.property_value("METHOD"), Some("CANCEL"));
    let event = only_event(&calendar);
    assert_eq!(
        (event.get_uid(), event.get_sequence()),
        (Some(uid.as_str()), Some(2))
    );
    assert_eq!(event.get_status(), Some(EventStatus::Cancelled));
}

#[tokio::test]
async fn the_user_feed_lists_bookings_and_a_rotated_address_stops_working() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let ana = app.user(Role::Member, None);
    let token = app.token(&ana);
    let start = weekday_at(3, 10);
    for hours in [0, 2] {
        let body = json!({"resource_id": laser, "starts_at": rfc(start + Duration::hours(hours)), "ends_at": rfc(start + Duration::hours(hours + 1))});
        assert_eq!(
            app.api_send(Method::POST, &token, "/api/v1/bookings", body)
                .await
                .status(),
            201
        );
    }
    let mine: Value = app
        .api_get(&token, "/api/v1/bookings")
        .await
        .json()
        .await
        .expect("json");
    let second = mine["items"][1]["id"].as_i64().expect("id");
    app.api_send(
        Method::DELETE,
        &token,
        &format!("/api/v1/bookings/{second}"),
        json!(null),
    )
    .await;

    let me: Value = app
        .api_get(&token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    let url = me["calendar_url"]
        .as_str()
        .expect("calendar url")
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:8080/calendar/cal_") && url.ends_with(".ics"),
        "{url}"
    );
    let path = url.trim_start_matches("http://127.0.0.1:8080").to_string();
    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/calendar"));
    let calendar: Calendar = response
        .text()
        .await
        .expect("text")
        .parse()
        .expect("valid iCalendar");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 2);
    let cancelled = events
        .iter()
        .find(|e| e.get_uid() == Some(format!("booking-{second}@127.0.0.1").as_str()))
        .expect("listed");
    assert_eq!(cancelled.get_status(), Some(EventStatus::Cancelled));
    assert_eq!(cancelled.get_sequence(), Some(1));
    assert!(events
        .iter()
        .all(|e| e.get_timestamp().is_some() && e.get_start().is_some() && e.get_end().is_some()));

    let again: Value = app
        .api_get(&token, "/api/v1/me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["calendar_url"], url.as_str(), "stable until rotated");
    let rotated: Value = app
        .api_send(
            Method::POST,
            &token,
            "/api/v1/me/calendar/rotate",
            json!(null),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_ne!(rotated["calendar_url"], url.as_str());
    assert_eq!(app.get(&path).await.status(), 404);
    assert_eq!(app.get("/calendar/cal_nothing.ics").await.status(), 404);
}

#[tokio::test]
async fn staff_get_a_feed_per_machine() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let body = json!({"resource_id": laser, "starts_at": rfc(weekday_at(3, 10)), "ends_at": rfc(weekday_at(3, 11))});
    app.api_send(Method::POST, &app.token(&member), "/api/v1/bookings", body)
        .await;
    let path = format!("/api/v1/resources/{laser}/calendar");
    assert_eq!(app.api_get(&app.token(&member), &path).await.status(), 403);
    let staff = app.token(&app.user(Role::Staff, None));
    let url: Value = app.api_get(&staff, &path).await.json().await.expect("json");
    let feed_path = url["calendar_url"]
        .as_str()
        .expect("url")
        .trim_start_matches("http://127.0.0.1:8080")
        .to_string();
    let calendar: Calendar = app
        .get(&feed_path)
        .await
        .text()
        .await
        .expect("text")
        .parse()
        .expect("valid");
    assert_eq!(
        calendar
            .components
            .iter()
            .filter_map(|c| c.as_event())
            .count(),
        1
    );
}

#[tokio::test]
async fn each_reminder_is_queued_once_even_with_two_instances_running_the_job() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let token = app.token(&app.user(Role::Member, None));
    let mut ids = Vec::new();
    for hour in [10, 11, 12, 13, 14] {
        let start = weekday_at(3, hour);
        let body = json!({"resource_id": laser, "starts_at": rfc(start), "ends_at": rfc(start + Duration::hours(1))});
        let booking: Value = app
            .api_send(Method::POST, &token, "/api/v1/bookings", body)
            .await
            .json()
            .await
            .expect("json");
        ids.push(booking["id"].as_i64().expect("id"));
    }
    app.api_send(
        Method::DELETE,
        &token,
        &format!("/api/v1/bookings/{}", ids[1]),
        json!(null),
    )
    .await;
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let jobs = [
        Reminders::new(&app.settings, identity.clone(), "instance-a"),
        Reminders::new(&app.settings, identity, "instance-b"),
    ];
    // As if a week had passed: every reminder is due.
    let later = obrador::jobs::now() + chrono::TimeDelta::days(7);
    let pool = app.db.pool();
    let handled: usize = std::thread::scope(|scope| {
        let runs: Vec<_> = jobs
            .iter()
            .map(|job| scope.spawn(|| job.run_batch(&pool, later).expect("batch")))
            .collect();
        runs.into_iter().map(|r| r.join().expect("joined")).sum()
    });
    assert_eq!(
        handled, 4,
        "the live bookings' reminders, each claimed by one of the two instances"
    );
    for id in [ids[0], ids[2], ids[3], ids[4]] {
        assert!(queued(&app, &format!("booking-{id}-reminder-0")).is_some());
    }
    assert!(
        queued(&app, &format!("booking-{}-reminder-0", ids[1])).is_none(),
        "cancelled: no reminder"
    );
    for job in &jobs {
        assert_eq!(
            job.run_batch(&pool, later).expect("batch"),
            0,
            "nothing left to do"
        );
    }
}
