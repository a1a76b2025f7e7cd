//! Staff: the mail outbox, newest first, with each message's delivery state and a way to resend
//! the ones the sender gave up on.
use maud::{html, Markup};

use crate::mail::OutboxStatus;
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

/// A message as listed, its times already in the workshop's local time.
pub struct OutboxLine {
    pub id: i64,
    pub status: OutboxStatus,
    pub recipient: String,
    pub subject: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created: String,
    pub sent: Option<String>,
    /// When a pending message that failed before is tried again.
    pub retry_at: Option<String>,
}

pub struct OutboxPage<'a> {
    /// The filter as typed.
    pub status: &'a str,
    pub search: &'a str,
    pub lines: &'a [OutboxLine],
    /// The address of the next, older page, when there is one.
    pub older: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

const STATUS_OPTIONS: [(&str, &str); 4] = [
    ("", "Any status"),
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
];

pub fn page(chrome: &Chrome<'_>, data: &OutboxPage<'_>) -> Markup {
    let filtered = !data.status.is_empty() || !data.search.is_empty();
    layout::page(
        chrome,
        "Outbox",
        html! {
            h1 { "Outbox" }
            (notice(data.notice))
            (error_summary(data.error))
            form.search method="get" action="/staff/outbox" role="search" {
                (select_field("Status", "status", &STATUS_OPTIONS, data.status))
                (text_field("Recipient or subject", "q", "search", data.search, None))
                button type="submit" { "Filter" }
                @if filtered { a href="/staff/outbox" { "Show everything" } }
            }
            @if data.lines.is_empty() {
                p.muted { "No messages." }
            } @else {
                (table(chrome, data.lines))
            }
            @if let Some(older) = data.older {
                p { a href=(older) rel="next" { "Older messages →" } }
            }
        },
    )
}

fn table(chrome: &Chrome<'_>, lines: &[OutboxLine]) -> Markup {
    html! {
        table.responsive {
            thead {
                tr {
                    th { "Status" } th { "Recipient" } th { "Subject" } th { "Attempts" }
                    th { "Last error" } th { "Queued" } th { "Sent" } th { "Action" }
                }
            }
            tbody {
                @for line in lines {
                    tr id={ "message-" (line.id) } {
                        td data-label="Status" {
                            (status_label(line.status))
                            @if let Some(at) = &line.retry_at { br; small.muted { "next try " (at) } }
                        }
                        td data-label="Recipient" { (line.recipient) }
                        td data-label="Subject" { (line.subject) }
                        td data-label="Attempts" { (line.attempts) }
                        td data-label="Last error" {
                            @if let Some(error) = &line.last_error { code { (error) } } @else { "—" }
                        }
                        td data-label="Queued" { (line.created) }
                        td data-label="Sent" { (line.sent.as_deref().unwrap_or("—")) }
                        td {
                            @if line.status == OutboxStatus::Failed {
                                form.inline method="post" action={ "/staff/outbox/" (line.id) "/resend" } {
                                    (csrf_field(chrome.csrf))
                                    button type="submit" { "Resend" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn status_label(status: OutboxStatus) -> Markup {
    match status {
        OutboxStatus::Pending => html! { "Pending" },
        OutboxStatus::Sent => html! { "Sent" },
        OutboxStatus::Failed => html! { strong { "Failed" } },
    }
}
