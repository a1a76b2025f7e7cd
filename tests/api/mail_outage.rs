//! An SMTP outage while the workshop keeps producing mail: nothing is lost, and a message the
//! server took but never confirmed is sent again with the same Message-ID. The app's own jobs are
//! off; the test drives the sender with the clock it chooses, so no test waits for a backoff.
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::TimeDelta;
use obrador::db::Pool;
use obrador::domain::Role;
use obrador::jobs::mail_sender::{MailSender, RetryPolicy};
use obrador::mail::outbox::{self as queue};
use obrador::mail::{MailIdentity, OutboxEntry, OutboxFilter, OutboxStatus, Transport};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::smtp::{Mode, SmtpServer};
use crate::helpers::{hours_ahead, rfc, spawn_app_with, TestApp};
use crate::mail::drain;

fn outbox(pool: &Pool) -> Vec<OutboxEntry> {
    let filter = OutboxFilter {
        limit: Some(500),
        ..OutboxFilter::default()
    };
    queue::list(&mut pool.get().expect("conn"), &filter).expect("outbox")
}

/// Mail the way the workshop makes it: a welcome per new user, a confirmation per booking.
async fn produce(
    app: &TestApp,
    staff: &str,
    member: &str,
    machine: i64,
    hours: &[chrono::DateTime<chrono::Utc>],
) {
    for start in hours {
        let n = app.next_id();
        let user = json!({"email": format!("new{n}@example.org"), "name": format!("New Member {n}"), "role": "member"});
        let created = app
            .api_send(Method::POST, staff, "/api/v1/users", user)
            .await;
        assert_eq!(created.status(), 201);
        let booking = json!({"resource_id": machine, "starts_at": rfc(*start), "ends_at": rfc(*start + TimeDelta::hours(1))});
        let booked = app
            .api_send(Method::POST, member, "/api/v1/bookings", booking)
            .await;
        assert_eq!(booked.status(), 201);
    }
}

#[tokio::test]
async fn mail_made_during_an_outage_is_all_delivered_and_repeats_keep_their_message_id() {
    let mut server = SmtpServer::start().await;
    let url = server.url();
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(SecretString::from(url.clone()));
        s.jobs.enabled = false;
    })
    .await;
    let pool = app.db.pool();
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let policy = RetryPolicy {
        max_attempts: 20,
        first_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(600),
    };
    let transport = Transport::smtp(&SecretString::from(url)).expect("smtp url");
    let sender = MailSender::new(transport, &identity, policy, "instance-a");
    let staff = app.token(&app.user(Role::Staff, None));
    let member = app.token(&app.user(Role::Member, None));
    let machine = app.machine("Laser cutter", |_| {}).id.get();
    let hours = hours_ahead(12);

    // The server goes down; the workshop keeps working, and every attempt fails.
    server.stop().await;
    produce(&app, &staff, &member, machine, &hours[..6]).await;
    let start = obrador::jobs::now();
    let first_wave = outbox(&pool).len();
    assert!(
        first_wave >= 12,
        "a welcome and a confirmation each: {first_wave}"
    );
    assert_eq!(drain(&pool, &sender, start).await, first_wave);
    produce(&app, &staff, &member, machine, &hours[6..]).await;
    let later = start + TimeDelta::minutes(30);
    let queued = outbox(&pool);
    assert_eq!(drain(&pool, &sender, later).await, queued.len());
    for entry in outbox(&pool) {
        assert_eq!(entry.status, OutboxStatus::Pending, "{}", entry.key);
        assert!(
            entry.attempts >= 1 && entry.last_error.is_some(),
            "{}",
            entry.key
        );
    }
    assert!(server.received().is_empty());

    // Back, but every confirmation is lost on the way: the server has the messages, the sender
    // cannot know it, so each stays due.
    server.restart().await;
    server.set_mode(Mode::LoseReply);
    let back = later + TimeDelta::hours(2);
    assert_eq!(drain(&pool, &sender, back).await, queued.len());
    assert_eq!(server.received().len(), queued.len());
    assert!(outbox(&pool)
        .iter()
        .all(|e| e.status == OutboxStatus::Pending));

    // Confirmed at last.
    server.set_mode(Mode::Accept);
    assert_eq!(
        drain(&pool, &sender, back + TimeDelta::hours(2)).await,
        queued.len()
    );
    let entries = outbox(&pool);
    assert!(entries.iter().all(|e| e.status == OutboxStatus::Sent));
    assert_eq!(
        drain(&pool, &sender, back + TimeDelta::days(2)).await,
        0,
        "nothing left to send"
    );

    let received = server.wait_for(2 * queued.len()).await;
    assert_eq!(
        received.len(),
        2 * queued.len(),
        "each message twice: lost reply, then confirmed"
    );
    let expected: HashSet<String> = entries.iter().map(|e| e.message_id.clone()).collect();
    let mut copies: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for mail in &received {
        copies
            .entry(mail.message_id())
            .or_default()
            .push(mail.data.clone());
    }
    assert_eq!(
        copies.keys().cloned().collect::<HashSet<_>>(),
        expected,
        "none lost, none made up"
    );
    for (id, versions) in copies {
        assert_eq!(versions.len(), 2, "{id}");
        assert_eq!(
            versions[0], versions[1],
            "a repeat is the same message, byte for byte: {id}"
        );
    }
}
