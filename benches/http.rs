//! Load benchmark over real HTTP on loopback: availability reads and booking creation against a
//! release build of the server with a fresh SQLite (default) or PostgreSQL database
//! (`BENCH_DATABASE_URL=postgres://…/dbname`, an empty database). Bounded in time; not part of CI.
//!
//! `cargo bench --bench http` — options through the environment: `BENCH_SECONDS` (per scenario,
//! default 10), `BENCH_CLIENTS` (default "1,8,32").
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, Utc};
use obrador::config::Settings;
use obrador::domain::resources::{RawResource, Resource};
use obrador::domain::{Ambiguity, Email, Name, NewPassword, ResourceId, Role, WorkshopTz};
use obrador::services::{accounts, resources, tokens, By};
use obrador::startup::Application;

struct Report {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Report {
    fn line(&mut self, name: &str, clients: usize) -> String {
        self.latencies.sort_unstable();
        let pick = |q: f64| {
            let i = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
            self.latencies.get(i).copied().unwrap_or_default()
        };
        format!(
            "{name:<22} clients={clients:<3} requests={:<7} errors={:<5} rate={:>8.0} req/s  p50={:>7.2} ms  p99={:>7.2} ms",
            self.requests,
            self.errors,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            pick(0.50).as_secs_f64() * 1000.0,
            pick(0.99).as_secs_f64() * 1000.0,
        )
    }
}

fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let clients: Vec<usize> = std::env::var("BENCH_CLIENTS")
        .unwrap_or_else(|_| "1,8,32".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(Duration::from_secs(seconds), &clients))
}

async fn run(duration: Duration, clients: &[usize]) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::defaults()?;
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = dir.path().to_path_buf();
    settings.log = "error".into();
    settings.jobs.enabled = false;
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    settings.set_database_url(&url);
    let app = Application::build(settings.clone()).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let (machines, token) = tokio::task::spawn_blocking(move || arrange(&settings, 64)).await??;
    println!(
        "obrador HTTP benchmark: {} on {}, {} s per scenario",
        backend_name(&url),
        base,
        duration.as_secs()
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let (from, to) = week();
    for &n in clients {
        let (machines, from, to) = (machines.clone(), from.clone(), to.clone());
        let mut report = drive(
            n,
            duration,
            client.clone(),
            move |i, c| {
                let url = format!(
                    "{}/api/v1/resources/{}/availability?from={}&to={}",
                    base_of(&c),
                    machines[i % machines.len()],
                    from,
                    to
                );
                Box::pin(async move {
                    c.1.get(url)
                        .send()
                        .await
                        .map(|r| r.status().is_success())
                        .unwrap_or(false)
                })
            },
            &base,
        )
        .await;
        println!("{}", report.line("availability (week)", n));
    }
    // Booking creation: every request books a distinct free hour (machine × day × hour), so each
    // should be a 201; a refused one counts as an error.
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for &n in clients {
        let (machines, token, counter) = (machines.clone(), token.clone(), counter.clone());
        let mut report = drive(n, duration, client.clone(), move |_, c| {
            let k = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (machine, start) = slot(&machines, k);
            let body = serde_json::json!({"resource_id": machine, "starts_at": start.to_rfc3339(), "ends_at": (start + Days::hours(1)).to_rfc3339()});
            let url = format!("{}/api/v1/bookings", base_of(&c));
            let token = token.clone();
            Box::pin(async move {
                c.1.post(url).bearer_auth(token).json(&body).send().await.map(|r| r.status().as_u16() == 201).unwrap_or(false)
            })
        }, &base)
        .await;
        println!("{}", report.line("booking creation", n));
    }
    Ok(())
}

type Ctx = (String, reqwest::Client);

fn base_of(c: &Ctx) -> &str {
    &c.0
}

/// Runs `n` clients in a closed loop for `duration`, each sending one request after another.
async fn drive<F>(
    n: usize,
    duration: Duration,
    client: reqwest::Client,
    request: F,
    base: &str,
) -> Report
where
    F: Fn(usize, Ctx) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
        + Send
        + Sync
        + 'static,
{
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (request, ctx) = (request.clone(), (base.to_string(), client.clone()));
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0usize);
                while Instant::now() < deadline {
                    let t = Instant::now();
                    if !request(i, ctx.clone()).await {
                        errors += 1;
                    }
                    latencies.push(t.elapsed());
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut report = Report {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        if let Ok((latencies, errors)) = task.await {
            report.requests += latencies.len();
            report.errors += errors;
            report.latencies.extend(latencies);
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// `count` machines bookable 400 days ahead in 1-hour slots, and a staff token (staff may book
/// any hour, so each request is judged by the overlap check alone).
fn arrange(settings: &Settings, count: usize) -> anyhow::Result<(Vec<i64>, String)> {
    let pool = obrador::startup::open_database(&settings.database_url()?, 2)?;
    let mut conn = pool.get()?;
    let by = By::System("bench");
    let mut machines = Vec::new();
    for i in 0..count {
        let raw = RawResource {
            name: format!("Machine {i}"),
            category_id: None,
            description: String::new(),
            rate_member: "20".into(),
            rate_business: "25".into(),
            rate_public: "30".into(),
            slot_minutes: Some(60),
            min_minutes: Some(60),
            max_minutes: Some(240),
            horizon_days: Some(800),
            notice_minutes: Some(0),
            buffer_minutes: Some(0),
            required_qualification_id: None,
            billing_basis: None,
            billing_increment_minutes: None,
            minimum_charge: None,
            out_of_service: false,
        };
        let machine = Resource::parse_machine(ResourceId::new(0), &raw)?;
        machines.push(
            resources::create_machine(&mut conn, &by, &machine)?
                .id
                .get(),
        );
    }
    let staff = accounts::NewUser {
        email: Email::parse("bench@example.org")?,
        name: Name::parse("Bench", "name")?,
        role: Role::Staff,
        business: None,
        password: Some(NewPassword::parse("bench password")?),
    };
    let (user, _) = accounts::create_user(&mut conn, &by, staff, None)?;
    let token = tokens::create(
        &mut conn,
        &by,
        user.id,
        &Name::parse("bench", "name")?,
        None,
        None,
    )?;
    Ok((machines, token.secret))
}

/// The k-th free hour: spread over machines, then days, then hours of the day.
fn slot(machines: &[i64], k: usize) -> (i64, chrono::DateTime<Utc>) {
    let machine = machines[k % machines.len()];
    let n = k / machines.len();
    let (day, hour) = (1 + n / 24, n % 24);
    let date = WorkshopTz::DEFAULT.local_date(Utc::now()) + Days::days(day as i64);
    let local = date.and_hms_opt(0, 0, 0).unwrap_or_default() + Days::hours(hour as i64);
    let start = WorkshopTz::DEFAULT
        .to_utc(local, Ambiguity::Earlier)
        .unwrap_or_else(|_| Utc::now() + Days::days(day as i64 + 500));
    (machine, start)
}

fn week() -> (String, String) {
    let today = WorkshopTz::DEFAULT.local_date(Utc::now());
    let monday = today - Days::days(i64::from(today.weekday().num_days_from_monday()));
    let from = WorkshopTz::DEFAULT.start_of_day(monday + Days::days(7));
    let enc = |t: chrono::DateTime<Utc>| t.to_rfc3339().replace('+', "%2B").replace(':', "%3A");
    (enc(from), enc(from + Days::days(7)))
}

fn backend_name(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}
