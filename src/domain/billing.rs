//! How time becomes money: the billing basis, rounding up to the billing increment, the minimum
//! charge, and hours as exact two-place decimals.
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::accounts::InvalidField;
use super::money::Money;

/// Which time is billed for a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillingBasis {
    /// The booked interval, whatever was used.
    Booked,
    /// The time actually used.
    Actual,
    /// The larger of the two.
    Max,
}

impl BillingBasis {
    pub const ALL: [BillingBasis; 3] = [
        BillingBasis::Booked,
        BillingBasis::Actual,
        BillingBasis::Max,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BillingBasis::Booked => "booked",
            BillingBasis::Actual => "actual",
            BillingBasis::Max => "max",
        }
    }

    /// The minutes to bill given what was booked and what was used.
    pub fn minutes(self, booked: i64, actual: i64) -> i64 {
        match self {
            BillingBasis::Booked => booked,
            BillingBasis::Actual => actual,
            BillingBasis::Max => booked.max(actual),
        }
    }
}

impl FromStr for BillingBasis {
    type Err = InvalidField;

    fn from_str(input: &str) -> Result<BillingBasis, InvalidField> {
        BillingBasis::ALL
            .into_iter()
            .find(|b| b.as_str() == input.trim())
            .ok_or_else(|| {
                InvalidField(format!(
                    "'{input}' is not a billing basis; use booked, actual or max"
                ))
            })
    }
}

impl std::fmt::Display for BillingBasis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The unit time is rounded up to: a divisor of 60 minutes whose hours are exact to 2 places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct BillingIncrement(u8);

impl BillingIncrement {
    pub const ALLOWED: [u8; 6] = [3, 6, 12, 15, 30, 60];

    pub fn minutes(self) -> i64 {
        i64::from(self.0)
    }

    pub fn new(minutes: i64) -> Result<BillingIncrement, InvalidField> {
        Self::ALLOWED
            .into_iter()
            .find(|m| i64::from(*m) == minutes)
            .map(BillingIncrement)
            .ok_or_else(|| {
                InvalidField(format!(
                    "{minutes} minutes is not a billing increment; use 3, 6, 12, 15, 30 or 60"
                ))
            })
    }

    /// `minutes` rounded up to a whole number of increments (never negative).
    pub fn round_up(self, minutes: i64) -> i64 {
        let step = self.minutes();
        let minutes = minutes.max(0);
        (minutes + step - 1) / step * step
    }
}

impl<'de> Deserialize<'de> for BillingIncrement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let minutes = i64::deserialize(d)?;
        BillingIncrement::new(minutes).map_err(serde::de::Error::custom)
    }
}

/// Minutes as hours: exact to two places for every allowed increment (3 min = 0.05 h).
pub fn hours(minutes: i64) -> Decimal {
    Decimal::new(minutes, 0) / Decimal::new(60, 0)
}

/// What `minutes` of a resource cost at `hourly`: rounded up to the increment, priced by the
/// hour and rounded to cents half away from zero, and never below `minimum`.
pub fn time_price(
    hourly: Money,
    minutes: i64,
    increment: BillingIncrement,
    minimum: Money,
) -> Money {
    let billed = increment.round_up(minutes);
    if billed == 0 {
        return Money::ZERO;
    }
    hourly.times(hours(billed)).max(minimum)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn inc(m: i64) -> BillingIncrement {
        BillingIncrement::new(m).expect("allowed")
    }

    #[test]
    fn rounds_up_to_the_increment() {
        assert_eq!(inc(15).round_up(61), 75);
        assert_eq!(inc(15).round_up(60), 60);
        assert_eq!(inc(6).round_up(1), 6);
        assert_eq!(inc(30).round_up(0), 0);
        assert!(BillingIncrement::new(7).is_err());
        assert!(BillingIncrement::new(20)
            .expect_err("not allowed")
            .0
            .contains("3, 6, 12, 15, 30 or 60"));
    }

    #[test]
    fn worked_prices() {
        let rate = Money::from_cents(2517);
        // 90 minutes at 25.17 €/h = 1.5 h → 37.755 → 37.76
        assert_eq!(
            time_price(rate, 90, inc(15), Money::ZERO),
            Money::from_cents(3776)
        );
        // 61 minutes with a 15-minute increment bills 75 minutes = 1.25 h at 20 € = 25.00
        assert_eq!(
            time_price(Money::from_cents(2000), 61, inc(15), Money::ZERO),
            Money::from_cents(2500)
        );
        // 10 minutes at 12 €/h with a 6 € minimum charge
        assert_eq!(
            time_price(Money::from_cents(1200), 10, inc(3), Money::from_cents(600)),
            Money::from_cents(600)
        );
        assert_eq!(
            time_price(rate, 0, inc(15), Money::from_cents(600)),
            Money::ZERO
        );
    }

    #[test]
    fn basis_chooses_the_minutes() {
        assert_eq!(BillingBasis::Booked.minutes(60, 75), 60);
        assert_eq!(BillingBasis::Actual.minutes(60, 75), 75);
        assert_eq!(BillingBasis::Max.minutes(60, 45), 60);
        assert_eq!("max".parse::<BillingBasis>(), Ok(BillingBasis::Max));
        assert!("sometimes".parse::<BillingBasis>().is_err());
    }

    proptest! {
        #[test]
        fn billed_hours_are_exact_to_two_places(minutes in 0i64..100_000, pick in 0usize..6) {
            let increment = inc(i64::from(BillingIncrement::ALLOWED[pick]));
            let billed = increment.round_up(minutes);
            prop_assert!(billed >= minutes && billed - minutes < increment.minutes());
            prop_assert_eq!(billed % increment.minutes(), 0);
            let h = hours(billed);
            prop_assert_eq!(h.round_dp(2), h, "hours {} not exact", h);
        }

        #[test]
        fn price_is_monotonic_and_respects_the_minimum(
            a in 0i64..10_000, b in 0i64..10_000, cents in 0i64..100_000, min in 0i64..5_000, pick in 0usize..6,
        ) {
            let increment = inc(i64::from(BillingIncrement::ALLOWED[pick]));
            let (rate, minimum) = (Money::from_cents(cents), Money::from_cents(min));
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(time_price(rate, lo, increment, minimum) <= time_price(rate, hi, increment, minimum));
            if hi > 0 {
                prop_assert!(time_price(rate, hi, increment, minimum) >= minimum);
            }
        }
    }
}
