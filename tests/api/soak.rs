//! The soak test: many clients at once book, move, cancel, sign up and leave for a fixed time
//! against the real `obrador` binary; afterwards no two live blocks overlap, no session is
//! oversold, and every acknowledged booking and sign-up is there as last acknowledged.
//!
//! `SOAK_SECONDS` (default 5) sets how long, `SOAK_CLIENTS` (default 16) how many clients and
//! `SOAK_SEED` the random choices. A longer run, on either database:
//! `SOAK_SECONDS=300 cargo test --test api soak -- --nocapture`.
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::helpers::invariants::{
    assert_invariants, AckedBooking, AckedEnrollment, Acknowledged, Block, BookingRow,
    BookingState, EnrollmentRow, SessionRow, Snapshot,
};
use crate::helpers::load::{seed, setting, Load, LoadOptions, BOOK, CANCEL, LEAVE, MOVE, SIGN_UP};
use crate::helpers::ProcessApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_for_a_fixed_time_leave_no_overlap_no_oversold_session_and_lose_nothing() {
    let mut app = ProcessApp::new(None);
    let server = app.start_server().await;
    let clients = setting("SOAK_CLIENTS", 16) as usize;
    let workshop = app.soak_workshop(clients);
    let options = LoadOptions {
        servers: vec![server.address.clone()],
        duration: Duration::from_secs(setting("SOAK_SECONDS", 5)),
        seed: seed(),
        crash_expected: false,
    };
    let finished = Load::start(&workshop, &options).finish().await;
    eprintln!("soak on {:?}: {}", app.db.backend(), finished.stats);
    assert!(
        finished.unexpected.is_empty(),
        "answers no client should get:\n{}\nserver log:\n{}",
        finished.unexpected.join("\n"),
        server.log_tail()
    );
    for (op, name) in [
        (BOOK, "booked"),
        (MOVE, "moved"),
        (CANCEL, "cancelled"),
        (SIGN_UP, "signed up"),
        (LEAVE, "left"),
    ] {
        assert!(
            finished.stats.acknowledged(op) > 0,
            "the load never {name}: {}",
            finished.stats
        );
    }
    let checked = assert_invariants(&mut app.db.conn(), &finished.acked);
    eprintln!("{checked}");
    assert_eq!(checked.sessions.len(), workshop.sessions.len());
}

fn at(hour: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
        .and_then(|d| d.and_hms_opt(hour, 0, 0))
        .expect("time")
}

fn block(id: i64, booking: i64, from: u32, to: u32) -> Block {
    Block {
        id,
        resource_id: 1,
        starts_at: at(from),
        ends_at: at(to),
        blocks_until: at(to),
        booking_id: Some(booking),
    }
}

fn booking(id: i64, from: u32, to: u32, status: &str) -> (i64, BookingRow) {
    let row = BookingRow {
        id,
        resource_id: 1,
        starts_at: at(from),
        ends_at: at(to),
        status: status.into(),
    };
    (id, row)
}

fn signed(id: i64, session_id: i64, status: &str) -> (i64, EnrollmentRow) {
    let row = EnrollmentRow {
        id,
        session_id,
        status: status.into(),
    };
    (id, row)
}

fn acked(id: i64, from: u32, to: u32) -> AckedBooking {
    AckedBooking {
        id,
        resource_id: 1,
        client: 0,
        state: BookingState {
            starts_at: at(from),
            ends_at: at(to),
            cancelled: false,
        },
        maybe: Vec::new(),
    }
}

/// The checker itself: a consistent snapshot passes, and each kind of damage is named.
#[test]
fn the_invariant_checker_names_every_kind_of_violation() {
    let consistent = Snapshot {
        // Half-open neighbours do not overlap.
        live_blocks: vec![block(1, 1, 9, 10), block(2, 2, 10, 11)],
        bookings: [
            booking(1, 9, 10, "confirmed"),
            booking(2, 10, 11, "confirmed"),
        ]
        .into(),
        sessions: vec![SessionRow {
            id: 1,
            seats: 2,
            taken: 2,
            status: "scheduled".into(),
        }],
        enrollments: [
            signed(1, 1, "confirmed"),
            signed(2, 1, "confirmed"),
            signed(3, 1, "waitlisted"),
        ]
        .into(),
    };
    let told = Acknowledged {
        bookings: vec![acked(1, 9, 10), acked(2, 10, 11)],
        enrollments: vec![AckedEnrollment {
            id: 3,
            session_id: 1,
            left: false,
            maybe_left: false,
        }],
    };
    assert_eq!(consistent.violations(&told), Vec::<String>::new());

    let mut broken = consistent.clone();
    // A long block over two others; a cancelled booking still blocking; a confirmed one not.
    broken.live_blocks.push(block(3, 3, 8, 12));
    broken.bookings.extend([
        booking(3, 8, 12, "cancelled"),
        booking(4, 14, 15, "confirmed"),
    ]);
    // The seat counter behind, a third person seated, and a seat free elsewhere with a queue.
    broken
        .enrollments
        .extend([signed(3, 1, "confirmed"), signed(4, 2, "waitlisted")]);
    broken.sessions.push(SessionRow {
        id: 2,
        seats: 1,
        taken: 0,
        status: "scheduled".into(),
    });
    let mut told = told;
    told.bookings[0].state.ends_at = at(11);
    told.bookings.push(acked(9, 9, 10));
    told.enrollments.push(AckedEnrollment {
        id: 1,
        session_id: 1,
        left: true,
        maybe_left: false,
    });
    told.enrollments.push(AckedEnrollment {
        id: 8,
        session_id: 1,
        left: false,
        maybe_left: false,
    });
    let found = broken.violations(&told).join("\n");
    for expected in [
        "live blocks 3 [2027-03-01 08:00:00, 2027-03-01 12:00:00) and 1",
        "live blocks 3 [2027-03-01 08:00:00, 2027-03-01 12:00:00) and 2",
        "cancelled booking 3",
        "confirmed booking 4",
        "booking 1 is",
        "booking 9 was acknowledged (201) but is gone",
        "session 1 is oversold: 3 people hold its 2 seats",
        "session 1 counts 2 seats taken but 3",
        "session 2 has 1 free seats and 1 people still waiting",
        "sign-up 1 is confirmed",
        "sign-up 8 was acknowledged (201) but is gone",
    ] {
        assert!(
            found.contains(expected),
            "missing {expected:?} in:\n{found}"
        );
    }
    // An unanswered move leaves either place acceptable.
    let mut unanswered = acked(1, 12, 13);
    unanswered.maybe.push(BookingState {
        starts_at: at(9),
        ends_at: at(10),
        cancelled: false,
    });
    let told = Acknowledged {
        bookings: vec![unanswered],
        enrollments: Vec::new(),
    };
    assert_eq!(consistent.violations(&told), Vec::<String>::new());
}
