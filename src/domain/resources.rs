//! Bookable resources: machines (and, later, tutors), their rates per price category and the rules
//! that say which intervals may be booked.
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::accounts::{InvalidField, PriceCategory};
use super::billing::{BillingBasis, BillingIncrement};
use super::ids::{CategoryId, QualificationId, ResourceId};
use super::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

/// A machine's fields as typed in a form or sent as JSON; money as decimal strings ("18.50").
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RawResource {
    pub name: String,
    #[serde(default)]
    pub category_id: Option<i64>,
    #[serde(default)]
    pub description: String,
    pub rate_member: String,
    pub rate_business: String,
    pub rate_public: String,
    #[serde(default)]
    pub slot_minutes: Option<i64>,
    #[serde(default)]
    pub min_minutes: Option<i64>,
    #[serde(default)]
    pub max_minutes: Option<i64>,
    #[serde(default)]
    pub horizon_days: Option<i64>,
    #[serde(default)]
    pub notice_minutes: Option<i64>,
    #[serde(default)]
    pub buffer_minutes: Option<i64>,
    #[serde(default)]
    pub required_qualification_id: Option<i64>,
    #[serde(default)]
    pub billing_basis: Option<String>,
    #[serde(default)]
    pub billing_increment_minutes: Option<i64>,
    #[serde(default)]
    pub minimum_charge: Option<String>,
    #[serde(default)]
    pub out_of_service: bool,
}

impl Resource {
    /// A machine from raw input, with defaults for what is left out (30-minute slots, billed by
    /// booked time in 15-minute increments, no minimum charge).
    pub fn parse_machine(id: ResourceId, raw: &RawResource) -> Result<Resource, InvalidField> {
        let money = |what: &str, text: &str| {
            Money::parse(text)
                .map_err(|e| InvalidField(format!("{what}: {e}")))
                .and_then(|m| {
                    if m < Money::ZERO {
                        Err(InvalidField(format!("{what} cannot be negative")))
                    } else {
                        Ok(m)
                    }
                })
        };
        let defaults = BookingRules::DEFAULT;
        let rules = BookingRules {
            slot_minutes: raw.slot_minutes.unwrap_or(defaults.slot_minutes),
            min_minutes: raw.min_minutes.unwrap_or(defaults.min_minutes),
            max_minutes: raw.max_minutes.unwrap_or(defaults.max_minutes),
            horizon_days: raw.horizon_days.unwrap_or(defaults.horizon_days),
            notice_minutes: raw.notice_minutes.unwrap_or(defaults.notice_minutes),
            buffer_minutes: raw.buffer_minutes.unwrap_or(defaults.buffer_minutes),
        };
        rules.check()?;
        let name = raw.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(InvalidField(
                "the machine needs a name of at most 120 characters".into(),
            ));
        }
        Ok(Resource {
            id,
            kind: ResourceKind::Machine,
            name: name.to_string(),
            category_id: raw.category_id.map(CategoryId::new),
            description: raw.description.trim().to_string(),
            rates: Rates {
                member: money("the member rate", &raw.rate_member)?,
                business: money("the business rate", &raw.rate_business)?,
                public: money("the public rate", &raw.rate_public)?,
            },
            rules,
            required_qualification: raw.required_qualification_id.map(QualificationId::new),
            billing_basis: raw.billing_basis.as_deref().unwrap_or("booked").parse()?,
            billing_increment: BillingIncrement::new(raw.billing_increment_minutes.unwrap_or(15))?,
            minimum_charge: money(
                "the minimum charge",
                raw.minimum_charge.as_deref().unwrap_or("0"),
            )?,
            out_of_service: raw.out_of_service,
        })
    }
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
