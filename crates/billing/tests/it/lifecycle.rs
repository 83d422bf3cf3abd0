//! The dated rules of the seed offers: terms, renewals, notice, unticking, licence and price
//! changes, withdrawal, late payment, inactivity.

use crate::presets::load;
use billing::lifecycle::minimum_term_end;
use billing::offer::{NoticeWay, ReferenceRates};
use billing::periods::prorate_plan_change;
use billing::{
    BillingPeriod, Cents, Deadline, Delay, LifecycleError, Rate, TerminationError, TerminationRequest, UntickEffect,
    WithdrawalRefusal,
};
use jiff::Zoned;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").expect("bundled tzdb")
}

fn at(day: Date, hour: i8, minute: i8) -> Zoned {
    day.at(hour, minute, 0, 0).to_zoned(paris()).expect("valid instant")
}

fn letter(postmarked_on: Date, delivered_on: Option<Date>) -> TerminationRequest {
    TerminationRequest {
        way: NoticeWay::RegisteredLetter,
        sent_at: at(postmarked_on, 12, 0),
        delivered_on,
    }
}

fn email(sent_at: Zoned) -> TerminationRequest {
    TerminationRequest {
        way: NoticeWay::Email,
        sent_at,
        delivered_on: None,
    }
}

#[test]
fn ines_runs_24_months_from_activation_and_renews_for_24_more() {
    // clause: INES-24M
    let offer = load("ines");
    let schedule = offer.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);
    assert_eq!(offer.commitment_end(&schedule), Ok(Some(date(2028, 3, 15))));
    assert_eq!(offer.term_end(&schedule, 2), Ok(Some(date(2030, 3, 15))));
    assert_eq!(offer.term_end(&schedule, 3), Ok(Some(date(2032, 3, 15))));
}

#[test]
fn ines_letter_received_one_day_late_ends_at_the_following_term() {
    // clause: INES-TERM-3M
    // Activated 15 March 2026: runs to 14 March 2028, renewal on 15 March 2028. A letter must
    // be received by 15 December 2027; one received on 16 December is accepted for the
    // following term, so the subscription renews on 15 March 2028 and ends on 15 March 2030.
    let offer = load("ines");
    let schedule = offer.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);

    let late = offer
        .termination(
            Some(&schedule),
            &letter(date(2027, 12, 14), Some(date(2027, 12, 16))),
            &paris(),
        )
        .expect("accepted");
    assert_eq!(late.received_at.date(), date(2027, 12, 16));
    assert_eq!(late.next_renewal, Some(date(2028, 3, 15)));
    assert_eq!(late.deadline, Some(Deadline::Day(date(2027, 12, 15))));
    assert!(late.for_a_later_renewal);
    assert_eq!(late.effective_on, date(2030, 3, 15));
    assert_eq!(late.last_day, date(2030, 3, 14));

    let in_time = offer
        .termination(
            Some(&schedule),
            &letter(date(2027, 12, 13), Some(date(2027, 12, 15))),
            &paris(),
        )
        .expect("accepted");
    assert!(!in_time.for_a_later_renewal);
    assert_eq!(in_time.effective_on, date(2028, 3, 15));
    assert_eq!(in_time.last_day, date(2028, 3, 14));
}

#[test]
fn ines_refuses_termination_before_activation_and_by_email() {
    // clause: INES-TERM-3M
    let offer = load("ines");
    assert_eq!(
        offer.termination(None, &letter(date(2026, 3, 1), Some(date(2026, 3, 3))), &paris()),
        Err(TerminationError::NotActivated)
    );
    let schedule = offer.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);
    assert!(matches!(
        offer.termination(Some(&schedule), &email(at(date(2026, 6, 1), 9, 0)), &paris()),
        Err(TerminationError::WayNotAccepted {
            way: NoticeWay::Email,
            ..
        })
    ));
    // Without the delivery date, the notice cannot be counted.
    assert_eq!(
        offer.termination(Some(&schedule), &letter(date(2026, 6, 1), None), &paris()),
        Err(TerminationError::DeliveryDateUnknown)
    );
}

#[test]
fn ines_activates_automatically_after_one_month() {
    // clause: INES-ACTIVATE-1M
    let offer = load("ines");
    assert_eq!(
        offer.automatic_activation_on(date(2026, 1, 31)),
        Ok(Some(date(2026, 2, 28)))
    );
    assert_eq!(
        offer.billing_starts_on(date(2026, 1, 10), None),
        Ok(Some(date(2026, 2, 10)))
    );
    assert_eq!(
        offer.billing_starts_on(date(2026, 1, 10), Some(date(2026, 1, 20))),
        Ok(Some(date(2026, 1, 20)))
    );
    // An activation recorded after the automatic date does not delay billing.
    assert_eq!(
        offer.billing_starts_on(date(2026, 1, 10), Some(date(2026, 3, 1))),
        Ok(Some(date(2026, 2, 10)))
    );
    // clause: OSX-PAY-UPFRONT
    let oseox = load("oseox");
    assert_eq!(
        oseox.billing_starts_on(date(2026, 1, 10), None),
        Ok(Some(date(2026, 1, 10)))
    );
    // clause: DGT-INVOICE-MONTHLY
    let digitaleo = load("digitaleo");
    assert_eq!(digitaleo.billing_starts_on(date(2026, 1, 10), None), Ok(None));
    assert_eq!(
        digitaleo.billing_starts_on(date(2026, 1, 10), Some(date(2026, 1, 14))),
        Ok(Some(date(2026, 1, 14)))
    );
}

#[test]
fn ines_pays_quarterly_or_yearly_in_advance() {
    // clause: INES-PAY-PERIOD
    let offer = load("ines");
    let quarterly = offer.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);
    let second = quarterly.billed_period(1).expect("in range");
    assert_eq!(
        (second.dates.start, second.dates.last_day()),
        (date(2026, 6, 15), date(2026, 9, 14))
    );
    assert_eq!(second.charge(Cents(13_500)), Cents(13_500));
    let annual = offer.schedule(date(2026, 3, 15), BillingPeriod::Annual);
    assert_eq!(annual.boundary(1), Ok(date(2027, 3, 15)));
}

#[test]
fn registered_letter_is_deemed_received_three_days_after_postmark() {
    // clause: CLX-NOTICE-3D
    let offer = load("claralex");
    let schedule = offer.schedule(date(2026, 3, 17), BillingPeriod::Monthly);
    // Postmarked 27 May, deemed received 30 May, before the 1 June renewal: ends then.
    let in_time = offer
        .termination(Some(&schedule), &letter(date(2026, 5, 27), None), &paris())
        .expect("accepted");
    assert_eq!(in_time.received_at.date(), date(2026, 5, 30));
    assert_eq!(in_time.effective_on, date(2026, 6, 1));
    // Postmarked 29 May, deemed received 1 June, the renewal day: ends on 1 July. The actual
    // delivery date does not move the contractual one.
    let late = offer
        .termination(
            Some(&schedule),
            &letter(date(2026, 5, 29), Some(date(2026, 5, 30))),
            &paris(),
        )
        .expect("accepted");
    assert_eq!(late.received_at.date(), date(2026, 6, 1));
    assert_eq!(late.effective_on, date(2026, 7, 1));
}

#[test]
fn claralex_serves_at_least_one_full_calendar_month() {
    // clause: CLX-MIN-1M
    assert_eq!(
        minimum_term_end(date(2026, 3, 17), Delay::CalendarMonths(1)),
        Ok(date(2026, 5, 1))
    );
    assert_eq!(
        minimum_term_end(date(2026, 3, 1), Delay::CalendarMonths(1)),
        Ok(date(2026, 4, 1))
    );
    let offer = load("claralex");
    let schedule = offer.schedule(date(2026, 3, 17), BillingPeriod::Monthly);
    // Asked at once (received 23 March): not at the 1 April renewal but after April, the first
    // full calendar month.
    let early = offer
        .termination(Some(&schedule), &letter(date(2026, 3, 20), None), &paris())
        .expect("accepted");
    assert_eq!(early.next_renewal, Some(date(2026, 4, 1)));
    assert_eq!(early.effective_on, date(2026, 5, 1));
    assert!(early.for_a_later_renewal);
}

#[test]
fn claralex_first_month_is_pro_rata() {
    // clause: CLX-PRORATA
    let offer = load("claralex");
    let schedule = offer.schedule(date(2026, 3, 17), BillingPeriod::Monthly);
    let march = schedule.billed_period(0).expect("in range");
    assert_eq!(
        (march.dates.start, march.dates.last_day()),
        (date(2026, 3, 17), date(2026, 3, 31))
    );
    assert_eq!(march.dates.days(), 15);
    // 15/31 of the licence (39.00) and of the hosting (10.00).
    assert_eq!(march.charge(Cents(3900)), Cents(1887));
    assert_eq!(march.charge(Cents(1000)), Cents(484));
    let april = schedule.billed_period(1).expect("in range");
    assert_eq!(
        (april.dates.start, april.dates.last_day()),
        (date(2026, 4, 1), date(2026, 4, 30))
    );
    assert_eq!(april.charge(Cents(3900)), Cents(3900));
}

#[test]
fn licence_changes_before_the_20th_apply_at_the_next_renewal() {
    // clause: CLX-LICENCE-20TH
    let offer = load("claralex");
    let schedule = offer.schedule(date(2026, 3, 17), BillingPeriod::Monthly);
    assert_eq!(
        offer.licence_change_applies_on(&schedule, date(2026, 4, 19)),
        Ok(date(2026, 5, 1))
    );
    assert_eq!(
        offer.licence_change_applies_on(&schedule, date(2026, 4, 20)),
        Ok(date(2026, 6, 1))
    );
    assert_eq!(
        offer.licence_change_applies_on(&schedule, date(2026, 4, 30)),
        Ok(date(2026, 6, 1))
    );
    assert_eq!(
        offer.licence_change_applies_on(&schedule, date(2026, 3, 18)),
        Ok(date(2026, 4, 1))
    );
    assert_eq!(
        offer.licence_change_applies_on(&schedule, date(2026, 3, 25)),
        Ok(date(2026, 5, 1))
    );
    // An offer without a cut-off applies changes at the next renewal.
    let ines = load("ines");
    let quarterly = ines.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);
    assert_eq!(
        ines.licence_change_applies_on(&quarterly, date(2026, 4, 25)),
        Ok(date(2026, 6, 15))
    );
}

#[test]
fn untick_48_hours_before_renewal_stops_it_later_only_the_next() {
    // clause: OSX-RENEW-48H
    let offer = load("oseox");
    let schedule = offer.schedule(date(2026, 1, 10), BillingPeriod::Monthly);
    // Renewal on 10 February at midnight, Paris time: the deadline is 8 February, 00:00.
    let in_time = offer
        .untick_renewal(&schedule, &at(date(2026, 2, 7), 23, 59))
        .expect("renews");
    assert_eq!(
        in_time,
        UntickEffect::StopsNextRenewal {
            ends_on: date(2026, 2, 10),
            deadline: at(date(2026, 2, 8), 0, 0)
        }
    );
    let on_the_dot = offer
        .untick_renewal(&schedule, &at(date(2026, 2, 8), 0, 0))
        .expect("renews");
    assert_eq!(on_the_dot.ends_on(), date(2026, 2, 10));
    let late = offer
        .untick_renewal(&schedule, &at(date(2026, 2, 8), 0, 1))
        .expect("renews");
    assert_eq!(
        late,
        UntickEffect::StopsFollowingRenewal {
            renews_on: date(2026, 2, 10),
            ends_on: date(2026, 3, 10),
            missed_deadline: at(date(2026, 2, 8), 0, 0)
        }
    );
    // The same rule through a termination sent from the account.
    let request = TerminationRequest {
        way: NoticeWay::InApp,
        sent_at: at(date(2026, 2, 8), 0, 1),
        delivered_on: None,
    };
    let termination = offer
        .termination(Some(&schedule), &request, &paris())
        .expect("accepted");
    assert_eq!(termination.effective_on, date(2026, 3, 10));
    assert!(termination.for_a_later_renewal);
    // Annual subscriptions too.
    let annual = offer.schedule(date(2026, 1, 10), BillingPeriod::Annual);
    let effect = offer
        .untick_renewal(&annual, &at(date(2026, 6, 1), 10, 0))
        .expect("renews");
    assert_eq!(effect.ends_on(), date(2027, 1, 10));
    // An offer without automatic renewal has nothing to untick.
    let ines = load("ines");
    let quarterly = ines.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);
    assert!(matches!(
        ines.untick_renewal(&quarterly, &at(date(2026, 6, 1), 10, 0)),
        Err(LifecycleError::NoAutomaticRenewal { .. })
    ));
}

#[test]
fn oseox_bills_on_the_anniversary_day_clamped_to_month_end() {
    // clause: OSX-ANNIVERSARY
    let offer = load("oseox");
    let schedule = offer.schedule(date(2026, 1, 31), BillingPeriod::Monthly);
    let starts: Vec<Date> = schedule.iter().take(4).map(|p| p.dates.start).collect();
    assert_eq!(
        starts,
        [
            date(2026, 1, 31),
            date(2026, 2, 28),
            date(2026, 3, 31),
            date(2026, 4, 30)
        ]
    );
    let annual = offer.schedule(date(2028, 2, 29), BillingPeriod::Annual);
    assert_eq!(annual.boundary(1), Ok(date(2029, 2, 28)));
}

#[test]
fn oseox_upgrade_within_a_month_is_prorated() {
    let offer = load("oseox");
    let schedule = offer.schedule(date(2026, 4, 1), BillingPeriod::Monthly);
    let april = schedule.period_containing(date(2026, 4, 21)).expect("started");
    let s = offer.price("s", BillingPeriod::Monthly).expect("sold").current;
    let l = offer.price("l", BillingPeriod::Monthly).expect("sold").current;
    let change = prorate_plan_change(&april, date(2026, 4, 21), s, l).expect("inside");
    assert_eq!(
        (change.credit, change.charge, change.net()),
        (Cents(663), Cents(1663), Cents(1000))
    );
}

#[test]
fn clog_terminates_at_any_time_without_notice() {
    // clause: CLOG-TERMINATE-ANYTIME
    let offer = load("clog");
    let schedule = offer.schedule(date(2025, 9, 1), BillingPeriod::Monthly);
    let by_email = offer
        .termination(Some(&schedule), &email(at(date(2026, 5, 5), 14, 30)), &paris())
        .expect("accepted");
    assert_eq!(by_email.effective_on, date(2026, 5, 5));
    assert_eq!(by_email.next_renewal, None);
    assert!(!by_email.for_a_later_renewal);
    // By post: effective when the letter arrives.
    let by_post = TerminationRequest {
        way: NoticeWay::Letter,
        sent_at: at(date(2026, 5, 5), 9, 0),
        delivered_on: Some(date(2026, 5, 7)),
    };
    assert_eq!(
        offer
            .termination(Some(&schedule), &by_post, &paris())
            .map(|t| t.effective_on),
        Ok(date(2026, 5, 7))
    );
    // Even before any activation.
    assert_eq!(
        offer
            .termination(None, &email(at(date(2026, 5, 5), 14, 30)), &paris())
            .map(|t| t.effective_on),
        Ok(date(2026, 5, 5))
    );
}

#[test]
fn digitaleo_indefinite_term_ends_three_months_after_the_letter() {
    // clause: DGT-TERM-INDEFINITE
    let offer = load("digitaleo");
    let schedule = offer.schedule(date(2025, 6, 12), BillingPeriod::Monthly);
    let termination = offer
        .termination(
            Some(&schedule),
            &letter(date(2026, 1, 8), Some(date(2026, 1, 10))),
            &paris(),
        )
        .expect("accepted");
    assert_eq!(termination.effective_on, date(2026, 4, 10));
    assert_eq!(termination.last_day, date(2026, 4, 9));
    assert_eq!(termination.next_renewal, None);
    assert!(matches!(
        offer.termination(Some(&schedule), &email(at(date(2026, 1, 8), 9, 0)), &paris()),
        Err(TerminationError::WayNotAccepted { .. })
    ));
    assert_eq!(offer.term_end(&schedule, 1), Ok(None));
}

#[test]
fn oseox_price_change_applies_30_days_after_the_email() {
    // clause: OSX-PRICE-30D
    let offer = load("oseox");
    let schedule = offer.schedule(date(2026, 1, 10), BillingPeriod::Monthly);
    let dates = offer.price_change_dates(date(2026, 3, 1), &schedule).expect("rule");
    assert_eq!(dates.applies_from, date(2026, 3, 31));
    assert_eq!(dates.first_period_start, date(2026, 4, 10));
    assert_eq!(dates.refusal_deadline, None);
    // Announced exactly 30 days before a renewal, the renewal already bears the new price.
    let dates = offer.price_change_dates(date(2026, 3, 11), &schedule).expect("rule");
    assert_eq!(dates.first_period_start, date(2026, 4, 10));
}

#[test]
fn digitaleo_price_change_needs_one_calendar_month_and_allows_termination() {
    // clause: DGT-PRICE-NOTICE
    let offer = load("digitaleo");
    let schedule = offer.schedule(date(2026, 1, 1), BillingPeriod::Monthly);
    let dates = offer.price_change_dates(date(2026, 3, 15), &schedule).expect("rule");
    assert_eq!(dates.applies_from, date(2026, 4, 15));
    assert_eq!(dates.first_period_start, date(2026, 5, 1));
    assert!(dates.customer_may_terminate);
    let on_the_first = offer.price_change_dates(date(2026, 3, 1), &schedule).expect("rule");
    assert_eq!(on_the_first.first_period_start, date(2026, 4, 1));
}

#[test]
fn ines_price_change_can_be_refused_within_the_month() {
    // clause: INES-PRICE-1M
    let offer = load("ines");
    let schedule = offer.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);
    let dates = offer.price_change_dates(date(2027, 1, 10), &schedule).expect("rule");
    assert_eq!(dates.applies_from, date(2027, 2, 10));
    assert_eq!(dates.refusal_deadline, Some(date(2027, 2, 10)));
    assert_eq!(dates.first_period_start, date(2027, 3, 15));
    assert!(dates.customer_may_terminate);
    // Claralex states no price-change rule.
    let claralex = load("claralex");
    let monthly = claralex.schedule(date(2026, 3, 17), BillingPeriod::Monthly);
    assert!(matches!(
        claralex.price_change_dates(date(2026, 5, 1), &monthly),
        Err(LifecycleError::NoPriceChangeRule { .. })
    ));
}

#[test]
fn withdrawal_within_30_days_of_payment_once_per_client() {
    // clause: OSX-WITHDRAW-30D
    let offer = load("oseox");
    assert_eq!(
        offer.withdrawal(date(2026, 3, 1), date(2026, 3, 31), false),
        Ok(date(2026, 3, 31))
    );
    assert_eq!(
        offer.withdrawal(date(2026, 3, 1), date(2026, 4, 1), false),
        Err(WithdrawalRefusal::TooLate {
            deadline: date(2026, 3, 31)
        })
    );
    assert_eq!(
        offer.withdrawal(date(2026, 3, 1), date(2026, 3, 2), true),
        Err(WithdrawalRefusal::AlreadyUsed)
    );
    assert_eq!(
        offer.withdrawal(date(2026, 3, 1), date(2026, 2, 28), false),
        Err(WithdrawalRefusal::BeforePayment)
    );
    assert_eq!(
        load("ines").withdrawal(date(2026, 3, 1), date(2026, 3, 2), false),
        Err(WithdrawalRefusal::NotOffered)
    );
}

#[test]
fn early_termination_owes_remaining_fees_except_after_a_price_increase() {
    // clause: INES-EARLY-TERM
    let ines = load("ines");
    assert_eq!(ines.early_termination.amount_due(Cents(270_000), false), Cents(270_000));
    assert_eq!(ines.early_termination.amount_due(Cents(270_000), true), Cents::ZERO);
    let digitaleo = load("digitaleo");
    assert_eq!(
        digitaleo.early_termination.amount_due(Cents(270_000), false),
        Cents::ZERO
    );
}

#[test]
fn inactive_accounts_are_warned_then_closed() {
    // clause: CLOG-INACTIVE-12M
    let offer = load("clog");
    let rule = offer.inactivity.as_ref().expect("stated");
    assert_eq!(rule.acts_on(date(2026, 1, 10)), Ok(date(2027, 1, 10)));
    assert_eq!(
        rule.warnings_on(date(2026, 1, 10)),
        Ok(vec![date(2026, 12, 10), date(2026, 12, 26), date(2027, 1, 3)])
    );
    // clause: CLX-INACTIVE-1M
    let claralex = load("claralex");
    let rule = claralex.inactivity.as_ref().expect("stated");
    assert_eq!(rule.acts_on(date(2026, 1, 31)), Ok(date(2026, 2, 28)));
}

#[test]
fn payment_due_dates() {
    // clause: DGT-PAY-15D
    let digitaleo = load("digitaleo");
    let payment = digitaleo.payment.as_ref().expect("paid");
    assert_eq!(
        payment.terms.due_on(date(2026, 2, 1), date(2026, 2, 3)),
        Ok(date(2026, 2, 16))
    );
    assert_eq!(
        payment.one_off_terms.due_on(date(2026, 2, 1), date(2026, 2, 3)),
        Ok(date(2026, 2, 3))
    );
    // clause: CLX-FEES
    let claralex = load("claralex");
    let payment = claralex.payment.as_ref().expect("paid");
    assert_eq!(
        payment.terms.due_on(date(2026, 2, 1), date(2026, 2, 3)),
        Ok(date(2026, 2, 10))
    );
    // clause: OSX-PAY-UPFRONT
    let oseox = load("oseox");
    let payment = oseox.payment.as_ref().expect("paid");
    assert_eq!(
        payment.terms.due_on(date(2026, 2, 1), date(2026, 2, 3)),
        Ok(date(2026, 2, 1))
    );
}

#[test]
fn claralex_penalty_after_seven_days_late() {
    // clause: CLX-LATE-10
    let offer = load("claralex");
    let penalty = offer.payment.as_ref().expect("paid").late.penalty.expect("stated");
    assert_eq!(penalty.applies(date(2026, 1, 10), date(2026, 1, 17)), Ok(false));
    assert_eq!(penalty.applies(date(2026, 1, 10), date(2026, 1, 18)), Ok(true));
    assert_eq!(penalty.amount(Cents(49_000)), Cents(4_900));
}

#[test]
fn ines_penalty_from_the_first_day_late() {
    // clause: INES-LATE-10
    let offer = load("ines");
    let penalty = offer.payment.as_ref().expect("paid").late.penalty.expect("stated");
    assert_eq!(penalty.applies(date(2026, 1, 10), date(2026, 1, 10)), Ok(false));
    assert_eq!(penalty.applies(date(2026, 1, 10), date(2026, 1, 11)), Ok(true));
    assert_eq!(penalty.amount(Cents(40_501)), Cents(4_050));
}

#[test]
fn late_interest_multiplies_the_reference_rate() {
    let rates = ReferenceRates {
        legal: Rate::parse("6.65%").expect("valid"),
        ecb: Rate::parse("2.15%").expect("valid"),
    };
    // clause: DGT-LATE
    let digitaleo = load("digitaleo");
    let late = &digitaleo.payment.as_ref().expect("paid").late;
    let interest = late.interest.expect("stated");
    assert_eq!(interest.yearly_rate(rates), Rate::parse("19.95%").expect("valid"));
    // 1,000.00 × 19.95 % × 30 / 365 = 16.3972… → 16.40
    assert_eq!(interest.interest(Cents(100_000), 30, rates), Cents(1_640));
    assert_eq!(late.recovery_indemnity, Some(Cents(4_000)));
    // clause: OSX-LATE
    let oseox = load("oseox");
    let interest = oseox.payment.as_ref().expect("paid").late.interest.expect("stated");
    assert_eq!(interest.yearly_rate(rates), Rate::parse("6.45%").expect("valid"));
}
