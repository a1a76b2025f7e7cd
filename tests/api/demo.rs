//! `obrador demo` loads a realistic workshop, and running it again adds nothing.
use std::collections::BTreeMap;

use diesel::prelude::*;
use obrador::db::schema::{customers, users};

use crate::helpers::{spawn_app, spawn_app_with};

fn demo(app: &crate::helpers::TestApp) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_obrador"))
        .current_dir(app.data_dir.path())
        .env("DATABASE_URL", app.db.url())
        .env("RUST_LOG", "warn")
        .arg("demo")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[tokio::test]
async fn demo_loads_the_people_of_a_workshop_once() {
    let app = spawn_app().await;
    let first = demo(&app);
    assert!(first.contains("34 created, 0 already there"), "{first}");
    assert!(first.contains("7 machines in 3 categories"), "{first}");
    let second = demo(&app);
    assert!(second.contains("0 created, 34 already there"), "{second}");
    assert!(
        second.contains("machines and bookings already there"),
        "{second}"
    );

    let mut conn = app.db.conn();
    let roles: Vec<String> = users::table
        .select(users::role)
        .load(&mut *conn)
        .expect("roles");
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    roles
        .into_iter()
        .for_each(|r| *count.entry(r).or_default() += 1);
    assert_eq!(count["business_admin"], 3);
    assert_eq!(count["tutor"], 2);
    assert_eq!(count["staff"], 2);
    assert_eq!(count["admin"], 1);
    assert_eq!(count["member"], 26, "20 members and 6 employees");
    let businesses: Vec<i64> = customers::table
        .filter(customers::kind.eq("business"))
        .select(customers::id)
        .load(&mut *conn)
        .expect("businesses");
    assert_eq!(businesses.len(), 3);
    for business in businesses {
        let people: i64 = users::table
            .filter(users::customer_id.eq(business))
            .count()
            .get_result(&mut *conn)
            .expect("count");
        assert!(
            (2..=4).contains(&people),
            "2–4 people per business, got {people}"
        );
    }
    assert_eq!(
        app.browser()
            .login("admin@demo.obrador.example", "obrador-demo")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn demo_machines_have_a_month_of_bookings_that_never_overlap() {
    use obrador::db::schema::{bookings, closures, resources};
    let app = spawn_app().await;
    demo(&app);
    let mut conn = app.db.conn();
    let machines: Vec<(String, Option<i64>)> = resources::table
        .select((resources::name, resources::required_qualification_id))
        .load(&mut *conn)
        .expect("machines");
    assert!(machines.len() >= 6);
    assert!(
        machines.iter().filter(|(_, q)| q.is_some()).count() >= 2,
        "some need a qualification"
    );
    let now = chrono::Utc::now().naive_utc();
    let past: i64 = bookings::table
        .filter(bookings::starts_at.lt(now))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    let future: i64 = bookings::table
        .filter(bookings::starts_at.gt(now))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert!(past > 100 && future > 50, "past {past}, future {future}");
    let closed: i64 = closures::table
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(closed, 1);
    assert_eq!(
        obrador::services::bookings::overlapping_blocks(&mut conn).expect("check"),
        0
    );
}

/// Rows in every table the demo's training writes to, and the audit log.
fn training_rows(conn: &mut obrador::db::DbConn) -> Vec<(&'static str, i64)> {
    use obrador::db::schema::{
        audit_log, charges, courses, enrollments, outbox, resource_blocks, resources,
        training_sessions, user_qualifications,
    };
    macro_rules! count {
        ($($table:ident),*) => {
            vec![$((
                stringify!($table),
                $table::table.count().get_result::<i64>(&mut *conn).expect("count"),
            )),*]
        };
    }
    count!(
        resources,
        courses,
        training_sessions,
        enrollments,
        resource_blocks,
        charges,
        user_qualifications,
        audit_log,
        outbox
    )
}

#[tokio::test]
async fn demo_trains_people_with_tutors_sessions_and_last_months_attendance_once() {
    use chrono::{Datelike, Duration, Timelike, Utc};
    use obrador::db::schema::enrollments;
    use obrador::domain::resources::ResourceKind;
    use obrador::domain::training::EnrollmentStatus;
    use obrador::domain::Email;
    use obrador::services::training::{self, SessionQuery};
    use obrador::services::{accounts, resources, tutors, By};

    let app = spawn_app().await;
    let first = demo(&app);
    assert!(
        first.contains("Training: 2 tutors, 4 courses, 6 upcoming sessions with 30 sign-ups (3 on a waiting list), 2 past sessions with 10 attendance records"),
        "{first}"
    );
    let mut conn = app.db.conn();
    let loaded = training_rows(&mut conn);

    // Tutors are bookable resources of the demo's tutor users, with everything a tutor has.
    let mut off = 0;
    for resource in resources::resources(&mut conn).expect("resources") {
        if resource.kind != ResourceKind::Tutor {
            continue;
        }
        let tutor = tutors::find(&mut conn, resource.id).expect("tutor");
        let user = accounts::user(&mut conn, &By::System("test"), tutor.user_id).expect("user");
        assert!(
            user.email.ends_with("@demo.obrador.example"),
            "{}",
            user.email
        );
        assert!(!tutor.skills.is_empty() && !tutor.courses.is_empty());
        assert!(!tutor.availability.is_empty());
        off += usize::from(!tutor.time_off.is_empty());
    }
    assert_eq!(off, 1, "one tutor has time off next month");

    // A month of upcoming sessions inside the opening hours: some block machines, some are
    // nearly full, one is full with people waiting.
    let tz = app.settings.timezone().expect("time zone");
    let upcoming = training::sessions(&mut conn, &SessionQuery::default()).expect("sessions");
    assert_eq!(upcoming.len(), 6);
    for session in &upcoming {
        assert!(session.starts_at < Utc::now() + Duration::days(30));
        let (start, end) = (tz.to_local(session.starts_at), tz.to_local(session.ends_at));
        let (opens, closes) = match start.weekday().num_days_from_monday() {
            0..=4 => (9, 21),
            5 => (10, 14),
            _ => panic!("the workshop is closed on Sundays: {session:?}"),
        };
        assert!(start.hour() >= opens && end.hour() <= closes && end.minute() == 0);
    }
    assert!(upcoming.iter().any(|s| !s.machine_ids.is_empty()));
    assert!(upcoming.iter().any(|s| s.seats_left == 1));
    let full: Vec<_> = upcoming.iter().filter(|s| s.seats_left == 0).collect();
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].waiting, 3);

    // A business admin signed two employees up at once.
    let email = Email::parse("joan.puig@demo.obrador.example").expect("email");
    let admin = accounts::user_by_email(&mut conn, &email)
        .expect("user")
        .expect("joan");
    let signed_by_admin: i64 = enrollments::table
        .filter(enrollments::created_by.eq(admin.id.get()))
        .count()
        .get_result(&mut *conn)
        .expect("count");
    assert_eq!(signed_by_admin, 2);

    // Last month: a laser course whose attendees hold the qualification, and one no-show.
    let last_month = SessionQuery {
        from: Some(Utc::now() - Duration::days(45)),
        to: Some(Utc::now()),
        ..SessionQuery::default()
    };
    let past = training::sessions(&mut conn, &last_month).expect("past");
    assert_eq!(past.len(), 2);
    let laser = past
        .iter()
        .find(|s| s.course_name == "Laser cutter safety")
        .expect("a past laser course");
    assert!(laser.ends_at < Utc::now());
    let people = training::participants(&mut conn, &By::System("test"), laser.id).expect("people");
    let attended: Vec<_> = people
        .iter()
        .filter(|e| e.status == EnrollmentStatus::Attended)
        .collect();
    assert_eq!(attended.len(), 6);
    assert_eq!(
        people
            .iter()
            .filter(|e| e.status == EnrollmentStatus::NoShow)
            .count(),
        1
    );
    for enrollment in attended {
        let held = resources::held_by(&mut conn, enrollment.user_id).expect("held");
        assert!(
            held.iter().any(|q| q.name == "Laser cutter safety"),
            "{} attended and holds the qualification",
            enrollment.user_name
        );
    }
    assert_eq!(
        obrador::services::bookings::overlapping_blocks(&mut conn).expect("check"),
        0
    );
    drop(conn);

    let second = demo(&app);
    assert!(
        second.contains("Training: tutors, courses and sessions already there."),
        "{second}"
    );
    assert_eq!(
        training_rows(&mut app.db.conn()),
        loaded,
        "a second run adds nothing"
    );
}

/// Rows in the tables usage writes to.
fn usage_rows(conn: &mut obrador::db::DbConn) -> [i64; 3] {
    use obrador::db::schema::{charges, usage_events, usage_records};
    [
        usage_records::table.count().get_result(&mut *conn),
        usage_events::table.count().get_result(&mut *conn),
        charges::table.count().get_result(&mut *conn),
    ]
    .map(|count| count.expect("count"))
}

#[tokio::test]
async fn demo_turns_last_months_bookings_into_usage_once() {
    use std::sync::Arc;

    use obrador::db::schema::{charges, usage_events, usage_records};
    use obrador::jobs::{run_batch_blocking, settle::Settle, Job};
    use obrador::services::{usage, By};

    // No background settling while the demo loads: the ledger is the demo's alone.
    let app = spawn_app_with(|s| s.jobs.enabled = false).await;
    let first = demo(&app);
    assert!(
        first.contains("2 walk-ins, 2 no-shows, 1 correction"),
        "{first}"
    );
    let mut conn = app.db.conn();

    // Usage of every source, linked to its booking except the walk-ins.
    let records: Vec<(i64, String, String, Option<i64>, i32)> = usage_records::table
        .select((
            usage_records::id,
            usage_records::source,
            usage_records::status,
            usage_records::booking_id,
            usage_records::revision,
        ))
        .load(&mut *conn)
        .expect("usage");
    let of = |source: &str| records.iter().filter(|r| r.1 == source).count();
    let (front_desk, staff, device) = (of("front_desk"), of("staff"), of("device"));
    assert!(
        front_desk > 50 && staff > 10 && device > 10,
        "front desk {front_desk}, staff {staff}, device {device}"
    );
    let walk_ins = records
        .iter()
        .filter(|r| r.1 != "device" && r.3.is_none())
        .count();
    assert_eq!(walk_ins, 2);

    // The laser cutters' events are paired into records: each closed one has its start and stop;
    // one start was never stopped and one stop found no start.
    let events: Vec<(String, Option<i64>)> = usage_events::table
        .select((usage_events::kind, usage_events::usage_id))
        .load(&mut *conn)
        .expect("events");
    for (id, _, status, booking, _) in records.iter().filter(|r| r.1 == "device") {
        assert!(booking.is_some(), "device use {id} found its booking");
        let paired = |kind: &str| {
            events
                .iter()
                .filter(|(k, usage)| k == kind && *usage == Some(*id))
                .count()
        };
        let stops = usize::from(status == "closed");
        assert_eq!((paired("start"), paired("stop")), (1, stops), "{id}");
    }
    let open = records
        .iter()
        .filter(|r| r.1 == "device" && r.2 == "open")
        .count();
    assert_eq!(open, 1);
    let lonely = events
        .iter()
        .filter(|(kind, usage)| kind == "stop" && usage.is_none())
        .count();
    assert_eq!(lonely, 1);
    let anomalies = usage::anomalies(&mut conn, &By::System("test")).expect("anomalies");
    assert!(
        anomalies.iter().any(|a| a.kind == "open_too_long"),
        "{anomalies:?}"
    );

    // Two no-shows charged, and one audited correction: its reversal and second revision.
    let ledger: Vec<(String, String, i32)> = charges::table
        .select((charges::source_type, charges::kind, charges::revision))
        .load(&mut *conn)
        .expect("charges");
    let no_shows = |ledger: &[(String, String, i32)]| {
        ledger
            .iter()
            .filter(|(source, kind, _)| source == "booking" && kind == "no_show")
            .count()
    };
    assert_eq!(no_shows(&ledger), 2);
    assert!(ledger
        .iter()
        .any(|(source, kind, _)| source == "booking_usage" && kind == "reversal"));
    assert!(ledger
        .iter()
        .any(|(source, kind, revision)| source == "booking_usage"
            && kind == "usage"
            && *revision == 1));
    assert_eq!(records.iter().filter(|r| r.4 > 0).count(), 1);
    let loaded = usage_rows(&mut conn);
    drop(conn);

    let second = demo(&app);
    assert!(
        second.contains("Usage: last month's usage already there"),
        "{second}"
    );
    assert_eq!(
        usage_rows(&mut app.db.conn()),
        loaded,
        "a second run adds nothing"
    );

    // The settle job then finds every ended demo booking used or settled: no more no-shows.
    let job: Arc<dyn Job> = Arc::new(Settle::new(&app.settings, "test"));
    while run_batch_blocking(job.clone(), app.db.pool(), obrador::jobs::now())
        .await
        .expect("batch")
        > 0
    {}
    let ledger: Vec<(String, String, i32)> = charges::table
        .select((charges::source_type, charges::kind, charges::revision))
        .load(&mut *app.db.conn())
        .expect("charges");
    assert_eq!(no_shows(&ledger), 2);
}

#[tokio::test]
async fn demo_invoices_last_month_with_plans_payments_and_a_credit_note_once() {
    use obrador::db::schema::{invoices, payments, subscriptions};

    let app = spawn_app_with(|s| s.jobs.enabled = false).await;
    let first = demo(&app);
    assert!(first.contains("2 plans and 2 subscriptions"), "{first}");
    assert!(first.contains("2 payments, 1 credit note"), "{first}");
    let mut conn = app.db.conn();
    let documents: Vec<(String, String, Option<String>)> = invoices::table
        .select((invoices::kind, invoices::status, invoices::number))
        .load(&mut conn)
        .expect("invoices");
    let drafts = documents.iter().filter(|d| d.1 == "draft").count();
    let issued = documents
        .iter()
        .filter(|d| d.0 == "invoice" && d.1 == "issued")
        .count();
    let credit_notes: Vec<&String> = documents
        .iter()
        .filter(|d| d.0 == "credit_note")
        .filter_map(|d| d.2.as_ref())
        .collect();
    assert_eq!(drafts, 1, "one draft left to review");
    assert!(issued >= 3, "{issued} invoices issued");
    assert_eq!(credit_notes.len(), 1);
    assert!(credit_notes[0].starts_with('R'));
    // Every issued document carries its PDF, and the chain is intact.
    let without_pdf: i64 = invoices::table
        .filter(invoices::status.eq("issued"))
        .filter(invoices::pdf.is_null())
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(without_pdf, 0);
    let chain = obrador::services::invoicing::verify(&mut conn).expect("verify");
    assert!(chain.intact, "{chain:?}");
    // A plan fee is on the subscribers' invoices.
    let fees: i64 = obrador::db::schema::invoice_lines::table
        .filter(obrador::db::schema::invoice_lines::description.like("% plan, %"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(fees, 2);

    let counts = |conn: &mut obrador::db::DbConn| -> (i64, i64, i64) {
        (
            invoices::table.count().get_result(conn).expect("invoices"),
            payments::table.count().get_result(conn).expect("payments"),
            subscriptions::table
                .count()
                .get_result(conn)
                .expect("subscriptions"),
        )
    };
    let loaded = counts(&mut conn);
    drop(conn);
    let second = demo(&app);
    assert!(second.contains("already there"), "{second}");
    assert_eq!(
        counts(&mut app.db.conn()),
        loaded,
        "a second run adds nothing"
    );
}
