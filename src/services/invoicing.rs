//! Monthly invoicing: the month's run drafts one invoice per customer from open charges (one
//! line per charge, idempotent), staff review drafts, and issuing numbers each one from the
//! year's gapless counter and joins it to the single integrity chain, in one transaction that
//! locks the counter row and the chain head. Issued invoices are immutable (database triggers).
use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::audit::{self, Changes};
use super::{now, staff_only, By, ServiceError};
use crate::db::accounts as account_rows;
use crate::db::invoicing::{self as rows, InvoiceFilter, InvoiceRow, Issue, LineRow, NewLine};
use crate::db::{next_counter_value, timestamp, write_tx, DbConn, DbError};
use crate::domain::chain::{content_digest, record_hash, verify_chain, ChainRecord, DocumentKind};
use crate::domain::invoice::{line_net, Quantity, Totals, VatRate};
pub use crate::domain::invoice::{ChainInfo, Invoice, InvoiceLine, Party};
use crate::domain::{CustomerId, CustomerKind, InvoiceId, LocalMonth, Money, Role, WorkshopTz};

/// What invoicing needs from configuration.
#[derive(Debug, Clone)]
pub struct Context {
    pub tz: WorkshopTz,
    pub supplier_name: String,
    pub supplier_tax_id: String,
    pub supplier_address: String,
    pub invoice_series: String,
    pub vat_standard: VatRate,
    pub vat_training: VatRate,
    pub payment_days: i64,
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
            vat_standard: standard,
            vat_training: training,
            payment_days: settings.invoicing.payment_days.max(0),
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

#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    pub month: String,
    /// Customers with open charges.
    pub customers: usize,
    pub drafts_created: usize,
    pub lines_added: usize,
    /// Customers whose invoice of the month is already issued: their charges wait for the next.
    pub already_issued: usize,
}

/// Drafts `month`: for each customer with open charges up to the month's end, their draft (made
/// once) gets one line per charge not yet on it. Running it again adds only new charges and
/// keeps staff edits. `progress` is told after each customer (for a progress bar).
pub fn run_month(
    conn: &mut DbConn,
    ctx: &Context,
    by: &By,
    month: LocalMonth,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<RunSummary, ServiceError> {
    staff_only(by, "run the month's invoicing")?;
    let label = month.to_string();
    let last_day = last_day_of(month);
    let customers = rows::customers_with_open_charges(conn, last_day, &label)?;
    let mut summary = RunSummary {
        month: label.clone(),
        customers: customers.len(),
        ..RunSummary::default()
    };
    for (done, customer) in customers.iter().enumerate() {
        let (made, lines, issued) = write_tx(conn, |c| {
            draft_customer(c, ctx, *customer, &label, last_day)
        })?;
        summary.drafts_created += usize::from(made);
        summary.lines_added += lines;
        summary.already_issued += usize::from(issued);
        progress(done + 1, customers.len());
    }
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

/// One customer's part of the run: (draft made, lines added, invoice already issued).
fn draft_customer(
    c: &mut DbConn,
    ctx: &Context,
    customer: i64,
    month: &str,
    last_day: NaiveDate,
) -> Result<(bool, usize, bool), ServiceError> {
    let at = timestamp(now());
    let (invoice, made) = rows::ensure_draft(c, customer, month, at)?;
    if invoice.status != "draft" {
        return Ok((false, 0, true));
    }
    let charges = rows::open_charges(c, customer, last_day, month)?;
    let first = rows::next_position(c, invoice.id)?;
    for (position, charge) in (first..).zip(charges.iter()) {
        let rate = ctx.rate_for(&charge.vat_category);
        let quantity = Quantity::of_charge(&charge.kind, charge.quantity);
        let net = line_net(quantity, Money::from_cents(charge.unit_price_cents));
        let rate_json = serde_json::to_string(rate)
            .map_err(|e| ServiceError::Invalid(format!("VAT rate: {e}")))?;
        let line = rows::insert_line(
            c,
            &NewLine {
                invoice_id: invoice.id,
                position,
                charge_id: Some(charge.id),
                service_date: charge.service_date,
                description: &charge.description,
                unit: unit_of(quantity),
                quantity: charge.quantity,
                unit_price_cents: charge.unit_price_cents,
                vat_category: &charge.vat_category,
                vat_rate: &rate_json,
                net_cents: net.cents(),
                edited: false,
            },
        )?;
        rows::link_charge(c, charge.id, Some(line))?;
    }
    recompute(c, invoice.id)?;
    Ok((made, charges.len(), false))
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
        kind: if row.kind == "credit_note" {
            DocumentKind::CreditNote
        } else {
            DocumentKind::Invoice
        },
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
    })
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
    to_invoice(&row, &lines)
}

/// Which invoices to list.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub month: Option<LocalMonth>,
    pub status: Option<String>,
    pub customer_id: Option<CustomerId>,
}

/// Invoice headers (lines left out): staff see all; customers their account's issued ones.
pub fn list(conn: &mut DbConn, by: &By, query: &ListQuery) -> Result<Vec<Invoice>, ServiceError> {
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
    rows::list_invoices(conn, &filter)?
        .iter()
        .map(|row| {
            let mut invoice = to_invoice(row, &[])?;
            invoice.totals = Totals::of(&[]);
            Ok(invoice)
        })
        .collect()
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
    let series = ctx.invoice_series.clone();
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
        kind: DocumentKind::Invoice,
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
        kind: DocumentKind::Invoice,
        vat_total: invoice.totals.vat(),
        total: invoice.totals.total(),
        previous_hash: (!previous_hash.is_empty()).then(|| previous_hash.clone()),
        generated_at: chrono::DateTime::parse_from_rfc3339(&generated)
            .map_err(|e| ServiceError::Invalid(format!("generated_at: {e}")))?,
    };
    let hash = record_hash(&record);
    hook(&number)?;
    let issued = rows::issue(
        c,
        row.id,
        &Issue {
            status: "issued",
            series: &series,
            number: &number,
            issue_date,
            due_date: issue_date + Duration::days(ctx.payment_days),
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
            pdf: None,
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
    invoice = to_invoice(&rows::find_invoice(c, row.id)?, &lines)?;
    Ok(invoice)
}

// --- Verifying --------------------------------------------------------------------------------

/// The chain's state: how many documents it holds and the first broken one, if any.
#[derive(Debug, Clone, Serialize)]
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

// --- Payments ---------------------------------------------------------------------------------

/// Where an issued invoice stands, derived from its payments (the invoice never changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Unpaid,
    PartlyPaid,
    Paid,
    Overdue,
}

/// The status of an invoice of `total` with `paid` received, due on `due`, seen on `today`.
pub fn payment_status(
    total: Money,
    paid: Money,
    due: NaiveDate,
    today: NaiveDate,
) -> PaymentStatus {
    if paid >= total {
        PaymentStatus::Paid
    } else if today > due {
        PaymentStatus::Overdue
    } else if paid > Money::ZERO {
        PaymentStatus::PartlyPaid
    } else {
        PaymentStatus::Unpaid
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Payments {
    pub invoice_id: InvoiceId,
    pub total: Money,
    pub paid: Money,
    pub outstanding: Money,
    pub status: PaymentStatus,
    pub payments: Vec<rows::PaymentRow>,
}

fn payments_view(
    c: &mut DbConn,
    ctx: &Context,
    row: &InvoiceRow,
) -> Result<Payments, ServiceError> {
    let payments = rows::payments_of(c, row.id)?;
    let paid = payments.iter().fold(Money::ZERO, |sum, p| {
        sum + Money::from_cents(p.amount_cents)
    });
    let total = Money::from_cents(row.total_cents.unwrap_or(0));
    let today = ctx.tz.local_date(now());
    let due = row.due_date.unwrap_or(today);
    Ok(Payments {
        invoice_id: InvoiceId::new(row.id),
        total,
        paid,
        outstanding: total - paid,
        status: payment_status(total, paid, due, today),
        payments,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_status_is_derived() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        let total = Money::from_cents(8477);
        let status =
            |paid, today| payment_status(total, Money::from_cents(paid), day(10), day(today));
        assert_eq!(status(0, 5), PaymentStatus::Unpaid);
        assert_eq!(status(4000, 10), PaymentStatus::PartlyPaid);
        assert_eq!(status(4000, 11), PaymentStatus::Overdue);
        assert_eq!(status(0, 11), PaymentStatus::Overdue);
        assert_eq!(status(8477, 30), PaymentStatus::Paid);
    }
}
