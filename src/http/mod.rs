//! The actix-web edge: routes, extractors, middleware and the one error type. Handlers parse input
//! into domain values, ask a service inside `AppState::db`, and render a view or JSON.
pub mod api;
pub mod auth;
mod cookies;
pub mod csrf;
mod error;
mod extract;
mod health;
mod invoicing;
mod middleware;
mod request_span;
mod state;
pub mod web;

pub use error::{AppError, Problem};
pub use state::AppState;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::web as aw;
use actix_web::{App, Error};
use tracing_actix_web::TracingLogger;

/// The whole application; the server and the tests build it the same way.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let limit = state.settings.max_body_bytes;
    App::new()
        .app_data(aw::Data::new(state))
        .app_data(extract::json_config(limit))
        .app_data(extract::form_config(limit))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .app_data(aw::PayloadConfig::new(limit))
        .wrap(from_fn(csrf::protect))
        .wrap(from_fn(middleware::render_errors))
        .wrap(middleware::security_headers())
        .wrap(from_fn(middleware::request_id_header))
        .wrap(TracingLogger::<request_span::SecretSafeRootSpan>::new())
        .service(aw::resource("/healthz").get(health::healthz))
        .service(aw::scope("/api/v1").configure(api::configure))
        .configure(web::configure)
        .default_service(aw::to(not_found))
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
