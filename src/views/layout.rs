//! The one page frame every screen renders into.
use maud::{html, Markup, DOCTYPE};

use crate::domain::{Role, User};

/// What the frame needs to know about the visitor: who they are (for the menu) and their CSRF
/// token (for the sign-out form).
pub struct Chrome<'a> {
    pub user: Option<&'a User>,
    pub csrf: &'a str,
}

/// A complete HTML document with the site header and `content` as its main region.
pub fn page(chrome: &Chrome<'_>, title: &str, content: Markup) -> Markup {
    document(title, Some(chrome), content)
}

/// A page without the menu, for errors rendered outside any request context.
pub fn bare_page(title: &str, content: Markup) -> Markup {
    document(title, None, content)
}

fn document(title: &str, chrome: Option<&Chrome<'_>>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Obrador" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "Obrador" }
                    @if let Some(chrome) = chrome { (menu(chrome)) }
                }
                main #main {
                    (content)
                }
            }
        }
    }
}

fn menu(chrome: &Chrome<'_>) -> Markup {
    html! {
        nav aria-label="Main" {
            a href="/machines" { "Machines" }
            a href="/training" { "Training" }
            @match chrome.user {
                Some(user) => {
                    a href="/bookings" { "My bookings" }
                    a href="/trainings" { "My trainings" }
                    a href="/usage" { "My usage" }
                    a href="/invoices" { "My invoices" }
                    @if user.role == Role::Tutor {
                        a href="/tutor/schedule" { "My schedule" }
                    }
                    @if user.role.is_staff() {
                        a href="/staff/today" { "Today" }
                        a href="/staff/usage" { "Usage" }
                        a href="/staff/invoices" { "Invoices" }
                        a href="/staff/plans" { "Plans" }
                        a href="/staff/machines" { "Machines & hours" }
                        a href="/staff/training" { "Courses & sessions" }
                        a href="/staff/customers" { "Customers" }
                        a href="/staff/users" { "Users" }
                        a href="/staff/audit" { "Audit log" }
                        a href="/staff/outbox" { "Outbox" }
                    }
                    @if user.role == Role::BusinessAdmin {
                        a href="/business" { "My business" }
                    }
                    a href="/account" { "My account" }
                    form.inline method="post" action="/logout" {
                        (crate::views::components::csrf_field(chrome.csrf))
                        button.link type="submit" { "Sign out (" (user.name) ")" }
                    }
                }
                None => {
                    a href="/login" { "Sign in" }
                }
            }
        }
    }
}
