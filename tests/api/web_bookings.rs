//! Booking through the web UI, driven like a browser: the machine list and week grid, the booking
//! form with its refusals shown inline, "My bookings" with cancel and move, and the staff screens
//! for machines, opening hours, closures and maintenance.
use chrono::{DateTime, Datelike, Duration, DurationRound, NaiveDate, Utc};
use obrador::domain::{BookingId, Role, WorkshopTz};
use obrador::services::bookings::{self, BookingStatus, ListQuery};
use obrador::services::{resources, By};
use reqwest::Method;
use serde_json::json;

use crate::helpers::pages::{assert_form_shown, location};
use crate::helpers::{rfc, spawn_app, weekday_at, Browser, TestApp, TestUser};

const TZ: WorkshopTz = WorkshopTz::DEFAULT;

fn system() -> By {
    By::System("test")
}

fn day(t: DateTime<Utc>) -> NaiveDate {
    TZ.local_date(t)
}

fn monday(t: DateTime<Utc>) -> NaiveDate {
    let date = day(t);
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// Live bookings in the whole database.
fn confirmed_bookings(app: &TestApp) -> Vec<bookings::Booking> {
    bookings::list(&mut app.db.conn(), &system(), &ListQuery::default()).expect("bookings")
}

/// Books `minutes` from `start` over the API as `user`, answering the booking's id.
async fn book(
    app: &TestApp,
    user: &TestUser,
    machine: i64,
    start: DateTime<Utc>,
    minutes: i64,
) -> i64 {
    let body = json!({"resource_id": machine, "starts_at": rfc(start),
        "ends_at": rfc(start + Duration::minutes(minutes))});
    let response = app
        .api_send(Method::POST, &app.token(user), "/api/v1/bookings", body)
        .await;
    assert_eq!(response.status(), 201, "booked over the API");
    let booking: serde_json::Value = response.json().await.expect("json");
    booking["id"].as_i64().expect("id")
}

async fn member_browser(app: &TestApp) -> (TestUser, Browser) {
    let member = app.user(Role::Member, None);
    let browser = app.browser_for(&member).await;
    (member, browser)
}

/// The form fields of a booking of `machine` on the local day of `start`, `HH:MM` to `HH:MM`.
fn slot_fields<'a>(
    machine: &'a str,
    date: &'a str,
    start: &'a str,
    end: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("resource_id", machine),
        ("date", date),
        ("start", start),
        ("end", end),
    ]
}

// --- the machine list and the week ---------------------------------------------------------

#[tokio::test]
async fn machines_and_their_week_show_prices_rules_and_free_and_busy_slots() {
    let app = spawn_app().await;
    let laser = app
        .machine("Laser cutter", |m| {
            m.description = "CO2, 100 W".into();
            m.buffer_minutes = Some(30);
        })
        .id
        .get();
    let member = app.user(Role::Member, None);
    let start = weekday_at(3, 10);
    book(&app, &member, laser, start, 60).await;
    let visitor = app.browser();

    let list = visitor.page("/machines").await;
    assert!(list.contains(&format!(r#"href="/machines/{laser}""#)));
    assert!(
        list.contains("CO2, 100 W") && list.contains("20.00 €/h") && list.contains("30.00 €/h")
    );
    assert!(list.contains("30 min is kept free after each booking."));

    let week = visitor
        .page(&format!("/machines/{laser}?week={}", monday(start)))
        .await;
    // 10:00–11:00 booked, plus the 30-minute buffer: three busy slots, in words.
    assert_eq!(week.matches(r#"<td class="busy">busy</td>"#).count(), 3);
    let free = format!(
        r#"href="/bookings/new?resource_id={laser}&amp;date={}&amp;start=11:30""#,
        day(start)
    );
    assert!(week.contains(&free), "11:30 is free and links to the form");
    assert!(
        !week.contains(&free.replace("11:30", "10:00")),
        "10:00 is taken"
    );
    assert!(
        week.contains(r#"<th scope="row">23:30</th>"#),
        "open all day by default"
    );
    let next = monday(start) + Duration::days(7);
    assert!(week.contains(&format!(r#"href="/machines/{laser}?week={next}""#)));
    assert_eq!(visitor.get("/machines/999").await.status(), 404);
}

// --- booking through the form --------------------------------------------------------------

#[tokio::test]
async fn a_member_books_through_the_form_and_sees_it_in_my_bookings() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let (_, browser) = member_browser(&app).await;
    let start = weekday_at(3, 10);
    let date = day(start).to_string();
    let form = format!("/bookings/new?resource_id={laser}&date={date}&start=10:00");
    let page = browser.page(&form).await;
    assert!(page.contains(r#"value="11:00""#), "an hour is proposed");

    let (id, end) = (laser.to_string(), "11:00");
    let mut fields = slot_fields(&id, &date, "10:00", end);
    fields.push(("note", "acrylic sign"));
    let response = browser.submit(&form, "/bookings/new", &fields).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/bookings?done=booked");

    let mine = browser.page("/bookings?done=booked").await;
    assert!(mine.contains("Your booking is confirmed."));
    assert!(
        mine.contains("Laser cutter") && mine.contains("20.00 €") && mine.contains("confirmed")
    );
    assert!(mine.contains(&bookings::when(TZ, start, start + Duration::hours(1))));
    assert_eq!(confirmed_bookings(&app).len(), 1);
}

#[tokio::test]
async fn staff_book_for_a_member_by_email() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&staff).await;
    let date = day(weekday_at(3, 10)).to_string();
    let id = laser.to_string();
    let mut fields = slot_fields(&id, &date, "10:00", "11:00");
    fields.push(("user_email", "nobody@example.org"));
    let response = browser
        .submit("/bookings/new", "/bookings/new", &fields)
        .await;
    assert_form_shown(
        response,
        422,
        "There is no user with the email nobody@example.org.",
    )
    .await;

    fields.pop();
    fields.push(("user_email", member.email.as_str()));
    let response = browser
        .submit("/bookings/new", "/bookings/new", &fields)
        .await;
    assert_eq!(response.status(), 303);
    let booked = confirmed_bookings(&app);
    assert_eq!((booked.len(), booked[0].user_id), (1, member.id));
    let everyone = browser.page("/bookings").await;
    assert!(everyone.contains(&member.email), "staff see whom it is for");
    let own = app.browser_for(&member).await.page("/bookings").await;
    assert!(own.contains("Laser cutter"));
}

#[tokio::test]
async fn a_time_the_clocks_skip_is_refused_on_the_form_and_nothing_is_booked() {
    let app = spawn_app().await;
    // No opening hours set: open all day, so only the clock change stands in the way.
    let laser = app
        .machine("Laser cutter", |m| m.horizon_days = Some(800))
        .id
        .get();
    let (_, browser) = member_browser(&app).await;
    let id = laser.to_string();
    let fields = slot_fields(&id, "2027-03-28", "02:30", "03:30");
    let response = browser
        .submit("/bookings/new", "/bookings/new", &fields)
        .await;
    let html = assert_form_shown(
        response,
        422,
        "2027-03-28 02:30 does not exist in Europe/Madrid: clocks jump from 02:00 to 03:00",
    )
    .await;
    assert!(html.contains(r#"value="02:30""#), "what was typed is kept");
    assert!(confirmed_bookings(&app).is_empty());
}

#[tokio::test]
async fn refusals_from_the_service_keep_their_status_on_the_form() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let certificate =
        resources::create_qualification(&mut app.db.conn(), &system(), "Welding safety", "", None)
            .expect("qualification");
    let welder = app
        .machine("Welding bench", |m| {
            m.required_qualification_id = Some(certificate.get())
        })
        .id
        .get();
    let other = app.user(Role::Member, None);
    let start = weekday_at(3, 10);
    book(&app, &other, laser, start, 60).await;
    let (_, browser) = member_browser(&app).await;
    let date = day(start).to_string();
    let (laser_id, welder_id) = (laser.to_string(), welder.to_string());

    let taken = slot_fields(&laser_id, &date, "10:30", "11:30");
    let response = browser
        .submit("/bookings/new", "/bookings/new", &taken)
        .await;
    assert_form_shown(response, 409, "already taken").await;
    let unqualified = slot_fields(&welder_id, &date, "10:00", "11:00");
    let response = browser
        .submit("/bookings/new", "/bookings/new", &unqualified)
        .await;
    assert_form_shown(response, 403, "needs the qualification 'Welding safety'").await;
    let off_grid = slot_fields(&laser_id, &date, "12:10", "13:10");
    let response = browser
        .submit("/bookings/new", "/bookings/new", &off_grid)
        .await;
    assert_form_shown(response, 422, "30-minute grid").await;
    let unreadable = slot_fields(&laser_id, &date, "noon", "13:00");
    let response = browser
        .submit("/bookings/new", "/bookings/new", &unreadable)
        .await;
    assert_form_shown(response, 422, "The start: 'noon' is not a time").await;
    assert_eq!(confirmed_bookings(&app).len(), 1, "only the other member's");
}

// --- my bookings: cancel and move ----------------------------------------------------------

#[tokio::test]
async fn a_late_cancellation_names_its_fee_and_an_early_one_is_free() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let (member, browser) = member_browser(&app).await;
    // Within the 24 hours before the start; 30 minutes so it never crosses local midnight.
    let soon = Utc::now()
        .duration_trunc(chrono::TimeDelta::minutes(30))
        .expect("round")
        + Duration::minutes(90);
    let late = book(&app, &member, laser, soon, 30).await;
    let early = book(&app, &member, laser, weekday_at(3, 10), 60).await;

    let mine = browser.page("/bookings").await;
    assert!(
        mine.contains("Cancel with a fee of 5.00 €"),
        "the fee is named before"
    );
    let response = browser
        .submit("/bookings", &format!("/bookings/{late}/cancel"), &[])
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("html");
    assert!(page.contains("a fee of 5.00 € goes on the next invoice"));
    assert!(page.contains("cancelled"));

    let response = browser
        .submit("/bookings", &format!("/bookings/{early}/cancel"), &[])
        .await;
    assert_eq!(location(&response), "/bookings?done=cancelled");
    assert!(browser
        .page("/bookings?done=cancelled")
        .await
        .contains("Nothing is charged."));
    let again = browser
        .submit("/bookings", &format!("/bookings/{early}/cancel"), &[])
        .await;
    assert_eq!(again.status(), 409);
    assert!(confirmed_bookings(&app).is_empty());
}

#[tokio::test]
async fn a_member_moves_a_booking_with_the_same_form() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let (member, browser) = member_browser(&app).await;
    let start = weekday_at(3, 10);
    let id = book(&app, &member, laser, start, 60).await;
    let form = format!("/bookings/{id}/move");
    let page = browser.page(&form).await;
    assert!(page.contains(r#"value="10:00""#) && page.contains(r#"value="11:00""#));

    let date = day(start).to_string();
    let fields = [
        ("date", date.as_str()),
        ("start", "13:00"),
        ("end", "14:30"),
    ];
    let response = browser.submit(&form, &form, &fields).await;
    assert_eq!(location(&response), "/bookings?done=moved");
    let moved = bookings::get(&mut app.db.conn(), &system(), BookingId::new(id)).expect("booking");
    assert_eq!(moved.starts_at, start + Duration::hours(3));
    assert_eq!(moved.ends_at - moved.starts_at, Duration::minutes(90));

    let gap = [("date", "2027-03-28"), ("start", "02:00"), ("end", "03:00")];
    let response = browser.submit(&form, &form, &gap).await;
    assert_form_shown(response, 422, "does not exist in Europe/Madrid").await;
}

#[tokio::test]
async fn someone_elses_booking_is_not_found() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let owner = app.user(Role::Member, None);
    let id = book(&app, &owner, laser, weekday_at(3, 10), 60).await;
    let (_, stranger) = member_browser(&app).await;
    assert_eq!(
        stranger.get(&format!("/bookings/{id}/move")).await.status(),
        404
    );
    let date = day(weekday_at(3, 10)).to_string();
    let fields = [
        ("date", date.as_str()),
        ("start", "12:00"),
        ("end", "13:00"),
    ];
    let moved = stranger
        .submit("/bookings", &format!("/bookings/{id}/move"), &fields)
        .await;
    assert_eq!(moved.status(), 404);
    let cancelled = stranger
        .submit("/bookings", &format!("/bookings/{id}/cancel"), &[])
        .await;
    assert_eq!(cancelled.status(), 404);
    let booking =
        bookings::get(&mut app.db.conn(), &system(), BookingId::new(id)).expect("booking");
    assert_eq!(booking.status, BookingStatus::Confirmed);
    assert_eq!(booking.starts_at, weekday_at(3, 10));
}

// --- staff: machines, hours, closures, maintenance -----------------------------------------

fn machine_fields<'a>(name: &'a str, member_rate: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("category_id", ""),
        ("description", "Two heads"),
        ("rate_member", member_rate),
        ("rate_business", "24"),
        ("rate_public", "30"),
        ("slot_minutes", "15"),
        ("min_minutes", "30"),
        ("max_minutes", "240"),
        ("horizon_days", "90"),
        ("notice_minutes", ""),
        ("buffer_minutes", "15"),
        ("required_qualification_id", ""),
        ("billing_basis", "max"),
        ("billing_increment_minutes", "6"),
        ("minimum_charge", "5"),
    ]
}

#[tokio::test]
async fn staff_add_and_change_a_machine_through_the_forms() {
    let app = spawn_app().await;
    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&staff).await;
    let bad = machine_fields("CNC router", "-3");
    let response = browser
        .submit("/staff/machines", "/staff/machines", &bad)
        .await;
    assert_form_shown(response, 422, "The member rate cannot be negative.").await;
    assert!(resources::resources(&mut app.db.conn())
        .expect("machines")
        .is_empty());

    let response = browser
        .submit(
            "/staff/machines",
            "/staff/machines",
            &machine_fields("CNC router", "18.50"),
        )
        .await;
    assert_eq!(response.status(), 303);
    let page_path = location(&response);
    let page = browser.page(&page_path).await;
    assert!(page.contains("The machine was added.") && page.contains(r#"value="18.50""#));
    let machines = resources::resources(&mut app.db.conn()).expect("machines");
    let created = &machines[0];
    assert_eq!(
        (
            created.rules.slot_minutes,
            created.rules.buffer_minutes,
            created.billing_increment.minutes()
        ),
        (15, 15, 6)
    );
    let edit = format!("/staff/machines/{}", created.id);
    assert!(page_path.starts_with(&edit));

    let mut changed = machine_fields("CNC router 2", "19");
    changed.push(("out_of_service", "yes"));
    let response = browser.submit(&edit, &edit, &changed).await;
    assert_eq!(location(&response), format!("{edit}?done=saved"));
    let saved = resources::resource(&mut app.db.conn(), created.id).expect("machine");
    assert_eq!(
        (
            saved.name.as_str(),
            saved.rates.member.cents(),
            saved.out_of_service
        ),
        ("CNC router 2", 1900, true)
    );

    let response = browser
        .submit(&edit, &edit, &machine_fields("CNC router 3", "1,50"))
        .await;
    assert_form_shown(response, 422, "The member rate:").await;
    let unchanged = resources::resource(&mut app.db.conn(), created.id).expect("machine");
    assert_eq!(unchanged.name, "CNC router 2");
    let listed = browser.page("/staff/machines").await;
    assert!(listed.contains("CNC router 2") && listed.contains("out of service"));
    let public = app
        .browser()
        .page(&format!("/machines/{}", created.id))
        .await;
    assert!(public.contains("Out of service") && !public.contains(r#"<td class="free">"#));
    let member = app.browser_for(&app.user(Role::Member, None)).await;
    assert_eq!(member.get("/staff/machines").await.status(), 403);
}

#[tokio::test]
async fn staff_set_hours_and_a_closure_and_the_week_shows_them() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&staff).await;
    let week_hours = [
        ("day0", "09:00-14:00, 16:00-20:00"),
        ("day1", "09:00-20:00"),
        ("day2", "09:00-20:00"),
        ("day3", "09:00-20:00"),
        ("day4", "09:00-20:00"),
        ("day5", "10:00-14:00"),
        ("day6", ""),
    ];
    let mut wrong = week_hours.to_vec();
    wrong[1] = ("day1", "9 to 8");
    let response = browser.submit("/staff/hours", "/staff/hours", &wrong).await;
    assert_form_shown(
        response,
        422,
        "Tuesday: '9 to 8' is not an opening interval",
    )
    .await;
    let response = browser
        .submit("/staff/hours", "/staff/hours", &week_hours)
        .await;
    assert_eq!(location(&response), "/staff/hours?done=hours");
    let hours = browser.page("/staff/hours?done=hours").await;
    assert!(hours.contains(r#"value="09:00-14:00, 16:00-20:00""#));

    let closed = weekday_at(10, 10);
    let closed_day = day(closed).to_string();
    let closure = [
        ("first_day", closed_day.as_str()),
        ("last_day", ""),
        ("reason", "Annual inventory"),
    ];
    let response = browser
        .submit("/staff/hours", "/staff/hours/closures", &closure)
        .await;
    assert_eq!(location(&response), "/staff/hours?done=closure");
    assert!(browser
        .page("/staff/hours")
        .await
        .contains("Annual inventory"));

    let week = app
        .browser()
        .page(&format!("/machines/{laser}?week={}", monday(closed)))
        .await;
    assert!(week.contains("Closed: Annual inventory"));
    assert!(week.contains(r#"<th scope="row">09:00</th>"#));
    assert!(
        !week.contains(r#"<th scope="row">08:30</th>"#),
        "rows start at the earliest opening"
    );
    let link = |date: &str, time: &str| format!("date={date}&amp;start={time}");
    assert!(
        !week.contains(&link(&closed_day, "10:00")),
        "nothing free on the closed day"
    );
    // A neighbour in the same week, open at 10:00 (Monday to Friday all are).
    let neighbour = if day(closed).weekday().num_days_from_monday() == 0 {
        day(closed) + Duration::days(1)
    } else {
        day(closed) - Duration::days(1)
    };
    let other_day = neighbour.to_string();
    assert!(
        week.contains(&link(&other_day, "10:00")),
        "the next day is open"
    );
}

#[tokio::test]
async fn maintenance_over_a_booking_is_refused_on_the_machine_page() {
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let start = weekday_at(3, 10);
    book(&app, &member, laser, start, 60).await;
    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&staff).await;
    let page = format!("/staff/machines/{laser}");
    let action = format!("{page}/maintenance");
    let date = day(start).to_string();
    let over = [
        ("start_date", date.as_str()),
        ("start_time", "09:00"),
        ("end_date", date.as_str()),
        ("end_time", "12:00"),
        ("reason", "New lens"),
    ];
    let response = browser.submit(&page, &action, &over).await;
    assert_form_shown(response, 409, "is booked during that time").await;

    let after = [
        ("start_date", date.as_str()),
        ("start_time", "14:00"),
        ("end_date", date.as_str()),
        ("end_time", "16:00"),
        ("reason", "New lens"),
    ];
    let response = browser.submit(&page, &action, &after).await;
    assert_eq!(location(&response), format!("{page}?done=maintenance"));
    assert!(browser.page(&page).await.contains(&bookings::when(
        TZ,
        start + Duration::hours(4),
        start + Duration::hours(6)
    )));
    let week = app
        .browser()
        .page(&format!("/machines/{laser}?week={}", monday(start)))
        .await;
    assert_eq!(week.matches(">maintenance</td>").count(), 4);
}
