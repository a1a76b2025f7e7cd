//! Staff: one customer account — the form to create or edit it, the people who belong to it and
//! its membership plan.
use maud::{html, Markup};

use super::plans::{customer_section, CustomerPlans};
use super::{category_label, kind_label, role_label};
use crate::domain::{Customer, CustomerKind, PriceCategory, RawCustomer, User};
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

pub struct CustomerPage<'a> {
    /// The account being edited, or `None` for a new one.
    pub existing: Option<&'a Customer>,
    /// What the form shows: the stored values, or what was typed when it was refused.
    pub values: &'a RawCustomer,
    pub people: &'a [User],
    /// The "Plan" section of an existing account.
    pub plans: Option<&'a CustomerPlans>,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn page(chrome: &Chrome<'_>, data: &CustomerPage<'_>) -> Markup {
    let (title, action) = match data.existing {
        Some(customer) => (
            customer.legal_name.clone(),
            format!("/staff/customers/{}", customer.id),
        ),
        None => (
            "New customer".to_string(),
            "/staff/customers/new".to_string(),
        ),
    };
    layout::page(
        chrome,
        &title,
        html! {
            p { a href="/staff/customers" { "← All customers" } }
            h1 { (title) }
            (notice(data.notice))
            (error_summary(data.error))
            form.stack method="post" action=(action) {
                (csrf_field(chrome.csrf))
                (select_field("Kind", "kind", &kind_options(), &data.values.kind))
                (billing_fields(data.values))
                (select_field("Price category", "price_category", &category_options(), &data.values.price_category))
                button type="submit" {
                    @if data.existing.is_some() { "Save changes" } @else { "Create customer" }
                }
            }
            @if let Some(customer) = data.existing {
                (people(customer, data.people))
                @if let Some(plans) = data.plans {
                    (customer_section(chrome.csrf, plans))
                }
                p { a href={ "/staff/audit?object_type=customer&object_id=" (customer.id) } { "History of this account" } }
            }
        },
    )
}

/// The billing details a business admin may edit too: shared with the business page.
pub fn billing_fields(values: &RawCustomer) -> Markup {
    html! {
        (text_field("Legal name", "legal_name", "text", &values.legal_name, None))
        (text_field("Tax id (NIF/VAT number; required for a business)", "tax_id", "text", values.tax_id.as_deref().unwrap_or_default(), None))
        label for="f-address" {
            "Address"
            textarea id="f-address" name="address" rows="3" { (values.address.as_deref().unwrap_or_default()) }
        }
        (text_field("Billing email", "billing_email", "email", values.billing_email.as_deref().unwrap_or_default(), None))
    }
}

/// The form's values for a stored account.
pub fn values_of(customer: &Customer) -> RawCustomer {
    RawCustomer {
        kind: customer.kind.to_string(),
        legal_name: customer.legal_name.clone(),
        tax_id: customer.tax_id.clone(),
        address: Some(customer.address.clone()),
        billing_email: customer.billing_email.clone(),
        price_category: customer.price_category.to_string(),
    }
}

fn kind_options() -> Vec<(&'static str, &'static str)> {
    CustomerKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(*k)))
        .collect()
}

fn category_options() -> Vec<(&'static str, &'static str)> {
    PriceCategory::ALL
        .iter()
        .map(|c| (c.as_str(), category_label(*c)))
        .collect()
}

fn people(customer: &Customer, people: &[User]) -> Markup {
    html! {
        section {
            h2 { "People" }
            @if people.is_empty() {
                p.muted { "Nobody signs in for this account yet." }
            } @else {
                table.responsive {
                    thead { tr { th { "Name" } th { "Email" } th { "Role" } th { "Status" } } }
                    tbody {
                        @for user in people {
                            tr {
                                td data-label="Name" { a href={ "/staff/users/" (user.id) } { (user.name) } }
                                td data-label="Email" { (user.email) }
                                td data-label="Role" { (role_label(user.role)) }
                                td data-label="Status" { @if user.active { "active" } @else { "deactivated" } }
                            }
                        }
                    }
                }
            }
            @if customer.kind == CustomerKind::Business {
                p { a.button href={ "/staff/users/new?business=" (customer.id) } { "Add a user to this business" } }
            }
        }
    }
}
