//! Staff: the form that creates a user, and the page that shows their generated password once.
use maud::{html, Markup};

use super::{role_label, role_options, FormError};
use crate::domain::{Customer, NewPassword, Role, User};
use crate::views::components::{csrf_field, error_summary, select_field, text_field};
use crate::views::layout::{self, Chrome};

/// The form's values as typed (a password is never shown again).
#[derive(Debug, Default)]
pub struct NewUserFields<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    /// A business customer's id, or empty for an individual account of their own.
    pub business: &'a str,
}

pub struct NewUserPage<'a> {
    pub values: NewUserFields<'a>,
    /// The roles the signed-in staff member may give.
    pub roles: &'a [Role],
    pub businesses: &'a [Customer],
    pub error: Option<&'a FormError>,
}

pub fn page(chrome: &Chrome<'_>, data: &NewUserPage<'_>) -> Markup {
    let error = |field| FormError::for_field(data.error, field);
    let business_ids: Vec<String> = data.businesses.iter().map(|b| b.id.to_string()).collect();
    let mut businesses = vec![("", "Their own individual account")];
    businesses.extend(
        business_ids
            .iter()
            .map(String::as_str)
            .zip(data.businesses.iter().map(|b| b.legal_name.as_str())),
    );
    let password_label = format!(
        "Password (at least {} characters; leave empty to generate one)",
        NewPassword::MIN_CHARS
    );
    layout::page(
        chrome,
        "New user",
        html! {
            p { a href="/staff/users" { "← All users" } }
            h1 { "New user" }
            (error_summary(data.error.map(|e| e.message.as_str())))
            form.stack method="post" action="/staff/users/new" {
                (csrf_field(chrome.csrf))
                (text_field("Email", "email", "email", data.values.email, error("email")))
                (text_field("Name", "name", "text", data.values.name, error("name")))
                (select_field("Role", "role", &role_options(data.roles), data.values.role))
                (select_field("Customer account", "business", &businesses, data.values.business))
                (text_field(&password_label, "password", "password", "", error("password")))
                button type="submit" { "Create user" }
            }
        },
    )
}

/// Answers the creation when the password was generated: shown on this page only, never stored.
pub fn created(chrome: &Chrome<'_>, user: &User, password: &str) -> Markup {
    layout::page(
        chrome,
        "User created",
        html! {
            h1 { "User created" }
            div.notice role="status" {
                p { (user.name) " (" (user.email) ", " (role_label(user.role)) ") can now sign in with this password. "
                    "Copy it now and pass it on safely: it will not be shown again." }
                p.token-secret #new-password { (password) }
            }
            p.actions {
                a href={ "/staff/users/" (user.id) } { "Open " (user.name) }
                a href="/staff/users/new" { "Create another user" }
            }
        },
    )
}
