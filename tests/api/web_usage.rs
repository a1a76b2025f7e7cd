//! The usage screens, driven like a browser: the front desk's board for today (check-in,
//! check-out, no-show, walk-in), the staff usage list with its anomalies, entering past use and
//! audited corrections, and "My usage" — with the API and the ledger as the proof of what changed.
use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use diesel::prelude::*;
use obrador::db::schema::{bookings, charges, training_sessions, usage_events};
use obrador::domain::{LocalMonth, Role, WorkshopTz};
use obrador::services::{accounts, By};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::pages::{assert_shown, id_in, location};
use crate::helpers::{rfc, spawn_app_with, weekday_at, TestApp, TestUser};

const TZ: WorkshopTz = WorkshopTz::DEFAULT;

async fn app() -> TestApp {
    spawn_app_with(|s| s.jobs.enabled = false).await
}

/// (source type, kind, revision, quantity, unit price) of every charge, in order.
fn ledger(app: &TestApp) -> Vec<(String, String, i32, i64, i64)> {
    charges::table
        .order(charges::id)
        .select((
            charges::source_type,
            charges::kind,
            charges::revision,
            charges::quantity,
            charges::unit_price_cents,
        ))
        .load(&mut *app.db.conn())
        .expect("charges")
}

fn name_of(app: &TestApp, user: &TestUser) -> String {
    accounts::user(&mut app.db.conn(), &By::System("test"), user.id)
        .expect("user")
        .name
}

async fn json_of(response: Response) -> Value {
    response.json().await.expect("json")
}

/// Usage records as staff see them over the API (`query` as in `?status=open`).
async fn usage_items(app: &TestApp, staff: &str, query: &str) -> Vec<Value> {
    let list = json_of(app.api_get(staff, &format!("/api/v1/usage{query}")).await).await;
    list["items"].as_array().expect("items").clone()
}

/// Books `machine` an hour, a week or more ahead, over the API as the member with `token`.
async fn book(app: &TestApp, token: &str, machine: i64) -> i64 {
    let start = weekday_at(8, 10);
    let response = app
        .api_send(
            Method::POST,
            token,
            "/api/v1/bookings",
            json!({"resource_id": machine, "starts_at": rfc(start),
                "ends_at": rfc(start + Duration::hours(1))}),
        )
        .await;
    assert_eq!(response.status(), 201);
    json_of(response).await["id"].as_i64().expect("id")
}

/// Moves a booking so that it started half an hour ago (the service refuses to book the past).
fn happening_now(app: &TestApp, booking: i64) -> DateTime<Utc> {
    let mut conn = app.db.conn();
    let (start, end): (NaiveDateTime, NaiveDateTime) = bookings::table
        .find(booking)
        .select((bookings::starts_at, bookings::ends_at))
        .first(&mut *conn)
        .expect("booking");
    let new_start = (Utc::now() - Duration::minutes(30)).naive_utc();
    diesel::update(bookings::table.find(booking))
        .set((
            bookings::starts_at.eq(new_start),
            bookings::ends_at.eq(new_start + (end - start)),
        ))
        .execute(&mut *conn)
        .expect("moved");
    new_start.and_utc()
}

/// A local date and time as the forms take them.
fn date_of(at: DateTime<Utc>) -> String {
    TZ.local_date(at).to_string()
}

fn time_of(at: DateTime<Utc>) -> String {
    TZ.to_local(at).format("%H:%M").to_string()
}

fn month_of(at: DateTime<Utc>) -> String {
    LocalMonth::of(TZ.local_date(at)).to_string()
}

// --- the board ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_board_lists_todays_bookings_and_check_in_then_out_bills_the_booking() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let printer = app.machine("Printer", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let member_token = app.token(&member);
    let today = book(&app, &member_token, laser).await;
    let start = happening_now(&app, today);
    let later = book(&app, &member_token, printer).await;
    let course = app.course("Laser cutter safety");
    let session = app.session(&course, weekday_at(5, 10), 8).id.get();
    let begun = (Utc::now() - Duration::hours(1)).naive_utc();
    diesel::update(training_sessions::table.find(session))
        .set((
            training_sessions::starts_at.eq(begun),
            training_sessions::ends_at.eq(begun + Duration::hours(2)),
        ))
        .execute(&mut *app.db.conn())
        .expect("moved");

    let board = desk.page("/staff/today").await;
    assert!(board.contains(&format!(r#"href="/training/sessions/{session}""#)));
    assert!(board.contains("0 of 8 taken"));
    assert!(board.contains("running now"));
    assert!(board.contains(r#"href="/staff/today""#), "in the menu");
    assert!(board.contains("Laser cutter"));
    assert!(board.contains(&name_of(&app, &member)));
    assert!(board.contains("not yet arrived"));
    let check_in = format!("/staff/today/bookings/{today}/check-in");
    assert!(board.contains(&check_in));
    assert!(
        board.contains(&format!("/staff/today/bookings/{today}/no-show")),
        "it has started: no-show is offered"
    );
    assert!(
        !board.contains(&format!("/staff/today/bookings/{later}/")),
        "a booking of another day is not on today's board"
    );

    let response = desk.submit("/staff/today", &check_in, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/staff/today?done=checked-in");
    let open = usage_items(&app, &staff, "?status=open").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["booking_id"], today);
    assert_eq!(open[0]["source"], "front_desk");
    let usage = open[0]["id"].as_i64().expect("id");
    let board = desk.page("/staff/today?done=checked-in").await;
    assert!(board.contains("Checked in: the usage runs from now"));
    assert!(board.contains(r#"class="state checked-in">checked in<"#));
    assert_eq!(
        id_in(&board, "/staff/today/usage/", "/check-out"),
        usage,
        "the board offers the check-out"
    );
    assert!(!board.contains(&format!("/staff/today/bookings/{today}/no-show")));
    let again = desk.submit("/staff/today", &check_in, &[]).await;
    assert_shown(again, 409, "This booking is already checked in.").await;
    assert_eq!(usage_items(&app, &staff, "").await.len(), 1);

    let checkout = format!("/staff/today/usage/{usage}/check-out");
    let response = desk.submit("/staff/today", &checkout, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/staff/today?done=checked-out");
    let closed = usage_items(&app, &staff, "?status=closed").await;
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["id"], usage);
    // A minute of a one-hour booking billed by booked time: the hour at 20 €, once.
    assert_eq!(
        ledger(&app),
        vec![("booking_usage".into(), "usage".into(), 0, 60, 2000)]
    );
    let charges = json_of(
        app.api_get(
            &member_token,
            &format!("/api/v1/charges?month={}", month_of(start)),
        )
        .await,
    )
    .await;
    assert_eq!(charges["total"]["amount"], "20.00");
    let board = desk.page("/staff/today").await;
    assert!(
        board.contains(r#"class="state done""#),
        "the booking is done"
    );
    assert!(!board.contains(&check_in));
    assert!(!board.contains(&checkout));
}

#[tokio::test]
async fn the_no_show_button_charges_once_and_the_board_shows_it() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let printer = app.machine("Printer", |_| {}).id.get();
    let member_token = app.token(&app.user(Role::Member, None));
    let booking = book(&app, &member_token, laser).await;
    happening_now(&app, booking);
    let ahead = book(&app, &member_token, printer).await;

    let early = desk
        .submit(
            "/staff/today",
            &format!("/staff/today/bookings/{ahead}/no-show"),
            &[],
        )
        .await;
    assert_shown(early, 422, "once it has started").await;
    assert!(ledger(&app).is_empty());

    let no_show = format!("/staff/today/bookings/{booking}/no-show");
    let response = desk.submit("/staff/today", &no_show, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/staff/today?done=no-show");
    assert_eq!(
        ledger(&app),
        vec![("booking".into(), "no_show".into(), 0, 1, 2000)]
    );
    let board = desk.page("/staff/today?done=no-show").await;
    assert!(board.contains("Marked as a no-show"));
    assert!(board.contains(r#"class="state no-show""#));
    assert!(!board.contains(&no_show), "no second no-show button");

    let twice = desk.submit("/staff/today", &no_show, &[]).await;
    assert_shown(twice, 409, "This booking is already charged as a no-show.").await;
    assert_eq!(ledger(&app).len(), 1, "charged once");
}

#[tokio::test]
async fn a_walk_in_opens_a_record_now_and_bad_input_changes_nothing() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let (laser_id, customer) = (laser.to_string(), member.customer_id.to_string());

    let board = desk.page("/staff/today").await;
    assert!(board.contains(&format!(r#"<option value="{customer}">"#)));
    let unknown = desk
        .submit(
            "/staff/today",
            "/staff/today/walk-in",
            &[
                ("machine_id", "999999"),
                ("customer_id", &customer),
                ("note", ""),
            ],
        )
        .await;
    let html = assert_shown(unknown, 422, "There is no machine 999999.").await;
    assert!(
        html.contains(&format!(r#"<option value="{customer}" selected>"#)),
        "the form keeps the customer chosen"
    );
    let nobody = desk
        .submit(
            "/staff/today",
            "/staff/today/walk-in",
            &[("machine_id", &laser_id), ("customer_id", "")],
        )
        .await;
    assert_shown(nobody, 422, "Choose a customer.").await;
    assert!(usage_items(&app, &staff, "").await.is_empty());

    let response = desk
        .submit(
            "/staff/today",
            "/staff/today/walk-in",
            &[
                ("machine_id", &laser_id),
                ("customer_id", &customer),
                ("note", "engraving a sign"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/staff/today?done=walk-in");
    let open = usage_items(&app, &staff, "?status=open").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["source"], "front_desk");
    assert_eq!(open[0]["customer_id"], member.customer_id.get());
    assert_eq!(
        open[0]["user_id"],
        member.id.get(),
        "the member's own account stands for the member"
    );
    assert_eq!(open[0]["note"], "engraving a sign");
    let usage = open[0]["id"].as_i64().expect("id");
    let board = desk.page("/staff/today").await;
    assert!(board.contains("Running now"));
    assert_eq!(id_in(&board, "/staff/today/usage/", "/check-out"), usage);

    let out = desk
        .submit(
            "/staff/today",
            &format!("/staff/today/usage/{usage}/check-out"),
            &[],
        )
        .await;
    assert_eq!(out.status(), 303);
    // A walk-in is billed by actual time: its first minute rounds up to 15 at 20 €/h.
    assert_eq!(
        ledger(&app),
        vec![("usage".into(), "usage".into(), 0, 15, 2000)]
    );
    let twice = desk
        .submit(
            "/staff/today",
            &format!("/staff/today/usage/{usage}/check-out"),
            &[],
        )
        .await;
    assert_shown(twice, 409, "This usage is not open.").await;
}

// --- the usage list, entries and corrections ---------------------------------------------------

/// Enters past use of `machine` for `customer` through the staff form.
async fn enter_by_form(
    desk: &crate::helpers::Browser,
    machine: i64,
    customer: &str,
    start: DateTime<Utc>,
    minutes: i64,
) -> Response {
    desk.submit(
        "/staff/usage",
        "/staff/usage",
        &[
            ("machine_id", &machine.to_string()),
            ("customer_id", customer),
            ("date", &date_of(start)),
            ("start", &time_of(start)),
            ("end", &time_of(start + Duration::minutes(minutes))),
            ("note", "from the logbook"),
        ],
    )
    .await
}

/// Submits the form on `page` to itself with `fields`.
async fn submit_owned(
    desk: &crate::helpers::Browser,
    page: &str,
    fields: &[(&str, String)],
) -> Response {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    desk.submit(page, page, &pairs).await
}

/// Yesterday at `hour`:00, local.
fn yesterday_at(hour: u32) -> DateTime<Utc> {
    let date = TZ.local_date(Utc::now() - Duration::days(1));
    TZ.to_utc(
        date.and_hms_opt(hour, 0, 0).expect("time"),
        obrador::domain::Ambiguity::Earlier,
    )
    .expect("exists")
}

#[tokio::test]
async fn a_correction_through_the_form_writes_a_new_revision_and_is_audited() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let start = yesterday_at(10);

    let entered = enter_by_form(&desk, laser, &member.customer_id.to_string(), start, 60).await;
    assert_eq!(entered.status(), 303);
    assert_eq!(location(&entered), "/staff/usage?done=entered");
    assert_eq!(
        ledger(&app),
        vec![("usage".into(), "usage".into(), 0, 60, 2000)]
    );
    let items = usage_items(&app, &staff, "").await;
    assert_eq!(items[0]["source"], "staff");
    let id = items[0]["id"].as_i64().expect("id");
    let list = desk.page("/staff/usage").await;
    assert!(list.contains(&format!(r#"href="/staff/usage/{id}""#)));
    assert!(list.contains("1 h 00 min"));

    let page = format!("/staff/usage/{id}");
    let form = desk.page(&page).await;
    assert!(form.contains(&format!(r#"value="{}""#, date_of(start))));
    assert!(form.contains(r#"name="start_time" type="time" value="10:00""#));
    let day = date_of(start);
    let customer = member.customer_id.to_string();
    let correction = |end: &'static str, note: &'static str| {
        [
            ("start_date", day.clone()),
            ("start_time", "10:00".to_string()),
            ("end_date", day.clone()),
            ("end_time", end.to_string()),
            ("customer_id", customer.clone()),
            ("note", note.to_string()),
        ]
    };
    let backwards = submit_owned(&desk, &page, &correction("09:30", "typo")).await;
    assert_shown(backwards, 422, "Usage must end after it starts.").await;
    let without_note = submit_owned(&desk, &page, &correction("11:40", " ")).await;
    let html = assert_shown(without_note, 422, "Say why the usage is corrected (note).").await;
    assert!(
        html.contains(r#"value="11:40""#),
        "the form keeps what was typed"
    );
    assert_eq!(ledger(&app).len(), 1, "refused corrections change nothing");
    assert_eq!(usage_items(&app, &staff, "").await[0]["revision"], 0);

    let fixed = submit_owned(&desk, &page, &correction("11:40", "forgot to check out")).await;
    assert_eq!(fixed.status(), 303);
    assert_eq!(
        location(&fixed),
        format!("/staff/usage/{id}?done=corrected")
    );
    assert_eq!(
        ledger(&app),
        vec![
            ("usage".into(), "usage".into(), 0, 60, 2000),
            ("usage".into(), "reversal".into(), 0, 1, -2000),
            ("usage".into(), "usage".into(), 1, 105, 2000),
        ]
    );
    let record = desk.page(&format!("{page}?done=corrected")).await;
    assert!(record.contains("The correction was saved"));
    assert!(record.contains("1 h 40 min"));
    assert!(record.contains("usage.correct"), "the history shows it");
    let audit = desk
        .page(&format!("/staff/audit?object_type=usage&object_id={id}"))
        .await;
    assert!(audit.contains("usage.correct"));
    assert!(audit.contains("forgot to check out"));
}

#[tokio::test]
async fn anomalies_show_on_the_usage_page_and_are_resolved_there() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let router = app.machine("CNC router", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let now = Utc::now();
    let event = |id: &str, machine: i64, kind: &str, at: DateTime<Utc>| json!({"event_id": id, "resource_id": machine, "kind": kind, "at": rfc(at)});
    let mut long = event("r-1", router, "start", now - Duration::hours(13));
    long["customer_id"] = json!(member.customer_id.get());
    for body in [
        event("a-1", laser, "start", now - Duration::hours(15)),
        event("a-2", laser, "stop", now - Duration::hours(14)),
        event("a-3", laser, "stop", now - Duration::hours(13)),
        long,
    ] {
        let sent = app
            .api_send(Method::POST, &staff, "/api/v1/usage-events", body)
            .await;
        assert_eq!(sent.status(), 201);
    }
    diesel::update(usage_events::table)
        .set(usage_events::received_at.eq((now - Duration::hours(1)).naive_utc()))
        .execute(&mut *app.db.conn())
        .expect("aged");

    let list = desk.page("/staff/usage").await;
    assert!(list.contains("No customer"));
    assert!(list.contains("Stop without a start"));
    assert!(list.contains("Started and never stopped"));
    let event_id = id_in(&list, "/staff/usage/events/", "/dismiss");
    let nameless = usage_items(&app, &staff, &format!("?resource_id={laser}")).await;
    let record = nameless[0]["id"].as_i64().expect("id");
    assert!(list.contains(&format!(r#"href="/staff/usage/{record}""#)));

    let dismiss = format!("/staff/usage/events/{event_id}/dismiss");
    let response = desk.submit("/staff/usage", &dismiss, &[]).await;
    assert_eq!(response.status(), 303);
    let list = desk.page(&location(&response)).await;
    assert!(list.contains("The stop was dismissed"));
    assert!(!list.contains("Stop without a start"));
    let anomalies = json_of(app.api_get(&staff, "/api/v1/usage/anomalies").await).await;
    assert!(anomalies["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|a| a["kind"] != "stop_without_start"));
    let again = desk.submit("/staff/usage", &dismiss, &[]).await;
    assert_shown(again, 409, "already paired or dismissed").await;

    // The record without a customer gets one through its correction form, and is charged.
    let (start, end) = (now - Duration::hours(15), now - Duration::hours(14));
    let page = format!("/staff/usage/{record}");
    let customer = member.customer_id.to_string();
    let fields = [
        ("start_date", date_of(start)),
        ("start_time", time_of(start)),
        ("end_date", date_of(end)),
        ("end_time", time_of(end)),
        ("customer_id", customer),
        ("note", "Marta, per the logbook".to_string()),
    ];
    let fixed = submit_owned(&desk, &page, &fields).await;
    assert_eq!(fixed.status(), 303);
    let list = desk.page("/staff/usage").await;
    assert!(!list.contains("No customer"));
    assert_eq!(
        ledger(&app).len(),
        1,
        "the record is charged to its customer"
    );
}

#[tokio::test]
async fn the_usage_list_filters_by_machine_and_status_and_names_a_wrong_filter() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let lathe = app.machine("Lathe", |_| {}).id.get();
    let customer = app.user(Role::Member, None).customer_id.to_string();
    for machine in [laser, lathe] {
        let entered = enter_by_form(&desk, machine, &customer, yesterday_at(9), 30).await;
        assert_eq!(entered.status(), 303);
    }
    let all = desk.page("/staff/usage").await;
    assert_eq!(all.matches(r#"<tr id="usage-"#).count(), 2);
    let lathe_only = desk
        .page(&format!("/staff/usage?machine_id={lathe}&status=closed"))
        .await;
    assert_eq!(lathe_only.matches(r#"<tr id="usage-"#).count(), 1);
    let open_only = desk.page("/staff/usage?status=open").await;
    assert_eq!(open_only.matches(r#"<tr id="usage-"#).count(), 0);
    let wrong = desk.get("/staff/usage?from=last+week").await;
    assert_shown(wrong, 422, "is not a date").await;
    let wrong = desk.get("/staff/usage?status=lost").await;
    assert_shown(wrong, 422, "Choose a status from the list.").await;
}

// --- who may, and forged forms -----------------------------------------------------------------

#[tokio::test]
async fn members_are_refused_staff_pages_and_forms_without_csrf_change_nothing() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let member_token = app.token(&member);
    let booking = book(&app, &member_token, laser).await;
    happening_now(&app, booking);

    let browser = app.browser_for(&member).await;
    for path in ["/staff/today", "/staff/usage", "/staff/usage/1"] {
        assert_eq!(browser.get(path).await.status(), 403, "{path}");
    }
    let home = browser.page("/account").await;
    assert!(home.contains(r#"href="/usage""#), "My usage is in the menu");
    assert!(!home.contains(r#"href="/staff/today""#));
    let forged = browser
        .submit(
            "/account",
            &format!("/staff/today/bookings/{booking}/check-in"),
            &[],
        )
        .await;
    assert_eq!(forged.status(), 403);

    desk.page("/staff/today").await;
    let no_token = desk
        .client
        .post(desk.url(&format!("/staff/today/bookings/{booking}/check-in")))
        .form(&[("x", "1")])
        .send()
        .await
        .expect("sent");
    assert_eq!(no_token.status(), 403);
    let no_token = desk
        .client
        .post(desk.url("/staff/today/walk-in"))
        .form(&[
            ("machine_id", laser.to_string()),
            ("customer_id", member.customer_id.to_string()),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(no_token.status(), 403);
    let wrong_token = desk
        .client
        .post(desk.url(&format!("/staff/today/bookings/{booking}/no-show")))
        .form(&[("csrf_token", "0".repeat(64))])
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong_token.status(), 403);
    assert!(usage_items(&app, &staff, "").await.is_empty());
    assert!(ledger(&app).is_empty());
}

// --- My usage ----------------------------------------------------------------------------------

#[tokio::test]
async fn my_usage_shows_only_the_members_own_records_and_the_months_total() {
    let app = app().await;
    let staff_user = app.user(Role::Staff, None);
    let desk = app.browser_for(&staff_user).await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let lathe = app.machine("Lathe", |_| {}).id.get();
    let ana = app.user(Role::Member, None);
    let bea = app.user(Role::Member, None);
    // On the hour, so that half an hour later is the same day.
    let three_ago = Utc::now() - Duration::hours(3);
    let start = three_ago
        - Duration::minutes(i64::from(TZ.to_local(three_ago).minute()))
        - Duration::seconds(i64::from(three_ago.second()));
    for (machine, who) in [(laser, &ana), (lathe, &bea)] {
        let customer = who.customer_id.to_string();
        let entered = enter_by_form(&desk, machine, &customer, start, 30).await;
        assert_eq!(entered.status(), 303);
    }
    let month = month_of(start);

    let browser = app.browser_for(&ana).await;
    let page = browser.page(&format!("/usage?month={month}")).await;
    assert!(page.contains("Laser cutter"));
    assert!(!page.contains("Lathe"), "someone else's usage is not shown");
    assert!(page.contains("30 min"));
    assert!(
        page.contains(r#"id="month-total">10.00 €"#),
        "half an hour at 20 €/h"
    );
    assert!(browser.page("/usage").await.contains("My usage"));
    let january = browser.page("/usage?month=2027-01").await;
    assert!(january.contains(r#"href="/usage?month=2026-12""#));
    assert!(january.contains(r#"href="/usage?month=2027-02""#));
    assert!(january.contains("No usage this month."));
    let wrong = browser.get("/usage?month=2026-13").await;
    assert_shown(wrong, 422, "not between 01 and 12").await;

    let business = app.business("Fusteria Nord SL");
    let employee = app.user(Role::Member, Some(business));
    let theirs = app.browser_for(&employee).await.page("/usage").await;
    assert!(
        theirs.contains("The business's charges are for its admin to see."),
        "an employee sees their usage but not the business's bill"
    );
    assert!(!theirs.contains("month-total"));

    let visitor = app.browser().get("/usage").await;
    assert_eq!(visitor.status(), 303, "a visitor is sent to sign in");
}
