//! The staff screens: the front desk's board and usage, customer accounts, users, the audit log,
//! the mail outbox, machines, their categories and qualifications, and the workshop's hours.
//! Every handler takes the `Staff` extractor, so other users get 403 and visitors are sent to
//! sign in.
mod audit;
mod customer;
mod customers;
mod exports;
mod hours;
mod invoices;
mod machines;
mod new_user;
mod outbox;
mod plans;
mod qualifications;
mod today;
mod training;
mod usage;
mod user;
mod users;

pub(super) use user::UserForm;

use actix_web::web::{self, ServiceConfig};
use serde::Deserialize;

use crate::domain::Role;
use crate::http::auth::CurrentUser;

pub fn configure(cfg: &mut ServiceConfig) {
    // `new` before `{id}`: routes match in the order they are registered.
    cfg.route("/staff/customers", web::get().to(customers::list))
        .route(
            "/staff/invoices/export.csv",
            web::get().to(exports::invoices_csv),
        )
        .route("/staff/customers/new", web::get().to(customer::new_form))
        .route("/staff/customers/new", web::post().to(customer::create))
        .route("/staff/customers/{id}", web::get().to(customer::edit))
        .route("/staff/customers/{id}", web::post().to(customer::update))
        .route(
            "/staff/customers/{id}/subscriptions",
            web::post().to(plans::subscribe),
        )
        .route(
            "/staff/customers/{id}/subscriptions/{subscription}/end",
            web::post().to(plans::end),
        )
        .route("/staff/plans", web::get().to(plans::list))
        .route("/staff/plans", web::post().to(plans::create))
        .route("/staff/users", web::get().to(users::list))
        .route("/staff/users/new", web::get().to(new_user::form))
        .route("/staff/users/new", web::post().to(new_user::create))
        .route("/staff/users/{id}", web::get().to(user::edit))
        .route("/staff/users/{id}", web::post().to(user::update))
        .route(
            "/staff/users/{id}/tokens/{token_id}/revoke",
            web::post().to(user::revoke_token),
        )
        .route(
            "/staff/users/{id}/qualifications",
            web::post().to(user::grant_qualification),
        )
        .route(
            "/staff/users/{id}/qualifications/{qualification_id}/revoke",
            web::post().to(user::revoke_qualification),
        )
        .route("/staff/audit", web::get().to(audit::list))
        .route("/staff/outbox", web::get().to(outbox::list))
        .route("/staff/outbox/{id}/resend", web::post().to(outbox::resend))
        .route("/staff/machines", web::get().to(machines::list))
        .route("/staff/machines", web::post().to(machines::create))
        .route("/staff/machines/{id}", web::get().to(machines::edit))
        .route("/staff/machines/{id}", web::post().to(machines::update))
        .route(
            "/staff/machines/{id}/maintenance",
            web::post().to(machines::add_maintenance),
        )
        .route("/staff/qualifications", web::get().to(qualifications::show))
        .route(
            "/staff/qualifications",
            web::post().to(qualifications::add_qualification),
        )
        .route(
            "/staff/qualifications/categories",
            web::post().to(qualifications::add_category),
        )
        .route("/staff/hours", web::get().to(hours::show))
        .route("/staff/hours", web::post().to(hours::save_hours))
        .route("/staff/hours/closures", web::post().to(hours::add_closure))
        .route("/staff/training", web::get().to(training::show))
        .route(
            "/staff/training/courses",
            web::post().to(training::add_course),
        )
        .route(
            "/staff/training/sessions",
            web::post().to(training::add_session),
        )
        .route("/staff/today", web::get().to(today::show))
        .route(
            "/staff/today/bookings/{id}/check-in",
            web::post().to(today::check_in),
        )
        .route(
            "/staff/today/bookings/{id}/no-show",
            web::post().to(today::no_show),
        )
        .route(
            "/staff/today/usage/{id}/check-out",
            web::post().to(today::check_out),
        )
        .route("/staff/today/walk-in", web::post().to(today::walk_in))
        .route("/staff/usage", web::get().to(usage::list))
        .route("/staff/usage", web::post().to(usage::enter))
        .route(
            "/staff/usage/events/{id}/dismiss",
            web::post().to(usage::dismiss),
        )
        .route("/staff/usage/{id}", web::get().to(usage::show))
        .route("/staff/usage/{id}", web::post().to(usage::correct))
        .configure(invoices::configure);
}

/// `?q=` of a list page.
#[derive(Deserialize)]
pub struct Search {
    pub(super) q: Option<String>,
}

/// `?done=` after a redirect: a code that the page maps to a fixed message.
#[derive(Deserialize)]
pub struct Flash {
    pub(super) done: Option<String>,
}

/// The roles the signed-in user may give, so a form offers only choices that can succeed (the
/// service still checks).
pub(super) fn grantable_roles(user: &CurrentUser) -> Vec<Role> {
    let actor = user.actor();
    Role::ALL
        .iter()
        .copied()
        .filter(|r| actor.may_grant_role(*r))
        .collect()
}

/// A parser's message ("the name must not be empty") as a sentence for the top of a form.
pub(super) fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut text: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !text.is_empty() && !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn messages_become_sentences() {
        assert_eq!(
            sentence("the name must not be empty"),
            "The name must not be empty."
        );
        assert_eq!(sentence("'x' is not an email."), "'x' is not an email.");
        assert_eq!(sentence(""), "");
    }
}
