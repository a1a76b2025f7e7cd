//! "My bookings" (staff: everyone's) with cancel and move, and the booking form that books or
//! moves machine time in local date and time.
use maud::{html, Markup};

use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};
use crate::views::pages::staff::FormError;

/// A booking as listed, every value already in words and local time.
pub struct BookingLine {
    pub id: i64,
    pub machine: String,
    pub when: String,
    pub price: String,
    pub cancelled: bool,
    /// The customer and person it is for, when the viewer books for others.
    pub who: Option<String>,
    /// Present while the booking can still be moved or cancelled.
    pub actions: Option<LineActions>,
}

pub struct LineActions {
    /// The fee cancelling now would cost, when past the free-cancellation deadline.
    pub late_fee: Option<String>,
    /// Until when cancelling is free (local).
    pub free_until: String,
}

pub struct BookingsPage<'a> {
    pub upcoming: &'a [BookingLine],
    pub past: &'a [BookingLine],
    /// Days of history shown.
    pub past_days: i64,
    pub show_who: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn list(chrome: &Chrome<'_>, data: &BookingsPage<'_>) -> Markup {
    layout::page(
        chrome,
        "My bookings",
        html! {
            h1 { "My bookings" }
            (notice(data.notice))
            (error_summary(data.error))
            p.actions {
                a.button href="/bookings/new" { "Book machine time" }
                a href="/machines" { "See the machines and their free time" }
            }
            section {
                h2 #upcoming { "Upcoming" }
                (table(chrome.csrf, data.upcoming, data.show_who, "upcoming"))
            }
            section {
                h2 #past { "Past " (data.past_days) " days" }
                (table(chrome.csrf, data.past, data.show_who, "past"))
            }
        },
    )
}

fn table(csrf: &str, lines: &[BookingLine], show_who: bool, heading: &str) -> Markup {
    html! {
        @if lines.is_empty() {
            p.muted { "No bookings." }
        } @else {
            table.responsive aria-labelledby=(heading) {
                thead {
                    tr {
                        th scope="col" { "When" }
                        th scope="col" { "Machine" }
                        @if show_who { th scope="col" { "For" } }
                        th scope="col" class="num" { "Price" }
                        th scope="col" { "Status" }
                        th scope="col" { span.skip { "Actions" } }
                    }
                }
                tbody {
                    @for line in lines {
                        tr id={ "booking-" (line.id) } {
                            td data-label="When" { (line.when) }
                            td data-label="Machine" { (line.machine) }
                            @if show_who { td data-label="For" { (line.who.as_deref().unwrap_or("")) } }
                            td.num data-label="Price" { (line.price) }
                            td data-label="Status" { @if line.cancelled { "cancelled" } @else { "confirmed" } }
                            td { @if let Some(actions) = &line.actions { (line_actions(csrf, line, actions)) } }
                        }
                    }
                }
            }
        }
    }
}

fn line_actions(csrf: &str, line: &BookingLine, actions: &LineActions) -> Markup {
    html! {
        div.actions {
            a href={ "/bookings/" (line.id) "/move" } aria-label={ "Move the booking of " (line.machine) ", " (line.when) } { "Move" }
            form.inline method="post" action={ "/bookings/" (line.id) "/cancel" } {
                (csrf_field(csrf))
                @match &actions.late_fee {
                    Some(fee) => button.secondary type="submit" { "Cancel with a fee of " (fee) }
                    None => button.secondary type="submit" aria-label={ "Cancel the booking of " (line.machine) ", " (line.when) } { "Cancel" }
                }
            }
        }
        @if actions.late_fee.is_some() {
            p.muted { "Free cancellation ended " (actions.free_until) "." }
        } @else {
            p.muted { "Free to cancel until " (actions.free_until) "." }
        }
    }
}

/// The form's values, as shown or as typed.
#[derive(Debug, Default)]
pub struct BookingFields {
    pub resource_id: String,
    pub date: String,
    pub start: String,
    pub end: String,
    pub note: String,
    /// Staff: the email of the person the booking is for (empty: themselves).
    pub user_email: String,
}

/// What the form does: book any machine, or move one booking on its machine.
pub enum FormTarget<'a> {
    New {
        /// `(id, name)` of each machine.
        machines: &'a [(String, String)],
    },
    Move {
        booking_id: i64,
        machine: &'a str,
        when: &'a str,
    },
}

pub struct BookingFormPage<'a> {
    pub target: FormTarget<'a>,
    pub fields: &'a BookingFields,
    /// Staff may book for someone else.
    pub for_someone: bool,
    /// The rules of the chosen machine, in words.
    pub rules: &'a [String],
    /// A link back to the chosen machine's week.
    pub week: Option<String>,
    pub tz: &'a str,
    pub error: Option<&'a FormError>,
}

pub fn form(chrome: &Chrome<'_>, data: &BookingFormPage<'_>) -> Markup {
    let error = |field| FormError::for_field(data.error, field);
    let fields = data.fields;
    let (title, action, button) = match &data.target {
        FormTarget::New { .. } => ("Book machine time", "/bookings/new".to_string(), "Book"),
        FormTarget::Move { booking_id, .. } => (
            "Move a booking",
            format!("/bookings/{booking_id}/move"),
            "Move the booking",
        ),
    };
    layout::page(
        chrome,
        title,
        html! {
            p { a href="/bookings" { "← My bookings" } }
            h1 { (title) }
            (error_summary(data.error.map(|e| e.message.as_str())))
            form.stack method="post" action=(action) {
                (csrf_field(chrome.csrf))
                @match &data.target {
                    FormTarget::New { machines } => {
                        @let options: Vec<(&str, &str)> = std::iter::once(("", "Choose a machine"))
                            .chain(machines.iter().map(|(id, name)| (id.as_str(), name.as_str())))
                            .collect();
                        (select_field("Machine", "resource_id", &options, &fields.resource_id))
                    }
                    FormTarget::Move { machine, when, .. } => {
                        p { strong { (machine) } ", now " (when) "." }
                    }
                }
                (text_field("Date", "date", "date", &fields.date, error("date")))
                (text_field("Start (local time)", "start", "time", &fields.start, error("start")))
                (text_field("End (local time; 00:00 is midnight)", "end", "time", &fields.end, error("end")))
                @if let FormTarget::New { .. } = data.target {
                    (text_field("Note (optional)", "note", "text", &fields.note, None))
                    @if data.for_someone {
                        (text_field("For the user with email (empty: yourself)", "user_email", "email", &fields.user_email, error("user_email")))
                    }
                }
                button type="submit" { (button) }
            }
            p.muted { "Times are local (" (data.tz) ")." }
            @if !data.rules.is_empty() {
                ul.rules { @for rule in data.rules { li { (rule) } } }
            }
            @if let Some(week) = &data.week {
                p { a href=(week) { "See this machine's week" } }
            }
        },
    )
}
