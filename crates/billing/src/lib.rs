//! Comptoir's billing domain.
//!
//! - [`offer`]: an offer's terms read from a TOML file ([`Offer::parse`]): plans, prices, quotas,
//!   options, fees, consumption prices, term, notice, payment and penalties. Terms are data: the
//!   numbers of a clause (48 hours, 30 days, 10 %) live in the offer file, not in code.
//! - [`money`]: exact amounts ([`Cents`]), sub-cent unit prices ([`UnitPrice`]) and rates
//!   ([`Rate`]), rounded half up.
//! - [`delay`]: lengths of time as the terms write them ("3 months", "48 hours").
//! - [`periods`]: billing periods (anniversary or calendar), proration.
//! - [`codes`]: discount and referral codes, and how they reduce a period without ever making
//!   a credit (OSX-CODES).
//! - [`lifecycle`]: the dated rules of a subscription: activation, renewal, termination and
//!   notice, auto-renewal unticking, licence changes, price changes, withdrawal, inactivity.
//!
//! Nothing here performs IO or reads the clock: every rule takes its dates as arguments.

pub mod codes;
pub mod delay;
pub mod invoice;
pub mod lifecycle;
pub mod money;
pub mod offer;
pub mod periods;
pub mod subscription;

pub use delay::{Delay, DelayError};
pub use lifecycle::{
    Deadline, LifecycleError, PriceChangeDates, Termination, TerminationError, TerminationRequest, UntickEffect,
    WithdrawalRefusal,
};
pub use money::{Cents, DecimalError, Rate, UnitPrice};
pub use offer::{Charge, LookupError, Offer, OfferError, OfferErrors, Quota, Selection};
pub use periods::{BilledPeriod, BillingAnchor, BillingPeriod, Period, PeriodError, Schedule};
