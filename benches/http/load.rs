//! The load generator: clients in a closed loop (each sends its next request when the previous
//! answer has been read), and the figures of a run: rate, latency quantiles, errors.
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

/// What one run measured.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: usize,
    pub errors: usize,
    pub elapsed: Duration,
    /// Sorted once the run is over.
    latencies: Vec<Duration>,
    /// The first unexpected answer, to say what went wrong.
    pub first_error: Option<String>,
}

impl Stats {
    pub fn from_parts(parts: Vec<Stats>, elapsed: Duration) -> Stats {
        let mut all = Stats {
            elapsed,
            ..Stats::default()
        };
        for part in parts {
            all.requests += part.requests;
            all.errors += part.errors;
            all.latencies.extend(part.latencies);
            all.first_error = all.first_error.or(part.first_error);
        }
        all.latencies.sort_unstable();
        all
    }

    /// Counts one request that took `latency`; `error` says what was wrong with it, if anything.
    pub fn record(&mut self, latency: Duration, error: Option<String>) {
        self.requests += 1;
        self.latencies.push(latency);
        if let Some(error) = error {
            self.errors += 1;
            self.first_error.get_or_insert(error);
        }
    }

    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The latency below which a share `q` of requests finished (nearest rank).
    pub fn quantile(&self, q: f64) -> Duration {
        let rank = (self.latencies.len() as f64 * q).ceil() as usize;
        self.latencies
            .get(rank.saturating_sub(1))
            .copied()
            .unwrap_or_default()
    }
}

/// Builds client `i`'s next request.
pub type Request = Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>;

/// Runs `clients` clients for `duration`; an answer other than `expect` counts as an error.
pub async fn closed_loop(
    clients: usize,
    duration: Duration,
    expect: StatusCode,
    request: Request,
) -> Stats {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut stats = Stats::default();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let error = match request(i).send().await {
                        Ok(answer) => {
                            let status = answer.status();
                            match answer.bytes().await {
                                Ok(_) if status == expect => None,
                                Ok(body) => Some(format!(
                                    "{status}: {}",
                                    String::from_utf8_lossy(&body[..body.len().min(300)])
                                )),
                                Err(e) => Some(format!("{status}, then reading the body: {e}")),
                            }
                        }
                        Err(e) => Some(e.to_string()),
                    };
                    stats.record(sent.elapsed(), error);
                }
                stats
            })
        })
        .collect();
    let mut parts = Vec::with_capacity(clients);
    for task in tasks {
        if let Ok(part) = task.await {
            parts.push(part);
        }
    }
    Stats::from_parts(parts, started.elapsed())
}
