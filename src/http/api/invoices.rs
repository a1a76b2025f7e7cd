//! `/api/v1/invoice-runs` and `/api/v1/invoices`: staff draft a month and issue drafts;
//! customers read their issued invoices.
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{created, Items};
use crate::domain::{CustomerId, InvoiceId, LocalMonth, Money};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::invoicing::{context, on_invoice, pdf_response};
use crate::http::{AppError, AppState};
use crate::services::invoicing::{
    self, CreditLine, CreditRequest, LineEdit, ListQuery, NewPayment,
};

fn month(text: &str) -> Result<LocalMonth, AppError> {
    LocalMonth::parse(text).map_err(|e| AppError::Unprocessable(format!("month: {e}")))
}

#[derive(Deserialize)]
pub struct RunBody {
    month: String,
}

/// Drafts the month (idempotent): 201 with what the run did.
pub async fn run(
    state: web::Data<AppState>,
    Staff(user): Staff,
    body: web::Json<RunBody>,
) -> Result<HttpResponse, AppError> {
    let month = month(&body.month)?;
    let (ctx, by) = (context(&state)?, user.by());
    let summary = state
        .db(move |c| invoicing::run_month(c, &ctx, &by, month, &mut |_, _| {}))
        .await?;
    Ok(created(&summary))
}

#[derive(Deserialize)]
pub struct ListParams {
    month: Option<String>,
    status: Option<String>,
    customer_id: Option<i64>,
}

pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    if let Some(status) = query.status.as_deref() {
        if !matches!(status, "draft" | "issued") {
            return Err(AppError::Unprocessable("status is draft or issued.".into()));
        }
    }
    let query = ListQuery {
        month: query.month.as_deref().map(month).transpose()?,
        status: query.status.clone(),
        customer_id: query.customer_id.map(CustomerId::new),
    };
    let (ctx, by) = (context(&state)?, user.by());
    let items = state
        .db(move |c| invoicing::list(c, &ctx, &by, &query))
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let invoice = state
        .db(move |c| invoicing::get_with_status(c, &ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(invoice))
}

/// The PDF as stored at issue, shown inline (`F2026-000001.pdf` when saved).
pub async fn pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    pdf_response(&state, user.by(), InvoiceId::new(path.into_inner())).await
}

pub async fn issue(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let invoice = state
        .db(move |c| invoicing::issue(c, &ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(invoice))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditLineBody {
    line_id: i64,
    /// Minutes for a time line, a count otherwise; absent: all that is left of the line.
    quantity: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditBody {
    reason: String,
    /// Absent or empty: a full credit note.
    #[serde(default)]
    lines: Vec<CreditLineBody>,
}

/// Issues a credit note for an issued invoice: 201 with the credit note.
pub async fn credit_note(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<CreditBody>,
) -> Result<HttpResponse, AppError> {
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let body = body.into_inner();
    let request = CreditRequest {
        reason: body.reason,
        lines: body
            .lines
            .into_iter()
            .map(|l| CreditLine {
                line_id: l.line_id,
                quantity: l.quantity,
            })
            .collect(),
    };
    let note = state
        .db(move |c| invoicing::credit_note(c, &ctx, &by, id, &request))
        .await?;
    Ok(created(&note))
}

/// Mails an issued document again with its stored PDF: 202 with how many were queued.
pub async fn resend(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let queued = state
        .db(move |c| invoicing::resend(c, &ctx, &by, id))
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "queued": queued })))
}

/// The chain's state: staff only.
pub async fn chain(
    state: web::Data<AppState>,
    Staff(_user): Staff,
) -> Result<HttpResponse, AppError> {
    let found = state.db(invoicing::verify).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize)]
pub struct LineBody {
    description: String,
    quantity: i64,
    unit_price: String,
    /// For an added line: standard (default) or training.
    vat_category: Option<String>,
}

fn edit(body: &LineBody) -> Result<LineEdit, AppError> {
    Ok(LineEdit {
        description: body.description.clone(),
        quantity: body.quantity,
        unit_price: Money::parse(&body.unit_price)
            .map_err(|e| AppError::Unprocessable(format!("unit_price: {e}")))?,
    })
}

/// Adds a line to a draft (a manual charge in the ledger, billed by the line).
pub async fn add_line(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<LineBody>,
) -> Result<HttpResponse, AppError> {
    let line = edit(&body)?;
    let category = body
        .vat_category
        .clone()
        .unwrap_or_else(|| "standard".into());
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let invoice = state
        .db(move |c| invoicing::add_line(c, &ctx, &by, id, &line, &category))
        .await?;
    Ok(created(&invoice))
}

pub async fn adjust_line(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<(i64, i64)>,
    body: web::Json<LineBody>,
) -> Result<HttpResponse, AppError> {
    let line = edit(&body)?;
    let (invoice, line_id) = path.into_inner();
    let (by, id) = (user.by(), InvoiceId::new(invoice));
    let invoice = state
        .db(move |c| invoicing::adjust_line(c, &by, id, line_id, &line))
        .await?;
    Ok(HttpResponse::Ok().json(invoice))
}

/// Takes a line off a draft; its charge waits for next month's invoice.
pub async fn remove_line(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (invoice, line_id) = path.into_inner();
    let (by, id) = (user.by(), InvoiceId::new(invoice));
    let invoice = state
        .db(move |c| invoicing::remove_line(c, &by, id, line_id))
        .await?;
    Ok(HttpResponse::Ok().json(invoice))
}

#[derive(Deserialize)]
pub struct NotesBody {
    notes: String,
}

pub async fn set_notes(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<NotesBody>,
) -> Result<HttpResponse, AppError> {
    let (by, id, notes) = (
        user.by(),
        InvoiceId::new(path.into_inner()),
        body.into_inner().notes,
    );
    let invoice = state
        .db(move |c| invoicing::set_notes(c, &by, id, &notes))
        .await?;
    Ok(HttpResponse::Ok().json(invoice))
}

/// An invoice's payments and derived status.
pub async fn payments(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let found = state
        .db(move |c| invoicing::payments(c, &ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize)]
pub struct PaymentBody {
    paid_on: String,
    amount: String,
    method: String,
    #[serde(default)]
    reference: String,
}

/// Records a full or partial payment (staff): 201 with the invoice's payments and status.
pub async fn record_payment(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
    body: web::Json<PaymentBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let payment = NewPayment {
        paid_on: chrono::NaiveDate::parse_from_str(&body.paid_on, "%Y-%m-%d")
            .map_err(|_| AppError::Unprocessable("paid_on is a date written YYYY-MM-DD.".into()))?,
        amount: Money::parse(&body.amount)
            .map_err(|e| AppError::Unprocessable(format!("amount: {e}")))?,
        method: body.method,
        reference: body.reference,
    };
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let found = state
        .db(move |c| invoicing::record_payment(c, &ctx, &by, id, &payment))
        .await?;
    Ok(created(&found))
}

#[derive(Deserialize)]
pub struct ExportParams {
    month: Option<String>,
}

/// The accountant's CSV of the documents issued in `?month=YYYY-MM` (staff), as a download.
pub async fn export(
    state: web::Data<AppState>,
    Staff(user): Staff,
    query: web::Query<ExportParams>,
) -> Result<HttpResponse, AppError> {
    let text = query
        .month
        .as_deref()
        .ok_or_else(|| AppError::Unprocessable("month is required, as YYYY-MM.".into()))?;
    let month = month(text)?;
    let by = user.by();
    let csv = state.db(move |c| invoicing::export(c, &by, month)).await?;
    Ok(csv_download(month, csv))
}

fn csv_download(month: LocalMonth, csv: String) -> HttpResponse {
    use crate::documents::csv::{attachment, CONTENT_TYPE};
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            attachment(month),
        ))
        .body(csv)
}
