//! `GET /healthz`, the home page, and the headers every response carries.
use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], app.db.backend().to_string());
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    for path in ["/", "/healthz", "/api/v1/nothing-here", "/nothing-here"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert!(!headers["x-request-id"].is_empty(), "{path}");
    }
}

#[tokio::test]
async fn home_page_and_stylesheet_are_served() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("html");
    assert!(html.contains(&app.settings.workshop.legal_name));
    assert!(html.contains(r#"<html lang="en">"#));
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/css"));
}

#[tokio::test]
async fn a_secret_key_is_generated_on_first_start_and_kept() {
    let app = spawn_app().await;
    let path = app.data_dir.path().join("secret_key");
    let key = std::fs::read_to_string(&path).expect("secret key written");
    assert!(key.len() >= 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read the key");
    }
    // A second instance on the same data folder reuses it.
    let mut settings = app.settings.clone();
    settings.secret_key = None;
    obrador::startup::Application::build(settings)
        .await
        .expect("second start");
    assert_eq!(std::fs::read_to_string(&path).expect("still there"), key);
}
