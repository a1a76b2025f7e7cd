//! The mail outbox and its sender, against a real SMTP server started by each test: delivery,
//! retries across an outage, idempotent enqueue, several senders at once, giving up, resending,
//! leases of a crashed sender, and the `.eml` fallback; then the welcome mail of new users (API
//! and command line) and the staff's outbox screen. Time is passed to each sender pass, so no
//! test waits for a backoff to elapse.
use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use mail_parser::MimeHeaders;
use obrador::config::Settings;
use obrador::db::{self, schema::outbox, write_tx, Pool};
use obrador::domain::{OutboxId, Role};
use obrador::jobs::mail_sender::{run_once, MailSender, RetryPolicy};
use obrador::jobs::{self, Jobs};
use obrador::mail::outbox::{self as queue, Attempt, ResendError};
use obrador::mail::{
    self, EnqueueOutcome, MailError, MailIdentity, OutboxEntry, OutboxFilter, OutboxStatus,
    OutgoingMail, Recipient, RenderedMail, Transport,
};
use obrador::services::audit::{self, Query};
use obrador::services::By;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::smtp::{app_with_smtp, Mode, SmtpServer};
use crate::helpers::{spawn_app_with, TestApp, TestDatabase};

const ICS: &[u8] = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n";

/// A migrated database of the suite's backend, and the workshop's mail identity.
struct Setup {
    db: TestDatabase,
    pool: Pool,
    identity: MailIdentity,
    dir: TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("dir");
        let db = TestDatabase::fresh(dir.path());
        let pool = db.pool();
        db::run_migrations(&mut pool.get().expect("conn")).expect("migrate");
        let settings = Settings::defaults().expect("settings");
        Setup {
            db,
            pool,
            identity: MailIdentity::from_settings(&settings).expect("identity"),
            dir,
        }
    }

    fn enqueue(&self, mail: OutgoingMail) -> EnqueueOutcome {
        let mut conn = self.pool.get().expect("conn");
        write_tx(&mut conn, |c| mail::enqueue(c, &self.identity, mail)).expect("enqueued")
    }

    fn sender(&self, transport: Transport, owner: &str, max_attempts: u32) -> MailSender {
        let policy = RetryPolicy {
            max_attempts,
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(60),
        };
        MailSender::new(transport, &self.identity, policy, owner)
    }

    fn smtp_sender(&self, server: &SmtpServer, owner: &str, max_attempts: u32) -> MailSender {
        let transport = Transport::smtp(&SecretString::from(server.url())).expect("smtp url");
        self.sender(transport, owner, max_attempts)
    }

    fn entry(&self, id: OutboxId) -> OutboxEntry {
        queue::get(&mut self.pool.get().expect("conn"), id).expect("entry")
    }

    fn stored_bytes(&self, id: OutboxId) -> Vec<u8> {
        outbox::table
            .find(id.get())
            .select(outbox::message)
            .first(&mut self.pool.get().expect("conn"))
            .expect("stored message")
    }

    fn list(&self, filter: OutboxFilter) -> Vec<String> {
        queue::list(&mut self.pool.get().expect("conn"), &filter)
            .expect("list")
            .into_iter()
            .map(|e| e.key)
            .collect()
    }
}

fn mail(key: &str, to: &str) -> OutgoingMail {
    OutgoingMail::new(
        key,
        Recipient::new(to, Some("Ada Lovelace".into())),
        RenderedMail {
            subject: format!("Booking confirmed ({key})"),
            text: "Your booking of the laser cutter is confirmed.\n".into(),
            html: "<p>Your booking of the <b>laser cutter</b> is confirmed.</p>".into(),
        },
    )
}

/// Runs sender passes until one finds nothing due at `now`; returns the messages attempted.
pub(crate) async fn drain(pool: &Pool, sender: &MailSender, now: NaiveDateTime) -> usize {
    let mut attempted = 0;
    loop {
        match run_once(pool, sender, now).await.expect("sender pass") {
            0 => return attempted,
            n => attempted += n,
        }
    }
}

#[tokio::test]
async fn delivers_a_multipart_message_with_its_headers_message_id_and_attachment() {
    let t = Setup::new();
    let server = SmtpServer::start().await;
    let queued = t.enqueue(mail("booking-42-confirmation", "ada@example.org").attach(
        "booking.ics",
        "text/calendar; charset=utf-8; method=REQUEST",
        ICS.to_vec(),
    ));
    let sender = t.smtp_sender(&server, "instance-a", 5);

    assert_eq!(
        run_once(&t.pool, &sender, jobs::now()).await.expect("pass"),
        1
    );

    let received = server.wait_for(1).await;
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.mail_from, "hola@obrador.example");
    assert_eq!(got.rcpt_to, vec!["ada@example.org".to_string()]);
    assert_eq!(got.message_id(), queued.message_id());
    assert!(queued.message_id().ends_with("@127.0.0.1>"));
    assert_eq!(
        got.data,
        t.stored_bytes(queued.id()),
        "the bytes built at enqueue"
    );
    let parsed = got.parsed();
    assert_eq!(
        parsed.subject(),
        Some("Booking confirmed (booking-42-confirmation)")
    );
    let from = parsed.from().and_then(|a| a.first()).expect("From");
    assert_eq!(from.name(), Some("Obrador Taller Cooperatiu SCCL"));
    assert_eq!(from.address(), Some("hola@obrador.example"));
    let to = parsed.to().and_then(|a| a.first()).expect("To");
    assert_eq!(
        (to.name(), to.address()),
        (Some("Ada Lovelace"), Some("ada@example.org"))
    );
    assert!(parsed.date().is_some());
    assert!(parsed
        .content_type()
        .is_some_and(|ct| ct.ctype() == "multipart" && ct.subtype() == Some("mixed")));
    assert!(String::from_utf8_lossy(&got.data).contains("multipart/alternative"));
    assert!(parsed
        .body_text(0)
        .expect("text")
        .contains("laser cutter is confirmed"));
    assert!(parsed
        .body_html(0)
        .expect("html")
        .contains("<b>laser cutter</b>"));
    let attachments: Vec<_> = parsed.attachments().collect();
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].attachment_name(), Some("booking.ics"));
    assert_eq!(attachments[0].contents(), ICS);
    assert!(attachments[0].is_content_type("text", "calendar"));

    let entry = t.entry(queued.id());
    assert_eq!(entry.status, OutboxStatus::Sent);
    assert_eq!(entry.attempts, 1);
    assert!(entry.sent_at.is_some() && entry.last_error.is_none());
    assert_eq!(
        run_once(&t.pool, &sender, jobs::now()).await.expect("pass"),
        0
    );
    assert_eq!(
        server.received().len(),
        1,
        "a sent message is not sent again"
    );
}

#[tokio::test]
async fn a_message_queued_while_the_server_is_down_is_delivered_when_it_is_back() {
    let t = Setup::new();
    let mut server = SmtpServer::start().await;
    let sender = t.smtp_sender(&server, "instance-a", 5);
    server.stop().await;
    let queued = t.enqueue(mail("invoice-9-issued", "ada@example.org"));
    let start = jobs::now();

    assert_eq!(run_once(&t.pool, &sender, start).await.expect("pass"), 1);
    let waiting = t.entry(queued.id());
    assert_eq!(waiting.status, OutboxStatus::Pending);
    assert_eq!(waiting.attempts, 1);
    assert!(waiting.last_error.is_some(), "the failure is kept");
    assert!(waiting.next_attempt_at > start);
    assert!(
        waiting.next_attempt_at <= start + TimeDelta::seconds(10),
        "the first retry comes within seconds"
    );
    assert_eq!(
        run_once(&t.pool, &sender, start).await.expect("pass"),
        0,
        "not retried before its time"
    );

    server.restart().await;
    let retry_at = waiting.next_attempt_at;
    assert_eq!(run_once(&t.pool, &sender, retry_at).await.expect("pass"), 1);
    let received = server.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].message_id(), queued.message_id());
    assert_eq!(received[0].data, t.stored_bytes(queued.id()));
    let sent = t.entry(queued.id());
    assert_eq!((sent.status, sent.attempts), (OutboxStatus::Sent, 2));
    assert_eq!(sent.last_error, None);
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_with_the_same_bytes_and_message_id() {
    let t = Setup::new();
    let server = SmtpServer::start().await;
    server.set_mode(Mode::RefuseTemporarily);
    let sender = t.smtp_sender(&server, "instance-a", 5);
    let queued = t.enqueue(mail("training-3-waitlisted", "ada@example.org"));

    assert_eq!(
        run_once(&t.pool, &sender, jobs::now()).await.expect("pass"),
        1
    );
    let waiting = t.entry(queued.id());
    assert!(
        waiting
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("451")),
        "{waiting:?}"
    );
    assert!(server.received().is_empty());

    server.set_mode(Mode::Accept);
    assert_eq!(
        run_once(&t.pool, &sender, waiting.next_attempt_at)
            .await
            .expect("pass"),
        1
    );
    let received = server.wait_for(1).await;
    assert_eq!(received[0].message_id(), queued.message_id());
    assert_eq!(received[0].data, t.stored_bytes(queued.id()));
}

#[tokio::test]
async fn enqueueing_the_same_key_again_adds_nothing_and_a_rollback_queues_nothing() {
    let t = Setup::new();
    let server = SmtpServer::start().await;
    let first = t.enqueue(mail("welcome-7", "ada@example.org"));
    let mut retried = mail("welcome-7", "ada@example.org");
    retried.subject = "A different subject".into();
    let second = t.enqueue(retried);
    assert!(matches!(first, EnqueueOutcome::Enqueued { .. }));
    assert!(matches!(second, EnqueueOutcome::AlreadyQueued { .. }));
    assert_eq!(
        (first.id(), first.message_id()),
        (second.id(), second.message_id())
    );

    let mut conn = t.pool.get().expect("conn");
    let failed: Result<(), MailError> = write_tx(&mut conn, |c| {
        mail::enqueue(c, &t.identity, mail("rolled-back", "ada@example.org"))?;
        Err(MailError::Key("the change this mail reports failed".into()))
    });
    assert!(failed.is_err());
    drop(conn);
    assert_eq!(t.list(OutboxFilter::default()), vec!["welcome-7"]);

    let sender = t.smtp_sender(&server, "instance-a", 5);
    assert_eq!(drain(&t.pool, &sender, jobs::now()).await, 1);
    let received = server.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].parsed().subject(),
        Some("Booking confirmed (welcome-7)")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_at_once_deliver_each_of_fifty_messages_exactly_once() {
    let t = Setup::new();
    let server = SmtpServer::start().await;
    let mut conn = t.pool.get().expect("conn");
    write_tx(&mut conn, |c| -> Result<(), MailError> {
        for n in 0..50 {
            mail::enqueue(
                c,
                &t.identity,
                mail(&format!("bulk-{n}"), "ada@example.org"),
            )?;
        }
        Ok(())
    })
    .expect("queued");
    drop(conn);
    // Two instances: their own pools, their own lease owners, small batches to interleave.
    let (pool_a, pool_b) = (t.db.pool(), t.db.pool());
    let a = t.smtp_sender(&server, "instance-a", 5).with_batch_size(3);
    let b = t.smtp_sender(&server, "instance-b", 5).with_batch_size(3);
    let now = jobs::now();

    let (sent_a, sent_b) = tokio::join!(drain(&pool_a, &a, now), drain(&pool_b, &b, now));

    assert_eq!(sent_a + sent_b, 50, "each message attempted once in all");
    let received = server.wait_for(50).await;
    assert_eq!(received.len(), 50);
    let ids: HashSet<String> = received.iter().map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), 50, "no Message-ID delivered twice");
    let entries = queue::list(
        &mut t.pool.get().expect("conn"),
        &OutboxFilter {
            limit: Some(500),
            ..OutboxFilter::default()
        },
    )
    .expect("list");
    let queued: HashSet<String> = entries.iter().map(|e| e.message_id.clone()).collect();
    assert_eq!(ids, queued);
    assert!(entries
        .iter()
        .all(|e| e.status == OutboxStatus::Sent && e.attempts == 1));
}

#[tokio::test]
async fn gives_up_after_the_last_attempt_and_keeps_the_last_error() {
    let t = Setup::new();
    let server = SmtpServer::start().await;
    server.set_mode(Mode::RefuseTemporarily);
    let sender = t.smtp_sender(&server, "instance-a", 3);
    let queued = t.enqueue(mail("payment-reminder-5", "ada@example.org"));

    let mut at = jobs::now();
    for attempt in 1..=3 {
        assert_eq!(run_once(&t.pool, &sender, at).await.expect("pass"), 1);
        let entry = t.entry(queued.id());
        assert_eq!(entry.attempts, attempt);
        at = entry.next_attempt_at;
    }
    let failed = t.entry(queued.id());
    assert_eq!(failed.status, OutboxStatus::Failed);
    let error = failed.last_error.expect("last error");
    assert!(
        error.contains("451") && error.contains("try again later"),
        "{error}"
    );
    assert_eq!(
        run_once(&t.pool, &sender, at + TimeDelta::days(1))
            .await
            .expect("pass"),
        0,
        "a failed message is not tried again"
    );
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_permanent_refusal_fails_at_once_and_staff_can_resend_it() {
    let t = Setup::new();
    let server = SmtpServer::start().await;
    server.set_mode(Mode::RefusePermanently);
    let sender = t.smtp_sender(&server, "instance-a", 10);
    let queued = t.enqueue(mail("booking-8-cancelled", "ada@example.org"));
    assert_eq!(
        run_once(&t.pool, &sender, jobs::now()).await.expect("pass"),
        1
    );
    let failed = t.entry(queued.id());
    assert_eq!((failed.status, failed.attempts), (OutboxStatus::Failed, 1));
    assert!(failed
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("550")));

    let mut conn = t.pool.get().expect("conn");
    let resent = queue::resend(&mut conn, queued.id()).expect("resent");
    assert_eq!((resent.status, resent.attempts), (OutboxStatus::Pending, 0));
    assert!(matches!(
        queue::resend(&mut conn, queued.id()),
        Err(ResendError::NotFailed(_, OutboxStatus::Pending))
    ));
    assert!(matches!(
        queue::resend(&mut conn, OutboxId::new(999_999)),
        Err(ResendError::NotFound(_))
    ));
    drop(conn);

    server.set_mode(Mode::Accept);
    assert_eq!(
        run_once(&t.pool, &sender, jobs::now()).await.expect("pass"),
        1
    );
    let received = server.wait_for(1).await;
    assert_eq!(received[0].message_id(), queued.message_id());
    let sent = t.entry(queued.id());
    assert_eq!((sent.status, sent.attempts), (OutboxStatus::Sent, 1));
    assert!(matches!(
        queue::resend(&mut t.pool.get().expect("conn"), queued.id()),
        Err(ResendError::NotFailed(_, OutboxStatus::Sent))
    ));
}

#[tokio::test]
async fn the_list_filters_by_status_and_recipient_newest_first_in_pages() {
    let t = Setup::new();
    for key in ["a", "b", "c"] {
        t.enqueue(mail(key, &format!("{key}@example.org")));
    }
    let now = jobs::now();
    let mut conn = t.pool.get().expect("conn");
    let claimed = queue::claim_due(&mut conn, "staff-test", now, TimeDelta::minutes(1), 1)
        .expect("claimed the oldest");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].key, "a");
    let gave_up = Attempt::GaveUp {
        error: "550 no such user".into(),
    };
    assert!(
        queue::record_attempt(&mut conn, claimed[0].id, "staff-test", &gave_up, now)
            .expect("recorded")
    );
    drop(conn);

    let filter = |status, recipient: Option<&str>, before, limit| OutboxFilter {
        status,
        recipient: recipient.map(str::to_string),
        before,
        limit,
        ..OutboxFilter::default()
    };
    assert_eq!(t.list(filter(None, None, None, None)), vec!["c", "b", "a"]);
    assert_eq!(
        t.list(filter(Some(OutboxStatus::Failed), None, None, None)),
        vec!["a"]
    );
    assert_eq!(
        t.list(filter(Some(OutboxStatus::Pending), None, None, None)),
        vec!["c", "b"]
    );
    assert_eq!(
        t.list(filter(None, Some("b@example.org"), None, None)),
        vec!["b"]
    );
    let first_page = t.list(filter(None, None, None, Some(2)));
    assert_eq!(first_page, vec!["c", "b"]);
    let entries = queue::list(
        &mut t.pool.get().expect("conn"),
        &filter(None, None, None, Some(2)),
    )
    .expect("list");
    let last = entries.last().expect("a page").id;
    assert_eq!(t.list(filter(None, None, Some(last), Some(2))), vec!["a"]);
    let search = |term: &str| OutboxFilter {
        search: Some(term.to_string()),
        ..OutboxFilter::default()
    };
    assert_eq!(t.list(search("B@EXAMPLE")), vec!["b"], "in the recipient");
    assert_eq!(t.list(search("confirmed (c)")), vec!["c"], "in the subject");
    assert_eq!(t.list(search("booking")), vec!["c", "b", "a"]);
    assert!(t.list(search("100%")).is_empty(), "wildcards are literal");
}

#[tokio::test]
async fn the_lease_of_a_crashed_sender_expires_and_another_takes_the_message_over() {
    let t = Setup::new();
    let server = SmtpServer::start().await;
    let queued = t.enqueue(mail("reminder-11", "ada@example.org"));
    let start = jobs::now();
    let mut conn = t.pool.get().expect("conn");
    // An instance claims the message and dies before sending it.
    let claimed =
        queue::claim_due(&mut conn, "crashed", start, TimeDelta::minutes(5), 10).expect("claimed");
    assert_eq!(claimed.len(), 1);
    drop(conn);
    let sender = t.smtp_sender(&server, "survivor", 5);

    for later in [TimeDelta::zero(), TimeDelta::minutes(4)] {
        assert_eq!(
            run_once(&t.pool, &sender, start + later)
                .await
                .expect("pass"),
            0,
            "leased to another instance"
        );
    }
    assert_eq!(
        run_once(&t.pool, &sender, start + TimeDelta::minutes(6))
            .await
            .expect("pass"),
        1
    );
    let received = server.wait_for(1).await;
    assert_eq!(received[0].message_id(), queued.message_id());
    let entry = t.entry(queued.id());
    assert_eq!((entry.status, entry.attempts), (OutboxStatus::Sent, 1));
    // Should the crashed instance come back, its outcome no longer counts.
    let late = queue::record_attempt(
        &mut t.pool.get().expect("conn"),
        queued.id(),
        "crashed",
        &Attempt::GaveUp {
            error: "late".into(),
        },
        start,
    )
    .expect("recorded nothing");
    assert!(!late);
    assert_eq!(t.entry(queued.id()).status, OutboxStatus::Sent);
}

#[tokio::test]
async fn without_smtp_each_message_becomes_a_parseable_eml_file_and_is_marked_sent() {
    let t = Setup::new();
    let folder = t.dir.path().join("outbox");
    let sender = t.sender(Transport::Folder(folder.clone()), "instance-a", 5);
    let queued = t.enqueue(mail("booking-5-moved", "ada@example.org").attach(
        "booking.ics",
        "text/calendar",
        ICS.to_vec(),
    ));

    assert_eq!(
        run_once(&t.pool, &sender, jobs::now()).await.expect("pass"),
        1
    );

    let path = folder.join(format!("{}-booking-5-moved.eml", queued.id()));
    let bytes = std::fs::read(&path).expect("the .eml file");
    assert_eq!(bytes, t.stored_bytes(queued.id()));
    let parsed = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("parseable");
    assert_eq!(
        parsed.message_id().map(|id| format!("<{id}>")).as_deref(),
        Some(queued.message_id())
    );
    assert_eq!(
        parsed.subject(),
        Some("Booking confirmed (booking-5-moved)")
    );
    assert_eq!(parsed.attachments().count(), 1);
    assert_eq!(std::fs::read_dir(&folder).expect("folder").count(), 1);
    assert_eq!(t.entry(queued.id()).status, OutboxStatus::Sent);
}

#[tokio::test]
async fn the_running_app_delivers_queued_mail_in_the_background() {
    let server = SmtpServer::start().await;
    let url = server.url();
    let app = spawn_app_with(|settings| {
        settings.smtp_url = Some(SecretString::from(url));
        settings.jobs.poll_interval_ms = 50;
    })
    .await;
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let mut conn = app.db.conn();
    let queued = write_tx(&mut conn, |c| {
        mail::enqueue(c, &identity, mail("background-1", "ada@example.org"))
    })
    .expect("queued");

    let received = server.wait_for(1).await;
    assert_eq!(received[0].message_id(), queued.message_id());
}

#[tokio::test]
async fn the_running_app_without_smtp_writes_eml_files_into_its_data_folder() {
    let app = spawn_app_with(|settings| settings.jobs.poll_interval_ms = 50).await;
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let pool = app.db.pool();
    let queued = write_tx(&mut pool.get().expect("conn"), |c| {
        mail::enqueue(c, &identity, mail("background-2", "ada@example.org"))
    })
    .expect("queued");

    // A bounded wait for the background sender, checking the row every 20 ms.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while queue::get(&mut pool.get().expect("conn"), queued.id())
        .expect("entry")
        .status
        != OutboxStatus::Sent
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the background sender did not write the message within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let path = app
        .data_dir
        .path()
        .join(format!("outbox/{}-background-2.eml", queued.id()));
    assert!(path.exists(), "{}", path.display());
}

#[tokio::test]
async fn jobs_can_be_switched_off_per_instance_and_stop_when_asked() {
    let t = Setup::new();
    let mut settings = Settings::defaults().expect("settings");
    settings.data_dir = t.dir.path().to_path_buf();

    settings.jobs.enabled = false;
    let none = Jobs::start(t.pool.clone(), &settings).expect("started");
    assert!(none.running().is_empty());
    none.stop().await;

    settings.jobs.enabled = true;
    settings.jobs.mail_sender = false;
    settings.jobs.reminders = false;
    settings.jobs.settle = false;
    settings.jobs.overdue = false;
    let none = Jobs::start(t.pool.clone(), &settings).expect("started");
    assert!(none.running().is_empty());
    none.stop().await;

    settings.jobs.mail_sender = true;
    let first = Jobs::start(t.pool.clone(), &settings).expect("started");
    let second = Jobs::start(t.pool.clone(), &settings).expect("started");
    assert_eq!(first.running(), vec!["mail_sender"]);
    settings.jobs.reminders = true;
    settings.jobs.settle = true;
    settings.jobs.overdue = true;
    let all = Jobs::start(t.pool.clone(), &settings).expect("started");
    assert_eq!(
        all.running(),
        vec!["mail_sender", "reminders", "settle", "overdue"]
    );
    all.stop().await;
    assert_ne!(
        first.instance_id(),
        second.instance_id(),
        "each instance owns its leases"
    );
    tokio::time::timeout(Duration::from_secs(30), async {
        first.stop().await;
        second.stop().await;
    })
    .await
    .expect("jobs stop promptly");
}

// --- the welcome mail of new users ----------------------------------------------------------

/// Every message queued for `email`, newest first.
fn queued_for(app: &TestApp, email: &str) -> Vec<OutboxEntry> {
    let filter = OutboxFilter {
        recipient: Some(email.to_string()),
        ..OutboxFilter::default()
    };
    queue::list(&mut app.db.conn(), &filter).expect("outbox")
}

fn stored_message(app: &TestApp, id: OutboxId) -> String {
    let bytes: Vec<u8> = outbox::table
        .find(id.get())
        .select(outbox::message)
        .first(&mut *app.db.conn())
        .expect("stored message");
    String::from_utf8_lossy(&bytes).to_string()
}

#[tokio::test]
async fn a_user_created_through_the_api_is_welcomed_with_links_and_no_password() {
    let (server, app) = app_with_smtp().await;
    let staff = app.user(Role::Staff, None);
    let token = app.token(&staff);
    let body = json!({"email": "Joana@Example.org", "name": "Joana Vidal", "role": "member"});
    let response = app
        .api_send(Method::POST, &token, "/api/v1/users", body)
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    let password = created["password"].as_str().expect("generated").to_string();
    let id = created["user"]["id"].as_i64().expect("id");

    let received = server.wait_for(1).await;
    let welcome = &received[0];
    assert_eq!(welcome.rcpt_to, vec!["joana@example.org".to_string()]);
    assert_eq!(
        welcome.parsed().subject(),
        Some("Welcome to Obrador Taller Cooperatiu SCCL")
    );
    let text = welcome.text();
    let html = welcome.parsed().body_html(0).expect("html").to_string();
    assert!(
        text.contains("Joana Vidal")
            && text.contains("joana@example.org")
            && text.contains("as a member"),
        "{text}"
    );
    let login = format!("{}/login", app.settings.public_url.trim_end_matches('/'));
    assert!(text.contains(&login) && html.contains(&login), "{text}");
    for part in [
        &text,
        &html,
        &String::from_utf8_lossy(&welcome.data).to_string(),
    ] {
        assert!(!part.contains(&password), "the password is never mailed");
    }
    let queued = queued_for(&app, "joana@example.org");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].key, format!("welcome-user-{id}"));

    // The link lets Joana choose her own password.
    let link = welcome.password_link();
    assert!(html.contains(&link));
    let visitor = app.browser();
    let response = visitor
        .submit(&link, &link, &[("new_password", "my very own password")])
        .await;
    assert_eq!(response.status(), 303);
    let signed_in = app
        .browser()
        .login("joana@example.org", "my very own password")
        .await;
    assert_eq!(signed_in.status(), 303);
}

#[tokio::test]
async fn a_retried_user_creation_queues_one_welcome_mail() {
    let app = spawn_app_with(|settings| settings.jobs.enabled = false).await;
    let staff = app.user(Role::Staff, None);
    let token = app.token(&staff);
    let body = json!({"email": "pere@example.org", "name": "Pere Coll", "role": "member",
        "password": "a password Pere chose"});
    let first = app
        .api_send(Method::POST, &token, "/api/v1/users", body.clone())
        .await;
    assert_eq!(first.status(), 201);
    let id = first.json::<Value>().await.expect("json")["user"]["id"]
        .as_i64()
        .expect("id");
    let retried = app
        .api_send(Method::POST, &token, "/api/v1/users", body)
        .await;
    assert_eq!(retried.status(), 409);

    let queued = queued_for(&app, "pere@example.org");
    assert_eq!(queued.len(), 1, "one welcome, whatever the retries");
    assert_eq!(queued[0].key, format!("welcome-user-{id}"));
    assert!(!stored_message(&app, queued[0].id).contains("a password Pere chose"));
    // Queueing under the same key again (a retried transaction) adds nothing either.
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let again = write_tx(&mut app.db.conn(), |c| {
        mail::enqueue(c, &identity, mail(&queued[0].key, "pere@example.org"))
    })
    .expect("enqueue");
    assert_eq!(
        again,
        EnqueueOutcome::AlreadyQueued {
            id: queued[0].id,
            message_id: queued[0].message_id.clone()
        }
    );
    assert_eq!(queued_for(&app, "pere@example.org").len(), 1);
}

#[tokio::test]
async fn a_user_added_on_the_command_line_is_welcomed_without_the_printed_password() {
    let (server, app) = app_with_smtp().await;
    let output = Command::new(env!("CARGO_BIN_EXE_obrador"))
        .current_dir(app.data_dir.path())
        .env("DATABASE_URL", app.db.url())
        .env("RUST_LOG", "warn")
        .args([
            "user",
            "add",
            "--email",
            "pau@example.org",
            "--name",
            "Pau Serra",
        ])
        .args(["--role", "tutor"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).to_string();
    let password = printed
        .split("Password (shown once): ")
        .nth(1)
        .expect("a generated password")
        .trim()
        .to_string();

    // Queued by another process: the server's sender finds it at its next poll.
    let received = server.wait_for(1).await;
    assert_eq!(received[0].rcpt_to, vec!["pau@example.org".to_string()]);
    let text = received[0].text();
    assert!(
        text.contains("Pau Serra") && text.contains("as a tutor"),
        "{text}"
    );
    assert!(!String::from_utf8_lossy(&received[0].data).contains(&password));
    assert!(!text.contains(&password));
    assert_eq!(
        app.browser()
            .get(&received[0].password_link())
            .await
            .status(),
        200
    );
}

// --- the staff's outbox screen --------------------------------------------------------------

/// Waits, at most 30 s, until the newest message for `email` has `status`.
async fn wait_for_status(app: &TestApp, email: &str, status: OutboxStatus) -> OutboxEntry {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(entry) = queued_for(app, email).into_iter().next() {
            if entry.status == status {
                return entry;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {status} message for {email} within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A message the sender gave up on, made without a sender.
fn failed_message(app: &TestApp, to: &str) -> OutboxEntry {
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let mut conn = app.db.conn();
    let queued = write_tx(&mut conn, |c| {
        mail::enqueue(c, &identity, mail("invoice-3-issued", to))
    })
    .expect("queued");
    let now = jobs::now();
    let claimed =
        queue::claim_due(&mut conn, "test", now, TimeDelta::minutes(1), 10).expect("claim");
    assert_eq!(claimed.len(), 1);
    let gave_up = Attempt::GaveUp {
        error: "550 5.1.1 no such mailbox".into(),
    };
    assert!(
        queue::record_attempt(&mut conn, queued.id(), "test", &gave_up, now).expect("recorded")
    );
    queue::get(&mut conn, queued.id()).expect("entry")
}

#[tokio::test]
async fn staff_see_a_failed_message_with_its_error_and_resend_it() {
    let (server, app) = app_with_smtp().await;
    server.set_mode(Mode::RefusePermanently);
    let ana = app.user(Role::Member, None);
    let asked = app
        .client
        .post(app.url("/api/v1/password-reset"))
        .json(&json!({ "email": ana.email }))
        .send()
        .await
        .expect("sent");
    assert_eq!(asked.status(), 202);
    let failed = wait_for_status(&app, &ana.email, OutboxStatus::Failed).await;
    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&staff).await;

    let page = browser.page("/staff/outbox?status=failed").await;
    let resend = format!("/staff/outbox/{}/resend", failed.id);
    assert!(page.contains(&ana.email) && page.contains("choose a new password"));
    assert!(
        page.contains("(550): 5.7.1 Delivery not authorized"),
        "the last error: {page}"
    );
    assert!(page.contains(&format!(r#"action="{resend}""#)));
    assert!(page.contains(r#"href="/staff/outbox""#), "in the menu");
    assert!(!browser
        .page("/staff/outbox?status=sent")
        .await
        .contains(&ana.email));
    let found = browser.page("/staff/outbox?q=CHOOSE+A+NEW").await;
    assert!(found.contains(&ana.email));
    assert!(!browser
        .page("/staff/outbox?q=invoice")
        .await
        .contains(&ana.email));
    let bad = browser.get("/staff/outbox?status=lost").await;
    assert_eq!(bad.status(), 422);

    server.set_mode(Mode::Accept);
    let response = browser
        .submit("/staff/outbox?status=failed", &resend, &[])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/staff/outbox?done=resent");
    let received = server.wait_for(1).await;
    assert_eq!(received[0].message_id(), failed.message_id);
    let sent = wait_for_status(&app, &ana.email, OutboxStatus::Sent).await;
    assert_eq!((sent.id, sent.attempts), (failed.id, 1));
    assert!(browser
        .page("/staff/outbox?done=resent")
        .await
        .contains("queued again"));

    let history = audit::list(
        &mut app.db.conn(),
        &By::System("test"),
        &Query {
            object_type: Some("outbox"),
            object_id: Some(failed.id.get()),
            before: None,
            limit: 10,
        },
    )
    .expect("audit");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, "outbox.resend");
    assert_eq!(history[0].actor, staff.email);

    let again = browser.submit("/staff/outbox", &resend, &[]).await;
    assert_eq!(again.status(), 409);
    assert!(again
        .text()
        .await
        .expect("html")
        .contains("only a failed message can be resent"));
}

#[tokio::test]
async fn the_outbox_is_for_staff_only_and_resending_needs_the_csrf_token() {
    let app = spawn_app_with(|settings| settings.jobs.enabled = false).await;
    let failed = failed_message(&app, "ada@example.org");
    let resend = format!("/staff/outbox/{}/resend", failed.id);

    let visitor = app.browser();
    assert_eq!(
        visitor.get("/staff/outbox").await.status(),
        303,
        "sign in first"
    );
    let member = app.user(Role::Member, None);
    let browser = app.browser_for(&member).await;
    assert_eq!(browser.get("/staff/outbox").await.status(), 403);
    assert_eq!(browser.submit("/account", &resend, &[]).await.status(), 403);

    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&staff).await;
    for token in [None, Some("forged")] {
        let form: Vec<(&str, &str)> = token.map(|t| ("csrf_token", t)).into_iter().collect();
        let response = browser
            .client
            .post(browser.url(&resend))
            .form(&form)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 403);
    }
    let entry = queue::get(&mut app.db.conn(), failed.id).expect("entry");
    assert_eq!((entry.status, entry.attempts), (OutboxStatus::Failed, 1));
    assert_eq!(
        browser.submit("/staff/outbox", &resend, &[]).await.status(),
        303,
        "with its token it works"
    );
}
