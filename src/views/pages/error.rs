//! The friendly page shown for any error outside the API.
use maud::{html, Markup};

use crate::http::Problem;
use crate::views::layout;

pub fn page(problem: &Problem) -> Markup {
    layout::bare_page(
        problem.title,
        html! {
            section.error {
                h1 { (problem.title) }
                p { (problem.detail) }
                p { a href="/" { "Back to the home page" } }
            }
        },
    )
}
