//! Rows and queries of the account tables: customers, users, tokens, sessions, login throttle.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, customers, login_throttle, sessions, users};
use super::{parse_stored, DbConn, DbError};
use crate::domain::{Customer, CustomerId, User, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct CustomerRow {
    pub id: i64,
    pub kind: String,
    pub legal_name: String,
    pub tax_id: Option<String>,
    pub address: String,
    pub billing_email: Option<String>,
    pub price_category: String,
}

impl TryFrom<CustomerRow> for Customer {
    type Error = DbError;

    fn try_from(row: CustomerRow) -> Result<Customer, DbError> {
        Ok(Customer {
            id: CustomerId::new(row.id),
            kind: parse_stored(&row.kind)?,
            legal_name: row.legal_name,
            tax_id: row.tax_id,
            address: row.address,
            billing_email: row.billing_email,
            price_category: parse_stored(&row.price_category)?,
        })
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = customers)]
pub struct CustomerValues<'a> {
    pub kind: &'a str,
    pub legal_name: &'a str,
    pub tax_id: Option<&'a str>,
    pub address: &'a str,
    pub billing_email: Option<&'a str>,
    pub price_category: &'a str,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub customer_id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
}

impl TryFrom<UserRow> for User {
    type Error = DbError;

    fn try_from(row: UserRow) -> Result<User, DbError> {
        Ok(User {
            id: UserId::new(row.id),
            customer_id: CustomerId::new(row.customer_id),
            email: row.email,
            name: row.name,
            role: parse_stored(&row.role)?,
            active: row.active,
        })
    }
}

/// RETURNING needs plain columns: the multi-backend query builder cannot return a `Selectable`.
#[allow(clippy::type_complexity)]
const CUSTOMER_COLUMNS: (
    customers::id,
    customers::kind,
    customers::legal_name,
    customers::tax_id,
    customers::address,
    customers::billing_email,
    customers::price_category,
) = (
    customers::id,
    customers::kind,
    customers::legal_name,
    customers::tax_id,
    customers::address,
    customers::billing_email,
    customers::price_category,
);
#[allow(clippy::type_complexity)]
const USER_COLUMNS: (
    users::id,
    users::customer_id,
    users::email,
    users::name,
    users::role,
    users::active,
) = (
    users::id,
    users::customer_id,
    users::email,
    users::name,
    users::role,
    users::active,
);
#[allow(clippy::type_complexity)]
const TOKEN_COLUMNS: (
    api_tokens::id,
    api_tokens::user_id,
    api_tokens::name,
    api_tokens::hint,
    api_tokens::resource_id,
    api_tokens::created_at,
    api_tokens::expires_at,
    api_tokens::last_used_at,
    api_tokens::revoked_at,
) = (
    api_tokens::id,
    api_tokens::user_id,
    api_tokens::name,
    api_tokens::hint,
    api_tokens::resource_id,
    api_tokens::created_at,
    api_tokens::expires_at,
    api_tokens::last_used_at,
    api_tokens::revoked_at,
);

pub fn insert_customer(
    conn: &mut DbConn,
    values: &CustomerValues<'_>,
    now: NaiveDateTime,
) -> Result<Customer, DbError> {
    let row: CustomerRow = diesel::insert_into(customers::table)
        .values((values, customers::created_at.eq(now)))
        .returning(CUSTOMER_COLUMNS)
        .get_result(conn)?;
    row.try_into()
}

pub fn update_customer(
    conn: &mut DbConn,
    id: CustomerId,
    values: &CustomerValues<'_>,
) -> Result<Customer, DbError> {
    let row: CustomerRow = diesel::update(customers::table.find(id.get()))
        .set(values)
        .returning(CUSTOMER_COLUMNS)
        .get_result(conn)?;
    row.try_into()
}

pub fn find_customer(conn: &mut DbConn, id: CustomerId) -> Result<Customer, DbError> {
    customers::table
        .find(id.get())
        .select(CustomerRow::as_select())
        .first(conn)?
        .try_into()
}

/// Customers whose name, tax id or billing email contains `search` (case-insensitive), by name.
pub fn search_customers(
    conn: &mut DbConn,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<Customer>, DbError> {
    let mut query = customers::table
        .select(CustomerRow::as_select())
        .into_boxed();
    if let Some(term) = search.map(like_pattern) {
        query = query.filter(
            lower(customers::legal_name)
                .like(term.clone())
                .or(lower(customers::tax_id.assume_not_null()).like(term.clone()))
                .or(lower(customers::billing_email.assume_not_null()).like(term)),
        );
    }
    query
        .order((customers::legal_name, customers::id))
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(Customer::try_from)
        .collect()
}

pub struct NewUserRow<'a> {
    pub customer_id: CustomerId,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
}

pub fn insert_user(
    conn: &mut DbConn,
    new: &NewUserRow<'_>,
    now: NaiveDateTime,
) -> Result<User, DbError> {
    let row: UserRow = diesel::insert_into(users::table)
        .values((
            users::customer_id.eq(new.customer_id.get()),
            users::email.eq(new.email),
            users::name.eq(new.name),
            users::role.eq(new.role),
            users::password_hash.eq(new.password_hash),
            users::active.eq(true),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(USER_COLUMNS)
        .get_result(conn)?;
    row.try_into()
}

pub fn find_user(conn: &mut DbConn, id: UserId) -> Result<User, DbError> {
    users::table
        .find(id.get())
        .select(UserRow::as_select())
        .first(conn)?
        .try_into()
}

/// The user with this (normalised) email and their password hash.
pub fn find_user_by_email(
    conn: &mut DbConn,
    email: &str,
) -> Result<Option<(User, Option<String>)>, DbError> {
    let found: Option<(UserRow, Option<String>)> = users::table
        .filter(users::email.eq(email))
        .select((UserRow::as_select(), users::password_hash))
        .first(conn)
        .optional()?;
    found
        .map(|(row, hash)| Ok((row.try_into()?, hash)))
        .transpose()
}

pub fn password_hash(conn: &mut DbConn, id: UserId) -> Result<Option<String>, DbError> {
    Ok(users::table
        .find(id.get())
        .select(users::password_hash)
        .first(conn)?)
}

pub fn set_password_hash(
    conn: &mut DbConn,
    id: UserId,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id.get()))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChangeset<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub active: bool,
    pub updated_at: NaiveDateTime,
}

pub fn update_user(
    conn: &mut DbConn,
    id: UserId,
    changes: &UserChangeset<'_>,
) -> Result<User, DbError> {
    let row: UserRow = diesel::update(users::table.find(id.get()))
        .set(changes)
        .returning(USER_COLUMNS)
        .get_result(conn)?;
    row.try_into()
}

pub struct UserFilter<'a> {
    pub search: Option<&'a str>,
    pub customer_id: Option<CustomerId>,
    pub limit: i64,
}

pub fn search_users(conn: &mut DbConn, filter: &UserFilter<'_>) -> Result<Vec<User>, DbError> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(customer) = filter.customer_id {
        query = query.filter(users::customer_id.eq(customer.get()));
    }
    if let Some(term) = filter.search.map(like_pattern) {
        query = query.filter(
            lower(users::name)
                .like(term.clone())
                .or(users::email.like(term)),
        );
    }
    query
        .order((users::name, users::id))
        .limit(filter.limit)
        .load(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

pub fn any_user(conn: &mut DbConn) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(users::table.select(users::id))).get_result(conn)?)
}

// --- API tokens -------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub hint: String,
    pub resource_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub struct NewTokenRow<'a> {
    pub user_id: UserId,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub hint: &'a str,
    pub resource_id: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert_token(
    conn: &mut DbConn,
    new: &NewTokenRow<'_>,
    now: NaiveDateTime,
) -> Result<TokenRow, DbError> {
    Ok(diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(new.user_id.get()),
            api_tokens::name.eq(new.name),
            api_tokens::token_hash.eq(new.token_hash),
            api_tokens::hint.eq(new.hint),
            api_tokens::resource_id.eq(new.resource_id),
            api_tokens::created_at.eq(now),
            api_tokens::expires_at.eq(new.expires_at),
        ))
        .returning(TOKEN_COLUMNS)
        .get_result(conn)?)
}

pub fn tokens_of(conn: &mut DbConn, user: UserId) -> Result<Vec<TokenRow>, DbError> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user.get()))
        .select(TokenRow::as_select())
        .order(api_tokens::id.desc())
        .load(conn)?)
}

pub fn find_token(conn: &mut DbConn, id: i64) -> Result<TokenRow, DbError> {
    Ok(api_tokens::table
        .find(id)
        .select(TokenRow::as_select())
        .first(conn)?)
}

/// A live token with this hash (not revoked, not expired), with its user.
pub fn live_token_by_hash(
    conn: &mut DbConn,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(TokenRow, User)>, DbError> {
    let found: Option<(TokenRow, UserRow)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now)),
        )
        .filter(users::active.eq(true))
        .select((TokenRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?;
    found
        .map(|(token, user)| Ok((token, user.try_into()?)))
        .transpose()
}

pub fn touch_token(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_token(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

// --- Sessions ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn insert_session(
    conn: &mut DbConn,
    user: UserId,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user.get()),
            sessions::token_hash.eq(token_hash),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A live session with this hash, with its (active) user.
pub fn live_session_by_hash(
    conn: &mut DbConn,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(SessionRow, User)>, DbError> {
    let found: Option<(SessionRow, UserRow)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?;
    found
        .map(|(session, user)| Ok((session, user.try_into()?)))
        .transpose()
}

pub fn extend_session(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(sessions::table.find(id))
        .set((
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_session_by_hash(conn: &mut DbConn, hash: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(hash))).execute(conn)?;
    Ok(())
}

/// Signs a user out everywhere, except (optionally) the session with `keep_hash`.
pub fn delete_sessions_of(
    conn: &mut DbConn,
    user: UserId,
    keep_hash: Option<&str>,
) -> Result<(), DbError> {
    let mine = sessions::table.filter(sessions::user_id.eq(user.get()));
    match keep_hash {
        Some(keep) => diesel::delete(mine.filter(sessions::token_hash.ne(keep))).execute(conn)?,
        None => diesel::delete(mine).execute(conn)?,
    };
    Ok(())
}

// --- Login throttle ---------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct ThrottleRow {
    pub failures: i32,
    pub window_start: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

pub fn throttle(conn: &mut DbConn, key: &str) -> Result<Option<ThrottleRow>, DbError> {
    Ok(login_throttle::table
        .find(key)
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()?)
}

/// Counts one failure for `key` inside a window starting at `window_floor` or later; returns the
/// failures in the current window. Each statement is atomic, so concurrent failures all count.
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    now: NaiveDateTime,
    window_floor: NaiveDateTime,
) -> Result<i32, DbError> {
    crate::insert_ignore!(
        &mut *conn,
        login_throttle::table,
        (
            login_throttle::key.eq(key),
            login_throttle::failures.eq(0),
            login_throttle::window_start.eq(now),
        )
    )?;
    diesel::update(
        login_throttle::table
            .find(key)
            .filter(login_throttle::window_start.lt(window_floor)),
    )
    .set((
        login_throttle::failures.eq(0),
        login_throttle::window_start.eq(now),
        login_throttle::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(diesel::update(login_throttle::table.find(key))
        .set(login_throttle::failures.eq(login_throttle::failures + 1))
        .returning(login_throttle::failures)
        .get_result(conn)?)
}

pub fn lock_until(conn: &mut DbConn, key: &str, until: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(login_throttle::table.find(key))
        .set(login_throttle::locked_until.eq(until))
        .execute(conn)?;
    Ok(())
}

pub fn clear_throttle(conn: &mut DbConn, key: &str) -> Result<(), DbError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// `%term%`, lower-cased, with LIKE's wildcards in the term taken literally.
pub(crate) fn like_pattern(term: &str) -> String {
    let escaped: String = term
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect();
    format!("%{escaped}%")
}

// --- Calendar feed secrets --------------------------------------------------------------------

pub fn calendar_secret(conn: &mut DbConn, user: UserId) -> Result<Option<String>, DbError> {
    Ok(users::table
        .find(user.get())
        .select(users::calendar_secret)
        .first(conn)?)
}

pub fn set_calendar_secret(conn: &mut DbConn, user: UserId, secret: &str) -> Result<(), DbError> {
    diesel::update(users::table.find(user.get()))
        .set(users::calendar_secret.eq(secret))
        .execute(conn)?;
    Ok(())
}

/// The active user whose feed secret this is.
pub fn user_by_calendar_secret(conn: &mut DbConn, secret: &str) -> Result<Option<User>, DbError> {
    let row: Option<UserRow> = users::table
        .filter(users::calendar_secret.eq(secret))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(User::try_from).transpose()
}

/// The legal names of these customers, in one query.
pub fn customer_names(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<(i64, String)>, DbError> {
    Ok(customers::table
        .filter(customers::id.eq_any(ids))
        .select((customers::id, customers::legal_name))
        .load(conn)?)
}

/// These users, in one query.
pub fn users_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<User>, DbError> {
    users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// Every customer of one kind, by name (the business choice on forms).
pub fn customers_of_kind(
    conn: &mut DbConn,
    kind: &str,
    limit: i64,
) -> Result<Vec<Customer>, DbError> {
    customers::table
        .filter(customers::kind.eq(kind))
        .select(CustomerRow::as_select())
        .order((customers::legal_name, customers::id))
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(Customer::try_from)
        .collect()
}
