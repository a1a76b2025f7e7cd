//! Bookable resources: machines (and, later, tutors), their rates per price category and the rules
//! that say which intervals may be booked.
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::accounts::{InvalidField, PriceCategory};
use super::billing::{BillingBasis, BillingIncrement};
use super::ids::{CategoryId, QualificationId, ResourceId};
use super::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Machine,
    Tutor,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Machine => "machine",
            ResourceKind::Tutor => "tutor",
        }
    }
}

impl FromStr for ResourceKind {
    type Err = InvalidField;

    fn from_str(input: &str) -> Result<ResourceKind, InvalidField> {
        match input {
            "machine" => Ok(ResourceKind::Machine),
            "tutor" => Ok(ResourceKind::Tutor),
            other => Err(InvalidField(format!(
                "'{other}' is not a resource kind; use machine or tutor"
            ))),
        }
    }
}

/// Hourly rates, net of VAT, one per price category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    pub member: Money,
    pub business: Money,
    pub public: Money,
}

impl Rates {
    pub fn for_category(&self, category: PriceCategory) -> Money {
        match category {
            PriceCategory::Member => self.member,
            PriceCategory::Business => self.business,
            PriceCategory::Public => self.public,
        }
    }
}

/// Which intervals of a resource may be booked, all in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRules {
    /// Bookings start and end on this local grid (e.g. every 30 minutes from midnight).
    pub slot_minutes: i64,
    pub min_minutes: i64,
    pub max_minutes: i64,
    /// How far ahead a booking may start.
    pub horizon_days: i64,
    /// How long before its start a booking must be made.
    pub notice_minutes: i64,
    /// Kept free after each booking (cleaning, cooling down).
    pub buffer_minutes: i64,
}

impl BookingRules {
    pub const DEFAULT: BookingRules = BookingRules {
        slot_minutes: 30,
        min_minutes: 30,
        max_minutes: 8 * 60,
        horizon_days: 60,
        notice_minutes: 0,
        buffer_minutes: 0,
    };

    /// Rules that contradict each other are refused when a machine is saved, not when booked.
    pub fn check(&self) -> Result<(), InvalidField> {
        let bad = |m: &str| Err(InvalidField(m.to_string()));
        if !(1..=1440).contains(&self.slot_minutes) || 1440 % self.slot_minutes != 0 {
            return bad("the slot length must divide a day, e.g. 15, 30 or 60 minutes");
        }
        if self.min_minutes < self.slot_minutes || self.min_minutes % self.slot_minutes != 0 {
            return bad("the minimum length must be a whole number of slots");
        }
        if self.max_minutes < self.min_minutes {
            return bad("the maximum length must not be shorter than the minimum");
        }
        if self.horizon_days < 1 || self.notice_minutes < 0 || self.buffer_minutes < 0 {
            return bad("the horizon must be at least a day; notice and buffer cannot be negative");
        }
        Ok(())
    }
}

/// A machine (or tutor) as the booking rules and prices see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub id: ResourceId,
    pub kind: ResourceKind,
    pub name: String,
    pub category_id: Option<CategoryId>,
    pub description: String,
    pub rates: Rates,
    pub rules: BookingRules,
    pub required_qualification: Option<QualificationId>,
    pub billing_basis: BillingBasis,
    pub billing_increment: BillingIncrement,
    pub minimum_charge: Money,
    pub out_of_service: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contradictory_rules_are_refused() {
        assert!(BookingRules::DEFAULT.check().is_ok());
        let odd_slot = BookingRules {
            slot_minutes: 7,
            ..BookingRules::DEFAULT
        };
        assert!(odd_slot.check().is_err());
        let short_min = BookingRules {
            min_minutes: 15,
            ..BookingRules::DEFAULT
        };
        assert!(short_min.check().is_err());
        let max_below_min = BookingRules {
            max_minutes: 0,
            ..BookingRules::DEFAULT
        };
        assert!(max_below_min.check().is_err());
    }

    #[test]
    fn rates_follow_the_price_category() {
        let rates = Rates {
            member: Money::from_cents(1500),
            business: Money::from_cents(2000),
            public: Money::from_cents(2500),
        };
        assert_eq!(
            rates.for_category(PriceCategory::Business),
            Money::from_cents(2000)
        );
    }
}
