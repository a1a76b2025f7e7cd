//! The tables, as diesel sees them (one `table!` per table; written by hand to match both
//! `migrations/sqlite` and `migrations/postgres`).

diesel::table! {
    /// Named gapless counters (invoice numbers and the like).
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        kind -> Text,
        legal_name -> Text,
        tax_id -> Nullable<Text>,
        address -> Text,
        billing_email -> Nullable<Text>,
        price_category -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        customer_id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        calendar_secret -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        hint -> Text,
        resource_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<BigInt>,
        changes -> Text,
    }
}

diesel::joinable!(users -> customers (customer_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    /// Outgoing mail: enqueued by services, delivered by the mail sender job under a lease.
    outbox (id) {
        id -> BigInt,
        key -> Text,
        message_id -> Text,
        recipient -> Text,
        subject -> Text,
        message -> Binary,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    machine_categories (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
    }
}

diesel::table! {
    qualifications (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        valid_months -> Nullable<Integer>,
    }
}

diesel::table! {
    user_qualifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        qualification_id -> BigInt,
        granted_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    resources (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        category_id -> Nullable<BigInt>,
        description -> Text,
        rate_member_cents -> BigInt,
        rate_business_cents -> BigInt,
        rate_public_cents -> BigInt,
        slot_minutes -> Integer,
        min_minutes -> Integer,
        max_minutes -> Integer,
        horizon_days -> Integer,
        notice_minutes -> Integer,
        buffer_minutes -> Integer,
        required_qualification_id -> Nullable<BigInt>,
        billing_basis -> Text,
        billing_increment_minutes -> Integer,
        minimum_charge_cents -> BigInt,
        out_of_service -> Bool,
        active -> Bool,
        calendar_secret -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        tutor_user_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    opening_hours (id) {
        id -> BigInt,
        weekday -> Integer,
        opens_minute -> Integer,
        closes_minute -> Integer,
    }
}

diesel::table! {
    closures (id) {
        id -> BigInt,
        first_day -> Date,
        last_day -> Date,
        reason -> Text,
    }
}

diesel::table! {
    booking_series (id) {
        id -> BigInt,
        customer_id -> BigInt,
        user_id -> BigInt,
        resource_id -> BigInt,
        weeks -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookings (id) {
        id -> BigInt,
        customer_id -> BigInt,
        user_id -> BigInt,
        resource_id -> BigInt,
        series_id -> Nullable<BigInt>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        price_category -> Text,
        rate_cents -> BigInt,
        sequence -> Integer,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        tutor_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    maintenance_windows (id) {
        id -> BigInt,
        resource_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    resource_blocks (id) {
        id -> BigInt,
        resource_id -> BigInt,
        kind -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        blocks_until -> Timestamp,
        status -> Text,
        booking_id -> Nullable<BigInt>,
        maintenance_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        session_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    charges (id) {
        id -> BigInt,
        customer_id -> BigInt,
        user_id -> Nullable<BigInt>,
        kind -> Text,
        source_type -> Text,
        source_id -> BigInt,
        revision -> Integer,
        service_date -> Date,
        description -> Text,
        quantity -> BigInt,
        unit_price_cents -> BigInt,
        price_category -> Text,
        vat_category -> Text,
        machine_category_id -> Nullable<BigInt>,
        deferred_to_month -> Nullable<Text>,
        created_at -> Timestamp,
        invoice_line_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(bookings -> resources (resource_id));
diesel::joinable!(resource_blocks -> resources (resource_id));
diesel::joinable!(resources -> machine_categories (category_id));
diesel::joinable!(user_qualifications -> qualifications (qualification_id));
diesel::allow_tables_to_appear_in_same_query!(
    bookings,
    resources,
    resource_blocks,
    machine_categories,
    qualifications,
    user_qualifications,
    users,
    customers,
    api_tokens,
    sessions,
    courses,
    training_sessions,
    session_machines,
    enrollments,
    tutor_courses,
    charges,
    usage_records,
    usage_events,
    booking_settlements,
    invoices,
    invoice_lines,
    chain_head,
    payments,
    plans,
    plan_included_hours,
    subscriptions,
    payment_reminders,
);

diesel::table! {
    /// One-time links to choose a new password; only a SHA-256 of each secret is kept.
    password_resets (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Reminder mails due before bookings, claimed by the reminder job under a lease.
    booking_reminders (id) {
        id -> BigInt,
        booking_id -> BigInt,
        due_at -> Timestamp,
        status -> Text,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// What a tutor teaches: machine categories (courses come with training).
    tutor_skills (id) {
        id -> BigInt,
        tutor_id -> BigInt,
        category_id -> Nullable<BigInt>,
        course_name -> Nullable<Text>,
    }
}

diesel::table! {
    /// A tutor's weekly local availability, minutes from midnight, weekday 0 = Monday.
    tutor_availability (id) {
        id -> BigInt,
        tutor_id -> BigInt,
        weekday -> Integer,
        opens_minute -> Integer,
        closes_minute -> Integer,
    }
}

diesel::table! {
    tutor_time_off (id) {
        id -> BigInt,
        tutor_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        reason -> Text,
    }
}

diesel::table! {
    courses (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        qualification_id -> Nullable<BigInt>,
        free_cancel_hours -> Integer,
        late_cancel_percent -> Integer,
        no_show_fee_cents -> BigInt,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// One date of a course; `taken` counts confirmed seats and only moves by guarded updates.
    training_sessions (id) {
        id -> BigInt,
        course_id -> BigInt,
        tutor_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        seats -> Integer,
        taken -> Integer,
        seat_member_cents -> BigInt,
        seat_business_cents -> BigInt,
        seat_public_cents -> BigInt,
        status -> Text,
        sequence -> Integer,
        note -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    session_machines (session_id, resource_id) {
        session_id -> BigInt,
        resource_id -> BigInt,
    }
}

diesel::table! {
    enrollments (id) {
        id -> BigInt,
        session_id -> BigInt,
        customer_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        price_category -> Text,
        seat_price_cents -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tutor_courses (tutor_id, course_id) {
        tutor_id -> BigInt,
        course_id -> BigInt,
    }
}

diesel::joinable!(training_sessions -> courses (course_id));
diesel::joinable!(enrollments -> training_sessions (session_id));
diesel::joinable!(enrollments -> users (user_id));

diesel::table! {
    /// Who used which resource from when to when; open until it has an end.
    usage_records (id) {
        id -> BigInt,
        resource_id -> BigInt,
        customer_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        booking_id -> Nullable<BigInt>,
        source -> Text,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        status -> Text,
        revision -> Integer,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Device events as received, unique by the device's event id.
    usage_events (id) {
        id -> BigInt,
        event_id -> Text,
        resource_id -> BigInt,
        kind -> Text,
        at -> Timestamp,
        customer_id -> Nullable<BigInt>,
        token_id -> Nullable<BigInt>,
        received_at -> Timestamp,
        usage_id -> Nullable<BigInt>,
        dismissed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Each confirmed booking settled once after it ends: used, or a no-show.
    booking_settlements (id) {
        id -> BigInt,
        booking_id -> BigInt,
        due_at -> Timestamp,
        status -> Text,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Invoices and credit notes: drafts while staff review them, then issued and immutable.
    invoices (id) {
        id -> BigInt,
        kind -> Text,
        status -> Text,
        customer_id -> BigInt,
        month -> Text,
        corrects_id -> Nullable<BigInt>,
        notes -> Text,
        series -> Nullable<Text>,
        number -> Nullable<Text>,
        issue_date -> Nullable<Date>,
        due_date -> Nullable<Date>,
        supplier_name -> Nullable<Text>,
        supplier_tax_id -> Nullable<Text>,
        supplier_address -> Nullable<Text>,
        customer_name -> Nullable<Text>,
        customer_tax_id -> Nullable<Text>,
        customer_address -> Nullable<Text>,
        net_cents -> Nullable<BigInt>,
        vat_cents -> Nullable<BigInt>,
        total_cents -> Nullable<BigInt>,
        chain_position -> Nullable<BigInt>,
        previous_hash -> Nullable<Text>,
        record_hash -> Nullable<Text>,
        content_digest -> Nullable<Text>,
        generated_at -> Nullable<Text>,
        pdf -> Nullable<Binary>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        issued_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invoice_lines (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        position -> Integer,
        charge_id -> Nullable<BigInt>,
        service_date -> Date,
        description -> Text,
        unit -> Text,
        quantity -> BigInt,
        unit_price_cents -> BigInt,
        vat_category -> Text,
        vat_rate -> Text,
        net_cents -> BigInt,
        edited -> Bool,
    }
}

diesel::table! {
    /// The single head of the documents' integrity chain.
    chain_head (id) {
        id -> BigInt,
        position -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        paid_on -> Date,
        amount_cents -> BigInt,
        method -> Text,
        reference -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> BigInt,
        name -> Text,
        monthly_fee_cents -> BigInt,
        discount_percent -> Integer,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    plan_included_hours (plan_id, category_id) {
        plan_id -> BigInt,
        category_id -> BigInt,
        minutes -> Integer,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> BigInt,
        customer_id -> BigInt,
        plan_id -> BigInt,
        first_month -> Text,
        last_month -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Payment reminders of overdue invoices, one row per invoice and number, claimed by the
    /// overdue job under a lease.
    payment_reminders (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        number -> Integer,
        due_at -> Timestamp,
        status -> Text,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(invoice_lines -> invoices (invoice_id));
diesel::joinable!(payments -> invoices (invoice_id));
