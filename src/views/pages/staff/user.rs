//! Staff: one user — change their name, role and status, see or revoke their API tokens, and grant
//! or revoke their qualifications.
use maud::{html, Markup};

use super::{role_label, role_options, FormError};
use crate::domain::{Customer, Role, User};
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};
use crate::views::tokens::{self, TokenLine};

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
    pub held: &'a [HeldLine],
    /// Every qualification as `(id, name)`, for the grant form.
    pub grantable: &'a [(String, String)],
    pub notice: Option<&'a str>,
    pub error: Option<&'a FormError>,
    pub grant_error: Option<&'a FormError>,
}

/// A qualification the user holds, its expiry already a local date.
pub struct HeldLine {
    pub id: i64,
    pub name: String,
    pub expires_on: Option<String>,
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
            (qualifications_section(chrome.csrf, data))
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

fn tokens_table(csrf: &str, user: &User, list: &[TokenLine]) -> Markup {
    html! {
        section {
            h2 { "API tokens" }
            (tokens::table(csrf, list, &|t| format!("/staff/users/{}/tokens/{}/revoke", user.id, t.id)))
        }
    }
}

/// What the user holds, each with a revoke button, and a form to grant one (or renew it).
fn qualifications_section(csrf: &str, data: &UserPage<'_>) -> Markup {
    let action = format!("/staff/users/{}/qualifications", data.user.id);
    let options: Vec<(&str, &str)> = data
        .grantable
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect();
    html! {
        section {
            h2 #qualifications { "Qualifications" }
            @if data.held.is_empty() {
                p.muted { "No qualifications." }
            } @else {
                table.responsive {
                    thead { tr { th scope="col" { "Qualification" } th scope="col" { "Expires on" } th { span.skip { "Actions" } } } }
                    tbody {
                        @for held in data.held {
                            tr {
                                td data-label="Qualification" { (held.name) }
                                td data-label="Expires on" { (held.expires_on.as_deref().unwrap_or("never")) }
                                td {
                                    form.inline method="post" action={ (action) "/" (held.id) "/revoke" } {
                                        (csrf_field(csrf))
                                        button.secondary type="submit" aria-label={ "Revoke " (held.name) } { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (error_summary(data.grant_error.map(|e| e.message.as_str())))
            @if options.is_empty() {
                p.muted { "There are no qualifications to grant yet: " a href="/staff/qualifications" { "add one" } "." }
            } @else {
                form.stack method="post" action=(action) {
                    (csrf_field(csrf))
                    (select_field("Qualification to grant", "qualification_id", &options, ""))
                    p.muted { "Granting one the user already holds renews it from today." }
                    button type="submit" { "Grant" }
                }
            }
        }
    }
}
