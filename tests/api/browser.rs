//! A real browser: headless Chromium driven through chromedriver (WebDriver). A member signs in on
//! the login page, opens a machine's week, clicks a free slot, sends the booking form and finds
//! the booking in "My bookings". Without chromedriver the test is skipped, unless `CI` is set.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Datelike;
use obrador::domain::{Role, WorkshopTz};
use obrador::services::bookings::{self, ListQuery};
use obrador::services::By as Party;
use tempfile::TempDir;
use thirtyfour::prelude::*;
use thirtyfour::ChromeCapabilities;

use crate::helpers::{spawn_app, weekday_at, PASSWORD};

/// How long chromedriver may take to say its port and to answer `/status`.
const STARTUP: Duration = Duration::from_secs(30);

/// The first executable called `name` on the `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// chromedriver as a child process in its own process group, ended with the browsers it started
/// when dropped.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    /// Starts chromedriver on a port it picks, then waits until `/status` says it is ready.
    async fn start(binary: &Path) -> Chromedriver {
        use std::os::unix::process::CommandExt;
        let mut child = Command::new(binary)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let stdout = child.stdout.take().expect("chromedriver's output");
        let (port_tx, port_rx) = mpsc::channel();
        // It prints "ChromeDriver was started successfully on port N."; the thread drains the
        // rest of its output so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line
                    .split("started successfully on port ")
                    .nth(1)
                    .and_then(|rest| rest.trim_end_matches('.').trim().parse::<u16>().ok())
                {
                    let _ = port_tx.send(port);
                }
            }
        });
        let mut driver = Chromedriver {
            child,
            url: String::new(),
        };
        let port = port_rx
            .recv_timeout(STARTUP)
            .expect("chromedriver names its port");
        driver.url = format!("http://127.0.0.1:{port}");
        driver.wait_until_ready().await;
        driver
    }

    async fn wait_until_ready(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + STARTUP;
        loop {
            let ready = match client.get(format!("{}/status", self.url)).send().await {
                Ok(response) => response
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|status| status["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready after {STARTUP:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group, so a browser left behind by a failed test goes too.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver and Chromium, or `None` (with the reason printed) when the test should skip.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let driver = on_path("chromedriver");
    let chromium = on_path("chromium").or_else(|| on_path("chromium-browser"));
    match (driver, chromium) {
        (Some(driver), Some(chromium)) => Some((driver, chromium)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("chromedriver or chromium is missing; CI installs chromium and chromium-driver")
        }
        _ => {
            eprintln!(
                "skipping the real-browser test: install chromium and chromium-driver to run it"
            );
            None
        }
    }
}

fn capabilities(chromium: &Path, profile: &Path) -> WebDriverResult<ChromeCapabilities> {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&chromium.to_string_lossy())?;
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,900",
    ] {
        caps.add_arg(arg)?;
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
    Ok(caps)
}

/// Waits (bounded) until the browser shows `path`, or fails naming the page it shows instead
/// (the process group of chromedriver takes the browser down with it).
async fn arrived_at(driver: &WebDriver, path: &str) -> WebDriverResult<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = driver.current_url().await?;
        if url.as_str().ends_with(path) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let page = driver.source().await?;
            panic!("expected {path}, the browser shows {url}:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the member does, as clicks and keys; answers the "My bookings" page it ends on.
async fn book_a_free_hour(
    driver: &WebDriver,
    base: &str,
    email: &str,
    week: &str,
    slot: &str,
) -> WebDriverResult<(String, String)> {
    driver.goto(format!("{base}/login")).await?;
    driver
        .find(By::Id("f-email"))
        .await?
        .send_keys(email)
        .await?;
    driver
        .find(By::Id("f-password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    driver
        .find(By::Css("form[action='/login'] button[type='submit']"))
        .await?
        .click()
        .await?;
    arrived_at(driver, "/").await?;
    driver.goto(format!("{base}{week}")).await?;
    driver
        .find(By::Css(format!("td.free a[href='{slot}']")))
        .await?
        .click()
        .await?;
    arrived_at(driver, slot).await?;
    let proposed_end = driver
        .find(By::Id("f-end"))
        .await?
        .value()
        .await?
        .unwrap_or_default();
    driver
        .find(By::Css(
            "form[action='/bookings/new'] button[type='submit']",
        ))
        .await?
        .click()
        .await?;
    arrived_at(driver, "/bookings?done=booked").await?;
    Ok((proposed_end, driver.source().await?))
}

#[tokio::test]
async fn a_member_books_a_free_hour_in_a_real_browser() {
    let Some((chromedriver, chromium)) = browser_binaries() else {
        return;
    };
    let started = Instant::now();
    let app = spawn_app().await;
    let laser = app.machine("Laser cutter", |_| {}).id.get();
    let member = app.user(Role::Member, None);
    let start = weekday_at(3, 10);
    let date = WorkshopTz::DEFAULT.local_date(start);
    let monday = date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let week = format!("/machines/{laser}?week={monday}");
    let slot = format!("/bookings/new?resource_id={laser}&date={date}&start=10:00");

    let server = Chromedriver::start(&chromedriver).await;
    let profile = TempDir::new().expect("browser profile folder");
    let caps = capabilities(&chromium, profile.path()).expect("capabilities");
    let driver = WebDriver::new(server.url.as_str(), caps)
        .await
        .expect("a browser session");
    let outcome = book_a_free_hour(&driver, &app.address, &member.email, &week, &slot).await;
    driver.quit().await.expect("the browser closes");
    let (proposed_end, page) = outcome.expect("the member's clicks and keys");

    assert_eq!(proposed_end, "11:00", "the form proposes an hour");
    assert!(page.contains("Your booking is confirmed."), "{page}");
    assert!(page.contains("Laser cutter"));
    let when = bookings::when(
        WorkshopTz::DEFAULT,
        start,
        start + chrono::Duration::hours(1),
    );
    assert!(page.contains(&when), "{when:?} in My bookings");
    let booked = bookings::list(
        &mut app.db.conn(),
        &Party::System("test"),
        &ListQuery::default(),
    )
    .expect("bookings");
    assert_eq!(booked.len(), 1);
    assert_eq!((booked[0].user_id, booked[0].starts_at), (member.id, start));
    eprintln!("real-browser booking took {:?}", started.elapsed());
}
