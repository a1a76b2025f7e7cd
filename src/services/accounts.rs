//! Customers and users: create, read, search and change them, each change audited.
use super::audit::{self, Changes};
use super::credentials::{generate_password, hash_password, verify_password};
use super::{now, password_reset, staff_only, By, ServiceError};
use crate::db::accounts::{self as rows, CustomerValues, NewUserRow, UserChangeset, UserFilter};
use crate::db::{timestamp, write_tx, DbConn, DbError};
use crate::domain::{
    Customer, CustomerId, CustomerInput, CustomerKind, Email, Name, NewPassword, PriceCategory,
    Role, User, UserId,
};
use crate::mail::MailIdentity;

const LIST_LIMIT: i64 = 200;

fn values<'a>(input: &'a CustomerInput) -> CustomerValues<'a> {
    CustomerValues {
        kind: input.kind.as_str(),
        legal_name: input.legal_name.as_str(),
        tax_id: input.tax_id.as_deref(),
        address: &input.address,
        billing_email: input.billing_email.as_ref().map(Email::as_str),
        price_category: input.price_category.as_str(),
        updated_at: timestamp(now()),
    }
}

fn customer_changes(old: &Customer, new: &Customer) -> Changes {
    Changes::new()
        .field("kind", &old.kind, &new.kind)
        .field("legal_name", &old.legal_name, &new.legal_name)
        .field("tax_id", &old.tax_id, &new.tax_id)
        .field("address", &old.address, &new.address)
        .field("billing_email", &old.billing_email, &new.billing_email)
        .field("price_category", &old.price_category, &new.price_category)
}

pub fn create_customer(
    conn: &mut DbConn,
    by: &By,
    input: &CustomerInput,
) -> Result<Customer, ServiceError> {
    staff_only(by, "create customer accounts")?;
    write_tx(conn, |c| {
        let customer = rows::insert_customer(c, &values(input), timestamp(now()))?;
        let blank = Customer {
            kind: customer.kind,
            legal_name: String::new(),
            tax_id: None,
            address: String::new(),
            billing_email: None,
            ..customer.clone()
        };
        let changes = customer_changes(&blank, &customer).set("kind", &customer.kind);
        audit::record(
            c,
            by,
            "customer.create",
            "customer",
            Some(customer.id.get()),
            changes,
        )?;
        Ok(customer)
    })
}

/// Staff change anything; a business admin or an individual member changes their own billing
/// details but not the account's kind or price category.
pub fn update_customer(
    conn: &mut DbConn,
    by: &By,
    id: CustomerId,
    input: &CustomerInput,
) -> Result<Customer, ServiceError> {
    write_tx(conn, |c| {
        let old = customer(c, by, id)?;
        let mut input = input.clone();
        if let Some(actor) = by.actor() {
            if !actor.may_edit_customer(id, old.kind) {
                return Err(ServiceError::Forbidden(
                    "Only staff or the business's admin can change these billing details.".into(),
                ));
            }
            if !actor.is_staff() {
                input.kind = old.kind;
                input.price_category = old.price_category;
            }
        }
        let new = rows::update_customer(c, id, &values(&input))?;
        let changes = customer_changes(&old, &new);
        if !changes.is_empty() {
            audit::record(
                c,
                by,
                "customer.update",
                "customer",
                Some(id.get()),
                changes,
            )?;
        }
        Ok(new)
    })
}

/// A customer the caller may see; anyone else's answers `NotFound`.
pub fn customer(conn: &mut DbConn, by: &By, id: CustomerId) -> Result<Customer, ServiceError> {
    if by.actor().is_some_and(|a| !a.may_view_customer(id)) {
        return Err(ServiceError::NotFound);
    }
    Ok(rows::find_customer(conn, id)?)
}

/// The names of the customer accounts the caller may see among `ids` (one query).
pub fn customer_names(
    conn: &mut DbConn,
    by: &By,
    ids: &[CustomerId],
) -> Result<std::collections::BTreeMap<CustomerId, String>, ServiceError> {
    let visible: Vec<i64> = ids
        .iter()
        .filter(|id| by.actor().is_none_or(|a| a.may_view_customer(**id)))
        .map(|id| id.get())
        .collect();
    Ok(rows::customer_names(conn, &visible)?
        .into_iter()
        .map(|(id, name)| (CustomerId::new(id), name))
        .collect())
}

/// The users among `ids` the caller may see (one query).
pub fn users_by_ids(conn: &mut DbConn, by: &By, ids: &[UserId]) -> Result<Vec<User>, ServiceError> {
    let raw: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    Ok(rows::users_by_ids(conn, &raw)?
        .into_iter()
        .filter(|u| by.actor().is_none_or(|a| a.may_view_user(&u.facts())))
        .collect())
}

/// Every business account (staff only), for choosing one on a form.
pub fn businesses(conn: &mut DbConn, by: &By) -> Result<Vec<Customer>, ServiceError> {
    staff_only(by, "list customer accounts")?;
    Ok(rows::customers_of_kind(
        conn,
        CustomerKind::Business.as_str(),
        5000,
    )?)
}

pub fn customers(
    conn: &mut DbConn,
    by: &By,
    search: Option<&str>,
) -> Result<Vec<Customer>, ServiceError> {
    staff_only(by, "list customer accounts")?;
    Ok(rows::search_customers(
        conn,
        search.filter(|s| !s.trim().is_empty()),
        LIST_LIMIT,
    )?)
}

/// A new user. Without `business` the user gets an individual customer account of their own;
/// with it, they join that business as an employee (or its admin).
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub name: Name,
    pub role: Role,
    pub business: Option<CustomerId>,
    pub password: Option<NewPassword>,
}

/// Returns the user and, when no password was given, the generated one (to show once). With
/// `welcome`, the user is also sent a welcome mail from that identity, in the same transaction
/// (without their password: with a link to choose their own); without it (demo data), no mail.
pub fn create_user(
    conn: &mut DbConn,
    by: &By,
    new: NewUser,
    welcome: Option<&MailIdentity>,
) -> Result<(User, Option<String>), ServiceError> {
    if let Some(actor) = by.actor() {
        let allowed = match (actor.role, new.business) {
            (role, _) if role.is_staff() => actor.may_grant_role(new.role),
            (Role::BusinessAdmin, Some(business)) => {
                actor.administers_business(business) && actor.may_grant_role(new.role)
            }
            _ => false,
        };
        if !allowed {
            return Err(ServiceError::Forbidden(format!(
                "You may not create a user with the role {}.",
                new.role
            )));
        }
    }
    let (password, generated) = match new.password {
        Some(password) => (password, None),
        None => {
            let plain = generate_password();
            (NewPassword::parse(&plain)?, Some(plain))
        }
    };
    let hash = hash_password(&password)?;
    let user = write_tx(conn, |c| -> Result<User, ServiceError> {
        let customer_id = match new.business {
            Some(business) => {
                let customer = rows::find_customer(c, business).map_err(|e| match e {
                    DbError::NotFound => {
                        ServiceError::Invalid(format!("There is no customer {business}."))
                    }
                    other => other.into(),
                })?;
                if customer.kind != CustomerKind::Business {
                    return Err(ServiceError::Invalid(format!(
                        "Customer {business} is an individual account, not a business."
                    )));
                }
                business
            }
            None => {
                let input = CustomerInput {
                    kind: CustomerKind::Individual,
                    legal_name: new.name.clone(),
                    tax_id: None,
                    address: String::new(),
                    billing_email: Some(new.email.clone()),
                    price_category: PriceCategory::Member,
                };
                rows::insert_customer(c, &values(&input), timestamp(now()))?.id
            }
        };
        let row = NewUserRow {
            customer_id,
            email: new.email.as_str(),
            name: new.name.as_str(),
            role: new.role.as_str(),
            password_hash: Some(&hash),
        };
        let user = rows::insert_user(c, &row, timestamp(now())).map_err(|e| match e {
            DbError::Unique(_) => ServiceError::Conflict(format!(
                "An account with the email {} already exists.",
                new.email
            )),
            other => other.into(),
        })?;
        let changes = Changes::new()
            .set("email", &user.email)
            .set("name", &user.name)
            .set("role", &user.role)
            .set("customer_id", &user.customer_id);
        audit::record(c, by, "user.create", "user", Some(user.id.get()), changes)?;
        if let Some(identity) = welcome {
            password_reset::queue_welcome(c, identity, &user)?;
        }
        Ok(user)
    })?;
    Ok((user, generated))
}

/// A user the caller may see; anyone else answers `NotFound`.
pub fn user(conn: &mut DbConn, by: &By, id: UserId) -> Result<User, ServiceError> {
    let user = rows::find_user(conn, id)?;
    if by.actor().is_some_and(|a| !a.may_view_user(&user.facts())) {
        return Err(ServiceError::NotFound);
    }
    Ok(user)
}

/// Staff list everyone; a business admin lists the business's people.
pub fn users(
    conn: &mut DbConn,
    by: &By,
    search: Option<&str>,
    customer: Option<CustomerId>,
) -> Result<Vec<User>, ServiceError> {
    let customer = match by.actor() {
        Some(actor) if actor.is_staff() => customer,
        Some(actor) if actor.role == Role::BusinessAdmin => Some(actor.customer_id),
        Some(_) => return Err(ServiceError::Forbidden("Only staff can list users.".into())),
        None => customer,
    };
    let filter = UserFilter {
        search: search.filter(|s| !s.trim().is_empty()),
        customer_id: customer,
        limit: LIST_LIMIT,
    };
    Ok(rows::search_users(conn, &filter)?)
}

/// Fields to change on a user; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserUpdate {
    pub name: Option<Name>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

pub fn update_user(
    conn: &mut DbConn,
    by: &By,
    id: UserId,
    update: &UserUpdate,
) -> Result<User, ServiceError> {
    write_tx(conn, |c| {
        let old = user(c, by, id)?;
        let role = update.role.unwrap_or(old.role);
        let active = update.active.unwrap_or(old.active);
        if let Some(actor) = by.actor() {
            let only_own_name = actor.user_id == id && role == old.role && active == old.active;
            if !only_own_name && !actor.may_manage_user(&old.facts()) {
                return Err(ServiceError::Forbidden(
                    "You may not change this user.".into(),
                ));
            }
            if role != old.role && !actor.may_grant_role(role) {
                return Err(ServiceError::Forbidden(format!(
                    "You may not give the role {role}."
                )));
            }
            if actor.user_id == id && !active {
                return Err(ServiceError::Invalid(
                    "You cannot deactivate your own account.".into(),
                ));
            }
        }
        let name = update.name.as_ref().map_or(old.name.as_str(), Name::as_str);
        let changes = UserChangeset {
            name,
            role: role.as_str(),
            active,
            updated_at: timestamp(now()),
        };
        let new = rows::update_user(c, id, &changes)?;
        if !new.active {
            rows::delete_sessions_of(c, id, None)?;
        }
        let changes = Changes::new()
            .field("name", &old.name, &new.name)
            .field("role", &old.role, &new.role)
            .field("active", &old.active, &new.active);
        if !changes.is_empty() {
            audit::record(c, by, "user.update", "user", Some(id.get()), changes)?;
        }
        Ok(new)
    })
}

/// A signed-in user changes their own password; every other session of theirs is signed out.
pub fn change_password(
    conn: &mut DbConn,
    by: &By,
    id: UserId,
    current: &str,
    new: &NewPassword,
    keep_session: Option<&str>,
) -> Result<(), ServiceError> {
    let stored = rows::password_hash(conn, id)?;
    if !verify_password(stored.as_deref(), current) {
        return Err(ServiceError::Invalid(
            "The current password is not right.".into(),
        ));
    }
    let hash = hash_password(new)?;
    write_tx(conn, |c| {
        rows::set_password_hash(c, id, &hash, timestamp(now()))?;
        rows::delete_sessions_of(
            c,
            id,
            keep_session.map(super::credentials::sha256_hex).as_deref(),
        )?;
        audit::record(
            c,
            by,
            "user.password_change",
            "user",
            Some(id.get()),
            Changes::new(),
        )
    })
}

/// Sets a password without knowing the old one (CLI, password reset); signs the user out everywhere.
pub fn set_password(
    conn: &mut DbConn,
    by: &By,
    id: UserId,
    new: &NewPassword,
) -> Result<(), ServiceError> {
    let hash = hash_password(new)?;
    write_tx(conn, |c| {
        let target = user(c, by, id)?;
        if by
            .actor()
            .is_some_and(|a| a.user_id != id && !a.may_manage_user(&target.facts()))
        {
            return Err(ServiceError::Forbidden(
                "You may not set this user's password.".into(),
            ));
        }
        replace_password(c, by, id, &hash, "user.password_set", Changes::new())
    })
}

/// Stores a new password hash, signs the user out everywhere and audits it as `action`; the
/// one way a password is set without the old one. Call it inside the caller's transaction.
pub(super) fn replace_password(
    conn: &mut DbConn,
    by: &By,
    id: UserId,
    hash: &str,
    action: &str,
    changes: Changes,
) -> Result<(), ServiceError> {
    rows::set_password_hash(conn, id, hash, timestamp(now()))?;
    rows::delete_sessions_of(conn, id, None)?;
    audit::record(conn, by, action, "user", Some(id.get()), changes)
}

pub fn user_by_email(conn: &mut DbConn, email: &Email) -> Result<Option<User>, ServiceError> {
    Ok(rows::find_user_by_email(conn, email.as_str())?.map(|(user, _)| user))
}

pub fn has_users(conn: &mut DbConn) -> Result<bool, ServiceError> {
    Ok(rows::any_user(conn)?)
}
