//! The JSON API under `/api/v1`: one module per resource. Every handler authenticates with a
//! bearer token (`CurrentUser`/`Staff`), except asking for a password reset and reading the
//! OpenAPI document (`openapi`), and leaves object-level rules to the services.
mod accounts;
mod audit;
mod bookings;
mod invoices;
pub mod openapi;
mod password_reset;
mod plans;
mod resources;
mod tokens;
mod training;
mod tutors;
mod usage;

use actix_web::web::ServiceConfig;
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig as DocumentedConfig;

/// Registers every `/api/v1` route. The server and the OpenAPI document both come from this one
/// list: each handler carries its method and path (`#[get("/me")]`) and its `#[utoipa::path]`.
/// Order matters where a literal segment shares a place with an id (`/invoices/chain` before
/// `/invoices/{id}`).
pub fn configure(cfg: &mut ServiceConfig) {
    routes(&mut DocumentedConfig::new(cfg));
}

fn routes(cfg: &mut DocumentedConfig) {
    cfg.service(openapi::served)
        .service(accounts::me)
        .service(accounts::rotate_calendar)
        .service(accounts::machine_calendar)
        .service(accounts::list_customers)
        .service(accounts::create_customer)
        .service(accounts::get_customer)
        .service(accounts::update_customer)
        .service(accounts::list_users)
        .service(accounts::create_user)
        .service(accounts::get_user)
        .service(accounts::update_user)
        .service(tokens::list_for_user)
        .service(tokens::list_mine)
        .service(tokens::create)
        .service(tokens::revoke)
        .service(audit::list)
        .service(password_reset::request)
        .service(resources::list)
        .service(resources::create)
        .service(resources::get)
        .service(resources::update)
        .service(resources::availability)
        .service(resources::add_maintenance)
        .service(plans::list)
        .service(plans::create)
        .service(plans::subscriptions)
        .service(plans::subscribe)
        .service(plans::end)
        .service(resources::categories)
        .service(resources::create_category)
        .service(resources::qualifications)
        .service(resources::create_qualification)
        .service(resources::held)
        .service(resources::grant)
        .service(resources::revoke)
        .service(resources::opening_hours)
        .service(resources::set_opening_hours)
        .service(resources::add_closure)
        .service(bookings::list)
        .service(bookings::create)
        .service(bookings::get)
        .service(bookings::reschedule)
        .service(bookings::cancel)
        .service(tutors::create)
        .service(tutors::get)
        .service(tutors::update)
        .service(tutors::schedule)
        .service(training::list_courses)
        .service(training::create_course)
        .service(training::update_course)
        .service(training::list_sessions)
        .service(training::create_session)
        .service(training::get_session)
        .service(training::update_session)
        .service(training::cancel_session)
        .service(training::participants)
        .service(training::sign_up)
        .service(training::my_enrollments)
        .service(training::get_enrollment)
        .service(training::leave)
        .service(training::mark_attendance)
        .service(usage::record_event)
        .service(usage::record_batch)
        .service(usage::dismiss_event)
        .service(usage::list)
        .service(usage::enter)
        .service(usage::anomalies)
        .service(usage::correct)
        .service(usage::check_out)
        .service(usage::check_in)
        .service(usage::no_show)
        .service(usage::charges)
        .service(invoices::run)
        .service(invoices::list)
        .service(invoices::chain)
        .service(invoices::export)
        .service(invoices::get)
        .service(invoices::set_notes)
        .service(invoices::add_line)
        .service(invoices::adjust_line)
        .service(invoices::remove_line)
        .service(invoices::pdf)
        .service(invoices::issue)
        .service(invoices::resend)
        .service(invoices::credit_note)
        .service(invoices::payments)
        .service(invoices::record_payment);
}

/// `201 Created` with a JSON body.
pub fn created<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Created().json(body)
}

/// A list answer: `{"items": [...]}`, so fields can be added later without breaking clients.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}
