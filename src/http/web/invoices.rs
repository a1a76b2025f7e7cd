//! "My invoices" for anyone signed in: the account's issued invoices and credit notes with their
//! payment status (a business's to its admins only), one document as issued, and its PDF — the
//! same bytes the API serves.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::db::DbConn;
use crate::documents::invoice::article;
use crate::domain::chain::DocumentKind;
use crate::domain::{CustomerId, CustomerKind, InvoiceId, LocalMonth, Role};
use crate::http::auth::CurrentUser;
use crate::http::csrf::CsrfToken;
use crate::http::invoicing::{context, on_invoice, pdf_response};
use crate::http::web::bookings::euros;
use crate::http::web::{chrome, html};
use crate::http::{AppError, AppState};
use crate::services::invoicing::{self, Context, Invoice, ListQuery};
use crate::services::{accounts, By, ServiceError};
use crate::views::pages::invoices::{self as view, InvoicePage, ListedInvoice, MyInvoices};

/// The routes of these screens.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/invoices", web::get().to(mine))
        .route("/invoices/{id}", web::get().to(show))
        .route("/invoices/{id}/pdf", web::get().to(pdf));
}

fn kind_label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "Invoice",
        DocumentKind::CreditNote => "Credit note",
    }
}

/// The document's name as a heading says it: "Invoice F2026-000001".
fn title(invoice: &Invoice) -> String {
    let number = invoice.number.as_deref().unwrap_or("(draft)");
    format!("{} {number}", kind_label(invoice.kind))
}

/// "November 2026" for `2026-11`.
fn period(month: &str) -> String {
    LocalMonth::parse(month).map_or_else(
        |_| month.to_owned(),
        |m| m.first_day().format("%B %Y").to_string(),
    )
}

/// The caller's account's issued documents, newest first; none for a business's members who
/// are not its admins, whose bills are not theirs to see.
fn my_invoices(
    c: &mut DbConn,
    ctx: &Context,
    by: &By,
    role: Role,
    customer: CustomerId,
) -> Result<Option<Vec<Invoice>>, ServiceError> {
    let account = accounts::customer(c, by, customer)?;
    if account.kind == CustomerKind::Business && role != Role::BusinessAdmin && !role.is_staff() {
        return Ok(None);
    }
    let query = ListQuery {
        customer_id: Some(customer),
        status: Some("issued".into()),
        ..ListQuery::default()
    };
    let mut invoices = invoicing::list(c, ctx, by, &query)?;
    invoices.sort_by(|a, b| (b.issue_date, &b.number).cmp(&(a.issue_date, &a.number)));
    Ok(Some(invoices))
}

fn listed(invoice: &Invoice) -> ListedInvoice {
    ListedInvoice {
        href: format!("/invoices/{}", invoice.id.get()),
        number: invoice.number.clone().unwrap_or_default(),
        kind: kind_label(invoice.kind),
        issue_date: invoice
            .issue_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        period: period(&invoice.month),
        total: euros(invoice.totals.total()),
        payment: invoice.payment_status,
    }
}

pub async fn mine(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    let (ctx, by) = (context(&state)?, user.by());
    let (role, customer) = (user.user.role, user.user.customer_id);
    let found = state
        .db(move |c| my_invoices(c, &ctx, &by, role, customer))
        .await?;
    let rows: Vec<ListedInvoice> = found.iter().flatten().map(listed).collect();
    let shown = match found {
        Some(_) => MyInvoices::Listed(&rows),
        None => MyInvoices::ForBusinessAdmins,
    };
    Ok(html(
        StatusCode::OK,
        view::list_page(&chrome(Some(&user), &csrf), &shown),
    ))
}

pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    csrf: CsrfToken,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (ctx, by, id) = on_invoice(&state, &user, path)?;
    let invoice = state
        .db(move |c| invoicing::get_with_status(c, &ctx, &by, id))
        .await?;
    let (heading, pdf_href) = (title(&invoice), format!("/invoices/{}/pdf", id.get()));
    let page = InvoicePage {
        title: &heading,
        pdf_href: &pdf_href,
        payment: invoice.payment_status,
        document: article(&invoice),
    };
    Ok(html(
        StatusCode::OK,
        view::invoice_page(&chrome(Some(&user), &csrf), page),
    ))
}

/// The PDF for a signed-in browser: the same bytes as `GET /api/v1/invoices/{id}/pdf`.
pub async fn pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    pdf_response(&state, user.by(), InvoiceId::new(path.into_inner())).await
}
