//! Operator access to a customer's pages (DGT-SUPPORT-ACCESS, CLOG-NO-STAFF-ACCESS, INES-NO-READ).
//!
//! Operator staff see administrative data only. To open an account's pages they need either a
//! support grant the account's administrator gave (time-limited, revocable at any time) or a
//! break-glass grant for an official request (reason, legal reference, time-limited). Both are
//! read-only and every use is audited in the account's own trail.

use jiff::{SignedDuration, Timestamp};
use kernel::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    Support,
    BreakGlass,
}

impl GrantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::Support => "support",
            GrantKind::BreakGlass => "break_glass",
        }
    }

    pub fn parse(s: &str) -> Option<GrantKind> {
        match s {
            "support" => Some(GrantKind::Support),
            "break_glass" => Some(GrantKind::BreakGlass),
            _ => None,
        }
    }
}

/// The longest a support grant may last; an administrator can always revoke earlier.
pub const MAX_SUPPORT_HOURS: i64 = 24 * 30;
/// The longest a break-glass access may last.
pub const MAX_BREAK_GLASS_HOURS: i64 = 72;

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub kind: GrantKind,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl Grant {
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.starts_at <= now && now < self.ends_at && self.revoked_at.is_none_or(|r| r > now)
    }
}

/// Checks the duration of a support grant an administrator asks for.
pub fn support_window(now: Timestamp, hours: i64) -> Result<(Timestamp, Timestamp), FieldErrors> {
    if !(1..=MAX_SUPPORT_HOURS).contains(&hours) {
        return Err(FieldErrors::single("hours", "duration_out_of_range"));
    }
    Ok((now, now + SignedDuration::from_hours(hours)))
}

/// Checks a break-glass request: a reason, a legal reference and a bounded duration are required.
pub fn break_glass_window(
    now: Timestamp,
    reason: &str,
    legal_reference: &str,
    hours: i64,
) -> Result<(Timestamp, Timestamp), FieldErrors> {
    let mut errors = FieldErrors::new();
    if reason.trim().chars().count() < 10 {
        errors.push("reason", "reason_required");
    }
    if legal_reference.trim().is_empty() {
        errors.push("legal_reference", "legal_reference_required");
    }
    if !(1..=MAX_BREAK_GLASS_HOURS).contains(&hours) {
        errors.push("hours", "duration_out_of_range");
    }
    errors.into_result()?;
    Ok((now, now + SignedDuration::from_hours(hours)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    // clause: DGT-SUPPORT-ACCESS
    #[test]
    fn support_grant_is_time_limited_and_revocable() {
        let now = at("2026-05-04T09:00:00Z");
        let (starts_at, ends_at) = support_window(now, 4).unwrap();
        let mut grant = Grant {
            kind: GrantKind::Support,
            starts_at,
            ends_at,
            revoked_at: None,
        };
        assert!(grant.is_active(now));
        assert!(!grant.is_active(at("2026-05-04T13:00:00Z")));
        grant.revoked_at = Some(at("2026-05-04T10:00:00Z"));
        assert!(!grant.is_active(at("2026-05-04T10:00:00Z")));
        assert!(support_window(now, 0).is_err());
        assert!(support_window(now, MAX_SUPPORT_HOURS + 1).is_err());
    }

    // clause: CLOG-NO-STAFF-ACCESS
    #[test]
    fn break_glass_needs_reason_reference_and_limit() {
        let now = at("2026-05-04T09:00:00Z");
        let err = break_glass_window(now, "", " ", 100).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason", "legal_reference", "hours"]);
        assert!(break_glass_window(now, "Réquisition judiciaire n° 42", "CPP art. 60-1", 24).is_ok());
    }
}
