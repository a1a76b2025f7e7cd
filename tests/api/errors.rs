//! Bad requests get a clear 4xx in the right format: problem+json under /api, a page elsewhere.
use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn unknown_api_route_is_a_404_problem() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/no-such-thing").await;
    assert_eq!(response.status(), 404);
    let body = problem(response).await;
    assert_eq!(body["title"], "Not Found");
}

#[tokio::test]
async fn unknown_page_is_a_friendly_html_404() {
    let app = spawn_app().await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/html"));
    let html = response.text().await.expect("html");
    assert!(html.contains("Nothing was found at this address."));
    assert!(html.contains(r#"href="/""#), "the page offers a way back");
}

#[tokio::test]
async fn wrong_method_is_a_405_problem_not_a_500() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 405);
    let html = response.text().await.expect("body");
    assert!(html.contains("does not accept that method"));
}

mod json_bodies {
    use obrador::domain::Role;

    use crate::helpers::{problem, spawn_app};

    #[tokio::test]
    async fn malformed_json_wrong_type_wrong_shape_and_oversize_are_clear_4xx() {
        let app = spawn_app().await;
        let user = app.user(Role::Member, None);
        let token = app.token(&user);
        let post = |body: reqwest::Body, content_type: &'static str| {
            app.client
                .post(app.url("/api/v1/tokens"))
                .bearer_auth(&token)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let cases: Vec<(reqwest::Body, &str, u16, &str)> = vec![
            (
                "{\"name\": ".into(),
                "application/json",
                400,
                "not valid JSON",
            ),
            (
                "name=x".into(),
                "application/x-www-form-urlencoded",
                415,
                "Content-Type: application/json",
            ),
            (
                "{\"name\": 7}".into(),
                "application/json",
                422,
                "wrong shape",
            ),
            (
                format!("{{\"name\": \"{}\"}}", "x".repeat(2_000_000)).into(),
                "application/json",
                413,
                "larger than",
            ),
        ];
        for (body, content_type, status, words) in cases {
            let response = post(body, content_type).await.expect("sent");
            assert_eq!(response.status(), status, "{words}");
            let body = problem(response).await;
            assert!(
                body["detail"].as_str().unwrap_or_default().contains(words),
                "{body}"
            );
        }
        let listed = app.api_get(&token, "/api/v1/tokens").await;
        let listed: serde_json::Value = listed.json().await.expect("json");
        assert_eq!(
            listed["items"].as_array().map(Vec::len),
            Some(1),
            "no token was created"
        );
    }
}
