//! Staff: usage records filtered by dates, machine, customer and status; the anomalies to resolve
//! (records open too long, stops without a start, records without a customer); entering past use
//! by hand; and one record's page with its correction form and history.
use maud::{html, Markup};

use super::today::{field_error, with_prompt};
use super::FormError;
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

/// The list's filter as typed.
#[derive(Debug, Default)]
pub struct FilterFields {
    pub from: String,
    pub to: String,
    pub machine_id: String,
    pub customer_id: String,
    pub status: String,
}

/// A usage record as listed, every value in words and local time.
pub struct RecordLine {
    pub id: i64,
    pub machine: String,
    pub customer: String,
    pub source: &'static str,
    pub start: String,
    pub end: String,
    pub duration: String,
    pub status: String,
    pub revision: i32,
}

/// Something to look at, and how to resolve it: a record to correct or an event to dismiss.
pub struct AnomalyLine {
    pub what: String,
    pub machine: String,
    pub at: String,
    pub usage_id: Option<i64>,
    pub event: Option<i64>,
}

/// The form that enters past use by hand, as typed.
#[derive(Debug, Default)]
pub struct EntryFields {
    pub machine_id: String,
    pub customer_id: String,
    pub date: String,
    pub start: String,
    pub end: String,
    pub note: String,
}

/// `(id, name)` pairs for the forms' choices.
pub struct Choices<'a> {
    pub machines: &'a [(String, String)],
    pub customers: &'a [(String, String)],
}

pub struct ListPage<'a> {
    pub filter: &'a FilterFields,
    pub records: &'a [RecordLine],
    pub anomalies: &'a [AnomalyLine],
    pub choices: Choices<'a>,
    pub entry: &'a EntryFields,
    pub tz: &'a str,
    pub notice: Option<&'a str>,
    /// A wrong filter or a refused dismissal.
    pub error: Option<&'a str>,
    pub entry_error: Option<&'a FormError>,
}

pub const STATUSES: [(&str, &str); 4] = [
    ("", "Any status"),
    ("open", "Open"),
    ("closed", "Closed"),
    ("void", "Void"),
];

pub fn list(chrome: &Chrome<'_>, data: &ListPage<'_>) -> Markup {
    layout::page(
        chrome,
        "Usage",
        html! {
            h1 { "Usage" }
            (notice(data.notice))
            (error_summary(data.error.or(data.entry_error.map(|e| e.message.as_str()))))
            p.actions {
                a href="/staff/today" { "Today's board" }
                a href="#anomalies" { "Anomalies" }
                a href="#enter" { "Enter past use" }
            }
            (anomalies(chrome.csrf, data.anomalies))
            (records(data))
            (entry_form(chrome.csrf, data))
            p.muted { "Times are local (" (data.tz) ")." }
        },
    )
}

fn anomalies(csrf: &str, lines: &[AnomalyLine]) -> Markup {
    html! {
        section {
            h2 #anomalies { "Anomalies" }
            @if lines.is_empty() {
                p.muted { "Nothing to look at." }
            } @else {
                table.responsive aria-labelledby="anomalies" {
                    thead {
                        tr {
                            th scope="col" { "What" }
                            th scope="col" { "Machine" }
                            th scope="col" { "When" }
                            th scope="col" { span.skip { "Resolve" } }
                        }
                    }
                    tbody {
                        @for line in lines {
                            tr {
                                th scope="row" data-label="What" { (line.what) }
                                td data-label="Machine" { (line.machine) }
                                td data-label="When" { (line.at) }
                                td {
                                    @if let Some(id) = line.usage_id {
                                        a href={ "/staff/usage/" (id) } aria-label={ "Correct the record: " (line.what) ", " (line.machine) ", " (line.at) } { "Correct the record" }
                                    }
                                    @if let Some(event) = line.event {
                                        form.inline method="post" action={ "/staff/usage/events/" (event) "/dismiss" } {
                                            (csrf_field(csrf))
                                            button.secondary type="submit" aria-label={ "Dismiss: " (line.what) ", " (line.machine) ", " (line.at) } { "Dismiss" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn records(data: &ListPage<'_>) -> Markup {
    let filter = data.filter;
    let machines = with_prompt("Any machine", data.choices.machines);
    let customers = with_prompt("Any customer", data.choices.customers);
    html! {
        section {
            h2 #records { "Records" }
            form.search method="get" action="/staff/usage" {
                (text_field("From (date)", "from", "date", &filter.from, None))
                (text_field("To (date, included)", "to", "date", &filter.to, None))
                (select_field("Machine", "machine_id", &machines, &filter.machine_id))
                (select_field("Customer", "customer_id", &customers, &filter.customer_id))
                (select_field("Status", "status", &STATUSES, &filter.status))
                button type="submit" { "Filter" }
            }
            @if data.records.is_empty() {
                p.muted { "No usage records." }
            } @else {
                table.responsive aria-labelledby="records" {
                    thead {
                        tr {
                            th scope="col" { "Machine" }
                            th scope="col" { "Customer" }
                            th scope="col" { "From" }
                            th scope="col" { "Start" }
                            th scope="col" { "End" }
                            th scope="col" class="num" { "Duration" }
                            th scope="col" { "Status" }
                            th scope="col" class="num" { "Revision" }
                        }
                    }
                    tbody {
                        @for line in data.records {
                            tr id={ "usage-" (line.id) } {
                                th scope="row" data-label="Machine" {
                                    a href={ "/staff/usage/" (line.id) } { (line.machine) }
                                }
                                td data-label="Customer" { (line.customer) }
                                td data-label="From" { (line.source) }
                                td data-label="Start" { (line.start) }
                                td data-label="End" { (line.end) }
                                td.num data-label="Duration" { (line.duration) }
                                td data-label="Status" { (line.status) }
                                td.num data-label="Revision" { (line.revision) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn entry_form(csrf: &str, data: &ListPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.entry_error, field);
    let fields = data.entry;
    let machines = with_prompt("Choose a machine", data.choices.machines);
    let customers = with_prompt("Choose a customer", data.choices.customers);
    html! {
        section {
            h2 #enter { "Enter past use" }
            p { "Use that was not recorded (from the logbook, say): it is charged as entered." }
            form.stack method="post" action="/staff/usage" {
                (csrf_field(csrf))
                (field_error(on("machine_id"), select_field("Machine", "machine_id", &machines, &fields.machine_id)))
                (field_error(on("customer_id"), select_field("Customer", "customer_id", &customers, &fields.customer_id)))
                (text_field("Date", "date", "date", &fields.date, on("date")))
                (text_field("Start (local time)", "start", "time", &fields.start, on("start")))
                (text_field("End (local time; 00:00 is midnight)", "end", "time", &fields.end, on("end")))
                (text_field("Note (optional)", "note", "text", &fields.note, None))
                button type="submit" { "Enter the usage" }
            }
        }
    }
}

/// One record's facts in words.
pub struct RecordFacts {
    pub id: i64,
    pub machine: String,
    pub customer: String,
    pub booking_id: Option<i64>,
    pub source: &'static str,
    pub start: String,
    pub end: String,
    pub duration: String,
    pub status: String,
    pub revision: i32,
    pub note: String,
}

/// The correction form's values, as shown or as typed.
#[derive(Debug, Default)]
pub struct CorrectionFields {
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub customer_id: String,
    pub void: bool,
    pub note: String,
}

/// One entry of the record's history.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub action: String,
}

pub struct RecordPage<'a> {
    pub facts: &'a RecordFacts,
    pub fields: &'a CorrectionFields,
    pub customers: &'a [(String, String)],
    pub history: &'a [HistoryLine],
    pub tz: &'a str,
    pub notice: Option<&'a str>,
    pub error: Option<&'a FormError>,
}

pub fn record(chrome: &Chrome<'_>, data: &RecordPage<'_>) -> Markup {
    let facts = data.facts;
    let title = format!("Usage {}", facts.id);
    layout::page(
        chrome,
        &title,
        html! {
            h1 { "Usage of " (facts.machine) }
            (notice(data.notice))
            (error_summary(data.error.map(|e| e.message.as_str())))
            p.actions {
                a href="/staff/usage" { "All usage" }
                a href="/staff/today" { "Today's board" }
            }
            dl.facts {
                dt { "Customer" } dd { (facts.customer) }
                dt { "From" } dd {
                    (facts.source)
                    @if let Some(booking) = facts.booking_id { " (booking " (booking) ")" }
                }
                dt { "Start" } dd { (facts.start) }
                dt { "End" } dd { (facts.end) }
                dt { "Duration" } dd { (facts.duration) }
                dt { "Status" } dd { (facts.status) }
                dt { "Revision" } dd { (facts.revision) }
                @if !facts.note.is_empty() { dt { "Note" } dd { (facts.note) } }
            }
            @if facts.status == "void" {
                p.muted { "This record is void; enter a new one instead of correcting it." }
            } @else {
                (correction_form(chrome.csrf, data))
            }
            (history(facts.id, data.history))
        },
    )
}

fn correction_form(csrf: &str, data: &RecordPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.error, field);
    let fields = data.fields;
    let customers = with_prompt("Unknown", data.customers);
    html! {
        section {
            h2 #correct { "Correct" }
            p { "A correction is kept in the audit log; the record's charge is reversed and written again as a new revision." }
            form.stack method="post" action={ "/staff/usage/" (data.facts.id) } {
                (csrf_field(csrf))
                fieldset {
                    legend { "Start (local time, " (data.tz) ")" }
                    (text_field("Date", "start_date", "date", &fields.start_date, on("start_date")))
                    (text_field("Time", "start_time", "time", &fields.start_time, on("start_time")))
                }
                fieldset {
                    legend { "End (leave the time empty while it runs)" }
                    (text_field("Date", "end_date", "date", &fields.end_date, on("end_date")))
                    (text_field("Time", "end_time", "time", &fields.end_time, on("end_time")))
                }
                (field_error(on("customer_id"), select_field("Customer", "customer_id", &customers, &fields.customer_id)))
                label.check for="f-void" {
                    input type="checkbox" id="f-void" name="void" value="yes" checked[fields.void];
                    "Void: nobody used it (nothing is charged)"
                }
                (text_field("Why (required, kept in the audit log)", "note", "text", &fields.note, on("note")))
                button type="submit" { "Save the correction" }
            }
        }
    }
}

fn history(id: i64, lines: &[HistoryLine]) -> Markup {
    html! {
        section {
            h2 #history { "History" }
            @if lines.is_empty() {
                p.muted { "No changes recorded." }
            } @else {
                table.responsive aria-labelledby="history" {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Action" } } }
                    tbody {
                        @for line in lines {
                            tr {
                                td data-label="When" { (line.at) }
                                td data-label="Who" { (line.actor) }
                                td data-label="Action" { code { (line.action) } }
                            }
                        }
                    }
                }
            }
            p { a href={ "/staff/audit?object_type=usage&object_id=" (id) } { "The record in the audit log, with every change" } }
        }
    }
}
