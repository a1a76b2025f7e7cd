//! Staff: the workshop's opening hours per weekday, typed as text ("09:00-14:00, 16:00-20:00"),
//! and its closures with a form to add one.
use maud::{html, Markup};

use super::FormError;
use crate::domain::booking::{Closure, WEEKDAYS};
use crate::views::components::{csrf_field, error_summary, notice, text_field};
use crate::views::layout::{self, Chrome};

/// The names of the seven weekday fields, Monday first.
pub const DAY_FIELDS: [&str; 7] = ["day0", "day1", "day2", "day3", "day4", "day5", "day6"];

/// The closure form's values as typed.
#[derive(Debug, Default)]
pub struct ClosureFields {
    pub first_day: String,
    pub last_day: String,
    pub reason: String,
}

pub struct HoursPage<'a> {
    /// Each weekday's hours as text, Monday first.
    pub days: &'a [String; 7],
    pub closures: &'a [Closure],
    pub closure: &'a ClosureFields,
    pub notice: Option<&'a str>,
    pub hours_error: Option<&'a FormError>,
    pub closure_error: Option<&'a FormError>,
}

pub fn page(chrome: &Chrome<'_>, data: &HoursPage<'_>) -> Markup {
    let on = |error, field| FormError::for_field(error, field);
    layout::page(
        chrome,
        "Opening hours and closures",
        html! {
            p { a href="/staff/machines" { "← Machines" } }
            h1 { "Opening hours and closures" }
            (notice(data.notice))
            section {
                h2 { "Opening hours" }
                p.muted { "Local time. Several intervals a day are separated by commas, e.g. 09:00-14:00, 16:00-20:00; 24:00 is midnight. Leave a day empty when the workshop is closed." }
                (error_summary(data.hours_error.map(|e| e.message.as_str())))
                form.stack method="post" action="/staff/hours" {
                    (csrf_field(chrome.csrf))
                    @for (n, field) in DAY_FIELDS.iter().enumerate() {
                        (text_field(WEEKDAYS[n], field, "text", &data.days[n], on(data.hours_error, field)))
                    }
                    button type="submit" { "Save opening hours" }
                }
            }
            section {
                h2 { "Closures" }
                @if data.closures.is_empty() {
                    p.muted { "No closures ahead." }
                } @else {
                    table.responsive {
                        thead { tr { th scope="col" { "From" } th scope="col" { "Until" } th scope="col" { "Reason" } } }
                        tbody {
                            @for closure in data.closures {
                                tr {
                                    td data-label="From" { (closure.first_day.format("%a %-d %b %Y")) }
                                    td data-label="Until" { (closure.last_day.format("%a %-d %b %Y")) }
                                    td data-label="Reason" { (closure.reason) }
                                }
                            }
                        }
                    }
                }
                h3 { "Close the workshop" }
                (error_summary(data.closure_error.map(|e| e.message.as_str())))
                form.stack method="post" action="/staff/hours/closures" {
                    (csrf_field(chrome.csrf))
                    (text_field("First day", "first_day", "date", &data.closure.first_day, on(data.closure_error, "first_day")))
                    (text_field("Last day (included)", "last_day", "date", &data.closure.last_day, on(data.closure_error, "last_day")))
                    (text_field("Reason", "reason", "text", &data.closure.reason, on(data.closure_error, "reason")))
                    button type="submit" { "Add the closure" }
                }
            }
        },
    )
}
