//! Staff: the accountant's CSV of a month's issued invoices and credit notes, downloaded with the
//! session cookie (`/staff/invoices/export.csv?month=YYYY-MM`); the same bytes as the API's
//! `GET /api/v1/invoices/export` and `obrador invoices export`.
use actix_web::http::header::CONTENT_DISPOSITION;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::documents::csv::{attachment, CONTENT_TYPE};
use crate::domain::LocalMonth;
use crate::http::auth::Staff;
use crate::http::{AppError, AppState};
use crate::services::invoicing;

#[derive(Deserialize)]
pub struct ExportQuery {
    month: Option<String>,
}

pub async fn invoices_csv(
    state: web::Data<AppState>,
    Staff(user): Staff,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let text = query.month.as_deref().map(str::trim).unwrap_or_default();
    let month = LocalMonth::parse(text).map_err(|e| {
        AppError::Unprocessable(format!("Choose the month to export as YYYY-MM: {e}."))
    })?;
    let by = user.by();
    let csv = state.db(move |c| invoicing::export(c, &by, month)).await?;
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((CONTENT_DISPOSITION, attachment(month)))
        .body(csv))
}
