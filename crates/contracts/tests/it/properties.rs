//! Property tests of the date arithmetic.

use contracts::holidays::{Region, is_working_day};
use contracts::{
    AcceptedWay, ContractTerms, Exit, LetterOutcome, Notice, Renewal, SendingWay, TermsDraft, Why, deadlines,
    letter_effect,
};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use proptest::prelude::*;

fn any_date() -> impl Strategy<Value = Date> {
    // Days from 1 January 2000 to about 2060.
    (0i64..22_000).prop_map(|d| date(2000, 1, 1).saturating_add(d.days()))
}

fn any_region() -> impl Strategy<Value = Region> {
    prop_oneof![Just(Region::Metropole), Just(Region::AlsaceMoselle)]
}

/// Valid tacit terms: the notice never exceeds the term or the renewal period.
fn tacit_terms() -> impl Strategy<Value = ContractTerms> {
    (any_date(), 1u16..=36, 1u16..=36, any::<bool>(), 0u16..=100, 0u8..=5).prop_filter_map(
        "notice within the periods",
        |(start, term, period, in_months, n, transit)| {
            let notice = if in_months {
                Notice::Months(n % 13)
            } else {
                Notice::Days(n)
            };
            ContractTerms::new(TermsDraft {
                start,
                term_months: Some(term),
                end: None,
                renewal: Renewal::Tacit { months: period },
                notice,
                ways: vec![
                    AcceptedWay {
                        way: SendingWay::RegisteredLetter,
                        transit_working_days: transit,
                    },
                    SendingWay::Email.into(),
                ],
            })
            .ok()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // clause: CTR-DEADLINE
    /// Renewal dates strictly increase, and each is start + n months in one step, as jiff's
    /// own calendar arithmetic (which also clamps to the month's end) computes it.
    #[test]
    fn renewal_dates_increase_and_come_from_the_start(terms in tacit_terms()) {
        let Renewal::Tacit { months: period } = terms.renewal() else { unreachable!() };
        let mut previous = terms.start();
        for k in 0..30u32 {
            let end = terms.term_end(k).unwrap();
            prop_assert!(end > previous, "term {k} ends {end}, not after {previous}");
            let total = i64::from(terms.term_months()) + i64::from(k) * i64::from(period);
            prop_assert_eq!(end, terms.start().checked_add(total.months()).unwrap());
            // Same day number, or the month's last day when it does not exist.
            let day = terms.start().day().min(end.days_in_month());
            prop_assert_eq!(end.day(), day);
            previous = end;
        }
    }

    // clause: CTR-DEADLINE
    // clause: CTR-SEND-BY
    /// The last day is a working day, never after the un-moved date (renewal minus notice),
    /// with only non-working days in between; each send-by date is no later than it; the
    /// last day is not in the past.
    #[test]
    fn last_day_is_a_working_day_before_the_unmoved_date(
        terms in tacit_terms(),
        offset in 0i64..4000,
        region in any_region(),
    ) {
        let today = terms.start().checked_add(offset.days()).unwrap();
        let d = deadlines(&terms, today, region);
        let Exit::Deadline { ends_on, last_day, send_by, .. } = &d.exit else {
            return Err(TestCaseError::fail("tacit terms always give a deadline"));
        };
        let Why::LastDay { unmoved, .. } = last_day.why else {
            return Err(TestCaseError::fail("explained as a last day"));
        };
        prop_assert_eq!(unmoved, terms.notice().before(ends_on.date));
        prop_assert!(is_working_day(last_day.date, region));
        prop_assert!(last_day.date <= unmoved);
        let mut day = last_day.date.tomorrow().unwrap();
        while day <= unmoved {
            prop_assert!(!is_working_day(day, region), "{day} is a working day after the last day");
            day = day.tomorrow().unwrap();
        }
        prop_assert!(last_day.date >= today);
        prop_assert!(ends_on.date > today);
        for w in send_by {
            prop_assert!(w.send_by.date <= last_day.date);
            prop_assert_eq!(w.delivered_by, last_day.date);
        }
        let current = d.term_end.unwrap().date;
        prop_assert!(current > today && current <= ends_on.date);
    }

    // clause: CTR-LETTER
    /// Sending on a send-by date is in time and ends the contract on the announced date;
    /// sending the next day by a way with transit is never earlier in effect.
    #[test]
    fn sending_on_the_send_by_date_is_in_time(
        terms in tacit_terms(),
        offset in 0i64..4000,
        region in any_region(),
    ) {
        let today = terms.start().checked_add(offset.days()).unwrap();
        let d = deadlines(&terms, today, region);
        let Exit::Deadline { ends_on, send_by, .. } = &d.exit else { unreachable!() };
        for w in send_by {
            if w.send_by.date < today {
                continue;
            }
            let e = letter_effect(&terms, w.way, w.send_by.date, region).unwrap();
            prop_assert_eq!(e.ends_on, ends_on.date);
            prop_assert_eq!(e.delivered_on, w.delivered_by);
            if ends_on.date == d.term_end.unwrap().date {
                prop_assert!(
                    matches!(e.outcome, LetterOutcome::InTime { .. }),
                    "expected in time"
                );
            }
            let late = letter_effect(&terms, w.way, w.send_by.date.tomorrow().unwrap(), region).unwrap();
            prop_assert!(late.ends_on >= e.ends_on);
        }
    }
}
