//! Terms versions and their acceptance (OSX-TERMS-VERSION, INES-GROUPEMENT).

use jiff::Timestamp;

/// What the platform knows of the terms an account is bound by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsState<V> {
    /// The latest version whose effective date has passed, if any was published.
    pub in_force: Option<(V, Timestamp)>,
    /// The version the account accepted last.
    pub accepted: Option<V>,
}

impl<V: PartialEq> TermsState<V> {
    /// After a new version's effective date, the next login must accept it before going on.
    pub fn acceptance_required(&self, now: Timestamp) -> bool {
        match &self.in_force {
            Some((version, effective_at)) => *effective_at <= now && self.accepted.as_ref() != Some(version),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    // clause: OSX-TERMS-VERSION
    #[test]
    fn acceptance_is_asked_only_after_the_effective_date() {
        let state = TermsState {
            in_force: Some((2, at("2026-03-01T00:00:00Z"))),
            accepted: Some(1),
        };
        assert!(!state.acceptance_required(at("2026-02-28T23:59:59Z")));
        assert!(state.acceptance_required(at("2026-03-01T00:00:00Z")));
        let accepted = TermsState {
            accepted: Some(2),
            ..state
        };
        assert!(!accepted.acceptance_required(at("2026-04-01T00:00:00Z")));
        let none: TermsState<i32> = TermsState {
            in_force: None,
            accepted: None,
        };
        assert!(!none.acceptance_required(at("2026-04-01T00:00:00Z")));
    }
}
