//! Forgotten passwords: asking for a link by mail, the answer (the same whether or not the address
//! has an account), and choosing a new password with the link.
use maud::{html, Markup};

use crate::views::components::{csrf_field, error_summary, text_field};
use crate::views::layout::{self, Chrome};

/// The form that asks for a link.
pub fn ask(chrome: &Chrome<'_>, email: &str, error: Option<&str>) -> Markup {
    layout::page(
        chrome,
        "Forgot your password?",
        html! {
            h1 { "Forgot your password?" }
            p { "Give the email address you sign in with, and we will mail you a link to choose a new password." }
            (error_summary(error))
            form.stack method="post" action="/password-reset" {
                (csrf_field(chrome.csrf))
                (text_field("Email", "email", "email", email, None))
                button type="submit" { "Mail me a link" }
            }
            p { a href="/login" { "Back to sign in" } }
        },
    )
}

/// The answer to every request, whatever the address.
pub fn sent(chrome: &Chrome<'_>) -> Markup {
    layout::page(
        chrome,
        "Check your mail",
        html! {
            h1 { "Check your mail" }
            div.notice role="status" {
                "If an account uses that address, a link to choose a new password is on its way. "
                "It works once, within the next hour."
            }
            p {
                "Nothing after a few minutes? Look in your spam folder, check the address, or "
                a href="/password-reset" { "ask again" } "."
            }
        },
    )
}

/// The form behind the link: `action` is the link's own address.
pub fn choose(chrome: &Chrome<'_>, action: &str, email: &str, error: Option<&str>) -> Markup {
    layout::page(
        chrome,
        "Choose a new password",
        html! {
            h1 { "Choose a new password" }
            p { "For the account " strong { (email) } ". Afterwards you are signed out everywhere and sign in with the new password." }
            (error_summary(error))
            form.stack method="post" action=(action) {
                (csrf_field(chrome.csrf))
                (text_field("New password (at least 10 characters)", "new_password", "password", "", None))
                button type="submit" { "Set the new password" }
            }
        },
    )
}

/// A link that is used up or expired.
pub fn spent(chrome: &Chrome<'_>, message: &str) -> Markup {
    layout::page(
        chrome,
        "Link no longer valid",
        html! {
            h1 { "Link no longer valid" }
            (error_summary(Some(message)))
            p { a href="/password-reset" { "Ask for a new link" } }
        },
    )
}
