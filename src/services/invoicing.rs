//! Monthly invoicing: the month's run drafts one invoice per customer from open charges (one
//! line per charge, idempotent), staff review drafts, and issuing numbers each one from the
//! year's gapless counter and joins it to the single integrity chain, in one transaction that
//! locks the counter row and the chain head. Issued invoices are immutable (database triggers).
use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::audit::{self, Changes};
use super::{now, staff_only, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::invoicing::{
    self as rows, InvoiceFilter, InvoiceRow, Issue, LineRow, NewLine, OpenCharge,
};
use crate::db::{next_counter_value, timestamp, write_tx, DbConn, DbError};
use crate::domain::chain::{content_digest, record_hash, verify_chain, ChainRecord, DocumentKind};
use crate::domain::invoice::{line_net, Quantity, Totals, VatRate};
pub use crate::domain::invoice::{
    payment_status, ChainInfo, Invoice, InvoiceLine, Party, PaymentStatus,
};
use crate::domain::{CustomerId, CustomerKind, InvoiceId, LocalMonth, Money, Role, WorkshopTz};

/// What invoicing needs from configuration.
#[derive(Debug, Clone)]
pub struct Context {
    pub tz: WorkshopTz,
    pub supplier_name: String,
    pub supplier_tax_id: String,
    pub supplier_address: String,
    pub invoice_series: String,
    pub credit_note_series: String,
    pub vat_standard: VatRate,
    pub vat_training: VatRate,
    pub payment_days: i64,
    /// Who mails issued documents, and the links in them.
    pub mail: crate::mail::MailIdentity,
}

impl Context {
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Context, ServiceError> {
        let invalid = |e: crate::domain::InvalidField| {
            ServiceError::Invalid(format!("invoicing settings: {}", e.0))
        };
        let standard = VatRate::parse(&settings.invoicing.vat_standard).map_err(invalid)?;
        let training = VatRate::parse(&settings.invoicing.vat_training).map_err(invalid)?;
        let training = if training.percent().is_zero()
            && !settings.invoicing.training_exemption.trim().is_empty()
        {
            VatRate::exempt(&settings.invoicing.training_exemption).map_err(invalid)?
        } else {
            training
        };
        Ok(Context {
            tz: settings.timezone().unwrap_or_default(),
            supplier_name: settings.workshop.legal_name.clone(),
            supplier_tax_id: settings.workshop.tax_id.trim().to_string(),
            supplier_address: settings.workshop.address.clone(),
            invoice_series: settings.workshop.invoice_series.clone(),
            credit_note_series: settings.workshop.credit_note_series.clone(),
            vat_standard: standard,
            vat_training: training,
            payment_days: settings.invoicing.payment_days.max(0),
            mail: crate::mail::MailIdentity::from_settings(settings)?,
        })
    }

    fn rate_for(&self, vat_category: &str) -> &VatRate {
        match vat_category {
            "training" => &self.vat_training,
            _ => &self.vat_standard,
        }
    }
}

// --- The month's run --------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub month: String,
    /// Customers with open charges.
    pub customers: usize,
    /// Plan fees, included-hours deductions and discounts the run wrote.
    pub plan_charges: usize,
    pub drafts_created: usize,
    pub lines_added: usize,
    /// Customers whose invoice of the month is already issued: their charges wait for the next.
    pub already_issued: usize,
}

/// Drafts `month`: for each customer with open charges up to the month's end, their draft (made
/// once) gets one line per charge not yet on it. Running it again adds only new charges and
/// keeps staff edits. Customers are drafted in batches, one transaction each (a customer's
/// draft, lines and links always commit together); `progress` is told after each batch.
pub fn run_month(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    month: LocalMonth,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<RunSummary, ServiceError> {
    staff_only(by, "run the month's invoicing")?;
    // Plans first: their fees, included hours and discounts are charges like any other.
    let plan_charges = super::plans::write_month_charges(conn, month)?;
    let label = month.to_string();
    let last_day = last_day_of(month);
    let summary = rows::with_bulk_cache(conn, |conn| {
        let customers = rows::customers_with_open_charges(conn, last_day, &label)?;
        let mut summary = RunSummary {
            month: label.clone(),
            customers: customers.len(),
            plan_charges,
            ..RunSummary::default()
        };
        let mut done = 0;
        for batch in batches(&customers) {
            let drafted = write_tx(conn, |c| draft_customers(c, ctx, &batch, &label, last_day))?;
            summary.drafts_created += drafted.made;
            summary.lines_added += drafted.lines;
            summary.already_issued += drafted.issued;
            done += batch.len();
            progress(done, customers.len());
        }
        Ok::<_, ServiceError>(summary)
    })?;
    let changes = Changes::new()
        .set("month", &label)
        .set("drafts_created", &summary.drafts_created)
        .set("lines_added", &summary.lines_added);
    write_tx(conn, |c| {
        audit::record(c, by, "invoice.run", "invoice_run", None, changes)
    })?;
    Ok(summary)
}

fn last_day_of(month: LocalMonth) -> NaiveDate {
    let first = month.first_day();
    month.next().first_day().pred_opt().unwrap_or(first)
}

/// Open charges drafted in one transaction (customers are never split): large enough that
/// statements and commits are few, small enough that a transaction holds the write lock for well
/// under a second and the progress bar moves.
const CHARGES_PER_TRANSACTION: i64 = 20_000;

/// `customers` (with their open charges) in batches of about [`CHARGES_PER_TRANSACTION`].
fn batches(customers: &[(i64, i64)]) -> Vec<Vec<i64>> {
    let mut batches: Vec<Vec<i64>> = Vec::new();
    let mut charges = 0;
    for &(customer, open) in customers {
        match batches.last_mut() {
            Some(batch) if charges + open <= CHARGES_PER_TRANSACTION => {
                batch.push(customer);
                charges += open;
            }
            _ => {
                batches.push(vec![customer]);
                charges = open;
            }
        }
    }
    batches
}

/// One customer's part of the run, as a review step needs it: (draft made, lines added,
/// invoice already issued).
fn draft_customer(
    c: &mut DbConn,
    ctx: &Context,
    customer: i64,
    month: &str,
    last_day: NaiveDate,
) -> Result<(bool, usize, bool), ServiceError> {
    let drafted = draft_customers(c, ctx, &[customer], month, last_day)?;
    Ok((drafted.made > 0, drafted.lines, drafted.issued > 0))
}

/// What one batch of the run did.
struct Drafted {
    made: usize,
    lines: usize,
    issued: usize,
}

/// One batch of customers' part of the run: each one's draft made if missing, one line per open
/// charge appended after the draft's last line, the charges linked to their lines, and the
/// draft's totals computed from its lines (those it had, read as amounts, and the new ones).
/// Customers whose invoice of the month is issued are left alone: their charges wait.
fn draft_customers(
    c: &mut DbConn,
    ctx: &Context,
    customers: &[i64],
    month: &str,
    last_day: NaiveDate,
) -> Result<Drafted, ServiceError> {
    let at = timestamp(now());
    let made = rows::ensure_drafts(c, customers, month, at)?;
    let mut rates = RateTable::default();
    let (mut drafts, issued) = open_drafts(c, customers, month, &mut rates)?;
    let owners: Vec<i64> = drafts.keys().copied().collect();
    let charges = rows::open_charges_of(c, &owners, last_day, month)?;
    for charge in &charges {
        rates.add_category(ctx, &charge.vat_category)?;
    }
    let rates = rates;
    let lines = new_lines(&charges, &mut drafts, &rates)?;
    rows::insert_lines(c, &lines)?;
    let charge_ids: Vec<i64> = charges.iter().map(|charge| charge.id).collect();
    rows::link_charges_to_lines(c, &charge_ids)?;
    for draft in drafts.values().filter(|d| d.added) {
        let totals = Totals::from_lines(
            draft
                .amounts
                .iter()
                .map(|(net, rate)| (*net, &rates.known[*rate])),
        );
        rows::set_draft_totals(
            c,
            draft.id,
            totals.net().cents(),
            totals.vat().cents(),
            totals.total().cents(),
            at,
        )?;
    }
    Ok(Drafted {
        made,
        lines: lines.len(),
        issued,
    })
}

/// The drafts of `month` of `customers`, locked and keyed by customer, each with the positions
/// and amounts of the lines it has; and how many of the customers' invoices are already issued.
fn open_drafts(
    c: &mut DbConn,
    customers: &[i64],
    month: &str,
    rates: &mut RateTable,
) -> Result<(HashMap<i64, DraftState>, usize), ServiceError> {
    let (drafts, issued): (Vec<_>, Vec<_>) = rows::month_invoices_of(c, customers, month)?
        .into_iter()
        .partition(|invoice| invoice.status == "draft");
    let ids: Vec<i64> = drafts.iter().map(|d| d.id).collect();
    rows::lock_invoices(c, &ids)?;
    let customer_of: HashMap<i64, i64> = drafts.iter().map(|d| (d.id, d.customer_id)).collect();
    let mut by_customer: HashMap<i64, DraftState> = drafts
        .iter()
        .map(|d| (d.customer_id, DraftState::new(d.id)))
        .collect();
    for (invoice, position, net, rate) in rows::line_amounts_of(c, &ids)? {
        let customer = customer_of.get(&invoice);
        if let Some(draft) = customer.and_then(|k| by_customer.get_mut(k)) {
            draft.last_position = draft.last_position.max(position);
            draft
                .amounts
                .push((Money::from_cents(net), rates.parsed(&rate)?));
        }
    }
    Ok((by_customer, issued.len()))
}

/// One new line per charge, numbered after the last line of its customer's draft.
fn new_lines<'a>(
    charges: &'a [OpenCharge],
    drafts: &mut HashMap<i64, DraftState>,
    rates: &'a RateTable,
) -> Result<Vec<NewLine<'a>>, ServiceError> {
    let mut lines = Vec::with_capacity(charges.len());
    for charge in charges {
        let Some(draft) = drafts.get_mut(&charge.customer_id) else {
            continue;
        };
        let quantity = Quantity::of_charge(&charge.kind, charge.quantity);
        let net = line_net(quantity, Money::from_cents(charge.unit_price_cents));
        let (rate, rate_json) = rates.of_category(&charge.vat_category)?;
        draft.last_position += 1;
        draft.amounts.push((net, rate));
        draft.added = true;
        lines.push(NewLine {
            invoice_id: draft.id,
            position: draft.last_position,
            charge_id: Some(charge.id),
            service_date: charge.service_date,
            description: &charge.description,
            unit: unit_of(quantity),
            quantity: charge.quantity,
            unit_price_cents: charge.unit_price_cents,
            vat_category: &charge.vat_category,
            vat_rate: rate_json,
            net_cents: net.cents(),
            edited: false,
        });
    }
    Ok(lines)
}

/// A draft as one batch of the run builds on it.
struct DraftState {
    id: i64,
    last_position: i32,
    /// Each line's net and its rate (an index into the batch's [`RateTable`]).
    amounts: Vec<(Money, usize)>,
    added: bool,
}

impl DraftState {
    fn new(id: i64) -> DraftState {
        DraftState {
            id,
            last_position: 0,
            amounts: Vec::new(),
            added: false,
        }
    }
}

/// The VAT rates one batch of the run meets, each parsed or serialized once rather than once
/// per line.
#[derive(Default)]
struct RateTable {
    known: Vec<VatRate>,
    /// Stored text of a rate → its index in `known`.
    by_text: HashMap<String, usize>,
    /// VAT category → (index in `known`, the text new lines store).
    by_category: HashMap<String, (usize, String)>,
}

impl RateTable {
    fn index(&mut self, rate: VatRate) -> usize {
        match self.known.iter().position(|known| *known == rate) {
            Some(i) => i,
            None => {
                self.known.push(rate);
                self.known.len() - 1
            }
        }
    }

    /// A stored line's rate, as an index.
    fn parsed(&mut self, text: &str) -> Result<usize, ServiceError> {
        if let Some(i) = self.by_text.get(text) {
            return Ok(*i);
        }
        let rate: VatRate = serde_json::from_str(text).map_err(|e| {
            ServiceError::Db(DbError::Corrupt(format!(
                "VAT rate '{text}' of a line: {e}"
            )))
        })?;
        let i = self.index(rate);
        self.by_text.insert(text.to_string(), i);
        Ok(i)
    }

    /// Learns the rate of a charge's VAT category (once per category).
    fn add_category(&mut self, ctx: &Context, category: &str) -> Result<(), ServiceError> {
        if !self.by_category.contains_key(category) {
            let rate = ctx.rate_for(category).clone();
            let text = serde_json::to_string(&rate)
                .map_err(|e| ServiceError::Invalid(format!("VAT rate: {e}")))?;
            let i = self.index(rate);
            self.by_category.insert(category.to_string(), (i, text));
        }
        Ok(())
    }

    /// The rate of a VAT category met before, as an index and as the text a new line stores.
    fn of_category(&self, category: &str) -> Result<(usize, &str), ServiceError> {
        let (i, text) = self.by_category.get(category).ok_or_else(|| {
            ServiceError::Invalid(format!("VAT category '{category}' was not looked up"))
        })?;
        Ok((*i, text.as_str()))
    }
}

fn unit_of(quantity: Quantity) -> &'static str {
    match quantity {
        Quantity::Minutes(_) => "minutes",
        Quantity::Count(_) => "count",
    }
}

fn quantity_of(line: &LineRow) -> Quantity {
    if line.unit == "minutes" {
        Quantity::Minutes(line.quantity)
    } else {
        Quantity::Count(line.quantity)
    }
}

fn rate_of(line: &LineRow) -> Result<VatRate, ServiceError> {
    serde_json::from_str(&line.vat_rate).map_err(|e| {
        ServiceError::Db(DbError::Corrupt(format!(
            "VAT rate of invoice line {}: {e}",
            line.id
        )))
    })
}

fn totals_of(lines: &[LineRow]) -> Result<Totals, ServiceError> {
    let pairs = lines
        .iter()
        .map(|l| Ok((Money::from_cents(l.net_cents), rate_of(l)?)))
        .collect::<Result<Vec<_>, ServiceError>>()?;
    Ok(Totals::of(&pairs))
}

/// A draft's totals from its lines, VAT once per rate.
fn recompute(c: &mut DbConn, invoice: i64) -> Result<Totals, ServiceError> {
    let totals = totals_of(&rows::lines_of(c, invoice)?)?;
    rows::set_draft_totals(
        c,
        invoice,
        totals.net().cents(),
        totals.vat().cents(),
        totals.total().cents(),
        timestamp(now()),
    )?;
    Ok(totals)
}

// --- Reading ----------------------------------------------------------------------------------

fn to_invoice(row: &InvoiceRow, lines: &[LineRow]) -> Result<Invoice, ServiceError> {
    let invoice_lines = lines
        .iter()
        .map(|l| {
            Ok(InvoiceLine {
                id: l.id,
                position: l.position,
                charge_id: l.charge_id,
                date: l.service_date,
                description: l.description.clone(),
                quantity: quantity_of(l),
                unit_price: Money::from_cents(l.unit_price_cents),
                vat_rate: rate_of(l)?,
                net: Money::from_cents(l.net_cents),
                edited: l.edited,
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let party = |name: &Option<String>, tax: &Option<String>, address: &Option<String>| {
        name.as_ref().map(|n| Party {
            name: n.clone(),
            tax_id: tax.clone(),
            address: address.clone().unwrap_or_default(),
        })
    };
    let chain = match (&row.record_hash, row.chain_position) {
        (Some(hash), Some(position)) => Some(ChainInfo {
            position,
            previous_hash: row.previous_hash.clone().unwrap_or_default(),
            record_hash: hash.clone(),
            content_digest: row.content_digest.clone().unwrap_or_default(),
            generated_at: row.generated_at.clone().unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Invoice {
        id: InvoiceId::new(row.id),
        kind: kind_of(row),
        status: row.status.clone(),
        customer_id: CustomerId::new(row.customer_id),
        month: row.month.clone(),
        number: row.number.clone(),
        issue_date: row.issue_date,
        due_date: row.due_date,
        supplier: party(
            &row.supplier_name,
            &row.supplier_tax_id,
            &row.supplier_address,
        ),
        customer: party(
            &row.customer_name,
            &row.customer_tax_id,
            &row.customer_address,
        ),
        corrects: None,
        notes: row.notes.clone(),
        totals: totals_of(lines)?,
        lines: invoice_lines,
        chain,
        payment_status: None,
    })
}

fn kind_of(row: &InvoiceRow) -> DocumentKind {
    if row.kind == "credit_note" {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Invoice
    }
}

/// The number of the invoice a credit note corrects.
fn corrected_number(c: &mut DbConn, row: &InvoiceRow) -> Result<Option<String>, ServiceError> {
    match row.corrects_id {
        Some(original) => Ok(rows::find_invoice(c, original)?.number),
        None => Ok(None),
    }
}

/// Whether the caller may see a customer's invoices: staff, the member of an individual
/// account, a business's admin.
fn may_see(c: &mut DbConn, by: &By, customer: CustomerId) -> Result<bool, ServiceError> {
    let Some(actor) = by.actor() else {
        return Ok(true);
    };
    if actor.is_staff() {
        return Ok(true);
    }
    if actor.customer_id != customer {
        return Ok(false);
    }
    let kind = account_rows::find_customer(c, customer)?.kind;
    Ok(kind == CustomerKind::Individual || actor.role == Role::BusinessAdmin)
}

pub fn get(conn: &mut DbConn, by: &By, id: InvoiceId) -> Result<Invoice, ServiceError> {
    let row = rows::find_invoice(conn, id.get())?;
    // Customers see their issued documents, never drafts.
    let staff = by.actor().is_none_or(|a| a.is_staff());
    if !may_see(conn, by, CustomerId::new(row.customer_id))? || (!staff && row.status != "issued") {
        return Err(ServiceError::NotFound);
    }
    let lines = rows::lines_of(conn, row.id)?;
    let mut invoice = to_invoice(&row, &lines)?;
    invoice.corrects = corrected_number(conn, &row)?;
    Ok(invoice)
}

/// `get` with the payment status of an issued invoice.
pub fn get_with_status(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
) -> Result<Invoice, ServiceError> {
    let mut invoice = [get(conn, by, id)?];
    statuses(conn, ctx, &mut invoice)?;
    let [invoice] = invoice;
    Ok(invoice)
}

/// Which invoices to list.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub month: Option<LocalMonth>,
    pub status: Option<String>,
    pub customer_id: Option<CustomerId>,
}

/// Invoice headers (lines and the breakdown per rate left out) with their payment status:
/// staff see all; customers their account's issued ones.
pub fn list(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    query: &ListQuery,
) -> Result<Vec<Invoice>, ServiceError> {
    let mut filter = InvoiceFilter {
        month: query.month.map(|m| m.to_string()),
        status: query.status.clone(),
        customer_id: query.customer_id.map(CustomerId::get),
        limit: 20_000,
    };
    if let Some(actor) = by.actor() {
        if !actor.is_staff() {
            if !may_see(conn, by, actor.customer_id)? {
                return Ok(Vec::new());
            }
            filter.customer_id = Some(actor.customer_id.get());
            filter.status = Some("issued".into());
        }
    }
    let found = rows::list_invoices(conn, &filter)?;
    let mut invoices = found
        .iter()
        .map(|row| {
            let mut invoice = to_invoice(row, &[])?;
            invoice.totals = Totals::summary(
                Money::from_cents(row.net_cents.unwrap_or(0)),
                Money::from_cents(row.vat_cents.unwrap_or(0)),
            );
            if row.corrects_id.is_some() {
                invoice.corrects = corrected_number(conn, row)?;
            }
            Ok(invoice)
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    statuses(conn, ctx, &mut invoices)?;
    Ok(invoices)
}

// --- The PDF ----------------------------------------------------------------------------------

/// A document's PDF and the name to save it under.
#[derive(Debug, Clone)]
pub struct InvoicePdf {
    /// `F2026-000001.pdf`; a draft's (staff only) `draft-12.pdf`.
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The PDF of a document the caller may see (exactly as [`get`]: customers their issued ones,
/// anyone else's answers `NotFound`): the bytes stored at issue, so every instance serves the
/// same file. A document issued before PDFs were stored, or a draft, is rendered now.
pub fn pdf(conn: &mut DbConn, by: &By, id: InvoiceId) -> Result<InvoicePdf, ServiceError> {
    let invoice = get(conn, by, id)?;
    let stored = match invoice.number {
        Some(_) => rows::pdf_of(conn, id.get())?,
        None => None,
    };
    let bytes = match stored {
        Some(bytes) => bytes,
        None => crate::documents::invoice::pdf(&invoice)?,
    };
    let filename = match &invoice.number {
        // Only what is safe in a file name and a header: `F2026-000001` stays as it is.
        Some(number) => format!(
            "{}.pdf",
            number.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
        ),
        None => format!("draft-{}.pdf", id.get()),
    };
    Ok(InvoicePdf { filename, bytes })
}

// --- Issuing ----------------------------------------------------------------------------------

/// What the content digest covers: the whole document as issued.
#[derive(Serialize)]
struct Canonical<'a> {
    kind: DocumentKind,
    number: &'a str,
    issue_date: NaiveDate,
    month: &'a str,
    supplier: &'a Party,
    customer: &'a Party,
    lines: &'a [InvoiceLine],
    totals: &'a Totals,
}

/// Issues a draft: the next number of the year's series (a locked counter row) and the next
/// link of the chain (the locked chain head), the date, the parties' names, tax ids and
/// addresses, the totals and the hashes, all in one transaction. A failure anywhere rolls the
/// number back with everything else, so numbers have no gaps.
pub fn issue(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
) -> Result<Invoice, ServiceError> {
    staff_only(by, "issue invoices")?;
    write_tx(conn, |c| issue_in(c, ctx, by, id, &mut |_| Ok(())))
}

/// Like `issue`, with a hook that runs after numbering and before the commit (tests inject a
/// failure there).
pub fn issue_with_hook(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
    hook: &mut dyn FnMut(&str) -> Result<(), ServiceError>,
) -> Result<Invoice, ServiceError> {
    staff_only(by, "issue invoices")?;
    write_tx(conn, |c| issue_in(c, ctx, by, id, hook))
}

fn issue_in(
    c: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
    hook: &mut dyn FnMut(&str) -> Result<(), ServiceError>,
) -> Result<Invoice, ServiceError> {
    // The chain head first: every issuing transaction queues here, so numbers and links are
    // handed out in one order.
    let (position, previous_hash) = rows::lock_chain_head(c)?;
    let row = rows::find_invoice(c, id.get())?;
    if row.status != "draft" {
        return Err(ServiceError::Conflict(format!(
            "Invoice {} is already issued.",
            row.number.unwrap_or_default()
        )));
    }
    let lines = rows::lines_of(c, row.id)?;
    if lines.is_empty() {
        return Err(ServiceError::Invalid(
            "An invoice without lines cannot be issued.".into(),
        ));
    }
    let customer = account_rows::find_customer(c, CustomerId::new(row.customer_id))?;
    let at = now();
    let issue_date = ctx.tz.local_date(at);
    let kind = kind_of(&row);
    let series = match kind {
        DocumentKind::Invoice => ctx.invoice_series.clone(),
        DocumentKind::CreditNote => ctx.credit_note_series.clone(),
    };
    let year = chrono::Datelike::year(&issue_date);
    let n = next_counter_value(c, &format!("{series}{year}"))?;
    let number = format!("{series}{year}-{n:06}");
    let mut invoice = to_invoice(&row, &lines)?;
    let supplier = Party {
        name: ctx.supplier_name.clone(),
        tax_id: Some(ctx.supplier_tax_id.clone()),
        address: ctx.supplier_address.clone(),
    };
    let buyer = Party {
        name: customer.legal_name.clone(),
        tax_id: customer.tax_id.clone(),
        address: customer.address.clone(),
    };
    let digest = content_digest(&Canonical {
        kind,
        number: &number,
        issue_date,
        month: &row.month,
        supplier: &supplier,
        customer: &buyer,
        lines: &invoice.lines,
        totals: &invoice.totals,
    })
    .map_err(|e| ServiceError::Invalid(format!("content digest: {e}")))?;
    let generated_at = ctx.tz.to_local(at).fixed_offset();
    let generated = generated_at.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    let record = ChainRecord {
        supplier_tax_id: ctx.supplier_tax_id.clone(),
        number: number.clone(),
        issue_date,
        kind,
        vat_total: invoice.totals.vat(),
        total: invoice.totals.total(),
        previous_hash: (!previous_hash.is_empty()).then(|| previous_hash.clone()),
        generated_at: chrono::DateTime::parse_from_rfc3339(&generated)
            .map_err(|e| ServiceError::Invalid(format!("generated_at: {e}")))?,
    };
    let hash = record_hash(&record);
    hook(&number)?;
    // The document as issued, rendered once: every instance serves these bytes from now on.
    let due_date = issue_date + Duration::days(ctx.payment_days);
    let document = Invoice {
        status: "issued".into(),
        number: Some(number.clone()),
        issue_date: Some(issue_date),
        due_date: Some(due_date),
        supplier: Some(supplier.clone()),
        customer: Some(buyer.clone()),
        corrects: corrected_number(c, &row)?,
        chain: Some(ChainInfo {
            position: position + 1,
            previous_hash: previous_hash.clone(),
            record_hash: hash.clone(),
            content_digest: digest.clone(),
            generated_at: generated.clone(),
        }),
        ..invoice.clone()
    };
    let pdf = crate::documents::invoice::pdf(&document)?;
    let issued = rows::issue(
        c,
        row.id,
        &Issue {
            status: "issued",
            series: &series,
            number: &number,
            issue_date,
            due_date,
            supplier_name: &supplier.name,
            supplier_tax_id: &ctx.supplier_tax_id,
            supplier_address: &supplier.address,
            customer_name: &buyer.name,
            customer_tax_id: buyer.tax_id.as_deref(),
            customer_address: &buyer.address,
            net_cents: invoice.totals.net().cents(),
            vat_cents: invoice.totals.vat().cents(),
            total_cents: invoice.totals.total().cents(),
            chain_position: position + 1,
            previous_hash: &previous_hash,
            record_hash: &hash,
            content_digest: &digest,
            generated_at: &generated,
            pdf: Some(&pdf),
            updated_at: timestamp(at),
            issued_at: timestamp(at),
        },
    )?;
    if !issued {
        return Err(ServiceError::Conflict(
            "The invoice changed meanwhile.".into(),
        ));
    }
    rows::advance_chain_head(c, position + 1, &hash)?;
    let changes = Changes::new()
        .set("number", &number)
        .set("total", &invoice.totals.total())
        .set("record_hash", &hash);
    audit::record(c, by, "invoice.issue", "invoice", Some(row.id), changes)?;
    queue_document_mail(c, ctx, &document, pdf, "issued")?;
    invoice = to_invoice(&rows::find_invoice(c, row.id)?, &lines)?;
    invoice.corrects = document.corrects;
    Ok(invoice)
}

/// Queues an issued document to the customer's billing contacts with its PDF attached, under
/// `invoice-{occasion}-{id}…` (issued once; each resend its own).
fn queue_document_mail(
    c: &mut DbConn,
    ctx: &Context,
    document: &Invoice,
    pdf: Vec<u8>,
    occasion: &str,
) -> Result<usize, ServiceError> {
    let number = document.number.clone().unwrap_or_default();
    let title = match document.kind {
        DocumentKind::Invoice => "Invoice",
        DocumentKind::CreditNote => "Credit note",
    };
    let day = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let (issue_date, due_date) = (day(document.issue_date), day(document.due_date));
    let total = format!("{} EUR", document.totals.total());
    let link = ctx.mail.link(&format!("/invoices/{}", document.id.get()));
    let corrects = document
        .corrects
        .as_ref()
        .map(|n| format!("It corrects invoice {n}."))
        .unwrap_or_default();
    let contacts = super::payments::billing_contacts(c, document.customer_id)?;
    let sent = contacts.len();
    for (suffix, to) in contacts {
        let name = to.name.clone().unwrap_or_else(|| to.email.clone());
        let values = [
            ("name", name.as_str()),
            ("document", title),
            ("number", number.as_str()),
            ("issue_date", issue_date.as_str()),
            ("due_date", due_date.as_str()),
            ("total", total.as_str()),
            ("corrects", corrects.as_str()),
            ("link", link.as_str()),
        ];
        let rendered = crate::mail_template!("invoice_issued").render(&ctx.mail, &values)?;
        let key = format!("invoice-{occasion}-{}{suffix}", document.id.get());
        let mail = crate::mail::OutgoingMail::new(key, to, rendered).attach(
            format!("{number}.pdf"),
            "application/pdf",
            pdf.clone(),
        );
        crate::mail::enqueue(c, &ctx.mail, mail)?;
    }
    Ok(sent)
}

/// Mails an issued document again (staff): the stored PDF, under a key of its own each time.
pub fn resend(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
) -> Result<usize, ServiceError> {
    staff_only(by, "resend invoices")?;
    write_tx(conn, |c| {
        let row = rows::find_invoice(c, id.get())?;
        if row.status != "issued" {
            return Err(ServiceError::Conflict(
                "Only an issued document can be mailed.".into(),
            ));
        }
        let mut document = to_invoice(&row, &rows::lines_of(c, row.id)?)?;
        document.corrects = corrected_number(c, &row)?;
        let pdf = match rows::pdf_of(c, row.id)? {
            Some(stored) => stored,
            None => crate::documents::invoice::pdf(&document)?,
        };
        let occasion = format!("resent-{}", now().timestamp_millis());
        let sent = queue_document_mail(c, ctx, &document, pdf, &occasion)?;
        if sent == 0 {
            return Err(ServiceError::Conflict(
                "The customer has no billing email and nobody who could receive it.".into(),
            ));
        }
        let changes = Changes::new().set("recipients", &sent);
        audit::record(c, by, "invoice.resend", "invoice", Some(row.id), changes)?;
        Ok(sent)
    })
}

// --- Verifying --------------------------------------------------------------------------------

/// The chain's state: how many documents it holds and the first broken one, if any.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainState {
    pub documents: usize,
    pub intact: bool,
    pub first_broken: Option<String>,
    pub reason: Option<String>,
}

/// Recomputes every issued document's record hash (with its predecessor's) and content digest.
pub fn verify(conn: &mut DbConn) -> Result<ChainState, ServiceError> {
    let chain = rows::chain(conn)?;
    let mut records = Vec::with_capacity(chain.len());
    for row in &chain {
        let broken = |reason: String| ChainState {
            documents: chain.len(),
            intact: false,
            first_broken: row.number.clone(),
            reason: Some(reason),
        };
        let lines = rows::lines_of(conn, row.id)?;
        let invoice = to_invoice(row, &lines)?;
        let (Some(number), Some(issue_date), Some(generated), Some(stored)) = (
            row.number.clone(),
            row.issue_date,
            row.generated_at.clone(),
            row.record_hash.clone(),
        ) else {
            return Ok(broken("an issued document lacks its number or hash".into()));
        };
        let (Some(supplier), Some(customer)) = (&invoice.supplier, &invoice.customer) else {
            return Ok(broken("an issued document lacks its parties".into()));
        };
        let digest = content_digest(&Canonical {
            kind: invoice.kind,
            number: &number,
            issue_date,
            month: &row.month,
            supplier,
            customer,
            lines: &invoice.lines,
            totals: &invoice.totals,
        })
        .map_err(|e| ServiceError::Invalid(format!("content digest: {e}")))?;
        if Some(&digest) != row.content_digest.as_ref() {
            return Ok(broken("its content differs from what was issued".into()));
        }
        let stored_totals = (row.vat_cents, row.total_cents);
        let totals = (
            Some(invoice.totals.vat().cents()),
            Some(invoice.totals.total().cents()),
        );
        if stored_totals != totals {
            return Ok(broken("its totals differ from its lines".into()));
        }
        let generated_at = chrono::DateTime::parse_from_rfc3339(&generated)
            .map_err(|e| ServiceError::Invalid(format!("generated_at: {e}")))?;
        records.push((
            ChainRecord {
                supplier_tax_id: row.supplier_tax_id.clone().unwrap_or_default(),
                number,
                issue_date,
                kind: invoice.kind,
                vat_total: invoice.totals.vat(),
                total: invoice.totals.total(),
                previous_hash: row.previous_hash.clone().filter(|h| !h.is_empty()),
                generated_at,
            },
            stored,
        ));
    }
    Ok(match verify_chain(&records) {
        Ok(()) => ChainState {
            documents: chain.len(),
            intact: true,
            first_broken: None,
            reason: None,
        },
        Err(brk) => ChainState {
            documents: chain.len(),
            intact: false,
            first_broken: Some(brk.number.clone()),
            reason: Some(brk.to_string()),
        },
    })
}

/// The drafts of a month, for issuing them all.
pub fn month_drafts(conn: &mut DbConn, month: LocalMonth) -> Result<Vec<InvoiceId>, ServiceError> {
    Ok(rows::draft_ids(conn, &month.to_string())?
        .into_iter()
        .map(InvoiceId::new)
        .collect())
}

// --- Review -----------------------------------------------------------------------------------

/// A draft under review, for a change; an issued one answers `Conflict`.
fn draft_for_review(c: &mut DbConn, id: InvoiceId) -> Result<InvoiceRow, ServiceError> {
    crate::db::lock_row(c, "invoices", id.get())?;
    let row = rows::find_invoice(c, id.get())?;
    if row.status != "draft" {
        return Err(ServiceError::Conflict(
            "An issued invoice cannot be changed; issue a credit note instead.".into(),
        ));
    }
    Ok(row)
}

fn line_of(c: &mut DbConn, invoice: &InvoiceRow, line: i64) -> Result<LineRow, ServiceError> {
    rows::lines_of(c, invoice.id)?
        .into_iter()
        .find(|l| l.id == line)
        .ok_or(ServiceError::NotFound)
}

/// Takes a line off a draft. Its charge moves to the next month (`deferred_to_month`), so a
/// re-run of this month does not bring it back.
pub fn remove_line(
    conn: &mut DbConn,
    by: &By,
    id: InvoiceId,
    line: i64,
) -> Result<Invoice, ServiceError> {
    staff_only(by, "change invoices")?;
    write_tx(conn, |c| {
        let invoice = draft_for_review(c, id)?;
        let found = line_of(c, &invoice, line)?;
        let month = LocalMonth::parse(&invoice.month)
            .map_err(|e| ServiceError::Db(DbError::Corrupt(format!("invoice month: {e}"))))?;
        if let Some(charge) = found.charge_id {
            rows::defer_charge(c, charge, &month.next().to_string())?;
        }
        rows::delete_line(c, found.id)?;
        recompute(c, invoice.id)?;
        let changes = Changes::new()
            .set("removed_line", &found.description)
            .set("deferred_to", &month.next().to_string());
        audit::record(
            c,
            by,
            "invoice.remove_line",
            "invoice",
            Some(invoice.id),
            changes,
        )?;
        let row = rows::find_invoice(c, invoice.id)?;
        to_invoice(&row, &rows::lines_of(c, invoice.id)?)
    })
}

/// What staff change on a line: its text, quantity and unit price.
#[derive(Debug, Clone)]
pub struct LineEdit {
    pub description: String,
    pub quantity: i64,
    pub unit_price: Money,
}

fn check_edit(edit: &LineEdit) -> Result<(), ServiceError> {
    if edit.description.trim().is_empty() || edit.description.chars().count() > 300 {
        return Err(ServiceError::Invalid(
            "A line needs a description of at most 300 characters.".into(),
        ));
    }
    if !(1..=1_000_000).contains(&edit.quantity) {
        return Err(ServiceError::Invalid(
            "The quantity must be between 1 and 1,000,000.".into(),
        ));
    }
    Ok(())
}

/// Adjusts a draft's line; a re-run of the month keeps the edit.
pub fn adjust_line(
    conn: &mut DbConn,
    by: &By,
    id: InvoiceId,
    line: i64,
    edit: &LineEdit,
) -> Result<Invoice, ServiceError> {
    staff_only(by, "change invoices")?;
    check_edit(edit)?;
    write_tx(conn, |c| {
        let invoice = draft_for_review(c, id)?;
        let old = line_of(c, &invoice, line)?;
        let quantity = if old.unit == "minutes" {
            Quantity::Minutes(edit.quantity)
        } else {
            Quantity::Count(edit.quantity)
        };
        let net = line_net(quantity, edit.unit_price);
        rows::change_line(
            c,
            old.id,
            &rows::LineChange {
                description: edit.description.trim(),
                quantity: edit.quantity,
                unit_price_cents: edit.unit_price.cents(),
                net_cents: net.cents(),
                edited: true,
            },
        )?;
        recompute(c, invoice.id)?;
        let changes = Changes::new()
            .field(
                "description",
                &old.description,
                &edit.description.trim().to_string(),
            )
            .field("quantity", &old.quantity, &edit.quantity)
            .field(
                "unit_price",
                &Money::from_cents(old.unit_price_cents),
                &edit.unit_price,
            );
        audit::record(
            c,
            by,
            "invoice.adjust_line",
            "invoice",
            Some(invoice.id),
            changes,
        )?;
        let row = rows::find_invoice(c, invoice.id)?;
        to_invoice(&row, &rows::lines_of(c, invoice.id)?)
    })
}

/// Adds a line to a draft: a manual charge is written to the ledger first (nothing computes
/// money for an invoice but the ledger), and the line bills it.
pub fn add_line(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
    edit: &LineEdit,
    vat_category: &str,
) -> Result<Invoice, ServiceError> {
    staff_only(by, "change invoices")?;
    check_edit(edit)?;
    if !matches!(vat_category, "standard" | "training") {
        return Err(ServiceError::Invalid(
            "The VAT category is standard or training.".into(),
        ));
    }
    write_tx(conn, |c| {
        let invoice = draft_for_review(c, id)?;
        let customer = account_rows::find_customer(c, CustomerId::new(invoice.customer_id))?;
        let month = LocalMonth::parse(&invoice.month)
            .map_err(|e| ServiceError::Db(DbError::Corrupt(format!("invoice month: {e}"))))?;
        let revision = crate::db::usage::latest_charge(c, "invoice", invoice.id, "manual")?
            .map_or(0, |latest| latest.revision + 1);
        let date = last_day_of(month);
        crate::db::bookings::insert_charge_once(
            c,
            &crate::db::bookings::NewChargeRow {
                customer_id: customer.id.get(),
                user_id: None,
                kind: "manual",
                source_type: "invoice",
                source_id: invoice.id,
                revision,
                service_date: date,
                description: edit.description.trim(),
                quantity: edit.quantity,
                unit_price_cents: edit.unit_price.cents(),
                price_category: customer.price_category.as_str(),
                vat_category,
                machine_category_id: None,
                created_at: timestamp(now()),
            },
        )?;
        draft_customer(c, ctx, customer.id.get(), &invoice.month, date)?;
        let changes = Changes::new()
            .set("added_line", &edit.description.trim().to_string())
            .set("quantity", &edit.quantity)
            .set("unit_price", &edit.unit_price);
        audit::record(
            c,
            by,
            "invoice.add_line",
            "invoice",
            Some(invoice.id),
            changes,
        )?;
        let row = rows::find_invoice(c, invoice.id)?;
        to_invoice(&row, &rows::lines_of(c, invoice.id)?)
    })
}

/// Sets a draft's notes (printed on the invoice).
pub fn set_notes(
    conn: &mut DbConn,
    by: &By,
    id: InvoiceId,
    notes: &str,
) -> Result<Invoice, ServiceError> {
    staff_only(by, "change invoices")?;
    if notes.chars().count() > 2000 {
        return Err(ServiceError::Invalid(
            "Notes are at most 2,000 characters.".into(),
        ));
    }
    write_tx(conn, |c| {
        let invoice = draft_for_review(c, id)?;
        rows::set_notes(c, invoice.id, notes.trim(), timestamp(now()))?;
        let changes = Changes::new().field("notes", &invoice.notes, &notes.trim().to_string());
        audit::record(c, by, "invoice.notes", "invoice", Some(invoice.id), changes)?;
        let row = rows::find_invoice(c, invoice.id)?;
        to_invoice(&row, &rows::lines_of(c, invoice.id)?)
    })
}

// --- Credit notes -----------------------------------------------------------------------------

/// What a credit note takes back of one line of the original: all that is left of it, or a
/// quantity (minutes for a time line, a count otherwise).
#[derive(Debug, Clone)]
pub struct CreditLine {
    pub line_id: i64,
    pub quantity: Option<i64>,
}

/// A credit note to issue: why, and which lines (none listed: everything not yet credited).
#[derive(Debug, Clone)]
pub struct CreditRequest {
    pub reason: String,
    pub lines: Vec<CreditLine>,
}

/// Issues a credit note correcting an issued invoice, fully or in part, in one transaction:
/// its own series, the same chain, each line the negative of (part of) an original line at the
/// original's price and VAT rate. Each line bills a reversal charge whose source is the line it
/// credits, so the ledger stays complete and no line is credited beyond what was invoiced.
pub fn credit_note(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    original: InvoiceId,
    request: &CreditRequest,
) -> Result<Invoice, ServiceError> {
    staff_only(by, "issue credit notes")?;
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ServiceError::Invalid(
            "A credit note needs a reason of at most 500 characters.".into(),
        ));
    }
    write_tx(conn, |c| {
        crate::db::lock_row(c, "invoices", original.get())?;
        let row = rows::find_invoice(c, original.get())?;
        if row.kind != "invoice" || row.status != "issued" {
            return Err(ServiceError::Conflict(
                "Only an issued invoice can be corrected by a credit note.".into(),
            ));
        }
        let lines = rows::lines_of(c, row.id)?;
        let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
        let credited = rows::credited_quantities(c, &ids)?;
        let left = |line: &LineRow| {
            line.quantity - credited.get(&line.id).map_or(0, |q| q.iter().sum::<i64>())
        };
        let wanted: Vec<(&LineRow, i64)> = if request.lines.is_empty() {
            lines
                .iter()
                .map(|l| (l, left(l)))
                .filter(|(_, q)| *q > 0)
                .collect()
        } else {
            let mut wanted = Vec::with_capacity(request.lines.len());
            for asked in &request.lines {
                let line = lines
                    .iter()
                    .find(|l| l.id == asked.line_id)
                    .ok_or_else(|| {
                        ServiceError::Invalid(format!(
                            "Line {} is not on invoice {}.",
                            asked.line_id,
                            row.number.clone().unwrap_or_default()
                        ))
                    })?;
                if wanted
                    .iter()
                    .any(|(l, _): &(&LineRow, i64)| l.id == line.id)
                {
                    return Err(ServiceError::Invalid(format!(
                        "Line {} is listed twice.",
                        line.id
                    )));
                }
                let remaining = left(line);
                let quantity = asked.quantity.unwrap_or(remaining);
                if quantity < 1 && asked.quantity.is_some() {
                    return Err(ServiceError::Invalid(
                        "A credited quantity is at least 1.".into(),
                    ));
                }
                if quantity < 1 || quantity > remaining {
                    return Err(ServiceError::Conflict(format!(
                        "Line {} (\"{}\") has {} left to credit; {} was asked.",
                        line.id, line.description, remaining, quantity
                    )));
                }
                wanted.push((line, quantity));
            }
            wanted
        };
        if wanted.is_empty() {
            return Err(ServiceError::Conflict(
                "This invoice is already fully credited.".into(),
            ));
        }
        let customer = account_rows::find_customer(c, CustomerId::new(row.customer_id))?;
        let at = timestamp(now());
        let note = format!("Reason: {reason}");
        let id = rows::insert_credit_note(c, &row, &note, at)?;
        for (position, (line, quantity)) in (1..).zip(wanted.iter()) {
            let revision = credited.get(&line.id).map_or(0, Vec::len);
            let revision = i32::try_from(revision)
                .map_err(|_| ServiceError::Invalid("Too many credit notes for one line.".into()))?;
            let quantity_of_line = match quantity_of(line) {
                Quantity::Minutes(_) => Quantity::Minutes(*quantity),
                Quantity::Count(_) => Quantity::Count(*quantity),
            };
            let unit_price = -Money::from_cents(line.unit_price_cents);
            let net = line_net(quantity_of_line, unit_price);
            let description = format!("Credit: {}", line.description);
            let written = crate::db::bookings::insert_charge_once(
                c,
                &crate::db::bookings::NewChargeRow {
                    customer_id: row.customer_id,
                    user_id: None,
                    kind: "reversal",
                    source_type: "invoice_line",
                    source_id: line.id,
                    revision,
                    service_date: line.service_date,
                    description: &description,
                    quantity: 1,
                    unit_price_cents: net.cents(),
                    price_category: customer.price_category.as_str(),
                    vat_category: &line.vat_category,
                    machine_category_id: None,
                    created_at: at,
                },
            )?;
            if !written {
                return Err(ServiceError::Conflict(
                    "Another credit note of this line was issued meanwhile.".into(),
                ));
            }
            let charge = rows::charge_id(c, "invoice_line", line.id, "reversal", revision)?;
            let line_id = rows::insert_line(
                c,
                &NewLine {
                    invoice_id: id,
                    position,
                    charge_id: Some(charge),
                    service_date: line.service_date,
                    description: &line.description,
                    unit: &line.unit,
                    quantity: *quantity,
                    unit_price_cents: unit_price.cents(),
                    vat_category: &line.vat_category,
                    vat_rate: &line.vat_rate,
                    net_cents: net.cents(),
                    edited: false,
                },
            )?;
            rows::link_charge(c, charge, Some(line_id))?;
        }
        recompute(c, id)?;
        let changes = Changes::new()
            .set("credit_note_id", &id)
            .set("lines", &wanted.len())
            .set("reason", &reason.to_string());
        audit::record(c, by, "invoice.credit", "invoice", Some(row.id), changes)?;
        issue_in(c, ctx, by, InvoiceId::new(id), &mut |_| Ok(()))
    })
}

// --- Payments ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Payments {
    pub invoice_id: InvoiceId,
    pub total: Money,
    /// What credit notes took off the invoice (a positive amount).
    pub credited: Money,
    pub paid: Money,
    pub outstanding: Money,
    pub status: PaymentStatus,
    pub payments: Vec<Payment>,
}

/// One payment received against an invoice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Payment {
    pub id: i64,
    pub paid_on: chrono::NaiveDate,
    pub amount: Money,
    pub method: String,
    pub reference: String,
}

impl From<rows::PaymentRow> for Payment {
    fn from(row: rows::PaymentRow) -> Payment {
        Payment {
            id: row.id,
            paid_on: row.paid_on,
            amount: Money::from_cents(row.amount_cents),
            method: row.method,
            reference: row.reference,
        }
    }
}

fn payments_view(
    c: &mut DbConn,
    ctx: &Context,
    row: &InvoiceRow,
) -> Result<Payments, ServiceError> {
    let payments: Vec<Payment> = rows::payments_of(c, row.id)?
        .into_iter()
        .map(Payment::from)
        .collect();
    let paid = payments.iter().fold(Money::ZERO, |sum, p| sum + p.amount);
    let credited = -Money::from_cents(
        rows::credited_cents(c, &[row.id])?
            .get(&row.id)
            .copied()
            .unwrap_or(0),
    );
    let total = Money::from_cents(row.total_cents.unwrap_or(0));
    let today = ctx.tz.local_date(now());
    let due = row.due_date.unwrap_or(today);
    Ok(Payments {
        invoice_id: InvoiceId::new(row.id),
        total,
        credited,
        paid,
        outstanding: total - credited - paid,
        status: payment_status(total - credited, paid, due, today),
        payments,
    })
}

/// The payment status of issued invoices (credit notes have none), from their payments and
/// credit notes in two grouped queries.
fn statuses(c: &mut DbConn, ctx: &Context, invoices: &mut [Invoice]) -> Result<(), ServiceError> {
    let ids: Vec<i64> = invoices
        .iter()
        .filter(|i| i.status == "issued" && i.kind == DocumentKind::Invoice)
        .map(|i| i.id.get())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let paid = rows::paid_cents(c, &ids)?;
    let credited = rows::credited_cents(c, &ids)?;
    let today = ctx.tz.local_date(now());
    for invoice in invoices.iter_mut() {
        let id = invoice.id.get();
        if !ids.contains(&id) {
            continue;
        }
        let owed =
            invoice.totals.total() + Money::from_cents(credited.get(&id).copied().unwrap_or(0));
        let received = Money::from_cents(paid.get(&id).copied().unwrap_or(0));
        invoice.payment_status = Some(payment_status(
            owed,
            received,
            invoice.due_date.unwrap_or(today),
            today,
        ));
    }
    Ok(())
}

/// An issued invoice's payments and status (whoever may see the invoice).
pub fn payments(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
) -> Result<Payments, ServiceError> {
    let invoice = get(conn, by, id)?;
    let row = rows::find_invoice(conn, invoice.id.get())?;
    payments_view(conn, ctx, &row)
}

/// A payment received.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub paid_on: NaiveDate,
    pub amount: Money,
    pub method: String,
    pub reference: String,
}

/// Records a full or partial payment of an issued invoice; more than is outstanding is refused.
pub fn record_payment(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    id: InvoiceId,
    payment: &NewPayment,
) -> Result<Payments, ServiceError> {
    staff_only(by, "record payments")?;
    if payment.amount <= Money::ZERO {
        return Err(ServiceError::Invalid(
            "A payment is a positive amount.".into(),
        ));
    }
    if !matches!(
        payment.method.as_str(),
        "transfer" | "card" | "cash" | "direct_debit" | "other"
    ) {
        return Err(ServiceError::Invalid(
            "The method is transfer, card, cash, direct_debit or other.".into(),
        ));
    }
    if payment.paid_on > ctx.tz.local_date(now()) {
        return Err(ServiceError::Invalid(
            "A payment cannot be dated in the future.".into(),
        ));
    }
    write_tx(conn, |c| {
        crate::db::lock_row(c, "invoices", id.get())?;
        let row = rows::find_invoice(c, id.get())?;
        if row.status != "issued" {
            return Err(ServiceError::Conflict(
                "Only an issued invoice can be paid.".into(),
            ));
        }
        let before = payments_view(c, ctx, &row)?;
        if payment.amount > before.outstanding {
            return Err(ServiceError::Conflict(format!(
                "Only {} EUR is outstanding on this invoice.",
                before.outstanding
            )));
        }
        let payment_id = rows::insert_payment(
            c,
            &rows::NewPaymentRow {
                invoice_id: row.id,
                paid_on: payment.paid_on,
                amount_cents: payment.amount.cents(),
                method: &payment.method,
                reference: payment.reference.trim(),
                created_by: by.actor().map(|a| a.user_id.get()),
                created_at: timestamp(now()),
            },
        )?;
        let changes = Changes::new()
            .set("payment_id", &payment_id)
            .set("amount", &payment.amount)
            .set("paid_on", &payment.paid_on)
            .set("method", &payment.method);
        audit::record(c, by, "invoice.payment", "invoice", Some(row.id), changes)?;
        payments_view(c, ctx, &row)
    })
}

// --- Export -----------------------------------------------------------------------------------

/// The accountant's CSV of `month`: every invoice and credit note issued in that calendar month
/// (by issue date, the basis of a VAT return, whatever month the document bills), in issue
/// order, one row per document and VAT rate with the base and VAT of its `Totals`. Staff only.
pub fn export(conn: &mut DbConn, by: &By, month: LocalMonth) -> Result<String, ServiceError> {
    use crate::documents::csv::{self, ExportRow};
    staff_only(by, "export invoices")?;
    let (first, last) = (month.first_day(), last_day_of(month));
    let documents = rows::issued_between(conn, first, last)?;
    let mut lines: std::collections::HashMap<i64, Vec<LineRow>> = Default::default();
    for line in rows::lines_issued_between(conn, first, last)? {
        lines.entry(line.invoice_id).or_default().push(line);
    }
    let mut out = Vec::with_capacity(documents.len());
    for doc in &documents {
        let totals = totals_of(lines.get(&doc.id).map_or(&[], Vec::as_slice))?;
        if (Some(totals.vat().cents()), Some(totals.total().cents()))
            != (doc.vat_cents, doc.total_cents)
        {
            return Err(ServiceError::Db(DbError::Corrupt(format!(
                "the totals of {} differ from its lines; run `obrador invoices verify`",
                doc.number.as_deref().unwrap_or("a document")
            ))));
        }
        let kind = if doc.kind == "credit_note" {
            DocumentKind::CreditNote
        } else {
            DocumentKind::Invoice
        };
        out.extend(totals.by_rate().iter().map(|part| ExportRow {
            number: doc.number.clone().unwrap_or_default(),
            issue_date: doc.issue_date.unwrap_or(first),
            customer: doc.customer_name.clone().unwrap_or_default(),
            tax_id: doc.customer_tax_id.clone(),
            base: part.base,
            rate: part.rate.clone(),
            vat: part.vat,
            kind,
        }));
    }
    csv::invoices(&out).map_err(|e| ServiceError::Invalid(format!("CSV export: {e}")))
}
