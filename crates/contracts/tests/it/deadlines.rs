//! Deadline scenarios on fixed days (the test clock is the `today` argument).

use contracts::holidays::{Holiday, NonWorking, Region};
use contracts::{
    AcceptedWay, Chatel, ContractTerms, Exit, HolderKind, LetterError, LetterOutcome, Notice, Renewal, SendingWay,
    Status, TermsDraft, Why, chatel, deadlines, letter_effect,
};
use jiff::civil::{Date, date};
use kernel::Lang;

const METRO: Region = Region::Metropole;

fn terms(start: Date, term_months: u16, renewal: Renewal, notice: Notice) -> ContractTerms {
    ContractTerms::new(TermsDraft {
        start,
        term_months: Some(term_months),
        end: None,
        renewal,
        notice,
        ways: vec![SendingWay::RegisteredLetter.into(), SendingWay::Email.into()],
    })
    .unwrap_or_else(|e| panic!("valid test terms: {e}"))
}

fn yearly(start: Date, notice: Notice) -> ContractTerms {
    terms(start, 12, Renewal::Tacit { months: 12 }, notice)
}

/// The last day and its unmoved date, reason, from a deadline exit.
fn last_day(d: &contracts::Deadlines) -> (Date, Date, Option<NonWorking>) {
    let Exit::Deadline { last_day, .. } = &d.exit else {
        panic!("expected a deadline: {:?}", d.exit)
    };
    let Why::LastDay {
        unmoved, moved_because, ..
    } = last_day.why
    else {
        panic!("last day explained as a last day")
    };
    (last_day.date, unmoved, moved_because)
}

// clause: CTR-DEADLINE
// clause: CTR-SEND-BY
#[test]
fn worked_example_31_january() {
    let t = yearly(date(2026, 1, 31), Notice::Months(3));
    let d = deadlines(&t, date(2026, 3, 1), METRO);
    assert_eq!(d.status, Status::InTerm { term_index: 0 });
    assert_eq!(d.term_end.unwrap().date, date(2027, 1, 31));
    assert_eq!(
        last_day(&d),
        (date(2026, 10, 30), date(2026, 10, 31), Some(NonWorking::Saturday))
    );
    // A registered letter needs 3 working days: posted Tuesday, delivered Friday.
    assert_eq!(
        d.send_by(SendingWay::RegisteredLetter).unwrap().send_by.date,
        date(2026, 10, 27)
    );
    assert_eq!(d.send_by(SendingWay::Email).unwrap().send_by.date, date(2026, 10, 30));
    assert_eq!(d.earliest_send_by(), Some(date(2026, 10, 27)));
    assert!(d.explain(Lang::Fr).starts_with(
        "Renouvellement le 31 janvier 2027 (début le 31 janvier 2026 + 12 mois). \
         Préavis de 3 mois : dernier jour le 31 octobre 2026, un samedi, avancé au vendredi 30 octobre 2026. \
         Par lettre recommandée avec accusé de réception : envoi au plus tard le mardi 27 octobre 2026 (3 jours ouvrés d'acheminement)."
    ));
    assert!(d.explain(Lang::En).starts_with(
        "Renews on 31 January 2027 (start 31 January 2026 + 12 months). \
         Notice of 3 months: last day 31 October 2026, a Saturday, moved earlier to Friday 30 October 2026."
    ));
    // The API can return the dates as JSON, with the facts behind each explanation.
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["exit"]["kind"], "deadline");
    assert_eq!(json["exit"]["last_day"]["date"], "2026-10-30");
    assert_eq!(json["exit"]["last_day"]["why"]["moved_because"]["kind"], "saturday");
    // Before the start, the first term's dates already apply.
    let d = deadlines(&t, date(2025, 12, 1), METRO);
    assert_eq!((d.status, d.last_day()), (Status::NotStarted, Some(date(2026, 10, 30))));
}

// clause: CTR-DEADLINE
#[test]
fn renewals_are_counted_from_the_start_not_chained() {
    // Monthly renewal from 31 January: 28 February, then 31 March (not 28 March).
    let t = terms(date(2026, 1, 31), 1, Renewal::Tacit { months: 1 }, Notice::Days(0));
    assert_eq!(t.term_end(0), Some(date(2026, 2, 28)));
    assert_eq!(t.term_end(1), Some(date(2026, 3, 31)));
    assert_eq!(t.term_end(2), Some(date(2026, 4, 30)));
    let d = deadlines(&t, date(2026, 3, 2), METRO);
    assert_eq!(d.term_end.unwrap().date, date(2026, 3, 31));
}

// clause: CTR-DEADLINE
#[test]
fn last_day_on_15_august_moves_to_the_working_day_before() {
    // Renewal 15 November 2028, 3 months: Tuesday 15 August 2028 is the Assumption.
    let t = yearly(date(2027, 11, 15), Notice::Months(3));
    let d = deadlines(&t, date(2028, 1, 10), METRO);
    assert_eq!(
        last_day(&d),
        (
            date(2028, 8, 14),
            date(2028, 8, 15),
            Some(NonWorking::Holiday(Holiday::Assumption))
        )
    );
    assert!(
        d.explain(Lang::Fr)
            .contains("dernier jour le 15 août 2028, jour férié (Assomption), avancé au lundi 14 août 2028.")
    );
}

// clause: CTR-DEADLINE
#[test]
fn last_day_on_easter_monday_moves_to_the_friday_before() {
    // Easter 2027 is 28 March: renewal 29 June 2027 minus 3 months is Easter Monday.
    let t = yearly(date(2026, 6, 29), Notice::Months(3));
    let d = deadlines(&t, date(2026, 7, 1), METRO);
    assert_eq!(
        last_day(&d),
        (
            date(2027, 3, 26),
            date(2027, 3, 29),
            Some(NonWorking::Holiday(Holiday::EasterMonday))
        )
    );
    assert!(
        d.explain(Lang::En)
            .contains("a public holiday (Easter Monday), moved earlier to Friday 26 March 2027")
    );
}

// clause: CTR-DEADLINE
#[test]
fn last_day_on_a_sunday_moves_to_the_friday() {
    let t = yearly(date(2026, 1, 4), Notice::Months(3));
    let d = deadlines(&t, date(2026, 2, 1), METRO);
    assert_eq!(
        last_day(&d),
        (date(2026, 10, 2), date(2026, 10, 4), Some(NonWorking::Sunday))
    );
    // A notice in days counts calendar days back from the renewal: 4 January 2027 − 94 days
    // is Friday 2 October 2026, a working day that stays.
    let t = yearly(date(2026, 1, 4), Notice::Days(94));
    assert_eq!(
        last_day(&deadlines(&t, date(2026, 2, 1), METRO)),
        (date(2026, 10, 2), date(2026, 10, 2), None)
    );
}

// clause: CTR-DEADLINE (Alsace-Moselle option)
#[test]
fn alsace_moselle_26_december_and_good_friday() {
    // Renewal 26 March 2029 minus 3 months: Tuesday 26 December 2028.
    let t = yearly(date(2028, 3, 26), Notice::Months(3));
    let today = date(2028, 4, 1);
    assert_eq!(last_day(&deadlines(&t, today, METRO)).0, date(2028, 12, 26));
    assert_eq!(
        last_day(&deadlines(&t, today, Region::AlsaceMoselle)),
        (
            date(2028, 12, 22),
            date(2028, 12, 26),
            Some(NonWorking::Holiday(Holiday::SaintStephen))
        )
    );
    // Good Friday 3 April 2026 is worked in Paris, not in Strasbourg.
    let t = yearly(date(2025, 7, 3), Notice::Months(3));
    let today = date(2025, 8, 1);
    assert_eq!(last_day(&deadlines(&t, today, METRO)).0, date(2026, 4, 3));
    assert_eq!(
        last_day(&deadlines(&t, today, Region::AlsaceMoselle)).0,
        date(2026, 4, 2)
    );
}

// clause: CTR-DEADLINE (recomputed as terms roll)
#[test]
fn past_the_last_day_the_next_terms_dates_are_given() {
    let t = yearly(date(2026, 1, 31), Notice::Months(3));
    let d = deadlines(&t, date(2026, 10, 31), METRO);
    // The current term still ends on 31 January 2027; the next exit is a year later.
    assert_eq!(d.term_end.unwrap().date, date(2027, 1, 31));
    let Exit::Deadline { ends_on, missed, .. } = &d.exit else {
        panic!()
    };
    assert_eq!(ends_on.date, date(2028, 1, 31));
    assert_eq!(missed.unwrap().term_end, date(2027, 1, 31));
    // 31 October 2027 is a Sunday: Friday 29 October 2027.
    assert_eq!(last_day(&d).0, date(2027, 10, 29));
    assert!(
        d.explain(Lang::Fr)
            .contains("Trop tard pour l'échéance du 31 janvier 2027")
    );
    // On the last day itself, still in time.
    let d = deadlines(&t, date(2026, 10, 30), METRO);
    assert_eq!(last_day(&d).0, date(2026, 10, 30));
    // Years later, the term in progress is found directly.
    let d = deadlines(&t, date(2040, 6, 1), METRO);
    assert_eq!(d.status, Status::InTerm { term_index: 14 });
    assert_eq!(d.term_end.unwrap().date, date(2041, 1, 31));
}

// clause: CTR-RENEWAL
#[test]
fn open_ended_after_its_term_is_terminable_any_time() {
    let t = terms(date(2024, 1, 15), 12, Renewal::OpenEnded, Notice::Months(3));
    // During the initial term, before its last day: a deadline like a renewal.
    let d = deadlines(&t, date(2024, 6, 1), METRO);
    assert_eq!(d.status, Status::InTerm { term_index: 0 });
    assert_eq!(last_day(&d).0, date(2024, 10, 15));
    // After the term: any time; the end is the notice after delivery.
    let today = date(2026, 5, 20); // a Wednesday
    let d = deadlines(&t, today, METRO);
    assert_eq!(d.status, Status::OpenEnded);
    assert_eq!(d.term_end, None);
    let Exit::AnyTime { send_by, missed } = &d.exit else {
        panic!("{:?}", d.exit)
    };
    assert_eq!(*missed, None);
    let email = send_by.iter().find(|w| w.way == SendingWay::Email).unwrap();
    assert_eq!(
        (email.send_by.date, email.delivered_by, email.ends_on),
        (today, today, date(2026, 8, 20))
    );
    // Registered: Thursday 21, Friday 22, (Whit Monday 25 May 2026), Tuesday 26.
    let letter = send_by.iter().find(|w| w.way == SendingWay::RegisteredLetter).unwrap();
    assert_eq!(
        (letter.delivered_by, letter.ends_on),
        (date(2026, 5, 26), date(2026, 8, 26))
    );
    assert!(d.explain(Lang::Fr).contains("Résiliable à tout moment"));
    assert!(
        d.explain(Lang::Fr)
            .contains("la résiliation prend effet le 20 août 2026 (préavis de 3 mois)")
    );
    // Too late for the term's end but still inside it: ends the notice after delivery.
    let d = deadlines(&t, date(2024, 12, 2), METRO);
    let Exit::AnyTime { send_by, missed } = &d.exit else {
        panic!()
    };
    assert_eq!(missed.unwrap().term_end, date(2025, 1, 15));
    assert_eq!(
        send_by.iter().find(|w| w.way == SendingWay::Email).unwrap().ends_on,
        date(2025, 3, 2)
    );
}

// clause: CTR-RENEWAL
#[test]
fn open_ended_from_the_start_and_contracts_that_simply_end() {
    // Digitaleo's default: indefinite term, 3 months' notice by registered letter.
    let t = ContractTerms::new(TermsDraft {
        start: date(2026, 2, 1),
        term_months: None,
        end: None,
        renewal: Renewal::OpenEnded,
        notice: Notice::Months(3),
        ways: vec![AcceptedWay::new(SendingWay::RegisteredLetter)],
    })
    .unwrap();
    let d = deadlines(&t, date(2026, 3, 2), METRO);
    assert_eq!(d.status, Status::OpenEnded);
    let letter = d.send_by(SendingWay::RegisteredLetter).unwrap();
    assert_eq!(
        (letter.delivered_by, letter.ends_on),
        (date(2026, 3, 5), date(2026, 6, 5))
    );

    let t = terms(date(2026, 2, 1), 6, Renewal::Ends, Notice::Days(0));
    let d = deadlines(&t, date(2026, 3, 2), METRO);
    assert!(matches!(d.exit, Exit::EndsByItself { on } if on.date == date(2026, 8, 1)));
    assert_eq!(d.last_day(), None);
    assert!(d.explain(Lang::Fr).contains("sans renouvellement"));
    let d = deadlines(&t, date(2026, 8, 1), METRO);
    assert_eq!(
        (d.status, d.exit.clone()),
        (Status::Ended, Exit::Ended { on: date(2026, 8, 1) })
    );
}

// clause: CTR-LETTER
#[test]
fn a_letter_sent_too_late_applies_at_the_following_renewal() {
    let t = yearly(date(2026, 1, 31), Notice::Months(3));
    // Posted Wednesday 28 October: Thursday 29, Friday 30, Monday 2 November (1 November is a
    // Sunday and All Saints). The last day was Friday 30 October.
    let e = letter_effect(&t, SendingWay::RegisteredLetter, date(2026, 10, 28), METRO).unwrap();
    assert_eq!(e.delivered_on, date(2026, 11, 2));
    assert_eq!(e.ends_on, date(2028, 1, 31));
    assert_eq!(
        e.outcome,
        LetterOutcome::TooLate {
            missed: date(2027, 1, 31),
            missed_last_day: date(2026, 10, 30),
            last_day: date(2027, 10, 29),
        }
    );
    let fr = e.explain(Lang::Fr);
    assert!(fr.contains("trop tard"), "{fr}");
    assert!(
        fr.contains("prend effet à l'échéance suivante, le 31 janvier 2028"),
        "{fr}"
    );
    assert!(e.explain(Lang::En).contains("too late"));
    // Posted the day before, it arrives on the last day: in time.
    let e = letter_effect(&t, SendingWay::RegisteredLetter, date(2026, 10, 27), METRO).unwrap();
    assert_eq!(e.delivered_on, date(2026, 10, 30));
    assert_eq!(e.ends_on, date(2027, 1, 31));
    assert!(matches!(e.outcome, LetterOutcome::InTime { .. }));
    // An email on 30 October is still in time; one on 31 October is not.
    let e = letter_effect(&t, SendingWay::Email, date(2026, 10, 30), METRO).unwrap();
    assert_eq!(e.ends_on, date(2027, 1, 31));
    let e = letter_effect(&t, SendingWay::Email, date(2026, 10, 31), METRO).unwrap();
    assert_eq!(e.ends_on, date(2028, 1, 31));
    // A way the contract does not accept is refused, naming the field.
    let err = letter_effect(&t, SendingWay::InApp, date(2026, 10, 1), METRO).unwrap_err();
    assert_eq!(err, LetterError::WayNotAccepted(SendingWay::InApp));
    assert_eq!(err.field_error().code, "way_not_accepted");
}

// clause: CTR-LETTER
/// When the notice is as long as the renewal period, a renewal day is also the last day for
/// the next renewal: a letter sent that day is in time for the next one, not "too late" for
/// the renewal that just happened.
#[test]
fn a_letter_sent_on_a_renewal_day_that_is_also_the_last_day_is_in_time() {
    let t = terms(date(2025, 2, 10), 12, Renewal::Tacit { months: 3 }, Notice::Months(3));
    let renewal_day = date(2026, 2, 10);
    let d = deadlines(&t, renewal_day, METRO);
    let Exit::Deadline { ends_on, last_day, .. } = &d.exit else {
        panic!("expected a deadline: {:?}", d.exit)
    };
    assert_eq!((last_day.date, ends_on.date), (renewal_day, date(2026, 5, 10)));
    let e = letter_effect(&t, SendingWay::Email, renewal_day, METRO).unwrap();
    assert_eq!(e.ends_on, date(2026, 5, 10));
    assert_eq!(e.outcome, LetterOutcome::InTime { last_day: renewal_day });
    // A day later, the next renewal is missed.
    let e = letter_effect(&t, SendingWay::Email, date(2026, 2, 11), METRO).unwrap();
    assert_eq!(e.ends_on, date(2026, 8, 10));
    assert!(matches!(e.outcome, LetterOutcome::TooLate { missed, .. } if missed == date(2026, 5, 10)));
}

// clause: CTR-LETTER (open-ended and ending contracts)
#[test]
fn letters_on_open_ended_and_ending_contracts() {
    let t = terms(date(2024, 1, 15), 12, Renewal::OpenEnded, Notice::Months(3));
    let e = letter_effect(&t, SendingWay::Email, date(2026, 5, 20), METRO).unwrap();
    assert_eq!(e.ends_on, date(2026, 8, 20));
    assert_eq!(e.outcome, LetterOutcome::AfterNotice { missed_term_end: None });
    let e = letter_effect(&t, SendingWay::Email, date(2024, 12, 2), METRO).unwrap();
    assert_eq!(
        (e.ends_on, e.outcome),
        (
            date(2025, 3, 2),
            LetterOutcome::AfterNotice {
                missed_term_end: Some(date(2025, 1, 15))
            }
        )
    );
    let t = terms(date(2026, 2, 1), 6, Renewal::Ends, Notice::Days(0));
    let e = letter_effect(&t, SendingWay::Email, date(2026, 3, 1), METRO).unwrap();
    assert_eq!((e.ends_on, e.outcome), (date(2026, 8, 1), LetterOutcome::NotNeeded));
}

// clause: CTR-CHATEL
#[test]
fn chatel_lets_a_non_professional_terminate_when_the_supplier_was_silent() {
    let t = yearly(date(2026, 1, 31), Notice::Months(3));
    // Before the first renewal: the window for the supplier's notice (deadline 30 October).
    let c = chatel(&t, HolderKind::Association, None, date(2026, 6, 1), METRO);
    let Chatel::NotRenewedYet { next } = c else {
        panic!("{c:?}")
    };
    assert_eq!((next.from, next.to), (date(2026, 7, 30), date(2026, 9, 30)));
    // Renewed on 31 January 2027 with no notice: terminable at any time since then.
    let c = chatel(&t, HolderKind::Association, None, date(2027, 3, 1), METRO);
    assert!(matches!(c, Chatel::TerminableAnyTime { since, .. } if since == date(2027, 1, 31)));
    assert!(c.explain(Lang::Fr).contains("vous pouvez résilier à tout moment"));
    // A notice sent too early (before the window) does not count.
    let c = chatel(
        &t,
        HolderKind::CoOwnership,
        Some(date(2026, 7, 1)),
        date(2027, 3, 1),
        METRO,
    );
    assert!(matches!(c, Chatel::TerminableAnyTime { .. }));
    // A notice within the window: ordinary rules.
    let c = chatel(
        &t,
        HolderKind::CoOwnership,
        Some(date(2026, 9, 15)),
        date(2027, 3, 1),
        METRO,
    );
    assert!(matches!(c, Chatel::Informed { .. }));
    // A company is not protected; a contract that does not renew tacitly neither.
    assert_eq!(
        chatel(&t, HolderKind::Professional, None, date(2027, 3, 1), METRO),
        Chatel::ProfessionalHolder
    );
    let open = terms(date(2026, 1, 31), 12, Renewal::OpenEnded, Notice::Months(3));
    assert_eq!(
        chatel(&open, HolderKind::Association, None, date(2027, 3, 1), METRO),
        Chatel::NotTacit
    );
}
