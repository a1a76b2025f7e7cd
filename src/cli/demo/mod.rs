//! `obrador demo`: load a realistic demo workshop into the configured database. Idempotent: every
//! item is looked up by a natural key (an email, a tax id) first, so running it again adds only
//! what is missing. Each feature adds its own part here.
mod invoicing;
mod machines;
mod people;
mod training;
mod usage;

use crate::config::Settings;

/// Everyone in the demo signs in with this password.
pub const PASSWORD: &str = "obrador-demo";

pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = super::open(settings)?;
    let summary = people::load(&mut conn)?;
    let workshop = machines::load(&mut conn, settings.timezone()?)?;
    let training = training::load(&mut conn, settings.timezone()?)?;
    let usage = usage::load(&mut conn, settings.timezone()?)?;
    let invoicing = invoicing::load(&mut conn, settings)?;
    println!(
        "Demo workshop loaded into {}.",
        settings.database_url()?.redacted()
    );
    println!(
        "People: {} created, {} already there. Every demo account's password is '{PASSWORD}'.",
        summary.created, summary.existing
    );
    if workshop.machines > 0 {
        println!(
            "Workshop: {} machines in 3 categories, opening hours, a closure, maintenance and {} bookings.",
            workshop.machines, workshop.bookings
        );
    } else {
        println!("Workshop: machines and bookings already there.");
    }
    if training.is_empty() {
        println!("Training: tutors, courses and sessions already there.");
    } else {
        println!(
            "Training: {} tutors, {} courses, {} upcoming sessions with {} sign-ups ({} on a \
             waiting list), {} past sessions with {} attendance records; qualifications granted: {}.",
            training.tutors,
            training.courses,
            training.sessions,
            training.sign_ups,
            training.waiting,
            training.past_sessions,
            training.attendance,
            training.granted
        );
    }
    if usage.is_empty() {
        println!(
            "Usage: last month's usage already there; anomalies to review: {}.",
            usage.anomalies
        );
    } else {
        println!(
            "Usage: {} front-desk and {} staff entries for last month's bookings, {} device \
             events from the laser cutters ({} records), {} walk-ins, {} no-shows, {} \
             correction; anomalies to review: {}.",
            usage.front_desk,
            usage.staff,
            usage.events,
            usage.device_records,
            usage.walk_ins,
            usage.no_shows,
            usage.corrections,
            usage.anomalies
        );
    }
    if invoicing.is_empty() {
        println!(
            "Invoicing: plans, subscriptions and {}'s invoices already there.",
            invoicing.month
        );
    } else {
        println!(
            "Invoicing: {} plans and {} subscriptions; {} drafted, {} invoices issued and mailed, \
             {} left as a draft to review, {} payments, {} credit note.",
            invoicing.plans,
            invoicing.subscriptions,
            invoicing.month,
            invoicing.issued,
            invoicing.drafts,
            invoicing.payments,
            invoicing.credit_notes
        );
    }
    println!("Try: admin@demo.obrador.example (admin), recepcio@demo.obrador.example (staff),");
    println!("     joan.puig@demo.obrador.example (business admin), marta.vidal@demo.obrador.example (member).");
    Ok(())
}
