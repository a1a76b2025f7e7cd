//! "My usage": the caller's usage records of a month (a business admin's: the business's) and
//! that month's charges so far with their total, a month at a time.
use maud::{html, Markup};

use crate::views::components::error_summary;
use crate::views::layout::{self, Chrome};

/// A usage record as listed, in words and local time.
pub struct UsageLine {
    pub machine: String,
    /// The person, when the viewer sees a business's usage.
    pub who: Option<String>,
    pub start: String,
    pub end: String,
    pub duration: String,
    pub status: String,
}

/// A charge as listed.
pub struct ChargeLine {
    pub date: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

/// The month's charges, or why they are not shown here.
pub enum Charges<'a> {
    Shown {
        lines: &'a [ChargeLine],
        total: &'a str,
    },
    NotShown(&'a str),
}

pub struct MyUsagePage<'a> {
    /// "May 2026".
    pub month_label: &'a str,
    /// `YYYY-MM` of the months before and after.
    pub previous: &'a str,
    pub next: &'a str,
    pub records: &'a [UsageLine],
    pub show_who: bool,
    pub charges: Charges<'a>,
    pub tz: &'a str,
}

pub fn page(chrome: &Chrome<'_>, data: &MyUsagePage<'_>) -> Markup {
    layout::page(
        chrome,
        "My usage",
        html! {
            h1 { "My usage, " (data.month_label) }
            nav.week-nav aria-label="Months" {
                a href={ "/usage?month=" (data.previous) } rel="prev" { "← " (data.previous) }
                a href="/usage" { "This month" }
                a href={ "/usage?month=" (data.next) } rel="next" { (data.next) " →" }
            }
            (records(data))
            (charges(&data.charges))
            p.muted { "Times are local (" (data.tz) "). Amounts exclude VAT; the invoice at the end of the month is what counts." }
        },
    )
}

fn records(data: &MyUsagePage<'_>) -> Markup {
    html! {
        section {
            h2 #records { "Machine use" }
            @if data.records.is_empty() {
                p.muted { "No usage this month." }
            } @else {
                table.responsive aria-labelledby="records" {
                    thead {
                        tr {
                            th scope="col" { "Start" }
                            th scope="col" { "Machine" }
                            @if data.show_who { th scope="col" { "Who" } }
                            th scope="col" { "End" }
                            th scope="col" class="num" { "Duration" }
                            th scope="col" { "Status" }
                        }
                    }
                    tbody {
                        @for line in data.records {
                            tr {
                                th scope="row" data-label="Start" { (line.start) }
                                td data-label="Machine" { (line.machine) }
                                @if data.show_who { td data-label="Who" { (line.who.as_deref().unwrap_or("—")) } }
                                td data-label="End" { (line.end) }
                                td.num data-label="Duration" { (line.duration) }
                                td data-label="Status" { (line.status) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn charges(charges: &Charges<'_>) -> Markup {
    html! {
        section {
            h2 #charges { "Charges so far" }
            @match charges {
                Charges::NotShown(why) => p.muted { (why) },
                Charges::Shown { lines, total } => {
                    @if lines.is_empty() {
                        p.muted { "No charges this month." }
                    } @else {
                        table.responsive aria-labelledby="charges" {
                            thead {
                                tr {
                                    th scope="col" { "Date" }
                                    th scope="col" { "Description" }
                                    th scope="col" class="num" { "Quantity" }
                                    th scope="col" class="num" { "Unit price" }
                                    th scope="col" class="num" { "Amount" }
                                }
                            }
                            tbody {
                                @for line in lines.iter() {
                                    tr {
                                        td data-label="Date" { (line.date) }
                                        td data-label="Description" { (line.description) }
                                        td.num data-label="Quantity" { (line.quantity) }
                                        td.num data-label="Unit price" { (line.unit_price) }
                                        td.num data-label="Amount" { (line.amount) }
                                    }
                                }
                            }
                            tfoot {
                                tr {
                                    th scope="row" colspan="4" { "Total (VAT excluded)" }
                                    td.num data-label="Total" { strong #month-total { (total) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page for a month that is not one: what was wrong, and the way back.
pub fn bad_month(chrome: &Chrome<'_>, message: &str) -> Markup {
    layout::page(
        chrome,
        "My usage",
        html! {
            h1 { "My usage" }
            (error_summary(Some(message)))
            p { a href="/usage" { "This month's usage" } }
        },
    )
}
