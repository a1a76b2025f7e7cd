//! Amounts of money: whole euro cents, with decimal arithmetic and half-away-from-zero rounding.
//!
//! Money is held as `i64` cents so that storage (`BIGINT`) and equality are exact; any computation
//! that can produce fractions of a cent (quantity × price, percentages) goes through
//! [`Decimal`] and is rounded back to cents once, here, so every caller rounds the same way.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The only currency Obrador bills in.
pub const CURRENCY: &str = "EUR";

/// An amount in euros, exact to the cent.
///
/// The operators (`+`, `-`, unary `-`, `+=`, `-=`, [`Sum`]) panic on `i64` overflow, like integer
/// arithmetic does in debug builds; use the `checked_*` methods where the amounts come from input.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "MoneyWire", into = "MoneyWire")]
pub struct Money(i64);

/// Why a text or a decimal could not become [`Money`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("the amount is empty; write it like 12.50")]
    Empty,
    #[error(
        "'{input}' is not an amount in euros; write it like 12.50, with a dot before the cents"
    )]
    Invalid { input: String },
    #[error("'{input}' has more than two decimals; amounts are in whole cents, like 12.50")]
    TooManyDecimals { input: String },
    #[error("{input} EUR is beyond the largest amount Obrador can hold")]
    OutOfRange { input: String },
    #[error("amounts in '{currency}' are not accepted; Obrador bills in EUR only")]
    Currency { currency: String },
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    /// The amount in euros, always with two decimal places (so it prints as `12.50`).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Rounds an amount in euros to the cent, half away from zero.
    ///
    /// # Panics
    /// If the amount is beyond ±92 233 720 368 547 758.07 EUR; see
    /// [`Money::try_from_decimal_rounded`].
    pub fn from_decimal_rounded(euros: Decimal) -> Money {
        match Money::try_from_decimal_rounded(euros) {
            Ok(money) => money,
            Err(error) => panic!("{error}"),
        }
    }

    /// Rounds an amount in euros to the cent, half away from zero, or says it is out of range.
    pub fn try_from_decimal_rounded(euros: Decimal) -> Result<Money, MoneyError> {
        // Rounding at 2 dp first is exact; scaling by 100 afterwards cannot lose digits.
        euros
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(round_cents)
            .ok_or_else(|| MoneyError::OutOfRange {
                input: euros.to_string(),
            })
    }

    /// Parses an amount typed by a person: `12`, `12.5`, `12.50`, `-3.10`.
    ///
    /// Surrounding whitespace is ignored; anything else that is not digits with at most two
    /// decimals after a dot is rejected, so `1,50`, `1e3` or `12.505` never become a guess.
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(MoneyError::Empty);
        }
        let invalid = || MoneyError::Invalid {
            input: input.to_owned(),
        };
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (unsigned, "00"),
        };
        let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || !all_digits(fraction) {
            return Err(invalid());
        }
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals {
                input: input.to_owned(),
            });
        }
        let out_of_range = || MoneyError::OutOfRange {
            input: text.to_owned(),
        };
        // i128 holds every magnitude up to i64::MIN's, so "-92233720368547758.08" parses too.
        let mut cents: i128 = 0;
        for digit in whole.bytes().chain(format!("{fraction:0<2}").bytes()) {
            cents = cents
                .checked_mul(10)
                .and_then(|c| c.checked_add(i128::from(digit - b'0')))
                .ok_or_else(out_of_range)?;
        }
        let signed = if negative { -cents } else { cents };
        i64::try_from(signed).map(Money).map_err(|_| out_of_range())
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn checked_neg(self) -> Option<Money> {
        self.0.checked_neg().map(Money)
    }

    /// Quantity × this unit price, rounded half away from zero to the cent (1.5 h × 25.17 =
    /// 37.76).
    ///
    /// # Panics
    /// If the result is out of range; see [`Money::checked_times`].
    pub fn times(self, quantity: Decimal) -> Money {
        self.checked_times(quantity)
            .unwrap_or_else(|| panic!("{self} EUR × {quantity} is out of range"))
    }

    /// Quantity × this unit price, rounded half away from zero to the cent, or `None` if the
    /// result does not fit.
    pub fn checked_times(self, quantity: Decimal) -> Option<Money> {
        // Multiplying cents (scale 0) keeps the product exact; only the final rounding loses.
        Decimal::from(self.0)
            .checked_mul(quantity)
            .and_then(round_cents)
    }

    /// `rate` percent of this amount (21 → VAT at 21 %), rounded half away from zero to the cent.
    ///
    /// # Panics
    /// If the result is out of range; see [`Money::checked_percent`].
    pub fn percent(self, rate: Decimal) -> Money {
        self.checked_percent(rate)
            .unwrap_or_else(|| panic!("{rate} % of {self} EUR is out of range"))
    }

    /// `rate` percent of this amount, rounded half away from zero to the cent, or `None` if the
    /// result does not fit.
    pub fn checked_percent(self, rate: Decimal) -> Option<Money> {
        Decimal::from(self.0)
            .checked_mul(rate)
            .and_then(|scaled| scaled.checked_div(Decimal::ONE_HUNDRED))
            .and_then(round_cents)
    }
}

/// Rounds a (possibly fractional) number of cents to whole cents, half away from zero.
fn round_cents(cents: Decimal) -> Option<Money> {
    cents
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .map(Money)
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self} {CURRENCY})")
    }
}

impl std::str::FromStr for Money {
    type Err = MoneyError;

    fn from_str(input: &str) -> Result<Money, MoneyError> {
        Money::parse(input)
    }
}

impl Add for Money {
    type Output = Money;

    fn add(self, other: Money) -> Money {
        self.checked_add(other)
            .unwrap_or_else(|| panic!("{self} + {other} EUR overflows"))
    }
}

impl Sub for Money {
    type Output = Money;

    fn sub(self, other: Money) -> Money {
        self.checked_sub(other)
            .unwrap_or_else(|| panic!("{self} - {other} EUR overflows"))
    }
}

impl Neg for Money {
    type Output = Money;

    fn neg(self) -> Money {
        self.checked_neg()
            .unwrap_or_else(|| panic!("-({self}) EUR overflows"))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, other: Money) {
        *self = *self - other;
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(amounts: I) -> Money {
        amounts.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(amounts: I) -> Money {
        amounts.copied().sum()
    }
}

/// The JSON shape of an amount: `{"amount": "12.50", "currency": "EUR"}`. The amount is a string
/// so that no JSON reader ever turns it into a binary float.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyWire {
    amount: String,
    currency: String,
}

impl From<Money> for MoneyWire {
    fn from(money: Money) -> MoneyWire {
        MoneyWire {
            amount: money.to_string(),
            currency: CURRENCY.to_owned(),
        }
    }
}

impl TryFrom<MoneyWire> for Money {
    type Error = MoneyError;

    fn try_from(wire: MoneyWire) -> Result<Money, MoneyError> {
        if wire.currency != CURRENCY {
            return Err(MoneyError::Currency {
                currency: wire.currency,
            });
        }
        Money::parse(&wire.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal {
        text.parse().expect("test decimal literal")
    }

    fn eur(text: &str) -> Money {
        Money::parse(text).expect("test money literal")
    }

    #[test]
    fn parses_the_forms_people_type() {
        assert_eq!(eur("12"), Money::from_cents(1200));
        assert_eq!(eur("12.5"), Money::from_cents(1250));
        assert_eq!(eur("12.50"), Money::from_cents(1250));
        assert_eq!(eur("-3.10"), Money::from_cents(-310));
        assert_eq!(eur("0.05"), Money::from_cents(5));
        assert_eq!(eur("-0"), Money::ZERO);
        assert_eq!(eur(" 7.00 "), Money::from_cents(700));
        assert_eq!(eur("007.1"), Money::from_cents(710));
    }

    #[test]
    fn parses_the_extremes_it_can_print() {
        assert_eq!(eur("92233720368547758.07"), Money::from_cents(i64::MAX));
        assert_eq!(eur("-92233720368547758.08"), Money::from_cents(i64::MIN));
    }

    #[test]
    fn rejects_what_is_not_an_amount_in_cents() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(Money::parse("   "), Err(MoneyError::Empty));
        for garbage in [
            "abc", "1,50", "1e3", "12.", ".5", "-", "+3", "--1", "1.2.3", "1 000", "12.-5", "€12",
        ] {
            assert!(
                matches!(Money::parse(garbage), Err(MoneyError::Invalid { .. })),
                "{garbage:?} should be invalid"
            );
        }
        assert!(matches!(
            Money::parse("12.505"),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            Money::parse("92233720368547758.08"),
            Err(MoneyError::OutOfRange { .. })
        ));
        assert!(matches!(
            Money::parse("99999999999999999999999999999999999999999"),
            Err(MoneyError::OutOfRange { .. })
        ));
    }

    #[test]
    fn error_messages_say_what_to_write() {
        assert_eq!(
            Money::parse("1,50").unwrap_err().to_string(),
            "'1,50' is not an amount in euros; write it like 12.50, with a dot before the cents"
        );
        assert_eq!(
            Money::parse("12.505").unwrap_err().to_string(),
            "'12.505' has more than two decimals; amounts are in whole cents, like 12.50"
        );
        assert_eq!(
            Money::parse("").unwrap_err().to_string(),
            "the amount is empty; write it like 12.50"
        );
    }

    #[test]
    fn displays_two_decimals_and_the_sign() {
        assert_eq!(Money::from_cents(1250).to_string(), "12.50");
        assert_eq!(Money::from_cents(-5).to_string(), "-0.05");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::from_cents(100_000).to_string(), "1000.00");
        assert_eq!(
            Money::from_cents(i64::MIN).to_string(),
            "-92233720368547758.08"
        );
        assert_eq!(format!("{:?}", Money::from_cents(1250)), "Money(12.50 EUR)");
    }

    #[test]
    fn converts_to_a_two_place_decimal() {
        assert_eq!(Money::from_cents(1250).to_decimal().to_string(), "12.50");
        assert_eq!(Money::from_cents(-5).to_decimal(), dec("-0.05"));
        assert_eq!(
            Money::from_cents(i64::MIN).to_decimal(),
            dec("-92233720368547758.08")
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(Money::from_decimal_rounded(dec("37.755")), eur("37.76"));
        assert_eq!(Money::from_decimal_rounded(dec("37.754999")), eur("37.75"));
        assert_eq!(Money::from_decimal_rounded(dec("-0.005")), eur("-0.01"));
        assert_eq!(Money::from_decimal_rounded(dec("-0.0049")), Money::ZERO);
        assert_eq!(Money::from_decimal_rounded(dec("0.015")), eur("0.02"));
        assert_eq!(Money::from_decimal_rounded(dec("0.025")), eur("0.03"));
        assert_eq!(Money::from_decimal_rounded(dec("12")), eur("12.00"));
    }

    #[test]
    fn rejects_decimals_beyond_the_range() {
        assert!(matches!(
            Money::try_from_decimal_rounded(Decimal::MAX),
            Err(MoneyError::OutOfRange { .. })
        ));
        assert!(matches!(
            Money::try_from_decimal_rounded(dec("92233720368547758.075")),
            Err(MoneyError::OutOfRange { .. })
        ));
    }

    #[test]
    fn multiplies_by_a_decimal_quantity() {
        assert_eq!(eur("25.17").times(dec("1.5")), eur("37.76"));
        assert_eq!(eur("13.40").times(dec("2")), eur("26.80"));
        assert_eq!(eur("0.01").times(dec("0.5")), eur("0.01"));
        assert_eq!(eur("-0.01").times(dec("0.5")), eur("-0.01"));
        assert_eq!(eur("19.99").times(dec("0.25")), eur("5.00"));
        assert_eq!(eur("10").times(Decimal::ZERO), Money::ZERO);
        assert_eq!(Money::from_cents(i64::MAX).checked_times(dec("2")), None);
    }

    #[test]
    fn takes_a_percentage() {
        assert_eq!(eur("10").percent(dec("50")), eur("5"));
        assert_eq!(eur("0.05").percent(dec("50")), eur("0.03"));
        assert_eq!(eur("-0.05").percent(dec("50")), eur("-0.03"));
        assert_eq!(eur("70.06").percent(dec("21")), eur("14.71"));
        assert_eq!(eur("100").percent(dec("10.5")), eur("10.50"));
        assert_eq!(
            Money::from_cents(i64::MAX).checked_percent(dec("200")),
            None
        );
    }

    #[test]
    fn invoice_worked_case_from_the_product_brief() {
        // Each line's net to cents, VAT once on the summed base.
        let lines = [eur("25.17").times(dec("1.5")), eur("26.80"), eur("5.50")];
        assert_eq!(lines[0], eur("37.76"));
        let base: Money = lines.iter().sum();
        assert_eq!(base, eur("70.06"));
        let vat = base.percent(dec("21"));
        assert_eq!(vat, eur("14.71"));
        assert_eq!(base + vat, eur("84.77"));
    }

    #[test]
    fn arithmetic() {
        let mut total = eur("1.10");
        total += eur("2.25");
        assert_eq!(total, eur("3.35"));
        total -= eur("0.35");
        assert_eq!(total, eur("3"));
        assert_eq!(-total, eur("-3"));
        assert_eq!(eur("1") - eur("1.01"), eur("-0.01"));
        let amounts = vec![eur("1"), eur("2"), eur("3.5")];
        assert_eq!(amounts.into_iter().sum::<Money>(), eur("6.50"));
        assert_eq!(std::iter::empty::<Money>().sum::<Money>(), Money::ZERO);
        assert_eq!(
            Money::from_cents(i64::MAX).checked_add(Money::from_cents(1)),
            None
        );
        assert_eq!(
            Money::from_cents(i64::MIN).checked_sub(Money::from_cents(1)),
            None
        );
        assert_eq!(Money::from_cents(i64::MIN).checked_neg(), None);
        assert!(eur("-1") < eur("0.01"));
    }

    #[test]
    #[should_panic(expected = "overflows")]
    fn operators_panic_instead_of_wrapping() {
        let _ = Money::from_cents(i64::MAX) + Money::from_cents(1);
    }

    #[test]
    fn serializes_as_amount_and_currency() {
        let json = serde_json::to_string(&eur("12.5")).expect("serialize");
        assert_eq!(json, r#"{"amount":"12.50","currency":"EUR"}"#);
        let json = serde_json::to_string(&eur("-0.05")).expect("serialize");
        assert_eq!(json, r#"{"amount":"-0.05","currency":"EUR"}"#);
    }

    #[test]
    fn deserializes_the_same_shape() {
        let money: Money =
            serde_json::from_str(r#"{"amount": "12.50", "currency": "EUR"}"#).expect("EUR");
        assert_eq!(money, eur("12.50"));
    }

    #[test]
    fn deserialization_rejects_other_currencies_and_bad_amounts() {
        let error = serde_json::from_str::<Money>(r#"{"amount": "12.50", "currency": "USD"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("'USD' are not accepted"), "{error}");
        let error = serde_json::from_str::<Money>(r#"{"amount": "12.505", "currency": "EUR"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than two decimals"), "{error}");
        // A JSON number would invite binary floats upstream.
        assert!(serde_json::from_str::<Money>(r#"{"amount": 12.5, "currency": "EUR"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount": "1"}"#).is_err());
        assert!(
            serde_json::from_str::<Money>(r#"{"amount": "1", "currency": "EUR", "vat": "0"}"#)
                .is_err()
        );
    }

    fn any_decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u32..=12).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
    }

    proptest! {
        #[test]
        fn parse_reads_back_what_display_prints(cents in any::<i64>()) {
            let money = Money::from_cents(cents);
            prop_assert_eq!(Money::parse(&money.to_string()), Ok(money));
        }

        #[test]
        fn serde_round_trips(cents in any::<i64>()) {
            let money = Money::from_cents(cents);
            let json = serde_json::to_string(&money).expect("serialize");
            prop_assert_eq!(serde_json::from_str::<Money>(&json).expect("deserialize"), money);
        }

        #[test]
        fn adding_then_subtracting_gives_back_the_start(
            a in -(i64::MAX / 2)..(i64::MAX / 2),
            b in -(i64::MAX / 2)..(i64::MAX / 2),
        ) {
            let (a, b) = (Money::from_cents(a), Money::from_cents(b));
            prop_assert_eq!(a + b - b, a);
        }

        #[test]
        fn times_one_is_the_identity(cents in any::<i64>()) {
            let money = Money::from_cents(cents);
            prop_assert_eq!(money.times(Decimal::ONE), money);
        }

        #[test]
        fn rounding_is_within_half_a_cent(euros in any_decimal()) {
            if let Ok(money) = Money::try_from_decimal_rounded(euros) {
                let error = (money.to_decimal() - euros).abs();
                prop_assert!(error <= Decimal::new(5, 3), "{} rounded to {}", euros, money);
            }
        }

        #[test]
        fn times_is_within_half_a_cent_of_the_exact_product(
            cents in -10_000_000i64..10_000_000,
            hundredths in 0i64..100_000,
        ) {
            let quantity = Decimal::new(hundredths, 2);
            let exact = Money::from_cents(cents).to_decimal() * quantity;
            let rounded = Money::from_cents(cents).times(quantity);
            prop_assert!((rounded.to_decimal() - exact).abs() <= Decimal::new(5, 3));
        }
    }
}
