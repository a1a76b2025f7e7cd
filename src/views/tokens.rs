//! The table of a user's API tokens, shown on "My account" and on the staff's user page.
use maud::{html, Markup};

use super::components::csrf_field;

/// A token as listed, with times already in the workshop's local time.
pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
    pub machine: Option<i64>,
}

/// The tokens with a revoke button on live ones; `revoke_action` gives each button's form action.
pub fn table(
    csrf: &str,
    tokens: &[TokenLine],
    revoke_action: &dyn Fn(&TokenLine) -> String,
) -> Markup {
    html! {
        @if tokens.is_empty() {
            p.muted { "No API tokens." }
        } @else {
            table.responsive {
                thead { tr { th { "Name" } th { "Starts with" } th { "Created" } th { "Last used" } th { "Status" } th { span.skip { "Actions" } } } }
                tbody {
                    @for token in tokens {
                        tr {
                            td data-label="Name" {
                                (token.name)
                                @if let Some(machine) = token.machine { " (device, machine " (machine) ")" }
                            }
                            td data-label="Starts with" { code { (token.hint) "…" } }
                            td data-label="Created" { (token.created) }
                            td data-label="Last used" { (token.last_used.as_deref().unwrap_or("never")) }
                            td data-label="Status" { @if token.revoked { "revoked" } @else { "active" } }
                            td {
                                @if !token.revoked {
                                    form.inline method="post" action=(revoke_action(token)) {
                                        (csrf_field(csrf))
                                        button.secondary type="submit" aria-label={ "Revoke the token " (token.name) } { "Revoke" }
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
