//! Staff: the audit log, newest first, filtered by object, a page at a time.
use maud::{html, Markup};

use crate::views::components::{error_summary, text_field};
use crate::views::layout::{self, Chrome};

/// One changed field, its values already as text ("—" for none).
pub struct ChangeLine {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// An audit entry as listed, its time already in the workshop's local time.
pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub changes: Vec<ChangeLine>,
}

pub struct AuditPage<'a> {
    /// The filter as typed.
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub lines: &'a [AuditLine],
    /// The address of the next, older page, when there is one.
    pub older: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn page(chrome: &Chrome<'_>, data: &AuditPage<'_>) -> Markup {
    let filtered = !data.object_type.is_empty() || !data.object_id.is_empty();
    layout::page(
        chrome,
        "Audit log",
        html! {
            h1 { "Audit log" }
            (error_summary(data.error))
            form.search method="get" action="/staff/audit" {
                (text_field("Object type (customer, user, api_token…)", "object_type", "text", data.object_type, None))
                (text_field("Object id", "object_id", "text", data.object_id, None))
                button type="submit" { "Filter" }
                @if filtered { a href="/staff/audit" { "Show everything" } }
            }
            @if data.lines.is_empty() {
                p.muted { "No entries." }
            } @else {
                (table(data.lines))
            }
            @if let Some(older) = data.older {
                p { a href=(older) rel="next" { "Older entries →" } }
            }
        },
    )
}

fn table(lines: &[AuditLine]) -> Markup {
    html! {
        table.responsive {
            thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Object" } th { "Changes" } } }
            tbody {
                @for line in lines {
                    tr {
                        td data-label="When" { (line.at) }
                        td data-label="Who" {
                            @match line.actor_user_id {
                                Some(id) => a href={ "/staff/users/" (id) } { (line.actor) },
                                None => (line.actor),
                            }
                        }
                        td data-label="Action" { code { (line.action) } }
                        td data-label="Object" { (object(line)) }
                        td data-label="Changes" { (changes(&line.changes)) }
                    }
                }
            }
        }
    }
}

/// The object, linked to its own page where it has one, and to its history.
fn object(line: &AuditLine) -> Markup {
    let Some(id) = line.object_id else {
        return html! { (line.object_type) };
    };
    let own_page = match line.object_type.as_str() {
        "customer" => Some(format!("/staff/customers/{id}")),
        "user" => Some(format!("/staff/users/{id}")),
        _ => None,
    };
    html! {
        @match own_page {
            Some(href) => a href=(href) { (line.object_type) " " (id) },
            None => { (line.object_type) " " (id) },
        }
        " "
        a.muted href={ "/staff/audit?object_type=" (line.object_type) "&object_id=" (id) } { "(history)" }
    }
}

fn changes(changes: &[ChangeLine]) -> Markup {
    html! {
        @if !changes.is_empty() {
            ul.changes {
                @for change in changes {
                    li { code { (change.field) } ": " (change.old) " → " (change.new) }
                }
            }
        }
    }
}
