//! The service under load, measured from outside: the release binary runs as a child process on
//! loopback with a fresh data folder, and this benchmark times its cold start, reads its memory
//! from `/proc`, drives availability reads, booking creation and training sign-ups at several
//! concurrencies, and compares booking creation with the raw bound: the same writes done directly
//! on a database through the library, without HTTP. Bounded in time (about a minute and a half
//! per backend with the defaults); not part of CI.
//!
//! `cargo bench --bench http` (`cargo bench` runs it with the invoicing benchmark). It prints the
//! machine, then markdown table rows ready to paste. Environment:
//!
//! - `BENCH_SECONDS`: length of each load scenario and of each raw-bound run (default 5).
//! - `BENCH_CLIENTS`: concurrent clients of each scenario, closed loop (default "1,8,32").
//! - `BENCH_RAW_THREADS`: threads of the raw bound (default "1,8").
//! - `BENCH_COLD_STARTS`: fresh starts timed; the median is reported (default 5).
//! - `BENCH_DATABASE_URL`: PostgreSQL instead of SQLite, e.g.
//!   `postgres://postgres@127.0.0.1:5432/obrador_bench`. The database's name must contain "bench":
//!   the benchmark owns it and `NAME_raw`, drops and creates them through the server's `postgres`
//!   database (so the user needs CREATEDB), and leaves `NAME` empty and `NAME_raw` gone at the end.
//!
//! The server runs with background jobs off and log level warn. Its port comes from its
//! "Obrador is listening on …" line (it binds 127.0.0.1:0).
mod database;
mod load;
mod machine;
mod memory;
mod raw;
mod report;
mod scenarios;
mod server;
mod workshop;

use std::time::Duration;

use anyhow::Context as _;

use database::Backend;
use report::Report;
use server::Server;

/// The options of one run, from the environment.
pub struct Options {
    pub seconds: Duration,
    pub clients: Vec<usize>,
    pub raw_threads: Vec<usize>,
    pub cold_starts: usize,
}

impl Options {
    fn from_env() -> anyhow::Result<Options> {
        let seconds: u64 = number("BENCH_SECONDS", 5)?;
        Ok(Options {
            seconds: Duration::from_secs(seconds.max(1)),
            clients: list("BENCH_CLIENTS", "1,8,32")?,
            raw_threads: list("BENCH_RAW_THREADS", "1,8")?,
            cold_starts: number("BENCH_COLD_STARTS", 5)?.max(1),
        })
    }
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}: '{text}' is not a number")),
        Err(_) => Ok(default),
    }
}

fn list(name: &str, default: &str) -> anyhow::Result<Vec<usize>> {
    let text = std::env::var(name).unwrap_or_else(|_| default.into());
    let values = text
        .split(',')
        .map(|v| v.trim().parse::<usize>().ok().filter(|n| *n > 0))
        .collect::<Option<Vec<_>>>();
    match values {
        Some(values) if !values.is_empty() => Ok(values),
        _ => anyhow::bail!("{name}: '{text}' is not a list of positive numbers"),
    }
}

fn main() -> anyhow::Result<()> {
    let options = Options::from_env()?;
    let backend = Backend::from_env()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut report = Report::new(backend.name(), machine::describe());
    println!("{}", report.header(&options));

    let folder = tempfile::tempdir()?;
    for start in 0..options.cold_starts {
        let data = tempfile::tempdir_in(folder.path())?;
        let url = backend.fresh(data.path(), "")?;
        let server = Server::spawn(data.path(), &url)?;
        let ready = runtime
            .block_on(server.ready(&client))
            .with_context(|| format!("cold start {}", start + 1))?;
        report.cold_start(ready);
    }

    let data = tempfile::tempdir_in(folder.path())?;
    let url = backend.fresh(data.path(), "")?;
    let server = Server::spawn(data.path(), &url)?;
    runtime.block_on(server.ready(&client))?;
    std::thread::sleep(Duration::from_millis(500));
    report.idle(memory::read(server.pid()).context("reading the server's memory")?);

    let workshop = workshop::arrange(&url, &options)?;
    scenarios::run(&runtime, &client, &server, &workshop, &options, &mut report)?;
    report.after_load(memory::read(server.pid()).context("reading the server's memory")?);
    drop(server);

    let raw_data = tempfile::tempdir_in(folder.path())?;
    let raw_url = backend.fresh(raw_data.path(), "raw")?;
    let most = options.raw_threads.iter().copied().max().unwrap_or(1);
    let bound = raw::RawBound::arrange(&raw_url, most)?;
    for &threads in &options.raw_threads {
        report.raw(threads, bound.run(threads, options.seconds));
    }
    drop(bound);
    backend.finish()?;
    println!("{}", report.finish());
    Ok(())
}
