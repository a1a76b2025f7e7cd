//! Rows and queries of invoices, their lines, the charges they bill and the chain head.
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{chain_head, charges, invoice_lines, invoices};
use super::{DbConn, DbError};

/// An open charge, as the month's run turns it into a line.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = charges)]
pub struct OpenCharge {
    pub id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub service_date: NaiveDate,
    pub description: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub vat_category: String,
}

/// The customers with open charges due on an invoice of `month` (served up to `last_day`, not
/// deferred past `month`).
pub fn customers_with_open_charges(
    conn: &mut DbConn,
    last_day: NaiveDate,
    month: &str,
) -> Result<Vec<i64>, DbError> {
    Ok(charges::table
        .filter(charges::invoice_line_id.is_null())
        .filter(charges::service_date.le(last_day))
        .filter(
            charges::deferred_to_month
                .is_null()
                .or(charges::deferred_to_month.le(month)),
        )
        .select(charges::customer_id)
        .distinct()
        .order(charges::customer_id)
        .load(conn)?)
}

/// A customer's open charges due on the invoice of `month`, in date order.
pub fn open_charges(
    conn: &mut DbConn,
    customer_id: i64,
    last_day: NaiveDate,
    month: &str,
) -> Result<Vec<OpenCharge>, DbError> {
    Ok(charges::table
        .filter(charges::customer_id.eq(customer_id))
        .filter(charges::invoice_line_id.is_null())
        .filter(charges::service_date.le(last_day))
        .filter(
            charges::deferred_to_month
                .is_null()
                .or(charges::deferred_to_month.le(month)),
        )
        .select(OpenCharge::as_select())
        .order((charges::service_date, charges::id))
        .load(conn)?)
}

pub fn link_charge(conn: &mut DbConn, charge_id: i64, line_id: Option<i64>) -> Result<(), DbError> {
    diesel::update(charges::table.find(charge_id))
        .set(charges::invoice_line_id.eq(line_id))
        .execute(conn)?;
    Ok(())
}

pub fn defer_charge(conn: &mut DbConn, charge_id: i64, month: &str) -> Result<(), DbError> {
    diesel::update(charges::table.find(charge_id))
        .set((
            charges::invoice_line_id.eq(None::<i64>),
            charges::deferred_to_month.eq(month),
        ))
        .execute(conn)?;
    Ok(())
}

// --- Invoices ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub customer_id: i64,
    pub month: String,
    pub corrects_id: Option<i64>,
    pub notes: String,
    pub number: Option<String>,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub supplier_name: Option<String>,
    pub supplier_tax_id: Option<String>,
    pub supplier_address: Option<String>,
    pub customer_name: Option<String>,
    pub customer_tax_id: Option<String>,
    pub customer_address: Option<String>,
    pub net_cents: Option<i64>,
    pub vat_cents: Option<i64>,
    pub total_cents: Option<i64>,
    pub chain_position: Option<i64>,
    pub previous_hash: Option<String>,
    pub record_hash: Option<String>,
    pub content_digest: Option<String>,
    pub generated_at: Option<String>,
    pub created_at: NaiveDateTime,
    pub issued_at: Option<NaiveDateTime>,
}

/// Makes the customer's draft for `month` unless one (or an issued invoice) exists; returns the
/// invoice of that customer and month either way, with whether this call made it.
pub fn ensure_draft(
    conn: &mut DbConn,
    customer_id: i64,
    month: &str,
    now: NaiveDateTime,
) -> Result<(InvoiceRow, bool), DbError> {
    let made = crate::insert_ignore!(
        &mut *conn,
        invoices::table,
        (
            invoices::kind.eq("invoice"),
            invoices::status.eq("draft"),
            invoices::customer_id.eq(customer_id),
            invoices::month.eq(month),
            invoices::created_at.eq(now),
            invoices::updated_at.eq(now),
        )
    )? == 1;
    let row = invoices::table
        .filter(invoices::customer_id.eq(customer_id))
        .filter(invoices::month.eq(month))
        .filter(invoices::kind.eq("invoice"))
        .select(InvoiceRow::as_select())
        .first(conn)?;
    Ok((row, made))
}

pub fn find_invoice(conn: &mut DbConn, id: i64) -> Result<InvoiceRow, DbError> {
    Ok(invoices::table
        .find(id)
        .select(InvoiceRow::as_select())
        .first(conn)?)
}

/// Which invoices to list.
#[derive(Debug, Default)]
pub struct InvoiceFilter {
    pub month: Option<String>,
    pub status: Option<String>,
    pub customer_id: Option<i64>,
    pub limit: i64,
}

pub fn list_invoices(
    conn: &mut DbConn,
    filter: &InvoiceFilter,
) -> Result<Vec<InvoiceRow>, DbError> {
    let mut query = invoices::table.select(InvoiceRow::as_select()).into_boxed();
    if let Some(month) = &filter.month {
        query = query.filter(invoices::month.eq(month.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(invoices::status.eq(status.clone()));
    }
    if let Some(customer) = filter.customer_id {
        query = query.filter(invoices::customer_id.eq(customer));
    }
    Ok(query
        .order((invoices::month.desc(), invoices::id))
        .limit(filter.limit.max(1))
        .load(conn)?)
}

/// The drafts of a month, by id.
pub fn draft_ids(conn: &mut DbConn, month: &str) -> Result<Vec<i64>, DbError> {
    Ok(invoices::table
        .filter(invoices::month.eq(month))
        .filter(invoices::status.eq("draft"))
        .select(invoices::id)
        .order(invoices::id)
        .load(conn)?)
}

pub fn set_draft_totals(
    conn: &mut DbConn,
    id: i64,
    net: i64,
    vat: i64,
    total: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        invoices::table
            .find(id)
            .filter(invoices::status.eq("draft")),
    )
    .set((
        invoices::net_cents.eq(net),
        invoices::vat_cents.eq(vat),
        invoices::total_cents.eq(total),
        invoices::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn set_notes(
    conn: &mut DbConn,
    id: i64,
    notes: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(invoices::table.find(id))
        .set((invoices::notes.eq(notes), invoices::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Everything issuing fixes, written in one UPDATE (the draft becomes immutable with it).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = invoices)]
pub struct Issue<'a> {
    pub status: &'a str,
    pub series: &'a str,
    pub number: &'a str,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub supplier_name: &'a str,
    pub supplier_tax_id: &'a str,
    pub supplier_address: &'a str,
    pub customer_name: &'a str,
    pub customer_tax_id: Option<&'a str>,
    pub customer_address: &'a str,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub total_cents: i64,
    pub chain_position: i64,
    pub previous_hash: &'a str,
    pub record_hash: &'a str,
    pub content_digest: &'a str,
    pub generated_at: &'a str,
    pub pdf: Option<&'a [u8]>,
    pub updated_at: NaiveDateTime,
    pub issued_at: NaiveDateTime,
}

pub fn issue(conn: &mut DbConn, id: i64, issue: &Issue<'_>) -> Result<bool, DbError> {
    Ok(diesel::update(
        invoices::table
            .find(id)
            .filter(invoices::status.eq("draft")),
    )
    .set(issue.clone())
    .execute(conn)?
        == 1)
}

pub fn pdf_of(conn: &mut DbConn, id: i64) -> Result<Option<Vec<u8>>, DbError> {
    Ok(invoices::table.find(id).select(invoices::pdf).first(conn)?)
}

/// The issued documents in chain order.
pub fn chain(conn: &mut DbConn) -> Result<Vec<InvoiceRow>, DbError> {
    Ok(invoices::table
        .filter(invoices::status.eq("issued"))
        .select(InvoiceRow::as_select())
        .order(invoices::chain_position)
        .load(conn)?)
}

// --- Lines ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invoice_lines)]
pub struct LineRow {
    pub id: i64,
    pub invoice_id: i64,
    pub position: i32,
    pub charge_id: Option<i64>,
    pub service_date: NaiveDate,
    pub description: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub vat_category: String,
    pub vat_rate: String,
    pub net_cents: i64,
    pub edited: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = invoice_lines)]
pub struct NewLine<'a> {
    pub invoice_id: i64,
    pub position: i32,
    pub charge_id: Option<i64>,
    pub service_date: NaiveDate,
    pub description: &'a str,
    pub unit: &'a str,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub vat_category: &'a str,
    pub vat_rate: &'a str,
    pub net_cents: i64,
    pub edited: bool,
}

pub fn insert_line(conn: &mut DbConn, line: &NewLine<'_>) -> Result<i64, DbError> {
    Ok(diesel::insert_into(invoice_lines::table)
        .values(line.clone())
        .returning(invoice_lines::id)
        .get_result(conn)?)
}

pub fn lines_of(conn: &mut DbConn, invoice_id: i64) -> Result<Vec<LineRow>, DbError> {
    Ok(invoice_lines::table
        .filter(invoice_lines::invoice_id.eq(invoice_id))
        .select(LineRow::as_select())
        .order((invoice_lines::position, invoice_lines::id))
        .load(conn)?)
}

pub fn next_position(conn: &mut DbConn, invoice_id: i64) -> Result<i32, DbError> {
    let last: Option<i32> = invoice_lines::table
        .filter(invoice_lines::invoice_id.eq(invoice_id))
        .select(diesel::dsl::max(invoice_lines::position))
        .first(conn)?;
    Ok(last.unwrap_or(0) + 1)
}

pub fn delete_line(conn: &mut DbConn, id: i64) -> Result<(), DbError> {
    diesel::delete(invoice_lines::table.find(id)).execute(conn)?;
    Ok(())
}

/// What staff change on a draft's line.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = invoice_lines)]
pub struct LineChange<'a> {
    pub description: &'a str,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub net_cents: i64,
    pub edited: bool,
}

pub fn change_line(conn: &mut DbConn, id: i64, change: &LineChange<'_>) -> Result<(), DbError> {
    diesel::update(invoice_lines::table.find(id))
        .set(change.clone())
        .execute(conn)?;
    Ok(())
}

// --- Chain head -------------------------------------------------------------------------------

/// The chain's head, locked for the rest of the transaction: (position, last hash).
pub fn lock_chain_head(conn: &mut DbConn) -> Result<(i64, String), DbError> {
    super::lock_row(conn, "chain_head", 1)?;
    Ok(chain_head::table
        .find(1)
        .select((chain_head::position, chain_head::last_hash))
        .first(conn)?)
}

pub fn advance_chain_head(conn: &mut DbConn, position: i64, hash: &str) -> Result<(), DbError> {
    diesel::update(chain_head::table.find(1))
        .set((
            chain_head::position.eq(position),
            chain_head::last_hash.eq(hash),
        ))
        .execute(conn)?;
    Ok(())
}

// --- Payments ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = super::schema::payments)]
pub struct PaymentRow {
    pub id: i64,
    pub invoice_id: i64,
    pub paid_on: NaiveDate,
    pub amount_cents: i64,
    pub method: String,
    pub reference: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::payments)]
pub struct NewPaymentRow<'a> {
    pub invoice_id: i64,
    pub paid_on: NaiveDate,
    pub amount_cents: i64,
    pub method: &'a str,
    pub reference: &'a str,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_payment(conn: &mut DbConn, row: &NewPaymentRow<'_>) -> Result<i64, DbError> {
    use super::schema::payments;
    Ok(diesel::insert_into(payments::table)
        .values(row.clone())
        .returning(payments::id)
        .get_result(conn)?)
}

pub fn payments_of(conn: &mut DbConn, invoice_id: i64) -> Result<Vec<PaymentRow>, DbError> {
    use super::schema::payments;
    Ok(payments::table
        .filter(payments::invoice_id.eq(invoice_id))
        .select(PaymentRow::as_select())
        .order((payments::paid_on, payments::id))
        .load(conn)?)
}
