//! Staff: the list of customer accounts, with a search.
use maud::{html, Markup};

use super::{category_label, kind_label, search_form};
use crate::domain::Customer;
use crate::views::layout::{self, Chrome};

pub fn page(chrome: &Chrome<'_>, search: &str, customers: &[Customer]) -> Markup {
    layout::page(
        chrome,
        "Customers",
        html! {
            h1 { "Customers" }
            div.actions {
                a.button href="/staff/customers/new" { "New customer" }
            }
            (search_form("/staff/customers", "Name, tax id or billing email", search))
            @if customers.is_empty() {
                p.muted { "No customer matches." }
            } @else {
                (table(customers))
            }
        },
    )
}

fn table(customers: &[Customer]) -> Markup {
    html! {
        table.responsive {
            thead {
                tr { th { "Name" } th { "Kind" } th { "Tax id" } th { "Prices" } th { "Billing email" } }
            }
            tbody {
                @for customer in customers {
                    tr {
                        td data-label="Name" {
                            a href={ "/staff/customers/" (customer.id) } { (customer.legal_name) }
                        }
                        td data-label="Kind" { (kind_label(customer.kind)) }
                        td data-label="Tax id" { (customer.tax_id.as_deref().unwrap_or("—")) }
                        td data-label="Prices" { (category_label(customer.price_category)) }
                        td data-label="Billing email" { (customer.billing_email.as_deref().unwrap_or("—")) }
                    }
                }
            }
        }
    }
}
