//! Who may see and change which account objects. Every handler asks these rules; a `false` for an
//! object that belongs to someone else is answered as "not found".
use super::accounts::{CustomerKind, Role};
use super::ids::{CustomerId, UserId};

/// The user a request acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub customer_id: CustomerId,
    pub role: Role,
}

/// What the rules need to know about a target user.
#[derive(Debug, Clone, Copy)]
pub struct UserFacts {
    pub user_id: UserId,
    pub customer_id: CustomerId,
    pub role: Role,
}

impl Actor {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// Staff see every customer; anyone sees the customer account they belong to.
    pub fn may_view_customer(&self, customer: CustomerId) -> bool {
        self.is_staff() || self.customer_id == customer
    }

    /// Billing details: staff, a business's admin, or a member of their own individual account.
    pub fn may_edit_customer(&self, customer: CustomerId, kind: CustomerKind) -> bool {
        if self.is_staff() {
            return true;
        }
        self.customer_id == customer
            && match kind {
                CustomerKind::Business => self.role == Role::BusinessAdmin,
                CustomerKind::Individual => true,
            }
    }

    /// The business admin of `customer`.
    pub fn administers_business(&self, customer: CustomerId) -> bool {
        self.role == Role::BusinessAdmin && self.customer_id == customer
    }

    /// Staff see everyone; a business admin sees the business's people; anyone sees themself.
    pub fn may_view_user(&self, user: &UserFacts) -> bool {
        self.is_staff()
            || self.user_id == user.user_id
            || self.administers_business(user.customer_id)
    }

    /// Changing a user's name, role or active flag. Only admins touch staff and admin accounts;
    /// a business admin manages the business's own employees.
    pub fn may_manage_user(&self, user: &UserFacts) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Staff => !user.role.is_staff(),
            Role::BusinessAdmin => {
                self.customer_id == user.customer_id
                    && !user.role.is_staff()
                    && user.role != Role::Tutor
            }
            _ => false,
        }
    }

    /// A booking (or enrollment) is seen by staff, the user who made it, and whoever answers for
    /// the customer account: the business's admin, or the member of an individual account.
    pub fn may_view_booking(
        &self,
        user: UserId,
        customer: CustomerId,
        customer_kind: CustomerKind,
    ) -> bool {
        self.is_staff()
            || self.user_id == user
            || (self.customer_id == customer
                && (self.role == Role::BusinessAdmin || customer_kind == CustomerKind::Individual))
    }

    /// Which roles this actor may give to a user.
    pub fn may_grant_role(&self, role: Role) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Staff => !role.is_staff(),
            Role::BusinessAdmin => matches!(role, Role::Member | Role::BusinessAdmin),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(user: i64, customer: i64, role: Role) -> Actor {
        Actor {
            user_id: UserId::new(user),
            customer_id: CustomerId::new(customer),
            role,
        }
    }

    fn facts(user: i64, customer: i64, role: Role) -> UserFacts {
        UserFacts {
            user_id: UserId::new(user),
            customer_id: CustomerId::new(customer),
            role,
        }
    }

    #[test]
    fn members_see_only_their_own_account() {
        let ana = actor(1, 10, Role::Member);
        assert!(ana.may_view_customer(CustomerId::new(10)));
        assert!(!ana.may_view_customer(CustomerId::new(11)));
        assert!(ana.may_view_user(&facts(1, 10, Role::Member)));
        assert!(!ana.may_view_user(&facts(2, 10, Role::Member)));
        assert!(!ana.may_manage_user(&facts(1, 10, Role::Member)));
        assert!(ana.may_edit_customer(CustomerId::new(10), CustomerKind::Individual));
    }

    #[test]
    fn employees_do_not_edit_the_business_but_its_admin_does() {
        let employee = actor(2, 20, Role::Member);
        let boss = actor(3, 20, Role::BusinessAdmin);
        assert!(!employee.may_edit_customer(CustomerId::new(20), CustomerKind::Business));
        assert!(boss.may_edit_customer(CustomerId::new(20), CustomerKind::Business));
        assert!(boss.may_view_user(&facts(2, 20, Role::Member)));
        assert!(boss.may_manage_user(&facts(2, 20, Role::Member)));
        assert!(!boss.may_manage_user(&facts(9, 21, Role::Member)));
        assert!(!boss.may_grant_role(Role::Staff));
    }

    #[test]
    fn bookings_are_seen_by_their_user_their_account_and_staff() {
        let (ana, business) = (UserId::new(1), CustomerId::new(20));
        let colleague = actor(2, 20, Role::Member);
        let boss = actor(3, 20, Role::BusinessAdmin);
        assert!(!colleague.may_view_booking(ana, business, CustomerKind::Business));
        assert!(boss.may_view_booking(ana, business, CustomerKind::Business));
        assert!(actor(1, 20, Role::Member).may_view_booking(ana, business, CustomerKind::Business));
        assert!(actor(9, 10, Role::Member).may_view_booking(
            UserId::new(4),
            CustomerId::new(10),
            CustomerKind::Individual
        ));
        assert!(!actor(9, 11, Role::Member).may_view_booking(
            ana,
            business,
            CustomerKind::Business
        ));
        assert!(actor(5, 30, Role::Staff).may_view_booking(ana, business, CustomerKind::Business));
    }

    #[test]
    fn only_admins_manage_staff() {
        let staff = actor(4, 30, Role::Staff);
        let admin = actor(5, 31, Role::Admin);
        assert!(staff.may_manage_user(&facts(1, 10, Role::Member)));
        assert!(!staff.may_manage_user(&facts(6, 32, Role::Staff)));
        assert!(!staff.may_grant_role(Role::Admin));
        assert!(admin.may_manage_user(&facts(6, 32, Role::Staff)));
        assert!(admin.may_grant_role(Role::Admin));
    }
}
