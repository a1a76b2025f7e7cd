//! `/api/v1/invoice-runs` and `/api/v1/invoices`: staff draft a month and issue drafts;
//! customers read their issued invoices.
use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;

use super::{created, openapi, Items};
use crate::domain::invoice::Invoice;
use crate::domain::{CustomerId, InvoiceId, LocalMonth, Money};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::invoicing::{context, on_invoice, pdf_response};
use crate::http::{AppError, AppState};
use crate::services::invoicing::{
    self, ChainState, CreditLine, CreditRequest, LineEdit, ListQuery, NewPayment, Payments,
    RunSummary,
};

fn month(text: &str) -> Result<LocalMonth, AppError> {
    LocalMonth::parse(text).map_err(|e| AppError::Unprocessable(format!("month: {e}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RunBody {
    #[schema(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    month: String,
}

/// Drafts the month (idempotent): 201 with what the run did.
#[utoipa::path(
    operation_id = "run_invoicing",
    tag = "invoices",
    request_body = RunBody,
    responses(
        (status = 201, description = "What the run did", body = RunSummary),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[post("/invoice-runs")]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    month: Option<String>,
    status: Option<String>,
    customer_id: Option<i64>,
}

#[utoipa::path(
    operation_id = "list_invoices",
    tag = "invoices",
    summary = "Invoices (staff: all; others: their account's issued ones), without lines",
    params(ListParams),
    responses(
        (status = 200, description = "Invoice headers", body = Items<Invoice>),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/invoices")]
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

#[utoipa::path(
    operation_id = "get_invoice",
    tag = "invoices",
    summary = "An invoice or credit note the caller may see, with its payment status",
    responses(
        (status = 200, description = "The invoice", body = Invoice),
    )
)]
#[get("/invoices/{id}")]
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
#[utoipa::path(
    operation_id = "invoice_pdf",
    tag = "invoices",
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
    )
)]
#[get("/invoices/{id}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    pdf_response(&state, user.by(), InvoiceId::new(path.into_inner())).await
}

#[utoipa::path(
    operation_id = "issue_invoice",
    tag = "invoices",
    summary = "Issues a draft: numbers it, chains it and makes it immutable (staff)",
    responses(
        (status = 200, description = "The issued invoice", body = Invoice),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[post("/invoices/{id}/issue")]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditLineBody {
    line_id: i64,
    /// Minutes for a time line, a count otherwise; absent: all that is left of the line.
    quantity: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditBody {
    reason: String,
    /// Absent or empty: a full credit note.
    #[serde(default)]
    lines: Vec<CreditLineBody>,
}

/// Issues a credit note for an issued invoice: 201 with the credit note.
#[utoipa::path(
    operation_id = "credit_note",
    tag = "invoices",
    request_body = CreditBody,
    responses(
        (status = 201, description = "The issued credit note", body = Invoice),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/invoices/{id}/credit-notes")]
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
#[utoipa::path(
    operation_id = "resend_invoice",
    tag = "invoices",
    responses(
        (status = 202, description = "How many mails were queued", body = openapi::Queued),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/invoices/{id}/resend")]
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
#[utoipa::path(
    operation_id = "verify_chain",
    tag = "invoices",
    responses(
        (status = 200, description = "The chain's state", body = ChainState),
        (status = 403, response = openapi::Forbidden),
    )
)]
#[get("/invoices/chain")]
pub async fn chain(
    state: web::Data<AppState>,
    Staff(_user): Staff,
) -> Result<HttpResponse, AppError> {
    let found = state.db(invoicing::verify).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize, utoipa::ToSchema)]
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
#[utoipa::path(
    operation_id = "add_invoice_line",
    tag = "invoices",
    request_body = LineBody,
    responses(
        (status = 201, description = "The draft with the line", body = Invoice),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/invoices/{id}/lines")]
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

#[utoipa::path(
    operation_id = "adjust_invoice_line",
    tag = "invoices",
    summary = "Adjusts a draft's line; re-runs keep the edit (staff)",
    request_body = LineBody,
    responses(
        (status = 200, description = "The draft", body = Invoice),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[patch("/invoices/{id}/lines/{line}")]
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
#[utoipa::path(
    operation_id = "remove_invoice_line",
    tag = "invoices",
    responses(
        (status = 200, description = "The draft", body = Invoice),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[delete("/invoices/{id}/lines/{line}")]
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NotesBody {
    notes: String,
}

#[utoipa::path(
    operation_id = "set_invoice_notes",
    tag = "invoices",
    summary = "Sets a draft's notes (staff)",
    request_body = NotesBody,
    responses(
        (status = 200, description = "The draft", body = Invoice),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[patch("/invoices/{id}")]
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
#[utoipa::path(
    operation_id = "list_payments",
    tag = "invoices",
    responses(
        (status = 200, description = "Payments and derived status", body = Payments),
    )
)]
#[get("/invoices/{id}/payments")]
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PaymentBody {
    #[schema(format = Date)]
    paid_on: String,
    amount: String,
    method: String,
    #[serde(default)]
    reference: String,
}

/// Records a full or partial payment (staff): 201 with the invoice's payments and status.
#[utoipa::path(
    operation_id = "record_payment",
    tag = "invoices",
    request_body = PaymentBody,
    responses(
        (status = 201, description = "Payments and derived status", body = Payments),
        (status = 403, response = openapi::Forbidden),
        (status = 409, response = openapi::Conflict),
    )
)]
#[post("/invoices/{id}/payments")]
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    #[param(pattern = r"^[0-9]{4}-[0-9]{2}$")]
    month: Option<String>,
}

/// The accountant's CSV of the documents issued in `?month=YYYY-MM` (staff), as a download.
#[utoipa::path(
    operation_id = "export_invoices",
    tag = "invoices",
    params(ExportParams),
    responses(
        (status = 200, description = "CSV, one row per document", content_type = "text/csv", body = String),
        (status = 403, response = openapi::Forbidden),
        (status = 422, response = openapi::Unprocessable),
    )
)]
#[get("/invoices/export")]
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
