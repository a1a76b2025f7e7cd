//! Payment reminders for overdue invoices: the overdue job, run by the tests on the local days
//! they choose (issued invoices are immutable, so time moves instead of the due date), mails each
//! reminder once through the real SMTP path, whichever instance runs it and however often, never
//! for a paid invoice, states what is outstanding, repeats every `reminder_days` up to
//! `max_reminders`, and survives an instance that died holding the lease.
use chrono::{Days, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use obrador::db::schema::{outbox, payment_reminders};
use obrador::db::{claim_due, LeaseClaim, Pool};
use obrador::domain::{CustomerId, CustomerInput, RawCustomer, Role, WorkshopTz};
use obrador::jobs::overdue::Overdue;
use obrador::mail::MailIdentity;
use obrador::services::{accounts, payments, By};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::billing::Charge;
use crate::helpers::smtp::{ReceivedMail, SmtpServer};
use crate::helpers::{spawn_app_with, TestApp};

/// An app whose mail goes to its own SMTP server (sender polling every 50 ms); the tests run the
/// overdue job themselves.
async fn app_with(customize: impl FnOnce(&mut obrador::config::Settings)) -> (SmtpServer, TestApp) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(secrecy::SecretString::from(url));
        s.jobs.poll_interval_ms = 50;
        s.jobs.reminders = false;
        s.jobs.settle = false;
        s.jobs.overdue = false;
        customize(s);
    })
    .await;
    (smtp, app)
}

fn today() -> NaiveDate {
    WorkshopTz::DEFAULT.local_date(Utc::now())
}

/// Noon of a local day, as the job's clock.
fn noon(day: NaiveDate) -> NaiveDateTime {
    (WorkshopTz::DEFAULT.start_of_day(day) + TimeDelta::hours(12)).naive_utc()
}

fn job(app: &TestApp, owner: &str) -> Overdue {
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    Overdue::new(&app.settings, identity, owner)
}

fn tick(job: &Overdue, pool: &Pool, day: NaiveDate) -> usize {
    job.tick(pool, day, noon(day)).expect("tick")
}

/// Issues this month's invoice of `customer`: one hour at 20.00, 24.20 with VAT. Its JSON.
async fn issued_invoice(app: &TestApp, staff: &str, customer: CustomerId) -> Value {
    Charge::new(customer, customer.get(), "usage").write(&mut app.db.conn());
    let invoice = app.issued_invoice_of(staff, customer).await;
    assert_eq!(invoice["totals"]["total"]["amount"], "24.20");
    invoice
}

fn id_of(invoice: &Value) -> i64 {
    invoice["id"].as_i64().expect("id")
}

fn due_of(invoice: &Value) -> NaiveDate {
    invoice["due_date"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("an issued invoice has a due date")
}

fn plus(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).expect("date")
}

async fn pay(app: &TestApp, staff: &str, invoice: i64, amount: &str) {
    let body = json!({"paid_on": today().to_string(), "amount": amount, "method": "transfer"});
    let paid = app
        .api_send(
            Method::POST,
            staff,
            &format!("/api/v1/invoices/{invoice}/payments"),
            body,
        )
        .await;
    assert_eq!(paid.status(), 201);
}

/// (number, status) of an invoice's reminder rows.
fn reminders_of(app: &TestApp, invoice: i64) -> Vec<(i32, String)> {
    let mut conn = app.db.conn();
    payment_reminders::table
        .filter(payment_reminders::invoice_id.eq(invoice))
        .order(payment_reminders::number)
        .select((payment_reminders::number, payment_reminders::status))
        .load(&mut *conn)
        .expect("reminders")
}

/// The outbox keys of payment reminders, sorted.
fn reminder_keys(app: &TestApp) -> Vec<String> {
    let mut conn = app.db.conn();
    outbox::table
        .filter(outbox::key.like("payment-reminder-%"))
        .order(outbox::key)
        .select(outbox::key)
        .load(&mut *conn)
        .expect("outbox")
}

/// Waits until the SMTP server has every message queued so far (whatever else the app mails);
/// returns the payment reminders among them.
async fn delivered_reminders(app: &TestApp, smtp: &SmtpServer) -> Vec<ReceivedMail> {
    let queued: i64 = {
        let mut conn = app.db.conn();
        outbox::table.count().get_result(&mut *conn).expect("count")
    };
    let received = smtp.wait_for(usize::try_from(queued).expect("count")).await;
    assert_eq!(received.len() as i64, queued, "each queued message once");
    received
        .into_iter()
        .filter(|m| {
            m.parsed()
                .subject()
                .is_some_and(|s| s.starts_with("Payment reminder"))
        })
        .collect()
}

#[tokio::test]
async fn an_overdue_invoice_gets_one_reminder_however_often_and_wherever_the_job_runs() {
    let (smtp, app) = app_with(|_| {}).await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    let invoice = issued_invoice(&app, &staff, ana.customer_id).await;
    let (id, due) = (id_of(&invoice), due_of(&invoice));
    let pool = app.db.pool();
    let instances = [job(&app, "instance-a"), job(&app, "instance-b")];

    // Due, and overdue, but not yet by `reminder_days` (7).
    assert_eq!(tick(&instances[0], &pool, due), 0);
    assert_eq!(tick(&instances[1], &pool, plus(due, 6)), 0);
    assert!(reminders_of(&app, id).is_empty());

    // Both instances at once on the day: one writes the reminder, one sends it.
    let day = plus(due, 7);
    let handled: usize = std::thread::scope(|scope| {
        let runs: Vec<_> = instances
            .iter()
            .map(|job| scope.spawn(|| tick(job, &pool, day)))
            .collect();
        runs.into_iter().map(|r| r.join().expect("joined")).sum()
    });
    assert_eq!(
        handled, 2,
        "one reminder written and one sent, by either instance"
    );
    for job in &instances {
        assert_eq!(tick(job, &pool, day), 0, "nothing left to do");
        assert_eq!(tick(job, &pool, plus(day, 1)), 0, "nor the next day");
    }
    assert_eq!(reminders_of(&app, id), vec![(1, "sent".to_string())]);
    assert_eq!(
        reminder_keys(&app),
        vec![format!("payment-reminder-{id}-1")]
    );

    let mails = delivered_reminders(&app, &smtp).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].rcpt_to, vec![ana.email.clone()]);
    let text = mails[0].text();
    let number = invoice["number"].as_str().expect("number");
    for expected in [
        format!("Invoice: {number}"),
        format!("Issued: {}", invoice["issue_date"].as_str().expect("date")),
        format!("Due: {due}"),
        "Total: 24.20 EUR".to_string(),
        "Paid so far: 0.00 EUR".to_string(),
        "Outstanding: 24.20 EUR".to_string(),
        format!("/invoices/{id}"),
    ] {
        assert!(text.contains(&expected), "{expected:?} in\n{text}");
    }
}

#[tokio::test]
async fn a_paid_invoice_gets_none_and_a_partly_paid_one_is_told_what_is_outstanding() {
    let (smtp, app) = app_with(|_| {}).await;
    let staff = app.token(&app.user(Role::Staff, None));
    let paid = issued_invoice(&app, &staff, app.user(Role::Member, None).customer_id).await;
    let business = app.business("Fusteria La Serra SCCL");
    let partly = issued_invoice(&app, &staff, business).await;
    let later = issued_invoice(&app, &staff, app.user(Role::Member, None).customer_id).await;
    pay(&app, &staff, id_of(&paid), "24.20").await;
    pay(&app, &staff, id_of(&partly), "10.00").await;
    let day = plus(due_of(&paid), 7);

    // The reminder of `later` is written, then the invoice is paid before the job sends it.
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let ctx = payments::Context::from_settings(&app.settings, identity).expect("context");
    let written = {
        let mut conn = app.db.conn();
        payments::schedule_overdue(&mut conn, &ctx, day).expect("scheduled")
    };
    assert_eq!(written, 2, "the partly paid and the unpaid invoice");
    pay(&app, &staff, id_of(&later), "24.20").await;

    let pool = app.db.pool();
    tick(&job(&app, "instance-a"), &pool, day);
    assert!(reminders_of(&app, id_of(&paid)).is_empty());
    assert_eq!(
        reminders_of(&app, id_of(&later)),
        vec![(1, "skipped".to_string())],
        "paid meanwhile"
    );
    assert_eq!(
        reminders_of(&app, id_of(&partly)),
        vec![(1, "sent".to_string())]
    );
    assert_eq!(
        reminder_keys(&app),
        vec![format!("payment-reminder-{}-1", id_of(&partly))]
    );

    let mails = delivered_reminders(&app, &smtp).await;
    assert_eq!(mails.len(), 1);
    let billing: String = {
        let mut conn = app.db.conn();
        obrador::db::accounts::find_customer(&mut conn, business)
            .expect("customer")
            .billing_email
            .expect("a billing email")
    };
    assert_eq!(
        mails[0].rcpt_to,
        vec![billing],
        "the business's billing address"
    );
    let text = mails[0].text();
    assert!(text.contains("Paid so far: 10.00 EUR"), "{text}");
    assert!(text.contains("Outstanding: 14.20 EUR"), "{text}");
}

#[tokio::test]
async fn reminders_repeat_every_reminder_days_up_to_max_reminders_to_a_businesss_admins() {
    let (smtp, app) = app_with(|s| {
        s.invoicing.reminder_days = 5;
        s.invoicing.max_reminders = 2;
    })
    .await;
    let staff = app.token(&app.user(Role::Staff, None));
    // A business with no billing email: its admins are reminded, not its other employees.
    let business = {
        let raw = RawCustomer {
            kind: "business".into(),
            legal_name: "Taller Nou SL".into(),
            tax_id: Some("B87654321".into()),
            address: Some("Carrer Nou 2, Girona".into()),
            billing_email: None,
            price_category: "business".into(),
        };
        let input = CustomerInput::parse(&raw).expect("customer");
        let mut conn = app.db.conn();
        accounts::create_customer(&mut conn, &By::System("test"), &input)
            .expect("customer")
            .id
    };
    let admin = app.user(Role::BusinessAdmin, Some(business));
    app.user(Role::Member, Some(business));
    let invoice = issued_invoice(&app, &staff, business).await;
    let (id, due) = (id_of(&invoice), due_of(&invoice));
    let pool = app.db.pool();
    let job = job(&app, "instance-a");

    let mut sent = Vec::new();
    for (days, expected) in [(4, 0), (5, 2), (9, 0), (10, 2), (15, 0), (100, 0)] {
        assert_eq!(
            tick(&job, &pool, plus(due, days)),
            expected,
            "{days} days after the due date"
        );
        if expected > 0 {
            sent.push(format!(
                "payment-reminder-{id}-{}-{}",
                sent.len() + 1,
                admin.id
            ));
        }
    }
    assert_eq!(
        reminders_of(&app, id),
        vec![(1, "sent".to_string()), (2, "sent".to_string())]
    );
    assert_eq!(reminder_keys(&app), sent);
    let mails = delivered_reminders(&app, &smtp).await;
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().all(|m| m.rcpt_to == vec![admin.email.clone()]));
}

#[tokio::test]
async fn a_reminder_held_by_an_instance_that_died_is_sent_by_another_when_its_lease_ends() {
    let (smtp, app) = app_with(|_| {}).await;
    let staff = app.token(&app.user(Role::Staff, None));
    let ana = app.user(Role::Member, None);
    let invoice = issued_invoice(&app, &staff, ana.customer_id).await;
    let day = plus(due_of(&invoice), 7);
    let identity = MailIdentity::from_settings(&app.settings).expect("identity");
    let ctx = payments::Context::from_settings(&app.settings, identity).expect("context");
    let pool = app.db.pool();
    let claimed = {
        let mut conn = pool.get().expect("conn");
        assert_eq!(
            payments::schedule_overdue(&mut conn, &ctx, day).expect("scheduled"),
            1
        );
        // An instance claims the reminder, then dies before sending it.
        let claim = LeaseClaim {
            table: "payment_reminders",
            due: "status = 'pending' AND due_at <= :now",
            order_by: "due_at, id",
            limit: 10,
            owner: "crashed",
            now: noon(day),
            duration: TimeDelta::minutes(5),
        };
        claim_due(&mut conn, &claim).expect("claim")
    };
    assert_eq!(claimed.len(), 1);

    let survivor = job(&app, "survivor");
    assert_eq!(tick(&survivor, &pool, day), 0, "the lease still holds");
    let after_lease = noon(day) + TimeDelta::minutes(6);
    assert_eq!(survivor.tick(&pool, day, after_lease).expect("tick"), 1);
    // The dead instance's late attempt finds the reminder gone from under its lease.
    {
        let mut conn = pool.get().expect("conn");
        let again = payments::send_reminder(&mut conn, &ctx, claimed[0], "crashed");
        assert!(!again.expect("no error"));
    }
    assert_eq!(
        reminders_of(&app, id_of(&invoice)),
        vec![(1, "sent".to_string())]
    );
    assert_eq!(delivered_reminders(&app, &smtp).await.len(), 1);
}
