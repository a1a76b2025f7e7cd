//! What must hold after any load, crash or second instance, read straight from the database: no
//! two live blocks of a resource overlap, no session has more seats taken than it has, every
//! booking and sign-up a client was told about (201) is there, in the state last acknowledged.
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use obrador::db::schema::{bookings, enrollments, resource_blocks, training_sessions};
use obrador::db::DbConn;

/// Where a booking is, as a client last saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingState {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub cancelled: bool,
}

/// A booking some client got a 201 for.
#[derive(Debug, Clone)]
pub struct AckedBooking {
    pub id: i64,
    pub resource_id: i64,
    /// The client (its index in the load) that made it.
    pub client: usize,
    /// The state of the last acknowledged create, move or cancel.
    pub state: BookingState,
    /// States a request that got no answer (the server died) may have left it in instead.
    pub maybe: Vec<BookingState>,
}

impl AckedBooking {
    fn allows(&self, actual: &BookingState) -> bool {
        self.state == *actual || self.maybe.contains(actual)
    }
}

/// A sign-up some client got a 201 for.
#[derive(Debug, Clone)]
pub struct AckedEnrollment {
    pub id: i64,
    pub session_id: i64,
    /// Leaving was acknowledged.
    pub left: bool,
    /// Leaving was asked, and no answer came.
    pub maybe_left: bool,
}

/// Everything the clients were told.
#[derive(Debug, Clone, Default)]
pub struct Acknowledged {
    pub bookings: Vec<AckedBooking>,
    pub enrollments: Vec<AckedEnrollment>,
}

/// The rows the invariants are about, as the database holds them.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub live_blocks: Vec<Block>,
    pub bookings: HashMap<i64, BookingRow>,
    pub sessions: Vec<SessionRow>,
    pub enrollments: HashMap<i64, EnrollmentRow>,
}

#[derive(Debug, Clone, Queryable)]
pub struct Block {
    pub id: i64,
    pub resource_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub blocks_until: NaiveDateTime,
    pub booking_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable)]
pub struct BookingRow {
    pub id: i64,
    pub resource_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id: i64,
    pub seats: i32,
    pub taken: i32,
    pub status: String,
}

#[derive(Debug, Clone, Queryable)]
pub struct EnrollmentRow {
    pub id: i64,
    pub session_id: i64,
    pub status: String,
}

/// Reads the database and panics with every violation found (not just the first); what it read.
pub fn assert_invariants(conn: &mut DbConn, acked: &Acknowledged) -> Snapshot {
    let snapshot = Snapshot::read(conn);
    let problems = snapshot.violations(acked);
    assert!(
        problems.is_empty(),
        "{} invariant violations:\n{}",
        problems.len(),
        problems.join("\n")
    );
    snapshot
}

impl std::fmt::Display for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} live blocks, {} bookings, {} sessions, {} sign-ups",
            self.live_blocks.len(),
            self.bookings.len(),
            self.sessions.len(),
            self.enrollments.len()
        )
    }
}

impl Snapshot {
    pub fn read(conn: &mut DbConn) -> Snapshot {
        let live_blocks = resource_blocks::table
            .filter(resource_blocks::status.eq("live"))
            .select((
                resource_blocks::id,
                resource_blocks::resource_id,
                resource_blocks::starts_at,
                resource_blocks::ends_at,
                resource_blocks::blocks_until,
                resource_blocks::booking_id,
            ))
            .load(conn)
            .expect("live blocks");
        let bookings: Vec<BookingRow> = bookings::table
            .select((
                bookings::id,
                bookings::resource_id,
                bookings::starts_at,
                bookings::ends_at,
                bookings::status,
            ))
            .load(conn)
            .expect("bookings");
        let sessions = training_sessions::table
            .select((
                training_sessions::id,
                training_sessions::seats,
                training_sessions::taken,
                training_sessions::status,
            ))
            .load(conn)
            .expect("sessions");
        let enrollments: Vec<EnrollmentRow> = enrollments::table
            .select((
                enrollments::id,
                enrollments::session_id,
                enrollments::status,
            ))
            .load(conn)
            .expect("enrollments");
        Snapshot {
            live_blocks,
            bookings: bookings.into_iter().map(|b| (b.id, b)).collect(),
            sessions,
            enrollments: enrollments.into_iter().map(|e| (e.id, e)).collect(),
        }
    }

    /// Every broken invariant, one line each.
    pub fn violations(&self, acked: &Acknowledged) -> Vec<String> {
        let mut found = self.overlaps();
        found.extend(self.bookings_match_blocks());
        found.extend(self.acknowledged_bookings(acked));
        found.extend(self.seats());
        found.extend(self.acknowledged_enrollments(acked));
        found
    }

    /// Pairs of live blocks of one resource whose `[starts_at, blocks_until)` intersect, found
    /// by a sweep over each resource's blocks in start order.
    fn overlaps(&self) -> Vec<String> {
        let mut by_resource: BTreeMap<i64, Vec<&Block>> = BTreeMap::new();
        for block in &self.live_blocks {
            by_resource
                .entry(block.resource_id)
                .or_default()
                .push(block);
        }
        let mut found = Vec::new();
        for (resource, mut spans) in by_resource {
            spans.sort_by_key(|b| (b.starts_at, b.id));
            // The block reaching furthest so far: any later start before its end overlaps it.
            let mut furthest: Option<&Block> = None;
            for block in spans {
                if let Some(previous) = furthest {
                    if block.starts_at < previous.blocks_until {
                        found.push(format!(
                            "resource {resource}: live blocks {} [{}, {}) and {} [{}, {}) overlap",
                            previous.id,
                            previous.starts_at,
                            previous.blocks_until,
                            block.id,
                            block.starts_at,
                            block.blocks_until
                        ));
                    }
                }
                if furthest.is_none_or(|f| block.blocks_until > f.blocks_until) {
                    furthest = Some(block);
                }
            }
        }
        found
    }

    /// A confirmed booking holds exactly one live block of its machine, for its interval; a
    /// cancelled one holds none.
    fn bookings_match_blocks(&self) -> Vec<String> {
        let mut held: HashMap<i64, Vec<&Block>> = HashMap::new();
        for block in &self.live_blocks {
            let Some(booking) = block.booking_id else {
                continue;
            };
            if self
                .bookings
                .get(&booking)
                .is_some_and(|b| b.resource_id == block.resource_id)
            {
                held.entry(booking).or_default().push(block);
            }
        }
        let mut found = Vec::new();
        for booking in self.bookings.values() {
            let mine = held.get(&booking.id).map(Vec::as_slice).unwrap_or_default();
            let exact = mine
                .iter()
                .filter(|b| b.starts_at == booking.starts_at && b.ends_at == booking.ends_at)
                .count();
            let fine = match booking.status.as_str() {
                "confirmed" => mine.len() == 1 && exact == 1,
                _ => mine.is_empty(),
            };
            if !fine {
                found.push(format!(
                    "{} booking {} [{}, {}) holds {} live blocks of its machine: {mine:?}",
                    booking.status,
                    booking.id,
                    booking.starts_at,
                    booking.ends_at,
                    mine.len()
                ));
            }
        }
        found
    }

    fn acknowledged_bookings(&self, acked: &Acknowledged) -> Vec<String> {
        let mut found = Vec::new();
        for booking in &acked.bookings {
            let Some(row) = self.bookings.get(&booking.id) else {
                found.push(format!(
                    "booking {} was acknowledged (201) but is gone",
                    booking.id
                ));
                continue;
            };
            let actual = BookingState {
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                cancelled: row.status == "cancelled",
            };
            if row.resource_id != booking.resource_id || !booking.allows(&actual) {
                found.push(format!(
                    "booking {} is {actual:?} on resource {}; the client was last told {:?} on \
                     resource {} (or, unanswered, one of {:?})",
                    booking.id, row.resource_id, booking.state, booking.resource_id, booking.maybe
                ));
            }
        }
        found
    }

    /// No session has more people holding a seat than seats; its counter agrees with the people;
    /// and nobody waits while a seat of a scheduled session is free.
    fn seats(&self) -> Vec<String> {
        let mut seated: HashMap<i64, i32> = HashMap::new();
        let mut waiting: HashMap<i64, i32> = HashMap::new();
        for enrollment in self.enrollments.values() {
            let count = match enrollment.status.as_str() {
                "confirmed" | "attended" | "no_show" => &mut seated,
                "waitlisted" => &mut waiting,
                _ => continue,
            };
            *count.entry(enrollment.session_id).or_default() += 1;
        }
        let mut found = Vec::new();
        for session in &self.sessions {
            let (id, seats) = (session.id, session.seats);
            let holding = seated.get(&id).copied().unwrap_or(0);
            let queued = waiting.get(&id).copied().unwrap_or(0);
            let scheduled = session.status == "scheduled";
            if holding > seats {
                found.push(format!(
                    "session {id} is oversold: {holding} people hold its {seats} seats"
                ));
            }
            if scheduled && holding != session.taken {
                found.push(format!(
                    "session {id} counts {} seats taken but {holding} people hold one",
                    session.taken
                ));
            }
            if scheduled && holding < seats && queued > 0 {
                found.push(format!(
                    "session {id} has {} free seats and {queued} people still waiting",
                    seats - holding
                ));
            }
        }
        found
    }

    fn acknowledged_enrollments(&self, acked: &Acknowledged) -> Vec<String> {
        let mut found = Vec::new();
        for enrollment in &acked.enrollments {
            let Some(row) = self.enrollments.get(&enrollment.id) else {
                found.push(format!(
                    "sign-up {} was acknowledged (201) but is gone",
                    enrollment.id
                ));
                continue;
            };
            let cancelled = row.status == "cancelled";
            let active = matches!(row.status.as_str(), "confirmed" | "waitlisted");
            let fits = if enrollment.left {
                cancelled
            } else {
                active || (enrollment.maybe_left && cancelled)
            };
            if row.session_id != enrollment.session_id || !fits {
                found.push(format!(
                    "sign-up {} is {} for session {}; the client was told it is for session {} \
                     and {}",
                    enrollment.id,
                    row.status,
                    row.session_id,
                    enrollment.session_id,
                    if enrollment.left { "left" } else { "active" }
                ));
            }
        }
        found
    }
}
