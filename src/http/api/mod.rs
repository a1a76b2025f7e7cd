//! The JSON API under `/api/v1`: one module per resource.
use actix_web::web::ServiceConfig;

pub fn configure(_cfg: &mut ServiceConfig) {}
