//! The dated rules of a subscription, as its offer states them: activation, terms and renewals,
//! termination and notice, unticking automatic renewal, licence changes, price changes,
//! withdrawal, payment due dates and penalties, inactivity.
//!
//! Every function takes the dates it needs; none reads the clock. Instants are [`Zoned`] so
//! that "48 hours before the renewal" is measured from midnight in the account's time zone
//! (Europe/Paris unless the account says otherwise), which the caller passes.

use crate::delay::{Delay, DelayError};
use crate::money::Cents;
use crate::offer::{
    BillingStart, Inactivity, LatePenalty, NoticeEffect, NoticeWay, Offer, PaymentTerms, Renewal, TermLength,
};
use crate::periods::{BillingPeriod, PeriodError, Schedule};
use jiff::Zoned;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::fmt;

/// Renewals looked at before giving up: 10,000 terms is far beyond any real subscription, and
/// the bound keeps a broken input from looping forever.
const MAX_RENEWALS: u32 = 10_000;

/// Why a lifecycle rule could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Delay(#[from] DelayError),
    #[error(transparent)]
    Period(#[from] PeriodError),
    #[error("the date is out of the supported range")]
    OutOfRange,
    #[error("offer `{offer}` has no renewal: its term does not renew")]
    NoRenewal { offer: String },
    #[error("offer `{offer}` does not renew automatically, so there is nothing to untick")]
    NoAutomaticRenewal { offer: String },
    #[error("offer `{offer}` states no rule for changing prices")]
    NoPriceChangeRule { offer: String },
}

fn start_of_day(date: Date, tz: &TimeZone) -> Result<Zoned, LifecycleError> {
    date.to_zoned(tz.clone()).map_err(|_| LifecycleError::OutOfRange)
}

/// The date a minimum term ends for a subscription that started on `start`.
///
/// "At least one calendar month" (CLX-MIN-1M) means one whole month from the 1st to its last
/// day: started on 17 March, the subscription runs at least to 30 April (ends 1 May); started on
/// 1 March, to 31 March. Any other length counts from the start date.
pub fn minimum_term_end(start: Date, minimum: Delay) -> Result<Date, DelayError> {
    match minimum {
        Delay::CalendarMonths(n) if start.day() != 1 => {
            Delay::Months(n.saturating_add(1)).after(start.first_of_month())
        }
        Delay::CalendarMonths(n) => Delay::Months(n).after(start),
        other => other.after(start),
    }
}

/// How a termination was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminationRequest {
    pub way: NoticeWay,
    /// When it was sent: the email's or the click's instant; for a letter, its postmark day
    /// (any time that day).
    pub sent_at: Zoned,
    /// For a letter, the day it was delivered (acknowledgement of receipt), when known.
    pub delivered_on: Option<Date>,
}

/// The last moment a termination may be received to end a subscription at a given renewal.
#[derive(Debug, Clone, PartialEq)]
pub enum Deadline {
    /// Received on this day or before (notices counted in days or months).
    Day(Date),
    /// Received at this instant or before (notices counted in hours).
    Instant(Zoned),
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::Day(date) => write!(f, "{date}"),
            Deadline::Instant(at) => write!(f, "{at}"),
        }
    }
}

/// When a termination takes effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Termination {
    /// When the request counts as received.
    pub received_at: Zoned,
    /// The first day the subscription no longer runs: no renewal happens and access ends.
    pub effective_on: Date,
    /// The last day of service (the day before `effective_on`).
    pub last_day: Date,
    /// The next renewal after receipt, for offers that end at a renewal.
    pub next_renewal: Option<Date>,
    /// The deadline to end at `next_renewal`.
    pub deadline: Option<Deadline>,
    /// Accepted, but not for the next renewal: the request came after its deadline (or the
    /// minimum term is not served by then), so the subscription renews at least once more.
    pub for_a_later_renewal: bool,
}

/// Why a termination request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminationError {
    #[error("a termination cannot be sent by {way} under this offer (accepted: {accepted})")]
    WayNotAccepted { way: NoticeWay, accepted: String },
    #[error("a subscription cannot be terminated between its subscription and its activation")]
    NotActivated,
    #[error("a letter's delivery date is needed: this offer counts notice from actual receipt")]
    DeliveryDateUnknown,
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
}

impl From<DelayError> for TerminationError {
    fn from(e: DelayError) -> Self {
        TerminationError::Lifecycle(e.into())
    }
}

impl From<PeriodError> for TerminationError {
    fn from(e: PeriodError) -> Self {
        TerminationError::Lifecycle(e.into())
    }
}

/// What unticking automatic renewal does (OSX-RENEW-48H).
#[derive(Debug, Clone, PartialEq)]
pub enum UntickEffect {
    /// In time: the next renewal does not happen; the subscription ends then.
    StopsNextRenewal { ends_on: Date, deadline: Zoned },
    /// Too late for the next renewal, which still happens (and is billed); the subscription
    /// ends at the one after.
    StopsFollowingRenewal {
        renews_on: Date,
        ends_on: Date,
        missed_deadline: Zoned,
    },
}

impl UntickEffect {
    pub fn ends_on(&self) -> Date {
        match self {
            UntickEffect::StopsNextRenewal { ends_on, .. } | UntickEffect::StopsFollowingRenewal { ends_on, .. } => {
                *ends_on
            }
        }
    }
}

/// When a price change reaches a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceChangeDates {
    /// The earliest day the new price may apply: the notice after the announcement.
    pub applies_from: Date,
    /// The first billing period at the new price starts on this day (the first period that
    /// starts on or after `applies_from`).
    pub first_period_start: Date,
    /// The last day the customer may refuse in writing, terminating without penalty
    /// (INES-PRICE-1M), when the offer grants that right.
    pub refusal_deadline: Option<Date>,
    /// Whether the customer may terminate because of the change (DGT-PRICE-NOTICE).
    pub customer_may_terminate: bool,
}

/// Why a withdrawal is refused (OSX-WITHDRAW-30D).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WithdrawalRefusal {
    #[error("this offer grants no right of withdrawal")]
    NotOffered,
    #[error("the right of withdrawal can be used once per client, and was already used")]
    AlreadyUsed,
    #[error("the withdrawal window closed on {deadline}")]
    TooLate { deadline: Date },
    #[error("a withdrawal cannot come before the payment it cancels")]
    BeforePayment,
    #[error(transparent)]
    Delay(#[from] DelayError),
}

impl Offer {
    /// The day billing starts, given when the customer subscribed and when the subscription
    /// was activated (or the identifiers delivered), if it was.
    ///
    /// Without an activation date, the automatic activation date when the offer has one
    /// (INES-ACTIVATE-1M: one month after subscription), else `None`: billing has not started.
    pub fn billing_starts_on(
        &self,
        subscribed_on: Date,
        activated_on: Option<Date>,
    ) -> Result<Option<Date>, LifecycleError> {
        if self.activation.billing_starts == BillingStart::Subscription {
            return Ok(Some(subscribed_on));
        }
        let automatic = self.automatic_activation_on(subscribed_on)?;
        Ok(match (activated_on, automatic) {
            (Some(activated), Some(automatic)) => Some(activated.min(automatic)),
            (Some(activated), None) => Some(activated),
            (None, automatic) => automatic,
        })
    }

    /// The day the operator activates a subscription that is still inactive, if the offer
    /// says so (INES-ACTIVATE-1M).
    pub fn automatic_activation_on(&self, subscribed_on: Date) -> Result<Option<Date>, LifecycleError> {
        match self.activation.automatic_after {
            Some(delay) => Ok(Some(delay.after(subscribed_on)?)),
            None => Ok(None),
        }
    }

    /// The end of the `k`-th term (`k` ≥ 1), which is also the date of the `k`-th renewal.
    ///
    /// Every date is computed from the start (start + k × term), never from the previous end
    /// (CTR-DEADLINE), so a term started on 31 January keeps ending on month ends. `None` for an
    /// indefinite term, and past the first term when the offer does not renew.
    pub fn term_end(&self, schedule: &Schedule, k: u32) -> Result<Option<Date>, LifecycleError> {
        if k == 0 || (k > 1 && self.term.renewal == Renewal::None) {
            return Ok(None);
        }
        match self.term.length {
            TermLength::Indefinite => Ok(None),
            TermLength::BillingPeriod => Ok(Some(schedule.boundary(k)?)),
            TermLength::Fixed(first) => {
                let first_end = first.after(schedule.start())?;
                if k == 1 {
                    return Ok(Some(first_end));
                }
                let renewal = self.term.renewal_length.unwrap_or(first);
                Ok(Some(scale(renewal, k - 1)?.after(first_end)?))
            }
        }
    }

    /// The end of the first term: the commitment (INES-24M: 24 months after activation).
    pub fn commitment_end(&self, schedule: &Schedule) -> Result<Option<Date>, LifecycleError> {
        self.term_end(schedule, 1)
    }

    /// The minimum term's end for a subscription that started on `start`, if the offer has
    /// one (CLX-MIN-1M).
    pub fn minimum_end(&self, start: Date) -> Result<Option<Date>, LifecycleError> {
        match self.term.minimum {
            Some(minimum) => Ok(Some(minimum_term_end(start, minimum)?)),
            None => Ok(None),
        }
    }

    /// When the request is deemed received: at once for email and in-app requests; for a
    /// registered letter, the offer's delay after the postmark (CLX-NOTICE-3D) or else its
    /// delivery day.
    pub fn notice_received_at(&self, request: &TerminationRequest, tz: &TimeZone) -> Result<Zoned, TerminationError> {
        match request.way {
            NoticeWay::Email | NoticeWay::InApp => Ok(request.sent_at.with_time_zone(tz.clone())),
            NoticeWay::RegisteredLetter | NoticeWay::Letter => {
                let postmark = request.sent_at.date();
                let deemed = match (request.way, self.notice.letter_deemed_received_after) {
                    (NoticeWay::RegisteredLetter, Some(delay)) => Some(delay.after(postmark)?),
                    _ => None,
                };
                let received_on = deemed
                    .or(request.delivered_on)
                    .ok_or(TerminationError::DeliveryDateUnknown)?;
                Ok(start_of_day(received_on, tz)?)
            }
        }
    }

    /// When a termination takes effect.
    ///
    /// - `schedule`: the subscription's billing periods, from the day billing started; `None`
    ///   while it is not activated.
    /// - With notice `at_renewal`, the request must be received at least the notice before a
    ///   renewal date (INES-TERM-3M: 3 months, counted back from the renewal); a late request
    ///   is accepted for the following renewal. With `after_notice`, it ends the notice after
    ///   receipt (DGT-TERM-INDEFINITE); with `immediately`, on receipt
    ///   (CLOG-TERMINATE-ANYTIME). A minimum term (CLX-MIN-1M) is always served.
    /// - Before activation: refused when the offer says so (INES-TERM-3M), otherwise effective
    ///   on receipt since nothing has started.
    pub fn termination(
        &self,
        schedule: Option<&Schedule>,
        request: &TerminationRequest,
        tz: &TimeZone,
    ) -> Result<Termination, TerminationError> {
        if !self.notice.ways.contains(&request.way) {
            return Err(TerminationError::WayNotAccepted {
                way: request.way,
                accepted: self
                    .notice
                    .ways
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let received_at = self.notice_received_at(request, tz)?;
        let received_on = received_at.date();
        let Some(schedule) = schedule else {
            if !self.notice.before_activation {
                return Err(TerminationError::NotActivated);
            }
            return Ok(Termination {
                last_day: received_on.yesterday().map_err(|_| LifecycleError::OutOfRange)?,
                effective_on: received_on,
                received_at,
                next_renewal: None,
                deadline: None,
                for_a_later_renewal: false,
            });
        };
        let minimum_end = self.minimum_end(schedule.start())?;

        let (effective_on, next_renewal, deadline, for_a_later_renewal) = match self.notice.effective {
            NoticeEffect::Immediately => (received_on, None, None, false),
            NoticeEffect::AfterNotice => {
                let effective_on = match self.notice.length {
                    None => received_on,
                    Some(Delay::Hours(hours)) => {
                        let end = Delay::Hours(hours).after_instant(&received_at)?;
                        // Service runs to the end of the notice: the day it ends counts in full.
                        if end.time() == jiff::civil::Time::midnight() {
                            end.date()
                        } else {
                            end.date().tomorrow().map_err(|_| LifecycleError::OutOfRange)?
                        }
                    }
                    Some(notice) => notice.after(received_on)?,
                };
                (effective_on, None, None, false)
            }
            NoticeEffect::AtRenewal => {
                let mut next: Option<(Date, Deadline)> = None;
                let mut found = None;
                for k in 1..=MAX_RENEWALS {
                    let renewal = self
                        .term_end(schedule, k)?
                        .ok_or_else(|| LifecycleError::NoRenewal { offer: self.id.clone() })?;
                    // A renewal on or before the receipt day has already happened.
                    if renewal <= received_on {
                        continue;
                    }
                    let deadline = self.deadline_before(renewal, tz)?;
                    if next.is_none() {
                        next = Some((renewal, deadline.clone()));
                    }
                    let in_time = match &deadline {
                        Deadline::Day(day) => received_on <= *day,
                        Deadline::Instant(at) => received_at.timestamp() <= at.timestamp(),
                    };
                    if in_time && minimum_end.is_none_or(|end| renewal >= end) {
                        found = Some(renewal);
                        break;
                    }
                }
                let effective_on = found.ok_or(LifecycleError::OutOfRange)?;
                let (next_renewal, deadline) = next.map_or((None, None), |(r, d)| (Some(r), Some(d)));
                (effective_on, next_renewal, deadline, next_renewal != Some(effective_on))
            }
        };
        // A minimum term is served in full.
        let effective_on = minimum_end.map_or(effective_on, |end| effective_on.max(end));
        Ok(Termination {
            last_day: effective_on.yesterday().map_err(|_| LifecycleError::OutOfRange)?,
            effective_on,
            received_at,
            next_renewal,
            deadline,
            for_a_later_renewal,
        })
    }

    /// The last moment to receive a termination that ends the subscription at `renewal`.
    pub fn deadline_before(&self, renewal: Date, tz: &TimeZone) -> Result<Deadline, LifecycleError> {
        Ok(match self.notice.length {
            // No notice: the day before the renewal is the last full day to ask.
            None => Deadline::Day(renewal.yesterday().map_err(|_| LifecycleError::OutOfRange)?),
            Some(Delay::Hours(hours)) => {
                Deadline::Instant(Delay::Hours(hours).before_instant(&start_of_day(renewal, tz)?)?)
            }
            Some(notice) => Deadline::Day(notice.before(renewal)?),
        })
    }

    /// What unticking automatic renewal at `at` does (OSX-RENEW-48H): stops the next renewal
    /// when done at least `untick_before` before its midnight, otherwise only the one after.
    pub fn untick_renewal(&self, schedule: &Schedule, at: &Zoned) -> Result<UntickEffect, LifecycleError> {
        let Renewal::Automatic { untick_before } = self.term.renewal else {
            return Err(LifecycleError::NoAutomaticRenewal { offer: self.id.clone() });
        };
        let tz = at.time_zone();
        for k in 1..=MAX_RENEWALS {
            let Some(renewal) = self.term_end(schedule, k)? else {
                return Err(LifecycleError::NoRenewal { offer: self.id.clone() });
            };
            let renewal_at = start_of_day(renewal, tz)?;
            if renewal_at.timestamp() <= at.timestamp() {
                continue;
            }
            let deadline = untick_before.before_instant(&renewal_at)?;
            if at.timestamp() <= deadline.timestamp() {
                return Ok(UntickEffect::StopsNextRenewal {
                    ends_on: renewal,
                    deadline,
                });
            }
            let following = self
                .term_end(schedule, k + 1)?
                .ok_or_else(|| LifecycleError::NoRenewal { offer: self.id.clone() })?;
            return Ok(UntickEffect::StopsFollowingRenewal {
                renews_on: renewal,
                ends_on: following,
                missed_deadline: deadline,
            });
        }
        Err(LifecycleError::OutOfRange)
    }

    /// The first day a change in the number of licences asked on `asked_on` applies
    /// (CLX-LICENCE-20TH): asked before the cut-off day of the month, at the next renewal;
    /// on or after it, one renewal later. Without a cut-off rule, at the next renewal.
    pub fn licence_change_applies_on(&self, schedule: &Schedule, asked_on: Date) -> Result<Date, LifecycleError> {
        let (index, next) = schedule.next_boundary_after(asked_on)?;
        match self.licence_changes {
            Some(rule) if asked_on.day() >= i8::try_from(rule.cut_off_day).unwrap_or(i8::MAX) => {
                Ok(schedule.boundary(index + 1)?)
            }
            _ => Ok(next),
        }
    }

    /// When a price change announced on `notified_on` reaches a subscription billed on
    /// `schedule` (OSX-PRICE-30D: 30 days; DGT-PRICE-NOTICE: one calendar month;
    /// INES-PRICE-1M: one month, with a right to refuse within it).
    pub fn price_change_dates(
        &self,
        notified_on: Date,
        schedule: &Schedule,
    ) -> Result<PriceChangeDates, LifecycleError> {
        let rule = self
            .price_change
            .as_ref()
            .ok_or_else(|| LifecycleError::NoPriceChangeRule { offer: self.id.clone() })?;
        let applies_from = rule.notice.after(notified_on)?;
        let (_, first_period_start) = schedule.boundary_on_or_after(applies_from)?;
        Ok(PriceChangeDates {
            applies_from,
            first_period_start,
            refusal_deadline: if rule.right_to_refuse { Some(applies_from) } else { None },
            customer_may_terminate: rule.customer_may_terminate || rule.right_to_refuse,
        })
    }

    /// Whether a withdrawal asked on `asked_on` for a payment made on `paid_on` is accepted
    /// (OSX-WITHDRAW-30D); `Ok` carries the last day it could be asked.
    pub fn withdrawal(&self, paid_on: Date, asked_on: Date, already_withdrew: bool) -> Result<Date, WithdrawalRefusal> {
        let rule = self.withdrawal.as_ref().ok_or(WithdrawalRefusal::NotOffered)?;
        if rule.once_per_client && already_withdrew {
            return Err(WithdrawalRefusal::AlreadyUsed);
        }
        if asked_on < paid_on {
            return Err(WithdrawalRefusal::BeforePayment);
        }
        let deadline = rule.window.after(paid_on)?;
        if asked_on > deadline {
            return Err(WithdrawalRefusal::TooLate { deadline });
        }
        Ok(deadline)
    }

    /// The payment methods accepted for a period, when the offer takes payments.
    pub fn payment_methods(&self, period: BillingPeriod) -> &[crate::offer::PaymentMethod] {
        self.payment.as_ref().map_or(&[], |p| p.methods_for(period))
    }
}

/// `delay` × `k` (24 months × 3 = 72 months).
fn scale(delay: Delay, k: u32) -> Result<Delay, LifecycleError> {
    let n = delay.count().checked_mul(k).ok_or(LifecycleError::OutOfRange)?;
    Ok(match delay {
        Delay::Hours(_) => Delay::Hours(n),
        Delay::Days(_) => Delay::Days(n),
        Delay::WorkingDays(_) => Delay::WorkingDays(n),
        Delay::Months(_) => Delay::Months(n),
        Delay::CalendarMonths(_) => Delay::CalendarMonths(n),
        Delay::Years(_) => Delay::Years(n),
    })
}

impl PaymentTerms {
    /// The day an invoice issued on `issued_on` and received on `received_on` is due.
    pub fn due_on(&self, issued_on: Date, received_on: Date) -> Result<Date, DelayError> {
        match *self {
            PaymentTerms::Upfront => Ok(issued_on),
            PaymentTerms::OnReceipt => Ok(received_on),
            PaymentTerms::Net { days, from } => {
                let start = match from {
                    crate::offer::DueFrom::InvoiceDate => issued_on,
                    crate::offer::DueFrom::Receipt => received_on,
                };
                Delay::Days(days).after(start)
            }
        }
    }
}

impl LatePenalty {
    /// Whether a payment due on `due_on` and still unpaid (or paid) on `on` incurs the
    /// penalty: later than the grace delay (CLX-LATE-10: more than 7 days), or late at all.
    pub fn applies(&self, due_on: Date, on: Date) -> Result<bool, DelayError> {
        let grace_end = match self.after {
            Some(grace) => grace.after(due_on)?,
            None => due_on,
        };
        Ok(on > grace_end)
    }

    /// The penalty on a sum due (10 % of the whole sum), rounded half up.
    pub fn amount(&self, sum_due: Cents) -> Cents {
        self.rate.of(sum_due)
    }
}

impl Inactivity {
    /// The day the inactivity rule acts for an account last active on `last_active_on`
    /// (CLOG-INACTIVE-12M: 12 months after the last login).
    pub fn acts_on(&self, last_active_on: Date) -> Result<Date, DelayError> {
        self.after.after(last_active_on)
    }

    /// The days warnings are sent before it acts (1 month, 15 days, 7 days before), in
    /// date order. A new login in between starts everything again.
    pub fn warnings_on(&self, last_active_on: Date) -> Result<Vec<Date>, DelayError> {
        let acts_on = self.acts_on(last_active_on)?;
        let mut dates = self
            .warnings
            .iter()
            .map(|w| w.before(acts_on))
            .collect::<Result<Vec<_>, _>>()?;
        dates.sort();
        Ok(dates)
    }
}
