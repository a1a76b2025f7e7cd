//! `GET /healthz`: 200 when the service and its database answer.
use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use super::{AppError, AppState};

pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state
        .db(|conn| conn.batch_execute("SELECT 1"))
        .await
        .map_err(|e| AppError::Unavailable(format!("The database is not answering: {e}")))?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ok", "database": state.backend.to_string() })))
}
