//! Staff: the front desk's board for today — the day's bookings with check-in, check-out and
//! no-show buttons, the usage running now, today's training sessions, and a walk-in form.
use maud::{html, Markup};

use super::FormError;
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

/// Where a booking of today stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    NotYetArrived,
    CheckedIn,
    Done,
    NoShow,
    Cancelled,
}

impl Arrival {
    pub fn label(self) -> &'static str {
        match self {
            Arrival::NotYetArrived => "not yet arrived",
            Arrival::CheckedIn => "checked in",
            Arrival::Done => "done",
            Arrival::NoShow => "no-show",
            Arrival::Cancelled => "cancelled",
        }
    }
}

/// A booking of today, every value already in words and local time.
pub struct BookingLine {
    pub id: i64,
    pub time: String,
    pub machine: String,
    pub who: String,
    pub arrival: Arrival,
    /// The open usage record to check out, while checked in.
    pub open_usage: Option<i64>,
    pub may_check_in: bool,
    pub may_mark_no_show: bool,
}

/// A usage record open now (checked in, a walk-in, or started by a machine).
pub struct RunningLine {
    pub id: i64,
    pub machine: String,
    pub who: String,
    pub source: &'static str,
    pub since: String,
}

/// A training session of today.
pub struct SessionLine {
    pub id: i64,
    pub time: String,
    pub course: String,
    pub tutor: String,
    pub seats: String,
    /// "running now", "later today" or "ended".
    pub now: &'static str,
}

/// The walk-in form's values as typed.
#[derive(Debug, Default)]
pub struct WalkInFields {
    pub machine_id: String,
    pub customer_id: String,
    pub note: String,
}

pub struct TodayPage<'a> {
    /// Today, in words.
    pub day: &'a str,
    pub bookings: &'a [BookingLine],
    pub running: &'a [RunningLine],
    pub sessions: &'a [SessionLine],
    /// `(id, name)` of each machine and of the customers offered.
    pub machines: &'a [(String, String)],
    pub customers: &'a [(String, String)],
    /// The customer search as typed.
    pub search: &'a str,
    pub walk_in: &'a WalkInFields,
    pub tz: &'a str,
    pub notice: Option<&'a str>,
    /// A refused action, named at the top of the page.
    pub error: Option<&'a str>,
    /// The walk-in form's problem, also shown next to its field.
    pub walk_in_error: Option<&'a FormError>,
}

pub fn page(chrome: &Chrome<'_>, data: &TodayPage<'_>) -> Markup {
    layout::page(
        chrome,
        "Today",
        html! {
            h1 { "Today, " (data.day) }
            (notice(data.notice))
            (error_summary(data.error.or(data.walk_in_error.map(|e| e.message.as_str()))))
            p.actions {
                a href="#walk-in" { "Start a walk-in" }
                a href="/staff/usage" { "All usage and anomalies" }
            }
            (bookings(chrome.csrf, data.bookings))
            (running(chrome.csrf, data.running))
            (walk_in(chrome.csrf, data))
            (sessions(data.sessions))
            p.muted { "Times are local (" (data.tz) ")." }
        },
    )
}

fn bookings(csrf: &str, lines: &[BookingLine]) -> Markup {
    html! {
        section {
            h2 #bookings { "Bookings" }
            @if lines.is_empty() {
                p.muted { "No bookings today." }
            } @else {
                table.responsive aria-labelledby="bookings" {
                    thead {
                        tr {
                            th scope="col" { "Time" }
                            th scope="col" { "Machine" }
                            th scope="col" { "For" }
                            th scope="col" { "State" }
                            th scope="col" { span.skip { "Actions" } }
                        }
                    }
                    tbody {
                        @for line in lines {
                            tr id={ "booking-" (line.id) } {
                                th scope="row" data-label="Time" { (line.time) }
                                td data-label="Machine" { (line.machine) }
                                td data-label="For" { (line.who) }
                                td data-label="State" { span class={ "state " (line.arrival.label().replace(' ', "-")) } { (line.arrival.label()) } }
                                td { (booking_actions(csrf, line)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn booking_actions(csrf: &str, line: &BookingLine) -> Markup {
    let about = format!("{}, {}, {}", line.machine, line.time, line.who);
    html! {
        div.actions {
            @if line.may_check_in {
                (button(csrf, &format!("/staff/today/bookings/{}/check-in", line.id), "Check in", &format!("Check in: {about}"), false))
            }
            @if let Some(usage) = line.open_usage {
                (button(csrf, &format!("/staff/today/usage/{usage}/check-out"), "Check out", &format!("Check out: {about}"), false))
            }
            @if line.may_mark_no_show {
                (button(csrf, &format!("/staff/today/bookings/{}/no-show", line.id), "No-show", &format!("No-show: {about}"), true))
            }
        }
    }
}

/// A one-click form; `label` names the row for screen readers.
fn button(csrf: &str, action: &str, text: &str, label: &str, secondary: bool) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(csrf))
            button class=[secondary.then_some("secondary")] type="submit" aria-label=(label) { (text) }
        }
    }
}

fn running(csrf: &str, lines: &[RunningLine]) -> Markup {
    html! {
        section {
            h2 #running { "Running now" }
            @if lines.is_empty() {
                p.muted { "Nothing is running." }
            } @else {
                table.responsive aria-labelledby="running" {
                    thead {
                        tr {
                            th scope="col" { "Machine" }
                            th scope="col" { "Customer" }
                            th scope="col" { "From" }
                            th scope="col" { "Since" }
                            th scope="col" { span.skip { "Actions" } }
                        }
                    }
                    tbody {
                        @for line in lines {
                            tr id={ "usage-" (line.id) } {
                                th scope="row" data-label="Machine" { (line.machine) }
                                td data-label="Customer" { (line.who) }
                                td data-label="From" { (line.source) }
                                td data-label="Since" { (line.since) }
                                td {
                                    div.actions {
                                        (button(csrf, &format!("/staff/today/usage/{}/check-out", line.id), "Check out", &format!("Check out: {}, {}", line.machine, line.who), false))
                                        a href={ "/staff/usage/" (line.id) } aria-label={ "Correct the usage of " (line.machine) ", " (line.who) } { "Correct" }
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

fn walk_in(csrf: &str, data: &TodayPage<'_>) -> Markup {
    let on = |field| FormError::for_field(data.walk_in_error, field);
    let fields = data.walk_in;
    let machines = with_prompt("Choose a machine", data.machines);
    let customers = with_prompt("Choose a customer", data.customers);
    html! {
        section {
            h2 #walk-in { "Walk-in" }
            p { "Someone uses a machine without a booking: the usage runs from now until it is checked out." }
            form.search method="get" action="/staff/today#walk-in" role="search" {
                (text_field("Find a customer (name, tax id or email)", "q", "search", data.search, None))
                button.secondary type="submit" { "Find" }
            }
            form.stack method="post" action="/staff/today/walk-in" {
                (csrf_field(csrf))
                (field_error(on("machine_id"), select_field("Machine", "machine_id", &machines, &fields.machine_id)))
                (field_error(on("customer_id"), select_field("Customer", "customer_id", &customers, &fields.customer_id)))
                (text_field("Note (optional)", "note", "text", &fields.note, None))
                button type="submit" { "Start the walk-in" }
            }
        }
    }
}

/// A select with its problem under it.
pub(crate) fn field_error(error: Option<&str>, field: Markup) -> Markup {
    html! {
        (field)
        @if let Some(error) = error {
            span.field-error role="alert" { (error) }
        }
    }
}

pub(crate) fn with_prompt<'a>(
    prompt: &'a str,
    options: &'a [(String, String)],
) -> Vec<(&'a str, &'a str)> {
    std::iter::once(("", prompt))
        .chain(options.iter().map(|(v, l)| (v.as_str(), l.as_str())))
        .collect()
}

fn sessions(lines: &[SessionLine]) -> Markup {
    html! {
        section {
            h2 #sessions { "Training sessions" }
            @if lines.is_empty() {
                p.muted { "No training sessions today." }
            } @else {
                table.responsive aria-labelledby="sessions" {
                    thead {
                        tr {
                            th scope="col" { "Time" }
                            th scope="col" { "Course" }
                            th scope="col" { "Tutor" }
                            th scope="col" { "Seats" }
                            th scope="col" { "Now" }
                        }
                    }
                    tbody {
                        @for line in lines {
                            tr id={ "session-" (line.id) } {
                                th scope="row" data-label="Time" {
                                    a href={ "/training/sessions/" (line.id) } { (line.time) }
                                }
                                td data-label="Course" { (line.course) }
                                td data-label="Tutor" { (line.tutor) }
                                td data-label="Seats" { (line.seats) }
                                td data-label="Now" { (line.now) }
                            }
                        }
                    }
                }
            }
        }
    }
}
