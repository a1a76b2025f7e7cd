//! Staff: monthly invoicing without JavaScript. The month's page drafts the month, lists its
//! invoices with totals and payment status, issues the ticked drafts (or all of them) one by one
//! and checks the integrity chain; an invoice's page previews the document and offers what fits
//! its status: reviewing a draft (adjust, remove and add lines, notes, issue) or an issued
//! invoice's payments. Refusals come back inline with their status and change nothing.
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use actix_web::HttpResponse;
use serde::Deserialize;

use super::sentence;
use crate::db::DbConn;
use crate::domain::invoice::Quantity;
use crate::domain::{CustomerId, DocumentKind, InvoiceId, LocalMonth, Money, WorkshopTz};
use crate::http::auth::{CurrentUser, Staff};
use crate::http::csrf::{CsrfForm, CsrfToken};
use crate::http::invoicing::context;
use crate::http::web::bookings::euros;
use crate::http::web::training::Pairs;
use crate::http::web::wall_clock::parse_date;
use crate::http::web::{chrome, form_refusal, html, refusal, see_other};
use crate::http::{AppError, AppState};
use crate::services::invoicing::{
    self, ChainState, Context, CreditRequest, Invoice, LineEdit, ListQuery, NewPayment,
    PaymentStatus, Payments,
};
use crate::services::{accounts, now, By, ServiceError};
use crate::views::pages::staff::invoices::{
    self as view, ChainPanel, Head, InvoicePage, LineFields, ListLine, MonthPage, PaymentFields,
    PaymentLine, PaymentsPanel, ReviewLine, Typed, METHODS, VAT_CATEGORIES,
};
use crate::views::pages::staff::FormError;

pub fn configure(cfg: &mut ServiceConfig) {
    // Ids are digits only, so fixed paths beside them (such as the CSV export) never reach them.
    cfg.route("/staff/invoices", web::get().to(month))
        .route("/staff/invoices/run", web::post().to(run))
        .route("/staff/invoices/issue", web::post().to(issue_many))
        .route("/staff/invoices/{id:\\d+}", web::get().to(show))
        .route("/staff/invoices/{id:\\d+}/issue", web::post().to(issue))
        .route("/staff/invoices/{id:\\d+}/lines", web::post().to(add_line))
        .route(
            "/staff/invoices/{id:\\d+}/lines/{line:\\d+}",
            web::post().to(adjust_line),
        )
        .route(
            "/staff/invoices/{id:\\d+}/lines/{line:\\d+}/remove",
            web::post().to(remove_line),
        )
        .route("/staff/invoices/{id:\\d+}/notes", web::post().to(set_notes))
        .route(
            "/staff/invoices/{id:\\d+}/payments",
            web::post().to(record_payment),
        )
        .route("/staff/invoices/{id:\\d+}/resend", web::post().to(resend))
        .route(
            "/staff/invoices/{id:\\d+}/credit-note",
            web::post().to(credit_note),
        );
}

/// The month staff invoice by default: the one before this, in the workshop's time zone.
fn default_month(tz: WorkshopTz) -> LocalMonth {
    let first = LocalMonth::of(tz.local_date(now())).first_day();
    LocalMonth::of(first.pred_opt().unwrap_or(first))
}

fn parse_month(text: &str) -> Result<LocalMonth, String> {
    LocalMonth::parse(text.trim()).map_err(|e| sentence(&e.to_string()))
}

fn payment_label(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Unpaid => "unpaid",
        PaymentStatus::PartlyPaid => "partly paid",
        PaymentStatus::Paid => "paid",
        PaymentStatus::Overdue => "overdue",
    }
}

fn kind_label(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "Invoice",
        DocumentKind::CreditNote => "Credit note",
    }
}

/// A customer account's name, or its snapshot on an issued document, or its number.
fn customer_name(c: &mut DbConn, by: &By, invoice: &Invoice) -> Result<String, ServiceError> {
    let names = accounts::customer_names(c, by, &[invoice.customer_id])?;
    Ok(names
        .get(&invoice.customer_id)
        .cloned()
        .or_else(|| invoice.customer.as_ref().map(|p| p.name.clone()))
        .unwrap_or_else(|| format!("Customer {}", invoice.customer_id)))
}

// --- The month --------------------------------------------------------------------------------

/// `?month=` and what a redirect reports: `done=run` with the run's figures, `done=issued` with
/// how many; `verify=yes` checks the chain.
#[derive(Deserialize, Default)]
pub struct MonthQuery {
    month: Option<String>,
    verify: Option<String>,
    done: Option<String>,
    customers: Option<String>,
    created: Option<String>,
    lines: Option<String>,
    waiting: Option<String>,
    count: Option<String>,
}

impl MonthQuery {
    fn figure(value: &Option<String>) -> usize {
        value.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// What the redirect reports, in words (the figures are numbers, never text from the URL).
    fn notice(&self, month: &str) -> Option<String> {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match self.done.as_deref()? {
            "run" => {
                let customers = Self::figure(&self.customers);
                let mut text = if customers == 0 {
                    format!("Nothing new to draft for {month}: there are no open charges.")
                } else {
                    format!(
                        "Drafted {month}: {}, {} ({} with open charges).",
                        plural(Self::figure(&self.created), "new draft", "new drafts"),
                        plural(Self::figure(&self.lines), "line added", "lines added"),
                        plural(customers, "customer", "customers"),
                    )
                };
                let waiting = Self::figure(&self.waiting);
                if waiting > 0 {
                    text.push_str(&format!(
                        " {} already issued for {month}: their new charges wait for next month.",
                        plural(waiting, "customer's invoice is", "customers' invoices are")
                    ));
                }
                Some(text)
            }
            "issued" => Some(format!(
                "Issued {}.",
                plural(Self::figure(&self.count), "invoice", "invoices")
            )),
            _ => None,
        }
    }
}

/// The month's page as shown: the picker's text, and what to report.
#[derive(Default)]
struct MonthShown {
    month: String,
    verify: bool,
    notice: Option<String>,
    errors: Vec<String>,
}

#[derive(Default)]
struct MonthLoaded {
    lines: Vec<ListLine>,
    chain: Option<ChainState>,
}

/// The month's invoices with their totals and, for issued invoices, their payment status.
fn month_lines(
    c: &mut DbConn,
    ctx: &Context,
    by: &By,
    month: LocalMonth,
) -> Result<Vec<ListLine>, ServiceError> {
    let query = ListQuery {
        month: Some(month),
        ..ListQuery::default()
    };
    let invoices = invoicing::list(c, ctx, by, &query)?;
    let ids: Vec<CustomerId> = invoices.iter().map(|i| i.customer_id).collect();
    let names = accounts::customer_names(c, by, &ids)?;
    Ok(invoices
        .into_iter()
        .map(|header| ListLine {
            id: header.id.get(),
            status: if header.number.is_some() {
                "issued"
            } else {
                "draft"
            },
            customer: names
                .get(&header.customer_id)
                .cloned()
                .or_else(|| header.customer.as_ref().map(|p| p.name.clone()))
                .unwrap_or_else(|| format!("Customer {}", header.customer_id)),
            kind: kind_label(header.kind),
            total: euros(header.totals.total()),
            payment: header.payment_status.map(payment_label),
            number: header.number,
        })
        .collect())
}

fn load_month(
    c: &mut DbConn,
    ctx: &Context,
    by: &By,
    month: Option<LocalMonth>,
    verify: bool,
) -> Result<MonthLoaded, ServiceError> {
    Ok(MonthLoaded {
        lines: match month {
            Some(month) => month_lines(c, ctx, by, month)?,
            None => Vec::new(),
        },
        chain: if verify {
            Some(invoicing::verify(c)?)
        } else {
            None
        },
    })
}

async fn render_month(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    shown: MonthShown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let MonthShown {
        month: text,
        verify,
        notice,
        mut errors,
    } = shown;
    let (month, status) = match parse_month(&text) {
        Ok(month) => (Some(month), status),
        Err(message) => {
            errors.push(message);
            (None, StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let (ctx, by) = (context(state)?, user.by());
    let loaded = state
        .db(move |c| load_month(c, &ctx, &by, month, verify))
        .await?;
    let chain = loaded.chain.map(|s| ChainPanel {
        documents: s.documents,
        intact: s.intact,
        first_broken: s.first_broken,
        reason: s.reason,
    });
    let shown_month = month.map_or(text, |m| m.to_string());
    let data = MonthPage {
        month: &shown_month,
        month_valid: month.is_some(),
        invoices: &loaded.lines,
        chain: chain.as_ref(),
        notice: notice.as_deref(),
        errors: &errors,
    };
    Ok(html(status, view::month(&chrome(Some(user), csrf), &data)))
}

pub async fn month(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let month = query
        .month
        .clone()
        .unwrap_or_else(|| default_month(state.tz).to_string());
    let shown = MonthShown {
        notice: query.notice(month.trim()),
        verify: query.verify.is_some(),
        month,
        errors: Vec::new(),
    };
    render_month(&state, &user, &csrf, shown, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct MonthForm {
    #[serde(default)]
    month: String,
}

/// Drafts the month (idempotent) and comes back to it with what the run did.
pub async fn run(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<MonthForm>,
) -> Result<HttpResponse, AppError> {
    let Ok(month) = parse_month(&form.month) else {
        let shown = MonthShown {
            month: form.month,
            ..MonthShown::default()
        };
        return render_month(
            &state,
            &user,
            &csrf,
            shown,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let (ctx, by) = (context(&state)?, user.by());
    let outcome = state
        .db(move |c| invoicing::run_month(c, &ctx, &by, month, &mut |_, _| {}))
        .await;
    match outcome {
        Ok(summary) => Ok(see_other(&format!(
            "/staff/invoices?month={month}&done=run&customers={}&created={}&lines={}&waiting={}",
            summary.customers, summary.drafts_created, summary.lines_added, summary.already_issued
        ))),
        Err(error) => {
            let (status, message) = refusal(error)?;
            let shown = MonthShown {
                month: month.to_string(),
                errors: vec![message],
                ..MonthShown::default()
            };
            render_month(&state, &user, &csrf, shown, status).await
        }
    }
}

/// What issuing several drafts did: the numbers given, and each refusal with whose draft it was.
struct IssuedMany {
    numbers: Vec<String>,
    refused: Vec<(String, ServiceError)>,
}

/// Issues each draft in its own transaction, in order; one refusal does not stop the others.
fn issue_each(
    c: &mut DbConn,
    ctx: &Context,
    by: &By,
    ids: Option<Vec<InvoiceId>>,
    month: LocalMonth,
) -> Result<IssuedMany, ServiceError> {
    let ids = match ids {
        Some(ids) => ids,
        None => invoicing::month_drafts(c, month)?,
    };
    let mut done = IssuedMany {
        numbers: Vec::new(),
        refused: Vec::new(),
    };
    for id in ids {
        match invoicing::issue(c, ctx, by, id) {
            Ok(invoice) => done.numbers.push(invoice.number.unwrap_or_default()),
            Err(ServiceError::Db(error)) => return Err(ServiceError::Db(error)),
            Err(error) => {
                let who = match invoicing::get(c, by, id) {
                    Ok(invoice) => format!("The invoice for {}", customer_name(c, by, &invoice)?),
                    Err(_) => format!("Invoice {id}"),
                };
                done.refused.push((who, error));
            }
        }
    }
    Ok(done)
}

/// The drafts ticked on the form, in the order of the table, each once.
fn ticked(form: &Pairs) -> Result<Vec<InvoiceId>, String> {
    let mut ids: Vec<i64> = Vec::new();
    for text in form.all("ids") {
        let id = text
            .trim()
            .parse()
            .map_err(|_| "Tick drafts from the list.".to_string())?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids.into_iter().map(InvoiceId::new).collect())
}

/// Issues the ticked drafts, or all the month's drafts, one by one.
pub async fn issue_many(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = Pairs(form);
    let text = form.one("month");
    let refused_form = |message: String| MonthShown {
        month: text.clone(),
        errors: vec![message],
        ..MonthShown::default()
    };
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Ok(month) = parse_month(&text) else {
        let shown = MonthShown {
            month: text.clone(),
            ..MonthShown::default()
        };
        return render_month(&state, &user, &csrf, shown, unprocessable).await;
    };
    let ids = if form.one("scope") == "all" {
        None
    } else {
        match ticked(&form) {
            Ok(ids) if ids.is_empty() => {
                let message = "Tick the drafts to issue, or choose “Issue all drafts”.".into();
                return render_month(&state, &user, &csrf, refused_form(message), unprocessable)
                    .await;
            }
            Ok(ids) => Some(ids),
            Err(message) => {
                return render_month(&state, &user, &csrf, refused_form(message), unprocessable)
                    .await
            }
        }
    };
    let (ctx, by) = (context(&state)?, user.by());
    let done = state
        .db_sending_mail(move |c| issue_each(c, &ctx, &by, ids, month))
        .await?;
    if done.refused.is_empty() {
        if done.numbers.is_empty() {
            let message = format!("There are no drafts in {month} to issue.");
            return render_month(&state, &user, &csrf, refused_form(message), unprocessable).await;
        }
        return Ok(see_other(&format!(
            "/staff/invoices?month={month}&done=issued&count={}",
            done.numbers.len()
        )));
    }
    let mut status = StatusCode::OK;
    let mut errors = Vec::with_capacity(done.refused.len());
    for (who, error) in done.refused {
        let (refused_with, message) = match refusal(error.into()) {
            Ok(found) => found,
            Err(AppError::NotFound) => (StatusCode::NOT_FOUND, "it does not exist.".into()),
            Err(other) => return Err(other),
        };
        if done.numbers.is_empty() && status == StatusCode::OK {
            status = refused_with;
        }
        errors.push(format!("{who} was not issued: {message}"));
    }
    let notice = (!done.numbers.is_empty()).then(|| format!("Issued {}.", done.numbers.join(", ")));
    let shown = MonthShown {
        month: month.to_string(),
        notice,
        errors,
        verify: false,
    };
    render_month(&state, &user, &csrf, shown, status).await
}

// --- One invoice ------------------------------------------------------------------------------

fn notice_for(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "adjusted" => Some("The line was saved and the totals recomputed."),
        "removed" => Some("The line was removed; its charge moves to next month's invoice."),
        "added" => Some("The line was added: a manual charge in the ledger, billed on this draft."),
        "notes" => Some("The notes were saved."),
        "issued" => Some("The invoice was issued: it has its number and can no longer change."),
        "payment" => Some("The payment was recorded."),
        "resent" => Some("The document was queued to the customer again, with its PDF."),
        "credited" => Some(
            "A credit note for everything not yet credited was issued and mailed; it is listed \
             with the month's documents.",
        ),
        _ => None,
    }
}

struct InvoiceLoaded {
    invoice: Invoice,
    customer: String,
    payments: Option<Payments>,
}

fn load_invoice(
    c: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
) -> Result<InvoiceLoaded, ServiceError> {
    let invoice = invoicing::get(c, by, id)?;
    let payments = if invoice.status == "issued" && invoice.kind == DocumentKind::Invoice {
        Some(invoicing::payments(c, ctx, by, id)?)
    } else {
        None
    };
    Ok(InvoiceLoaded {
        customer: customer_name(c, by, &invoice)?,
        invoice,
        payments,
    })
}

fn review_lines(invoice: &Invoice) -> Vec<ReviewLine> {
    invoice
        .lines
        .iter()
        .map(|line| {
            let (minutes, raw) = match line.quantity {
                Quantity::Minutes(m) => (true, m),
                Quantity::Count(n) => (false, n),
            };
            ReviewLine {
                id: line.id,
                position: line.position,
                date: line.date.to_string(),
                description: line.description.clone(),
                quantity_shown: match line.quantity.unit() {
                    Some(unit) => format!("{} {unit}", line.quantity),
                    None => line.quantity.to_string(),
                },
                minutes,
                quantity: raw.to_string(),
                unit_price: line.unit_price.to_string(),
                vat: line.vat_rate.to_string(),
                net: line.net.to_string(),
                edited: line.edited,
                from_charge: line.charge_id.is_some(),
            }
        })
        .collect()
}

fn payments_panel(payments: &Payments) -> PaymentsPanel {
    PaymentsPanel {
        total: payments.total.to_string(),
        paid: payments.paid.to_string(),
        outstanding: payments.outstanding.to_string(),
        settled: payments.outstanding <= Money::ZERO,
        status: payment_label(payments.status),
        lines: payments
            .payments
            .iter()
            .map(|p| PaymentLine {
                paid_on: p.paid_on.to_string(),
                amount: p.amount.to_string(),
                method: view::method_label(&p.method),
                reference: p.reference.clone(),
            })
            .collect(),
    }
}

fn title_of(invoice: &Invoice, customer: &str) -> String {
    match &invoice.number {
        Some(number) => format!("{} {number}", kind_label(invoice.kind)),
        None => format!(
            "Draft {} for {customer}, {}",
            kind_label(invoice.kind).to_lowercase(),
            invoice.month
        ),
    }
}

async fn render_invoice(
    state: &AppState,
    user: &CurrentUser,
    csrf: &CsrfToken,
    id: InvoiceId,
    (notice, refused): (Option<&str>, Option<(&Typed, &FormError)>),
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (ctx, by) = (context(state)?, user.by());
    let loaded = state.db(move |c| load_invoice(c, &ctx, &by, id)).await?;
    let invoice = &loaded.invoice;
    let head = Head {
        id: id.get(),
        title: title_of(invoice, &loaded.customer),
        customer_id: invoice.customer_id.get(),
        customer: loaded.customer.clone(),
        month: invoice.month.clone(),
        draft: invoice.number.is_none(),
        credit_note: invoice.kind == DocumentKind::CreditNote,
    };
    let lines = review_lines(invoice);
    let payments = loaded.payments.as_ref().map(payments_panel);
    let payment_defaults = PaymentFields {
        paid_on: state.tz.local_date(now()).to_string(),
        amount: loaded
            .payments
            .as_ref()
            .map(|p| p.outstanding.to_string())
            .unwrap_or_default(),
        method: "transfer".into(),
        reference: String::new(),
    };
    let data = InvoicePage {
        head: &head,
        document: crate::documents::invoice::article(invoice),
        lines: &lines,
        notes: &invoice.notes,
        payments: payments.as_ref(),
        payment_defaults,
        notice,
        refused,
    };
    Ok(html(
        status,
        view::invoice(&chrome(Some(user), csrf), &data),
    ))
}

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

pub async fn show(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let id = InvoiceId::new(path.into_inner());
    let shown = (notice_for(flash.done.as_deref()), None);
    render_invoice(&state, &user, &csrf, id, shown, StatusCode::OK).await
}

/// Runs a change to the invoice `id`: on success back to its page with `done`; a refusal shows
/// the page again with the form as `typed` and the problem next to it.
async fn change<F>(
    (state, user, csrf): (&AppState, &CurrentUser, &CsrfToken),
    id: InvoiceId,
    typed: Typed,
    parsed: Result<F, FormError>,
    (done, anchor): (&str, &str),
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConn, &Context, &By) -> Result<(), ServiceError> + Send + 'static,
{
    let (status, error) = match parsed {
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error),
        Ok(work) => {
            let (ctx, by) = (context(state)?, user.by());
            match state.db_sending_mail(move |c| work(c, &ctx, &by)).await {
                Ok(()) => {
                    return Ok(see_other(&format!(
                        "/staff/invoices/{id}?done={done}#{anchor}"
                    )))
                }
                Err(error) => form_refusal(error)?,
            }
        }
    };
    let shown = (None, Some((&typed, &error)));
    render_invoice(state, user, csrf, id, shown, status).await
}

/// A change without a form (a button): `work` on the invoice in `path`, then as [`change`].
async fn act<T>(
    parts: (&AppState, &CurrentUser, &CsrfToken),
    path: web::Path<i64>,
    typed: Typed,
    work: fn(&mut DbConn, &Context, &By, InvoiceId) -> Result<T, ServiceError>,
    redirect: (&str, &str),
) -> Result<HttpResponse, AppError>
where
    T: 'static,
{
    let id = InvoiceId::new(path.into_inner());
    let work = move |c: &mut DbConn, ctx: &Context, by: &By| work(c, ctx, by, id).map(|_| ());
    change(parts, id, typed, Ok(work), redirect).await
}

/// Issues one draft.
pub async fn issue(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let parts = (state.get_ref(), &user, &csrf);
    act(
        parts,
        path,
        Typed::Issue,
        invoicing::issue,
        ("issued", "main"),
    )
    .await
}

#[derive(Deserialize)]
pub struct LineForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    unit_price: String,
    #[serde(default)]
    vat_category: String,
}

impl LineForm {
    fn fields(&self) -> LineFields {
        LineFields {
            description: self.description.clone(),
            quantity: self.quantity.clone(),
            unit_price: self.unit_price.clone(),
            vat_category: self.vat_category.clone(),
        }
    }

    /// The line as the service takes it; each problem on its field.
    fn parse(&self) -> Result<LineEdit, FormError> {
        let description = self.description.trim();
        if description.is_empty() {
            return Err(FormError::on(
                "description",
                "Describe the line; the description is printed on the invoice.",
            ));
        }
        if description.chars().count() > 300 {
            return Err(FormError::on(
                "description",
                "A description has at most 300 characters.",
            ));
        }
        let typed = self.quantity.trim();
        let quantity = typed
            .parse::<i64>()
            .ok()
            .filter(|q| (1..=1_000_000).contains(q))
            .ok_or_else(|| {
                FormError::on(
                    "quantity",
                    format!("'{typed}' is not a whole number from 1 to 1,000,000."),
                )
            })?;
        let unit_price = Money::parse(&self.unit_price)
            .map_err(|e| FormError::on("unit_price", sentence(&e.to_string())))?;
        Ok(LineEdit {
            description: description.to_string(),
            quantity,
            unit_price,
        })
    }

    /// A new line's VAT category, one of the form's choices.
    fn vat_category(&self) -> Result<String, FormError> {
        let chosen = self.vat_category.trim();
        VAT_CATEGORIES
            .iter()
            .find(|(value, _)| *value == chosen)
            .map(|(value, _)| value.to_string())
            .ok_or_else(|| FormError::on("vat_category", "Choose a VAT category from the list."))
    }
}

pub async fn adjust_line(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<LineForm>,
) -> Result<HttpResponse, AppError> {
    let (id, line) = path.into_inner();
    let id = InvoiceId::new(id);
    let parsed = form.parse().map(|edit| {
        move |c: &mut DbConn, _: &Context, by: &By| {
            invoicing::adjust_line(c, by, id, line, &edit).map(|_| ())
        }
    });
    let parts = (state.get_ref(), &user, &csrf);
    let typed = Typed::Line(line, form.fields());
    let anchor = format!("line-{line}");
    change(parts, id, typed, parsed, ("adjusted", &anchor)).await
}

pub async fn remove_line(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let (id, line) = path.into_inner();
    let id = InvoiceId::new(id);
    let work = move |c: &mut DbConn, _: &Context, by: &By| {
        invoicing::remove_line(c, by, id, line).map(|_| ())
    };
    let parts = (state.get_ref(), &user, &csrf);
    change(
        parts,
        id,
        Typed::Remove(line),
        Ok(work),
        ("removed", "review"),
    )
    .await
}

pub async fn add_line(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<LineForm>,
) -> Result<HttpResponse, AppError> {
    let id = InvoiceId::new(path.into_inner());
    let parsed = form.parse().and_then(|edit| {
        let category = form.vat_category()?;
        Ok(move |c: &mut DbConn, ctx: &Context, by: &By| {
            invoicing::add_line(c, ctx, by, id, &edit, &category).map(|_| ())
        })
    });
    let parts = (state.get_ref(), &user, &csrf);
    let typed = Typed::NewLine(form.fields());
    change(parts, id, typed, parsed, ("added", "review")).await
}

#[derive(Deserialize)]
pub struct NotesForm {
    #[serde(default)]
    notes: String,
}

pub async fn set_notes(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<NotesForm>,
) -> Result<HttpResponse, AppError> {
    let id = InvoiceId::new(path.into_inner());
    let notes = form.notes.clone();
    let parsed = if notes.chars().count() > 2000 {
        Err(FormError::on(
            "notes",
            "Notes are at most 2,000 characters.",
        ))
    } else {
        Ok(move |c: &mut DbConn, _: &Context, by: &By| {
            invoicing::set_notes(c, by, id, &notes).map(|_| ())
        })
    };
    let parts = (state.get_ref(), &user, &csrf);
    change(
        parts,
        id,
        Typed::Notes(form.notes),
        parsed,
        ("notes", "notes"),
    )
    .await
}

#[derive(Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    reference: String,
}

impl PaymentForm {
    fn fields(&self) -> PaymentFields {
        PaymentFields {
            paid_on: self.paid_on.clone(),
            amount: self.amount.clone(),
            method: self.method.clone(),
            reference: self.reference.clone(),
        }
    }

    fn parse(&self) -> Result<NewPayment, FormError> {
        let paid_on = parse_date(&self.paid_on, "The date")
            .map_err(|message| FormError::on("paid_on", message))?;
        let amount = Money::parse(&self.amount)
            .map_err(|e| FormError::on("amount", sentence(&e.to_string())))?;
        if amount <= Money::ZERO {
            return Err(FormError::on(
                "amount",
                "A payment is a positive amount, like 25.00.",
            ));
        }
        let method = self.method.trim();
        if !METHODS.iter().any(|(value, _)| *value == method) {
            return Err(FormError::on("method", "Choose a method from the list."));
        }
        Ok(NewPayment {
            paid_on,
            amount,
            method: method.to_string(),
            reference: self.reference.trim().to_string(),
        })
    }
}

pub async fn record_payment(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<PaymentForm>,
) -> Result<HttpResponse, AppError> {
    let id = InvoiceId::new(path.into_inner());
    let parsed = form.parse().map(|payment| {
        move |c: &mut DbConn, ctx: &Context, by: &By| {
            invoicing::record_payment(c, ctx, by, id, &payment).map(|_| ())
        }
    });
    let parts = (state.get_ref(), &user, &csrf);
    let typed = Typed::Payment(form.fields());
    change(parts, id, typed, parsed, ("payment", "payments")).await
}

/// Mails an issued document again, with its stored PDF.
pub async fn resend(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<serde::de::IgnoredAny>,
) -> Result<HttpResponse, AppError> {
    let parts = (state.get_ref(), &user, &csrf);
    act(
        parts,
        path,
        Typed::Resend,
        invoicing::resend,
        ("resent", "actions"),
    )
    .await
}

#[derive(Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    reason: String,
}

/// Issues a credit note for what is left of an issued invoice (a partial one: the API).
pub async fn credit_note(
    state: web::Data<AppState>,
    Staff(user): Staff,
    csrf: CsrfToken,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<CreditForm>,
) -> Result<HttpResponse, AppError> {
    let id = InvoiceId::new(path.into_inner());
    let reason = form.reason.trim().to_string();
    let parsed = if reason.is_empty() || reason.chars().count() > 500 {
        Err(FormError::on(
            "reason",
            "Say why, in at most 500 characters: the credit note prints it.",
        ))
    } else {
        let request = CreditRequest {
            reason: reason.clone(),
            lines: Vec::new(),
        };
        Ok(move |c: &mut DbConn, ctx: &Context, by: &By| {
            invoicing::credit_note(c, ctx, by, id, &request).map(|_| ())
        })
    };
    let parts = (state.get_ref(), &user, &csrf);
    change(
        parts,
        id,
        Typed::Credit(reason),
        parsed,
        ("credited", "actions"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(description: &str, quantity: &str, unit_price: &str) -> LineForm {
        LineForm {
            description: description.into(),
            quantity: quantity.into(),
            unit_price: unit_price.into(),
            vat_category: "standard".into(),
        }
    }

    #[test]
    fn a_line_form_names_the_wrong_field() {
        let edit = line(" Laser cutter ", "90", "25.17")
            .parse()
            .expect("valid");
        assert_eq!(
            (edit.description.as_str(), edit.quantity, edit.unit_price),
            ("Laser cutter", 90, Money::from_cents(2517))
        );
        let field = |f: LineForm| f.parse().err().and_then(|e| e.field);
        assert_eq!(field(line(" ", "1", "1")), Some("description"));
        assert_eq!(field(line("x", "0", "1")), Some("quantity"));
        assert_eq!(field(line("x", "1.5", "1")), Some("quantity"));
        assert_eq!(field(line("x", "1", "1,50")), Some("unit_price"));
        // A discount line keeps its negative price.
        assert!(line("Discount", "1", "-5.00").parse().is_ok());
        let other = LineForm {
            vat_category: "zero".into(),
            ..line("x", "1", "1")
        };
        assert!(other.vat_category().is_err());
    }

    #[test]
    fn a_payment_is_a_positive_amount_by_a_known_method() {
        let form = |amount: &str, method: &str| PaymentForm {
            paid_on: "2027-03-01".into(),
            amount: amount.into(),
            method: method.into(),
            reference: " TR-1 ".into(),
        };
        let payment = form("10.50", "transfer").parse().expect("valid");
        assert_eq!(payment.amount, Money::from_cents(1050));
        assert_eq!(payment.reference, "TR-1");
        let field = |f: PaymentForm| f.parse().err().and_then(|e| e.field);
        assert_eq!(field(form("-5", "cash")), Some("amount"));
        assert_eq!(field(form("0", "cash")), Some("amount"));
        assert_eq!(field(form("5", "barter")), Some("method"));
        assert_eq!(
            field(PaymentForm {
                paid_on: "yesterday".into(),
                ..form("5", "cash")
            }),
            Some("paid_on")
        );
    }

    #[test]
    fn the_run_is_reported_in_words() {
        let query = MonthQuery {
            done: Some("run".into()),
            customers: Some("2".into()),
            created: Some("1".into()),
            lines: Some("3".into()),
            waiting: Some("1".into()),
            ..MonthQuery::default()
        };
        let text = query.notice("2027-02").expect("a notice");
        assert!(
            text.contains("1 new draft, 3 lines added (2 customers"),
            "{text}"
        );
        assert!(text.contains("already issued"), "{text}");
        let nothing = MonthQuery {
            done: Some("run".into()),
            ..MonthQuery::default()
        };
        assert!(nothing
            .notice("2027-02")
            .is_some_and(|t| t.starts_with("Nothing new to draft")));
    }
}
