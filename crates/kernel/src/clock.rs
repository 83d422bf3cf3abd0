//! Time as an input.
//!
//! Domain code takes `now: Timestamp` as an argument. Only the edges (the web layer, the job
//! runner) ask a [`Clock`] for it, and for an account attached to a test clock they ask that
//! clock instead of the system.

use jiff::Timestamp;

/// A source of the current instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock, used in production and for accounts without a test clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Truncated to the microsecond, the precision instants are stored with, so that a value
    /// kept in memory equals the same value read back from the database.
    fn now(&self) -> Timestamp {
        from_micros(to_micros(Timestamp::now()))
    }
}

/// A clock frozen at one instant; handy in pure unit tests of domain rules.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Microseconds since the Unix epoch: how instants are stored, portable across backends.
pub fn to_micros(t: Timestamp) -> i64 {
    // i64 microseconds cover ±292,000 years; jiff's range is smaller, so this never overflows.
    t.as_microsecond()
}

/// The inverse of [`to_micros`]; out-of-range values clamp to jiff's limits.
pub fn from_micros(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(if us < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

/// France's time zone, where the platform's legal deadlines are counted (UTC if the bundled
/// database somehow lacks it).
pub fn paris() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The calendar day `t` falls on in France.
pub fn paris_date(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned(paris()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip() {
        let t: Timestamp = "2026-01-31T10:20:30.123456Z".parse().unwrap();
        assert_eq!(from_micros(to_micros(t)), t);
    }
}
