//! "My account": name, password, and API tokens.
use maud::{html, Markup};

use crate::domain::{Customer, User};
use crate::views::components::{csrf_field, error_summary, notice, text_field};
use crate::views::layout::{self, Chrome};
use crate::views::tokens::{self, TokenLine};

pub struct AccountPage<'a> {
    pub user: &'a User,
    pub customer: &'a Customer,
    pub tokens: &'a [TokenLine],
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// A token just created: shown this once.
    pub new_token: Option<&'a str>,
    /// The secret address of this user's calendar feed.
    pub calendar_url: &'a str,
}

pub fn page(chrome: &Chrome<'_>, data: &AccountPage<'_>) -> Markup {
    layout::page(
        chrome,
        "My account",
        html! {
            h1 { "My account" }
            (notice(data.notice))
            (error_summary(data.error))
            p { (data.user.email) " · " (data.user.role) " · account " strong { (data.customer.legal_name) } }
            section {
                h2 { "Your name" }
                form.stack method="post" action="/account/profile" {
                    (csrf_field(chrome.csrf))
                    (text_field("Name", "name", "text", &data.user.name, None))
                    button type="submit" { "Save name" }
                }
            }
            section {
                h2 { "Password" }
                form.stack method="post" action="/account/password" {
                    (csrf_field(chrome.csrf))
                    (text_field("Current password", "current_password", "password", "", None))
                    (text_field("New password (at least 10 characters)", "new_password", "password", "", None))
                    button type="submit" { "Change password" }
                }
            }
            section {
                h2 { "Calendar" }
                p { "Subscribe to this address in your calendar app to see your bookings. Keep it private: anyone with it can read your calendar." }
                p.token-secret { (data.calendar_url) }
                form.inline method="post" action="/account/calendar/rotate" {
                    (csrf_field(chrome.csrf))
                    button.secondary type="submit" { "Replace the address" }
                }
            }
            section {
                h2 { "API tokens" }
                @if let Some(secret) = data.new_token {
                    div.notice role="status" {
                        p { "Your new token. Copy it now: it will not be shown again." }
                        p.token-secret { (secret) }
                    }
                }
                (tokens::table(chrome.csrf, data.tokens, &|t| format!("/account/tokens/{}/revoke", t.id)))
                form.stack method="post" action="/account/tokens" {
                    (csrf_field(chrome.csrf))
                    (text_field("Token name", "name", "text", "", None))
                    button type="submit" { "Create a token" }
                }
            }
        },
    )
}
