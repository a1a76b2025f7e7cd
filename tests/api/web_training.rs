//! The training screens, driven like a browser: the public catalog and a session's page, signing
//! up (a business admin for several employees at once) and the waiting list, "My trainings" with
//! giving up a place, the staff screen that adds courses and schedules sessions with its refusals
//! shown inline, a tutor's schedule and attendance — with the API and the services as the proof of
//! what changed.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use obrador::db::schema::training_sessions;
use obrador::domain::{Role, SessionId, WorkshopTz};
use obrador::services::training::{self, SessionQuery};
use obrador::services::{accounts, resources, By};
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::pages::{assert_shown, id_in, location};
use crate::helpers::{spawn_app, weekday_at, Browser, TestApp, TestUser, TrainingFixture};

fn system() -> By {
    By::System("test")
}

/// The session as the API shows it to `user`.
async fn session_json(app: &TestApp, user: &TestUser, session: i64) -> Value {
    app.api_get(
        &app.token(user),
        &format!("/api/v1/training-sessions/{session}"),
    )
    .await
    .json()
    .await
    .expect("json")
}

/// Signs `user` up over the API, answering the enrollment's id.
async fn api_sign_up(app: &TestApp, user: &TestUser, session: i64) -> i64 {
    let response = app
        .api_send(
            Method::POST,
            &app.token(user),
            &format!("/api/v1/training-sessions/{session}/enrollments"),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let enrollment: Value = response.json().await.expect("json");
    enrollment["id"].as_i64().expect("id")
}

fn name_of(app: &TestApp, user: &TestUser) -> String {
    accounts::user(&mut app.db.conn(), &system(), user.id)
        .expect("user")
        .name
}

/// Moves a session into the past, as time would (the service refuses to schedule one there).
fn move_to_past(app: &TestApp, session: i64) {
    let start = (Utc::now() - Duration::hours(1)).naive_utc();
    diesel::update(training_sessions::table.find(session))
        .set((
            training_sessions::starts_at.eq(start),
            training_sessions::ends_at.eq(start + Duration::hours(2)),
        ))
        .execute(&mut *app.db.conn())
        .expect("moved");
}

/// Every session in the database from a day ago on, cancelled ones too.
fn all_sessions(app: &TestApp) -> Vec<obrador::domain::training::Session> {
    let query = SessionQuery {
        from: Some(Utc::now() - Duration::days(1)),
        include_cancelled: true,
        ..SessionQuery::default()
    };
    training::sessions(&mut app.db.conn(), &query).expect("sessions")
}

/// A course with one session of `seats` seats five weekdays ahead.
fn course_with_session(app: &TestApp, name: &str, seats: i32) -> (TrainingFixture, i64) {
    let fixture = app.course(name);
    let session = app.session(&fixture, weekday_at(5, 10), seats).id.get();
    (fixture, session)
}

// --- the catalog and the session page ----------------------------------------------------------

#[tokio::test]
async fn the_catalog_lists_sessions_with_seats_left_for_visitors_and_members() {
    let app = spawn_app().await;
    let (_, session) = course_with_session(&app, "Laser cutter safety", 3);
    let link = format!(r#"href="/training/sessions/{session}""#);

    let visitor = app.browser();
    let catalog = visitor.page("/training").await;
    assert!(catalog.contains(r#"href="/training""#), "in the menu");
    assert!(catalog.contains("Laser cutter safety"));
    assert!(catalog.contains("How to use the Laser cutter safety safely."));
    assert!(catalog.contains(&link));
    assert!(catalog.contains("3 of 3 seats left"));
    assert!(
        catalog.contains("Member 30.00 €, business 45.00 €, public 60.00 €"),
        "a visitor sees every price"
    );
    assert!(catalog.contains("Tutor of Laser cutter safety"));

    let page = visitor.page(&format!("/training/sessions/{session}")).await;
    assert!(page.contains("Sign in to sign up"));
    assert!(page.contains(&format!(
        r#"href="/login?next=%2Ftraining%2Fsessions%2F{session}""#
    )));
    assert!(!page.contains("/signup"), "no sign-up form for a visitor");

    let member = app.browser_for(&app.user(Role::Member, None)).await;
    let catalog = member.page("/training").await;
    assert!(catalog.contains(&link) && catalog.contains("3 of 3 seats left"));
    assert!(catalog.contains(">30.00 €<"), "the member's own price");
    assert!(!catalog.contains("60.00 €"), "not the other categories'");
    assert!(catalog.contains(r#"href="/trainings""#));

    assert_eq!(visitor.get("/training/sessions/999999").await.status(), 404);
    assert_eq!(
        visitor.get("/trainings").await.status(),
        303,
        "sign in first"
    );
}

#[tokio::test]
async fn a_member_signs_up_finds_it_in_my_trainings_and_gives_the_seat_up() {
    let app = spawn_app().await;
    let (_, session) = course_with_session(&app, "Laser cutter safety", 2);
    let ana = app.user(Role::Member, None);
    let browser = app.browser_for(&ana).await;
    let page = format!("/training/sessions/{session}");
    let signup = format!("{page}/signup");
    assert!(browser.page(&page).await.contains(">Sign up</button>"));

    let signed = browser.submit(&page, &signup, &[]).await;
    assert_eq!(signed.status(), 303);
    assert_eq!(location(&signed), "/trainings?done=confirmed");
    assert_eq!(session_json(&app, &ana, session).await["seats_left"], 1);
    let mine = browser.page(&location(&signed)).await;
    assert!(mine.contains("the seat is confirmed"));
    assert!(mine.contains("Laser cutter safety") && mine.contains("seat confirmed"));
    assert!(mine.contains("30.00 €"));
    assert!(
        mine.contains(">Give up the seat</button>"),
        "free this early"
    );
    assert!(mine.contains("Free until"));
    assert!(browser
        .page(&page)
        .await
        .contains("You are signed up: seat confirmed"));

    let twice = browser.submit(&page, &signup, &[]).await;
    assert_shown(twice, 409, "already signed up").await;
    assert_eq!(session_json(&app, &ana, session).await["seats_left"], 1);

    let enrollment = id_in(&mine, r#"action="/trainings/"#, "/leave");
    let left = browser
        .submit("/trainings", &format!("/trainings/{enrollment}/leave"), &[])
        .await;
    assert_eq!(left.status(), 303);
    assert_eq!(location(&left), "/trainings?done=left");
    assert_eq!(session_json(&app, &ana, session).await["seats_left"], 2);
    let after = browser.page(&location(&left)).await;
    assert!(after.contains("The place was given up. Nothing is charged."));
    assert!(after.contains("cancelled"));
    assert!(!after.contains(&format!("/trainings/{enrollment}/leave")));
    let again = browser
        .submit("/trainings", &format!("/trainings/{enrollment}/leave"), &[])
        .await;
    assert_shown(again, 409, "already cancelled").await;
}

#[tokio::test]
async fn giving_up_a_seat_late_names_the_fee_before_and_after() {
    let app = spawn_app().await;
    let fixture = app.course("Welding basics");
    // Tomorrow at 10:00 local is always within the course's 48 free hours.
    let tomorrow = WorkshopTz::DEFAULT.local_date(Utc::now()) + Duration::days(1);
    let start = WorkshopTz::DEFAULT
        .to_utc(
            tomorrow.and_hms_opt(10, 0, 0).expect("time"),
            obrador::domain::Ambiguity::Earlier,
        )
        .expect("exists");
    let session = app.session(&fixture, start, 2).id.get();
    let ana = app.user(Role::Member, None);
    let enrollment = api_sign_up(&app, &ana, session).await;
    let browser = app.browser_for(&ana).await;
    let mine = browser.page("/trainings").await;
    assert!(mine.contains("Give up the seat with a fee of 15.00 €"));
    assert!(mine.contains("Free cancellation ended"));

    let left = browser
        .submit("/trainings", &format!("/trainings/{enrollment}/leave"), &[])
        .await;
    assert_eq!(left.status(), 200);
    let html = left.text().await.expect("html");
    assert!(html.contains("a fee of 15.00 € goes on the next invoice"));
    assert_eq!(session_json(&app, &ana, session).await["seats_left"], 2);
}

#[tokio::test]
async fn a_full_session_offers_the_waiting_list_and_shows_the_position() {
    let app = spawn_app().await;
    let (_, session) = course_with_session(&app, "CNC router induction", 1);
    api_sign_up(&app, &app.user(Role::Member, None), session).await;
    let bea = app.user(Role::Member, None);
    let browser = app.browser_for(&bea).await;
    let page = format!("/training/sessions/{session}");

    let catalog = browser.page("/training").await;
    assert!(catalog.contains("Full — join the waiting list (0 waiting)"));
    assert!(browser
        .page(&page)
        .await
        .contains(">Join the waiting list</button>"));
    let joined = browser.submit(&page, &format!("{page}/signup"), &[]).await;
    assert_eq!(location(&joined), "/trainings?done=waitlisted");
    let mine = browser.page(&location(&joined)).await;
    assert!(mine.contains("so this is a place on the waiting list"));
    assert!(mine.contains("waiting list, position 1"));
    assert!(mine.contains(">Leave the waiting list</button>"));
    assert!(browser
        .page("/training")
        .await
        .contains("Full — join the waiting list (1 waiting)"));
    assert_eq!(session_json(&app, &bea, session).await["waiting"], 1);
}

#[tokio::test]
async fn a_business_admin_signs_up_two_employees_at_once_but_nobody_elses() {
    let app = spawn_app().await;
    let (_, session) = course_with_session(&app, "CNC router induction", 4);
    let business = app.business("Fusteria Roca SL");
    let admin = app.user(Role::BusinessAdmin, Some(business));
    let (one, two, three) = (
        app.user(Role::Member, Some(business)),
        app.user(Role::Member, Some(business)),
        app.user(Role::Member, Some(business)),
    );
    let stranger = app.user(Role::Member, Some(app.business("Taller Puig SL")));
    let browser = app.browser_for(&admin).await;
    let page = format!("/training/sessions/{session}");
    let signup = format!("{page}/signup");

    let form = browser.page(&page).await;
    for person in [&one, &two, &three] {
        assert!(form.contains(&format!(r#"name="user_id" value="{}""#, person.id)));
    }
    assert!(!form.contains(&format!(r#"name="user_id" value="{}""#, stranger.id)));

    let (one_id, two_id) = (one.id.to_string(), two.id.to_string());
    let both = [("user_id", one_id.as_str()), ("user_id", two_id.as_str())];
    let signed = browser.submit(&page, &signup, &both).await;
    assert_eq!(signed.status(), 303);
    assert_eq!(location(&signed), "/trainings?done=all-confirmed");
    assert_eq!(session_json(&app, &admin, session).await["seats_left"], 2);
    let mine = browser.page(&location(&signed)).await;
    assert!(mine.contains("everyone has a confirmed seat"));
    assert!(mine.contains(&format!(">{}<", name_of(&app, &one))));
    assert!(mine.contains(&format!(">{}<", name_of(&app, &two))));
    assert!(mine.contains("45.00 €"), "at the business price");
    let form = browser.page(&page).await;
    assert!(!form.contains(&format!(r#"name="user_id" value="{}""#, one.id)));
    assert!(form.contains(&format!(r#"name="user_id" value="{}""#, three.id)));

    // Someone of another business, alone or beside an employee: refused, nobody signed up.
    let (three_id, stranger_id) = (three.id.to_string(), stranger.id.to_string());
    for fields in [
        vec![("user_id", stranger_id.as_str())],
        vec![
            ("user_id", three_id.as_str()),
            ("user_id", stranger_id.as_str()),
        ],
    ] {
        let refused = browser.submit(&page, &signup, &fields).await;
        assert_shown(refused, 403, "You can only sign up yourself").await;
    }
    let none = browser.submit(&page, &signup, &[]).await;
    assert_shown(none, 422, "Tick at least one person").await;
    let nonsense = browser
        .submit(&page, &signup, &[("user_id", "someone")])
        .await;
    assert_shown(nonsense, 422, "Choose people from the list").await;
    let after = session_json(&app, &admin, session).await;
    assert_eq!(
        (after["seats_left"].as_i64(), after["waiting"].as_i64()),
        (Some(2), Some(0))
    );
}

// --- staff ---------------------------------------------------------------------------------------

/// The schedule form's fields for `fixture` on the local day of `start`.
fn session_form(
    fixture: &TrainingFixture,
    day: &str,
    start: &str,
    end: &str,
) -> Vec<(String, String)> {
    [
        ("course_id", fixture.course.id.to_string()),
        ("tutor_id", fixture.tutor.to_string()),
        ("date", day.to_string()),
        ("start", start.to_string()),
        ("end", end.to_string()),
        ("seats", "6".to_string()),
        ("seat_price_member", "20".to_string()),
        ("seat_price_business", "25".to_string()),
        ("seat_price_public", "35".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

async fn submit_owned(
    browser: &Browser,
    from: &str,
    action: &str,
    fields: &[(String, String)],
) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.submit(from, action, &borrowed).await
}

#[tokio::test]
async fn staff_add_a_course_and_schedule_a_session_and_bad_ones_are_shown_inline() {
    let app = spawn_app().await;
    let fixture = app.course("Laser cutter safety");
    let laser = app.machine("Laser cutter Trotec", |_| {}).id;
    let staff = app.browser_for(&app.user(Role::Staff, None)).await;
    let page = "/staff/training";
    let shown = staff.page(page).await;
    assert!(shown.contains(r#"href="/staff/training""#), "in the menu");
    assert!(shown.contains(&format!(
        r#"<option value="{}">Tutor of Laser cutter safety"#,
        fixture.tutor
    )));

    let course = [
        ("name", "3D printing basics"),
        ("description", "Slicing and printing"),
        ("qualification_id", ""),
        ("free_cancel_hours", "24"),
        ("late_cancel_percent", ""),
        ("no_show_fee", "5"),
    ];
    let added = staff.submit(page, "/staff/training/courses", &course).await;
    assert_eq!(location(&added), "/staff/training?done=course");
    let listed = staff.page(&location(&added)).await;
    assert!(listed.contains("The course was added."));
    assert!(listed.contains("3D printing basics") && listed.contains("24 h before"));
    assert!(listed.contains("5.00 €"));
    let bad_course = [("name", "Lathe"), ("late_cancel_percent", "120")];
    let refused = staff
        .submit(page, "/staff/training/courses", &bad_course)
        .await;
    assert_shown(refused, 422, "0 to 100 %").await;
    assert_eq!(
        training::courses(&mut app.db.conn())
            .expect("courses")
            .len(),
        2
    );

    let day = WorkshopTz::DEFAULT
        .local_date(weekday_at(6, 10))
        .to_string();
    let mut fields = session_form(&fixture, &day, "10:00", "12:30");
    fields.push(("machine_ids".into(), laser.to_string()));
    fields.push(("note".into(), "Bring closed shoes".into()));
    let scheduled = submit_owned(&staff, page, "/staff/training/sessions", &fields).await;
    assert_eq!(scheduled.status(), 303);
    assert_eq!(location(&scheduled), "/staff/training?done=session");
    let sessions = all_sessions(&app);
    assert_eq!(sessions.len(), 1);
    let created = &sessions[0];
    assert_eq!((created.ends_at - created.starts_at).num_minutes(), 150);
    assert_eq!(
        WorkshopTz::DEFAULT
            .to_local(created.starts_at)
            .format("%H:%M")
            .to_string(),
        "10:00"
    );
    assert_eq!(created.machine_ids, vec![laser]);
    assert_eq!(created.seats, 6);
    let listed = staff.page(&location(&scheduled)).await;
    assert!(listed.contains("The session was scheduled"));
    assert!(listed.contains(&format!(r#"href="/training/sessions/{}""#, created.id)));
    assert!(listed.contains("0 of 6 taken, 0 waiting"));

    let other_course = training::courses(&mut app.db.conn())
        .expect("courses")
        .into_iter()
        .find(|c| c.name == "3D printing basics")
        .expect("added")
        .id
        .to_string();
    let mut not_taught = session_form(&fixture, &day, "15:00", "16:00");
    not_taught[0].1 = other_course;
    let backwards = session_form(&fixture, &day, "12:00", "10:00");
    let busy = session_form(&fixture, &day, "11:00", "13:00");
    let mut no_seats = session_form(&fixture, &day, "17:00", "18:00");
    no_seats[5].1 = "0".into();
    for (fields, status, message) in [
        (backwards, 422, "must end after it starts"),
        (not_taught, 422, "does not teach 3D printing basics"),
        (busy, 409, "is already taken then"),
        (no_seats, 422, "1 to 500 seats"),
    ] {
        let refused = submit_owned(&staff, page, "/staff/training/sessions", &fields).await;
        let html = assert_shown(refused, status, message).await;
        assert!(
            html.contains(&format!(r#"value="{day}""#)),
            "the typed date is kept"
        );
    }
    assert_eq!(all_sessions(&app).len(), 1, "refused forms create nothing");

    let member = app.browser_for(&app.user(Role::Member, None)).await;
    assert_eq!(member.get(page).await.status(), 403);
    let forbidden = submit_owned(&member, "/training", "/staff/training/sessions", &fields).await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(all_sessions(&app).len(), 1);
}

#[tokio::test]
async fn staff_change_seats_and_cancel_a_session_from_its_page() {
    let app = spawn_app().await;
    let (_, session) = course_with_session(&app, "Laser cutter safety", 1);
    let (ana, bea) = (app.user(Role::Member, None), app.user(Role::Member, None));
    api_sign_up(&app, &ana, session).await;
    api_sign_up(&app, &bea, session).await;
    let staff = app.browser_for(&app.user(Role::Staff, None)).await;
    let page = format!("/training/sessions/{session}");
    let shown = staff.page(&page).await;
    assert!(shown.contains(&format!(">{}<", name_of(&app, &ana))));
    assert!(
        shown.contains("Waiting list") && shown.contains(&format!(">{}<", name_of(&app, &bea)))
    );
    assert!(shown.contains("Attendance can be marked once the session has started."));
    assert!(
        !shown.contains("/attendance\""),
        "no attendance form before the start"
    );

    let seats = format!("{page}/seats");
    let fewer = staff.submit(&page, &seats, &[("seats", "0")]).await;
    assert_shown(fewer, 422, "1 to 500 seats").await;
    let grown = staff.submit(&page, &seats, &[("seats", "2")]).await;
    assert_eq!(location(&grown), format!("{page}?done=seats"));
    let after = session_json(&app, &bea, session).await;
    assert_eq!(
        (after["seats_taken"].as_i64(), after["waiting"].as_i64()),
        (Some(2), Some(0))
    );
    let shrink = staff.submit(&page, &seats, &[("seats", "1")]).await;
    assert_shown(shrink, 409, "2 seats are already taken").await;

    let cancel = format!("{page}/cancel");
    let unconfirmed = staff.submit(&page, &cancel, &[]).await;
    assert_shown(unconfirmed, 422, "Tick the box").await;
    assert_eq!(
        session_json(&app, &ana, session).await["status"],
        "scheduled"
    );
    let cancelled = staff.submit(&page, &cancel, &[("confirm", "yes")]).await;
    assert_eq!(location(&cancelled), format!("{page}?done=cancelled"));
    let shown = staff.page(&location(&cancelled)).await;
    assert!(shown.contains("This session was cancelled by the workshop."));
    assert_eq!(
        session_json(&app, &ana, session).await["status"],
        "cancelled"
    );
    let member = app.browser_for(&ana).await;
    assert!(member
        .page("/trainings")
        .await
        .contains("cancelled by the workshop"));
    let seats_by_member = member.submit(&page, &seats, &[("seats", "5")]).await;
    assert_eq!(seats_by_member.status(), 403);
}

// --- tutors and attendance -----------------------------------------------------------------------

#[tokio::test]
async fn a_tutor_sees_their_schedule_and_marks_attendance_once_the_session_started() {
    let app = spawn_app().await;
    let (fixture, session) = course_with_session(&app, "Laser cutter safety", 3);
    let later = app.session(&fixture, weekday_at(8, 16), 5).id.get();
    let ana = app.user(Role::Member, None);
    let enrollment = api_sign_up(&app, &ana, session).await;
    let tutor = app.browser_for(&fixture.tutor_user).await;

    let schedule = tutor.page("/tutor/schedule").await;
    assert!(
        schedule.contains(r#"href="/tutor/schedule""#),
        "in the menu"
    );
    assert!(schedule.contains(&format!(r#"href="/training/sessions/{session}""#)));
    assert!(schedule.contains(&format!(r#"href="/training/sessions/{later}""#)));
    assert!(schedule.contains("Teaching Laser cutter safety (1 of 3 seats taken)"));
    let member = app.browser_for(&ana).await;
    assert_eq!(member.get("/tutor/schedule").await.status(), 403);
    let upcoming = tutor.page(&format!("/training/sessions/{later}")).await;
    assert!(upcoming.contains("You teach this session."));
    assert!(
        !upcoming.contains("/signup"),
        "a tutor is not offered their own session"
    );

    move_to_past(&app, session);
    let page = format!("/training/sessions/{session}");
    let shown = tutor.page(&page).await;
    assert!(shown.contains(&format!(">{}<", name_of(&app, &ana))));
    let action = format!("/training/enrollments/{enrollment}/attendance");
    assert!(shown.contains(&format!(r#"action="{action}""#)));
    assert!(tutor
        .page("/tutor/schedule")
        .await
        .contains("(started: mark attendance)"));

    let nonsense = tutor
        .submit(&page, &action, &[("attendance", "maybe")])
        .await;
    assert_shown(nonsense, 422, "Say whether").await;
    let marked = tutor
        .submit(&page, &action, &[("attendance", "attended")])
        .await;
    assert_eq!(location(&marked), format!("{page}?done=attendance"));
    let shown = tutor.page(&location(&marked)).await;
    assert!(shown.contains("The attendance was recorded.") && shown.contains(">attended<"));
    assert!(
        !shown.contains(&format!(r#"action="{action}""#)),
        "marked once"
    );
    let held = resources::held_by(&mut app.db.conn(), ana.id).expect("held");
    assert_eq!(held.len(), 1, "attending granted the qualification");
    let again = tutor
        .submit(&page, &action, &[("attendance", "no_show")])
        .await;
    assert_shown(again, 409, "Only a confirmed seat").await;
}

#[tokio::test]
async fn a_member_sees_no_participants_and_cannot_mark_attendance() {
    let app = spawn_app().await;
    let (_, session) = course_with_session(&app, "Laser cutter safety", 3);
    let (ana, bea) = (app.user(Role::Member, None), app.user(Role::Member, None));
    let ana_enrollment = api_sign_up(&app, &ana, session).await;
    let bea_enrollment = api_sign_up(&app, &bea, session).await;
    move_to_past(&app, session);
    let browser = app.browser_for(&bea).await;
    let page = format!("/training/sessions/{session}");

    let shown = browser.page(&page).await;
    assert!(!shown.contains(&name_of(&app, &ana)), "no one else's name");
    assert!(!shown.contains("Participants") && !shown.contains("/attendance"));
    assert!(shown.contains("This session has started"));
    for enrollment in [ana_enrollment, bea_enrollment] {
        let action = format!("/training/enrollments/{enrollment}/attendance");
        let refused = browser
            .submit(&page, &action, &[("attendance", "attended")])
            .await;
        assert_eq!(refused.status(), 404, "enrollment {enrollment}");
    }
    let participants =
        training::participants(&mut app.db.conn(), &system(), SessionId::new(session))
            .expect("participants");
    assert!(participants
        .iter()
        .all(|e| e.status.as_str() == "confirmed"));
    assert!(resources::held_by(&mut app.db.conn(), bea.id)
        .expect("held")
        .is_empty());
}

#[tokio::test]
async fn training_forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let (fixture, session) = course_with_session(&app, "Laser cutter safety", 3);
    let ana = app.user(Role::Member, None);
    let enrollment = api_sign_up(&app, &ana, session).await;
    let staff = app.browser_for(&app.user(Role::Staff, None)).await;
    staff.page("/staff/training").await;
    let day = WorkshopTz::DEFAULT
        .local_date(weekday_at(6, 10))
        .to_string();
    let schedule = session_form(&fixture, &day, "10:00", "12:00");
    let schedule: Vec<(&str, &str)> = schedule
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/training/sessions/{session}/signup"), vec![]),
        (
            format!("/training/sessions/{session}/seats"),
            vec![("seats", "9")],
        ),
        (
            format!("/training/sessions/{session}/cancel"),
            vec![("confirm", "yes")],
        ),
        (
            format!("/training/enrollments/{enrollment}/attendance"),
            vec![("attendance", "no_show")],
        ),
        (format!("/trainings/{enrollment}/leave"), vec![]),
        ("/staff/training/courses".into(), vec![("name", "Lathe")]),
        ("/staff/training/sessions".into(), schedule),
    ];
    for token in [None, Some("forged")] {
        for (action, fields) in &posts {
            let mut form = fields.clone();
            form.extend(token.map(|t| ("csrf_token", t)));
            let response = staff
                .client
                .post(staff.url(action))
                .form(&form)
                .send()
                .await
                .expect("sent");
            assert_eq!(response.status(), 403, "{action} with token {token:?}");
        }
    }
    let after = session_json(&app, &ana, session).await;
    assert_eq!(after["seats"], 3);
    assert_eq!(after["seats_taken"], 1);
    assert_eq!(after["status"], "scheduled");
    assert_eq!(all_sessions(&app).len(), 1);
    assert_eq!(
        training::courses(&mut app.db.conn())
            .expect("courses")
            .len(),
        1
    );
}
