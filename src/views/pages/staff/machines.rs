//! Staff: the machines with their rates, a form for a new one, and one machine's page — every
//! field, rates and rules included — with its maintenance.
use maud::{html, Markup};

use super::FormError;
use crate::domain::billing::{BillingBasis, BillingIncrement};
use crate::domain::resources::{BookingRules, Resource};
use crate::views::components::{csrf_field, error_summary, notice, select_field, text_field};
use crate::views::layout::{self, Chrome};
use crate::views::pages::machines::basis_words;

/// A machine's fields as the form shows them: stored, defaults, or as typed when refused.
#[derive(Debug, Clone)]
pub struct MachineFields {
    pub name: String,
    pub category_id: String,
    pub description: String,
    pub rate_member: String,
    pub rate_business: String,
    pub rate_public: String,
    pub slot_minutes: String,
    pub min_minutes: String,
    pub max_minutes: String,
    pub horizon_days: String,
    pub notice_minutes: String,
    pub buffer_minutes: String,
    pub required_qualification_id: String,
    pub billing_basis: String,
    pub billing_increment_minutes: String,
    pub minimum_charge: String,
    pub out_of_service: bool,
}

impl MachineFields {
    pub fn of(machine: &Resource) -> MachineFields {
        let rules = &machine.rules;
        MachineFields {
            name: machine.name.clone(),
            category_id: machine
                .category_id
                .map(|c| c.to_string())
                .unwrap_or_default(),
            description: machine.description.clone(),
            rate_member: machine.rates.member.to_string(),
            rate_business: machine.rates.business.to_string(),
            rate_public: machine.rates.public.to_string(),
            slot_minutes: rules.slot_minutes.to_string(),
            min_minutes: rules.min_minutes.to_string(),
            max_minutes: rules.max_minutes.to_string(),
            horizon_days: rules.horizon_days.to_string(),
            notice_minutes: rules.notice_minutes.to_string(),
            buffer_minutes: rules.buffer_minutes.to_string(),
            required_qualification_id: machine
                .required_qualification
                .map(|q| q.to_string())
                .unwrap_or_default(),
            billing_basis: machine.billing_basis.as_str().to_string(),
            billing_increment_minutes: machine.billing_increment.minutes().to_string(),
            minimum_charge: machine.minimum_charge.to_string(),
            out_of_service: machine.out_of_service,
        }
    }

    /// A new machine's starting values: the default rules, no prices yet.
    pub fn new_machine() -> MachineFields {
        let rules = BookingRules::DEFAULT;
        MachineFields {
            name: String::new(),
            category_id: String::new(),
            description: String::new(),
            rate_member: String::new(),
            rate_business: String::new(),
            rate_public: String::new(),
            slot_minutes: rules.slot_minutes.to_string(),
            min_minutes: rules.min_minutes.to_string(),
            max_minutes: rules.max_minutes.to_string(),
            horizon_days: rules.horizon_days.to_string(),
            notice_minutes: rules.notice_minutes.to_string(),
            buffer_minutes: rules.buffer_minutes.to_string(),
            required_qualification_id: String::new(),
            billing_basis: BillingBasis::Booked.as_str().to_string(),
            billing_increment_minutes: "15".into(),
            minimum_charge: "0.00".into(),
            out_of_service: false,
        }
    }
}

/// `(id, name)` choices for the category and qualification selects.
pub struct Choices<'a> {
    pub categories: &'a [(String, String)],
    pub qualifications: &'a [(String, String)],
}

/// A machine in the staff list, with its category's name.
pub struct MachineRow<'a> {
    pub machine: &'a Resource,
    pub category: Option<&'a str>,
}

pub struct MachinesPage<'a> {
    pub machines: &'a [MachineRow<'a>],
    pub choices: Choices<'a>,
    pub new: &'a MachineFields,
    pub error: Option<&'a FormError>,
}

pub fn list(chrome: &Chrome<'_>, data: &MachinesPage<'_>) -> Markup {
    layout::page(
        chrome,
        "Machines",
        html! {
            h1 { "Machines" }
            p.actions { a href="/staff/hours" { "Opening hours and closures" } a href="/staff/qualifications" { "Categories and qualifications" } a href="/machines" { "The public machine list" } }
            @if data.machines.is_empty() {
                p.muted { "No machines yet." }
            } @else {
                table.responsive {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Category" }
                        th scope="col" class="num" { "Member €/h" } th scope="col" class="num" { "Business €/h" }
                        th scope="col" class="num" { "Public €/h" } th scope="col" { "Status" }
                    } }
                    tbody {
                        @for row in data.machines {
                            tr {
                                td data-label="Name" { a href={ "/staff/machines/" (row.machine.id) } { (row.machine.name) } }
                                td data-label="Category" { (row.category.unwrap_or("—")) }
                                td.num data-label="Member €/h" { (row.machine.rates.member) }
                                td.num data-label="Business €/h" { (row.machine.rates.business) }
                                td.num data-label="Public €/h" { (row.machine.rates.public) }
                                td data-label="Status" { @if row.machine.out_of_service { "out of service" } @else { "in service" } }
                            }
                        }
                    }
                }
            }
            section {
                h2 { "New machine" }
                (machine_form(chrome.csrf, "/staff/machines", data.new, &data.choices, data.error, "Add the machine"))
            }
        },
    )
}

/// Upcoming maintenance, already in local time.
pub struct MaintenanceLine {
    pub when: String,
}

/// The maintenance form's values as typed.
#[derive(Debug, Default)]
pub struct MaintenanceFields {
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub reason: String,
}

pub struct MachinePage<'a> {
    pub machine: &'a Resource,
    pub fields: &'a MachineFields,
    pub choices: Choices<'a>,
    pub maintenance: &'a [MaintenanceLine],
    pub maintenance_fields: &'a MaintenanceFields,
    pub notice: Option<&'a str>,
    pub error: Option<&'a FormError>,
    pub maintenance_error: Option<&'a FormError>,
    pub tz: &'a str,
}

pub fn edit(chrome: &Chrome<'_>, data: &MachinePage<'_>) -> Markup {
    let machine = data.machine;
    let action = format!("/staff/machines/{}", machine.id);
    layout::page(
        chrome,
        &machine.name,
        html! {
            p { a href="/staff/machines" { "← All machines" } }
            h1 { (machine.name) }
            (notice(data.notice))
            p.actions {
                a href={ "/machines/" (machine.id) } { "Its week" }
                a href={ "/staff/audit?object_type=resource&object_id=" (machine.id) } { "History of this machine" }
            }
            (machine_form(chrome.csrf, &action, data.fields, &data.choices, data.error, "Save changes"))
            section {
                h2 #maintenance { "Maintenance" }
                @if data.maintenance.is_empty() {
                    p.muted { "No maintenance in the next weeks." }
                } @else {
                    ul { @for line in data.maintenance { li { (line.when) } } }
                }
                (maintenance_form(chrome.csrf, &action, data.maintenance_fields, data.maintenance_error, data.tz))
            }
        },
    )
}

fn machine_form(
    csrf: &str,
    action: &str,
    fields: &MachineFields,
    choices: &Choices<'_>,
    error: Option<&FormError>,
    button: &str,
) -> Markup {
    let on = |field| FormError::for_field(error, field);
    let pairs = |list: &'static str, items: &[(String, String)]| -> Vec<(String, String)> {
        std::iter::once((String::new(), list.to_string()))
            .chain(items.iter().cloned())
            .collect()
    };
    let categories = pairs("No category", choices.categories);
    let qualifications = pairs("None needed", choices.qualifications);
    let bases: Vec<(String, String)> = BillingBasis::ALL
        .iter()
        .map(|b| (b.as_str().to_string(), format!("By {}", basis_words(*b))))
        .collect();
    let increments: Vec<(String, String)> = BillingIncrement::ALLOWED
        .iter()
        .map(|m| (m.to_string(), format!("{m} min")))
        .collect();
    html! {
        (error_summary(error.map(|e| e.message.as_str())))
        form.stack method="post" action=(action) {
            (csrf_field(csrf))
            (text_field("Name", "name", "text", &fields.name, on("name")))
            (select("Category", "category_id", &categories, &fields.category_id))
            label for="f-description" {
                "Description"
                textarea id="f-description" name="description" rows="3" { (fields.description) }
            }
            fieldset {
                legend { "Hourly rates, € without VAT" }
                (text_field("Member", "rate_member", "text", &fields.rate_member, on("rate_member")))
                (text_field("Business", "rate_business", "text", &fields.rate_business, on("rate_business")))
                (text_field("Public", "rate_public", "text", &fields.rate_public, on("rate_public")))
            }
            fieldset {
                legend { "Booking rules" }
                (text_field("Slot grid, minutes", "slot_minutes", "number", &fields.slot_minutes, on("slot_minutes")))
                (text_field("Shortest booking, minutes", "min_minutes", "number", &fields.min_minutes, on("min_minutes")))
                (text_field("Longest booking, minutes", "max_minutes", "number", &fields.max_minutes, on("max_minutes")))
                (text_field("Bookable this many days ahead", "horizon_days", "number", &fields.horizon_days, on("horizon_days")))
                (text_field("Minimum notice, minutes", "notice_minutes", "number", &fields.notice_minutes, on("notice_minutes")))
                (text_field("Kept free after each booking, minutes", "buffer_minutes", "number", &fields.buffer_minutes, on("buffer_minutes")))
                (select("Required qualification", "required_qualification_id", &qualifications, &fields.required_qualification_id))
            }
            fieldset {
                legend { "Billing" }
                (select("Billed", "billing_basis", &bases, &fields.billing_basis))
                (select("Rounded up to", "billing_increment_minutes", &increments, &fields.billing_increment_minutes))
                (text_field("Minimum charge, €", "minimum_charge", "text", &fields.minimum_charge, on("minimum_charge")))
            }
            label.check for="f-out_of_service" {
                input type="checkbox" id="f-out_of_service" name="out_of_service" value="yes" checked[fields.out_of_service];
                "Out of service (cannot be booked)"
            }
            button type="submit" { (button) }
        }
    }
}

/// `select_field` over owned pairs.
fn select(label: &str, name: &str, options: &[(String, String)], selected: &str) -> Markup {
    let borrowed: Vec<(&str, &str)> = options
        .iter()
        .map(|(v, l)| (v.as_str(), l.as_str()))
        .collect();
    select_field(label, name, &borrowed, selected)
}

fn maintenance_form(
    csrf: &str,
    machine_action: &str,
    fields: &MaintenanceFields,
    error: Option<&FormError>,
    tz: &str,
) -> Markup {
    let on = |field| FormError::for_field(error, field);
    html! {
        (error_summary(error.map(|e| e.message.as_str())))
        form.stack method="post" action={ (machine_action) "/maintenance" } {
            (csrf_field(csrf))
            p.muted { "Local time (" (tz) "). Bookings in that time must be moved first." }
            (text_field("From date", "start_date", "date", &fields.start_date, on("start_date")))
            (text_field("From time", "start_time", "time", &fields.start_time, on("start_time")))
            (text_field("Until date", "end_date", "date", &fields.end_date, on("end_date")))
            (text_field("Until time", "end_time", "time", &fields.end_time, on("end_time")))
            (text_field("Reason", "reason", "text", &fields.reason, on("reason")))
            button type="submit" { "Schedule maintenance" }
        }
    }
}
