//! "My invoices": the customer's issued invoices and credit notes with their payment status,
//! and one document as it was issued (the document itself comes rendered from `documents`).
use maud::{html, Markup};

use crate::domain::invoice::PaymentStatus;
use crate::views::layout::{self, Chrome};

/// An issued document as listed, in words.
pub struct ListedInvoice {
    pub href: String,
    pub number: String,
    /// "Invoice" or "Credit note".
    pub kind: &'static str,
    pub issue_date: String,
    /// "November 2026".
    pub period: String,
    pub total: String,
    /// None for a credit note.
    pub payment: Option<PaymentStatus>,
}

/// What the list shows: the documents, or why this person sees none here.
pub enum MyInvoices<'a> {
    Listed(&'a [ListedInvoice]),
    /// A member of a business: its invoices are its administrators' to see.
    ForBusinessAdmins,
}

/// How a payment status reads.
pub fn payment_label(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Unpaid => "unpaid",
        PaymentStatus::PartlyPaid => "partly paid",
        PaymentStatus::Paid => "paid",
        PaymentStatus::Overdue => "overdue",
    }
}

fn payment_class(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Unpaid => "payment unpaid",
        PaymentStatus::PartlyPaid => "payment partly-paid",
        PaymentStatus::Paid => "payment paid",
        PaymentStatus::Overdue => "payment overdue",
    }
}

fn payment(status: Option<PaymentStatus>) -> Markup {
    html! {
        @match status {
            Some(status) => span class=(payment_class(status)) { (payment_label(status)) },
            None => span.muted { "—" },
        }
    }
}

pub fn list_page(chrome: &Chrome<'_>, invoices: &MyInvoices<'_>) -> Markup {
    layout::page(
        chrome,
        "My invoices",
        html! {
            h1 #my-invoices { "My invoices" }
            @match invoices {
                MyInvoices::ForBusinessAdmins => p.notice {
                    "Your business's invoices are shown to its administrators. "
                    "Ask one of them for a copy, or ask the workshop to make you an administrator."
                },
                MyInvoices::Listed([]) => p.muted {
                    "No invoices yet. Each month's invoice appears here once the workshop issues it."
                },
                MyInvoices::Listed(rows) => (table(rows)),
            }
        },
    )
}

fn table(rows: &[ListedInvoice]) -> Markup {
    html! {
        table.responsive aria-labelledby="my-invoices" {
            thead { tr {
                th scope="col" { "Number" } th scope="col" { "Date" }
                th scope="col" { "Period" } th.num scope="col" { "Total" }
                th scope="col" { "Payment" }
            } }
            tbody {
                @for row in rows { tr {
                    th scope="row" data-label="Number" {
                        a href=(row.href) { (row.kind) " " (row.number) }
                    }
                    td data-label="Date" { (row.issue_date) }
                    td data-label="Period" { (row.period) }
                    td.num data-label="Total" { (row.total) }
                    td data-label="Payment" { (payment(row.payment)) }
                } }
            }
        }
    }
}

/// One document: its payment status, the PDF link and the document itself.
pub struct InvoicePage<'a> {
    /// "Invoice F2026-000001".
    pub title: &'a str,
    pub pdf_href: &'a str,
    pub payment: Option<PaymentStatus>,
    /// The document as `documents` renders it.
    pub document: Markup,
}

pub fn invoice_page(chrome: &Chrome<'_>, page: InvoicePage<'_>) -> Markup {
    layout::page(
        chrome,
        page.title,
        html! {
            h1 { (page.title) }
            div.actions.invoice-actions {
                a.button href=(page.pdf_href) { "Download PDF" }
                a href="/invoices" { "All my invoices" }
                @if let Some(status) = page.payment {
                    span { "Payment: " (payment(Some(status))) }
                }
            }
            (page.document)
        },
    )
}
