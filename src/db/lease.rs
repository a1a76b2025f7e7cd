//! Row leases for background jobs: one instance claims a batch of due rows for a while, so that
//! several instances running the same job never work on the same row at once. The claiming SQL
//! differs between the backends, so it lives here once and every job reuses it.
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::{write_tx, DbConn};

/// Which rows to claim, for whom and until when.
///
/// The table needs an `id` (integer primary key), a `lease_owner` (nullable text) and a
/// `lease_until` (nullable timestamp). A row is claimable when `due` holds and it has no lease, or
/// its lease has expired (its owner crashed or gave up): that is how another instance takes over.
#[derive(Debug, Clone, Copy)]
pub struct LeaseClaim<'a> {
    /// A table name from code, never from input.
    pub table: &'static str,
    /// An SQL condition from code that selects due rows; `:now` in it stands for `now`, bound as a
    /// parameter. Example: `status = 'pending' AND next_attempt_at <= :now`.
    pub due: &'static str,
    /// An SQL `ORDER BY` list from code, e.g. `next_attempt_at, id`: the oldest work first.
    pub order_by: &'static str,
    /// At most this many rows per claim.
    pub limit: i64,
    /// The claiming instance (its random instance id).
    pub owner: &'a str,
    /// The clock the lease and `due` are judged by.
    pub now: NaiveDateTime,
    /// How long the claim holds; longer than the work on a whole batch can take.
    pub duration: TimeDelta,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims up to `claim.limit` due, unleased rows for `claim.owner` and returns their ids, sorted.
///
/// Runs its own short write transaction (call it outside any other), so the lease is committed
/// before the work starts and the slow work itself holds no lock. On PostgreSQL the rows are
/// picked `FOR UPDATE SKIP LOCKED`: a concurrent claimer skips rows another one is taking instead
/// of waiting for them, and re-checks a row that was leased meanwhile. On SQLite the write
/// transaction is `BEGIN IMMEDIATE`, which holds the database's single write lock, so claims are
/// simply taken one after the other.
pub fn claim_due(conn: &mut DbConn, claim: &LeaseClaim<'_>) -> QueryResult<Vec<i64>> {
    let until = claim.now + claim.duration;
    let mut ids = write_tx(conn, |conn| -> QueryResult<Vec<i64>> {
        let rows: Vec<Claimed> = match conn {
            DbConn::Pg(c) => diesel::sql_query(postgres_sql(claim))
                .bind::<Text, _>(claim.owner)
                .bind::<Timestamp, _>(until)
                .bind::<Timestamp, _>(claim.now)
                .bind::<BigInt, _>(claim.limit)
                .load(c)?,
            DbConn::Sqlite(c) => diesel::sql_query(sqlite_sql(claim))
                .bind::<Text, _>(claim.owner)
                .bind::<Timestamp, _>(until)
                .bind::<Timestamp, _>(claim.now)
                .bind::<BigInt, _>(claim.limit)
                .load(c)?,
        };
        Ok(rows.into_iter().map(|row| row.id).collect())
    })?;
    ids.sort_unstable();
    Ok(ids)
}

/// Parameters: $1 owner, $2 lease end, $3 now, $4 limit. The CTE is materialised so the locked
/// pick runs exactly once, whatever plan the update gets.
fn postgres_sql(claim: &LeaseClaim<'_>) -> String {
    let LeaseClaim {
        table,
        due,
        order_by,
        ..
    } = claim;
    let due = due.replace(":now", "$3");
    format!(
        "WITH picked AS MATERIALIZED (
             SELECT id FROM {table}
             WHERE ({due}) AND (lease_until IS NULL OR lease_until <= $3)
             ORDER BY {order_by}
             LIMIT $4
             FOR UPDATE SKIP LOCKED)
         UPDATE {table} SET lease_owner = $1, lease_until = $2
         FROM picked WHERE {table}.id = picked.id
         RETURNING {table}.id AS id"
    )
}

/// The same with SQLite's numbered parameters (?1 … ?4 are the same four values).
fn sqlite_sql(claim: &LeaseClaim<'_>) -> String {
    let LeaseClaim {
        table,
        due,
        order_by,
        ..
    } = claim;
    let due = due.replace(":now", "?3");
    format!(
        "UPDATE {table} SET lease_owner = ?1, lease_until = ?2
         WHERE id IN (
             SELECT id FROM {table}
             WHERE ({due}) AND (lease_until IS NULL OR lease_until <= ?3)
             ORDER BY {order_by}
             LIMIT ?4)
         RETURNING id"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim() -> LeaseClaim<'static> {
        LeaseClaim {
            table: "jobs_probe",
            due: "ready AND due_at <= :now",
            order_by: "due_at, id",
            limit: 5,
            owner: "me",
            now: NaiveDateTime::default(),
            duration: TimeDelta::minutes(1),
        }
    }

    #[test]
    fn now_in_the_condition_becomes_the_backends_own_parameter() {
        let pg = postgres_sql(&claim());
        assert!(pg.contains("(ready AND due_at <= $3)"), "{pg}");
        assert!(pg.contains("FOR UPDATE SKIP LOCKED"), "{pg}");
        let sqlite = sqlite_sql(&claim());
        assert!(sqlite.contains("(ready AND due_at <= ?3)"), "{sqlite}");
        assert!(!sqlite.contains(":now") && !pg.contains(":now"));
    }

    #[test]
    fn sqlite_claims_due_unleased_rows_and_skips_live_leases() {
        let mut conn = DbConn::Sqlite(
            diesel::sqlite::SqliteConnection::establish(":memory:").expect("in-memory sqlite"),
        );
        diesel::sql_query(
            "CREATE TABLE jobs_probe (id INTEGER PRIMARY KEY, ready BOOLEAN NOT NULL,
             due_at TIMESTAMP NOT NULL, lease_owner TEXT, lease_until TIMESTAMP)",
        )
        .execute(&mut conn)
        .expect("table");
        diesel::sql_query(
            "INSERT INTO jobs_probe (id, ready, due_at) VALUES
             (1, TRUE, '1970-01-01 00:00:00'), (2, FALSE, '1970-01-01 00:00:00'),
             (3, TRUE, '1970-01-01 00:00:00'), (4, TRUE, '2999-01-01 00:00:00')",
        )
        .execute(&mut conn)
        .expect("rows");
        let first = claim_due(&mut conn, &claim()).expect("claim");
        assert_eq!(first, vec![1, 3]);
        let other = LeaseClaim {
            owner: "other",
            ..claim()
        };
        assert!(claim_due(&mut conn, &other).expect("claim").is_empty());
        let later = LeaseClaim {
            now: claim().now + TimeDelta::minutes(2),
            ..other
        };
        assert_eq!(claim_due(&mut conn, &later).expect("take over"), vec![1, 3]);
    }
}
