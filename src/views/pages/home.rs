//! The public home page.
use maud::{html, Markup};

use crate::views::layout;

pub fn page(workshop_name: &str) -> Markup {
    layout::page(
        "Welcome",
        html! {
            h1 { (workshop_name) }
            p.lead {
                "Book machine time and tutors by the hour, sign up for manufacturing training, "
                "and find your monthly invoices in one place."
            }
        },
    )
}
