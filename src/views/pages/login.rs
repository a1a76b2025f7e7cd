//! The sign-in form.
use maud::{html, Markup};

use crate::views::components::{csrf_field, error_summary, notice, text_field};
use crate::views::layout::{self, Chrome};

/// `notice` confirms what brought the visitor here (a new password set, for instance).
pub fn page(
    chrome: &Chrome<'_>,
    email: &str,
    next: &str,
    notice_text: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout::page(
        chrome,
        "Sign in",
        html! {
            h1 { "Sign in" }
            (notice(notice_text))
            (error_summary(error))
            form.stack method="post" action="/login" {
                (csrf_field(chrome.csrf))
                input type="hidden" name="next" value=(next);
                (text_field("Email", "email", "email", email, None))
                (text_field("Password", "password", "password", "", None))
                button type="submit" { "Sign in" }
            }
            p { a href="/password-reset" { "Forgot your password?" } }
        },
    )
}
