//! Staff: monthly invoicing. The month's page (pick a month, draft it, the month's invoices with
//! their totals and payment status, issue the ticked drafts or all of them, the integrity chain's
//! state) and one invoice's page (the document as it prints, and the tools that fit its status:
//! reviewing a draft's lines and notes before issuing it, or an issued invoice's payments).
use maud::{html, Markup};

use super::today::field_error;
use super::FormError;
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};

// --- The month --------------------------------------------------------------------------------

/// An invoice as the month's table lists it, every value in words.
pub struct ListLine {
    pub id: i64,
    /// The number of an issued document; `None` for a draft.
    pub number: Option<String>,
    pub customer: String,
    pub kind: &'static str,
    pub total: String,
    pub status: &'static str,
    /// How an issued invoice stands with its payments (unpaid, partly paid, ...).
    pub payment: Option<&'static str>,
}

impl ListLine {
    fn is_draft(&self) -> bool {
        self.number.is_none()
    }
}

/// What `verify` found, in words.
pub struct ChainPanel {
    pub documents: usize,
    pub intact: bool,
    pub first_broken: Option<String>,
    pub reason: Option<String>,
}

pub struct MonthPage<'a> {
    /// The month as shown in the picker (as typed when it was wrong).
    pub month: &'a str,
    /// False when the picker holds something that is not a month: nothing is listed then.
    pub month_valid: bool,
    pub invoices: &'a [ListLine],
    /// `None` until staff ask for the check (it reads the whole chain).
    pub chain: Option<&'a ChainPanel>,
    pub notice: Option<&'a str>,
    /// What went wrong: one line, or several (drafts that were refused when issuing).
    pub errors: &'a [String],
}

pub fn month(chrome: &Chrome<'_>, data: &MonthPage<'_>) -> Markup {
    let title = if data.month_valid {
        format!("Invoices of {}", data.month)
    } else {
        "Invoices".to_string()
    };
    layout::page(
        chrome,
        &title,
        html! {
            h1 { (title) }
            (notice(data.notice))
            (errors(data.errors))
            form.search method="get" action="/staff/invoices" {
                (text_field("Month (YYYY-MM)", "month", "month", data.month, None))
                button type="submit" { "Show" }
            }
            @if data.month_valid {
                (run_form(chrome.csrf, data.month))
                (invoice_table(chrome.csrf, data))
            }
            (chain_panel(data))
        },
    )
}

fn errors(lines: &[String]) -> Markup {
    html! {
        @match lines {
            [] => {}
            [one] => (error_summary(Some(one))),
            many => {
                div.error-summary role="alert" {
                    ul { @for line in many { li { (line) } } }
                }
            }
        }
    }
}

fn run_form(csrf: &str, month: &str) -> Markup {
    html! {
        section {
            h2 #run { "Draft the month" }
            p {
                "Makes one draft per customer from their open charges up to the end of " (month)
                ". Running it again adds charges that appeared since and keeps your edits."
            }
            form.inline method="post" action="/staff/invoices/run" {
                (csrf_field(csrf))
                input type="hidden" name="month" value=(month);
                button type="submit" { "Draft " (month) }
            }
        }
    }
}

fn invoice_table(csrf: &str, data: &MonthPage<'_>) -> Markup {
    let drafts = data.invoices.iter().filter(|l| l.is_draft()).count();
    html! {
        section {
            h2 #invoices { "Invoices and drafts" }
            p.actions {
                // The CSV export of the month (its route lives with the exports).
                a href={ "/staff/invoices/export.csv?month=" (data.month) } { "Export CSV" }
            }
            @if data.invoices.is_empty() {
                p.muted { "No invoices for " (data.month) " yet." }
            } @else {
                form method="post" action="/staff/invoices/issue" {
                    (csrf_field(csrf))
                    input type="hidden" name="month" value=(data.month);
                    table.responsive aria-labelledby="invoices" {
                        thead {
                            tr {
                                th scope="col" { "Number" }
                                th scope="col" { "Customer" }
                                th scope="col" { "Kind" }
                                th scope="col" class="num" { "Total" }
                                th scope="col" { "Status" }
                                th scope="col" { "Payment" }
                                th scope="col" { "Issue" }
                            }
                        }
                        tbody {
                            @for line in data.invoices {
                                (list_row(line))
                            }
                        }
                    }
                    @if drafts > 0 {
                        p.actions {
                            button type="submit" name="scope" value="selected" { "Issue selected" }
                            button.secondary type="submit" name="scope" value="all" {
                                "Issue all drafts (" (drafts) ")"
                            }
                        }
                        p.muted { "Issuing numbers a draft and fixes it for good: mistakes are then corrected by a credit note." }
                    }
                }
            }
        }
    }
}

fn list_row(line: &ListLine) -> Markup {
    let shown = line.number.as_deref().unwrap_or("Draft");
    let check = format!("issue-{}", line.id);
    html! {
        tr id={ "invoice-" (line.id) } {
            th scope="row" data-label="Number" {
                a href={ "/staff/invoices/" (line.id) } { (shown) }
            }
            td data-label="Customer" { (line.customer) }
            td data-label="Kind" { (line.kind) }
            td.num data-label="Total" { (line.total) }
            td data-label="Status" { (line.status) }
            td data-label="Payment" { (line.payment.unwrap_or("")) }
            td data-label="Issue" {
                @if line.is_draft() {
                    label.check for=(check) {
                        input type="checkbox" id=(check) name="ids" value=(line.id);
                        span.skip { "Issue the draft for " (line.customer) }
                    }
                }
            }
        }
    }
}

fn chain_panel(data: &MonthPage<'_>) -> Markup {
    html! {
        section {
            h2 #chain { "Chain" }
            p { "Every issued invoice and credit note is linked to the one before it by its record hash. The check recomputes every hash and content digest." }
            @match data.chain {
                Some(chain) if chain.intact => {
                    p role="status" {
                        "Intact: " (chain.documents) " issued "
                        (if chain.documents == 1 { "document" } else { "documents" }) "."
                    }
                }
                Some(chain) => {
                    div.error-summary role="alert" {
                        "Broken at " (chain.first_broken.as_deref().unwrap_or("an unnumbered document"))
                        @if let Some(reason) = &chain.reason { ": " (reason) }
                        " (" (chain.documents) " issued documents)."
                    }
                }
                None => {}
            }
            form.inline method="get" action="/staff/invoices" {
                input type="hidden" name="month" value=(data.month);
                input type="hidden" name="verify" value="yes";
                button.secondary type="submit" { "Check the chain" }
            }
        }
    }
}

// --- One invoice ------------------------------------------------------------------------------

/// What the page says about the document above its preview.
pub struct Head {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub customer: String,
    pub month: String,
    pub draft: bool,
    /// A credit note (which is not itself credited).
    pub credit_note: bool,
}

/// A draft's line as the review tools show it.
pub struct ReviewLine {
    pub id: i64,
    pub position: i32,
    pub date: String,
    pub description: String,
    /// `1.50 h` or `3`.
    pub quantity_shown: String,
    /// A time line: its quantity is in minutes and its unit price per hour.
    pub minutes: bool,
    /// The quantity as the form takes it: minutes for time, a count otherwise.
    pub quantity: String,
    pub unit_price: String,
    pub vat: String,
    pub net: String,
    pub edited: bool,
    /// Billed from a charge: removing the line moves the charge to next month.
    pub from_charge: bool,
}

/// A line's fields as typed (adjusting one, or adding one with its VAT category).
#[derive(Debug, Default, Clone)]
pub struct LineFields {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub vat_category: String,
}

/// The payment form as typed.
#[derive(Debug, Default, Clone)]
pub struct PaymentFields {
    pub paid_on: String,
    pub amount: String,
    pub method: String,
    pub reference: String,
}

/// Which form was sent, as typed, so it comes back with its problem next to it.
#[derive(Debug, Clone)]
pub enum Typed {
    Line(i64, LineFields),
    Remove(i64),
    NewLine(LineFields),
    Notes(String),
    Payment(PaymentFields),
    Issue,
    Resend,
    /// A full credit note, with its reason.
    Credit(String),
}

/// A payment as listed.
pub struct PaymentLine {
    pub paid_on: String,
    pub amount: String,
    pub method: &'static str,
    pub reference: String,
}

/// An issued invoice's payments and where it stands.
pub struct PaymentsPanel {
    pub total: String,
    pub paid: String,
    pub outstanding: String,
    /// Nothing is left to pay: the form is not offered.
    pub settled: bool,
    pub status: &'static str,
    pub lines: Vec<PaymentLine>,
}

pub struct InvoicePage<'a> {
    pub head: &'a Head,
    /// The document as it prints.
    pub document: Markup,
    pub lines: &'a [ReviewLine],
    pub notes: &'a str,
    pub payments: Option<&'a PaymentsPanel>,
    /// The payment form's values when it was not sent (today, the outstanding amount).
    pub payment_defaults: PaymentFields,
    pub notice: Option<&'a str>,
    /// The form that was sent and refused, and why.
    pub refused: Option<(&'a Typed, &'a FormError)>,
}

impl InvoicePage<'_> {
    /// The problem of the form `is` picks out, if it was the one refused.
    fn error_of(&self, is: impl Fn(&Typed) -> bool) -> Option<&FormError> {
        self.refused.filter(|(t, _)| is(t)).map(|(_, e)| e)
    }
}

/// The ways a payment comes in: `(value, label)`.
pub const METHODS: [(&str, &str); 5] = [
    ("transfer", "Bank transfer"),
    ("card", "Card"),
    ("cash", "Cash"),
    ("direct_debit", "Direct debit"),
    ("other", "Other"),
];

/// The VAT categories a new line may take: `(value, label)`.
pub const VAT_CATEGORIES: [(&str, &str); 2] = [
    ("standard", "Standard rate"),
    ("training", "Training (exempt or reduced)"),
];

/// A method's label for a stored value.
pub fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|(value, _)| *value == method)
        .map_or("Other", |(_, label)| label)
}

pub fn invoice(chrome: &Chrome<'_>, data: &InvoicePage<'_>) -> Markup {
    let head = data.head;
    layout::page(
        chrome,
        &head.title,
        html! {
            h1 { (head.title) }
            (notice(data.notice))
            (error_summary(data.refused.map(|(_, e)| e.message.as_str())))
            p.actions {
                a href={ "/staff/invoices?month=" (head.month) } { "Invoices of " (head.month) }
                a href={ "/staff/customers/" (head.customer_id) } { (head.customer) }
            }
            (data.document)
            @if head.draft {
                (draft_actions(chrome.csrf, data))
            } @else {
                (issued_actions(chrome.csrf, data))
            }
        },
    )
}

/// What staff do with a draft: review its lines and notes, then issue it.
fn draft_actions(csrf: &str, data: &InvoicePage<'_>) -> Markup {
    html! {
        section {
            h2 #review { "Review" }
            @if data.lines.is_empty() {
                p.muted { "This draft has no lines; add one or it cannot be issued." }
            }
            @for line in data.lines {
                (review_line(csrf, data, line))
            }
            (add_line_form(csrf, data))
            (notes_form(csrf, data))
        }
        (issue_form(csrf, data))
    }
}

/// What staff do with an issued invoice. Further actions on an issued document (mail it again,
/// a credit note) belong here.
fn issued_actions(csrf: &str, data: &InvoicePage<'_>) -> Markup {
    let resend_error = data.error_of(|t| matches!(t, Typed::Resend));
    let credit_error = data.error_of(|t| matches!(t, Typed::Credit(_)));
    let reason = match data.refused {
        Some((Typed::Credit(typed), _)) => typed.as_str(),
        _ => "",
    };
    let id = data.head.id;
    html! {
        @if let Some(payments) = data.payments {
            (payments_panel(csrf, data, payments))
        }
        section aria-labelledby="actions" {
            h2 #actions { "Mail and corrections" }
            form method="post" action={ "/staff/invoices/" (id) "/resend" } {
                (csrf_field(csrf))
                @if let Some(error) = resend_error {
                    p.field-error role="alert" { (error.message) }
                }
                button type="submit" { "Mail it to the customer again" }
            }
            @if !data.head.credit_note {
                form.stack method="post" action={ "/staff/invoices/" (id) "/credit-note" } {
                    (csrf_field(csrf))
                    h3 { "Credit note" }
                    p.muted {
                        "An issued invoice never changes: a credit note takes back everything not \
                         yet credited, in the credit-note series, and is mailed to the customer. \
                         (A partial one, by line and quantity, is made through the API.)"
                    }
                    label for="credit-reason" {
                        "Reason (printed on the credit note)"
                        textarea id="credit-reason" name="reason" rows="2" maxlength="500"
                            aria-invalid=[credit_error.map(|_| "true")]
                            aria-describedby=[credit_error.map(|_| "credit-reason-error")] { (reason) }
                        @if let Some(error) = credit_error {
                            span.field-error id="credit-reason-error" { (error.message) }
                        }
                    }
                    button type="submit" { "Issue a credit note" }
                }
            }
        }
    }
}

/// A labelled input with an id of its own, for pages with one form per line.
fn input(id: &str, label: &str, name: &str, value: &str, error: Option<&str>) -> Markup {
    let error_id = format!("{id}-error");
    html! {
        label for=(id) {
            (label)
            input id=(id) name=(name) type="text" value=(value)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(error) = error {
                span.field-error id=(error_id) { (error) }
            }
        }
    }
}

fn quantity_label(minutes: bool) -> &'static str {
    if minutes {
        "Time in minutes (90 = 1.50 h)"
    } else {
        "Quantity (number of items)"
    }
}

fn unit_price_label(minutes: bool) -> &'static str {
    if minutes {
        "Price per hour (EUR, before VAT)"
    } else {
        "Unit price (EUR, before VAT)"
    }
}

fn review_line(csrf: &str, data: &InvoicePage<'_>, line: &ReviewLine) -> Markup {
    let error =
        data.error_of(|t| matches!(t, Typed::Line(id, _) | Typed::Remove(id) if *id == line.id));
    let typed = match data.refused {
        Some((Typed::Line(id, fields), _)) if *id == line.id => Some(fields),
        _ => None,
    };
    let value = |own: &str, pick: fn(&LineFields) -> &String| -> String {
        typed.map_or_else(|| own.to_string(), |fields| pick(fields).clone())
    };
    let on = |field| FormError::for_field(error, field);
    let prefix = format!("line-{}", line.id);
    let heading = format!("{prefix}-heading");
    html! {
        article.line id=(prefix) aria-labelledby=(heading) {
            h3 id=(heading) { "Line " (line.position) ": " (line.description) }
            p {
                (line.date) " · " (line.quantity_shown) " × " (line.unit_price) " € · VAT " (line.vat)
                " · net " (line.net) " €"
                @if line.edited { " · " em { "edited" } }
            }
            @if let Some(error) = error.filter(|e| e.field.is_none()) {
                p.field-error role="alert" { (error.message) }
            }
            form.stack method="post" action={ "/staff/invoices/" (data.head.id) "/lines/" (line.id) } {
                (csrf_field(csrf))
                (input(&format!("{prefix}-description"), "Description", "description",
                    &value(&line.description, |f| &f.description), on("description")))
                (input(&format!("{prefix}-quantity"), quantity_label(line.minutes), "quantity",
                    &value(&line.quantity, |f| &f.quantity), on("quantity")))
                (input(&format!("{prefix}-unit-price"), unit_price_label(line.minutes), "unit_price",
                    &value(&line.unit_price, |f| &f.unit_price), on("unit_price")))
                button type="submit" { "Save line " (line.position) }
            }
            form.inline method="post" action={ "/staff/invoices/" (data.head.id) "/lines/" (line.id) "/remove" } {
                (csrf_field(csrf))
                button.secondary type="submit" aria-label={ "Remove line " (line.position) ": " (line.description) } {
                    @if line.from_charge { "Remove (the charge moves to next month's invoice)" } @else { "Remove" }
                }
            }
        }
    }
}

fn add_line_form(csrf: &str, data: &InvoicePage<'_>) -> Markup {
    let error = data.error_of(|t| matches!(t, Typed::NewLine(_)));
    let typed = match data.refused {
        Some((Typed::NewLine(fields), _)) => fields.clone(),
        _ => LineFields {
            quantity: "1".into(),
            vat_category: "standard".into(),
            ..LineFields::default()
        },
    };
    let on = |field| FormError::for_field(error, field);
    html! {
        section {
            h3 #add-line { "Add a line" }
            p { "The line is written to the ledger as a manual charge of this customer and billed on this draft." }
            form.stack method="post" action={ "/staff/invoices/" (data.head.id) "/lines" } {
                (csrf_field(csrf))
                (input("new-description", "Description", "description", &typed.description, on("description")))
                (input("new-quantity", quantity_label(false), "quantity", &typed.quantity, on("quantity")))
                (input("new-unit-price", unit_price_label(false), "unit_price", &typed.unit_price, on("unit_price")))
                (field_error(on("vat_category"), select_field("VAT category", "vat_category", &VAT_CATEGORIES, &typed.vat_category)))
                button type="submit" { "Add the line" }
            }
        }
    }
}

fn notes_form(csrf: &str, data: &InvoicePage<'_>) -> Markup {
    let error = data.error_of(|t| matches!(t, Typed::Notes(_)));
    let notes = match data.refused {
        Some((Typed::Notes(typed), _)) => typed.as_str(),
        _ => data.notes,
    };
    html! {
        section {
            h3 #notes { "Notes" }
            form.stack method="post" action={ "/staff/invoices/" (data.head.id) "/notes" } {
                (csrf_field(csrf))
                label for="f-notes" {
                    "Notes printed on the invoice (optional, at most 2,000 characters)"
                    textarea id="f-notes" name="notes" rows="3" maxlength="2000"
                        aria-invalid=[error.map(|_| "true")] { (notes) }
                }
                @if let Some(error) = error {
                    span.field-error role="alert" { (error.message) }
                }
                button type="submit" { "Save the notes" }
            }
        }
    }
}

fn issue_form(csrf: &str, data: &InvoicePage<'_>) -> Markup {
    html! {
        section {
            h2 #issue { "Issue" }
            p { "Issuing gives the draft the next number of the series and today's date, and fixes it: after that it can only be corrected by a credit note." }
            form.inline method="post" action={ "/staff/invoices/" (data.head.id) "/issue" } {
                (csrf_field(csrf))
                button type="submit" { "Issue this invoice" }
            }
        }
    }
}

fn payments_panel(csrf: &str, data: &InvoicePage<'_>, payments: &PaymentsPanel) -> Markup {
    html! {
        section {
            h2 #payments { "Payments" }
            dl.facts {
                dt { "Total" } dd { (payments.total) " €" }
                dt { "Paid" } dd { (payments.paid) " €" }
                dt { "Outstanding" } dd { (payments.outstanding) " €" }
                dt { "Status" } dd { span.state { (payments.status) } }
            }
            @if payments.lines.is_empty() {
                p.muted { "No payments recorded." }
            } @else {
                table.responsive aria-labelledby="payments" {
                    thead {
                        tr {
                            th scope="col" { "Date" }
                            th scope="col" class="num" { "Amount" }
                            th scope="col" { "Method" }
                            th scope="col" { "Reference" }
                        }
                    }
                    tbody {
                        @for line in &payments.lines {
                            tr {
                                th scope="row" data-label="Date" { (line.paid_on) }
                                td.num data-label="Amount" { (line.amount) " €" }
                                td data-label="Method" { (line.method) }
                                td data-label="Reference" { (line.reference) }
                            }
                        }
                    }
                }
            }
            @if !payments.settled {
                (payment_form(csrf, data))
            }
        }
    }
}

fn payment_form(csrf: &str, data: &InvoicePage<'_>) -> Markup {
    let error = data.error_of(|t| matches!(t, Typed::Payment(_)));
    let fields = match data.refused {
        Some((Typed::Payment(typed), _)) => typed,
        _ => &data.payment_defaults,
    };
    let on = |field| FormError::for_field(error, field);
    html! {
        h3 #record-payment { "Record payment" }
        form.stack method="post" action={ "/staff/invoices/" (data.head.id) "/payments" } {
            (csrf_field(csrf))
            (text_field("Date received", "paid_on", "date", &fields.paid_on, on("paid_on")))
            (input("f-amount", "Amount (EUR)", "amount", &fields.amount, on("amount")))
            (field_error(on("method"), select_field("Method", "method", &METHODS, &fields.method)))
            (text_field("Reference (optional)", "reference", "text", &fields.reference, None))
            button type="submit" { "Record payment" }
        }
    }
}
