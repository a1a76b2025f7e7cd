//! "My business", for a business's admin: its billing details, its people, adding an employee,
//! and changing one employee.
use maud::{html, Markup};

use super::staff::customer::billing_fields;
use super::staff::user::{user_form, UserFields};
use super::staff::{role_label, role_options, FormError};
use crate::domain::{Customer, RawCustomer, Role, User};
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

/// The add-employee form's values as typed.
#[derive(Debug, Default)]
pub struct EmployeeFields<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
}

pub struct BusinessPage<'a> {
    pub customer: &'a Customer,
    /// The billing form's values: the stored ones, or what was typed when it was refused.
    pub details: &'a RawCustomer,
    pub details_error: Option<&'a str>,
    pub people: &'a [User],
    pub employee: EmployeeFields<'a>,
    pub employee_error: Option<&'a FormError>,
    /// The roles a business admin may give.
    pub roles: &'a [Role],
    /// An employee just added and their generated password, shown this once.
    pub created: Option<(&'a User, &'a str)>,
    pub notice: Option<&'a str>,
}

pub fn page(chrome: &Chrome<'_>, data: &BusinessPage<'_>) -> Markup {
    layout::page(
        chrome,
        &data.customer.legal_name,
        html! {
            h1 { (data.customer.legal_name) }
            (notice(data.notice))
            @if let Some((user, password)) = data.created {
                div.notice role="status" {
                    p { (user.name) " (" (user.email) ") can now sign in with this password. "
                        "Copy it now and pass it on safely: it will not be shown again." }
                    p.token-secret #new-password { (password) }
                }
            }
            (people(data.people))
            (add_employee(chrome.csrf, data))
            section {
                h2 { "Billing details" }
                p.muted { "Invoices are made out to these details." }
                (error_summary(data.details_error))
                form.stack method="post" action="/business/details" {
                    (csrf_field(chrome.csrf))
                    (billing_fields(data.details))
                    button type="submit" { "Save billing details" }
                }
            }
        },
    )
}

fn people(people: &[User]) -> Markup {
    html! {
        section {
            h2 { "People" }
            table.responsive {
                thead { tr { th { "Name" } th { "Email" } th { "Role" } th { "Status" } } }
                tbody {
                    @for user in people {
                        tr {
                            td data-label="Name" { a href={ "/business/people/" (user.id) } { (user.name) } }
                            td data-label="Email" { (user.email) }
                            td data-label="Role" { (role_label(user.role)) }
                            td data-label="Status" { @if user.active { "active" } @else { "deactivated" } }
                        }
                    }
                }
            }
        }
    }
}

fn add_employee(csrf: &str, data: &BusinessPage<'_>) -> Markup {
    let error = |field| FormError::for_field(data.employee_error, field);
    html! {
        section {
            h2 { "Add an employee" }
            p.muted { "They get a password to sign in with, shown to you once." }
            (error_summary(data.employee_error.map(|e| e.message.as_str())))
            form.stack method="post" action="/business/employees" {
                (csrf_field(csrf))
                (text_field("Email", "email", "email", data.employee.email, error("email")))
                (text_field("Name", "name", "text", data.employee.name, error("name")))
                (select_field("Role", "role", &role_options(data.roles), data.employee.role))
                button type="submit" { "Add employee" }
            }
        }
    }
}

/// One employee of the business: name, role, status.
pub fn person_page(
    chrome: &Chrome<'_>,
    user: &User,
    fields: &UserFields<'_>,
    roles: &[Role],
    error: Option<&FormError>,
) -> Markup {
    let action = format!("/business/people/{}", user.id);
    layout::page(
        chrome,
        &user.name,
        html! {
            p { a href="/business" { "← My business" } }
            h1 { (user.name) }
            p { (user.email) " · " (role_label(user.role)) }
            (user_form(chrome.csrf, &action, fields, roles, error))
        },
    )
}
