//! The staff screens: customer accounts, users, the audit log, the mail outbox, machines, their
//! categories and qualifications, and the workshop's hours, one module per screen.
pub mod audit;
pub mod customer;
pub mod customers;
pub mod hours;
pub mod invoices;
pub mod machines;
pub mod new_user;
pub mod outbox;
pub mod plans;
pub mod qualifications;
pub mod today;
pub mod training;
pub mod usage;
pub mod user;
pub mod users;

use maud::{html, Markup};

use crate::domain::{CustomerKind, PriceCategory, Role};

/// A form's problem: the message, and the field it belongs to when there is one, so the field can
/// show it next to the input as well as in the summary at the top.
#[derive(Debug, Clone)]
pub struct FormError {
    pub field: Option<&'static str>,
    pub message: String,
}

impl FormError {
    pub fn on(field: &'static str, message: impl Into<String>) -> FormError {
        FormError {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn general(message: impl Into<String>) -> FormError {
        FormError {
            field: None,
            message: message.into(),
        }
    }

    /// The message for `field`, if the problem is there.
    pub fn for_field<'a>(error: Option<&'a FormError>, field: &str) -> Option<&'a str> {
        error
            .filter(|e| e.field == Some(field))
            .map(|e| e.message.as_str())
    }
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Member => "Member",
        Role::BusinessAdmin => "Business admin",
        Role::Tutor => "Tutor",
        Role::Staff => "Staff",
        Role::Admin => "Admin",
    }
}

pub fn kind_label(kind: CustomerKind) -> &'static str {
    match kind {
        CustomerKind::Individual => "Individual",
        CustomerKind::Business => "Business",
    }
}

pub fn category_label(category: PriceCategory) -> &'static str {
    match category {
        PriceCategory::Member => "Member prices",
        PriceCategory::Business => "Business prices",
        PriceCategory::Public => "Public prices",
    }
}

/// `(value, label)` pairs for a role `<select>`.
pub fn role_options(roles: &[Role]) -> Vec<(&'static str, &'static str)> {
    roles.iter().map(|r| (r.as_str(), role_label(*r))).collect()
}

/// A GET form that filters a list; it keeps working without JavaScript and can be bookmarked.
pub fn search_form(action: &str, label: &str, value: &str) -> Markup {
    html! {
        form.search method="get" action=(action) role="search" {
            (crate::views::components::text_field(label, "q", "search", value, None))
            button type="submit" { "Search" }
        }
    }
}
