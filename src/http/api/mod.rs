//! The JSON API under `/api/v1`: one module per resource. Every handler authenticates with a
//! bearer token (`CurrentUser`/`Staff`) and leaves object-level rules to the services.
mod accounts;
mod audit;
mod tokens;

use actix_web::web::{self, ServiceConfig};
use actix_web::HttpResponse;
use serde::Serialize;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/me", web::get().to(accounts::me))
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
        .route("/audit", web::get().to(audit::list));
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
