//! A subscription: an account's selection under one version of an offer, and the states it
//! goes through.

use crate::offer::Selection;
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::{AccountId, SubscriptionId, UserId};
use std::fmt;

/// Where a subscription stands.
///
/// ```text
/// pending_activation ──activate──▶ active ──cancel/untick──▶ ending ──ends_on──▶ ended
///        │                           │
///        └──────────────withdraw─────┴────────▶ withdrawn
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Subscribed, not yet activated: nothing is billed, the modules are not open yet, and it
    /// cannot be terminated (INES: no termination between subscription and activation).
    PendingActivation,
    Active,
    /// A cancellation is scheduled; the subscription runs until `ends_on`.
    Ending,
    Ended,
    /// The customer used its withdrawal right (OSX-WITHDRAW-30D).
    Withdrawn,
}

impl SubscriptionState {
    pub const fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::PendingActivation => "pending_activation",
            SubscriptionState::Active => "active",
            SubscriptionState::Ending => "ending",
            SubscriptionState::Ended => "ended",
            SubscriptionState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<SubscriptionState> {
        [
            SubscriptionState::PendingActivation,
            SubscriptionState::Active,
            SubscriptionState::Ending,
            SubscriptionState::Ended,
            SubscriptionState::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Whether the subscription opens its modules and counts in the account's entitlements.
    pub const fn grants_access(self) -> bool {
        matches!(self, SubscriptionState::Active | SubscriptionState::Ending)
    }

    /// Whether it is over, one way or another.
    pub const fn is_over(self) -> bool {
        matches!(self, SubscriptionState::Ended | SubscriptionState::Withdrawn)
    }
}

impl fmt::Display for SubscriptionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub account_id: AccountId,
    pub offer_key: String,
    /// The offer version accepted at subscription: later versions do not change it.
    pub offer_version: u32,
    pub selection: Selection,
    pub state: SubscriptionState,
    /// For offers renewing automatically: the customer may untick it (OSX-RENEW-48H).
    pub auto_renew: bool,
    pub subscribed_at: Timestamp,
    pub subscribed_by: Option<UserId>,
    pub activated_at: Option<Timestamp>,
    pub activated_by: Option<UserId>,
    /// The first day billed (activation, delivery of identifiers, or subscription).
    pub billing_starts_on: Option<Date>,
    /// The first day it no longer runs, once an end is scheduled.
    pub ends_on: Option<Date>,
    pub ended_at: Option<Timestamp>,
    pub cancel_requested_at: Option<Timestamp>,
    /// How the cancellation came (`in_app`, `registered_letter`…).
    pub cancel_way: Option<String>,
    /// A change waiting for the period it applies from.
    pub pending: Option<PendingChange>,
}

/// A change of quantities (CLX-LICENCE-20TH) or a move to a cheaper plan, waiting for the
/// period it applies from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    /// The plan it moves to, when the plan changes.
    pub plan: Option<String>,
    pub units: std::collections::BTreeMap<String, u32>,
    /// The period start it applies from.
    pub from: Date,
}
