//! The accountant's export: RFC 4180 CSV (comma-separated, CRLF line ends, fields quoted when they
//! hold a comma, a quote or a line break, quotes doubled), one row per issued document and VAT
//! rate, under the header `number,date,customer,tax_id,base,rate,vat,total,kind`.
//!
//! Amounts are plain decimals with two places and a point (`84.77`; a credit note's are
//! negative), dates `YYYY-MM-DD`, the rate a percentage (`21`, `10.5`, `0`). Text that a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return) is prefixed with `'`, so a customer's name cannot become a formula on the accountant's
//! machine.
use chrono::NaiveDate;

use crate::domain::{DocumentKind, LocalMonth, Money, VatRate};

/// The media type of an export (RFC 4180, with its header line).
pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8; header=present";

/// The `Content-Disposition` of the export of `month`: `attachment; filename="invoices-2026-11.csv"`.
pub fn attachment(month: LocalMonth) -> String {
    format!("attachment; filename=\"invoices-{month}.csv\"")
}

/// The first line of every export.
pub const HEADER: [&str; 9] = [
    "number", "date", "customer", "tax_id", "base", "rate", "vat", "total", "kind",
];

/// The part of one issued document at one VAT rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub number: String,
    pub issue_date: NaiveDate,
    pub customer: String,
    pub tax_id: Option<String>,
    /// The taxable base at this rate.
    pub base: Money,
    pub rate: VatRate,
    /// The VAT at this rate, as the document states it.
    pub vat: Money,
    pub kind: DocumentKind,
}

/// The CSV text of `rows`, header first.
pub fn invoices(rows: &[ExportRow]) -> Result<String, ::csv::Error> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for row in rows {
        writer.write_record([
            inert(&row.number),
            row.issue_date.format("%Y-%m-%d").to_string(),
            inert(&row.customer),
            inert(row.tax_id.as_deref().unwrap_or_default()),
            row.base.to_string(),
            row.rate.percent().to_string(),
            row.vat.to_string(),
            (row.base + row.vat).to_string(),
            row.kind.as_str().to_string(),
        ])?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e).into())
}

/// `text`, with a `'` in front when a spreadsheet would take it for a formula.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(customer: &str, base: i64, vat: i64, percent: &str) -> ExportRow {
        ExportRow {
            number: "F2026-000001".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
            customer: customer.into(),
            tax_id: Some("B12345678".into()),
            base: Money::from_cents(base),
            rate: VatRate::parse(percent).expect("rate"),
            vat: Money::from_cents(vat),
            kind: DocumentKind::Invoice,
        }
    }

    #[test]
    fn header_and_plain_rows_with_crlf_line_ends() {
        let text = invoices(&[row("Ana Puig", 7006, 1471, "21")]).expect("csv");
        assert_eq!(
            text,
            "number,date,customer,tax_id,base,rate,vat,total,kind\r\n\
             F2026-000001,2026-11-30,Ana Puig,B12345678,70.06,21,14.71,84.77,invoice\r\n"
        );
        assert_eq!(
            invoices(&[]).expect("csv"),
            "number,date,customer,tax_id,base,rate,vat,total,kind\r\n"
        );
    }

    #[test]
    fn a_name_with_a_comma_a_quote_and_a_line_break_is_quoted_and_reads_back_whole() {
        let name = "Fusteria \"La Serra\", SCCL\nTaller 2";
        let text = invoices(&[row(name, 1000, 210, "21")]).expect("csv");
        assert!(
            text.contains("\"Fusteria \"\"La Serra\"\", SCCL\nTaller 2\""),
            "{text}"
        );
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let records: Vec<::csv::StringRecord> =
            reader.records().collect::<Result<_, _>>().expect("parses");
        assert_eq!(records.len(), 1);
        assert_eq!(&records[0][2], name);
        assert_eq!(&records[0][7], "12.10");
    }

    #[test]
    fn credit_notes_are_negative_and_rates_print_as_percentages() {
        let mut credit = row("Ana Puig", -2000, -200, "10.5");
        credit.kind = DocumentKind::CreditNote;
        credit.number = "R2026-000001".into();
        credit.tax_id = None;
        let text = invoices(&[credit]).expect("csv");
        assert!(
            text.ends_with(
                "R2026-000001,2026-11-30,Ana Puig,,-20.00,10.5,-2.00,-22.00,credit_note\r\n"
            ),
            "{text}"
        );
        let exempt = invoices(&[row("Ana Puig", 5000, 0, "0")]).expect("csv");
        assert!(exempt.contains(",50.00,0,0.00,50.00,"), "{exempt}");
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_made_inert() {
        let text = invoices(&[row("=HYPERLINK(\"x\")", 100, 21, "21")]).expect("csv");
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
        assert_eq!(inert("@home"), "'@home");
        assert_eq!(inert("Ana"), "Ana");
    }
}
