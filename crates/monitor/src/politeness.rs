//! Politeness and scheduling rules (OSX-CADENCE): per-host concurrency, `Retry-After`, cadences
//! and spreading checks over their cadence. Pure bookkeeping: the scheduler owns the clock and
//! passes instants in.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Requests in flight per host at most, by default.
pub const DEFAULT_PER_HOST_LIMIT: usize = 2;

/// The longest a `Retry-After` is honoured, by default (a server asking for a week is capped).
pub const DEFAULT_MAX_RETRY_AFTER: SignedDuration = SignedDuration::from_hours(6);

/// The answer of [`HostLimiter::try_acquire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquire {
    /// A slot was taken: release it when the request ends.
    Granted,
    /// The host already has `limit` requests in flight.
    Busy,
    /// The host asked us to wait (429/503 with `Retry-After`) until this instant.
    PausedUntil(Timestamp),
}

/// Per-host bookkeeping: requests in flight and pauses asked by `Retry-After`.
#[derive(Debug, Clone)]
pub struct HostLimiter {
    limit: usize,
    in_flight: HashMap<String, usize>,
    paused_until: HashMap<String, Timestamp>,
}

impl Default for HostLimiter {
    fn default() -> Self {
        HostLimiter::new(DEFAULT_PER_HOST_LIMIT)
    }
}

impl HostLimiter {
    /// A limiter allowing `limit` requests at a time per host (at least 1; `usize::MAX` lifts
    /// the cap, as the benchmark does).
    pub fn new(limit: usize) -> HostLimiter {
        HostLimiter {
            limit: limit.max(1),
            in_flight: HashMap::new(),
            paused_until: HashMap::new(),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes a slot for `host` at `now` if the host is neither paused nor full.
    pub fn try_acquire(&mut self, host: &str, now: Timestamp) -> Acquire {
        if let Some(&until) = self.paused_until.get(host) {
            if now < until {
                return Acquire::PausedUntil(until);
            }
            self.paused_until.remove(host);
        }
        let n = self.in_flight.entry(host.to_string()).or_insert(0);
        if *n >= self.limit {
            return Acquire::Busy;
        }
        *n += 1;
        Acquire::Granted
    }

    /// Gives a slot back.
    pub fn release(&mut self, host: &str) {
        if let Some(n) = self.in_flight.get_mut(host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(host);
            }
        }
    }

    /// Pauses a host until `until` (keeps the later pause if one is set).
    pub fn pause(&mut self, host: &str, until: Timestamp) {
        let e = self.paused_until.entry(host.to_string()).or_insert(until);
        if until > *e {
            *e = until;
        }
    }

    pub fn in_flight(&self, host: &str) -> usize {
        self.in_flight.get(host).copied().unwrap_or(0)
    }

    /// Hosts with at least one request in flight.
    pub fn busy_hosts(&self) -> usize {
        self.in_flight.len()
    }
}

/// Parses a `Retry-After` value at `now`: delta-seconds (`120`) or an HTTP-date (IMF-fixdate,
/// RFC 850 or asctime). A date in the past gives zero; garbage gives `None`.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<SignedDuration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = v.parse().unwrap_or(i64::MAX);
        return Some(SignedDuration::from_secs(secs.min(10 * 365 * 86_400)));
    }
    let when: SystemTime = httpdate::parse_http_date(v).ok()?;
    let when = Timestamp::try_from(when).ok()?;
    let d = when.duration_since(now);
    Some(if d.is_negative() { SignedDuration::ZERO } else { d })
}

/// When a host may be asked again after a response: for 429 and 503 with a valid `Retry-After`,
/// `now` + the delay capped at `max`; `None` otherwise.
pub fn retry_after_until(
    status: u16,
    retry_after: Option<&str>,
    now: Timestamp,
    max: SignedDuration,
) -> Option<Timestamp> {
    if !matches!(status, 429 | 503) {
        return None;
    }
    let d = parse_retry_after(retry_after?, now)?.min(max);
    now.checked_add(d).ok()
}

/// A check cadence: whole minutes from every 5 minutes to daily (OSX-CADENCE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Cadence {
    minutes: u32,
}

/// A cadence outside 5 minutes to 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a cadence is between 5 minutes and 24 hours, in whole minutes")]
pub struct CadenceError;

impl CadenceError {
    pub const CODE: &'static str = "cadence_out_of_range";

    pub fn field_error(&self, field: impl Into<String>) -> kernel::FieldError {
        kernel::FieldError::new(field, Self::CODE)
    }
}

impl Cadence {
    pub const MIN_MINUTES: u32 = 5;
    pub const MAX_MINUTES: u32 = 24 * 60;
    pub const EVERY_5_MINUTES: Cadence = Cadence { minutes: 5 };
    pub const EVERY_15_MINUTES: Cadence = Cadence { minutes: 15 };
    pub const HOURLY: Cadence = Cadence { minutes: 60 };
    pub const EVERY_6_HOURS: Cadence = Cadence { minutes: 360 };
    pub const DAILY: Cadence = Cadence { minutes: 1440 };

    pub fn from_minutes(minutes: u32) -> Result<Cadence, CadenceError> {
        if (Self::MIN_MINUTES..=Self::MAX_MINUTES).contains(&minutes) {
            Ok(Cadence { minutes })
        } else {
            Err(CadenceError)
        }
    }

    /// From a duration; it must be whole minutes.
    pub fn from_duration(d: Duration) -> Result<Cadence, CadenceError> {
        if !d.as_secs().is_multiple_of(60) || d.subsec_nanos() != 0 {
            return Err(CadenceError);
        }
        Cadence::from_minutes(u32::try_from(d.as_secs() / 60).map_err(|_| CadenceError)?)
    }

    pub fn minutes(self) -> u32 {
        self.minutes
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_secs(u64::from(self.minutes) * 60)
    }

    fn secs(self) -> i64 {
        i64::from(self.minutes) * 60
    }
}

impl TryFrom<u32> for Cadence {
    type Error = CadenceError;
    fn try_from(m: u32) -> Result<Self, Self::Error> {
        Cadence::from_minutes(m)
    }
}

impl From<Cadence> for u32 {
    fn from(c: Cadence) -> u32 {
        c.minutes
    }
}

/// A stable 64-bit hash (FNV-1a): the same on every machine, version and run.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The offset of a check within its cadence, from a stable hash of its id (for a typed id, pass
/// `id.0.as_bytes()`), to the second: checks of one cadence are spread instead of firing
/// together.
pub fn spread_offset(id: &[u8], cadence: Cadence) -> Duration {
    Duration::from_secs(stable_hash(id) % (cadence.secs() as u64))
}

/// The first due instant strictly after `after`: instants are `epoch + offset + k × cadence`, so
/// a check keeps its slot across restarts and workers agree on it.
pub fn next_due(id: &[u8], cadence: Cadence, after: Timestamp) -> Timestamp {
    let period = cadence.secs();
    let offset = spread_offset(id, cadence).as_secs() as i64;
    let t = after.as_second();
    let k = (t - offset).div_euclid(period) + 1;
    Timestamp::from_second(k * period + offset).unwrap_or(after)
}
