//! The tables, as diesel sees them (one `table!` per table; written by hand to match both
//! `migrations/sqlite` and `migrations/postgres`).

diesel::table! {
    /// Named gapless counters (invoice numbers and the like).
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}
