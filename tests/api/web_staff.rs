//! The staff screens (customers, users, audit log) and the business admin's page, driven like a
//! browser: forms with their CSRF token, redirects after changes, 422 pages for bad input.
use obrador::domain::{CustomerId, Role};
use obrador::services::audit::{self, Changes};
use obrador::services::{accounts, tokens, By};

use crate::helpers::pages::{assert_form_shown, location};
use crate::helpers::{spawn_app, Browser, TestApp, TestUser};

fn system() -> By {
    By::System("test")
}

fn user_count(app: &TestApp) -> usize {
    accounts::users(&mut app.db.conn(), &system(), None, None)
        .expect("users")
        .len()
}

fn customer_count(app: &TestApp) -> usize {
    accounts::customers(&mut app.db.conn(), &system(), None)
        .expect("customers")
        .len()
}

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} in the page"))
        + start.len();
    let to = html[from..].find(end).expect("end marker") + from;
    &html[from..to]
}

async fn staff_browser(app: &TestApp) -> (TestUser, Browser) {
    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&staff).await;
    (staff, browser)
}

// --- customers and users: list, search, create ---------------------------------------------

#[tokio::test]
async fn staff_list_and_search_customers_and_users() {
    let app = spawn_app().await;
    let fusteria = app.business("Fusteria Pi SL");
    app.business("Taller Roca SCCL");
    let employee = app.user(Role::Member, Some(fusteria));
    let member = app.user(Role::Member, None);
    let (_, browser) = staff_browser(&app).await;

    let all = browser.page("/staff/customers").await;
    assert!(all.contains("Fusteria Pi SL") && all.contains("Taller Roca SCCL"));
    assert!(all.contains(&format!(r#"href="/staff/customers/{fusteria}""#)));
    let found = browser.page("/staff/customers?q=fusteria").await;
    assert!(found.contains("Fusteria Pi SL") && !found.contains("Taller Roca"));

    let users = browser.page("/staff/users").await;
    assert!(users.contains(&employee.email) && users.contains(&member.email));
    assert!(users.contains(&format!(
        r#"href="/staff/customers/{fusteria}">Fusteria Pi SL</a>"#
    )));
    let found = browser
        .page(&format!("/staff/users?q={}", employee.email.to_uppercase()))
        .await;
    assert!(found.contains(&employee.email) && !found.contains(&member.email));
}

#[tokio::test]
async fn staff_create_a_business_and_an_employee_whose_password_works() {
    let app = spawn_app().await;
    let (_, browser) = staff_browser(&app).await;
    let response = browser
        .submit(
            "/staff/customers/new",
            "/staff/customers/new",
            &[
                ("kind", "business"),
                ("legal_name", "Serralleria Vidal SL"),
                ("tax_id", "b-1234 5678"),
                ("address", "Carrer del Ferro 3\nGirona"),
                ("billing_email", "Factures@Vidal.example"),
                ("price_category", "business"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let target = location(&response);
    let id: i64 = between(&target, "/staff/customers/", "?done=created")
        .parse()
        .expect("customer id");
    let page = browser.page(&target).await;
    assert!(page.contains("The customer account was created."));
    assert!(page.contains("B12345678") && page.contains("factures@vidal.example"));
    assert!(page.contains(&format!(r#"href="/staff/users/new?business={id}""#)));

    let form = format!("/staff/users/new?business={id}");
    assert!(browser
        .page(&form)
        .await
        .contains(&format!(r#"<option value="{id}" selected>"#)));
    let business = id.to_string();
    let fields = [
        ("email", "marta@vidal.example"),
        ("name", "Marta Vidal"),
        ("role", "business_admin"),
        ("business", &business),
        ("password", ""),
    ];
    let response = browser.submit(&form, "/staff/users/new", &fields).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.expect("html");
    let password = between(&html, r#"id="new-password">"#, "</p>").to_string();
    assert_eq!(password.len(), 20, "a generated password is shown once");

    let marta = app.browser();
    assert_eq!(
        marta.login("MARTA@vidal.example", &password).await.status(),
        303
    );
    assert!(marta
        .page("/business")
        .await
        .contains("Serralleria Vidal SL"));
    assert!(browser
        .page(&format!("/staff/customers/{id}"))
        .await
        .contains("marta@vidal.example"));
}

#[tokio::test]
async fn a_user_created_with_a_password_is_redirected_to() {
    let app = spawn_app().await;
    let (_, browser) = staff_browser(&app).await;
    let fields = [
        ("email", "pau@example.org"),
        ("name", "Pau Soler"),
        ("role", "tutor"),
        ("business", ""),
        ("password", "a password of his own"),
    ];
    let response = browser
        .submit("/staff/users/new", "/staff/users/new", &fields)
        .await;
    assert_eq!(response.status(), 303);
    let page = browser.page(&location(&response)).await;
    assert!(page.contains("The user was created.") && page.contains("pau@example.org"));
    assert_eq!(
        app.browser()
            .login("pau@example.org", "a password of his own")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn invalid_input_is_shown_on_the_form_as_422_and_creates_nothing() {
    let app = spawn_app().await;
    let existing = app.user(Role::Member, None);
    let (_, browser) = staff_browser(&app).await;
    let (users, customers) = (user_count(&app), customer_count(&app));
    let taken = existing.email.to_uppercase();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("email", "not-an-email"),
                ("name", "Ana"),
                ("role", "member"),
            ],
            "is not an email address",
        ),
        (
            &[("email", &taken), ("name", "Ana"), ("role", "member")],
            "already exists",
        ),
        (
            &[
                ("email", "ana@example.org"),
                ("name", "Ana"),
                ("role", "boss"),
            ],
            "is not a role",
        ),
        (
            &[
                ("email", "ana@example.org"),
                ("name", "  "),
                ("role", "member"),
            ],
            "The name must not be empty.",
        ),
    ];
    for (fields, message) in cases {
        let response = browser
            .submit("/staff/users/new", "/staff/users/new", fields)
            .await;
        assert_form_shown(response, 422, message).await;
    }
    let no_tax_id = [
        ("kind", "business"),
        ("legal_name", "Sense NIF SL"),
        ("tax_id", " "),
        ("price_category", "business"),
    ];
    let response = browser
        .submit("/staff/customers/new", "/staff/customers/new", &no_tax_id)
        .await;
    assert_form_shown(response, 422, "a business needs its tax id").await;
    assert_eq!(
        (user_count(&app), customer_count(&app)),
        (users, customers),
        "nothing was created"
    );
}

// --- who may use the staff screens -------------------------------------------------------

const STAFF_PAGES: [&str; 5] = [
    "/staff/customers",
    "/staff/customers/new",
    "/staff/users?q=a",
    "/staff/users/new",
    "/staff/audit",
];

#[tokio::test]
async fn members_get_403_and_visitors_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let member = app.user(Role::Member, None);
    let browser = app.browser_for(&member).await;
    for path in STAFF_PAGES
        .into_iter()
        .chain([format!("/staff/users/{}", member.id).as_str()])
    {
        assert_eq!(browser.get(path).await.status(), 403, "member GET {path}");
    }
    // A complete form: extractors run concurrently, so an unreadable one could answer 400 first.
    let customer = [
        ("kind", "business"),
        ("legal_name", "Forja SL"),
        ("tax_id", "B1"),
        ("price_category", "business"),
    ];
    let response = browser
        .submit("/account", "/staff/customers/new", &customer)
        .await;
    assert_eq!(response.status(), 403, "member POST");

    let visitor = app.browser();
    let response = visitor.get("/staff/users?q=a").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?next=%2Fstaff%2Fusers%3Fq%3Da");
    for path in STAFF_PAGES {
        assert_eq!(visitor.get(path).await.status(), 303, "visitor GET {path}");
    }
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused() {
    let app = spawn_app().await;
    let member = app.user(Role::Member, None);
    let (_, browser) = staff_browser(&app).await;
    let customers = customer_count(&app);
    let customer = [
        ("kind", "business"),
        ("legal_name", "Forja SL"),
        ("tax_id", "B1"),
        ("price_category", "business"),
    ];
    let update = [("name", "Renamed"), ("role", "tutor"), ("status", "active")];
    let user_path = format!("/staff/users/{}", member.id);
    browser.page("/staff/customers/new").await;
    for token in [None, Some("forged")] {
        for (action, fields) in [
            ("/staff/customers/new", &customer[..]),
            (user_path.as_str(), &update[..]),
        ] {
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
    assert_eq!(customer_count(&app), customers);
    let stored = accounts::user(&mut app.db.conn(), &system(), member.id).expect("user");
    assert_eq!(
        (stored.role, stored.name.starts_with("Test")),
        (Role::Member, true)
    );
}

// --- editing users, tokens, the audit log --------------------------------------------------

#[tokio::test]
async fn staff_edit_a_user_and_the_audit_log_shows_old_and_new() {
    let app = spawn_app().await;
    let member = app.user(Role::Member, None);
    let (staff, browser) = staff_browser(&app).await;
    let path = format!("/staff/users/{}", member.id);
    let fields = [
        ("name", "Núria Pons"),
        ("role", "tutor"),
        ("status", "inactive"),
    ];
    let response = browser.submit(&path, &path, &fields).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{path}?done=saved"));
    let stored = accounts::user(&mut app.db.conn(), &system(), member.id).expect("user");
    assert_eq!(
        (stored.name.as_str(), stored.role, stored.active),
        ("Núria Pons", Role::Tutor, false)
    );
    assert!(browser
        .page(&format!("{path}?done=saved"))
        .await
        .contains("The changes were saved."));

    let log = browser
        .page(&format!(
            "/staff/audit?object_type=user&object_id={}",
            member.id
        ))
        .await;
    assert!(log.contains("user.update") && log.contains(&staff.email));
    assert!(log.contains("<code>role</code>: member → tutor"), "{log}");
    assert!(log.contains("<code>active</code>: true → false"));
    assert!(
        log.contains("user.create"),
        "the creation is in the same history"
    );
    assert!(!browser
        .page("/staff/audit?object_type=customer")
        .await
        .contains("user.update"));

    let response = browser
        .submit(
            &path,
            &path,
            &[
                ("name", "Núria"),
                ("role", "tutor"),
                ("status", "sometimes"),
            ],
        )
        .await;
    assert_form_shown(response, 422, "is not a status").await;
    let response = browser.get("/staff/audit?object_id=seven").await;
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn the_audit_log_pages_by_100_newest_first() {
    let app = spawn_app().await;
    let (_, browser) = staff_browser(&app).await;
    let mut conn = app.db.conn();
    for n in 1..=105 {
        let changes = Changes::new().field("n", &(n - 1), &n);
        audit::record(&mut conn, &system(), "test.step", "thing", Some(n), changes)
            .expect("recorded");
    }
    let first = browser.page("/staff/audit?object_type=thing").await;
    assert_eq!(first.matches("test.step").count(), 100);
    assert!(
        first.find("<code>n</code>: 104 → 105") < first.find("<code>n</code>: 5 → 6"),
        "newest first"
    );
    let before_link = &first[..first.find(r#"" rel="next""#).expect("an older link")];
    let older = before_link
        .rsplit(r#"href=""#)
        .next()
        .expect("href")
        .replace("&amp;", "&");
    assert!(
        older.starts_with("/staff/audit?object_type=thing&before="),
        "{older}"
    );
    let second = browser.page(&older).await;
    assert_eq!(second.matches("test.step").count(), 5);
    assert!(second.contains("<code>n</code>: 0 → 1") && !second.contains(r#"rel="next""#));
}

#[tokio::test]
async fn staff_revoke_a_users_token_and_it_stops_working() {
    let app = spawn_app().await;
    let member = app.user(Role::Member, None);
    let token = app.token(&member);
    assert_eq!(app.api_get(&token, "/api/v1/me").await.status(), 200);
    let (_, browser) = staff_browser(&app).await;
    let path = format!("/staff/users/{}", member.id);
    let page = browser.page(&path).await;
    let action = format!(
        "/staff/users/{}/tokens/{}/revoke",
        member.id,
        between(&page, "/tokens/", "/revoke")
    );
    let response = browser.submit(&path, &action, &[]).await;
    assert_eq!(response.status(), 303);
    assert!(browser
        .page(&location(&response))
        .await
        .contains("The token was revoked."));
    assert_eq!(app.api_get(&token, "/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn a_token_is_revoked_only_under_its_own_user() {
    let app = spawn_app().await;
    let (ana, pere) = (app.user(Role::Member, None), app.user(Role::Member, None));
    let token = app.token(&ana);
    let id = tokens::list(&mut app.db.conn(), &system(), ana.id).expect("tokens")[0].id;
    let (_, browser) = staff_browser(&app).await;
    let action = format!("/staff/users/{}/tokens/{id}/revoke", pere.id);
    let response = browser
        .submit(&format!("/staff/users/{}", pere.id), &action, &[])
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(app.api_get(&token, "/api/v1/me").await.status(), 200);
}

#[tokio::test]
async fn only_an_admin_makes_someone_admin() {
    let app = spawn_app().await;
    let member = app.user(Role::Member, None);
    let (_, staff) = staff_browser(&app).await;
    let path = format!("/staff/users/{}", member.id);
    assert!(
        !staff.page(&path).await.contains(r#"<option value="admin""#),
        "not offered to staff"
    );
    let fields = [
        ("name", "Promoted"),
        ("role", "admin"),
        ("status", "active"),
    ];
    assert_eq!(staff.submit(&path, &path, &fields).await.status(), 403);
    let stored = accounts::user(&mut app.db.conn(), &system(), member.id).expect("user");
    assert_eq!(stored.role, Role::Member);

    let admin = app.browser_for(&app.user(Role::Admin, None)).await;
    assert_eq!(admin.submit(&path, &path, &fields).await.status(), 303);
    let stored = accounts::user(&mut app.db.conn(), &system(), member.id).expect("user");
    assert_eq!(stored.role, Role::Admin);
    assert!(staff
        .page(&path)
        .await
        .contains("Only an admin can change staff and admin accounts."));
}

// --- the business admin's page -------------------------------------------------------------

struct Business {
    id: CustomerId,
    admin: TestUser,
    employee: TestUser,
}

fn business(app: &TestApp, name: &str) -> Business {
    let id = app.business(name);
    Business {
        id,
        admin: app.user(Role::BusinessAdmin, Some(id)),
        employee: app.user(Role::Member, Some(id)),
    }
}

#[tokio::test]
async fn a_business_admin_sees_their_people_adds_an_employee_and_edits_details() {
    let app = spawn_app().await;
    let a = business(&app, "Fusteria Pi SL");
    let b = business(&app, "Taller Roca SCCL");
    let browser = app.browser_for(&a.admin).await;
    let page = browser.page("/business").await;
    assert!(page.contains(&a.admin.email) && page.contains(&a.employee.email));
    assert!(!page.contains(&b.employee.email) && !page.contains(&b.admin.email));

    let fields = [
        ("email", "jordi@pi.example"),
        ("name", "Jordi Pi"),
        ("role", "member"),
    ];
    let response = browser
        .submit("/business", "/business/employees", &fields)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.expect("html");
    let password = between(&html, r#"id="new-password">"#, "</p>").to_string();
    assert_eq!(
        app.browser()
            .login("jordi@pi.example", &password)
            .await
            .status(),
        303
    );
    let jordi = accounts::users(
        &mut app.db.conn(),
        &system(),
        Some("jordi@pi.example"),
        None,
    )
    .expect("users");
    assert_eq!((jordi[0].customer_id, jordi[0].role), (a.id, Role::Member));

    let taken = [
        ("email", a.employee.email.as_str()),
        ("name", "Again"),
        ("role", "member"),
    ];
    assert_form_shown(
        browser
            .submit("/business", "/business/employees", &taken)
            .await,
        422,
        "already exists",
    )
    .await;
    let staff_role = [
        ("email", "boss@pi.example"),
        ("name", "Boss"),
        ("role", "staff"),
    ];
    assert_eq!(
        browser
            .submit("/business", "/business/employees", &staff_role)
            .await
            .status(),
        403
    );

    let details = [
        ("legal_name", "Fusteria Pi i Fills SL"),
        ("tax_id", "B99999999"),
        ("address", "Plaça 1"),
        ("billing_email", "comptes@pi.example"),
    ];
    let response = browser
        .submit("/business", "/business/details", &details)
        .await;
    assert_eq!(response.status(), 303);
    assert!(browser
        .page("/business?done=details")
        .await
        .contains("The billing details were saved."));
    let stored = accounts::customer(&mut app.db.conn(), &system(), a.id).expect("customer");
    assert_eq!(
        (stored.legal_name.as_str(), stored.tax_id.as_deref()),
        ("Fusteria Pi i Fills SL", Some("B99999999"))
    );
    let no_tax_id = [
        ("legal_name", "Fusteria Pi SL"),
        ("tax_id", ""),
        ("address", ""),
        ("billing_email", ""),
    ];
    assert_form_shown(
        browser
            .submit("/business", "/business/details", &no_tax_id)
            .await,
        422,
        "tax id",
    )
    .await;
}

#[tokio::test]
async fn a_business_admin_changes_their_own_employees_only() {
    let app = spawn_app().await;
    let a = business(&app, "Fusteria Pi SL");
    let b = business(&app, "Taller Roca SCCL");
    let browser = app.browser_for(&a.admin).await;
    let own = format!("/business/people/{}", a.employee.id);
    let fields = [
        ("name", "Laia Pi"),
        ("role", "business_admin"),
        ("status", "active"),
    ];
    assert_eq!(browser.submit(&own, &own, &fields).await.status(), 303);
    let stored = accounts::user(&mut app.db.conn(), &system(), a.employee.id).expect("user");
    assert_eq!(
        (stored.name.as_str(), stored.role),
        ("Laia Pi", Role::BusinessAdmin)
    );

    let other = format!("/business/people/{}", b.employee.id);
    assert_eq!(browser.get(&other).await.status(), 404);
    assert_eq!(browser.submit(&own, &other, &fields).await.status(), 404);
    let stored = accounts::user(&mut app.db.conn(), &system(), b.employee.id).expect("user");
    assert_eq!(
        (stored.role, stored.name.starts_with("Test")),
        (Role::Member, true)
    );
}

#[tokio::test]
async fn only_a_business_admin_uses_the_business_page() {
    let app = spawn_app().await;
    let a = business(&app, "Fusteria Pi SL");
    let employee = app.browser_for(&a.employee).await;
    assert_eq!(employee.get("/business").await.status(), 403);
    assert_eq!(
        employee
            .get(&format!("/business/people/{}", a.admin.id))
            .await
            .status(),
        403
    );
    let fields = [
        ("legal_name", "Hijacked SL"),
        ("tax_id", "B1"),
        ("address", ""),
        ("billing_email", ""),
    ];
    assert_eq!(
        employee
            .submit("/account", "/business/details", &fields)
            .await
            .status(),
        403
    );
    let (_, staff) = staff_browser(&app).await;
    assert_eq!(staff.get("/business").await.status(), 403);
    let name = accounts::customer(&mut app.db.conn(), &system(), a.id)
        .expect("customer")
        .legal_name;
    assert_eq!(name, "Fusteria Pi SL");
}
