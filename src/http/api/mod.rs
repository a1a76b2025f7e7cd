//! The JSON API under `/api/v1`: one module per resource. Every handler authenticates with a
//! bearer token (`CurrentUser`/`Staff`), except asking for a password reset, and leaves
//! object-level rules to the services.
mod accounts;
mod audit;
mod bookings;
mod invoices;
mod password_reset;
mod plans;
mod resources;
mod tokens;
mod training;
mod tutors;
mod usage;

use actix_web::web::{self, ServiceConfig};
use actix_web::HttpResponse;
use serde::Serialize;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/me", web::get().to(accounts::me))
        .route(
            "/me/calendar/rotate",
            web::post().to(accounts::rotate_calendar),
        )
        .route(
            "/resources/{id}/calendar",
            web::get().to(accounts::machine_calendar),
        )
        .route("/customers", web::get().to(accounts::list_customers))
        .route("/customers", web::post().to(accounts::create_customer))
        .route("/customers/{id}", web::get().to(accounts::get_customer))
        .route(
            "/customers/{id}",
            web::patch().to(accounts::update_customer),
        )
        .route("/users", web::get().to(accounts::list_users))
        .route("/users", web::post().to(accounts::create_user))
        .route("/users/{id}", web::get().to(accounts::get_user))
        .route("/users/{id}", web::patch().to(accounts::update_user))
        .route("/users/{id}/tokens", web::get().to(tokens::list_for_user))
        .route("/tokens", web::get().to(tokens::list_mine))
        .route("/tokens", web::post().to(tokens::create))
        .route("/tokens/{id}", web::delete().to(tokens::revoke))
        .route("/audit", web::get().to(audit::list))
        .route("/password-reset", web::post().to(password_reset::request))
        .route("/resources", web::get().to(resources::list))
        .route("/resources", web::post().to(resources::create))
        .route("/resources/{id}", web::get().to(resources::get))
        .route("/resources/{id}", web::put().to(resources::update))
        .route(
            "/resources/{id}/availability",
            web::get().to(resources::availability),
        )
        .route(
            "/resources/{id}/maintenance",
            web::post().to(resources::add_maintenance),
        )
        .route("/plans", web::get().to(plans::list))
        .route("/plans", web::post().to(plans::create))
        .route("/subscriptions", web::get().to(plans::subscriptions))
        .route("/subscriptions", web::post().to(plans::subscribe))
        .route("/subscriptions/{id}/end", web::post().to(plans::end))
        .route("/categories", web::get().to(resources::categories))
        .route("/categories", web::post().to(resources::create_category))
        .route("/qualifications", web::get().to(resources::qualifications))
        .route(
            "/qualifications",
            web::post().to(resources::create_qualification),
        )
        .route("/users/{id}/qualifications", web::get().to(resources::held))
        .route(
            "/users/{id}/qualifications",
            web::post().to(resources::grant),
        )
        .route(
            "/users/{id}/qualifications/{qualification_id}",
            web::delete().to(resources::revoke),
        )
        .route("/opening-hours", web::get().to(resources::opening_hours))
        .route(
            "/opening-hours",
            web::put().to(resources::set_opening_hours),
        )
        .route("/closures", web::post().to(resources::add_closure))
        .route("/bookings", web::get().to(bookings::list))
        .route("/bookings", web::post().to(bookings::create))
        .route("/bookings/{id}", web::get().to(bookings::get))
        .route("/bookings/{id}", web::patch().to(bookings::reschedule))
        .route("/bookings/{id}", web::delete().to(bookings::cancel))
        .route("/tutors", web::post().to(tutors::create))
        .route("/tutors/{id}", web::get().to(tutors::get))
        .route("/tutors/{id}", web::put().to(tutors::update))
        .route("/tutors/{id}/schedule", web::get().to(tutors::schedule))
        .route("/courses", web::get().to(training::list_courses))
        .route("/courses", web::post().to(training::create_course))
        .route("/courses/{id}", web::put().to(training::update_course))
        .route("/training-sessions", web::get().to(training::list_sessions))
        .route(
            "/training-sessions",
            web::post().to(training::create_session),
        )
        .route(
            "/training-sessions/{id}",
            web::get().to(training::get_session),
        )
        .route(
            "/training-sessions/{id}",
            web::patch().to(training::update_session),
        )
        .route(
            "/training-sessions/{id}/cancel",
            web::post().to(training::cancel_session),
        )
        .route(
            "/training-sessions/{id}/enrollments",
            web::get().to(training::participants),
        )
        .route(
            "/training-sessions/{id}/enrollments",
            web::post().to(training::sign_up),
        )
        .route("/enrollments", web::get().to(training::my_enrollments))
        .route("/enrollments/{id}", web::get().to(training::get_enrollment))
        .route("/enrollments/{id}", web::delete().to(training::leave))
        .route(
            "/enrollments/{id}/attendance",
            web::post().to(training::mark_attendance),
        )
        .route("/usage-events", web::post().to(usage::record_event))
        .route("/usage-events/batch", web::post().to(usage::record_batch))
        .route(
            "/usage-events/{id}/dismiss",
            web::post().to(usage::dismiss_event),
        )
        .route("/usage", web::get().to(usage::list))
        .route("/usage", web::post().to(usage::enter))
        .route("/usage/anomalies", web::get().to(usage::anomalies))
        .route("/usage/{id}", web::patch().to(usage::correct))
        .route("/usage/{id}/check-out", web::post().to(usage::check_out))
        .route("/bookings/{id}/check-in", web::post().to(usage::check_in))
        .route("/bookings/{id}/no-show", web::post().to(usage::no_show))
        .route("/charges", web::get().to(usage::charges))
        .route("/invoice-runs", web::post().to(invoices::run))
        .route("/invoices", web::get().to(invoices::list))
        .route("/invoices/chain", web::get().to(invoices::chain))
        .route("/invoices/export", web::get().to(invoices::export))
        .route("/invoices/{id}", web::get().to(invoices::get))
        .route("/invoices/{id}", web::patch().to(invoices::set_notes))
        .route("/invoices/{id}/lines", web::post().to(invoices::add_line))
        .route(
            "/invoices/{id}/lines/{line}",
            web::patch().to(invoices::adjust_line),
        )
        .route(
            "/invoices/{id}/lines/{line}",
            web::delete().to(invoices::remove_line),
        )
        .route("/invoices/{id}/pdf", web::get().to(invoices::pdf))
        .route("/invoices/{id}/issue", web::post().to(invoices::issue))
        .route("/invoices/{id}/resend", web::post().to(invoices::resend))
        .route(
            "/invoices/{id}/credit-notes",
            web::post().to(invoices::credit_note),
        )
        .route("/invoices/{id}/payments", web::get().to(invoices::payments))
        .route(
            "/invoices/{id}/payments",
            web::post().to(invoices::record_payment),
        );
}

/// `201 Created` with a JSON body.
pub fn created<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Created().json(body)
}

/// A list answer: `{"items": [...]}`, so fields can be added later without breaking clients.
#[derive(Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}
