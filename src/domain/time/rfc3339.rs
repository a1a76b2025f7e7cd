//! Reading instants from the JSON API: RFC 3339 with an explicit UTC offset, never a bare local
//! time, because a bare time would silently depend on whose clock it was read against.

use chrono::{DateTime, NaiveDateTime, Utc};

const EXAMPLE: &str = "2026-03-02T10:00:00+01:00";

/// Why a text is not an instant with an offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeParseError {
    #[error("'{input}' has no UTC offset; write it like {EXAMPLE}")]
    MissingOffset { input: String },
    #[error("'{input}' is not a date and time; write it like {EXAMPLE}")]
    Invalid { input: String },
}

/// Parses `2026-03-02T10:00:00+01:00` (or `…Z`) into an instant; a date and time without an
/// offset gets its own error so the message can say what is missing.
pub fn parse_rfc3339_with_offset(input: &str) -> Result<DateTime<Utc>, TimeParseError> {
    match DateTime::parse_from_rfc3339(input) {
        Ok(instant) => Ok(instant.to_utc()),
        Err(_) if lacks_only_an_offset(input) => Err(TimeParseError::MissingOffset {
            input: input.to_owned(),
        }),
        Err(_) => Err(TimeParseError::Invalid {
            input: input.to_owned(),
        }),
    }
}

fn lacks_only_an_offset(input: &str) -> bool {
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .any(|format| NaiveDateTime::parse_from_str(input, format).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use proptest::prelude::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instant")
            .to_utc()
    }

    #[test]
    fn reads_instants_with_an_offset() {
        assert_eq!(
            parse_rfc3339_with_offset("2026-03-02T10:00:00+01:00"),
            Ok(utc("2026-03-02T09:00:00Z"))
        );
        assert_eq!(
            parse_rfc3339_with_offset("2026-03-02T09:00:00Z"),
            Ok(utc("2026-03-02T09:00:00Z"))
        );
        assert_eq!(
            parse_rfc3339_with_offset("2026-03-02T10:00:00.250-03:00"),
            Ok(utc("2026-03-02T13:00:00.250Z"))
        );
    }

    #[test]
    fn a_time_without_an_offset_gets_a_message_saying_so() {
        for bare in [
            "2026-03-02T10:00:00",
            "2026-03-02T10:00",
            "2026-03-02 10:00:00",
        ] {
            assert_eq!(
                parse_rfc3339_with_offset(bare),
                Err(TimeParseError::MissingOffset {
                    input: bare.to_owned()
                })
            );
        }
        assert_eq!(
            parse_rfc3339_with_offset("2026-03-02T10:00:00")
                .unwrap_err()
                .to_string(),
            "'2026-03-02T10:00:00' has no UTC offset; write it like 2026-03-02T10:00:00+01:00"
        );
    }

    #[test]
    fn anything_else_is_invalid() {
        for bad in [
            "",
            "tomorrow",
            "2026-03-02",
            "2026-02-30T10:00:00+01:00",
            "10:00+01:00",
        ] {
            assert_eq!(
                parse_rfc3339_with_offset(bad),
                Err(TimeParseError::Invalid {
                    input: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_rfc3339_with_offset("tomorrow")
                .unwrap_err()
                .to_string(),
            "'tomorrow' is not a date and time; write it like 2026-03-02T10:00:00+01:00"
        );
    }

    proptest! {
        #[test]
        fn reads_back_any_instant_written_with_any_offset(
            seconds in 946_684_800i64..4_133_980_800,
            offset_minutes in -(14 * 60)..=(14 * 60),
        ) {
            let instant = DateTime::from_timestamp(seconds, 0).expect("timestamp in range");
            let offset = FixedOffset::east_opt(offset_minutes * 60).expect("offset in range");
            let text = instant.with_timezone(&offset).to_rfc3339();
            prop_assert_eq!(parse_rfc3339_with_offset(&text), Ok(instant));
        }
    }
}
