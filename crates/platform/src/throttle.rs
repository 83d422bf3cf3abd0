//! Login throttling: after repeated failures an account's login is locked for a while.

use jiff::{SignedDuration, Timestamp};

/// The policy: `max_failures` consecutive failures lock the login for `lock`.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    pub max_failures: i64,
    pub lock: SignedDuration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            lock: SignedDuration::from_mins(15),
        }
    }
}

/// The outcome of a failed attempt: the new failure count and, when reached, the lock's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterFailure {
    pub failures: i64,
    pub locked_until: Option<Timestamp>,
}

impl LoginPolicy {
    pub fn is_locked(&self, locked_until: Option<Timestamp>, now: Timestamp) -> bool {
        locked_until.is_some_and(|until| now < until)
    }

    pub fn after_failure(&self, failures_before: i64, now: Timestamp) -> AfterFailure {
        let failures = failures_before + 1;
        if failures >= self.max_failures {
            // The count restarts so that the next lock needs as many failures again.
            AfterFailure {
                failures: 0,
                locked_until: Some(now + self.lock),
            }
        } else {
            AfterFailure {
                failures,
                locked_until: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // clause: CLX-TRACE-ALL
    #[test]
    fn fifth_failure_locks_for_fifteen_minutes() {
        let p = LoginPolicy::default();
        let now: Timestamp = "2026-01-01T12:00:00Z".parse().unwrap();
        let mut failures = 0;
        for _ in 0..4 {
            let a = p.after_failure(failures, now);
            assert_eq!(a.locked_until, None);
            failures = a.failures;
        }
        let a = p.after_failure(failures, now);
        let until = a.locked_until.unwrap();
        assert!(p.is_locked(Some(until), now + SignedDuration::from_mins(14)));
        assert!(!p.is_locked(Some(until), now + SignedDuration::from_mins(15)));
    }
}
