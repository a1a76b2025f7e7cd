//! The soak load: many clients at once book, move and cancel machine time and sign up for and
//! leave training sessions over the API, each remembering what it was acknowledged, for the
//! invariant checker. Used by the soak, crash and scale-out tests.
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use obrador::domain::Role;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, Method};
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::invariants::{AckedBooking, AckedEnrollment, Acknowledged, BookingState};
use super::{rfc, weekday_at, TestApp};

/// Bookings start on this grid…
const SLOT_MINUTES: i64 = 30;
/// …in the 12 hours from 09:00, on two days.
const SLOTS_PER_DAY: i64 = 24;
const DAYS: i64 = 2;
/// A client holds at most this many live bookings; then it moves or cancels instead.
const MAX_LIVE: usize = 4;
/// No request may take longer than this, or the test fails instead of hanging.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
/// On a slow machine a short load may not have had every kind of operation acknowledged yet: it
/// goes on until it has, for at most this much longer.
const COVERAGE_GRACE: Duration = Duration::from_secs(60);

/// What the load works on: a few machines and training sessions, one member per client.
pub struct Workshop {
    pub machines: Vec<i64>,
    pub sessions: Vec<i64>,
    /// One API token per client, each a member of their own.
    pub tokens: Vec<String>,
    first_slot: DateTime<Utc>,
}

impl TestApp {
    /// Three machines, three sessions of three seats, and `clients` members.
    pub fn soak_workshop(&self, clients: usize) -> Workshop {
        let machines = (1..=3)
            .map(|i| self.machine(&format!("Soak machine {i}"), |_| {}).id.get())
            .collect();
        let course = self.course("Soak course");
        let sessions = [9, 13, 17]
            .into_iter()
            .map(|hour| self.session(&course, weekday_at(6, hour), 3).id.get())
            .collect();
        let tokens = (0..clients)
            .map(|_| self.token(&self.user(Role::Member, None)))
            .collect();
        Workshop {
            machines,
            sessions,
            tokens,
            first_slot: weekday_at(3, 9),
        }
    }
}

/// A number from the environment (`SOAK_SECONDS`, `SOAK_CLIENTS`…), or `default`.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed of a run: `SOAK_SEED`, or a new one, printed so that a failing run can be repeated.
pub fn seed() -> u64 {
    let seed = setting("SOAK_SEED", rand::random());
    eprintln!("load seed {seed} (SOAK_SEED)");
    seed
}

/// Where and how long the load runs.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Base addresses of the servers; each request goes to one of them at random.
    pub servers: Vec<String>,
    /// The load stops by itself after this long, once every kind of operation was acknowledged.
    pub duration: Duration,
    pub seed: u64,
    /// A server is going to be killed: a request without an answer ends that client, and what it
    /// asked is remembered as possibly done. Otherwise such a request fails the test.
    pub crash_expected: bool,
}

/// The running load.
pub struct Load {
    shared: Arc<Shared>,
    acks: watch::Receiver<usize>,
    clients: Vec<JoinHandle<ClientLog>>,
    started: Instant,
}

/// What the whole load did and was told.
pub struct Finished {
    pub acked: Acknowledged,
    pub stats: Stats,
    /// Answers no client should ever get (5xx, an unexpected 4xx, no answer without a crash).
    pub unexpected: Vec<String>,
}

/// Counts per operation: acknowledged, refused (409), and all requests; latencies.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub ops: [OpStats; 5],
    pub latencies_us: Vec<u64>,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct OpStats {
    pub sent: usize,
    pub acknowledged: usize,
    pub refused: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Book = 0,
    Move = 1,
    Cancel = 2,
    SignUp = 3,
    Leave = 4,
}

const OP_NAMES: [&str; 5] = ["book", "move", "cancel", "sign up", "leave"];

impl Stats {
    pub fn acknowledged(&self, op: usize) -> usize {
        self.ops[op].acknowledged
    }

    pub fn requests(&self) -> usize {
        self.ops.iter().map(|o| o.sent).sum()
    }

    fn merge(&mut self, other: &Stats) {
        for (mine, theirs) in self.ops.iter_mut().zip(other.ops.iter()) {
            mine.sent += theirs.sent;
            mine.acknowledged += theirs.acknowledged;
            mine.refused += theirs.refused;
        }
        self.latencies_us.extend_from_slice(&other.latencies_us);
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        Duration::from_micros(sorted.get(index).copied().unwrap_or(0))
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.elapsed.as_secs_f64().max(0.001);
        write!(
            f,
            "{} requests in {:.1} s ({:.0}/s; p50 {:?}, p99 {:?}, max {:?});",
            self.requests(),
            seconds,
            self.requests() as f64 / seconds,
            self.percentile(0.5),
            self.percentile(0.99),
            self.percentile(1.0)
        )?;
        for (name, op) in OP_NAMES.iter().zip(self.ops.iter()) {
            write!(
                f,
                " {name}: {} ok / {} taken / {} sent;",
                op.acknowledged, op.refused, op.sent
            )?;
        }
        Ok(())
    }
}

/// Names the operations for `Stats::acknowledged`.
pub const BOOK: usize = Op::Book as usize;
pub const MOVE: usize = Op::Move as usize;
pub const CANCEL: usize = Op::Cancel as usize;
pub const SIGN_UP: usize = Op::SignUp as usize;
pub const LEAVE: usize = Op::Leave as usize;

impl Load {
    /// Starts one task per client of the workshop.
    pub fn start(workshop: &Workshop, options: &LoadOptions) -> Load {
        assert!(!options.servers.is_empty(), "the load needs a server");
        let (acks_tx, acks) = watch::channel(0usize);
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            covered: AtomicU8::new(0),
            acks: acks_tx,
            deadline: Instant::now() + options.duration,
        });
        let http = Client::builder()
            .timeout(REQUEST_LIMIT)
            .build()
            .expect("http client");
        let clients = (0..workshop.tokens.len())
            .map(|index| {
                let client = LoadClient {
                    index,
                    token: workshop.tokens[index].clone(),
                    machines: workshop.machines.clone(),
                    sessions: workshop.sessions.clone(),
                    first_slot: workshop.first_slot,
                    servers: options.servers.clone(),
                    http: http.clone(),
                    rng: StdRng::seed_from_u64(
                        options.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    ),
                    crash_expected: options.crash_expected,
                    log: ClientLog::default(),
                };
                tokio::spawn(client.run(shared.clone()))
            })
            .collect();
        Load {
            shared,
            acks,
            clients,
            started: Instant::now(),
        }
    }

    /// Waits until the clients have been acknowledged `count` writes in all (failing the test
    /// after a minute).
    pub async fn wait_for_acks(&mut self, count: usize) {
        let reached = tokio::time::timeout(Duration::from_secs(60), async {
            self.acks.wait_for(|n| *n >= count).await.is_ok()
        })
        .await
        .unwrap_or(false);
        assert!(
            reached,
            "the load reached {} of {count} acknowledged writes",
            *self.acks.borrow()
        );
    }

    /// Asks every client to stop after its current request.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }

    /// Waits for every client to end; what they did and were told.
    pub async fn finish(self) -> Finished {
        let mut finished = Finished {
            acked: Acknowledged::default(),
            stats: Stats::default(),
            unexpected: Vec::new(),
        };
        for client in self.clients {
            let log = client.await.expect("load client");
            finished.acked.bookings.extend(log.bookings);
            finished.acked.enrollments.extend(log.enrollments);
            finished.stats.merge(&log.stats);
            finished.unexpected.extend(log.unexpected);
        }
        finished.stats.elapsed = self.started.elapsed();
        finished
    }
}

#[derive(Default)]
struct ClientLog {
    bookings: Vec<AckedBooking>,
    enrollments: Vec<AckedEnrollment>,
    stats: Stats,
    unexpected: Vec<String>,
}

struct LoadClient {
    index: usize,
    token: String,
    machines: Vec<i64>,
    sessions: Vec<i64>,
    first_slot: DateTime<Utc>,
    servers: Vec<String>,
    http: Client,
    rng: StdRng,
    crash_expected: bool,
    log: ClientLog,
}

/// What the clients share: when to stop, which operations were acknowledged at least once (a bit
/// each), and how many writes were acknowledged in all.
struct Shared {
    stop: AtomicBool,
    covered: AtomicU8,
    acks: watch::Sender<usize>,
    deadline: Instant,
}

impl Shared {
    fn go_on(&self) -> bool {
        let now = Instant::now();
        let covered = self.covered.load(Ordering::SeqCst) == (1 << OP_NAMES.len()) - 1;
        !self.stop.load(Ordering::SeqCst)
            && (now < self.deadline || (!covered && now < self.deadline + COVERAGE_GRACE))
    }

    fn acknowledged(&self, op: Op) {
        self.covered.fetch_or(1 << op as u8, Ordering::SeqCst);
        self.acks.send_modify(|n| *n += 1);
    }
}

/// The answer to one request: its status and body, or no answer at all.
type Answer = Option<(u16, Value)>;

impl LoadClient {
    async fn run(mut self, shared: Arc<Shared>) -> ClientLog {
        while shared.go_on() {
            let (op, acknowledged, answered) = self.step().await;
            let stats = &mut self.log.stats.ops[op as usize];
            stats.sent += 1;
            if acknowledged {
                stats.acknowledged += 1;
                shared.acknowledged(op);
            }
            if !answered {
                // The server is gone: what was asked stays possibly done, and this client ends.
                break;
            }
        }
        self.log
    }

    fn live_bookings(&self) -> Vec<usize> {
        (0..self.log.bookings.len())
            .filter(|i| !self.log.bookings[*i].state.cancelled)
            .collect()
    }

    fn active_enrollments(&self) -> Vec<usize> {
        (0..self.log.enrollments.len())
            .filter(|i| !self.log.enrollments[*i].left)
            .collect()
    }

    /// Picks an operation that makes sense for what this client holds, and does it; whether it
    /// was acknowledged and whether any answer came.
    async fn step(&mut self) -> (Op, bool, bool) {
        let live = self.live_bookings();
        let active = self.active_enrollments();
        let open: Vec<i64> = self
            .sessions
            .iter()
            .copied()
            .filter(|s| {
                !active
                    .iter()
                    .any(|i| self.log.enrollments[*i].session_id == *s)
            })
            .collect();
        let roll = self.rng.random_range(0..100);
        let op = match roll {
            0..35 if live.len() < MAX_LIVE => Op::Book,
            0..55 if !live.is_empty() => Op::Move,
            0..70 if !live.is_empty() => Op::Cancel,
            70..88 if !open.is_empty() => Op::SignUp,
            70..100 if !active.is_empty() => Op::Leave,
            _ if live.len() < MAX_LIVE => Op::Book,
            _ => Op::Cancel,
        };
        let mut pick = |from: &[usize]| from[self.rng.random_range(0..from.len().max(1))];
        let (acknowledged, answered) = match op {
            Op::Book => self.book().await,
            Op::Move => {
                let booking = pick(&live);
                self.move_one(booking).await
            }
            Op::Cancel => {
                let booking = pick(&live);
                self.cancel(booking).await
            }
            Op::SignUp => {
                let session = open[self.rng.random_range(0..open.len())];
                self.sign_up(session).await
            }
            Op::Leave => {
                let enrollment = pick(&active);
                self.leave(enrollment).await
            }
        };
        (op, acknowledged, answered)
    }

    /// A random interval on the grid: 30 minutes to 2 hours.
    fn interval(&mut self) -> (DateTime<Utc>, DateTime<Utc>) {
        let day = self.rng.random_range(0..DAYS);
        let slot = self.rng.random_range(0..SLOTS_PER_DAY - 1);
        let length = self.rng.random_range(1..=4).min(SLOTS_PER_DAY - slot);
        let start = self.first_slot
            + chrono::Duration::days(day)
            + chrono::Duration::minutes(SLOT_MINUTES * slot);
        (
            start,
            start + chrono::Duration::minutes(SLOT_MINUTES * length),
        )
    }

    async fn book(&mut self) -> (bool, bool) {
        let resource = self.machines[self.rng.random_range(0..self.machines.len())];
        let (start, end) = self.interval();
        let body = json!({"resource_id": resource, "starts_at": rfc(start), "ends_at": rfc(end)});
        let answer = self
            .send(Method::POST, "/api/v1/bookings", Some(body))
            .await;
        let answered = answer.is_some();
        match self.expect(Op::Book, answer, 201) {
            Some(booking) => {
                self.log.bookings.push(AckedBooking {
                    id: booking["id"].as_i64().expect("booking id"),
                    resource_id: resource,
                    client: self.index,
                    state: state_of(&booking),
                    maybe: Vec::new(),
                });
                (true, true)
            }
            None => (false, answered),
        }
    }

    async fn move_one(&mut self, index: usize) -> (bool, bool) {
        let (start, end) = self.interval();
        let id = self.log.bookings[index].id;
        let body = json!({"starts_at": rfc(start), "ends_at": rfc(end)});
        let answer = self
            .send(Method::PATCH, &format!("/api/v1/bookings/{id}"), Some(body))
            .await;
        let asked = BookingState {
            starts_at: start.naive_utc(),
            ends_at: end.naive_utc(),
            cancelled: false,
        };
        self.booking_answer(Op::Move, index, answer, 200, asked)
    }

    async fn cancel(&mut self, index: usize) -> (bool, bool) {
        let id = self.log.bookings[index].id;
        let answer = self
            .send(Method::DELETE, &format!("/api/v1/bookings/{id}"), None)
            .await;
        let asked = BookingState {
            cancelled: true,
            ..self.log.bookings[index].state
        };
        self.booking_answer(Op::Cancel, index, answer, 200, asked)
    }

    /// Records the answer to a move or cancel of the client's booking `index`.
    fn booking_answer(
        &mut self,
        op: Op,
        index: usize,
        answer: Answer,
        ok: u16,
        asked: BookingState,
    ) -> (bool, bool) {
        let unanswered = answer.is_none();
        match self.expect(op, answer, ok) {
            Some(body) => {
                // A cancel answers {booking, cancellation_fee}; a move the booking itself.
                let booking = if body["booking"].is_object() {
                    &body["booking"]
                } else {
                    &body
                };
                self.log.bookings[index].state = state_of(booking);
                (true, true)
            }
            None if unanswered => {
                self.log.bookings[index].maybe.push(asked);
                (false, false)
            }
            None => (false, true),
        }
    }

    async fn sign_up(&mut self, session: i64) -> (bool, bool) {
        let answer = self
            .send(
                Method::POST,
                &format!("/api/v1/training-sessions/{session}/enrollments"),
                Some(json!({})),
            )
            .await;
        let answered = answer.is_some();
        match self.expect(Op::SignUp, answer, 201) {
            Some(enrollment) => {
                let status = enrollment["status"].as_str().unwrap_or_default();
                if !matches!(status, "confirmed" | "waitlisted") {
                    self.log
                        .unexpected
                        .push(format!("sign-up answered status '{status}': {enrollment}"));
                }
                self.log.enrollments.push(AckedEnrollment {
                    id: enrollment["id"].as_i64().expect("enrollment id"),
                    session_id: session,
                    left: false,
                    maybe_left: false,
                });
                (true, true)
            }
            None => (false, answered),
        }
    }

    async fn leave(&mut self, index: usize) -> (bool, bool) {
        let id = self.log.enrollments[index].id;
        let answer = self
            .send(Method::DELETE, &format!("/api/v1/enrollments/{id}"), None)
            .await;
        let unanswered = answer.is_none();
        match self.expect(Op::Leave, answer, 200) {
            Some(_) => {
                self.log.enrollments[index].left = true;
                (true, true)
            }
            None if unanswered => {
                self.log.enrollments[index].maybe_left = true;
                (false, false)
            }
            None => (false, true),
        }
    }

    async fn send(&mut self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let server = &self.servers[self.rng.random_range(0..self.servers.len())];
        let mut request = self
            .http
            .request(method.clone(), format!("{server}{path}"))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let started = Instant::now();
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.bytes().await {
                    Ok(bytes) => Some((
                        status,
                        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                    )),
                    Err(_) => None,
                }
            }
            Err(_) => None,
        };
        if answer.is_some() {
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.log.stats.latencies_us.push(micros);
        } else if !self.crash_expected {
            self.log
                .unexpected
                .push(format!("{method} {path}: no answer from {server}"));
        }
        answer
    }

    /// The body of an answer with status `ok`; a 409 (taken, full, already) is counted as refused;
    /// anything else is unexpected.
    fn expect(&mut self, op: Op, answer: Answer, ok: u16) -> Option<Value> {
        let (status, body) = answer?;
        if status == ok {
            return Some(body);
        }
        if status == 409 {
            self.log.stats.ops[op as usize].refused += 1;
        } else {
            self.log
                .unexpected
                .push(format!("{}: HTTP {status}: {body}", OP_NAMES[op as usize]));
        }
        None
    }
}

fn state_of(booking: &Value) -> BookingState {
    let at = |field: &str| -> NaiveDateTime {
        let text = booking[field].as_str().expect("an instant");
        DateTime::parse_from_rfc3339(text)
            .expect("RFC 3339")
            .naive_utc()
    };
    BookingState {
        starts_at: at("starts_at"),
        ends_at: at("ends_at"),
        cancelled: booking["status"] == "cancelled",
    }
}
