//! `/api/v1/invoice-runs` and `/api/v1/invoices`: staff draft a month and issue drafts;
//! customers read their issued invoices.
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{created, Items};
use crate::domain::{CustomerId, InvoiceId, LocalMonth};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::{AppError, AppState};
use crate::services::invoicing::{self, Context, ListQuery};

fn context(state: &AppState) -> Result<Context, AppError> {
    Ok(Context::from_settings(&state.settings)?)
}

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
    let by = user.by();
    let items = state.db(move |c| invoicing::list(c, &by, &query)).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (by, id) = (user.by(), InvoiceId::new(path.into_inner()));
    let invoice = state.db(move |c| invoicing::get(c, &by, id)).await?;
    Ok(HttpResponse::Ok().json(invoice))
}

pub async fn issue(
    state: web::Data<AppState>,
    Staff(user): Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (ctx, by, id) = (
        context(&state)?,
        user.by(),
        InvoiceId::new(path.into_inner()),
    );
    let invoice = state
        .db(move |c| invoicing::issue(c, &ctx, &by, id))
        .await?;
    Ok(HttpResponse::Ok().json(invoice))
}

/// The chain's state: staff only.
pub async fn chain(
    state: web::Data<AppState>,
    Staff(_user): Staff,
) -> Result<HttpResponse, AppError> {
    let found = state.db(invoicing::verify).await?;
    Ok(HttpResponse::Ok().json(found))
}
