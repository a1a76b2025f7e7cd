//! Rows and queries of invoices, their lines, the charges they bill and the chain head.
use std::collections::HashMap;

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
/// deferred past `month`), with how many such charges each has, by customer.
pub fn customers_with_open_charges(
    conn: &mut DbConn,
    last_day: NaiveDate,
    month: &str,
) -> Result<Vec<(i64, i64)>, DbError> {
    Ok(charges::table
        .filter(charges::invoice_line_id.is_null())
        .filter(charges::service_date.le(last_day))
        .filter(
            charges::deferred_to_month
                .is_null()
                .or(charges::deferred_to_month.le(month)),
        )
        .group_by(charges::customer_id)
        .select((charges::customer_id, diesel::dsl::count_star()))
        .order(charges::customer_id)
        .load(conn)?)
}

/// SQLite's page cache for bulk work, in KiB: the default (2 MiB) is far smaller than what the
/// month's run touches, and every miss is a read from the operating system.
const BULK_CACHE_KIB: i64 = 64 * 1024;

/// Runs `work` with a larger page cache on SQLite, then gives the connection its own size back
/// (the memory is freed). PostgreSQL caches in its shared buffers and needs nothing.
pub fn with_bulk_cache<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    use diesel::connection::SimpleConnection;

    #[derive(QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    let DbConn::Sqlite(c) = conn else {
        return work(conn);
    };
    let own = diesel::sql_query("PRAGMA cache_size")
        .load::<CacheSize>(c)
        .map_err(DbError::from)?
        .first()
        .map_or(-2000, |size| size.cache_size);
    SimpleConnection::batch_execute(c, &format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))
        .map_err(DbError::from)?;
    let result = work(conn);
    if let DbConn::Sqlite(c) = conn {
        SimpleConnection::batch_execute(c, &format!("PRAGMA cache_size = {own}"))
            .map_err(DbError::from)?;
    }
    result
}

/// The open charges of `customers` due on their invoices of `month`, by customer, then in date
/// order.
pub fn open_charges_of(
    conn: &mut DbConn,
    customers: &[i64],
    last_day: NaiveDate,
    month: &str,
) -> Result<Vec<OpenCharge>, DbError> {
    let mut found = Vec::new();
    for chunk in customers.chunks(IDS_PER_QUERY) {
        found.extend(
            charges::table
                .filter(charges::customer_id.eq_any(chunk))
                .filter(charges::invoice_line_id.is_null())
                .filter(charges::service_date.le(last_day))
                .filter(
                    charges::deferred_to_month
                        .is_null()
                        .or(charges::deferred_to_month.le(month)),
                )
                .select(OpenCharge::as_select())
                .order((charges::customer_id, charges::service_date, charges::id))
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Ids bound in one `IN (…)` list, well below SQLite's limit of bound values per statement.
const IDS_PER_QUERY: usize = 5_000;

/// Links each of `charge_ids` that is still open to the line that bills it (the line whose
/// `charge_id` it is), in one UPDATE per chunk; returns how many charges were linked.
pub fn link_charges_to_lines(conn: &mut DbConn, charge_ids: &[i64]) -> Result<usize, DbError> {
    let mut linked = 0;
    for chunk in charge_ids.chunks(IDS_PER_QUERY) {
        // The correlated subquery has no typed form in diesel; the ids are numbers the database
        // gave us, written as literals, so one statement serves both backends.
        let ids = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        linked += diesel::sql_query(format!(
            "UPDATE charges SET invoice_line_id = \
             (SELECT l.id FROM invoice_lines l WHERE l.charge_id = charges.id) \
             WHERE id IN ({ids}) AND invoice_line_id IS NULL"
        ))
        .execute(conn)?;
    }
    Ok(linked)
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

/// Makes a draft for `month` for each of `customers` that has no invoice of that month yet (a
/// draft or an issued one); returns how many drafts were made.
pub fn ensure_drafts(
    conn: &mut DbConn,
    customers: &[i64],
    month: &str,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let rows: Vec<_> = customers
        .iter()
        .map(|customer| {
            (
                invoices::kind.eq("invoice"),
                invoices::status.eq("draft"),
                invoices::customer_id.eq(*customer),
                invoices::month.eq(month),
                invoices::created_at.eq(now),
                invoices::updated_at.eq(now),
            )
        })
        .collect();
    let mut made = 0;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        made += crate::insert_ignore!(&mut *conn, invoices::table, chunk)?;
    }
    Ok(made)
}

/// Rows written by one multi-row INSERT: at a dozen columns each, well below SQLite's limit of
/// bound values per statement.
const ROWS_PER_INSERT: usize = 1_000;

/// An invoice of the month, as the run sees it.
#[derive(Debug, Clone, Queryable)]
pub struct MonthInvoice {
    pub id: i64,
    pub customer_id: i64,
    pub status: String,
}

/// The invoices (not credit notes) of `month` of `customers`.
pub fn month_invoices_of(
    conn: &mut DbConn,
    customers: &[i64],
    month: &str,
) -> Result<Vec<MonthInvoice>, DbError> {
    let mut found = Vec::new();
    for chunk in customers.chunks(IDS_PER_QUERY) {
        found.extend(
            invoices::table
                .filter(invoices::customer_id.eq_any(chunk))
                .filter(invoices::month.eq(month))
                .filter(invoices::kind.eq("invoice"))
                .select((invoices::id, invoices::customer_id, invoices::status))
                .order(invoices::id)
                .load::<MonthInvoice>(conn)?,
        );
    }
    Ok(found)
}

/// Locks `ids` (invoices) until the end of the transaction, in id order, so that two runs of the
/// month cannot both add a charge to a draft: PostgreSQL takes `FOR UPDATE`; on SQLite the
/// immediate write transaction already holds the database's single write lock.
pub fn lock_invoices(conn: &mut DbConn, ids: &[i64]) -> Result<(), DbError> {
    if let DbConn::Pg(c) = conn {
        for chunk in ids.chunks(IDS_PER_QUERY) {
            invoices::table
                .filter(invoices::id.eq_any(chunk))
                .select(invoices::id)
                .order(invoices::id)
                .for_update()
                .load::<i64>(c)?;
        }
    }
    Ok(())
}

/// A draft credit note correcting `original`: same customer and month; returns its id.
pub fn insert_credit_note(
    conn: &mut DbConn,
    original: &InvoiceRow,
    notes: &str,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(invoices::table)
        .values((
            invoices::kind.eq("credit_note"),
            invoices::status.eq("draft"),
            invoices::customer_id.eq(original.customer_id),
            invoices::month.eq(&original.month),
            invoices::corrects_id.eq(original.id),
            invoices::notes.eq(notes),
            invoices::created_at.eq(now),
            invoices::updated_at.eq(now),
        ))
        .returning(invoices::id)
        .get_result(conn)?)
}

/// For each of `lines` (of an issued invoice), the quantities credit notes took back so far:
/// credit-note lines bill charges whose source is the line they credit.
pub fn credited_quantities(
    conn: &mut DbConn,
    lines: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, DbError> {
    let mut credited: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in lines.chunks(500) {
        let found: Vec<(i64, i64)> = invoice_lines::table
            .inner_join(charges::table.on(charges::id.nullable().eq(invoice_lines::charge_id)))
            .filter(charges::source_type.eq("invoice_line"))
            .filter(charges::source_id.eq_any(chunk))
            .select((charges::source_id, invoice_lines::quantity))
            .load(conn)?;
        for (line, quantity) in found {
            credited.entry(line).or_default().push(quantity);
        }
    }
    Ok(credited)
}

/// The id of the charge written under a (source, kind, revision) key.
pub fn charge_id(
    conn: &mut DbConn,
    source_type: &str,
    source_id: i64,
    kind: &str,
    revision: i32,
) -> Result<i64, DbError> {
    Ok(charges::table
        .filter(charges::source_type.eq(source_type))
        .filter(charges::source_id.eq(source_id))
        .filter(charges::kind.eq(kind))
        .filter(charges::revision.eq(revision))
        .select(charges::id)
        .first(conn)?)
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

/// Just the PDF stored at issue (NULL for drafts and documents issued before PDFs were stored).
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
// A line without a charge stores NULL; saying so (rather than "use the column's default") lets
// SQLite write many lines in one INSERT.
#[diesel(treat_none_as_default_value = false)]
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

/// Writes `lines` with one multi-row INSERT per chunk. The multi-backend query builder has no
/// multi-row INSERT, so the statement is built once per concrete connection.
pub fn insert_lines(conn: &mut DbConn, lines: &[NewLine<'_>]) -> Result<(), DbError> {
    for chunk in lines.chunks(ROWS_PER_INSERT) {
        let insert = diesel::insert_into(invoice_lines::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Pg(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// What a draft's totals and next position need from its lines: (invoice, position, net cents,
/// VAT rate as stored), for the lines of `invoices`.
pub fn line_amounts_of(
    conn: &mut DbConn,
    invoices: &[i64],
) -> Result<Vec<(i64, i32, i64, String)>, DbError> {
    let mut found = Vec::new();
    for chunk in invoices.chunks(IDS_PER_QUERY) {
        found.extend(
            invoice_lines::table
                .filter(invoice_lines::invoice_id.eq_any(chunk))
                .select((
                    invoice_lines::invoice_id,
                    invoice_lines::position,
                    invoice_lines::net_cents,
                    invoice_lines::vat_rate,
                ))
                .load::<(i64, i32, i64, String)>(conn)?,
        );
    }
    Ok(found)
}

pub fn lines_of(conn: &mut DbConn, invoice_id: i64) -> Result<Vec<LineRow>, DbError> {
    Ok(invoice_lines::table
        .filter(invoice_lines::invoice_id.eq(invoice_id))
        .select(LineRow::as_select())
        .order((invoice_lines::position, invoice_lines::id))
        .load(conn)?)
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

#[derive(Debug, Clone, Queryable, Selectable)]
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

/// What was paid on each of `ids` (invoices without payments are left out).
pub fn paid_cents(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, i64>, DbError> {
    use super::schema::payments;
    let mut sums = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(i64, i64)> = payments::table
            .filter(payments::invoice_id.eq_any(chunk))
            .select((payments::invoice_id, payments::amount_cents))
            .load(conn)?;
        for (id, cents) in found {
            *sums.entry(id).or_insert(0) += cents;
        }
    }
    Ok(sums)
}

/// The summed totals (negative) of the issued credit notes correcting each of `ids`.
pub fn credited_cents(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, i64>, DbError> {
    let mut sums = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(Option<i64>, Option<i64>)> = invoices::table
            .filter(invoices::corrects_id.eq_any(chunk))
            .filter(invoices::status.eq("issued"))
            .select((invoices::corrects_id, invoices::total_cents))
            .load(conn)?;
        for (id, cents) in found {
            if let Some(id) = id {
                *sums.entry(id).or_insert(0) += cents.unwrap_or(0);
            }
        }
    }
    Ok(sums)
}

// --- Payment reminders ------------------------------------------------------------------------

/// Issued invoices (not credit notes) due on or before `due_by`, with less paid than they still
/// ask for (their total less what credit notes took off, as `paid_cents` and `credited_cents`
/// count) and fewer than `max` reminders: those that may be owed a reminder, as (id, due date),
/// oldest due first.
pub fn unpaid_due_by(
    conn: &mut DbConn,
    due_by: NaiveDate,
    max: i32,
) -> Result<Vec<(i64, NaiveDate)>, DbError> {
    use super::schema::payment_reminders as reminders;
    use diesel::dsl::{exists, not, sql};
    use diesel::sql_types::Bool;
    let all_sent = reminders::table
        .filter(reminders::invoice_id.eq(invoices::id))
        .filter(reminders::number.ge(max));
    let rows: Vec<(i64, Option<NaiveDate>)> = invoices::table
        .filter(invoices::status.eq("issued"))
        .filter(invoices::kind.eq("invoice"))
        .filter(invoices::due_date.le(due_by))
        .filter(not(exists(all_sent)))
        // SUM of BIGINT is NUMERIC on PostgreSQL, which the query builder cannot read back; it
        // only compares here, the same way on both backends. Credit notes' totals are negative.
        .filter(sql::<Bool>(
            "invoices.total_cents \
             + COALESCE((SELECT SUM(c.total_cents) FROM invoices c \
                 WHERE c.corrects_id = invoices.id AND c.status = 'issued'), 0) \
             > COALESCE((SELECT SUM(p.amount_cents) FROM payments p \
                 WHERE p.invoice_id = invoices.id), 0)",
        ))
        .select((invoices::id, invoices::due_date))
        .order((invoices::due_date, invoices::id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, due)| due.map(|d| (id, d)))
        .collect())
}

/// Writes reminder `number` of an invoice, pending from `due_at`, unless it exists; returns
/// whether this call wrote it.
pub fn insert_payment_reminder(
    conn: &mut DbConn,
    invoice_id: i64,
    number: i32,
    due_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    use super::schema::payment_reminders as reminders;
    Ok(crate::insert_ignore!(
        &mut *conn,
        reminders::table,
        (
            reminders::invoice_id.eq(invoice_id),
            reminders::number.eq(number),
            reminders::due_at.eq(due_at),
            reminders::status.eq("pending"),
            reminders::created_at.eq(now),
        )
    )? == 1)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::payment_reminders)]
pub struct PaymentReminderRow {
    pub id: i64,
    pub invoice_id: i64,
    pub number: i32,
    pub status: String,
    pub sent_at: Option<NaiveDateTime>,
}

/// A claimed reminder, if still pending and leased by `owner`.
pub fn claimed_payment_reminder(
    conn: &mut DbConn,
    id: i64,
    owner: &str,
) -> Result<Option<PaymentReminderRow>, DbError> {
    use super::schema::payment_reminders as reminders;
    Ok(reminders::table
        .find(id)
        .filter(reminders::status.eq("pending"))
        .filter(reminders::lease_owner.eq(owner))
        .select(PaymentReminderRow::as_select())
        .first(conn)
        .optional()?)
}

/// Closes a reminder as `sent` (at `sent_at`) or `skipped`, and gives up its lease.
pub fn finish_payment_reminder(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    sent_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    use super::schema::payment_reminders as reminders;
    diesel::update(reminders::table.find(id))
        .set((
            reminders::status.eq(status),
            reminders::sent_at.eq(sent_at),
            reminders::lease_owner.eq(None::<String>),
            reminders::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// An invoice's reminders, by number.
pub fn payment_reminders_of(
    conn: &mut DbConn,
    invoice_id: i64,
) -> Result<Vec<PaymentReminderRow>, DbError> {
    use super::schema::payment_reminders as reminders;
    Ok(reminders::table
        .filter(reminders::invoice_id.eq(invoice_id))
        .select(PaymentReminderRow::as_select())
        .order(reminders::number)
        .load(conn)?)
}

// --- Export -----------------------------------------------------------------------------------

/// The documents (invoices and credit notes) issued from `first` to `last`, both included, in
/// issue order.
pub fn issued_between(
    conn: &mut DbConn,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<InvoiceRow>, DbError> {
    Ok(invoices::table
        .filter(invoices::status.eq("issued"))
        .filter(invoices::issue_date.between(first, last))
        .select(InvoiceRow::as_select())
        .order((invoices::issue_date, invoices::chain_position, invoices::id))
        .load(conn)?)
}

/// The lines of the documents `issued_between` returns, in one query, by document and position.
pub fn lines_issued_between(
    conn: &mut DbConn,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<LineRow>, DbError> {
    Ok(invoice_lines::table
        .inner_join(invoices::table)
        .filter(invoices::status.eq("issued"))
        .filter(invoices::issue_date.between(first, last))
        .select(LineRow::as_select())
        .order((
            invoice_lines::invoice_id,
            invoice_lines::position,
            invoice_lines::id,
        ))
        .load(conn)?)
}
