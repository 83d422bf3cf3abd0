//! What a termination sent on a given day does (CTR-LETTER, CTR-DEADLINE, CTR-SEND-BY).
//!
//! The letter itself (PDF, addresses, wording) is the app's; this module says when it is
//! delivered, when the contract ends, and whether it came too late for the coming renewal.

use crate::dates::{format_date, format_date_long};
use crate::deadlines::last_day_for;
use crate::holidays::{Region, add_working_days};
use crate::terms::{ContractTerms, Renewal, SendingWay};
use jiff::civil::Date;
use kernel::Lang;
use serde::{Deserialize, Serialize};

/// A termination cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LetterError {
    /// The contract does not accept this way of terminating: the app should offer one it does.
    #[error("the contract does not accept termination by {}", .0.code())]
    WayNotAccepted(SendingWay),
}

impl LetterError {
    /// The field and stable code, for a form or a problem-details response.
    pub fn field_error(&self) -> kernel::FieldError {
        match self {
            LetterError::WayNotAccepted(_) => kernel::FieldError::new("way", "way_not_accepted"),
        }
    }
}

/// Whether the termination meets its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LetterOutcome {
    /// Delivered by the last day: the contract ends at the coming term's end.
    InTime { last_day: Date },
    /// Delivered after the last day for the coming renewal (`missed`): the contract renews
    /// once more and the termination applies at the following renewal.
    TooLate {
        missed: Date,
        missed_last_day: Date,
        last_day: Date,
    },
    /// Open-ended: the contract ends the notice after delivery (not before the initial term's
    /// end). `missed_term_end` is set when it was meant to end at the term's end but came late.
    AfterNotice { missed_term_end: Option<Date> },
    /// The contract ends by itself at its term: no termination is needed.
    NotNeeded,
}

/// When a termination sent on `sent_on` is delivered and takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterEffect {
    pub way: SendingWay,
    pub sent_on: Date,
    pub delivered_on: Date,
    /// The day the contract ends (the first day it no longer runs, as renewal dates are).
    pub ends_on: Date,
    pub outcome: LetterOutcome,
}

impl LetterEffect {
    /// One sentence saying what the letter does, naming a missed renewal when there is one.
    pub fn explain(&self, lang: Lang) -> String {
        let d = |date: Date| format_date(date, lang);
        let dl = |date: Date| format_date_long(date, lang);
        let sent = match lang {
            Lang::Fr => format!(
                "Envoyée le {} par {}, la résiliation est reçue le {}",
                d(self.sent_on),
                self.way.label(lang),
                d(self.delivered_on)
            ),
            Lang::En => format!(
                "Sent on {} by {}, the termination is delivered on {}",
                d(self.sent_on),
                self.way.label(lang),
                d(self.delivered_on)
            ),
        };
        match (self.outcome, lang) {
            (LetterOutcome::InTime { last_day }, Lang::Fr) => format!(
                "{sent}, au plus tard le dernier jour ({}) : le contrat prend fin le {}.",
                dl(last_day),
                d(self.ends_on)
            ),
            (LetterOutcome::InTime { last_day }, Lang::En) => format!(
                "{sent}, no later than the last day ({}): the contract ends on {}.",
                dl(last_day),
                d(self.ends_on)
            ),
            (
                LetterOutcome::TooLate {
                    missed,
                    missed_last_day,
                    ..
                },
                Lang::Fr,
            ) => format!(
                "{sent}, après le dernier jour ({}) pour l'échéance du {} : trop tard, le contrat est renouvelé et la résiliation prend effet à l'échéance suivante, le {}.",
                dl(missed_last_day),
                d(missed),
                d(self.ends_on)
            ),
            (
                LetterOutcome::TooLate {
                    missed,
                    missed_last_day,
                    ..
                },
                Lang::En,
            ) => format!(
                "{sent}, after the last day ({}) for the term ending on {}: too late, the contract renews and the termination takes effect at the following renewal, on {}.",
                dl(missed_last_day),
                d(missed),
                d(self.ends_on)
            ),
            (LetterOutcome::AfterNotice { missed_term_end }, Lang::Fr) => {
                let late = missed_term_end
                    .map(|t| format!(", trop tard pour la fin de la période initiale le {}", d(t)))
                    .unwrap_or_default();
                format!(
                    "{sent}{late} : le contrat prend fin le {}, à l'issue du préavis.",
                    d(self.ends_on)
                )
            }
            (LetterOutcome::AfterNotice { missed_term_end }, Lang::En) => {
                let late = missed_term_end
                    .map(|t| format!(", too late for the initial term's end on {}", d(t)))
                    .unwrap_or_default();
                format!(
                    "{sent}{late}: the contract ends on {}, once the notice has run.",
                    d(self.ends_on)
                )
            }
            (LetterOutcome::NotNeeded, Lang::Fr) => format!(
                "Le contrat prend fin de lui-même le {} : aucune résiliation n'est nécessaire.",
                d(self.ends_on)
            ),
            (LetterOutcome::NotNeeded, Lang::En) => format!(
                "The contract ends by itself on {}: no termination is needed.",
                d(self.ends_on)
            ),
        }
    }
}

/// What a termination sent by `way` on `sent_on` does: delivered after the way's transit
/// (working days), it ends the contract at the first term's end whose last day it meets.
pub fn letter_effect(
    terms: &ContractTerms,
    way: SendingWay,
    sent_on: Date,
    region: Region,
) -> Result<LetterEffect, LetterError> {
    let accepted = terms.way(way).ok_or(LetterError::WayNotAccepted(way))?;
    let delivered_on = add_working_days(sent_on, i32::from(accepted.transit_working_days), region);
    let first_end = terms.term_end(0).unwrap_or(terms.start());
    let effect = |ends_on, outcome| LetterEffect {
        way,
        sent_on,
        delivered_on,
        ends_on,
        outcome,
    };
    Ok(match terms.renewal() {
        Renewal::Tacit { .. } => {
            // The coming renewal is what the sender aimed at: the first after the day of
            // sending, as the running term is counted in `deadlines` (on a renewal day the new
            // term has begun). The renewal day itself still counts when its last day is that
            // very day, as with no notice: otherwise a letter sent on the last day shown for
            // the next renewal would be called too late for the one that just happened.
            let mut index = 0;
            while terms.term_end(index).is_some_and(|end| {
                end < sent_on || (end == sent_on && last_day_for(end, terms.notice(), region).date < sent_on)
            }) {
                index += 1;
            }
            let coming = index;
            loop {
                let end = terms.term_end(index).unwrap_or(first_end);
                let last = last_day_for(end, terms.notice(), region).date;
                if delivered_on <= last || index > coming + 1000 {
                    let outcome = if index == coming {
                        LetterOutcome::InTime { last_day: last }
                    } else {
                        let missed = terms.term_end(coming).unwrap_or(first_end);
                        LetterOutcome::TooLate {
                            missed,
                            missed_last_day: last_day_for(missed, terms.notice(), region).date,
                            last_day: last,
                        }
                    };
                    break effect(end, outcome);
                }
                index += 1;
            }
        }
        Renewal::OpenEnded => {
            let last = last_day_for(first_end, terms.notice(), region).date;
            if terms.term_months() > 0 && delivered_on <= last {
                effect(first_end, LetterOutcome::InTime { last_day: last })
            } else {
                let ends_on = terms.notice().after(delivered_on).max(first_end);
                let missed_term_end = (terms.term_months() > 0 && sent_on < first_end).then_some(first_end);
                effect(ends_on, LetterOutcome::AfterNotice { missed_term_end })
            }
        }
        Renewal::Ends => effect(first_end, LetterOutcome::NotNeeded),
    })
}
