//! Membership plans: a monthly fee, hours included per machine category (used up by the month's
//! usage of that category in time order, no carry-over) and a discount on machine and tutor hours.
use rust_decimal::Decimal;

use super::accounts::InvalidField;
use super::money::Money;

/// Longest plan name.
const MAX_NAME: usize = 100;

/// A plan's name, trimmed and non-empty.
pub fn parse_plan_name(input: &str) -> Result<String, InvalidField> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(InvalidField(format!(
            "A plan needs a name of 1 to {MAX_NAME} characters."
        )));
    }
    Ok(name.to_string())
}

/// A discount in whole percent, 0 to 100.
pub fn parse_discount(percent: i32) -> Result<i32, InvalidField> {
    if (0..=100).contains(&percent) {
        Ok(percent)
    } else {
        Err(InvalidField("The discount is 0 to 100 percent.".into()))
    }
}

/// Hands out `allowance` minutes to time items in the order given (the month's usage of one
/// category in time order): each item takes what is left, up to its own minutes. Returns the
/// minutes included for each item, in the same order.
pub fn allocate_included(allowance: i64, items: &[i64]) -> Vec<i64> {
    let mut left = allowance.max(0);
    items
        .iter()
        .map(|&minutes| {
            let take = minutes.max(0).min(left);
            left -= take;
            take
        })
        .collect()
}

/// The discount on what is still billed of a line (its net minus what the plan included), as a
/// negative amount rounded half away from zero to the cent; zero for no discount.
pub fn discount_on(billed: Money, percent: i32) -> Money {
    if percent <= 0 || billed <= Money::ZERO {
        return Money::ZERO;
    }
    -billed.percent(Decimal::from(percent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hours_are_used_up_in_time_order() {
        // 4 h included; three sessions of 90, 180 and 60 minutes.
        assert_eq!(allocate_included(240, &[90, 180, 60]), vec![90, 150, 0]);
        assert_eq!(allocate_included(0, &[30]), vec![0]);
        assert_eq!(allocate_included(600, &[30, 45]), vec![30, 45]);
    }

    #[test]
    fn discount_rounds_half_away_from_zero() {
        // 10 % of 12.35 = 1.235 → 1.24.
        assert_eq!(
            discount_on(Money::from_cents(1235), 10),
            Money::from_cents(-124)
        );
        assert_eq!(discount_on(Money::from_cents(1235), 0), Money::ZERO);
        assert_eq!(discount_on(Money::ZERO, 50), Money::ZERO);
    }

    #[test]
    fn names_and_discounts_are_checked() {
        assert!(parse_plan_name("  ").is_err());
        assert_eq!(parse_plan_name(" Maker ").ok().as_deref(), Some("Maker"));
        assert!(parse_discount(101).is_err());
        assert!(parse_discount(-1).is_err());
    }

    proptest! {
        #[test]
        fn allocation_never_exceeds_the_allowance_nor_an_item(
            allowance in 0i64..10_000,
            items in proptest::collection::vec(0i64..1_000, 0..40),
        ) {
            let taken = allocate_included(allowance, &items);
            prop_assert_eq!(taken.len(), items.len());
            let total: i64 = taken.iter().sum();
            prop_assert!(total <= allowance);
            prop_assert_eq!(total, allowance.min(items.iter().sum()));
            for (t, m) in taken.iter().zip(&items) {
                prop_assert!(*t >= 0 && t <= m);
            }
            // Time order: once an item is not covered in full, no later item gets anything.
            if let Some(first_short) = taken.iter().zip(&items).position(|(t, m)| t < m) {
                prop_assert!(taken[first_short + 1..].iter().all(|t| *t == 0));
            }
        }

        #[test]
        fn discount_is_a_share_of_the_billed_amount(cents in 0i64..10_000_000, percent in 0i32..=100) {
            let discount = discount_on(Money::from_cents(cents), percent);
            prop_assert!(discount <= Money::ZERO);
            prop_assert!(-discount <= Money::from_cents(cents));
            // Within half a cent of the exact share.
            let exact = Decimal::from(cents) * Decimal::from(percent) / Decimal::from(100);
            let off = (Decimal::from(-discount.cents()) - exact).abs();
            prop_assert!(off <= Decimal::new(5, 1));
        }
    }
}
