//! Staff: one user — change their name, role and status, and see or revoke their API tokens.
use maud::{html, Markup};

use super::{role_label, role_options, FormError};
use crate::domain::{Customer, Role, User};
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};
use crate::views::pages::account::TokenLine;

/// The status select's values.
pub const ACTIVE: &str = "active";
pub const INACTIVE: &str = "inactive";

/// The edit form's values: the stored ones, or what was typed when it was refused.
pub struct UserFields<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub status: &'a str,
}

impl<'a> UserFields<'a> {
    pub fn of(user: &'a User) -> UserFields<'a> {
        UserFields {
            name: &user.name,
            role: user.role.as_str(),
            status: if user.active { ACTIVE } else { INACTIVE },
        }
    }
}

pub struct UserPage<'a> {
    pub user: &'a User,
    pub customer: &'a Customer,
    /// The form's values, or `None` when the staff member may not change this user.
    pub fields: Option<UserFields<'a>>,
    pub roles: &'a [Role],
    /// The user's tokens, when the staff member may see them.
    pub tokens: Option<&'a [TokenLine]>,
    pub notice: Option<&'a str>,
    pub error: Option<&'a FormError>,
}

pub fn page(chrome: &Chrome<'_>, data: &UserPage<'_>) -> Markup {
    let user = data.user;
    let action = format!("/staff/users/{}", user.id);
    layout::page(
        chrome,
        &user.name,
        html! {
            p { a href="/staff/users" { "← All users" } }
            h1 { (user.name) }
            (notice(data.notice))
            p {
                (user.email) " · " (role_label(user.role)) " · account "
                a href={ "/staff/customers/" (data.customer.id) } { (data.customer.legal_name) }
            }
            @match &data.fields {
                Some(fields) => (user_form(chrome.csrf, &action, fields, data.roles, data.error)),
                None => p.muted { "Only an admin can change staff and admin accounts." },
            }
            @if let Some(tokens) = data.tokens {
                (tokens_table(chrome.csrf, user, tokens))
            }
            p { a href={ "/staff/audit?object_type=user&object_id=" (user.id) } { "History of this user" } }
        },
    )
}

/// Name, role and status of a person: the staff page and the business page post the same fields.
pub fn user_form(
    csrf: &str,
    action: &str,
    fields: &UserFields<'_>,
    roles: &[Role],
    error: Option<&FormError>,
) -> Markup {
    let statuses = [
        (ACTIVE, "Active"),
        (INACTIVE, "Deactivated (cannot sign in)"),
    ];
    html! {
        (error_summary(error.map(|e| e.message.as_str())))
        form.stack method="post" action=(action) {
            (csrf_field(csrf))
            (text_field("Name", "name", "text", fields.name, FormError::for_field(error, "name")))
            (select_field("Role", "role", &role_options(roles), fields.role))
            (select_field("Status", "status", &statuses, fields.status))
            button type="submit" { "Save changes" }
        }
    }
}

fn tokens_table(csrf: &str, user: &User, tokens: &[TokenLine]) -> Markup {
    html! {
        section {
            h2 { "API tokens" }
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
                                        form.inline method="post" action={ "/staff/users/" (user.id) "/tokens/" (token.id) "/revoke" } {
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
}
