//! Forgotten passwords, end to end with a real SMTP server: asking tells nobody whether an address
//! has an account, the mailed link works once and before it expires, the new password signs the
//! user out everywhere, requests are throttled, and every form needs its CSRF token.
use diesel::prelude::*;
use obrador::db::schema::password_resets;
use obrador::domain::Role;
use obrador::mail::outbox as queue;
use obrador::mail::{OutboxEntry, OutboxFilter};
use obrador::services::accounts::{self, UserUpdate};
use obrador::services::audit::{self, Query};
use obrador::services::By;
use reqwest::{Method, Response};
use serde_json::json;

use crate::helpers::smtp::app_with_smtp;
use crate::helpers::{problem, spawn_app, Browser, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "a brand new password";
const SPENT: &str = "This link has expired or was already used; ask for a new one.";

async fn ask_by_api(app: &TestApp, email: &str) -> Response {
    app.client
        .post(app.url("/api/v1/password-reset"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .expect("sent")
}

async fn ask_by_form(browser: &Browser, email: &str) -> Response {
    browser
        .submit("/password-reset", "/password-reset", &[("email", email)])
        .await
}

/// Every message queued for `email`, newest first.
fn queued_for(app: &TestApp, email: &str) -> Vec<OutboxEntry> {
    let filter = OutboxFilter {
        recipient: Some(email.to_string()),
        ..OutboxFilter::default()
    };
    queue::list(&mut app.db.conn(), &filter).expect("outbox")
}

/// Posts a new password to `link` with a valid CSRF token, whatever the link's page answers.
async fn post_password(browser: &Browser, link: &str, password: &str) -> Response {
    let token = browser.csrf("/password-reset").await;
    browser
        .client
        .post(browser.url(link))
        .form(&[("csrf_token", token.as_str()), ("new_password", password)])
        .send()
        .await
        .expect("sent")
}

async fn assert_spent(response: Response) {
    assert_eq!(response.status(), 410);
    let page = response.text().await.expect("html");
    assert!(page.contains(SPENT), "{page}");
    assert!(
        page.contains(r#"href="/password-reset""#),
        "offers a new link"
    );
}

#[tokio::test]
async fn asking_answers_alike_for_any_address_and_only_an_account_gets_mail() {
    let (server, app) = app_with_smtp().await;
    let ana = app.user(Role::Member, None);

    let known = ask_by_api(&app, &ana.email).await;
    let unknown = ask_by_api(&app, "nobody@example.org").await;
    assert_eq!(
        (known.status().as_u16(), unknown.status().as_u16()),
        (202, 202)
    );
    assert_eq!(
        known.text().await.expect("body"),
        unknown.text().await.expect("body")
    );
    let browser = app.browser();
    let known = ask_by_form(&browser, &ana.email).await;
    let unknown = ask_by_form(&browser, "Nobody@Example.org").await;
    assert_eq!(
        (known.status().as_u16(), unknown.status().as_u16()),
        (200, 200)
    );
    let (known, unknown) = (
        known.text().await.expect("html"),
        unknown.text().await.expect("html"),
    );
    assert_eq!(known, unknown, "the same page for both");
    assert!(known.contains("Check your mail"));

    let received = server.wait_for(2).await;
    assert!(received
        .iter()
        .all(|mail| mail.rcpt_to == vec![ana.email.clone()]));
    assert_eq!(queued_for(&app, &ana.email).len(), 2);
    assert!(queued_for(&app, "nobody@example.org").is_empty());
    let entries = queue::list(&mut app.db.conn(), &OutboxFilter::default()).expect("outbox");
    assert_eq!(entries.len(), 2, "nothing else was queued");
    assert!(entries.iter().all(|e| e.key.starts_with("password-reset-")));
    let mail = &received[0];
    assert_eq!(
        mail.parsed().subject(),
        Some("Obrador Taller Cooperatiu SCCL: choose a new password")
    );
    assert!(mail.text().contains(&ana.email));
    let html = mail.parsed().body_html(0).expect("html").to_string();
    assert!(
        html.contains(&mail.password_link()),
        "the HTML has the link too"
    );
}

#[tokio::test]
async fn the_link_sets_a_new_password_once_and_signs_the_user_out_everywhere() {
    let (server, app) = app_with_smtp().await;
    let ana = app.user(Role::Member, None);
    let old_session = app.browser_for(&ana).await;
    assert_eq!(ask_by_api(&app, &ana.email).await.status(), 202);
    let first = server.wait_for(1).await[0].password_link();
    assert_eq!(ask_by_api(&app, &ana.email).await.status(), 202);
    let link = server.wait_for(2).await[1].password_link();
    assert_ne!(first, link);

    let visitor = app.browser();
    let form = visitor.page(&link).await;
    assert!(form.contains(&ana.email) && form.contains("new_password"));
    let response = visitor
        .submit(&link, &link, &[("new_password", NEW_PASSWORD)])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login?done=reset");
    let login = visitor.page("/login?done=reset").await;
    assert!(login.contains("Your new password is set"), "{login}");

    assert_eq!(
        old_session.get("/account").await.status(),
        303,
        "the old session was signed out"
    );
    assert_eq!(
        app.browser().login(&ana.email, PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.browser().login(&ana.email, NEW_PASSWORD).await.status(),
        303
    );

    assert_spent(visitor.get(&link).await).await;
    assert_spent(post_password(&visitor, &link, "yet another password").await).await;
    assert_spent(visitor.get(&first).await).await;
    assert_spent(post_password(&visitor, &first, "yet another password").await).await;
    assert_eq!(
        app.browser().login(&ana.email, NEW_PASSWORD).await.status(),
        303,
        "the used links changed nothing"
    );

    let history = audit::list(
        &mut app.db.conn(),
        &By::System("test"),
        &Query {
            object_type: Some("user"),
            object_id: Some(ana.id.get()),
            before: None,
            limit: 50,
        },
    )
    .expect("audit");
    let reset = history
        .iter()
        .find(|e| e.action == "user.password_reset")
        .expect("the reset is audited");
    assert_eq!(reset.actor, ana.email);
    assert!(history
        .iter()
        .any(|e| e.action == "user.password_reset_request"));
}

#[tokio::test]
async fn an_expired_link_is_refused_and_changes_nothing() {
    let (server, app) = app_with_smtp().await;
    let ana = app.user(Role::Member, None);
    assert_eq!(ask_by_api(&app, &ana.email).await.status(), 202);
    let link = server.wait_for(1).await[0].password_link();
    let an_hour_ago = chrono::Utc::now().naive_utc() - chrono::TimeDelta::hours(1);
    diesel::update(password_resets::table)
        .set(password_resets::expires_at.eq(an_hour_ago))
        .execute(&mut *app.db.conn())
        .expect("expired");

    let visitor = app.browser();
    assert_spent(visitor.get(&link).await).await;
    assert_spent(post_password(&visitor, &link, NEW_PASSWORD).await).await;
    assert_eq!(
        app.browser().login(&ana.email, PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn a_too_short_password_is_refused_and_the_link_still_works() {
    let (server, app) = app_with_smtp().await;
    let ana = app.user(Role::Member, None);
    assert_eq!(ask_by_api(&app, &ana.email).await.status(), 202);
    let link = server.wait_for(1).await[0].password_link();
    let visitor = app.browser();

    let response = visitor
        .submit(&link, &link, &[("new_password", "short")])
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("html");
    assert!(page.contains("at least 10 characters") && page.contains("error-summary"));
    assert!(
        page.contains(&format!(r#"action="{link}""#)),
        "the form again"
    );

    let response = visitor
        .submit(&link, &link, &[("new_password", NEW_PASSWORD)])
        .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn requests_beyond_three_an_hour_send_nothing() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    for _ in 0..5 {
        assert_eq!(ask_by_api(&app, &ana.email).await.status(), 202);
    }
    assert_eq!(queued_for(&app, &ana.email).len(), 3);
    let links: i64 = password_resets::table
        .count()
        .get_result(&mut *app.db.conn())
        .expect("count");
    assert_eq!(links, 3);
}

#[tokio::test]
async fn inactive_accounts_and_unmailable_input_get_no_mail() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let off = UserUpdate {
        active: Some(false),
        ..UserUpdate::default()
    };
    accounts::update_user(&mut app.db.conn(), &By::System("test"), ana.id, &off)
        .expect("deactivated");
    assert_eq!(ask_by_api(&app, &ana.email).await.status(), 202);
    assert!(queued_for(&app, &ana.email).is_empty());

    // Not an address at all: said so, which tells nothing about accounts.
    let body = problem(ask_by_api(&app, "not an address").await).await;
    assert_eq!(body["status"], 422);
    let response = ask_by_form(&app.browser(), "not an address").await;
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .expect("html")
        .contains("is not an email address"));
    let missing = app
        .client
        .post(app.url("/api/v1/password-reset"))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(problem(missing).await["status"], 422);
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let (server, app) = app_with_smtp().await;
    let ana = app.user(Role::Member, None);
    let visitor = app.browser();
    let response = visitor
        .client
        .post(visitor.url("/password-reset"))
        .form(&[("email", ana.email.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 403);
    assert!(queued_for(&app, &ana.email).is_empty());

    assert_eq!(ask_by_api(&app, &ana.email).await.status(), 202);
    let link = server.wait_for(1).await[0].password_link();
    let forged = visitor
        .client
        .post(visitor.url(&link))
        .form(&[("csrf_token", "forged"), ("new_password", NEW_PASSWORD)])
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status(), 403);
    assert_eq!(
        visitor.get(&link).await.status(),
        200,
        "the link still works"
    );
    assert_eq!(
        app.browser().login(&ana.email, PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn the_sign_in_page_offers_the_reset_and_the_api_needs_no_token() {
    let app = spawn_app().await;
    let login = app.browser().page("/login").await;
    assert!(login.contains(r#"<a href="/password-reset">Forgot your password?</a>"#));
    let form = app.browser().page("/password-reset").await;
    assert!(form.contains(r#"action="/password-reset""#));
    let member = app.user(Role::Member, None);
    let token = app.token(&member);
    // A signed-in client may ask too (for instance for someone else): same answer.
    let response = app
        .api_send(
            Method::POST,
            &token,
            "/api/v1/password-reset",
            json!({ "email": member.email }),
        )
        .await;
    assert_eq!(response.status(), 202);
}
