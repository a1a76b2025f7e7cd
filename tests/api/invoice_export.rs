//! The accountant's CSV export: one row per issued document and VAT rate, read back with a CSV
//! parser and checked against the invoices' own totals; the same bytes from the API, the staff
//! screen and the command line; staff only; a bad month is a 422.
use std::collections::BTreeMap;

use obrador::domain::{CustomerId, Money, Role};

use crate::helpers::billing::{this_month, Charge};
use crate::helpers::{problem, spawn_app_with, TestApp};

/// A charge of this month: `quantity` (minutes for usage) at `unit_cents`, in `vat_category`.
fn charge(
    app: &TestApp,
    customer: CustomerId,
    source: i64,
    kind: &'static str,
    quantity: i64,
    unit_cents: i64,
    vat_category: &'static str,
) {
    Charge {
        quantity,
        unit_cents,
        vat_category,
        description: "Export test",
        ..Charge::new(customer, source, kind)
    }
    .write(&mut app.db.conn());
}

fn money(text: &str) -> Money {
    Money::parse(text).unwrap_or_else(|e| panic!("{text:?} is not an amount: {e}"))
}

#[tokio::test]
async fn the_months_csv_has_a_row_per_document_and_rate_that_adds_up_to_the_invoices() {
    let app = spawn_app_with(|s| {
        s.jobs.enabled = false;
        s.invoicing.vat_training = "10".into();
    })
    .await;
    let staff_user = app.user(Role::Staff, None);
    let staff = app.token(&staff_user);
    let ana = app.user(Role::Member, None);
    let business = app.business("Fusteria \"La Serra\", SCCL");
    // Ana: 1 h 30 at 25.17 €/h (37.76) at 21 %, and a seat of 26.80 at the training rate, 10 %.
    charge(&app, ana.customer_id, 1, "usage", 90, 2517, "standard");
    charge(&app, ana.customer_id, 2, "seat", 1, 2680, "training");
    charge(&app, business, 3, "usage", 60, 2000, "standard");
    let invoices = app.issue_month(&staff).await;
    assert_eq!(invoices.len(), 2);

    let month = this_month().to_string();
    let path = format!("/api/v1/invoices/export?month={month}");
    let response = app.api_get(&staff, &path).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        header("content-type").starts_with("text/csv"),
        "{}",
        header("content-type")
    );
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"invoices-{month}.csv\"")
    );
    let body = response.bytes().await.expect("body").to_vec();

    let mut reader = csv::Reader::from_reader(body.as_slice());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["number", "date", "customer", "tax_id", "base", "rate", "vat", "total", "kind"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 3, "Ana's two rates and the business's one");

    // Per document: the rows' bases, VAT and totals add up to the invoice's own totals.
    let mut by_number: BTreeMap<String, Vec<&csv::StringRecord>> = BTreeMap::new();
    for row in &rows {
        by_number.entry(row[0].to_string()).or_default().push(row);
    }
    for invoice in &invoices {
        let number = invoice["number"].as_str().expect("number");
        let found = &by_number[number];
        let sum = |column: usize| found.iter().map(|r| money(&r[column])).sum::<Money>();
        assert_eq!(
            sum(4),
            money(invoice["totals"]["net"]["amount"].as_str().expect("net"))
        );
        assert_eq!(
            sum(6),
            money(invoice["totals"]["vat"]["amount"].as_str().expect("vat"))
        );
        assert_eq!(
            sum(7),
            money(
                invoice["totals"]["total"]["amount"]
                    .as_str()
                    .expect("total")
            )
        );
        for row in found {
            assert_eq!(&row[1], invoice["issue_date"].as_str().expect("date"));
            assert_eq!(&row[2], invoice["customer"]["name"].as_str().expect("name"));
            assert_eq!(
                &row[3],
                invoice["customer"]["tax_id"].as_str().unwrap_or_default()
            );
            assert_eq!(&row[8], "invoice");
            assert_eq!(money(&row[4]) + money(&row[6]), money(&row[7]));
        }
    }
    let ana_rows: Vec<(String, String, String)> = rows
        .iter()
        .filter(|r| &r[2] != "Fusteria \"La Serra\", SCCL")
        .map(|r| (r[4].to_string(), r[5].to_string(), r[6].to_string()))
        .collect();
    // 26.80 at 10 % → 2.68; 37.76 at 21 % → 7.93 (7.9296).
    assert_eq!(
        ana_rows,
        [
            ("26.80".to_string(), "10".to_string(), "2.68".to_string()),
            ("37.76".to_string(), "21".to_string(), "7.93".to_string()),
        ]
    );
    assert!(
        rows.iter().any(|r| &r[2] == "Fusteria \"La Serra\", SCCL"),
        "a name with a comma and quotes reads back whole"
    );

    // The staff screen serves the same bytes with the session cookie.
    let browser = app.browser_for(&staff_user).await;
    let screen = browser
        .get(&format!("/staff/invoices/export.csv?month={month}"))
        .await;
    assert_eq!(screen.status(), 200);
    assert_eq!(screen.bytes().await.expect("body").to_vec(), body);

    // The command line writes the same bytes, to standard output or to a file.
    let obrador = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_obrador"))
            .current_dir(app.data_dir.path())
            .env("DATABASE_URL", app.db.url())
            .env("RUST_LOG", "warn")
            .args(args)
            .output()
            .expect("runs")
    };
    let printed = obrador(&["invoices", "export", "--month", &month]);
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    assert_eq!(printed.stdout, body);
    let file = app.data_dir.path().join("export.csv");
    let written = obrador(&[
        "invoices",
        "export",
        "--month",
        &month,
        "--out",
        file.to_str().expect("path"),
    ]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert_eq!(std::fs::read(&file).expect("file"), body);
    assert!(!obrador(&["invoices", "export", "--month", "2026-13"])
        .status
        .success());

    // A month with nothing issued is the header alone.
    let empty = app
        .api_get(&staff, "/api/v1/invoices/export?month=2001-01")
        .await;
    assert_eq!(
        empty.text().await.expect("body"),
        "number,date,customer,tax_id,base,rate,vat,total,kind\r\n"
    );
}

#[tokio::test]
async fn only_staff_export_and_a_bad_month_is_refused() {
    let app = spawn_app_with(|s| s.jobs.enabled = false).await;
    let staff = app.token(&app.user(Role::Staff, None));
    let member = app.user(Role::Member, None);
    let month = this_month().to_string();
    let refused = app
        .api_get(
            &app.token(&member),
            &format!("/api/v1/invoices/export?month={month}"),
        )
        .await;
    assert_eq!(refused.status(), 403);
    problem(refused).await;
    for bad in ["2026-13", "March", ""] {
        let response = app
            .api_get(&staff, &format!("/api/v1/invoices/export?month={bad}"))
            .await;
        assert_eq!(response.status(), 422, "{bad:?}");
        let body = problem(response).await;
        assert!(
            body["detail"].as_str().is_some_and(|d| d.contains("month")),
            "{body}"
        );
    }
    let missing = app.api_get(&staff, "/api/v1/invoices/export").await;
    assert_eq!(missing.status(), 422);
    problem(missing).await;

    let browser = app.browser_for(&member).await;
    let screen = browser
        .get(&format!("/staff/invoices/export.csv?month={month}"))
        .await;
    assert_eq!(screen.status(), 403);
}
