//! The workshop's wall clock: its IANA time zone, and how a local time people type becomes an
//! instant — a time the clocks skip is refused, a time they repeat is resolved as the caller says.
//!
//! Instants are `DateTime<Utc>`; local wall-clock times are `NaiveDateTime` in [`WorkshopTz`].

mod month;
mod rfc3339;

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use month::{LocalMonth, MonthParseError};
pub use rfc3339::{parse_rfc3339_with_offset, TimeParseError};

/// The time zone the workshop's opening hours, slot grids and months are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkshopTz(Tz);

/// The configured time zone is not an IANA name chrono-tz knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not a time zone Obrador knows; use an IANA name like Europe/Madrid")]
pub struct UnknownTimeZone {
    input: String,
}

/// What to do with a local time the clocks show twice (the hour repeated when they go back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ambiguity {
    /// The first occurrence (still on summer time).
    Earlier,
    /// The second occurrence (after the clocks went back).
    Later,
    /// Neither: ask the person to choose.
    Reject,
}

/// A local wall-clock time that names no single instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    /// The clocks skip this time (spring forward). Never resolved silently.
    #[error("{}", describe_gap(.local, .tz))]
    Nonexistent {
        local: NaiveDateTime,
        tz: WorkshopTz,
    },
    /// The clocks show this time twice, and the caller asked not to pick one.
    #[error(
        "{} happens twice in {tz} because the clocks go back that night: first at UTC{earlier}, \
         then again at UTC{later}; say whether you mean the earlier or the later one",
        show_local(.local)
    )]
    Ambiguous {
        local: NaiveDateTime,
        tz: WorkshopTz,
        earlier: FixedOffset,
        later: FixedOffset,
    },
    /// So far from today that chrono's calendar cannot hold the instant.
    #[error("{} in {tz} is outside the calendar Obrador can handle", show_local(.local))]
    OutOfRange {
        local: NaiveDateTime,
        tz: WorkshopTz,
    },
}

impl WorkshopTz {
    pub const DEFAULT: WorkshopTz = WorkshopTz(chrono_tz::Europe::Madrid);

    /// Reads an IANA time zone name such as `Europe/Madrid` (exact spelling).
    pub fn parse(name: &str) -> Result<WorkshopTz, UnknownTimeZone> {
        name.parse::<Tz>()
            .map(WorkshopTz)
            .map_err(|_| UnknownTimeZone {
                input: name.to_owned(),
            })
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn to_local(self, instant: DateTime<Utc>) -> DateTime<Tz> {
        instant.with_timezone(&self.0)
    }

    /// The local calendar day an instant falls on.
    pub fn local_date(self, instant: DateTime<Utc>) -> NaiveDate {
        // chrono's own `date_naive` panics within a day of its calendar's ends; saturate instead.
        match local_of(self.0, instant.naive_utc()) {
            Some(local) => local.date(),
            None if instant.year() < 0 => NaiveDate::MIN,
            None => NaiveDate::MAX,
        }
    }

    /// The instant a local wall-clock time names. A time the clocks skip is always an error; a
    /// time they show twice is resolved by `ambiguity`.
    pub fn to_utc(
        self,
        local: NaiveDateTime,
        ambiguity: Ambiguity,
    ) -> Result<DateTime<Utc>, LocalTimeError> {
        match self.resolve(local) {
            Resolution::Single(instant) => Ok(instant),
            Resolution::Twice { earlier, later } => match ambiguity {
                Ambiguity::Earlier => Ok(earlier.to_utc()),
                Ambiguity::Later => Ok(later.to_utc()),
                Ambiguity::Reject => Err(LocalTimeError::Ambiguous {
                    local,
                    tz: self,
                    earlier: earlier.offset().fix(),
                    later: later.offset().fix(),
                }),
            },
            Resolution::Skipped(_) => Err(LocalTimeError::Nonexistent { local, tz: self }),
            Resolution::OutOfRange => Err(LocalTimeError::OutOfRange { local, tz: self }),
        }
    }

    /// The first instant of a local day. Usually local midnight; where the clocks skip midnight
    /// (America/Santiago, for one) the day starts when they jump, and a day skipped entirely
    /// (Pacific/Apia, 2011-12-30) starts where the next one does.
    pub fn start_of_day(self, date: NaiveDate) -> DateTime<Utc> {
        match self.resolve(date.and_time(NaiveTime::MIN)) {
            Resolution::Single(instant) => instant,
            Resolution::Twice { earlier, .. } => earlier.to_utc(),
            Resolution::Skipped(gap) => gap.at,
            Resolution::OutOfRange if date.year() < 0 => DateTime::<Utc>::MIN_UTC,
            Resolution::OutOfRange => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// The half-open span `[start, end)` of a local day in UTC: 24 hours most days, 23 when the
    /// clocks go forward, 25 when they go back.
    pub fn day_bounds_utc(self, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = date
            .succ_opt()
            .map_or(DateTime::<Utc>::MAX_UTC, |next| self.start_of_day(next));
        (self.start_of_day(date), end)
    }

    fn resolve(self, local: NaiveDateTime) -> Resolution {
        match self.0.from_local_datetime(&local) {
            MappedLocalTime::Single(instant) => Resolution::Single(instant.to_utc()),
            MappedLocalTime::Ambiguous(a, b) => Resolution::Twice {
                earlier: a.min(b),
                later: a.max(b),
            },
            // chrono also answers `None` when the instant would fall off its calendar.
            MappedLocalTime::None => match find_gap(self.0, local) {
                Some(gap) => Resolution::Skipped(gap),
                None => Resolution::OutOfRange,
            },
        }
    }
}

impl Default for WorkshopTz {
    fn default() -> WorkshopTz {
        WorkshopTz::DEFAULT
    }
}

impl fmt::Display for WorkshopTz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WorkshopTz {
    type Err = UnknownTimeZone;

    fn from_str(name: &str) -> Result<WorkshopTz, UnknownTimeZone> {
        WorkshopTz::parse(name)
    }
}

impl Serialize for WorkshopTz {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for WorkshopTz {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<WorkshopTz, D::Error> {
        let name = String::deserialize(deserializer)?;
        WorkshopTz::parse(&name).map_err(serde::de::Error::custom)
    }
}

enum Resolution {
    Single(DateTime<Utc>),
    Twice {
        earlier: DateTime<Tz>,
        later: DateTime<Tz>,
    },
    Skipped(Gap),
    OutOfRange,
}

/// A stretch of local time the clocks skip: from `starts` they jump straight to `ends`, at the
/// instant `at`.
struct Gap {
    at: DateTime<Utc>,
    starts: NaiveDateTime,
    ends: NaiveDateTime,
}

/// The local wall-clock time of a UTC time, or `None` off the ends of chrono's calendar.
fn local_of(tz: Tz, utc: NaiveDateTime) -> Option<NaiveDateTime> {
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// Finds the jump of the clocks over `local`, if they skip it.
///
/// chrono-tz says a time does not exist but not where the gap is, which the error message
/// needs; so bisect for the second at which the local clock passes `local`.
fn find_gap(tz: Tz, local: NaiveDateTime) -> Option<Gap> {
    // UTC offsets are less than a day, so a day either side of `local` read as UTC brackets it.
    let day = TimeDelta::days(1);
    let mut before = local.checked_sub_signed(day)?.and_utc().timestamp();
    let mut after = local.checked_add_signed(day)?.and_utc().timestamp();
    let local_at = |timestamp: i64| {
        DateTime::from_timestamp(timestamp, 0).and_then(|t| local_of(tz, t.naive_utc()))
    };
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if local_at(middle)? > local {
            after = middle;
        } else {
            before = middle;
        }
    }
    let starts = local_at(before)?.checked_add_signed(TimeDelta::seconds(1))?;
    let ends = local_at(after)?;
    let at = DateTime::from_timestamp(after, 0)?;
    (starts <= local && local < ends).then_some(Gap { at, starts, ends })
}

fn describe_gap(local: &NaiveDateTime, tz: &WorkshopTz) -> String {
    let shown = show_local(local);
    match find_gap(tz.0, *local) {
        Some(gap) if gap.starts.date() == local.date() && gap.ends.date() == local.date() => {
            format!(
                "{shown} does not exist in {tz}: clocks jump from {} to {} that night; \
                 choose another time",
                show_time(gap.starts.time()),
                show_time(gap.ends.time()),
            )
        }
        Some(gap) => format!(
            "{shown} does not exist in {tz}: clocks jump from {} to {}; choose another time",
            show_local(&gap.starts),
            show_local(&gap.ends),
        ),
        None => format!("{shown} does not exist in {tz}: the clocks skip it; choose another time"),
    }
}

/// A local time as people write it: `2026-03-29 02:30`, with seconds only when there are some.
fn show_local(local: &NaiveDateTime) -> String {
    format!("{} {}", local.date(), show_time(local.time()))
}

fn show_time(time: NaiveTime) -> String {
    if time.second() == 0 && time.nanosecond() == 0 {
        time.format("%H:%M").to_string()
    } else {
        time.format("%H:%M:%S%.f").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MADRID: WorkshopTz = WorkshopTz::DEFAULT;

    fn zone(name: &str) -> WorkshopTz {
        WorkshopTz::parse(name).expect("test time zone")
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
            .expect("test local time")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .to_utc()
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test date")
    }

    #[test]
    fn defaults_to_madrid() {
        assert_eq!(WorkshopTz::default().name(), "Europe/Madrid");
        assert_eq!(WorkshopTz::default(), zone("Europe/Madrid"));
    }

    #[test]
    fn parses_iana_names_and_names_a_bad_one() {
        assert_eq!(zone("America/New_York").name(), "America/New_York");
        assert_eq!("UTC".parse::<WorkshopTz>().map(WorkshopTz::name), Ok("UTC"));
        let error = WorkshopTz::parse("Europe/Madird").unwrap_err();
        assert_eq!(
            error.to_string(),
            "'Europe/Madird' is not a time zone Obrador knows; use an IANA name like Europe/Madrid"
        );
        assert!(WorkshopTz::parse("").is_err());
        assert!(WorkshopTz::parse("+01:00").is_err());
    }

    #[test]
    fn serializes_as_its_name() {
        assert_eq!(
            serde_json::to_string(&MADRID).expect("serialize"),
            "\"Europe/Madrid\""
        );
        let tz: WorkshopTz = serde_json::from_str("\"Atlantic/Canary\"").expect("deserialize");
        assert_eq!(tz.name(), "Atlantic/Canary");
        assert!(serde_json::from_str::<WorkshopTz>("\"Mars/Olympus\"").is_err());
    }

    #[test]
    fn shows_instants_in_local_time() {
        let instant = utc("2026-03-01T23:30:00Z");
        assert_eq!(
            MADRID.to_local(instant).naive_local(),
            local("2026-03-02 00:30")
        );
        assert_eq!(MADRID.local_date(instant), date("2026-03-02"));
        assert_eq!(
            MADRID.local_date(utc("2026-07-01T21:59:59Z")),
            date("2026-07-01")
        );
        assert_eq!(
            MADRID.local_date(utc("2026-07-01T22:00:00Z")),
            date("2026-07-02")
        );
    }

    #[test]
    fn local_date_saturates_at_the_ends_of_the_calendar() {
        assert_eq!(MADRID.local_date(DateTime::<Utc>::MAX_UTC), NaiveDate::MAX);
        assert_eq!(
            zone("America/New_York").local_date(DateTime::<Utc>::MIN_UTC),
            NaiveDate::MIN
        );
    }

    #[test]
    fn ordinary_local_times_name_one_instant() {
        for ambiguity in [Ambiguity::Earlier, Ambiguity::Later, Ambiguity::Reject] {
            assert_eq!(
                MADRID.to_utc(local("2026-03-02 10:00"), ambiguity),
                Ok(utc("2026-03-02T09:00:00Z"))
            );
            assert_eq!(
                MADRID.to_utc(local("2026-07-02 10:00"), ambiguity),
                Ok(utc("2026-07-02T08:00:00Z"))
            );
        }
    }

    #[test]
    fn a_skipped_local_time_is_always_an_error() {
        let skipped = local("2026-03-29 02:30");
        for ambiguity in [Ambiguity::Earlier, Ambiguity::Later, Ambiguity::Reject] {
            assert_eq!(
                MADRID.to_utc(skipped, ambiguity),
                Err(LocalTimeError::Nonexistent {
                    local: skipped,
                    tz: MADRID
                })
            );
        }
        assert!(MADRID
            .to_utc(local("2026-03-29 02:00"), Ambiguity::Reject)
            .is_err());
        assert_eq!(
            MADRID.to_utc(local("2026-03-29 01:59:59"), Ambiguity::Reject),
            Ok(utc("2026-03-29T00:59:59Z"))
        );
        assert_eq!(
            MADRID.to_utc(local("2026-03-29 03:00"), Ambiguity::Reject),
            Ok(utc("2026-03-29T01:00:00Z"))
        );
    }

    #[test]
    fn the_skipped_time_message_says_what_happened_and_what_to_do() {
        let message = |tz: WorkshopTz, text: &str| {
            tz.to_utc(local(text), Ambiguity::Earlier)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message(MADRID, "2026-03-29 02:30"),
            "2026-03-29 02:30 does not exist in Europe/Madrid: clocks jump from 02:00 to 03:00 \
             that night; choose another time"
        );
        assert_eq!(
            message(MADRID, "2026-03-29 02:00:15"),
            "2026-03-29 02:00:15 does not exist in Europe/Madrid: clocks jump from 02:00 to 03:00 \
             that night; choose another time"
        );
        assert_eq!(
            message(zone("America/Santiago"), "2022-09-11 00:30"),
            "2022-09-11 00:30 does not exist in America/Santiago: clocks jump from 00:00 to 01:00 \
             that night; choose another time"
        );
        assert_eq!(
            message(zone("Pacific/Apia"), "2011-12-30 12:00"),
            "2011-12-30 12:00 does not exist in Pacific/Apia: clocks jump from 2011-12-30 00:00 \
             to 2011-12-31 00:00; choose another time"
        );
    }

    #[test]
    fn a_repeated_local_time_resolves_as_asked() {
        let twice = local("2026-10-25 02:30");
        assert_eq!(
            MADRID.to_utc(twice, Ambiguity::Earlier),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            MADRID.to_utc(twice, Ambiguity::Later),
            Ok(utc("2026-10-25T01:30:00Z"))
        );
        let error = MADRID.to_utc(twice, Ambiguity::Reject).unwrap_err();
        assert_eq!(
            error,
            LocalTimeError::Ambiguous {
                local: twice,
                tz: MADRID,
                earlier: FixedOffset::east_opt(2 * 3600).expect("+02:00"),
                later: FixedOffset::east_opt(3600).expect("+01:00"),
            }
        );
        assert_eq!(
            error.to_string(),
            "2026-10-25 02:30 happens twice in Europe/Madrid because the clocks go back that \
             night: first at UTC+02:00, then again at UTC+01:00; say whether you mean the \
             earlier or the later one"
        );
    }

    #[test]
    fn a_booking_across_a_clock_change_lasts_its_real_time() {
        let lasts = |from: &str, to: &str| {
            let start = MADRID
                .to_utc(local(from), Ambiguity::Reject)
                .expect("start");
            let end = MADRID.to_utc(local(to), Ambiguity::Reject).expect("end");
            end - start
        };
        let hours = TimeDelta::hours;
        assert_eq!(lasts("2026-10-25 01:00", "2026-10-25 04:00"), hours(4));
        assert_eq!(lasts("2026-03-29 01:00", "2026-03-29 04:00"), hours(2));
        assert_eq!(lasts("2026-05-10 01:00", "2026-05-10 04:00"), hours(3));
    }

    #[test]
    fn local_days_last_23_24_or_25_hours() {
        let hours = |day: &str| {
            let (start, end) = MADRID.day_bounds_utc(date(day));
            (end - start).num_hours()
        };
        assert_eq!(hours("2026-03-29"), 23);
        assert_eq!(hours("2026-10-25"), 25);
        assert_eq!(hours("2026-06-15"), 24);
        assert_eq!(
            MADRID.day_bounds_utc(date("2026-03-29")),
            (utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z"))
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump() {
        let santiago = zone("America/Santiago");
        let (start, end) = santiago.day_bounds_utc(date("2022-09-11"));
        assert_eq!(start, utc("2022-09-11T04:00:00Z"));
        assert_eq!(
            santiago.to_local(start).naive_local(),
            local("2022-09-11 01:00")
        );
        assert_eq!((end - start).num_hours(), 23);
    }

    #[test]
    fn a_day_skipped_entirely_is_empty() {
        let apia = zone("Pacific/Apia");
        let (start, end) = apia.day_bounds_utc(date("2011-12-30"));
        assert_eq!(start, end);
        assert_eq!(apia.day_bounds_utc(date("2011-12-29")).1, start);
    }

    #[test]
    fn the_ends_of_the_calendar_are_errors_not_panics() {
        let new_york = zone("America/New_York");
        assert_eq!(
            new_york.to_utc(NaiveDateTime::MAX, Ambiguity::Earlier),
            Err(LocalTimeError::OutOfRange {
                local: NaiveDateTime::MAX,
                tz: new_york
            })
        );
        let (start, end) = new_york.day_bounds_utc(NaiveDate::MAX);
        assert_eq!(start.to_rfc3339(), "+262142-12-31T05:00:00+00:00");
        assert_eq!(end, DateTime::<Utc>::MAX_UTC);
        assert_eq!(
            zone("Asia/Tokyo").day_bounds_utc(NaiveDate::MIN).0,
            DateTime::<Utc>::MIN_UTC
        );
    }

    #[test]
    fn ambiguity_reads_from_snake_case() {
        let parsed: Ambiguity = serde_json::from_str("\"later\"").expect("deserialize");
        assert_eq!(parsed, Ambiguity::Later);
    }

    /// Zones with the kinds of clock changes a workshop might meet: European, American, a
    /// half-hour change, changes at midnight, a skipped day, and none at all.
    fn any_zone() -> impl Strategy<Value = WorkshopTz> {
        prop::sample::select(vec![
            "Europe/Madrid",
            "Atlantic/Canary",
            "America/New_York",
            "America/Santiago",
            "America/Havana",
            "Australia/Lord_Howe",
            "Pacific/Apia",
            "Asia/Kathmandu",
        ])
        .prop_map(zone)
    }

    /// Seconds since the epoch from 2000-01-01 to 2100-12-31.
    const YEARS_2000_TO_2100: std::ops::Range<i64> = 946_684_800..4_133_980_800;

    /// The first second after `from` at which the zone's offset changes, within about a year.
    fn next_transition(tz: Tz, from: i64) -> Option<i64> {
        let offset = |t: i64| {
            let at = DateTime::from_timestamp(t, 0).expect("timestamp in range");
            tz.offset_from_utc_datetime(&at.naive_utc()).fix()
        };
        let day = 86_400;
        let first = offset(from);
        let mut after = (1..=400)
            .map(|n| from + n * day)
            .find(|&t| offset(t) != first)?;
        let mut before = after - day;
        while after - before > 1 {
            let middle = before + (after - before) / 2;
            if offset(middle) == first {
                before = middle;
            } else {
                after = middle;
            }
        }
        Some(after)
    }

    /// Instants spread over the century, half of them within two hours of a clock change.
    fn any_instant() -> impl Strategy<Value = (WorkshopTz, DateTime<Utc>)> {
        (
            any_zone(),
            YEARS_2000_TO_2100,
            -7200i64..7200,
            any::<bool>(),
        )
            .prop_map(|(tz, seconds, nudge, near_change)| {
                let base = if near_change {
                    next_transition(tz.0, seconds).map_or(seconds, |t| t + nudge)
                } else {
                    seconds
                };
                let instant = DateTime::from_timestamp(base, 0).expect("timestamp in range");
                (tz, instant)
            })
    }

    /// Local times spread over the century, half of them within two hours of a clock change.
    fn any_local_time() -> impl Strategy<Value = (WorkshopTz, NaiveDateTime)> {
        (any_instant(), -7200i64..7200).prop_map(|((tz, instant), nudge)| {
            let local = tz.to_local(instant).naive_local() + TimeDelta::seconds(nudge);
            (tz, local)
        })
    }

    /// Whether the clocks skip `local`, judged independently of `find_gap`: neither the offset
    /// in force a day before nor the one a day after gives an instant that shows `local`.
    fn is_skipped(tz: Tz, local: NaiveDateTime) -> bool {
        let day = TimeDelta::days(1);
        let offset_at = |utc: NaiveDateTime| tz.offset_from_utc_datetime(&utc).fix();
        [offset_at(local - day), offset_at(local + day)]
            .into_iter()
            .all(|offset| {
                let candidate = local - offset;
                offset_at(candidate) != offset
            })
    }

    proptest! {
        #[test]
        fn an_instants_local_time_leads_back_to_it((tz, instant) in any_instant()) {
            let wall = tz.to_local(instant).naive_local();
            let earlier = tz.to_utc(wall, Ambiguity::Earlier);
            let later = tz.to_utc(wall, Ambiguity::Later);
            prop_assert!(
                earlier == Ok(instant) || later == Ok(instant),
                "{} in {} read back as {:?} / {:?}", instant, tz, earlier, later
            );
        }

        #[test]
        fn a_local_time_resolves_unless_the_clocks_skip_it((tz, wall) in any_local_time()) {
            let skipped = is_skipped(tz.0, wall);
            for ambiguity in [Ambiguity::Earlier, Ambiguity::Later] {
                match tz.to_utc(wall, ambiguity) {
                    Ok(instant) => {
                        prop_assert!(!skipped, "{} in {} should be skipped", wall, tz);
                        prop_assert_eq!(tz.to_local(instant).naive_local(), wall);
                    }
                    Err(LocalTimeError::Nonexistent { .. }) => {
                        prop_assert!(skipped, "{} in {} exists", wall, tz);
                    }
                    Err(other) => prop_assert!(false, "unexpected {:?}", other),
                }
            }
        }

        #[test]
        fn rejecting_ambiguity_fails_only_on_repeated_times((tz, wall) in any_local_time()) {
            let earlier = tz.to_utc(wall, Ambiguity::Earlier);
            let later = tz.to_utc(wall, Ambiguity::Later);
            let rejected = tz.to_utc(wall, Ambiguity::Reject);
            match rejected {
                Ok(instant) => {
                    prop_assert_eq!(earlier, Ok(instant));
                    prop_assert_eq!(later, Ok(instant));
                }
                Err(LocalTimeError::Ambiguous { .. }) => {
                    let (earlier, later) = (earlier.expect("earlier"), later.expect("later"));
                    prop_assert!(earlier < later);
                }
                Err(LocalTimeError::Nonexistent { .. }) => prop_assert!(earlier.is_err()),
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn days_tile_the_timeline((tz, instant) in any_instant()) {
            let day = tz.local_date(instant);
            let (start, end) = tz.day_bounds_utc(day);
            prop_assert!(start <= instant && instant < end, "{} not in its day {}", instant, day);
            let next_day = day.succ_opt().expect("within the century");
            prop_assert_eq!(tz.day_bounds_utc(next_day).0, end);
            prop_assert_eq!(tz.local_date(start), day);
        }

        #[test]
        fn madrid_days_last_23_24_or_25_hours(seconds in YEARS_2000_TO_2100) {
            let instant = DateTime::from_timestamp(seconds, 0).expect("timestamp in range");
            let (start, end) = MADRID.day_bounds_utc(MADRID.local_date(instant));
            prop_assert!([23, 24, 25].contains(&(end - start).num_hours()));
            prop_assert_eq!((end - start).num_seconds() % 3600, 0);
        }
    }
}
