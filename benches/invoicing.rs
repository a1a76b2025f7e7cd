//! The month's invoicing run at scale: seeds customers and open charges (machine usage and
//! training seats) straight into a fresh database, then times `services::invoicing::run_month`
//! drafting the month (one invoice per customer, one line per charge) and a second run of the
//! same month (nothing new to do). SQLite in a temporary folder by default; PostgreSQL with
//! `BENCH_DATABASE_URL=postgres://…/dbname`, a database the benchmark owns: it must be empty or
//! hold only an earlier run of this benchmark, and it is wiped before each size. Seeding is not
//! timed. Not part of CI.
//!
//! After the two timed runs, one late charge is added for a hundred customers and the month run
//! again (timed too: existing drafts grow); drafts' stored totals are then checked against their
//! lines. Last, the PDF of an issued invoice of 20 lines and of 300 lines is rendered and timed.
//!
//! `cargo bench --bench invoicing` (`cargo bench` runs it after the HTTP benchmark; both take
//! the same `BENCH_DATABASE_URL`, which the HTTP benchmark leaves empty). Options through the
//! environment:
//!
//! - `BENCH_SIZES`: a list of customers:charges, default "1000:50000,10000:500000,20000:1000000"
//!   (1k, 10k and 20k customers, each size compared with the one before it to show linearity).
//! - `BENCH_REPEAT`: fresh databases per size, default 1; the median run is reported.
//! - `BENCH_PDF_RUNS`: renders averaged per PDF figure, default 20.
//! - `BENCH_DATABASE_URL`: PostgreSQL instead of SQLite (above).
//!
//! With the defaults it takes about a minute on SQLite and two to five on PostgreSQL (quiet or
//! busy) on the project's 2-core machine, seeding included; the 20k size is most of it.
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use obrador::config::Settings;
use obrador::db::{DatabaseUrl, DbConn, Pool};
use obrador::domain::invoice::Totals;
use obrador::domain::LocalMonth;
use obrador::services::invoicing::{self, ChainInfo, Context, Invoice, ListQuery, Party};
use obrador::services::By;

/// The month drafted: every seeded charge is served in it.
const MONTH: &str = "2026-10";

/// Customers given one late charge each before the third run.
const LATE: usize = 100;

/// One size's figures.
struct Measured {
    customers: usize,
    charges: usize,
    lines: usize,
    first: Duration,
    second: Duration,
    late: Duration,
    seeded: Duration,
}

fn main() -> anyhow::Result<()> {
    let sizes = sizes()?;
    let repeat: usize = std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let url = std::env::var("BENCH_DATABASE_URL").ok();
    let settings = Settings::defaults()?;
    let ctx = Context::from_settings(&settings)?;
    let month = LocalMonth::parse(MONTH)?;
    println!(
        "obrador month invoicing benchmark: {}, month {MONTH}, median of {repeat} per size",
        if url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let mut previous: Option<Measured> = None;
    let mut sample: Option<Invoice> = None;
    for (customers, charges) in sizes {
        let mut all = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            let (measured, drafts) = one_size(url.as_deref(), &ctx, month, customers, charges)?;
            if sample.is_none() {
                sample = drafts.into_iter().next();
            }
            all.push(measured);
        }
        all.sort_by_key(|m| m.first);
        let median = all.swap_remove(all.len() / 2);
        println!("{}", line(&median, previous.as_ref()));
        previous = Some(median);
    }
    if let Some(sample) = sample {
        pdf_figures(&sample)?;
    }
    Ok(())
}

/// One size on a fresh database: seeded, measured and checked; returns the figures and the
/// drafts whose totals were checked.
fn one_size(
    url: Option<&str>,
    ctx: &Context,
    month: LocalMonth,
    customers: usize,
    charges: usize,
) -> anyhow::Result<(Measured, Vec<Invoice>)> {
    let dir = tempfile::tempdir()?;
    let url = match url {
        Some(url) => {
            wipe_postgres(url)?;
            url.to_string()
        }
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let pool = open(&url)?;
    let mut conn = pool.get()?;
    let seeding = Instant::now();
    let first_customer = seed(&mut conn, customers, charges)?;
    let seeded = seeding.elapsed();
    let mut measured = measure(&mut conn, ctx, month, customers, charges, first_customer)?;
    measured.seeded = seeded;
    let drafts = check_totals(&mut conn, ctx, month)?;
    Ok((measured, drafts))
}

/// `BENCH_SIZES` as (customers, charges) pairs.
fn sizes() -> anyhow::Result<Vec<(usize, usize)>> {
    let raw = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1000:50000,10000:500000,20000:1000000".into());
    raw.split(',')
        .map(|pair| {
            let (customers, charges) = pair
                .trim()
                .split_once(':')
                .with_context(|| format!("BENCH_SIZES: '{pair}' is not customers:charges"))?;
            let size = (customers.parse()?, charges.parse()?);
            if size.0 == 0 || size.1 < size.0 {
                bail!("BENCH_SIZES: '{pair}' needs at least one charge per customer");
            }
            Ok(size)
        })
        .collect()
}

fn open(url: &str) -> anyhow::Result<Pool> {
    let url = DatabaseUrl::parse(url)?;
    obrador::startup::open_database(&url, 2)
}

/// Times the month's run, checks it drafted every charge, times a second run (nothing new), and
/// a third after [`LATE`] customers got one late charge each.
fn measure(
    conn: &mut DbConn,
    ctx: &Context,
    month: LocalMonth,
    customers: usize,
    charges: usize,
    first_customer: i64,
) -> anyhow::Result<Measured> {
    let by = By::System("bench");
    let started = Instant::now();
    let summary = invoicing::run_month(conn, ctx, &by, month, &mut |_, _| {})?;
    let first = started.elapsed();
    if summary.drafts_created != customers || summary.lines_added != charges {
        bail!(
            "the run drafted {} invoices with {} lines; expected {customers} and {charges}",
            summary.drafts_created,
            summary.lines_added
        );
    }
    let started = Instant::now();
    let again = invoicing::run_month(conn, ctx, &by, month, &mut |_, _| {})?;
    let second = started.elapsed();
    if again.drafts_created != 0 || again.lines_added != 0 {
        bail!("the second run changed drafts: {again:?}");
    }
    let late = LATE.min(customers);
    add_late_charges(conn, first_customer, late, charges)?;
    let started = Instant::now();
    let third = invoicing::run_month(conn, ctx, &by, month, &mut |_, _| {})?;
    let late_run = started.elapsed();
    if third.drafts_created != 0 || third.lines_added != late {
        bail!("the run after {late} late charges did: {third:?}");
    }
    Ok(Measured {
        customers,
        charges,
        lines: summary.lines_added,
        first,
        second,
        late: late_run,
        seeded: Duration::ZERO,
    })
}

/// Every draft's stored totals (what lists show) equal the totals of its lines, VAT once per rate
/// (what the invoice shows), for the first few hundred drafts (among them those that grew in the
/// third run) and the last few; returns the drafts checked.
fn check_totals(
    conn: &mut DbConn,
    ctx: &Context,
    month: LocalMonth,
) -> anyhow::Result<Vec<Invoice>> {
    let by = By::System("bench");
    let query = ListQuery {
        month: Some(month),
        status: Some("draft".into()),
        customer_id: None,
    };
    let listed = invoicing::list(conn, ctx, &by, &query)?;
    let skip = listed.len().saturating_sub(LATE).max(2 * LATE);
    let mut checked = Vec::new();
    for header in listed.iter().take(2 * LATE).chain(listed.iter().skip(skip)) {
        let full = invoicing::get(conn, &by, header.id)?;
        let (stored, computed) = (&header.totals, &full.totals);
        if (stored.net(), stored.vat(), stored.total())
            != (computed.net(), computed.vat(), computed.total())
        {
            bail!(
                "draft {} stores {stored:?} but its lines total {computed:?}",
                header.id
            );
        }
        checked.push(full);
    }
    Ok(checked)
}

fn line(m: &Measured, previous: Option<&Measured>) -> String {
    let seconds = m.first.as_secs_f64();
    let ratio = previous.map_or_else(String::new, |p| {
        format!(
            "  ×{:.2} data → ×{:.2} time",
            m.charges as f64 / p.charges as f64,
            seconds / p.first.as_secs_f64()
        )
    });
    format!(
        "customers={:<6} charges={:<8} lines={:<8} first run={:>6.2} s {:>7.0} lines/s  \
         second run={:>5.1} ms  +{LATE} late={:>5.1} ms  (seeded in {:.1} s){ratio}",
        m.customers,
        m.charges,
        m.lines,
        seconds,
        m.lines as f64 / seconds,
        m.second.as_secs_f64() * 1000.0,
        m.late.as_secs_f64() * 1000.0,
        m.seeded.as_secs_f64(),
    )
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = BigInt)]
    first: i64,
    #[diesel(sql_type = BigInt)]
    last: i64,
}

/// Empties the PostgreSQL database for the next size, after checking it holds nothing but this
/// benchmark's earlier data (so a mistyped URL cannot wipe real data).
fn wipe_postgres(url: &str) -> anyhow::Result<()> {
    let mut conn = DbConn::establish(url).context("connecting to BENCH_DATABASE_URL")?;
    let count = |conn: &mut DbConn, sql: &str| -> anyhow::Result<i64> {
        let rows: Vec<Count> = diesel::sql_query(sql).load(conn)?;
        Ok(rows.first().map_or(0, |c| c.n))
    };
    let tables = count(
        &mut conn,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
    )?;
    if tables > 0 {
        let ours = count(
            &mut conn,
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name = 'charges'",
        )?;
        let others = if ours > 0 {
            count(
                &mut conn,
                "SELECT (SELECT count(*) FROM charges WHERE source_type <> 'bench') \
                 + (SELECT count(*) FROM customers WHERE legal_name NOT LIKE 'Bench customer %') \
                 AS n",
            )?
        } else {
            1
        };
        if others > 0 {
            bail!("BENCH_DATABASE_URL must name an empty database (or one this benchmark filled)");
        }
    }
    conn.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")?;
    Ok(())
}

/// `customers` individual customers and `charges` open charges spread evenly over them and over
/// the month's days: nine in ten are machine usage (minutes, standard VAT), one in ten a training
/// seat (count, training VAT). One transaction of set-based INSERTs per table.
fn seed(conn: &mut DbConn, customers: usize, charges: usize) -> anyhow::Result<i64> {
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    let (begin, series, at, day) = if sqlite {
        (
            "BEGIN IMMEDIATE",
            "(WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {count}) SELECT n FROM seq)",
            "'2026-11-01 09:00:00'",
            "date('2026-10-01', '+' || ((n / {customers}) % 31) || ' days')",
        )
    } else {
        (
            "BEGIN",
            "(SELECT generate_series(0, {count} - 1) AS n)",
            "TIMESTAMP '2026-11-01 09:00:00'",
            "DATE '2026-10-01' + ((n / {customers}) % 31)::int",
        )
    };
    let series_of = |count: usize| series.replace("{count}", &count.to_string());
    let day = day.replace("{customers}", &customers.to_string());
    conn.batch_execute(begin)?;
    conn.batch_execute(&format!(
        "INSERT INTO customers (kind, legal_name, address, price_category, created_at, updated_at) \
         SELECT 'individual', 'Bench customer ' || n, 'Carrer del Taller ' || n || ', Barcelona', \
         'member', {at}, {at} FROM {} AS s",
        series_of(customers)
    ))?;
    let span: Vec<Span> = diesel::sql_query(
        "SELECT min(id) AS first, max(id) AS last FROM customers \
         WHERE legal_name LIKE 'Bench customer %'",
    )
    .load(conn)?;
    let Some(span) = span.first() else {
        bail!("no customers seeded");
    };
    if (span.last - span.first + 1) as usize != customers {
        bail!("seeded customer ids are not consecutive");
    }
    conn.batch_execute(&format!(
        "INSERT INTO charges (customer_id, kind, source_type, source_id, revision, service_date, \
         description, quantity, unit_price_cents, price_category, vat_category, created_at) \
         SELECT {first} + (n % {customers}), \
         CASE WHEN n % 10 = 0 THEN 'seat' ELSE 'usage' END, 'bench', n, 0, {day}, \
         CASE WHEN n % 10 = 0 THEN 'Training: laser cutter basics' \
              ELSE 'Laser cutter, session ' || n END, \
         CASE WHEN n % 10 = 0 THEN 1 ELSE 30 + 15 * (n % 7) END, \
         CASE WHEN n % 10 = 0 THEN 4500 ELSE 1500 + 100 * (n % 13) END, 'member', \
         CASE WHEN n % 10 = 0 THEN 'training' ELSE 'standard' END, {at} \
         FROM {} AS s",
        series_of(charges),
        first = span.first,
    ))?;
    conn.batch_execute("COMMIT")?;
    if !sqlite {
        // What autovacuum would do after such inserts. The still empty invoice tables are left
        // unanalysed, as in a new installation: statistics saying "empty" would make PostgreSQL
        // plan the triggers' and foreign keys' lookups into them as scans.
        conn.batch_execute("ANALYZE customers, charges")?;
    }
    Ok(span.first)
}

/// One late charge (a training seat, at the training rate) for each of `count` customers from
/// `first_customer` on, served on the month's last day; source ids follow the seeded ones.
fn add_late_charges(
    conn: &mut DbConn,
    first_customer: i64,
    count: usize,
    seeded: usize,
) -> anyhow::Result<()> {
    let values = (0..count)
        .map(|i| {
            format!(
                "({}, 'seat', 'bench', {}, 0, '2026-10-31', 'Training: CNC router', 1, 6000, \
                 'member', 'training', '2026-11-01 09:00:00')",
                first_customer + i as i64,
                seeded + i
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    conn.batch_execute(&format!(
        "INSERT INTO charges (customer_id, kind, source_type, source_id, revision, service_date, \
         description, quantity, unit_price_cents, price_category, vat_category, created_at) \
         VALUES {values}"
    ))?;
    Ok(())
}

/// Renders `sample` (a draft of the run) as an issued invoice of 20 and of 300 lines, its lines
/// repeated as needed, `BENCH_PDF_RUNS` times each, and prints the mean time per render.
fn pdf_figures(sample: &Invoice) -> anyhow::Result<()> {
    let runs: u32 = std::env::var("BENCH_PDF_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
    for lines in [20, 300] {
        let doc = issued_with(sample, lines);
        let mut bytes = 0;
        let started = Instant::now();
        for _ in 0..runs {
            bytes = obrador::documents::invoice::pdf(&doc)?.len();
        }
        let mean = started.elapsed() / runs;
        println!(
            "PDF of an issued invoice of {lines:>3} lines: {:>7.1} ms per render ({runs} renders, {} KiB)",
            mean.as_secs_f64() * 1000.0,
            bytes / 1024
        );
    }
    Ok(())
}

/// `sample` as an issued invoice with `count` lines (its own, repeated as needed).
fn issued_with(sample: &Invoice, count: usize) -> Invoice {
    let mut doc = sample.clone();
    doc.lines = (0..count)
        .filter_map(|i| {
            let mut line = sample.lines.get(i % sample.lines.len().max(1))?.clone();
            line.position = i as i32 + 1;
            Some(line)
        })
        .collect();
    doc.totals = Totals::from_lines(doc.lines.iter().map(|l| (l.net, &l.vat_rate)));
    doc.status = "issued".into();
    doc.number = Some("F2026-000123".into());
    doc.issue_date = NaiveDate::from_ymd_opt(2026, 11, 2);
    doc.due_date = NaiveDate::from_ymd_opt(2026, 12, 2);
    doc.supplier = Some(Party {
        name: "Taller Cooperatiu SCCL".into(),
        tax_id: Some("F12345678".into()),
        address: "Carrer del Taller 5\n08001 Barcelona".into(),
    });
    doc.customer = Some(Party {
        name: "Marta Puig i Ferrer".into(),
        tax_id: Some("12345678Z".into()),
        address: "Plaça Major 3, 2n 1a\n17001 Girona".into(),
    });
    doc.chain = Some(ChainInfo {
        position: 123,
        previous_hash: "A".repeat(64),
        record_hash: "B".repeat(64),
        content_digest: "C".repeat(64),
        generated_at: "2026-11-02T09:00:00+01:00".into(),
    });
    doc
}
