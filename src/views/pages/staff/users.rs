//! Staff: the list of users, with a search.
use maud::{html, Markup};

use super::{role_label, search_form};
use crate::domain::User;
use crate::views::layout::{self, Chrome};

/// A user as listed, with the name of the customer account they belong to.
pub struct UserLine<'a> {
    pub user: &'a User,
    pub customer_name: &'a str,
}

pub fn page(chrome: &Chrome<'_>, search: &str, lines: &[UserLine<'_>]) -> Markup {
    layout::page(
        chrome,
        "Users",
        html! {
            h1 { "Users" }
            div.actions {
                a.button href="/staff/users/new" { "New user" }
            }
            (search_form("/staff/users", "Name or email", search))
            @if lines.is_empty() {
                p.muted { "No user matches." }
            } @else {
                (table(lines))
            }
        },
    )
}

fn table(lines: &[UserLine<'_>]) -> Markup {
    html! {
        table.responsive {
            thead {
                tr { th { "Name" } th { "Email" } th { "Role" } th { "Status" } th { "Customer" } }
            }
            tbody {
                @for line in lines {
                    tr {
                        td data-label="Name" { a href={ "/staff/users/" (line.user.id) } { (line.user.name) } }
                        td data-label="Email" { (line.user.email) }
                        td data-label="Role" { (role_label(line.user.role)) }
                        td data-label="Status" { @if line.user.active { "active" } @else { "deactivated" } }
                        td data-label="Customer" {
                            a href={ "/staff/customers/" (line.user.customer_id) } { (line.customer_name) }
                        }
                    }
                }
            }
        }
    }
}
