//! An invoice or credit note as a person reads it: an HTML `<article>` for the web pages and an
//! A4 PDF for mail, download and the archive. Both print the same words, taken from one
//! [`Printed`] text of the document, so the screen and the paper can never disagree.
//!
//! Everything EU VAT Directive art. 226 asks for is printed: title, number, issue and due date,
//! both parties' names, addresses and tax ids, the service period, each line's date,
//! description, quantity, unit price, VAT rate and net, the base and VAT of every rate with the
//! exemption reference of an exempt rate, the totals, and for a credit note the number of the
//! invoice it corrects.
//!
//! A draft (no number, parties not yet fixed) renders too, with `DRAFT` where the number goes
//! and a line saying it is not a valid invoice, so staff can preview it; only issued documents
//! are stored and sent, which is the services' business, not this module's.
mod pdf;

use chrono::{Datelike, Months, NaiveDate};
use maud::{html, Markup};

use crate::domain::chain::DocumentKind;
use crate::domain::invoice::{Invoice, Party};
use crate::domain::money::Money;

pub use self::pdf::{pdf, DocumentError};

/// What a draft shows where an issued document shows its number.
pub const DRAFT: &str = "DRAFT";

/// The media type of [`pdf`]'s bytes.
pub const PDF_CONTENT_TYPE: &str = "application/pdf";

/// The `Content-Disposition` that shows a PDF in the browser and saves it as `filename`.
pub fn inline(filename: &str) -> String {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("inline; filename=\"{safe}\"")
}

/// The document as printed words: what both renderings show, formatted once.
struct Printed<'a> {
    /// "Invoice" or "Credit note".
    title: &'static str,
    /// The number, or [`DRAFT`].
    number: &'a str,
    draft: bool,
    issue_date: Option<String>,
    due_date: Option<String>,
    /// "1–30 November 2026".
    period: String,
    supplier: Option<&'a Party>,
    customer: Option<&'a Party>,
    /// The number of the invoice a credit note corrects.
    corrects: Option<&'a str>,
    lines: Vec<PrintedLine<'a>>,
    rates: Vec<PrintedRate<'a>>,
    net: String,
    vat: String,
    total: String,
    notes: &'a str,
}

struct PrintedLine<'a> {
    date: String,
    description: &'a str,
    /// "1.50 h" or "2".
    quantity: String,
    unit_price: String,
    /// "21 %".
    vat_rate: String,
    net: String,
}

struct PrintedRate<'a> {
    /// "21 %".
    rate: String,
    base: String,
    vat: String,
    /// The legal reference of an exempt 0 % rate.
    exemption: Option<&'a str>,
}

impl<'a> Printed<'a> {
    fn of(doc: &'a Invoice) -> Printed<'a> {
        Printed {
            title: title(doc.kind),
            number: doc.number.as_deref().unwrap_or(DRAFT),
            draft: doc.number.is_none(),
            issue_date: doc.issue_date.map(date),
            due_date: doc.due_date.map(date),
            period: service_period(&doc.month),
            supplier: doc.supplier.as_ref(),
            customer: doc.customer.as_ref(),
            corrects: doc.corrects.as_deref(),
            lines: doc
                .lines
                .iter()
                .map(|line| PrintedLine {
                    date: date(line.date),
                    description: &line.description,
                    quantity: match line.quantity.unit() {
                        Some(unit) => format!("{} {unit}", line.quantity),
                        None => line.quantity.to_string(),
                    },
                    unit_price: money(line.unit_price),
                    vat_rate: percent(&line.vat_rate.percent().to_string()),
                    net: money(line.net),
                })
                .collect(),
            rates: doc
                .totals
                .by_rate()
                .iter()
                .map(|row| PrintedRate {
                    rate: percent(&row.rate.percent().to_string()),
                    base: money(row.base),
                    vat: money(row.vat),
                    exemption: row.rate.exemption(),
                })
                .collect(),
            net: money(doc.totals.net()),
            vat: money(doc.totals.vat()),
            total: money(doc.totals.total()),
            notes: doc.notes.trim(),
        }
    }
}

/// The document's title as printed.
fn title(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "Invoice",
        DocumentKind::CreditNote => "Credit note",
    }
}

/// An amount as the web views show it: `1234.50 €`.
fn money(amount: Money) -> String {
    format!("{amount} €")
}

fn percent(number: &str) -> String {
    format!("{number} %")
}

/// A date as the web views show it: `2026-12-01`.
fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The service period of a month `YYYY-MM`: `1–30 November 2026`; anything else as it is.
fn service_period(month: &str) -> String {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok();
    let last = first
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .and_then(|next| next.pred_opt());
    match (first, last) {
        (Some(first), Some(last)) => format!("1–{} {}", last.day(), first.format("%B %Y")),
        _ => month.to_owned(),
    }
}

/// The lines of a party's postal address: the address as typed, split at line breaks.
fn address_lines(party: &Party) -> impl Iterator<Item = &str> {
    party
        .address
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
}

// --- HTML -------------------------------------------------------------------------------------

/// The document as an HTML `<article class="invoice-document">` to embed in a page: headings,
/// a facts list, the parties as `<address>`, semantic tables for the lines, the VAT breakdown
/// and the totals. Its styles (screen and print) are the "Invoice documents" section of
/// `app.css`.
pub fn article(doc: &Invoice) -> Markup {
    let printed = Printed::of(doc);
    let heading = format!("invoice-{}-title", doc.id.get());
    html! {
        article.invoice-document aria-labelledby=(heading) {
            header.invoice-heading {
                h2 #(heading) { (printed.title) " " (printed.number) }
                @if printed.draft {
                    p.invoice-draft { "Draft — not a valid invoice until it is issued." }
                }
                (facts(&printed))
            }
            div.invoice-parties {
                (party_block("From", printed.supplier))
                (party_block("Bill to", printed.customer))
            }
            (lines_table(&printed, doc.id.get()))
            (totals_tables(&printed, doc.id.get()))
            @if !printed.notes.is_empty() {
                section.invoice-notes {
                    h3 { "Notes" }
                    @for paragraph in printed.notes.split("\n\n") {
                        p { (paragraph) }
                    }
                }
            }
        }
    }
}

fn facts(printed: &Printed<'_>) -> Markup {
    html! {
        dl.facts.invoice-facts {
            dt { "Number" } dd { (printed.number) }
            dt { "Issue date" } dd { (printed.issue_date.as_deref().unwrap_or("not issued yet")) }
            @if let Some(due) = &printed.due_date {
                dt { "Due date" } dd { (due) }
            }
            dt { "Service period" } dd { (printed.period) }
            @if let Some(original) = printed.corrects {
                dt { "Corrects" } dd { "Corrects invoice " (original) }
            }
        }
    }
}

fn party_block(label: &str, party: Option<&Party>) -> Markup {
    html! {
        section.invoice-party {
            h3 { (label) }
            @match party {
                Some(party) => address {
                    strong { (party.name) }
                    @for line in address_lines(party) { br; (line) }
                    @if let Some(tax_id) = &party.tax_id { br; "Tax id: " (tax_id) }
                },
                None => p.muted { "Fixed when the invoice is issued." },
            }
        }
    }
}

fn lines_table(printed: &Printed<'_>, id: i64) -> Markup {
    let caption = format!("invoice-{id}-lines");
    html! {
        section {
            h3 #(caption) { "Lines" }
            @if printed.lines.is_empty() {
                p.muted { "No lines." }
            } @else {
                table.responsive.invoice-lines aria-labelledby=(caption) {
                    thead { tr {
                        th scope="col" { "Date" } th scope="col" { "Description" }
                        th.num scope="col" { "Quantity" } th.num scope="col" { "Unit price" }
                        th.num scope="col" { "VAT" } th.num scope="col" { "Net" }
                    } }
                    tbody {
                        @for line in &printed.lines { tr {
                            td data-label="Date" { (line.date) }
                            td data-label="Description" { (line.description) }
                            td.num data-label="Quantity" { (line.quantity) }
                            td.num data-label="Unit price" { (line.unit_price) }
                            td.num data-label="VAT" { (line.vat_rate) }
                            td.num data-label="Net" { (line.net) }
                        } }
                    }
                }
            }
        }
    }
}

fn totals_tables(printed: &Printed<'_>, id: i64) -> Markup {
    let caption = format!("invoice-{id}-vat");
    html! {
        section.invoice-summary {
            h3 #(caption) { "VAT breakdown" }
            table.invoice-rates aria-labelledby=(caption) {
                thead { tr {
                    th scope="col" { "Rate" } th.num scope="col" { "Taxable base" }
                    th.num scope="col" { "VAT" }
                } }
                tbody {
                    @for rate in &printed.rates { tr {
                        th scope="row" {
                            (rate.rate)
                            @if let Some(reference) = rate.exemption {
                                " — exempt: " (reference)
                            }
                        }
                        td.num { (rate.base) } td.num { (rate.vat) }
                    } }
                }
            }
            table.invoice-totals aria-label="Totals" {
                tbody {
                    tr { th scope="row" { "Net" } td.num { (printed.net) } }
                    tr { th scope="row" { "VAT" } td.num { (printed.vat) } }
                    tr.invoice-total { th scope="row" { "Total" } td.num { (printed.total) } }
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! Documents for the tests of both renderings.
    use std::str::FromStr;

    use chrono::NaiveDate;

    use crate::domain::chain::DocumentKind;
    use crate::domain::ids::{CustomerId, InvoiceId};
    use crate::domain::invoice::{
        line_net, Invoice, InvoiceLine, Party, Quantity, Totals, VatRate,
    };
    use crate::domain::money::Money;

    pub const TRAINING_EXEMPTION: &str = "Art. 20.1.9 Ley 37/1992";

    pub fn eur(text: &str) -> Money {
        Money::from_str(text).expect("test money literal")
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("test date")
    }

    pub fn line(n: usize, quantity: Quantity, price: &str, rate: VatRate) -> InvoiceLine {
        let unit_price = eur(price);
        InvoiceLine {
            id: n as i64,
            position: n as i32,
            charge_id: None,
            date: day(1 + (n % 30) as u32),
            description: format!("Line {n}: laser cutter, workshop time"),
            quantity,
            unit_price,
            net: line_net(quantity, unit_price),
            vat_rate: rate,
            edited: false,
        }
    }

    pub fn standard() -> VatRate {
        VatRate::parse("21").expect("21 %")
    }

    /// The product brief's worked case, issued: nets 37.76, 26.80 and 5.50 at 21 % → 84.77.
    pub fn worked_case() -> Invoice {
        let mut lines = vec![
            line(1, Quantity::Minutes(90), "25.17", standard()),
            line(2, Quantity::Count(2), "13.40", standard()),
            line(3, Quantity::Count(1), "5.50", standard()),
        ];
        lines[0].description = "Laser cutter (member rate)".into();
        lines[1].description = "Seat: Introduction to the lathe".into();
        lines[2].description = "Late cancellation fee".into();
        issued(lines)
    }

    /// An issued invoice of these lines.
    pub fn issued(lines: Vec<InvoiceLine>) -> Invoice {
        let totals = Totals::from_lines(lines.iter().map(|l| (l.net, &l.vat_rate)));
        Invoice {
            id: InvoiceId::new(7),
            kind: DocumentKind::Invoice,
            status: "issued".into(),
            customer_id: CustomerId::new(3),
            month: "2026-11".into(),
            number: Some("F2026-000042".into()),
            issue_date: Some(NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")),
            due_date: Some(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")),
            supplier: Some(Party {
                name: "Taller Cooperatiu SCCL".into(),
                tax_id: Some("F12345678".into()),
                address: "Carrer del Taller 5, 08001 Barcelona".into(),
            }),
            customer: Some(Party {
                name: "Marta Puig".into(),
                tax_id: Some("12345678Z".into()),
                address: "Plaça Major 3, 17001 Girona".into(),
            }),
            corrects: None,
            notes: "Thank you for making things with us.".into(),
            lines,
            totals,
            chain: None,
            payment_status: None,
        }
    }

    /// The worked case as a draft: no number, no date, no parties yet.
    pub fn draft() -> Invoice {
        let mut doc = worked_case();
        doc.status = "draft".into();
        doc.number = None;
        doc.issue_date = None;
        doc.due_date = None;
        doc.supplier = None;
        doc.customer = None;
        doc
    }

    mod html {
        use super::*;
        use crate::documents::invoice::{article, service_period};

        #[test]
        fn the_article_prints_what_art_226_asks() {
            let text = article(&worked_case()).into_string();
            for expected in [
                "Invoice F2026-000042",
                "2026-12-01",
                "2026-12-31",
                "1–30 November 2026",
                "Taller Cooperatiu SCCL",
                "F12345678",
                "Carrer del Taller 5, 08001 Barcelona",
                "Marta Puig",
                "12345678Z",
                "Plaça Major 3, 17001 Girona",
                "1.50 h",
                "25.17 €",
                "21 %",
                "37.76 €",
                "70.06 €",
                "14.71 €",
                "84.77 €",
                "Thank you for making things with us.",
            ] {
                assert!(text.contains(expected), "{expected:?} missing from {text}");
            }
            assert!(!text.contains("DRAFT"));
        }

        #[test]
        fn a_draft_says_so_instead_of_a_number() {
            let text = article(&draft()).into_string();
            assert!(text.contains("Invoice DRAFT"), "{text}");
            assert!(text.contains("not a valid invoice"), "{text}");
        }

        #[test]
        fn a_credit_note_names_the_invoice_it_corrects() {
            let mut doc = worked_case();
            doc.kind = DocumentKind::CreditNote;
            doc.number = Some("R2026-000004".into());
            doc.corrects = Some("F2026-000042".into());
            let text = article(&doc).into_string();
            assert!(text.contains("Credit note R2026-000004"), "{text}");
            assert!(text.contains("Corrects invoice F2026-000042"), "{text}");
        }

        #[test]
        fn an_exempt_rate_prints_its_reference() {
            let exempt = VatRate::exempt(TRAINING_EXEMPTION).expect("exempt");
            let doc = issued(vec![line(1, Quantity::Count(1), "120", exempt)]);
            let text = article(&doc).into_string();
            assert!(text.contains("exempt: Art. 20.1.9 Ley 37/1992"), "{text}");
        }

        #[test]
        fn markup_in_a_description_is_escaped() {
            let mut doc = worked_case();
            doc.lines[0].description = "<script>alert(1)</script>".into();
            let text = article(&doc).into_string();
            assert!(!text.contains("<script>"));
        }

        #[test]
        fn service_periods_span_the_month() {
            assert_eq!(service_period("2026-11"), "1–30 November 2026");
            assert_eq!(service_period("2028-02"), "1–29 February 2028");
            assert_eq!(service_period("2026-12"), "1–31 December 2026");
            assert_eq!(service_period("soon"), "soon");
        }
    }
}
