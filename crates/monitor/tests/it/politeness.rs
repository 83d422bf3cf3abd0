use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use monitor::UrlId;
use monitor::politeness::{
    Acquire, Cadence, HostLimiter, next_due, parse_retry_after, retry_after_until, spread_offset,
};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test instant")
}

#[test]
fn at_most_two_requests_per_host_by_default() {
    let now = ts("2026-11-23T10:00:00Z");
    let mut l = HostLimiter::default();
    assert_eq!(l.try_acquire("a.fr", now), Acquire::Granted);
    assert_eq!(l.try_acquire("a.fr", now), Acquire::Granted);
    assert_eq!(l.try_acquire("a.fr", now), Acquire::Busy);
    assert_eq!(l.try_acquire("b.fr", now), Acquire::Granted);
    l.release("a.fr");
    assert_eq!(l.in_flight("a.fr"), 1);
    assert_eq!(l.try_acquire("a.fr", now), Acquire::Granted);
    assert_eq!(l.busy_hosts(), 2);
    let mut lifted = HostLimiter::new(usize::MAX);
    for _ in 0..100 {
        assert_eq!(lifted.try_acquire("a.fr", now), Acquire::Granted);
    }
}

#[test]
fn retry_after_pauses_the_host() {
    let now = ts("2026-11-23T10:00:00Z");
    assert_eq!(parse_retry_after("120", now), Some(SignedDuration::from_secs(120)));
    assert_eq!(
        parse_retry_after("Mon, 23 Nov 2026 10:05:00 GMT", now),
        Some(SignedDuration::from_secs(300))
    );
    // RFC 850 and asctime forms.
    assert_eq!(
        parse_retry_after("Monday, 23-Nov-26 10:01:00 GMT", now),
        Some(SignedDuration::from_secs(60))
    );
    assert_eq!(
        parse_retry_after("Mon Nov 23 10:00:30 2026", now),
        Some(SignedDuration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after("Sun, 22 Nov 2026 10:00:00 GMT", now),
        Some(SignedDuration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now), None);
    assert_eq!(parse_retry_after("-5", now), None);

    let max = SignedDuration::from_hours(1);
    let until = retry_after_until(429, Some("30"), now, max).unwrap();
    assert_eq!(until, ts("2026-11-23T10:00:30Z"));
    assert_eq!(
        retry_after_until(503, Some("999999"), now, max),
        Some(ts("2026-11-23T11:00:00Z"))
    );
    assert_eq!(retry_after_until(500, Some("30"), now, max), None);
    assert_eq!(retry_after_until(429, None, now, max), None);

    let mut l = HostLimiter::default();
    l.pause("a.fr", until);
    assert_eq!(l.try_acquire("a.fr", now), Acquire::PausedUntil(until));
    assert_eq!(l.try_acquire("a.fr", until), Acquire::Granted);
}

// clause: OSX-CADENCE
#[test]
fn cadences_run_from_five_minutes_to_daily() {
    assert!(Cadence::from_minutes(4).is_err());
    assert_eq!(Cadence::from_minutes(5).unwrap(), Cadence::EVERY_5_MINUTES);
    assert_eq!(Cadence::from_minutes(1440).unwrap(), Cadence::DAILY);
    assert!(Cadence::from_minutes(1441).is_err());
    assert!(Cadence::from_duration(Duration::from_secs(90 * 60)).is_ok());
    assert!(Cadence::from_duration(Duration::from_secs(301)).is_err());
    assert_eq!(Cadence::HOURLY.as_duration(), Duration::from_secs(3600));
    let json: Cadence = serde_json::from_str("15").unwrap();
    assert_eq!(json, Cadence::EVERY_15_MINUTES);
    assert!(serde_json::from_str::<Cadence>("2").is_err());
}

// clause: OSX-CADENCE
#[test]
fn checks_are_spread_over_their_cadence_and_keep_their_slot() {
    let cadence = Cadence::HOURLY;
    let ids: Vec<UrlId> = (0..2000).map(|_| UrlId::new()).collect();
    let mut per_minute = [0u32; 60];
    for id in &ids {
        let off = spread_offset(id.0.as_bytes(), cadence);
        assert!(off < cadence.as_duration());
        per_minute[(off.as_secs() / 60) as usize] += 1;
    }
    // 2000 checks over 60 minutes: about 33 a minute, none empty, none crowded.
    assert!(per_minute.iter().all(|&n| (10..=70).contains(&n)), "{per_minute:?}");

    // Stable: the same id gives the same offset.
    let id = b"fixed-id";
    assert_eq!(spread_offset(id, cadence), spread_offset(id, cadence));

    // next_due: strictly after, one cadence apart, same slot after a restart.
    let t0 = ts("2026-11-23T10:00:00Z");
    let d1 = next_due(id, cadence, t0);
    assert!(d1 > t0 && d1 <= t0 + SignedDuration::from_hours(1));
    let d2 = next_due(id, cadence, d1);
    assert_eq!(d2.duration_since(d1), SignedDuration::from_hours(1));
    assert_eq!(next_due(id, cadence, d1 - SignedDuration::from_secs(1)), d1);
}
