//! The OpenAPI 3 document of `/api/v1`, served at `/api/v1/openapi.json`. Paths come from the
//! handlers' `#[utoipa::path]` attributes, collected by the same `routes` call that registers
//! them, so the document cannot miss a route; this module adds what all operations share (the
//! bearer scheme, problem+json answers) and what the derives cannot see (`refine`).
mod answers;
mod problems;
mod refine;
mod schemas;

pub use answers::{
    BatchResults, Booked, CreatedId, Granted, MaintenanceCreated, NoShow, Queued, SignedUp,
};
pub use problems::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};

use std::sync::OnceLock;

use actix_web::http::header::ContentType;
use actix_web::{get, App, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::http::Problem;

/// The scheme name the operations' `security` entries refer to.
const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Obrador API",
        description = "Booking and billing for a cooperative workshop. Every call but asking for a \
            password reset and reading this document needs `Authorization: Bearer <token>` (see \
            `obrador token create`). Errors are `application/problem+json` (RFC 9457); money is \
            `{\"amount\": \"12.50\", \"currency\": \"EUR\"}`; instants are RFC 3339 with an offset."
    ),
    security(("bearer" = [])),
    components(schemas(Problem)),
    tags(
        (name = "accounts", description = "The caller, customers and users"),
        (name = "tokens", description = "API tokens"),
        (name = "audit", description = "The audit log (staff)"),
        (name = "resources", description = "Machines, categories, qualifications, opening hours, closures and maintenance"),
        (name = "bookings", description = "Machine and tutor time"),
        (name = "tutors", description = "Tutors and their schedules"),
        (name = "training", description = "Courses, sessions and enrollments"),
        (name = "usage", description = "Device events, usage records, front desk and charges"),
        (name = "plans", description = "Membership plans and subscriptions"),
        (name = "invoices", description = "The month's run, invoices, credit notes and payments"),
        (name = "documentation", description = "This document"),
    )
)]
struct Base;

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // Serialising a document made only of strings, maps and numbers cannot fail.
        serde_json::to_string(&build()).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

/// Registers the routes on a throwaway app only to collect their paths and schemas.
fn build() -> Document {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(Base::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(super::routes))
        .split_for_parts();
    complete(&mut doc);
    doc
}

/// This document (anonymous).
#[utoipa::path(
    operation_id = "openapi_document",
    tag = "documentation",
    security(()),
    responses((status = 200, description = "The OpenAPI document of this API", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub async fn served() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(document())
}

/// Adds the bearer scheme, the problem answers and what the derives cannot see.
fn complete(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        BEARER.into(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "An API token from `obrador token create` or POST /api/v1/tokens",
                ))
                .build(),
        ),
    );
    problems::register(components);
    refine::schemas(components);
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            problems::add_common_problems(operation);
            refine::operation(operation);
        }
    }
}
