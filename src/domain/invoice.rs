//! The arithmetic of an invoice: line quantities, line nets, VAT rates and the totals per rate.
//!
//! The rules are the product brief's: each line's net is rounded to the cent on its own; VAT is
//! computed once per rate on the summed base of that rate; every rounding is half away from zero
//! and done in decimal (through [`Money`]), never in binary floating point.
use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::accounts::InvalidField;
use super::billing::hours;
use super::chain::DocumentKind;
use super::ids::{CustomerId, InvoiceId};
use super::money::Money;

/// How much of something a line bills: time in minutes (priced per hour) or a count of items.
///
/// Serializes losslessly as `{"minutes": 90}` or `{"count": 3}`; [`fmt::Display`] gives what an
/// invoice prints (`1.50` hours, `3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Minutes of a machine or a tutor, priced per hour. The ledger's minutes are whole billing
    /// increments (multiples of 3), so they are always an exact number of hours to two places.
    Minutes(i64),
    /// A number of items (seats, fees, plan fees), priced per item.
    Count(i64),
}

impl Quantity {
    /// A charge's quantity: minutes priced per hour for time (machine usage, tutor hours), a
    /// count for everything else (seats, fees, plan fees, reversals).
    pub fn of_charge(kind: &str, quantity: i64) -> Quantity {
        match kind {
            "usage" | "tutor" | "included_hours" => Quantity::Minutes(quantity),
            _ => Quantity::Count(quantity),
        }
    }

    /// The number the unit price is multiplied by: exact hours for minutes, the count otherwise.
    pub fn multiplier(self) -> Decimal {
        match self {
            Quantity::Minutes(minutes) => hours(minutes),
            Quantity::Count(count) => Decimal::from(count),
        }
    }

    /// The hours of a time quantity (exact), `None` for a count.
    pub fn hours(self) -> Option<Decimal> {
        match self {
            Quantity::Minutes(minutes) => Some(hours(minutes)),
            Quantity::Count(_) => None,
        }
    }

    /// The unit an invoice prints after the number: `h` for time, nothing for a count.
    pub fn unit(self) -> Option<&'static str> {
        match self {
            Quantity::Minutes(_) => Some("h"),
            Quantity::Count(_) => None,
        }
    }
}

impl fmt::Display for Quantity {
    /// Hours with two decimals (`Minutes(90)` → `1.50`), a count as a whole number (`3`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Minutes(minutes) => {
                let shown = hours(*minutes)
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                write!(f, "{shown:.2}")
            }
            Quantity::Count(count) => write!(f, "{count}"),
        }
    }
}

/// A line's net amount: quantity × unit price, rounded to the cent half away from zero
/// (90 minutes at 25.17 €/h → 37.76).
///
/// # Panics
/// If the amount is out of range; see [`checked_line_net`].
pub fn line_net(quantity: Quantity, unit_price: Money) -> Money {
    checked_line_net(quantity, unit_price)
        .unwrap_or_else(|| panic!("{quantity} × {unit_price} EUR is out of range"))
}

/// A line's net amount as [`line_net`], or `None` if it does not fit in [`Money`].
pub fn checked_line_net(quantity: Quantity, unit_price: Money) -> Option<Money> {
    unit_price.checked_times(quantity.multiplier())
}

/// A VAT rate in percent (0 ≤ rate ≤ 100, at most two decimals), and for a 0 % rate optionally
/// the legal reference of the exemption that an invoice must print (EU VAT Directive art. 226).
///
/// The percentage is kept normalised (`21.00` is `21`), so equal rates compare, hash and print
/// the same. Rates order by percentage, then by exemption reference (none first), which is the
/// order of an invoice's breakdown. JSON: `{"percent": "21"}` or
/// `{"percent": "0", "exemption": "Art. 20.1.9 Ley 37/1992"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "VatRateWire", into = "VatRateWire")]
pub struct VatRate {
    percent: Decimal,
    exemption: Option<String>,
}

impl VatRate {
    /// A taxed rate, e.g. `21`: between 0 and 100 with at most two decimals.
    pub fn new(percent: Decimal) -> Result<VatRate, InvalidField> {
        if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
            return Err(InvalidField(format!(
                "{percent} % is not a VAT rate; use a percentage from 0 to 100, like 21"
            )));
        }
        let percent = percent.normalize();
        if percent.scale() > 2 {
            return Err(InvalidField(format!(
                "{percent} % has more than two decimals; write a VAT rate like 21 or 10.5"
            )));
        }
        Ok(VatRate {
            percent,
            exemption: None,
        })
    }

    /// A 0 % rate exempt under `reference`, e.g. `Art. 20.1.9 Ley 37/1992` for training; the
    /// reference is trimmed and may not be empty.
    pub fn exempt(reference: &str) -> Result<VatRate, InvalidField> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(InvalidField(
                "an exempt VAT rate needs the legal reference of its exemption, like \
                 Art. 20.1.9 Ley 37/1992"
                    .into(),
            ));
        }
        Ok(VatRate {
            percent: Decimal::ZERO,
            exemption: Some(reference.to_owned()),
        })
    }

    /// Parses a rate typed in configuration or a form: `21`, `10.5`, `21 %`, `0`.
    pub fn parse(input: &str) -> Result<VatRate, InvalidField> {
        let text = input.trim();
        let number = text.strip_suffix('%').unwrap_or(text).trim_end();
        let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let well_formed = match number.split_once('.') {
            Some((whole, fraction)) => all_digits(whole) && all_digits(fraction),
            None => all_digits(number),
        };
        let percent = well_formed
            .then(|| number.parse::<Decimal>().ok())
            .flatten()
            .ok_or_else(|| {
                InvalidField(format!(
                    "'{text}' is not a VAT rate; write a percentage like 21 or 10.5"
                ))
            })?;
        VatRate::new(percent)
    }

    /// The rate in percent, normalised (`21`, `10.5`, `0`).
    pub fn percent(&self) -> Decimal {
        self.percent
    }

    /// The legal reference of the exemption, for an exempt 0 % rate.
    pub fn exemption(&self) -> Option<&str> {
        self.exemption.as_deref()
    }

    /// The VAT on `base` at this rate, rounded to the cent half away from zero.
    ///
    /// # Panics
    /// Only if the result is out of range of [`Money`], which a rate of at most 100 % cannot be.
    pub fn vat_on(&self, base: Money) -> Money {
        base.percent(self.percent)
    }
}

impl fmt::Display for VatRate {
    /// `21 %`, or `0 % (Art. 20.1.9 Ley 37/1992)` for an exemption.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.percent)?;
        match &self.exemption {
            Some(reference) => write!(f, " ({reference})"),
            None => Ok(()),
        }
    }
}

/// The JSON shape of a [`VatRate`]; going through it re-validates what is read.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VatRateWire {
    percent: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exemption: Option<String>,
}

impl From<VatRate> for VatRateWire {
    fn from(rate: VatRate) -> VatRateWire {
        VatRateWire {
            percent: rate.percent,
            exemption: rate.exemption,
        }
    }
}

impl TryFrom<VatRateWire> for VatRate {
    type Error = InvalidField;

    fn try_from(wire: VatRateWire) -> Result<VatRate, InvalidField> {
        match wire.exemption {
            None => VatRate::new(wire.percent),
            Some(reference) if wire.percent.is_zero() => VatRate::exempt(&reference),
            Some(_) => Err(InvalidField(format!(
                "a VAT rate of {} % cannot carry an exemption; only 0 % lines are exempt",
                wire.percent
            ))),
        }
    }
}

/// The taxable base and the VAT of one rate on an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RateTotal {
    /// The rate (with its exemption reference, if any).
    pub rate: VatRate,
    /// The sum of the nets of the lines at this rate.
    pub base: Money,
    /// `base` × rate, rounded once, half away from zero.
    pub vat: Money,
}

/// An invoice's totals: base and VAT per rate, sorted by rate, and the sums.
///
/// Built only by [`Totals::of`] (or read back from JSON, which recomputes and checks it), so the
/// sums always agree with the breakdown. JSON:
/// `{"by_rate": [{"rate", "base", "vat"}, …], "net", "vat", "total"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "TotalsWire")]
pub struct Totals {
    by_rate: Vec<RateTotal>,
    net: Money,
    vat: Money,
    total: Money,
}

impl Totals {
    /// The totals of lines given as (line net, VAT rate).
    ///
    /// # Panics
    /// If a sum overflows [`Money`] (beyond ±92 million billion euros).
    pub fn of(lines: &[(Money, VatRate)]) -> Totals {
        Totals::from_lines(lines.iter().map(|(net, rate)| (*net, rate)))
    }

    /// The totals of lines given as (line net, VAT rate) by any iterator, so callers need not
    /// copy their lines into tuples. The order of the lines does not matter.
    ///
    /// # Panics
    /// If a sum overflows [`Money`].
    pub fn from_lines<'a, I>(lines: I) -> Totals
    where
        I: IntoIterator<Item = (Money, &'a VatRate)>,
    {
        let mut bases: BTreeMap<&VatRate, Money> = BTreeMap::new();
        for (net, rate) in lines {
            *bases.entry(rate).or_default() += net;
        }
        Totals::from_bases(
            bases
                .into_iter()
                .map(|(rate, base)| (rate.clone(), base))
                .collect(),
        )
    }

    /// Totals from bases already summed per distinct rate, in rate order.
    fn from_bases(bases: Vec<(VatRate, Money)>) -> Totals {
        let by_rate: Vec<RateTotal> = bases
            .into_iter()
            .map(|(rate, base)| RateTotal {
                vat: rate.vat_on(base),
                rate,
                base,
            })
            .collect();
        let net = by_rate.iter().map(|r| r.base).sum();
        let vat = by_rate.iter().map(|r| r.vat).sum();
        Totals {
            by_rate,
            net,
            vat,
            total: net + vat,
        }
    }

    /// The sums alone, without the breakdown per rate (a list's header of a document whose
    /// lines were not read).
    pub fn summary(net: Money, vat: Money) -> Totals {
        Totals {
            by_rate: Vec::new(),
            net,
            vat,
            total: net + vat,
        }
    }

    /// Base and VAT per rate, sorted by rate (see [`VatRate`]'s order); one entry per rate.
    pub fn by_rate(&self) -> &[RateTotal] {
        &self.by_rate
    }

    /// The sum of the bases: the invoice's net amount.
    pub fn net(&self) -> Money {
        self.net
    }

    /// The sum of the VAT of every rate.
    pub fn vat(&self) -> Money {
        self.vat
    }

    /// Net plus VAT: what the customer pays.
    pub fn total(&self) -> Money {
        self.total
    }
}

/// The JSON shape of [`Totals`], checked against a recomputation when read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TotalsWire {
    by_rate: Vec<RateTotal>,
    net: Money,
    vat: Money,
    total: Money,
}

impl TryFrom<TotalsWire> for Totals {
    type Error = InvalidField;

    fn try_from(wire: TotalsWire) -> Result<Totals, InvalidField> {
        let sorted_and_distinct = wire.by_rate.windows(2).all(|w| w[0].rate < w[1].rate);
        let bases = wire
            .by_rate
            .iter()
            .map(|r| (r.rate.clone(), r.base))
            .collect();
        let recomputed = Totals::from_bases(bases);
        let read = Totals {
            by_rate: wire.by_rate,
            net: wire.net,
            vat: wire.vat,
            total: wire.total,
        };
        if sorted_and_distinct && recomputed == read {
            Ok(read)
        } else {
            Err(InvalidField(
                "these totals do not add up: the VAT per rate, the sums or the order of the \
                 rates differ from what the bases give"
                    .into(),
            ))
        }
    }
}

// --- The document --------------------------------------------------------------------------

/// One line of a document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceLine {
    pub id: i64,
    pub position: i32,
    pub charge_id: Option<i64>,
    pub date: NaiveDate,
    pub description: String,
    pub quantity: Quantity,
    pub unit_price: Money,
    pub vat_rate: VatRate,
    pub net: Money,
    pub edited: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Party {
    pub name: String,
    pub tax_id: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainInfo {
    pub position: i64,
    pub previous_hash: String,
    pub record_hash: String,
    pub content_digest: String,
    pub generated_at: String,
}

/// A document as the service hands it out and the renderers print it: a draft (parties not
/// yet fixed) or an issued invoice or credit note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invoice {
    pub id: InvoiceId,
    pub kind: DocumentKind,
    pub status: String,
    pub customer_id: CustomerId,
    pub month: String,
    pub number: Option<String>,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub supplier: Option<Party>,
    pub customer: Option<Party>,
    /// The number of the invoice a credit note corrects.
    pub corrects: Option<String>,
    pub notes: String,
    pub lines: Vec<InvoiceLine>,
    pub totals: Totals,
    pub chain: Option<ChainInfo>,
    /// Where an issued invoice stands (derived from its payments and credit notes).
    pub payment_status: Option<PaymentStatus>,
}

// --- Payment status -------------------------------------------------------------------------

/// Where an issued invoice stands, derived from its payments (the invoice never changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Unpaid,
    PartlyPaid,
    Paid,
    Overdue,
}

/// The status of an invoice of `total` with `paid` received, due on `due`, seen on `today`.
pub fn payment_status(
    total: Money,
    paid: Money,
    due: NaiveDate,
    today: NaiveDate,
) -> PaymentStatus {
    if paid >= total {
        PaymentStatus::Paid
    } else if today > due {
        PaymentStatus::Overdue
    } else if paid > Money::ZERO {
        PaymentStatus::PartlyPaid
    } else {
        PaymentStatus::Unpaid
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn eur(text: &str) -> Money {
        Money::parse(text).expect("test money literal")
    }

    fn dec(text: &str) -> Decimal {
        text.parse().expect("test decimal literal")
    }

    fn rate(text: &str) -> VatRate {
        VatRate::parse(text).expect("test VAT rate")
    }

    const TRAINING_EXEMPTION: &str = "Art. 20.1.9 Ley 37/1992";

    #[test]
    fn worked_case_from_the_product_brief() {
        // 90 minutes at 25.17 €/h, 2 seats at 13.40, one fee of 5.50, all at 21 %.
        let nets = [
            line_net(Quantity::Minutes(90), eur("25.17")),
            line_net(Quantity::Count(2), eur("13.40")),
            line_net(Quantity::Count(1), eur("5.50")),
        ];
        assert_eq!(nets, [eur("37.76"), eur("26.80"), eur("5.50")]);
        let lines: Vec<_> = nets.iter().map(|net| (*net, rate("21"))).collect();
        let totals = Totals::of(&lines);
        assert_eq!(totals.net(), eur("70.06"));
        assert_eq!(totals.vat(), eur("14.71"));
        assert_eq!(totals.total(), eur("84.77"));
        assert_eq!(totals.by_rate().len(), 1);
        // Rounding VAT per line instead (7.93 + 5.63 + 1.16 = 14.72) would give 84.78.
    }

    #[test]
    fn mixed_rates_with_an_exempt_training_line() {
        let exempt = VatRate::exempt(TRAINING_EXEMPTION).expect("exempt");
        let lines = [
            (eur("37.76"), rate("21")),
            (eur("120.00"), exempt.clone()),
            (eur("26.80"), rate("21")),
            (eur("-10.00"), rate("21")),
        ];
        let totals = Totals::of(&lines);
        let by_rate = totals.by_rate();
        assert_eq!(by_rate.len(), 2);
        assert_eq!(by_rate[0].rate, exempt);
        assert_eq!(
            (by_rate[0].base, by_rate[0].vat),
            (eur("120.00"), Money::ZERO)
        );
        assert_eq!(by_rate[1].rate, rate("21"));
        // 54.56 × 21 % = 11.4576 → 11.46
        assert_eq!(
            (by_rate[1].base, by_rate[1].vat),
            (eur("54.56"), eur("11.46"))
        );
        assert_eq!(totals.net(), eur("174.56"));
        assert_eq!(totals.vat(), eur("11.46"));
        assert_eq!(totals.total(), eur("186.02"));
    }

    #[test]
    fn a_plain_zero_rate_and_an_exempt_one_are_separate_rows() {
        let lines = [
            (eur("10"), rate("0")),
            (
                eur("20"),
                VatRate::exempt(TRAINING_EXEMPTION).expect("exempt"),
            ),
        ];
        let totals = Totals::of(&lines);
        assert_eq!(totals.by_rate().len(), 2);
        assert_eq!(totals.by_rate()[0].rate.exemption(), None);
        assert_eq!(totals.total(), eur("30"));
    }

    #[test]
    fn no_lines_make_zero_totals() {
        let totals = Totals::of(&[]);
        assert!(totals.by_rate().is_empty());
        assert_eq!(totals.total(), Money::ZERO);
    }

    #[test]
    fn a_credit_note_rounds_symmetrically() {
        let lines = [(eur("-70.06"), rate("21"))];
        let totals = Totals::of(&lines);
        assert_eq!(totals.vat(), eur("-14.71"));
        assert_eq!(totals.total(), eur("-84.77"));
    }

    #[test]
    fn quantities_show_as_invoices_print_them() {
        assert_eq!(Quantity::Minutes(90).to_string(), "1.50");
        assert_eq!(Quantity::Minutes(3).to_string(), "0.05");
        assert_eq!(Quantity::Minutes(60).to_string(), "1.00");
        assert_eq!(Quantity::Minutes(-45).to_string(), "-0.75");
        assert_eq!(Quantity::Count(3).to_string(), "3");
        assert_eq!(Quantity::Minutes(90).hours(), Some(dec("1.5")));
        assert_eq!(Quantity::Count(3).hours(), None);
        assert_eq!(Quantity::Minutes(90).unit(), Some("h"));
        assert_eq!(Quantity::Count(3).multiplier(), dec("3"));
    }

    #[test]
    fn quantities_serialize_losslessly() {
        let json = serde_json::to_string(&Quantity::Minutes(90)).expect("serialize");
        assert_eq!(json, r#"{"minutes":90}"#);
        let json = serde_json::to_string(&Quantity::Count(2)).expect("serialize");
        assert_eq!(json, r#"{"count":2}"#);
        let back: Quantity = serde_json::from_str(r#"{"minutes":90}"#).expect("deserialize");
        assert_eq!(back, Quantity::Minutes(90));
    }

    #[test]
    fn line_nets() {
        assert_eq!(line_net(Quantity::Minutes(90), eur("25.17")), eur("37.76"));
        assert_eq!(line_net(Quantity::Minutes(3), eur("0.10")), eur("0.01"));
        assert_eq!(
            line_net(Quantity::Minutes(60), eur("-12.00")),
            eur("-12.00")
        );
        assert_eq!(line_net(Quantity::Count(0), eur("99")), Money::ZERO);
        assert_eq!(
            checked_line_net(Quantity::Count(2), Money::from_cents(i64::MAX)),
            None
        );
    }

    #[test]
    fn vat_rates_parse_and_normalise() {
        assert_eq!(rate("21").percent(), dec("21"));
        assert_eq!(rate(" 21.00 % ").to_string(), "21 %");
        assert_eq!(rate("10.5").to_string(), "10.5 %");
        assert_eq!(rate("21"), rate("21.0"));
        assert_eq!(rate("0").exemption(), None);
        for bad in [
            "", "-1", "100.01", "21.005", "abc", "1e2", "21,5", "+21", ".5", "5.",
        ] {
            assert!(VatRate::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(VatRate::exempt("  ").is_err());
        let exempt = VatRate::exempt(" Art. 20.1.9 Ley 37/1992 ").expect("exempt");
        assert_eq!(exempt.exemption(), Some(TRAINING_EXEMPTION));
        assert_eq!(exempt.to_string(), "0 % (Art. 20.1.9 Ley 37/1992)");
        assert!(rate("0") < exempt && exempt < rate("4"));
    }

    #[test]
    fn vat_rates_serialize_with_their_exemption() {
        let json = serde_json::to_string(&rate("21.00")).expect("serialize");
        assert_eq!(json, r#"{"percent":"21"}"#);
        let exempt = VatRate::exempt(TRAINING_EXEMPTION).expect("exempt");
        let json = serde_json::to_string(&exempt).expect("serialize");
        assert_eq!(
            json,
            r#"{"percent":"0","exemption":"Art. 20.1.9 Ley 37/1992"}"#
        );
        assert_eq!(
            serde_json::from_str::<VatRate>(&json).expect("deserialize"),
            exempt
        );
        for bad in [
            r#"{"percent":"21","exemption":"Art. 20"}"#,
            r#"{"percent":"101"}"#,
            r#"{"percent":"0","exemption":""}"#,
            r#"{"percent":"21","kind":"x"}"#,
        ] {
            assert!(serde_json::from_str::<VatRate>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn totals_serialize_per_rate_and_read_back_only_if_they_add_up() {
        let lines = [(eur("70.06"), rate("21"))];
        let totals = Totals::of(&lines);
        let json = serde_json::to_string(&totals).expect("serialize");
        let euros = |a: &str| format!(r#"{{"amount":"{a}","currency":"EUR"}}"#);
        let expected = format!(
            r#"{{"by_rate":[{{"rate":{{"percent":"21"}},"base":{},"vat":{}}}],"net":{},"vat":{},"total":{}}}"#,
            euros("70.06"),
            euros("14.71"),
            euros("70.06"),
            euros("14.71"),
            euros("84.77"),
        );
        assert_eq!(json, expected);
        assert_eq!(
            serde_json::from_str::<Totals>(&json).expect("deserialize"),
            totals
        );
        let tampered = json.replace("84.77", "84.78");
        assert!(serde_json::from_str::<Totals>(&tampered).is_err());
    }

    fn any_rate() -> impl Strategy<Value = VatRate> {
        prop_oneof![
            (0i64..=10_000).prop_map(|hundredths| {
                VatRate::new(Decimal::new(hundredths, 2)).expect("0..=100 %")
            }),
            Just(VatRate::exempt(TRAINING_EXEMPTION).expect("exempt")),
            Just(VatRate::parse("21").expect("21 %")),
            Just(VatRate::parse("10").expect("10 %")),
        ]
    }

    fn any_lines() -> impl Strategy<Value = Vec<(Money, VatRate)>> {
        prop::collection::vec(
            (
                (-1_000_000i64..10_000_000).prop_map(Money::from_cents),
                any_rate(),
            ),
            0..20,
        )
    }

    proptest! {
        #[test]
        fn total_is_the_bases_plus_the_vat(lines in any_lines()) {
            let totals = Totals::of(&lines);
            let bases: Money = totals.by_rate().iter().map(|r| r.base).sum();
            let vat: Money = totals.by_rate().iter().map(|r| r.vat).sum();
            prop_assert_eq!(totals.net(), bases);
            prop_assert_eq!(totals.vat(), vat);
            prop_assert_eq!(totals.total(), bases + vat);
            prop_assert_eq!(totals.net(), lines.iter().map(|(net, _)| *net).sum::<Money>());
        }

        #[test]
        fn each_base_is_the_sum_of_its_lines(lines in any_lines()) {
            let totals = Totals::of(&lines);
            for row in totals.by_rate() {
                let sum: Money = lines.iter().filter(|(_, r)| *r == row.rate).map(|(n, _)| *n).sum();
                prop_assert_eq!(row.base, sum);
            }
            let distinct: std::collections::BTreeSet<_> = lines.iter().map(|(_, r)| r).collect();
            prop_assert_eq!(totals.by_rate().len(), distinct.len());
            prop_assert!(totals.by_rate().windows(2).all(|w| w[0].rate < w[1].rate));
        }

        #[test]
        fn vat_is_within_half_a_cent_of_the_exact_product(lines in any_lines()) {
            for row in Totals::of(&lines).by_rate() {
                let exact = row.base.to_decimal() * row.rate.percent() / Decimal::ONE_HUNDRED;
                prop_assert!((row.vat.to_decimal() - exact).abs() <= Decimal::new(5, 3));
            }
        }

        #[test]
        fn totals_do_not_depend_on_line_order(lines in any_lines(), seed in any::<u64>()) {
            let mut shuffled = lines.clone();
            // A deterministic shuffle driven by the seed (Fisher–Yates with a tiny LCG).
            let mut state = seed;
            for i in (1..shuffled.len()).rev() {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                shuffled.swap(i, (state >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(Totals::of(&shuffled), Totals::of(&lines));
        }

        #[test]
        fn totals_read_back_from_json(lines in any_lines()) {
            let totals = Totals::of(&lines);
            let json = serde_json::to_string(&totals).expect("serialize");
            prop_assert_eq!(serde_json::from_str::<Totals>(&json).expect("deserialize"), totals);
        }

        #[test]
        fn line_net_of_minutes_is_the_exact_product_rounded(
            increments in -2_000i64..2_000,
            cents in -1_000_000i64..1_000_000,
        ) {
            let minutes = increments * 3;
            let net = line_net(Quantity::Minutes(minutes), Money::from_cents(cents));
            let exact = Money::from_cents(cents).to_decimal() * Decimal::from(minutes)
                / Decimal::from(60);
            prop_assert_eq!(net.to_decimal(), exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero));
            prop_assert!((net.to_decimal() - exact).abs() <= Decimal::new(5, 3));
            // What the invoice prints reproduces the net: shown hours × unit price.
            let shown: Decimal = Quantity::Minutes(minutes).to_string().parse().expect("decimal");
            prop_assert_eq!(Money::from_cents(cents).times(shown), net);
        }

        #[test]
        fn line_net_of_a_count_is_exact(count in -1_000i64..1_000, cents in -1_000_000i64..1_000_000) {
            let net = line_net(Quantity::Count(count), Money::from_cents(cents));
            prop_assert_eq!(net.cents(), count * cents);
        }
    }

    #[test]
    fn payment_status_is_derived() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        let total = Money::from_cents(8477);
        let status =
            |paid, today| payment_status(total, Money::from_cents(paid), day(10), day(today));
        assert_eq!(status(0, 5), PaymentStatus::Unpaid);
        assert_eq!(status(4000, 10), PaymentStatus::PartlyPaid);
        assert_eq!(status(4000, 11), PaymentStatus::Overdue);
        assert_eq!(status(0, 11), PaymentStatus::Overdue);
        assert_eq!(status(8477, 30), PaymentStatus::Paid);
    }
}
