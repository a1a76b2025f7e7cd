//! Requests that made the server answer 500 when schemathesis fuzzed the API against its OpenAPI
//! document (`.ci/fuzz-api`); each must now get the 4xx problem the document promises.
use chrono::Duration;
use obrador::db::Backend;
use obrador::domain::Role;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{problem, rfc, spawn_app, weekday_at};

#[tokio::test]
async fn a_weekly_series_on_an_unknown_machine_is_refused_not_a_server_error() {
    let app = spawn_app().await;
    let member = app.token(&app.user(Role::Member, None));
    let start = weekday_at(2, 10);
    let body = json!({
        "resource_id": 84379,
        "starts_at": rfc(start),
        "ends_at": rfc(start + Duration::minutes(60)),
        "weeks": 3,
    });
    let response = app
        .api_send(Method::POST, &member, "/api/v1/bookings", body)
        .await;
    assert_eq!(response.status(), 422);
    let detail = problem(response).await["detail"].to_string();
    assert!(detail.contains("no machine 84379"), "{detail}");
}

/// PostgreSQL cannot store or compare text with a NUL character; SQLite can. Either way the
/// caller gets an answer about their input, never a 500.
#[tokio::test]
async fn a_nul_character_in_text_is_refused_where_the_database_cannot_hold_it() {
    let app = spawn_app().await;
    let staff = app.token(&app.user(Role::Staff, None));
    let expected = match app.db.backend() {
        Backend::Sqlite => 200,
        Backend::Postgres => 422,
    };
    for path in ["/api/v1/users?q=a%00b", "/api/v1/audit?object_type=a%00b"] {
        let response = app.api_get(&staff, path).await;
        assert_eq!(response.status(), expected, "{path}");
    }
    let body = json!({"name": "Lathes\u{0}", "description": "with a NUL"});
    let response = app
        .api_send(Method::POST, &staff, "/api/v1/categories", body)
        .await;
    let created = if expected == 200 { 201 } else { 422 };
    assert_eq!(response.status(), created);
}
