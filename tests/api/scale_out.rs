//! Scale-out: two `obrador serve` processes on one PostgreSQL database, clients split across
//! both, both running every background job. A slot still has one winner, a session's seats are
//! never oversold, every outbox mail is delivered by exactly one of the two senders, and the
//! reminder and no-show jobs act once per item. PostgreSQL only: skipped without one, except in
//! CI, where a missing server fails the test.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use obrador::db::schema::{booking_reminders, booking_settlements, charges, outbox};
use obrador::domain::{ResourceId, Role, WorkshopTz};
use obrador::services::bookings::{self, Context, NewBooking};
use obrador::services::By;
use serde_json::{json, Value};

use crate::helpers::invariants::assert_invariants;
use crate::helpers::load::{seed, Load, LoadOptions};
use crate::helpers::smtp::SmtpServer;
use crate::helpers::{postgres_admin_url, rfc, weekday_at, ProcessApp, TestDatabase, TestUser};

const RACERS: usize = 50;
const SEATS: i64 = 5;
const NO_SHOWS: i64 = 20;
/// How long the background work of both instances may take.
const JOBS_LIMIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_database_do_each_thing_once() {
    let Some(admin) = postgres_admin_url() else {
        eprintln!("skipped: no PostgreSQL configured (TEST_DATABASE_URL / TEST_POSTGRES_URL)");
        return;
    };
    let smtp = SmtpServer::start().await;
    let data_dir = tempfile::tempdir().expect("data folder");
    let db = TestDatabase::fresh_postgres(&admin);
    let mut app = ProcessApp::on(db, data_dir, Some(smtp.url()));
    let first = app.start_server().await;
    let second = app.start_server().await;
    let servers = [first.address.clone(), second.address.clone()];
    let members: Vec<TestUser> = (0..30).map(|_| app.user(Role::Member, None)).collect();
    let tokens: Vec<String> = members.iter().map(|m| app.token(m)).collect();

    one_winner_for_one_slot(&app, &servers, &tokens).await;
    seats_are_never_oversold(&app, &servers, &tokens).await;

    // The soak load split across both, for the mail it causes and the invariants.
    let workshop = app.soak_workshop(16);
    let options = LoadOptions {
        servers: servers.to_vec(),
        duration: Duration::from_secs(2),
        seed: seed(),
        crash_expected: false,
    };
    let finished = Load::start(&workshop, &options).finish().await;
    eprintln!("load across two instances: {}", finished.stats);
    assert!(finished.unexpected.is_empty(), "{:?}", finished.unexpected);
    assert_invariants(&mut app.db.conn(), &finished.acked);

    // Every reminder waiting becomes due at once, and so does every no-show's settlement.
    let no_shows = ended_unused_bookings(&app, &members[0]);
    let now = Utc::now().naive_utc() - chrono::Duration::minutes(1);
    let reminders = diesel::update(booking_reminders::table)
        .filter(booking_reminders::status.eq("pending"))
        .set(booking_reminders::due_at.eq(now))
        .execute(&mut *app.db.conn())
        .expect("reminders due");
    diesel::update(booking_settlements::table)
        .filter(booking_settlements::booking_id.eq_any(&no_shows))
        .set(booking_settlements::due_at.eq(now))
        .execute(&mut *app.db.conn())
        .expect("settlements due");
    assert!(reminders > 0, "the load left bookings to remind");

    let sent = wait_for_the_jobs(&app, &smtp, &no_shows).await;
    eprintln!("{reminders} reminders and {NO_SHOWS} settlements due; {sent} mails sent");
    each_mail_delivered_once(&app, &smtp);
    each_reminder_sent_once(&app);
    each_no_show_charged_once(&app, &no_shows);
}

/// `RACERS` requests for the same hour, alternating between the instances: one 201.
async fn one_winner_for_one_slot(app: &ProcessApp, servers: &[String; 2], tokens: &[String]) {
    let laser = app.machine("Raced laser", |_| {}).id.get();
    let start = weekday_at(4, 10);
    let body = json!({"resource_id": laser, "starts_at": rfc(start),
        "ends_at": rfc(start + chrono::Duration::hours(1))});
    let racing: Vec<_> = (0..RACERS)
        .map(|i| {
            let request = app
                .client
                .post(format!("{}/api/v1/bookings", servers[i % 2]))
                .bearer_auth(&tokens[i % tokens.len()])
                .json(&body);
            tokio::spawn(async move { request.send().await.expect("sent").status().as_u16() })
        })
        .collect();
    let statuses = joined(racing).await;
    let count = |code| statuses.iter().filter(|s| **s == code).count();
    assert_eq!(count(201), 1, "{statuses:?}");
    assert_eq!(count(409), RACERS - 1, "{statuses:?}");
}

/// The outputs of tasks running at once, in order.
async fn joined<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.expect("task"));
    }
    outputs
}

/// Thirty people sign up for `SEATS` seats through both instances: `SEATS` confirmed, the rest
/// waiting at distinct places.
async fn seats_are_never_oversold(app: &ProcessApp, servers: &[String; 2], tokens: &[String]) {
    let course = app.course("Scale-out course");
    let session = app
        .session(&course, weekday_at(6, 10), SEATS as i32)
        .id
        .get();
    let signing: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let request = app
                .client
                .post(format!(
                    "{}/api/v1/training-sessions/{session}/enrollments",
                    servers[i % 2]
                ))
                .bearer_auth(token)
                .json(&json!({}));
            tokio::spawn(async move {
                let response = request.send().await.expect("sent");
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.expect("json"))
            })
        })
        .collect();
    let answers = joined(signing).await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let confirmed = answers
        .iter()
        .filter(|(_, e)| e["status"] == "confirmed")
        .count();
    assert_eq!(confirmed as i64, SEATS, "{answers:?}");
    let mut places: Vec<i64> = answers
        .iter()
        .filter_map(|(_, e)| e["position"].as_i64())
        .collect();
    places.sort_unstable();
    places.dedup();
    assert_eq!(
        places.len(),
        tokens.len() - SEATS as usize,
        "each waiting sign-up has a place of its own: {answers:?}"
    );
}

/// `NO_SHOWS` bookings that ended days ago and were never used, written as staff would (the API
/// refuses the past), with their settlement not yet due.
fn ended_unused_bookings(app: &ProcessApp, member: &TestUser) -> Vec<i64> {
    let machine = app.machine("Unused lathe", |_| {}).id;
    let ctx = Context {
        no_show_grace_minutes: 60 * 24 * 30,
        ..Context::quiet(WorkshopTz::DEFAULT)
    };
    let first = weekday_at(-5, 8);
    let mut conn = app.db.conn();
    (0..NO_SHOWS)
        .map(|i| {
            let starts_at = first + chrono::Duration::minutes(30 * i);
            let new = NewBooking {
                resource_id: ResourceId::new(machine.get()),
                starts_at,
                ends_at: starts_at + chrono::Duration::minutes(30),
                customer_id: Some(member.customer_id),
                user_id: Some(member.id),
                note: String::new(),
                with_tutor: None,
            };
            bookings::create(&mut conn, &ctx, &By::System("test"), &new)
                .expect("past booking")
                .id
                .get()
        })
        .collect()
}

/// Polls until no reminder, settlement or mail is left to do and the SMTP server holds every
/// mail; the number of mails.
async fn wait_for_the_jobs(app: &ProcessApp, smtp: &SmtpServer, no_shows: &[i64]) -> usize {
    let deadline = Instant::now() + JOBS_LIMIT;
    loop {
        let mut conn = app.db.conn();
        let reminders: i64 = booking_reminders::table
            .filter(booking_reminders::status.eq("pending"))
            .filter(booking_reminders::due_at.le(Utc::now().naive_utc()))
            .count()
            .get_result(&mut *conn)
            .expect("count");
        let settlements: i64 = booking_settlements::table
            .filter(booking_settlements::booking_id.eq_any(no_shows))
            .filter(booking_settlements::status.eq("pending"))
            .count()
            .get_result(&mut *conn)
            .expect("count");
        let statuses: Vec<String> = outbox::table
            .select(outbox::status)
            .load(&mut *conn)
            .expect("outbox");
        assert!(
            !statuses.iter().any(|s| s == "failed"),
            "a mail failed: {statuses:?}"
        );
        let unsent = statuses.iter().filter(|s| *s != "sent").count();
        if reminders == 0
            && settlements == 0
            && unsent == 0
            && smtp.received().len() >= statuses.len()
        {
            return statuses.len();
        }
        assert!(
            Instant::now() < deadline,
            "after {JOBS_LIMIT:?}: {reminders} reminders, {settlements} settlements and \
             {unsent} mails still to do, {} of {} mails at the server",
            smtp.received().len(),
            statuses.len()
        );
        drop(conn);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every outbox mail reached the SMTP server exactly once, and nothing else did.
fn each_mail_delivered_once(app: &ProcessApp, smtp: &SmtpServer) {
    let queued: Vec<String> = outbox::table
        .select(outbox::message_id)
        .load(&mut *app.db.conn())
        .expect("outbox");
    let mut delivered: HashMap<String, usize> = HashMap::new();
    for mail in smtp.received() {
        *delivered.entry(mail.message_id()).or_default() += 1;
    }
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let mut queued_sorted = queued.clone();
    queued_sorted.sort();
    let mut delivered_sorted: Vec<String> = delivered.into_keys().collect();
    delivered_sorted.sort();
    assert_eq!(
        delivered_sorted, queued_sorted,
        "the SMTP server got exactly the outbox"
    );
}

/// Each reminder closed as sent queued exactly one mail, and no reminder is left pending.
fn each_reminder_sent_once(app: &ProcessApp) {
    let mut conn = app.db.conn();
    let sent: i64 = booking_reminders::table
        .filter(booking_reminders::status.eq("sent"))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    let mails: i64 = outbox::table
        .filter(outbox::key.like("booking-%-reminder-%"))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert!(sent > 0, "some reminders were sent");
    assert_eq!(mails, sent, "one reminder mail per reminder sent");
}

/// Each ended, unused booking was charged as a no-show exactly once.
fn each_no_show_charged_once(app: &ProcessApp, no_shows: &[i64]) {
    let charged: Vec<(i64, String)> = charges::table
        .filter(charges::source_type.eq("booking"))
        .filter(charges::source_id.eq_any(no_shows))
        .select((charges::source_id, charges::kind))
        .load(&mut *app.db.conn())
        .expect("charges");
    let mut per_booking: HashMap<i64, Vec<String>> = HashMap::new();
    for (booking, kind) in charged {
        per_booking.entry(booking).or_default().push(kind);
    }
    for booking in no_shows {
        assert_eq!(
            per_booking.get(booking).cloned().unwrap_or_default(),
            vec!["no_show".to_string()],
            "booking {booking}"
        );
    }
}
