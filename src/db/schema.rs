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
diesel::allow_tables_to_appear_in_same_query!(customers, users, api_tokens, sessions);

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
