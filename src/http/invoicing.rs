//! What the invoice handlers of the API and of the screens share: the invoicing context the
//! settings give, and a document's PDF as the one response every route serves.
use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::documents::invoice::{inline, PDF_CONTENT_TYPE};
use crate::domain::InvoiceId;
use crate::http::auth::CurrentUser;
use crate::http::{AppError, AppState};
use crate::services::invoicing::{self, Context};
use crate::services::By;

/// The invoicing context (supplier, series, VAT rates) from the settings.
pub fn context(state: &AppState) -> Result<Context, AppError> {
    Ok(Context::from_settings(&state.settings)?)
}

/// What a handler on one invoice works with: the context, who asks, and the invoice in the path.
pub fn on_invoice(
    state: &AppState,
    user: &CurrentUser,
    path: web::Path<i64>,
) -> Result<(Context, By, InvoiceId), AppError> {
    Ok((
        context(state)?,
        user.by(),
        InvoiceId::new(path.into_inner()),
    ))
}

/// The document's PDF as stored at issue, shown inline (`F2026-000001.pdf` when saved): the same
/// bytes for the API and for a signed-in browser.
pub async fn pdf_response(
    state: &AppState,
    by: By,
    id: InvoiceId,
) -> Result<HttpResponse, AppError> {
    let pdf = state.db(move |c| invoicing::pdf(c, &by, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type(PDF_CONTENT_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, inline(&pdf.filename)))
        .body(pdf.bytes))
}
