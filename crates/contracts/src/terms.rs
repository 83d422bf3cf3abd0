//! A contract's terms as a typed, validated value (CTR-RENEWAL, CTR-SEND-BY).
//!
//! A form, the API or the CSV import fills a [`TermsDraft`]; [`ContractTerms::new`] checks it
//! and returns either terms known to be coherent or every refused field at once.

use crate::dates::{Unit, add_days, add_months, count_unit};
use jiff::civil::Date;
use kernel::{FieldErrors, Lang};
use serde::{Deserialize, Serialize};

/// What happens when the initial term ends (CTR-RENEWAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Renewal {
    /// Renews by itself for `months` each time unless terminated in time (tacite reconduction).
    Tacit { months: u16 },
    /// Carries on for an indefinite period after the term: then terminable at any time with
    /// its notice. With a term of 0 months the contract is open-ended from its start.
    OpenEnded,
    /// Simply ends at the end of the term: nothing to terminate.
    Ends,
}

impl Renewal {
    pub fn code(self) -> &'static str {
        match self {
            Renewal::Tacit { .. } => "tacit",
            Renewal::OpenEnded => "open_ended",
            Renewal::Ends => "ends",
        }
    }
}

/// The notice a termination must give: counted back from the date it takes effect, and counted
/// from delivery (the counterparty must *receive* it by the last day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    Days(u16),
    Months(u16),
}

impl Notice {
    pub const NONE: Notice = Notice::Days(0);

    /// The date `self` before `date` (months clamped to the month's end, CPC 641).
    pub fn before(self, date: Date) -> Date {
        match self {
            Notice::Days(n) => add_days(date, -i32::from(n)),
            Notice::Months(n) => add_months(date, -i32::from(n)),
        }
    }

    /// The date `self` after `date`: when a termination delivered on `date` takes effect.
    pub fn after(self, date: Date) -> Date {
        match self {
            Notice::Days(n) => add_days(date, i32::from(n)),
            Notice::Months(n) => add_months(date, i32::from(n)),
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, Notice::Days(0) | Notice::Months(0))
    }

    /// `3 mois`, `90 days`.
    pub fn describe(self, lang: Lang) -> String {
        match self {
            Notice::Days(n) => count_unit(u32::from(n), Unit::Day, lang),
            Notice::Months(n) => count_unit(u32::from(n), Unit::Month, lang),
        }
    }
}

/// A way of sending a termination that a contract may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendingWay {
    /// Lettre recommandée avec accusé de réception: takes effect when delivered.
    RegisteredLetter,
    Email,
    OnlineForm,
    /// Inside the supplier's own application (unticking renewal in the account, say).
    InApp,
}

impl SendingWay {
    pub const ALL: [SendingWay; 4] = [
        SendingWay::RegisteredLetter,
        SendingWay::Email,
        SendingWay::OnlineForm,
        SendingWay::InApp,
    ];

    /// Default transit in working days (CTR-SEND-BY, cf. CLX-NOTICE-3D): a registered letter
    /// is delivered 3 working days after posting; the other ways arrive the same day.
    pub fn default_transit_working_days(self) -> u8 {
        match self {
            SendingWay::RegisteredLetter => 3,
            _ => 0,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SendingWay::RegisteredLetter => "registered_letter",
            SendingWay::Email => "email",
            SendingWay::OnlineForm => "online_form",
            SendingWay::InApp => "in_app",
        }
    }

    pub fn from_code(code: &str) -> Option<SendingWay> {
        SendingWay::ALL.into_iter().find(|w| w.code() == code.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (SendingWay::RegisteredLetter, Lang::Fr) => "lettre recommandée avec accusé de réception",
            (SendingWay::RegisteredLetter, Lang::En) => "registered letter with acknowledgement of receipt",
            (SendingWay::Email, Lang::Fr) => "courriel",
            (SendingWay::Email, Lang::En) => "email",
            (SendingWay::OnlineForm, Lang::Fr) => "formulaire en ligne",
            (SendingWay::OnlineForm, Lang::En) => "online form",
            (SendingWay::InApp, Lang::Fr) => "dans l'application du fournisseur",
            (SendingWay::InApp, Lang::En) => "in the supplier's application",
        }
    }
}

/// A way the contract accepts, with its transit time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AcceptedWay {
    pub way: SendingWay,
    /// Working days between sending and delivery.
    pub transit_working_days: u8,
}

impl AcceptedWay {
    /// The way with its default transit.
    pub fn new(way: SendingWay) -> Self {
        Self {
            way,
            transit_working_days: way.default_transit_working_days(),
        }
    }
}

impl From<SendingWay> for AcceptedWay {
    fn from(way: SendingWay) -> Self {
        AcceptedWay::new(way)
    }
}

/// Terms as entered, before validation. Field names are the form's and the API's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsDraft {
    pub start: Date,
    /// The initial term in months. May be left out when `end` is given, and is 0 for a
    /// contract open-ended from its start.
    pub term_months: Option<u16>,
    /// The initial term's last day as printed on the paper ("du 1er mars 2026 au 28 février
    /// 2027"), for contracts that state dates rather than a length. The term must then be a
    /// whole number of months: the day after `end` is `start` + n months.
    #[serde(default)]
    pub end: Option<Date>,
    pub renewal: Renewal,
    pub notice: Notice,
    #[serde(default)]
    pub ways: Vec<AcceptedWay>,
}

/// Longest accepted term or renewal period: 99 years (a commercial lease can run long).
pub const MAX_TERM_MONTHS: u16 = 99 * 12;
/// Oldest and latest start years accepted: beyond them a date is a typo.
pub const START_YEARS: std::ops::RangeInclusive<i16> = 1900..=2199;
/// A transit beyond this is a typo.
pub const MAX_TRANSIT_WORKING_DAYS: u8 = 15;

/// Validated terms: start, initial term, renewal, notice and accepted ways agree with each
/// other. Build with [`ContractTerms::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TermsDraft", into = "TermsDraft")]
pub struct ContractTerms {
    start: Date,
    term_months: u16,
    renewal: Renewal,
    notice: Notice,
    ways: Vec<AcceptedWay>,
}

impl TryFrom<TermsDraft> for ContractTerms {
    type Error = FieldErrors;
    fn try_from(draft: TermsDraft) -> Result<Self, Self::Error> {
        ContractTerms::new(draft)
    }
}

impl From<ContractTerms> for TermsDraft {
    fn from(terms: ContractTerms) -> Self {
        TermsDraft {
            start: terms.start,
            term_months: Some(terms.term_months),
            end: None,
            renewal: terms.renewal,
            notice: terms.notice,
            ways: terms.ways,
        }
    }
}

impl ContractTerms {
    /// Checks a draft; every refused field is reported with a stable code:
    ///
    /// | field | code | when |
    /// | --- | --- | --- |
    /// | `start` | `start_out_of_range` | the year is outside 1900–2199 |
    /// | `term_months` | `term_required` | no term and no `end`, and not open-ended |
    /// | `term_months` | `term_zero` | a 0-month term that renews or ends |
    /// | `term_months` | `term_too_long` | over 99 years |
    /// | `end` | `end_before_start` | the term's last day is before the start |
    /// | `end` | `end_not_whole_months` | the day after `end` is not start + n months |
    /// | `end` | `end_mismatch` | `end` and `term_months` disagree |
    /// | `renewal_months` | `renewal_zero`, `renewal_too_long` | a tacit renewal of 0 or over 99 years |
    /// | `notice` | `notice_too_long` | over 99 years |
    /// | `notice` | `notice_longer_than_term` | the notice would start before the contract does |
    /// | `notice` | `notice_longer_than_renewal` | the notice exceeds the renewal period |
    /// | `ways` | `ways_required` | no way to terminate a contract that needs one |
    /// | `ways` | `way_duplicate` | the same way listed twice |
    /// | `ways` | `transit_too_long` | a transit over 15 working days |
    pub fn new(draft: TermsDraft) -> Result<ContractTerms, FieldErrors> {
        let mut errors = FieldErrors::new();
        if !START_YEARS.contains(&draft.start.year()) {
            // Everything else is computed from the start: stop here rather than report noise.
            return Err(FieldErrors::single("start", "start_out_of_range"));
        }

        let from_end = match draft.end {
            Some(end) if end < draft.start => {
                errors.push("end", "end_before_start");
                None
            }
            Some(end) => {
                let renewal_day = add_days(end, 1);
                let months = months_between(draft.start, renewal_day);
                match months {
                    Some(m) if add_months(draft.start, i32::from(m)) == renewal_day => Some(m),
                    _ => {
                        errors.push("end", "end_not_whole_months");
                        None
                    }
                }
            }
            None => None,
        };
        let term_months = match (draft.term_months, from_end) {
            (Some(t), Some(e)) if t != e => {
                errors.push("end", "end_mismatch");
                Some(t)
            }
            (Some(t), _) => Some(t),
            (None, Some(e)) => Some(e),
            (None, None) if draft.end.is_some() => None,
            (None, None) if draft.renewal == Renewal::OpenEnded => Some(0),
            (None, None) => {
                errors.push("term_months", "term_required");
                None
            }
        };
        if let Some(t) = term_months {
            if t == 0 && draft.renewal != Renewal::OpenEnded {
                errors.push("term_months", "term_zero");
            }
            if t > MAX_TERM_MONTHS {
                errors.push("term_months", "term_too_long");
            }
        }
        if let Renewal::Tacit { months } = draft.renewal {
            if months == 0 {
                errors.push("renewal_months", "renewal_zero");
            }
            if months > MAX_TERM_MONTHS {
                errors.push("renewal_months", "renewal_too_long");
            }
        }

        let notice_too_long = match draft.notice {
            Notice::Days(d) => u32::from(d) > u32::from(MAX_TERM_MONTHS) * 31,
            Notice::Months(m) => m > MAX_TERM_MONTHS,
        };
        if notice_too_long {
            errors.push("notice", "notice_too_long");
        } else if let Some(t) = term_months.filter(|t| *t > 0 && *t <= MAX_TERM_MONTHS) {
            // Longer than the term: the last day to terminate would come before the start.
            let term_end = add_months(draft.start, i32::from(t));
            if draft.notice.before(term_end) < draft.start {
                errors.push("notice", "notice_longer_than_term");
            }
        }
        if let (Renewal::Tacit { months }, false) = (draft.renewal, notice_too_long)
            && months > 0
            && months <= MAX_TERM_MONTHS
            && notice_exceeds_period(draft.notice, months)
        {
            errors.push("notice", "notice_longer_than_renewal");
        }

        if draft.ways.is_empty() && draft.renewal != Renewal::Ends {
            errors.push("ways", "ways_required");
        }
        for (i, w) in draft.ways.iter().enumerate() {
            if draft.ways[..i].iter().any(|o| o.way == w.way) {
                errors.push("ways", "way_duplicate");
            }
            if w.transit_working_days > MAX_TRANSIT_WORKING_DAYS {
                errors.push("ways", "transit_too_long");
            }
        }

        errors.into_result()?;
        Ok(ContractTerms {
            start: draft.start,
            term_months: term_months.unwrap_or(0),
            renewal: draft.renewal,
            notice: draft.notice,
            ways: draft.ways,
        })
    }

    pub fn start(&self) -> Date {
        self.start
    }

    /// The initial term in months (0: open-ended from the start).
    pub fn term_months(&self) -> u16 {
        self.term_months
    }

    pub fn renewal(&self) -> Renewal {
        self.renewal
    }

    pub fn notice(&self) -> Notice {
        self.notice
    }

    pub fn ways(&self) -> &[AcceptedWay] {
        &self.ways
    }

    /// The accepted way of this kind, if the contract accepts it.
    pub fn way(&self, way: SendingWay) -> Option<AcceptedWay> {
        self.ways.iter().copied().find(|w| w.way == way)
    }

    /// Months from the start to the end of term `index` (0 is the initial term): the total
    /// that is added to the start in one go (CTR-DEADLINE). Renewed terms exist only for tacit
    /// renewal.
    pub fn months_to_term_end(&self, index: u32) -> Option<u32> {
        match self.renewal {
            Renewal::Tacit { months } => Some(u32::from(self.term_months) + index * u32::from(months)),
            _ if index == 0 => Some(u32::from(self.term_months)),
            _ => None,
        }
    }

    /// The end of term `index`, which is its renewal date: the first day of the next term,
    /// start + n months computed from the start with month-end clamping (CPC 641).
    pub fn term_end(&self, index: u32) -> Option<Date> {
        let months = self.months_to_term_end(index)?;
        Some(add_months(self.start, i32::try_from(months).unwrap_or(i32::MAX)))
    }
}

/// Whole months from `from` to `to`, when `to` is `from` + that many months; `None` before.
fn months_between(from: Date, to: Date) -> Option<u16> {
    let diff = (i32::from(to.year()) - i32::from(from.year())) * 12 + i32::from(to.month()) - i32::from(from.month());
    u16::try_from(diff).ok()
}

/// True when `notice` is longer than a period of `months` months, checked on the longest
/// months so that "31 days' notice on a monthly contract" is refused but "30 days" is not.
fn notice_exceeds_period(notice: Notice, months: u16) -> bool {
    match notice {
        Notice::Months(n) => n > months,
        Notice::Days(d) => u32::from(d) > u32::from(months) * 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn draft() -> TermsDraft {
        TermsDraft {
            start: date(2026, 1, 31),
            term_months: Some(12),
            end: None,
            renewal: Renewal::Tacit { months: 12 },
            notice: Notice::Months(3),
            ways: vec![SendingWay::RegisteredLetter.into()],
        }
    }

    fn codes(d: TermsDraft) -> Vec<(String, &'static str)> {
        match ContractTerms::new(d) {
            Ok(_) => vec![],
            Err(e) => e.0.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    #[test]
    fn valid_terms_keep_their_values() {
        let t = ContractTerms::new(draft()).unwrap();
        assert_eq!(t.term_end(0), Some(date(2027, 1, 31)));
        assert_eq!(t.term_end(1), Some(date(2028, 1, 31)));
        assert_eq!(t.way(SendingWay::RegisteredLetter).unwrap().transit_working_days, 3);
    }

    #[test]
    fn bad_terms_name_their_fields() {
        let mut d = draft();
        d.notice = Notice::Months(13);
        d.ways.push(SendingWay::RegisteredLetter.into());
        assert_eq!(
            codes(d),
            vec![
                ("notice".into(), "notice_longer_than_term"),
                ("notice".into(), "notice_longer_than_renewal"),
                ("ways".into(), "way_duplicate"),
            ]
        );
        let mut d = draft();
        d.term_months = None;
        d.end = Some(date(2025, 12, 1));
        assert_eq!(codes(d), vec![("end".into(), "end_before_start")]);
        let mut d = draft();
        d.term_months = Some(0);
        d.ways.clear();
        assert_eq!(
            codes(d),
            vec![("term_months".into(), "term_zero"), ("ways".into(), "ways_required")]
        );
        let mut d = draft();
        d.renewal = Renewal::Tacit { months: 0 };
        assert_eq!(codes(d), vec![("renewal_months".into(), "renewal_zero")]);
        let mut d = draft();
        d.start = date(1850, 1, 1);
        assert_eq!(codes(d), vec![("start".into(), "start_out_of_range")]);
    }

    #[test]
    fn an_end_date_gives_the_term() {
        let mut d = draft();
        d.start = date(2026, 3, 1);
        d.term_months = None;
        d.end = Some(date(2027, 2, 28));
        let t = ContractTerms::new(d.clone()).unwrap();
        assert_eq!(t.term_months(), 12);
        assert_eq!(t.term_end(0), Some(date(2027, 3, 1)));
        d.end = Some(date(2027, 2, 20));
        assert_eq!(codes(d.clone()), vec![("end".into(), "end_not_whole_months")]);
        d.end = Some(date(2027, 8, 31));
        d.term_months = Some(12);
        assert_eq!(codes(d), vec![("end".into(), "end_mismatch")]);
    }

    #[test]
    fn open_ended_from_the_start_needs_no_term() {
        let mut d = draft();
        d.term_months = None;
        d.renewal = Renewal::OpenEnded;
        let t = ContractTerms::new(d).unwrap();
        assert_eq!(t.term_months(), 0);
        assert_eq!(t.term_end(0), Some(date(2026, 1, 31)));
        assert_eq!(t.term_end(1), None);
    }

    #[test]
    fn serde_round_trip_validates() {
        let t = ContractTerms::new(draft()).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<ContractTerms>(&json).unwrap(), t);
        let bad = json.replace("\"months\":3", "\"months\":30");
        assert!(serde_json::from_str::<ContractTerms>(&bad).is_err());
    }
}
