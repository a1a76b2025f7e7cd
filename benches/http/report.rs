//! The figures of one run: a line on stderr as each is measured, and at the end markdown table
//! rows ready to paste, with the machine and its load.
use std::time::Duration;

use crate::load::Stats;
use crate::machine;
use crate::memory::{mib, Memory};
use crate::Options;

/// One load scenario at one client count.
struct Row {
    scenario: &'static str,
    clients: usize,
    rate: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
    rss_max_kib: u64,
}

/// The raw bound with one number of writer threads.
struct RawRow {
    threads: usize,
    rate: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

pub struct Report {
    backend: &'static str,
    machine: String,
    load_at_start: String,
    cold_starts: Vec<Duration>,
    idle: Memory,
    after_load: Memory,
    rows: Vec<Row>,
    raw: Vec<RawRow>,
    notes: Vec<String>,
}

impl Report {
    pub fn new(backend: &'static str, machine: String) -> Report {
        Report {
            backend,
            machine,
            load_at_start: machine::load(),
            cold_starts: Vec::new(),
            idle: Memory::default(),
            after_load: Memory::default(),
            rows: Vec::new(),
            raw: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn header(&self, options: &Options) -> String {
        format!(
            "Obrador HTTP benchmark on {}: {} s per scenario, clients {:?}, raw bound threads \
             {:?}\nMachine: {}; load average {}",
            self.backend,
            options.seconds.as_secs(),
            options.clients,
            options.raw_threads,
            self.machine,
            self.load_at_start
        )
    }

    pub fn cold_start(&mut self, took: Duration) {
        eprintln!("cold start: {}", ms(took));
        self.cold_starts.push(took);
    }

    pub fn idle(&mut self, memory: Memory) {
        eprintln!("idle: VmRSS {:.1} MiB", mib(memory.rss_kib));
        self.idle = memory;
    }

    pub fn after_load(&mut self, memory: Memory) {
        self.after_load = memory;
    }

    pub fn scenario(&mut self, scenario: &'static str, clients: usize, stats: Stats, rss: u64) {
        let row = Row {
            scenario,
            clients,
            rate: stats.rate(),
            p50: stats.quantile(0.50),
            p99: stats.quantile(0.99),
            errors: stats.errors,
            rss_max_kib: rss,
        };
        eprintln!(
            "{scenario} × {clients}: {:.0} req/s, p50 {}, p99 {}, {} errors, RSS max {:.1} MiB",
            row.rate,
            ms(row.p50),
            ms(row.p99),
            row.errors,
            mib(rss)
        );
        if let Some(error) = stats.first_error {
            self.note(&format!("{scenario} × {clients}: first error: {error}"));
        }
        self.rows.push(row);
    }

    pub fn raw(&mut self, threads: usize, stats: Stats) {
        let row = RawRow {
            threads,
            rate: stats.rate(),
            p50: stats.quantile(0.50),
            p99: stats.quantile(0.99),
            errors: stats.errors,
        };
        eprintln!(
            "raw bound × {threads}: {:.0} tx/s, p50 {}, p99 {}, {} errors",
            row.rate,
            ms(row.p50),
            ms(row.p99),
            row.errors
        );
        if let Some(error) = stats.first_error {
            self.note(&format!("raw bound × {threads}: first error: {error}"));
        }
        self.raw.push(row);
    }

    pub fn note(&mut self, note: &str) {
        eprintln!("note: {note}");
        self.notes.push(note.to_string());
    }

    /// Everything, as markdown.
    pub fn finish(&self) -> String {
        let b = self.backend;
        let mut out = vec![
            String::new(),
            format!("Machine: {}", self.machine),
            format!(
                "Load average (1, 5, 15 min): {} at start, {} at end",
                self.load_at_start,
                machine::load()
            ),
            String::new(),
            "| backend | scenario | clients | req/s | p50 | p99 | errors | server RSS max |".into(),
            "|---|---|---|---|---|---|---|---|".into(),
        ];
        for r in &self.rows {
            out.push(format!(
                "| {b} | {} | {} | {} | {} | {} | {} | {:.1} MiB |",
                r.scenario,
                r.clients,
                thousands(r.rate),
                ms(r.p50),
                ms(r.p99),
                r.errors,
                mib(r.rss_max_kib)
            ));
        }
        out.extend([
            String::new(),
            "| backend | raw bound (library, no HTTP) | threads | tx/s | p50 | p99 | errors |"
                .into(),
            "|---|---|---|---|---|---|---|".into(),
        ]);
        for r in &self.raw {
            out.push(format!(
                "| {b} | booking writes | {} | {} | {} | {} | {} |",
                r.threads,
                thousands(r.rate),
                ms(r.p50),
                ms(r.p99),
                r.errors
            ));
        }
        out.extend(self.share_of_raw_bound());
        out.extend(self.start_and_memory());
        if !self.notes.is_empty() {
            out.push(String::new());
            out.extend(self.notes.iter().map(|n| format!("- {n}")));
        }
        out.join("\n")
    }

    /// Booking creation over HTTP as a share of the raw bound with as many writers as clients,
    /// or the most measured below that.
    fn share_of_raw_bound(&self) -> Vec<String> {
        let mut out = vec![
            String::new(),
            "| backend | booking creation, clients | req/s | raw bound, threads | tx/s | share |"
                .into(),
            "|---|---|---|---|---|---|".into(),
        ];
        let bookings = self
            .rows
            .iter()
            .filter(|r| r.scenario == "booking creation");
        for r in bookings {
            let bound = self
                .raw
                .iter()
                .filter(|raw| raw.threads <= r.clients)
                .max_by_key(|raw| raw.threads);
            if let Some(raw) = bound {
                out.push(format!(
                    "| {} | {} | {} | {} | {} | {:.0} % |",
                    self.backend,
                    r.clients,
                    thousands(r.rate),
                    raw.threads,
                    thousands(raw.rate),
                    100.0 * r.rate / raw.rate.max(f64::EPSILON)
                ));
            }
        }
        out
    }

    fn start_and_memory(&self) -> Vec<String> {
        let mut starts = self.cold_starts.clone();
        starts.sort_unstable();
        let median = starts.get(starts.len() / 2).copied().unwrap_or_default();
        let highest = self.rows.iter().map(|r| r.rss_max_kib).max().unwrap_or(0);
        vec![
            String::new(),
            "| backend | cold start, median (min–max) | RSS idle | RSS max under load | VmHWM |"
                .into(),
            "|---|---|---|---|---|".into(),
            format!(
                "| {} | {} ({}–{}) of {} | {:.1} MiB | {:.1} MiB | {:.1} MiB |",
                self.backend,
                ms(median),
                ms(starts.first().copied().unwrap_or_default()),
                ms(starts.last().copied().unwrap_or_default()),
                starts.len(),
                mib(self.idle.rss_kib),
                mib(highest),
                mib(self.after_load.hwm_kib)
            ),
        ]
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A rate rounded to a whole number with thousands separated: "5,942".
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
