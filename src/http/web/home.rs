//! The home page.
use actix_web::web;
use maud::Markup;

use crate::http::AppState;
use crate::views;

pub async fn show(state: web::Data<AppState>) -> Markup {
    views::pages::home::page(&state.settings.workshop.legal_name)
}
