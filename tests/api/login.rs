//! Signing in and out of the web UI: sessions, throttling, CSRF, password changes.
use obrador::domain::Role;

use crate::helpers::{csrf_in, spawn_app, PASSWORD};

#[tokio::test]
async fn signing_in_sets_a_safe_session_cookie_and_shows_the_account() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser();
    let response = browser.login(&ana.email.to_uppercase(), PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("obrador_session="))
        .expect("session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    let page = browser.page("/account").await;
    assert!(page.contains(&ana.email));
}

#[tokio::test]
async fn wrong_credentials_answer_alike_and_set_no_session() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    for (email, password) in [
        (ana.email.as_str(), "wrong password!"),
        ("nobody@example.org", PASSWORD),
    ] {
        let browser = app.browser();
        let response = browser.login(email, password).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get_all("set-cookie").iter().all(|c| !c
            .to_str()
            .unwrap_or_default()
            .starts_with("obrador_session=")));
        let html = response.text().await.expect("html");
        assert!(html.contains("The email or the password is not right."));
        assert_eq!(
            browser.get("/account").await.status(),
            303,
            "still signed out"
        );
    }
}

#[tokio::test]
async fn pages_that_need_a_user_send_visitors_to_sign_in_and_back() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser();
    let response = browser.get("/account?x=1").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/login?next=%2Faccount%3Fx%3D1"
    );
    let response = browser
        .submit(
            "/login?next=/account",
            "/login",
            &[
                ("email", &ana.email),
                ("password", PASSWORD),
                ("next", "/account"),
            ],
        )
        .await;
    assert_eq!(response.headers()["location"], "/account");
    let offsite = app.browser();
    let response = offsite
        .submit(
            "/login",
            "/login",
            &[
                ("email", &ana.email),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(response.headers()["location"], "/", "no open redirect");
}

#[tokio::test]
async fn repeated_failures_are_throttled_in_the_database_for_every_instance() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser();
    for _ in 0..5 {
        assert_eq!(
            browser.login(&ana.email, "not the password").await.status(),
            401
        );
    }
    let response = browser.login(&ana.email, PASSWORD).await;
    assert_eq!(response.status(), 429, "even the right password waits");
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry > 0 && retry <= 15 * 60);
    // A second instance on the same database refuses too.
    let other = app.second_instance().await;
    let response = other.login(&ana.email, PASSWORD).await;
    assert_eq!(response.status(), 429);
    // Another account is not affected.
    let bea = app.user(Role::Member, None);
    assert_eq!(
        app.browser().login(&bea.email, PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser();
    let token = browser.csrf("/login").await;
    let url = browser.url("/login");
    let attempts: Vec<Vec<(&str, &str)>> = vec![
        vec![("email", &ana.email), ("password", PASSWORD)],
        vec![
            ("csrf_token", "forged"),
            ("email", &ana.email),
            ("password", PASSWORD),
        ],
    ];
    for form in attempts {
        let response = browser
            .client
            .post(&url)
            .form(&form)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 403);
    }
    let cross_site = browser
        .client
        .post(&url)
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", &ana.email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(cross_site.status(), 403);
    assert_eq!(
        browser.get("/account").await.status(),
        303,
        "none of them signed in"
    );
    // A token from another visitor's cookie does not work either.
    let other = app.browser();
    let foreign = other.csrf("/login").await;
    let response = browser
        .client
        .post(&url)
        .form(&[
            ("csrf_token", foreign.as_str()),
            ("email", &ana.email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser_for(&ana).await;
    let cookie = browser.session_cookie().expect("signed in");
    let response = browser.submit("/account", "/logout", &[]).await;
    assert_eq!(response.status(), 303);
    // Replaying the old cookie from another client finds no session.
    let replay = app
        .client
        .get(app.url("/account"))
        .header("cookie", format!("obrador_session={cookie}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(replay.status(), 303);
}

#[tokio::test]
async fn a_tampered_session_cookie_is_ignored() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser_for(&ana).await;
    let cookie = browser.session_cookie().expect("signed in");
    let mut forged = cookie.clone();
    forged.pop();
    forged.push(if cookie.ends_with('0') { '1' } else { '0' });
    let response = app
        .client
        .get(app.url("/account"))
        .header("cookie", format!("obrador_session={forged}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one_and_signs_out_other_sessions() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let laptop = app.browser_for(&ana).await;
    let phone = app.browser_for(&ana).await;
    let fields = [
        ("current_password", "wrong password"),
        ("new_password", "a brand new password"),
    ];
    let response = laptop
        .submit("/account", "/account/password", &fields)
        .await;
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .expect("html")
        .contains("The current password is not right."));
    let short = [("current_password", PASSWORD), ("new_password", "short")];
    assert_eq!(
        laptop
            .submit("/account", "/account/password", &short)
            .await
            .status(),
        422
    );
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", "a brand new password"),
    ];
    let response = laptop
        .submit("/account", "/account/password", &fields)
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        laptop.get("/account").await.status(),
        200,
        "this session stays"
    );
    assert_eq!(
        phone.get("/account").await.status(),
        303,
        "the other one ends"
    );
    assert_eq!(
        app.browser().login(&ana.email, PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.browser()
            .login(&ana.email, "a brand new password")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn account_page_changes_the_name_and_manages_tokens() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser_for(&ana).await;
    let response = browser
        .submit(
            "/account",
            "/account/profile",
            &[("name", "Ana Puig i Serra")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = browser.page("/account?done=profile").await;
    assert!(page.contains("Ana Puig i Serra") && page.contains("Your name was saved."));
    assert_eq!(
        browser
            .submit("/account", "/account/profile", &[("name", "  ")])
            .await
            .status(),
        422
    );

    let response = browser
        .submit("/account", "/account/tokens", &[("name", "laptop script")])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.expect("html");
    let start = html.find("obr_").expect("the new token is shown once");
    let token = html[start..start + 68].to_string();
    assert_eq!(app.api_get(&token, "/api/v1/me").await.status(), 200);
    assert!(
        !browser.page("/account").await.contains(&token),
        "never shown again"
    );

    let mine: serde_json::Value = app
        .api_get(&token, "/api/v1/tokens")
        .await
        .json()
        .await
        .expect("json");
    let id = mine["items"][0]["id"].as_i64().expect("id");
    let csrf = csrf_in(&browser.page("/account").await);
    let response = browser
        .client
        .post(browser.url(&format!("/account/tokens/{id}/revoke")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 303);
    assert_eq!(app.api_get(&token, "/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn a_deactivated_user_cannot_sign_in_and_loses_their_sessions() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let staff = app.user(Role::Staff, None);
    let browser = app.browser_for(&ana).await;
    let token = app.token(&staff);
    let response = app
        .api_send(
            reqwest::Method::PATCH,
            &token,
            &format!("/api/v1/users/{}", ana.id),
            serde_json::json!({"active": false}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(browser.get("/account").await.status(), 303);
    assert_eq!(
        app.browser().login(&ana.email, PASSWORD).await.status(),
        401
    );
}

#[tokio::test]
async fn a_session_works_on_every_instance_sharing_the_database_and_key() {
    let app = spawn_app().await;
    let ana = app.user(Role::Member, None);
    let browser = app.browser_for(&ana).await;
    let cookie = browser.session_cookie().expect("signed in");
    let other = app.second_instance().await;
    let response = other
        .client
        .get(other.url("/account"))
        .header("cookie", format!("obrador_session={cookie}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert!(response.text().await.expect("html").contains(&ana.email));
}
