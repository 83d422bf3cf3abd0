//! The dates that matter for a contract on a given day (CTR-DEADLINE, CTR-SEND-BY,
//! CTR-RENEWAL), what a termination letter sent on a date does, and the Châtel rule
//! (CTR-CHATEL).
//!
//! Every date comes with a [`Why`], rendered as a sentence in French or English, so a person
//! can check the computation.

use crate::dates::{Unit, count_unit, format_date, format_date_long};
use crate::holidays::{NonWorking, Region, add_working_days, non_working_reason, working_day_on_or_before};
use crate::terms::{ContractTerms, Notice, Renewal, SendingWay};
use jiff::civil::Date;
use kernel::Lang;
use serde::{Deserialize, Serialize};

/// A date with the reason it is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated {
    pub date: Date,
    pub why: Why,
}

/// How a date was computed: enough facts to write the explaining sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Why {
    /// The end of a term: start + `months` (CTR-DEADLINE), then renewal, open-ended or end.
    TermEnd { start: Date, months: u32, renewal: Renewal },
    /// The last day the notice must be received: the term's end minus the notice, moved
    /// earlier to a working day when `unmoved` is not one.
    LastDay {
        notice: Notice,
        unmoved: Date,
        moved_because: Option<NonWorking>,
    },
    /// The latest day to send by `way` so that it arrives by the last day.
    SendBy { way: SendingWay, transit_working_days: u8 },
    /// Terminable at any time: sent on this date by `way` and delivered on `delivered`, it
    /// ends the contract on `ends_on`, `notice` later (never before the initial term's end).
    AnyTime {
        way: SendingWay,
        delivered: Date,
        ends_on: Date,
        notice: Notice,
    },
}

impl Dated {
    /// The sentence that explains this date.
    pub fn explain(&self, lang: Lang) -> String {
        let d = |date: Date| format_date(date, lang);
        let dl = |date: Date| format_date_long(date, lang);
        match (self.why, lang) {
            (Why::TermEnd { start, months, renewal }, _) => {
                let span = count_unit(months, Unit::Month, lang);
                match (renewal, lang) {
                    (Renewal::Tacit { .. }, Lang::Fr) => {
                        format!("Renouvellement le {} (début le {} + {span}).", d(self.date), d(start))
                    }
                    (Renewal::Tacit { .. }, Lang::En) => {
                        format!("Renews on {} (start {} + {span}).", d(self.date), d(start))
                    }
                    (Renewal::OpenEnded, Lang::Fr) => format!(
                        "Fin de la période initiale le {} (début le {} + {span}) ; le contrat se poursuit ensuite pour une durée indéterminée.",
                        d(self.date),
                        d(start)
                    ),
                    (Renewal::OpenEnded, Lang::En) => format!(
                        "Initial term ends on {} (start {} + {span}); the contract then carries on for an indefinite period.",
                        d(self.date),
                        d(start)
                    ),
                    (Renewal::Ends, Lang::Fr) => format!(
                        "Fin du contrat le {} (début le {} + {span}), sans renouvellement.",
                        d(self.date),
                        d(start)
                    ),
                    (Renewal::Ends, Lang::En) => format!(
                        "The contract ends on {} (start {} + {span}), without renewal.",
                        d(self.date),
                        d(start)
                    ),
                }
            }
            (
                Why::LastDay {
                    notice,
                    unmoved,
                    moved_because,
                },
                _,
            ) => {
                let head = match (notice.is_zero(), lang) {
                    (true, Lang::Fr) => "Sans préavis".to_string(),
                    (true, Lang::En) => "No notice".to_string(),
                    (false, Lang::Fr) => format!("Préavis de {}", notice.describe(lang)),
                    (false, Lang::En) => format!("Notice of {}", notice.describe(lang)),
                };
                match (moved_because, lang) {
                    (None, Lang::Fr) => format!("{head} : dernier jour le {}.", dl(self.date)),
                    (None, Lang::En) => format!("{head}: last day {}.", dl(self.date)),
                    (Some(reason), Lang::Fr) => format!(
                        "{head} : dernier jour le {}, {}, avancé au {}.",
                        d(unmoved),
                        reason.describe(lang),
                        dl(self.date)
                    ),
                    (Some(reason), Lang::En) => format!(
                        "{head}: last day {}, {}, moved earlier to {}.",
                        d(unmoved),
                        reason.describe(lang),
                        dl(self.date)
                    ),
                }
            }
            (
                Why::SendBy {
                    way,
                    transit_working_days: 0,
                },
                Lang::Fr,
            ) => format!(
                "Par {} : envoi au plus tard le {} (reçu le jour même).",
                way.label(lang),
                dl(self.date)
            ),
            (
                Why::SendBy {
                    way,
                    transit_working_days: 0,
                },
                Lang::En,
            ) => format!(
                "By {}: send by {} (arrives the same day).",
                way.label(lang),
                dl(self.date)
            ),
            (
                Why::SendBy {
                    way,
                    transit_working_days: t,
                },
                Lang::Fr,
            ) => format!(
                "Par {} : envoi au plus tard le {} ({} d'acheminement).",
                way.label(lang),
                dl(self.date),
                count_unit(u32::from(t), Unit::WorkingDay, lang)
            ),
            (
                Why::SendBy {
                    way,
                    transit_working_days: t,
                },
                Lang::En,
            ) => format!(
                "By {}: send by {} ({} in transit).",
                way.label(lang),
                dl(self.date),
                count_unit(u32::from(t), Unit::WorkingDay, lang)
            ),
            (
                Why::AnyTime {
                    way,
                    delivered,
                    ends_on,
                    notice,
                },
                Lang::Fr,
            ) => format!(
                "Résiliable à tout moment : envoyée le {} par {} et reçue le {}, la résiliation prend effet le {} ({}).",
                d(self.date),
                way.label(lang),
                d(delivered),
                d(ends_on),
                if notice.is_zero() {
                    "sans préavis".to_string()
                } else {
                    format!("préavis de {}", notice.describe(lang))
                }
            ),
            (
                Why::AnyTime {
                    way,
                    delivered,
                    ends_on,
                    notice,
                },
                Lang::En,
            ) => format!(
                "Terminable at any time: sent on {} by {} and delivered on {}, the termination takes effect on {} ({}).",
                d(self.date),
                way.label(lang),
                d(delivered),
                d(ends_on),
                if notice.is_zero() {
                    "no notice".to_string()
                } else {
                    format!("notice of {}", notice.describe(lang))
                }
            ),
        }
    }
}

/// The dates for one accepted way of sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WayDeadline {
    pub way: SendingWay,
    /// The latest day to send (for a deadline), or today (terminable at any time).
    pub send_by: Dated,
    /// When the termination reaches the counterparty if sent on `send_by`.
    pub delivered_by: Date,
    /// When the contract then ends.
    pub ends_on: Date,
}

/// A renewal that can no longer be prevented: its last day has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missed {
    /// The term's end that could not be prevented (a renewal date, or an open-ended
    /// contract's initial term end).
    pub term_end: Date,
    pub last_day: Date,
}

impl Missed {
    pub fn explain(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => format!(
                "Trop tard pour l'échéance du {} : son dernier jour était le {}.",
                format_date(self.term_end, lang),
                format_date_long(self.last_day, lang)
            ),
            Lang::En => format!(
                "Too late for the term ending on {}: its last day was {}.",
                format_date(self.term_end, lang),
                format_date_long(self.last_day, lang)
            ),
        }
    }
}

/// How the contract can be ended, seen from `today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Exit {
    /// A notice received by `last_day` ends the contract on `ends_on` (a renewal date, or an
    /// open-ended contract's initial term end); otherwise it renews or carries on. When the
    /// coming deadline has passed, these are the next term's dates and `missed` says so.
    Deadline {
        ends_on: Dated,
        last_day: Dated,
        send_by: Vec<WayDeadline>,
        missed: Option<Missed>,
    },
    /// Open-ended past its deadline: terminable at any time, ending the notice after delivery.
    AnyTime {
        send_by: Vec<WayDeadline>,
        missed: Option<Missed>,
    },
    /// Ends by itself: nothing to send.
    EndsByItself { on: Dated },
    /// Already over.
    Ended { on: Date },
}

/// Where the contract stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Status {
    NotStarted,
    /// In term `term_index` (0 is the initial term).
    InTerm {
        term_index: u32,
    },
    /// Past its initial term, open-ended.
    OpenEnded,
    Ended,
}

/// A contract's dates on `today` (see [`deadlines`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub today: Date,
    pub status: Status,
    /// The end of the term running today (its renewal date); `None` once past an open-ended
    /// contract's term or after the end.
    pub term_end: Option<Dated>,
    pub exit: Exit,
}

impl Deadlines {
    /// The last day a notice must be received, when there is one.
    pub fn last_day(&self) -> Option<Date> {
        match &self.exit {
            Exit::Deadline { last_day, .. } => Some(last_day.date),
            _ => None,
        }
    }

    /// The earliest send-by date over the accepted ways: what reminders count down to.
    pub fn earliest_send_by(&self) -> Option<Date> {
        match &self.exit {
            Exit::Deadline { send_by, .. } => send_by.iter().map(|w| w.send_by.date).min(),
            _ => None,
        }
    }

    /// The send-by date for one way.
    pub fn send_by(&self, way: SendingWay) -> Option<&WayDeadline> {
        match &self.exit {
            Exit::Deadline { send_by, .. } | Exit::AnyTime { send_by, .. } => send_by.iter().find(|w| w.way == way),
            _ => None,
        }
    }

    /// The whole explanation, one sentence per date: the term's end, any missed deadline, the
    /// exit's end date when it differs, the last day, then each way's send-by date.
    pub fn explain(&self, lang: Lang) -> String {
        let mut sentences = Vec::new();
        if let Some(t) = &self.term_end {
            sentences.push(t.explain(lang));
        }
        match &self.exit {
            Exit::Deadline {
                ends_on,
                last_day,
                send_by,
                missed,
            } => {
                if let Some(m) = missed {
                    sentences.push(m.explain(lang));
                }
                if self.term_end.map(|t| t.date) != Some(ends_on.date) {
                    sentences.push(ends_on.explain(lang));
                }
                sentences.push(last_day.explain(lang));
                sentences.extend(send_by.iter().map(|w| w.send_by.explain(lang)));
            }
            Exit::AnyTime { send_by, missed } => {
                if let Some(m) = missed {
                    sentences.push(m.explain(lang));
                }
                sentences.extend(send_by.iter().map(|w| w.send_by.explain(lang)));
            }
            Exit::EndsByItself { .. } => {}
            Exit::Ended { on } => sentences.push(match lang {
                Lang::Fr => format!("Contrat terminé le {}.", format_date(*on, lang)),
                Lang::En => format!("Contract ended on {}.", format_date(*on, lang)),
            }),
        }
        sentences.join(" ")
    }
}

/// The end of term `index` with its explanation.
fn term_end_dated(terms: &ContractTerms, index: u32) -> Option<Dated> {
    let months = terms.months_to_term_end(index)?;
    let date = terms.term_end(index)?;
    Some(Dated {
        date,
        why: Why::TermEnd {
            start: terms.start(),
            months,
            renewal: terms.renewal(),
        },
    })
}

/// The last day a notice must be received for the contract to end on `term_end`
/// (CTR-DEADLINE): `term_end` minus the notice, moved earlier to the previous working day.
pub fn last_day_for(term_end: Date, notice: Notice, region: Region) -> Dated {
    let unmoved = notice.before(term_end);
    let date = working_day_on_or_before(unmoved, region);
    Dated {
        date,
        why: Why::LastDay {
            notice,
            unmoved,
            moved_because: if date == unmoved {
                None
            } else {
                non_working_reason(unmoved, region)
            },
        },
    }
}

/// The index of the term running on `day`: the first whose end is after `day` (0 before the
/// start). Only meaningful for tacit renewal, where every index has an end.
fn term_index_on(terms: &ContractTerms, day: Date) -> u32 {
    let Renewal::Tacit { months: period } = terms.renewal() else {
        return 0;
    };
    let elapsed = (i32::from(day.year()) - i32::from(terms.start().year())) * 12 + i32::from(day.month())
        - i32::from(terms.start().month());
    // An estimate that never overshoots: a term ending at least one calendar month before
    // `day`'s month has ended. Then step forward.
    let behind = elapsed - i32::from(terms.term_months());
    let mut index = if behind > 0 {
        u32::try_from(behind / i32::from(period) - 1).unwrap_or(0)
    } else {
        0
    };
    while terms.term_end(index).is_some_and(|end| end <= day) {
        index += 1;
    }
    index
}

/// Per-way dates for a deadline: send early enough for the transit.
fn ways_for_deadline(terms: &ContractTerms, last_day: Date, ends_on: Date, region: Region) -> Vec<WayDeadline> {
    terms
        .ways()
        .iter()
        .map(|w| WayDeadline {
            way: w.way,
            send_by: Dated {
                date: add_working_days(last_day, -i32::from(w.transit_working_days), region),
                why: Why::SendBy {
                    way: w.way,
                    transit_working_days: w.transit_working_days,
                },
            },
            delivered_by: last_day,
            ends_on,
        })
        .collect()
}

/// Per-way dates when terminable at any time: sent on `sent_on`, effective the notice after
/// delivery, and never before `floor` (the initial term's end).
fn ways_any_time(terms: &ContractTerms, sent_on: Date, floor: Date, region: Region) -> Vec<WayDeadline> {
    terms
        .ways()
        .iter()
        .map(|w| {
            let delivered = add_working_days(sent_on, i32::from(w.transit_working_days), region);
            let ends_on = terms.notice().after(delivered).max(floor);
            WayDeadline {
                way: w.way,
                send_by: Dated {
                    date: sent_on,
                    why: Why::AnyTime {
                        way: w.way,
                        delivered,
                        ends_on,
                        notice: terms.notice(),
                    },
                },
                delivered_by: delivered,
                ends_on,
            }
        })
        .collect()
}

/// The dates of `terms` on `today` in `region`'s holiday calendar (CTR-DEADLINE, CTR-SEND-BY,
/// CTR-RENEWAL).
///
/// - Tacit renewal: the current term's end (renewal date), the last day to terminate (renewal
///   date minus the notice, moved earlier to a working day) and the send-by date per way; once
///   today is past the last day, the next term's dates, with the missed deadline.
/// - Open-ended: during the initial term, the same as a renewal at the term's end; after its
///   last day, terminable at any time: the effective end is today's sending + transit + notice.
/// - Ends: the end date, nothing to send.
pub fn deadlines(terms: &ContractTerms, today: Date, region: Region) -> Deadlines {
    let start = terms.start();
    let first_end = term_end_dated(terms, 0);
    match terms.renewal() {
        Renewal::Tacit { .. } => {
            let current = term_index_on(terms, today);
            let status = if today < start {
                Status::NotStarted
            } else {
                Status::InTerm { term_index: current }
            };
            let term_end = term_end_dated(terms, current);
            let mut missed = None;
            // Notice never exceeds the renewal period (validated), so this advances at most
            // twice; the bound only guards against a logic error looping forever.
            for index in current..current.saturating_add(1000) {
                let Some(end) = term_end_dated(terms, index) else { break };
                let last = last_day_for(end.date, terms.notice(), region);
                if last.date >= today {
                    return Deadlines {
                        today,
                        status,
                        term_end,
                        exit: Exit::Deadline {
                            send_by: ways_for_deadline(terms, last.date, end.date, region),
                            ends_on: end,
                            last_day: last,
                            missed,
                        },
                    };
                }
                if missed.is_none() {
                    missed = Some(Missed {
                        term_end: end.date,
                        last_day: last.date,
                    });
                }
            }
            // Unreachable with validated terms: report the current term without an exit date.
            Deadlines {
                today,
                status,
                term_end,
                exit: Exit::AnyTime {
                    send_by: Vec::new(),
                    missed,
                },
            }
        }
        Renewal::OpenEnded => {
            let end = first_end.unwrap_or(Dated {
                date: start,
                why: Why::TermEnd {
                    start,
                    months: 0,
                    renewal: Renewal::OpenEnded,
                },
            });
            let in_term = terms.term_months() > 0 && today < end.date;
            let status = match (today < start, in_term) {
                (true, _) => Status::NotStarted,
                (false, true) => Status::InTerm { term_index: 0 },
                (false, false) => Status::OpenEnded,
            };
            let term_end = in_term.then_some(end);
            if terms.term_months() > 0 {
                let last = last_day_for(end.date, terms.notice(), region);
                if last.date >= today {
                    return Deadlines {
                        today,
                        status,
                        term_end,
                        exit: Exit::Deadline {
                            send_by: ways_for_deadline(terms, last.date, end.date, region),
                            ends_on: end,
                            last_day: last,
                            missed: None,
                        },
                    };
                }
                let missed = in_term.then_some(Missed {
                    term_end: end.date,
                    last_day: last.date,
                });
                return any_time(terms, today, end.date, status, term_end, missed, region);
            }
            any_time(terms, today, start, status, None, None, region)
        }
        Renewal::Ends => {
            let end = first_end.unwrap_or(Dated {
                date: start,
                why: Why::TermEnd {
                    start,
                    months: 0,
                    renewal: Renewal::Ends,
                },
            });
            if today < end.date {
                Deadlines {
                    today,
                    status: if today < start {
                        Status::NotStarted
                    } else {
                        Status::InTerm { term_index: 0 }
                    },
                    term_end: Some(end),
                    exit: Exit::EndsByItself { on: end },
                }
            } else {
                Deadlines {
                    today,
                    status: Status::Ended,
                    term_end: None,
                    exit: Exit::Ended { on: end.date },
                }
            }
        }
    }
}

fn any_time(
    terms: &ContractTerms,
    today: Date,
    floor: Date,
    status: Status,
    term_end: Option<Dated>,
    missed: Option<Missed>,
    region: Region,
) -> Deadlines {
    Deadlines {
        today,
        status,
        term_end,
        exit: Exit::AnyTime {
            send_by: ways_any_time(terms, today, floor, region),
            missed,
        },
    }
}
