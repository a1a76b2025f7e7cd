//! The harness: `spawn_app` starts the real server with a fresh database and returns a client.
mod access;
pub mod billing;
mod database;
pub mod invariants;
pub mod load;
pub mod pages;
mod people;
mod process;
pub mod smtp;
mod training;
mod workshop;

pub use access::{AccessFixture, Caller};
pub use database::{postgres_admin_url, TestDatabase};
pub use people::{csrf_in, Browser, TestUser, PASSWORD};
pub use process::ProcessApp;
pub use training::TrainingFixture;
pub use workshop::{hours_ahead, local, rfc, weekday_at};

use obrador::config::Settings;
use obrador::startup::Application;
use reqwest::Response;
use tempfile::TempDir;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub settings: Settings,
    pub data_dir: TempDir,
    counter: std::sync::atomic::AtomicU32,
}

/// Starts a server on 127.0.0.1:0 with a fresh database and data folder.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, after `customize` has adjusted the settings.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        obrador::telemetry::init("debug");
    }
    let data_dir = tempfile::tempdir().expect("temporary data folder");
    let db = TestDatabase::fresh(data_dir.path());
    let mut settings = Settings::defaults().expect("built-in settings");
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = data_dir.path().to_path_buf();
    settings.set_database_url(db.url());
    customize(&mut settings);
    let app = Application::build(settings.clone())
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp {
        address,
        client,
        db,
        settings,
        data_dir,
        counter: std::sync::atomic::AtomicU32::new(1),
    }
}

impl TestApp {
    /// A number unique within this test, for emails and names.
    pub fn next_id(&self) -> u32 {
        self.counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }
}

/// The body of a problem+json response, checked to be one.
pub async fn problem(response: Response) -> serde_json::Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "a problem needs a detail a person can act on: {body}"
    );
    body
}
