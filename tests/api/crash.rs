//! Crashes of the real binary: `obrador serve` killed with SIGKILL in the middle of the soak load,
//! and `obrador invoices issue` killed halfway through the month. After a restart nothing that
//! was acknowledged is lost, no invariant is broken, invoice numbers run without a gap, every
//! draft is issued once, and `obrador invoices verify` passes.
use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use diesel::prelude::*;
use obrador::db::schema::{invoices, outbox};
use obrador::domain::WorkshopTz;
use serde_json::Value;

use crate::helpers::billing::{charge, this_month};
use crate::helpers::invariants::{assert_invariants, Acknowledged};
use crate::helpers::load::{seed, Load, LoadOptions, BOOK};
use crate::helpers::ProcessApp;

/// The server is killed once the clients have been acknowledged this many writes.
const KILL_AFTER: usize = 150;
/// Customers with open charges, so that issuing their drafts takes a while.
const CUSTOMERS: i64 = 60;
const SIGKILL: i32 = 9;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_load_loses_nothing_it_acknowledged() {
    let mut app = ProcessApp::new(None);
    let mut first = app.start_server().await;
    let workshop = app.soak_workshop(16);
    let mut options = LoadOptions {
        servers: vec![first.address.clone()],
        // A bound only: the kill ends the load long before.
        duration: Duration::from_secs(120),
        seed: seed(),
        crash_expected: true,
    };
    let mut load = Load::start(&workshop, &options);
    load.wait_for_acks(KILL_AFTER).await;
    let status = first.kill().expect("the server was running");
    assert_eq!(
        status.signal(),
        Some(SIGKILL),
        "the server died of the kill, not before: {status:?}\n{}",
        first.log_tail()
    );
    load.stop();
    let crashed = load.finish().await;
    eprintln!("until the kill: {}", crashed.stats);
    assert!(crashed.unexpected.is_empty(), "{:?}", crashed.unexpected);
    let unanswered = crashed
        .acked
        .bookings
        .iter()
        .filter(|b| !b.maybe.is_empty())
        .count();
    eprintln!("bookings with a request unanswered at the kill: {unanswered}");

    let second = app.start_server().await;
    let checked = assert_invariants(&mut app.db.conn(), &crashed.acked);
    eprintln!("after the restart: {checked}");
    // Each client reads its bookings back from the restarted server, as last acknowledged.
    for booking in crashed.acked.bookings.iter().filter(|b| b.maybe.is_empty()) {
        let token = &workshop.tokens[booking.client];
        let read: Value = app
            .api_get(token, &format!("/api/v1/bookings/{}", booking.id))
            .await
            .json()
            .await
            .expect("json");
        let status = if booking.state.cancelled {
            "cancelled"
        } else {
            "confirmed"
        };
        assert_eq!(read["status"], status, "booking {}", booking.id);
        assert_eq!(
            read["starts_at"].as_str().map(parse),
            Some(booking.state.starts_at),
            "booking {}",
            booking.id
        );
    }

    // The restarted server takes the same load again, and everything still holds.
    options.servers = vec![second.address.clone()];
    options.duration = Duration::from_secs(1);
    options.crash_expected = false;
    let again = Load::start(&workshop, &options).finish().await;
    assert!(again.unexpected.is_empty(), "{:?}", again.unexpected);
    assert!(again.stats.acknowledged(BOOK) > 0, "{}", again.stats);
    let both = Acknowledged {
        bookings: [crashed.acked.bookings, again.acked.bookings].concat(),
        enrollments: [crashed.acked.enrollments, again.acked.enrollments].concat(),
    };
    assert_invariants(&mut app.db.conn(), &both);
}

fn parse(text: &str) -> chrono::NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .naive_utc()
}

/// (id, status, number, chain position, customer) of the month's invoices.
type InvoiceRow = (i64, String, Option<String>, Option<i64>, i64);

fn month_invoices(app: &ProcessApp) -> Vec<InvoiceRow> {
    invoices::table
        .filter(invoices::month.eq(this_month().to_string()))
        .select((
            invoices::id,
            invoices::status,
            invoices::number,
            invoices::chain_position,
            invoices::customer_id,
        ))
        .order(invoices::id)
        .load(&mut *app.db.conn())
        .expect("invoices")
}

fn issued_count(app: &ProcessApp) -> usize {
    month_invoices(app)
        .iter()
        .filter(|i| i.1 == "issued")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuing_killed_halfway_and_run_again_numbers_every_draft_once_without_a_gap() {
    let mut app = ProcessApp::new(None);
    // A server runs meanwhile, its mail sender writing the issued invoices' mail.
    let _server = app.start_server().await;
    {
        let mut conn = app.db.conn();
        for i in 0..CUSTOMERS {
            let customer = app.business(&format!("Crash test customer {i}"));
            charge(&mut conn, customer, 7000 + i, "usage", 60, 2000 + i);
        }
    }
    let month = this_month().to_string();
    let drafted = app.cli_ok(&["invoices", "draft", "--month", &month]);
    assert!(
        drafted.contains(&format!("{CUSTOMERS} new drafts")),
        "{drafted}"
    );
    let drafts: BTreeSet<i64> = month_invoices(&app).iter().map(|i| i.0).collect();
    let total = drafts.len();
    assert_eq!(total, CUSTOMERS as usize);

    let started = Instant::now();
    let mut issuing = app.cli_spawn(&["invoices", "issue", "--month", &month]);
    // Killed once some are issued, while the rest still wait: polled, never slept on.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if issued_count(&app) >= total / 5 {
            break;
        }
        let exited = issuing.try_wait().expect("child status");
        assert!(
            exited.is_none(),
            "issuing ended ({exited:?}) before it could be killed; give it more drafts"
        );
        assert!(Instant::now() < deadline, "issuing made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = issuing.kill();
    let status = issuing.wait().expect("reaped");
    let at_kill = issued_count(&app);
    eprintln!(
        "killed `invoices issue` after {:?} with {at_kill} of {total} issued ({status:?})",
        started.elapsed()
    );
    assert_eq!(
        status.signal(),
        Some(SIGKILL),
        "issuing was still running when killed"
    );
    assert!(0 < at_kill && at_kill < total, "{at_kill} of {total}");

    let started = Instant::now();
    let again = app.cli_ok(&["invoices", "issue", "--month", &month]);
    eprintln!("the second run took {:?}: {again}", started.elapsed());
    let year = WorkshopTz::DEFAULT.local_date(Utc::now()).year();
    assert!(
        again.contains(&format!(
            "issued {} invoices, F{year}-{:06} to F{year}-{total:06}",
            total - at_kill,
            at_kill + 1
        )),
        "the second run carries on from the last number issued: {again}"
    );

    let after = month_invoices(&app);
    assert_eq!(
        after.iter().map(|i| i.0).collect::<BTreeSet<_>>(),
        drafts,
        "the same documents, no new ones"
    );
    assert!(after.iter().all(|i| i.1 == "issued"), "every draft issued");
    let mut numbers: Vec<String> = after.iter().filter_map(|i| i.2.clone()).collect();
    numbers.sort();
    let expected: Vec<String> = (1..=total).map(|n| format!("F{year}-{n:06}")).collect();
    assert_eq!(
        numbers, expected,
        "numbers 1..{total} without a gap or a repeat"
    );
    let mut positions: Vec<i64> = after.iter().filter_map(|i| i.3).collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=total as i64).collect::<Vec<_>>());
    let customers: BTreeSet<i64> = after.iter().map(|i| i.4).collect();
    assert_eq!(customers.len(), total, "one invoice per customer");
    let mails: i64 = outbox::table
        .filter(outbox::key.like("invoice-issued-%"))
        .count()
        .get_result(&mut *app.db.conn())
        .expect("count");
    assert_eq!(
        mails, total as i64,
        "one mail per issued invoice: none from the killed transaction"
    );

    let verified = app.cli_ok(&["invoices", "verify"]);
    assert!(
        verified.contains(&format!("The chain of {total} issued documents is intact")),
        "{verified}"
    );
}
