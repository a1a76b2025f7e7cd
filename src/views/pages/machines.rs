//! The public machine list and a machine's week: what each machine costs, its rules in words, and
//! which slots are free, busy or closed — said in text, never by colour alone.
use maud::{html, Markup};

use crate::domain::billing::BillingBasis;
use crate::domain::resources::{BookingRules, Resource};
use crate::views::layout::{self, Chrome};

/// A machine with the names of its category and required qualification looked up.
pub struct MachineCard<'a> {
    pub machine: &'a Resource,
    pub category: Option<&'a str>,
    pub qualification: Option<&'a str>,
}

pub fn list(chrome: &Chrome<'_>, machines: &[MachineCard<'_>]) -> Markup {
    layout::page(
        chrome,
        "Machines",
        html! {
            h1 { "Machines" }
            p.lead { "Prices are per hour, VAT excluded. Open a machine to see its free time this week and book it." }
            @if machines.is_empty() {
                p.muted { "No machines yet." }
            }
            @for card in machines {
                article.machine {
                    h2 { a href={ "/machines/" (card.machine.id) } { (card.machine.name) } }
                    (facts(card))
                }
            }
        },
    )
}

/// Category, description, prices and rules of one machine.
fn facts(card: &MachineCard<'_>) -> Markup {
    let machine = card.machine;
    html! {
        @if machine.out_of_service {
            p.out-of-service { strong { "Out of service" } ": it cannot be booked for now." }
        }
        @if let Some(category) = card.category { p.muted { "Category: " (category) } }
        @if !machine.description.is_empty() { p { (machine.description) } }
        (rates_table(machine))
        ul.rules {
            @for rule in rules_in_words(&machine.rules) { li { (rule) } }
            li { (billing_in_words(machine)) }
            @if let Some(name) = card.qualification {
                li { strong { "Needs the qualification " (name) "." } }
            }
        }
    }
}

fn rates_table(machine: &Resource) -> Markup {
    html! {
        table.rates {
            caption.skip { "Hourly rates of " (machine.name) }
            thead { tr { th scope="col" { "Member" } th scope="col" { "Business" } th scope="col" { "Public" } } }
            tbody {
                tr {
                    td.num { (machine.rates.member) " €/h" }
                    td.num { (machine.rates.business) " €/h" }
                    td.num { (machine.rates.public) " €/h" }
                }
            }
        }
    }
}

/// A length in minutes as people say it: "30 min", "1 h", "1 h 30 min".
pub fn duration_words(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// A machine's booking rules as sentences.
pub fn rules_in_words(rules: &BookingRules) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Book in steps of {}, from {} to {}.",
            duration_words(rules.slot_minutes),
            duration_words(rules.min_minutes),
            duration_words(rules.max_minutes)
        ),
        if rules.notice_minutes > 0 {
            format!(
                "Book up to {} days ahead and at least {} before the start.",
                rules.horizon_days,
                duration_words(rules.notice_minutes)
            )
        } else {
            format!("Book up to {} days ahead.", rules.horizon_days)
        },
    ];
    if rules.buffer_minutes > 0 {
        lines.push(format!(
            "{} is kept free after each booking.",
            duration_words(rules.buffer_minutes)
        ));
    }
    lines
}

pub fn basis_words(basis: BillingBasis) -> &'static str {
    match basis {
        BillingBasis::Booked => "the booked time",
        BillingBasis::Actual => "the time actually used",
        BillingBasis::Max => "the booked or the used time, whichever is longer",
    }
}

pub fn billing_in_words(machine: &Resource) -> String {
    let mut line = format!(
        "Billed by {}, rounded up to {}",
        basis_words(machine.billing_basis),
        duration_words(machine.billing_increment.minutes())
    );
    if machine.minimum_charge.cents() > 0 {
        line.push_str(&format!("; minimum charge {} €", machine.minimum_charge));
    }
    line.push('.');
    line
}

/// What one slot of the week is, for the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Free: a link to the booking form with this start filled in.
    Free {
        href: String,
        label: String,
    },
    Busy,
    Maintenance,
    Closed,
    Past,
    /// Free, but inside the machine's minimum notice.
    TooSoon,
    /// Free, but beyond how far ahead the machine can be booked.
    NotYetOpen,
    /// A local time the clocks skip that night.
    Skipped,
}

pub struct WeekDay {
    pub label: String,
    /// Why the workshop is closed that day, if it is.
    pub closure: Option<String>,
}

pub struct WeekRow {
    pub time: String,
    pub slots: Vec<Slot>,
}

pub struct WeekPage<'a> {
    pub card: MachineCard<'a>,
    /// "22 – 28 March 2027".
    pub week: String,
    pub days: Vec<WeekDay>,
    pub rows: Vec<WeekRow>,
    pub previous: String,
    pub next: String,
    pub this_week: String,
    pub tz: &'a str,
}

pub fn week(chrome: &Chrome<'_>, data: &WeekPage<'_>) -> Markup {
    let machine = data.card.machine;
    layout::page(
        chrome,
        &machine.name,
        html! {
            p { a href="/machines" { "← All machines" } }
            h1 { (machine.name) }
            (facts(&data.card))
            h2 #week { "Week of " (data.week) }
            nav.week-nav aria-label="Weeks" {
                a href=(data.previous) rel="prev" { "← Previous week" }
                a href=(data.this_week) { "This week" }
                a href=(data.next) rel="next" { "Next week →" }
            }
            @if chrome.user.is_none() {
                p.muted { "Sign in to book: choose a free slot and you will be asked to sign in first." }
            }
            (week_table(data))
            p.muted { "Times are local (" (data.tz) "). Choose a free slot to book from that time." }
        },
    )
}

fn week_table(data: &WeekPage<'_>) -> Markup {
    html! {
        @if data.rows.is_empty() {
            p { "The workshop is closed all this week." }
        } @else {
            div.scroll role="region" aria-labelledby="week" tabindex="0" {
                table.week {
                    caption.skip { "Free and busy time of " (data.card.machine.name) ", week of " (data.week) }
                    thead {
                        tr {
                            th scope="col" { "Time" }
                            @for day in &data.days {
                                th scope="col" {
                                    (day.label)
                                    @if let Some(reason) = &day.closure {
                                        br; span.closure { "Closed: " (reason) }
                                    }
                                }
                            }
                        }
                    }
                    tbody {
                        @for row in &data.rows {
                            tr {
                                th scope="row" { (row.time) }
                                @for slot in &row.slots { (slot_cell(slot)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn slot_cell(slot: &Slot) -> Markup {
    let (class, text) = match slot {
        Slot::Free { href, label } => {
            return html! { td.free { a href=(href) aria-label=(label) { "free" } } }
        }
        Slot::Busy => ("busy", "busy"),
        Slot::Maintenance => ("busy", "maintenance"),
        Slot::Closed => ("closed", "closed"),
        Slot::Past => ("past", "past"),
        Slot::TooSoon => ("past", "too soon"),
        Slot::NotYetOpen => ("closed", "not yet open"),
        Slot::Skipped => ("closed", "no such time"),
    };
    html! { td class=(class) { (text) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_rules_read_as_words() {
        assert_eq!(duration_words(30), "30 min");
        assert_eq!(duration_words(60), "1 h");
        assert_eq!(duration_words(90), "1 h 30 min");
        let rules = BookingRules {
            notice_minutes: 120,
            buffer_minutes: 15,
            ..BookingRules::DEFAULT
        };
        assert_eq!(
            rules_in_words(&rules),
            [
                "Book in steps of 30 min, from 30 min to 8 h.",
                "Book up to 60 days ahead and at least 2 h before the start.",
                "15 min is kept free after each booking.",
            ]
        );
    }
}
