//! The staff screens for machine categories and qualifications, and granting or revoking a
//! qualification on a user's page — driven like a browser, with the booking API as the proof that
//! a grant or a revocation took effect.
use chrono::{Duration, Months, Utc};
use obrador::domain::{QualificationId, Role, WorkshopTz};
use obrador::services::{resources, By};
use reqwest::{Method, Response};
use serde_json::json;

use crate::helpers::pages::{assert_shown, location};
use crate::helpers::{rfc, spawn_app, weekday_at, Browser, TestApp, TestUser};

async fn staff_browser(app: &TestApp) -> Browser {
    app.browser_for(&app.user(Role::Staff, None)).await
}

fn counts(app: &TestApp) -> (usize, usize) {
    let mut conn = app.db.conn();
    (
        resources::categories(&mut conn).expect("categories").len(),
        resources::qualifications(&mut conn)
            .expect("qualifications")
            .len(),
    )
}

/// An hour on the machine, a few weekdays ahead, as `member` over the API.
async fn book(app: &TestApp, token: &str, machine: i64, days: i64) -> Response {
    let start = weekday_at(days, 10);
    let body = json!({"resource_id": machine, "starts_at": rfc(start), "ends_at": rfc(start + Duration::hours(1))});
    app.api_send(Method::POST, token, "/api/v1/bookings", body)
        .await
}

#[tokio::test]
async fn staff_add_categories_and_qualifications_through_the_forms() {
    let app = spawn_app().await;
    let browser = staff_browser(&app).await;
    let page = "/staff/qualifications";
    let machines = browser.page("/staff/machines").await;
    assert!(machines.contains(r#"href="/staff/qualifications""#));

    let category = [
        ("category_name", "Woodworking"),
        ("category_description", "Saws and planes"),
    ];
    let added = browser
        .submit(page, "/staff/qualifications/categories", &category)
        .await;
    assert_eq!(added.status(), 303);
    assert_eq!(location(&added), "/staff/qualifications?done=category");
    let listed = browser.page(&location(&added)).await;
    assert!(listed.contains("The category was added."));
    assert!(listed.contains("Woodworking") && listed.contains("Saws and planes"));

    let qualification = [
        ("qualification_name", "Laser safety"),
        ("qualification_description", "The laser cutter's induction"),
        ("valid_months", "24"),
    ];
    let added = browser
        .submit(page, "/staff/qualifications", &qualification)
        .await;
    assert_eq!(location(&added), "/staff/qualifications?done=qualification");
    let never = [("qualification_name", "Hand tools"), ("valid_months", "")];
    let added = browser.submit(page, "/staff/qualifications", &never).await;
    assert_eq!(added.status(), 303);
    let listed = browser.page(&location(&added)).await;
    assert!(listed.contains("The qualification was added."));
    assert!(listed.contains("Laser safety") && listed.contains("24 months"));
    assert!(listed.contains("Hand tools") && listed.contains("never expires"));
    assert_eq!(counts(&app), (1, 2));

    let twice = browser
        .submit(page, "/staff/qualifications/categories", &category)
        .await;
    let html = assert_shown(twice, 409, "already exists").await;
    assert!(
        html.contains(r#"value="Woodworking""#),
        "the typed name is kept"
    );
    let twice = browser
        .submit(page, "/staff/qualifications", &qualification)
        .await;
    assert_shown(twice, 409, "already exists").await;
    let unnamed = [("category_name", "  "), ("category_description", "x")];
    let refused = browser
        .submit(page, "/staff/qualifications/categories", &unnamed)
        .await;
    assert_shown(refused, 422, "The name must not be empty.").await;
    let unnamed = [("qualification_name", ""), ("valid_months", "12")];
    let refused = browser
        .submit(page, "/staff/qualifications", &unnamed)
        .await;
    assert_shown(refused, 422, "The name must not be empty.").await;
    for months in ["0", "two", "100000"] {
        let fields = [("qualification_name", "Lathe"), ("valid_months", months)];
        let refused = browser.submit(page, "/staff/qualifications", &fields).await;
        assert_shown(refused, 422, "is not a validity").await;
    }
    assert_eq!(counts(&app), (1, 2), "refused forms change nothing");
}

#[tokio::test]
async fn a_grant_on_the_user_page_lets_the_member_book_until_it_is_revoked() {
    let app = spawn_app().await;
    let qualification = resources::create_qualification(
        &mut app.db.conn(),
        &By::System("test"),
        "Laser safety",
        "",
        Some(12),
    )
    .expect("qualification");
    let laser = app
        .machine("Laser cutter", |m| {
            m.required_qualification_id = Some(qualification.get())
        })
        .id
        .get();
    let ana = app.user(Role::Member, None);
    let token = app.token(&ana);
    assert_eq!(book(&app, &token, laser, 3).await.status(), 403);

    let browser = staff_browser(&app).await;
    let page = format!("/staff/users/{}", ana.id);
    let before = browser.page(&page).await;
    assert!(before.contains("Qualifications") && before.contains("No qualifications."));
    assert!(before.contains(&format!(r#"<option value="{qualification}">Laser safety"#)));

    // The expiry is a year from the grant, as a local date: taken before and after the request
    // so a grant at midnight still matches.
    let expiry = || {
        let at = Utc::now() + Months::new(12);
        WorkshopTz::DEFAULT
            .local_date(at)
            .format("%Y-%m-%d")
            .to_string()
    };
    let earliest = expiry();
    let action = format!("{page}/qualifications");
    let value = qualification.to_string();
    let granted = browser
        .submit(&page, &action, &[("qualification_id", value.as_str())])
        .await;
    assert_eq!(granted.status(), 303);
    assert_eq!(location(&granted), format!("{page}?done=granted"));
    let latest = expiry();
    let after = browser.page(&location(&granted)).await;
    assert!(after.contains("The qualification was granted."));
    assert!(
        after.contains(&earliest) || after.contains(&latest),
        "expires on {earliest} (local date)"
    );
    let revoke = format!("{action}/{qualification}/revoke");
    assert!(after.contains(&format!(r#"action="{revoke}""#)));
    assert_eq!(book(&app, &token, laser, 3).await.status(), 201);

    let revoked = browser.submit(&page, &revoke, &[]).await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(
        location(&revoked),
        format!("{page}?done=qualification-revoked")
    );
    let after = browser.page(&location(&revoked)).await;
    assert!(
        after.contains("The qualification was revoked.") && after.contains("No qualifications.")
    );
    assert_eq!(book(&app, &token, laser, 4).await.status(), 403);
    assert_eq!(browser.submit(&page, &revoke, &[]).await.status(), 404);

    let history = browser
        .page(&format!(
            "/staff/audit?object_type=user&object_id={}",
            ana.id
        ))
        .await;
    assert!(history.contains("qualification.grant") && history.contains("qualification.revoke"));
}

#[tokio::test]
async fn a_grant_of_nothing_or_an_unknown_qualification_is_shown_again() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = staff_browser(&app).await;
    let page = format!("/staff/users/{}", ana.id);
    assert!(browser
        .page(&page)
        .await
        .contains("no qualifications to grant yet"));
    let action = format!("{page}/qualifications");
    for (value, message) in [
        ("", "Choose a qualification"),
        ("9999", "There is no qualification"),
    ] {
        let refused = browser
            .submit(&page, &action, &[("qualification_id", value)])
            .await;
        assert_shown(refused, 422, message).await;
    }
    assert!(resources::held_by(&mut app.db.conn(), ana.id)
        .expect("held")
        .is_empty());
    let qualification = resources::create_qualification(
        &mut app.db.conn(),
        &By::System("test"),
        "Laser safety",
        "",
        None,
    )
    .expect("qualification")
    .to_string();
    let nobody = browser
        .submit(
            &page,
            "/staff/users/999999/qualifications",
            &[("qualification_id", qualification.as_str())],
        )
        .await;
    assert_eq!(nobody.status(), 404);
}

#[tokio::test]
async fn members_are_refused_and_posts_need_the_csrf_token() {
    let app = spawn_app().await;
    let ana: TestUser = app.user(Role::Member, None);
    let qualification: QualificationId = resources::create_qualification(
        &mut app.db.conn(),
        &By::System("test"),
        "Laser safety",
        "",
        None,
    )
    .expect("qualification");
    let member = app.browser_for(&ana).await;
    assert_eq!(member.get("/staff/qualifications").await.status(), 403);
    let own = format!("/staff/users/{}/qualifications", ana.id);
    let value = qualification.to_string();
    let forbidden = member
        .submit("/account", &own, &[("qualification_id", value.as_str())])
        .await;
    assert_eq!(forbidden.status(), 403);

    let browser = staff_browser(&app).await;
    browser.page("/staff/qualifications").await;
    let revoke = format!("{own}/{qualification}/revoke");
    let posts: [(&str, &[(&str, &str)]); 4] = [
        (
            "/staff/qualifications/categories",
            &[("category_name", "Metal")],
        ),
        (
            "/staff/qualifications",
            &[("qualification_name", "Welding")],
        ),
        (&own, &[("qualification_id", value.as_str())]),
        (&revoke, &[]),
    ];
    for token in [None, Some("forged")] {
        for (action, fields) in posts {
            let mut form = fields.to_vec();
            form.extend(token.map(|t| ("csrf_token", t)));
            let response = browser
                .client
                .post(browser.url(action))
                .form(&form)
                .send()
                .await
                .expect("sent");
            assert_eq!(response.status(), 403, "{action} with token {token:?}");
        }
    }
    assert_eq!(counts(&app), (0, 1));
    assert!(resources::held_by(&mut app.db.conn(), ana.id)
        .expect("held")
        .is_empty());
}
