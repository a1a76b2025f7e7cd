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
