//! The home page: what the workshop offers, and where to go next for a signed-in user.
use maud::{html, Markup};

use crate::domain::Role;
use crate::views::layout::{self, Chrome};

pub fn page(chrome: &Chrome<'_>, workshop_name: &str, first_run: bool) -> Markup {
    layout::page(
        chrome,
        "Welcome",
        html! {
            h1 { (workshop_name) }
            p.lead {
                "Book machine time and tutors by the hour, sign up for manufacturing training, "
                "and find your monthly invoices in one place."
            }
            @if first_run {
                section.notice {
                    h2 { "First start" }
                    p { "There are no accounts yet. Create the first administrator from a terminal:" }
                    pre { "obrador user add --email you@example.org --name \"Your Name\" --role admin" }
                    p { "or load a demo workshop with " code { "obrador demo" } "." }
                }
            }
            @match chrome.user {
                Some(user) => {
                    p { "Signed in as " strong { (user.name) } " (" (user.role) ")." }
                    ul {
                        li { a href="/account" { "My account" } }
                        @if user.role.is_staff() {
                            li { a href="/staff/customers" { "Customers" } }
                            li { a href="/staff/users" { "Users" } }
                        }
                        @if user.role == Role::BusinessAdmin {
                            li { a href="/business" { "My business" } }
                        }
                    }
                }
                None => {
                    p { a.button href="/login" { "Sign in" } }
                }
            }
        },
    )
}
