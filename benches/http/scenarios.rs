//! The load scenarios, each at every client count: availability of a machine for a busy week,
//! booking creation (members booking distinct free hours) and training sign-ups of distinct
//! members. The server's memory is sampled while each runs, and the rows the writes made are
//! counted afterwards.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::Duration;
use obrador::domain::WorkshopTz;
use reqwest::StatusCode;
use tokio::runtime::Runtime;

use crate::load::{closed_loop, Request};
use crate::memory::Sampler;
use crate::report::Report;
use crate::server::Server;
use crate::workshop::{self, slot, Workshop, READ_DAYS};
use crate::Options;

struct Scenario {
    name: &'static str,
    /// Every answer should have this status; any other counts as an error.
    expect: StatusCode,
    request: Request,
    /// The table each successful request adds one row to, checked after the runs.
    adds_row_to: Option<&'static str>,
}

pub fn run(
    runtime: &Runtime,
    client: &reqwest::Client,
    server: &Server,
    workshop: &Workshop,
    options: &Options,
    report: &mut Report,
) -> anyhow::Result<()> {
    let signed = Arc::new(AtomicUsize::new(0));
    let scenarios = [
        Scenario {
            name: "availability (week)",
            expect: StatusCode::OK,
            request: availability(client, server, workshop),
            adds_row_to: None,
        },
        Scenario {
            name: "booking creation",
            expect: StatusCode::CREATED,
            request: booking(client, server, workshop),
            adds_row_to: Some("bookings"),
        },
        Scenario {
            name: "training sign-up",
            expect: StatusCode::CREATED,
            request: sign_up(client, server, workshop, signed.clone()),
            adds_row_to: Some("enrollments"),
        },
    ];
    for scenario in &scenarios {
        let count = |table| workshop::count_rows(&workshop.url, table);
        let before = scenario.adds_row_to.map(count).transpose()?;
        let mut succeeded = 0;
        for &clients in &options.clients {
            let sampler = Sampler::start(server.pid());
            let request = scenario.request.clone();
            let stats = runtime.block_on(closed_loop(
                clients,
                options.seconds,
                scenario.expect,
                request,
            ));
            succeeded += stats.requests - stats.errors;
            report.scenario(scenario.name, clients, stats, sampler.stop());
        }
        if let (Some(table), Some(before)) = (scenario.adds_row_to, before) {
            let rows = count(table)? - before;
            if rows != succeeded {
                report.note(&format!(
                    "{}: {succeeded} successful answers but {rows} rows in {table}",
                    scenario.name
                ));
            }
        }
    }
    if signed.load(Ordering::Relaxed) > workshop.seats() {
        report.note("training sign-up ran out of arranged seats: raise SIGN_UPS_PER_SECOND");
    }
    Ok(())
}

/// `POST /api/v1/bookings` of the next free hour, as member `i` (so every rule is checked).
fn booking(client: &reqwest::Client, server: &Server, workshop: &Workshop) -> Request {
    let (client, url) = (client.clone(), server.url("/api/v1/bookings"));
    let counter = AtomicUsize::new(0);
    let (machines, tokens) = (workshop.machines.clone(), workshop.tokens.clone());
    Arc::new(move |i| {
        let k = counter.fetch_add(1, Ordering::Relaxed);
        // An hour that cannot be made is sent as an empty body and counted as an error.
        let body = slot(&machines, k).map_or(serde_json::json!({}), |(machine, start)| {
            serde_json::json!({
                "resource_id": machine,
                "starts_at": start.to_rfc3339(),
                "ends_at": (start + Duration::hours(1)).to_rfc3339(),
            })
        });
        client
            .post(&url)
            .bearer_auth(&tokens[i % tokens.len()])
            .json(&body)
    })
}

/// `GET /api/v1/resources/{id}/availability` for the read week (the seven days from tomorrow,
/// half booked), machines in turn.
fn availability(client: &reqwest::Client, server: &Server, workshop: &Workshop) -> Request {
    let tz = WorkshopTz::DEFAULT;
    let from = tz.start_of_day(tz.local_date(chrono::Utc::now()) + Duration::days(1));
    let window = [
        ("from", from.to_rfc3339()),
        ("to", (from + Duration::days(READ_DAYS)).to_rfc3339()),
    ];
    let urls: Vec<String> = workshop
        .machines
        .iter()
        .map(|id| server.url(&format!("/api/v1/resources/{id}/availability")))
        .collect();
    let (client, counter) = (client.clone(), AtomicUsize::new(0));
    Arc::new(move |_| {
        let k = counter.fetch_add(1, Ordering::Relaxed);
        client.get(&urls[k % urls.len()]).query(&window)
    })
}

/// `POST /api/v1/training-sessions/{id}/enrollments` with an empty body: a member signs up.
fn sign_up(
    client: &reqwest::Client,
    server: &Server,
    workshop: &Workshop,
    counter: Arc<AtomicUsize>,
) -> Request {
    let urls: Vec<String> = workshop
        .sessions
        .iter()
        .map(|id| server.url(&format!("/api/v1/training-sessions/{id}/enrollments")))
        .collect();
    let (client, workshop) = (client.clone(), workshop.clone());
    Arc::new(move |_| {
        let (session, member) = workshop.sign_up(counter.fetch_add(1, Ordering::Relaxed));
        client
            .post(&urls[session])
            .bearer_auth(&workshop.tokens[member])
    })
}
