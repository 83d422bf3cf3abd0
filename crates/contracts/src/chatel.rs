//! The Châtel rule for non-professional holders (CTR-CHATEL; Code de la consommation
//! L215-1, extended to non-professionals by L215-3).
//!
//! For a tacitly renewed contract, the supplier must tell the holder, at the earliest three
//! months and at the latest one month before the last day to refuse the renewal, that it may
//! do so. When it did not, the holder may terminate at any time from the renewal date.

use crate::dates::{add_months, format_date};
use crate::deadlines::last_day_for;
use crate::holidays::Region;
use crate::terms::{ContractTerms, Renewal};
use jiff::civil::Date;
use kernel::Lang;
use serde::{Deserialize, Serialize};

/// Who holds the contract, as far as consumer law cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// A company acting for its business: L215-1 does not apply.
    #[default]
    Professional,
    /// An association (non-professional, L215-3).
    Association,
    /// A co-ownership body, syndicat de copropriétaires (non-professional, L215-3).
    CoOwnership,
    /// A person acting outside any business.
    Consumer,
}

impl HolderKind {
    pub fn is_protected(self) -> bool {
        !matches!(self, HolderKind::Professional)
    }

    pub fn code(self) -> &'static str {
        match self {
            HolderKind::Professional => "professional",
            HolderKind::Association => "association",
            HolderKind::CoOwnership => "co_ownership",
            HolderKind::Consumer => "consumer",
        }
    }
}

/// When the supplier's L215-1 notice must arrive for a given deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeWindow {
    /// The renewal the notice is about.
    pub renewal: Date,
    /// The last day to refuse that renewal.
    pub deadline: Date,
    /// Earliest day: the deadline minus three months.
    pub from: Date,
    /// Latest day: the deadline minus one month.
    pub to: Date,
}

impl NoticeWindow {
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }
}

/// What the Châtel rule says for a contract on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Chatel {
    /// The holder is a professional: the rule does not apply.
    ProfessionalHolder,
    /// The contract does not renew tacitly: nothing to protect against.
    NotTacit,
    /// No renewal has happened yet; the supplier must send its notice within `next`.
    NotRenewedYet { next: NoticeWindow },
    /// The supplier informed the holder in time for the last renewal: ordinary rules apply.
    Informed {
        window: NoticeWindow,
        on: Date,
        next: NoticeWindow,
    },
    /// The supplier's notice is missing or was outside its window: the holder may terminate
    /// at any time from `since` (the renewal date), free of charge.
    TerminableAnyTime {
        since: Date,
        window: NoticeWindow,
        supplier_notice: Option<Date>,
    },
}

impl Chatel {
    pub fn explain(&self, lang: Lang) -> String {
        let d = |date: Date| format_date(date, lang);
        match (self, lang) {
            (Chatel::ProfessionalHolder, Lang::Fr) => {
                "Titulaire professionnel : l'article L215-1 du Code de la consommation ne s'applique pas.".into()
            }
            (Chatel::ProfessionalHolder, Lang::En) => {
                "Professional holder: article L215-1 of the Consumer Code does not apply.".into()
            }
            (Chatel::NotTacit, Lang::Fr) => "Pas de reconduction tacite : l'article L215-1 ne s'applique pas.".into(),
            (Chatel::NotTacit, Lang::En) => "No tacit renewal: article L215-1 does not apply.".into(),
            (Chatel::NotRenewedYet { next }, Lang::Fr) => format!(
                "Le fournisseur doit vous informer de la possibilité de ne pas reconduire le contrat entre le {} et le {} (échéance du {}).",
                d(next.from),
                d(next.to),
                d(next.renewal)
            ),
            (Chatel::NotRenewedYet { next }, Lang::En) => format!(
                "The supplier must tell you that you may refuse the renewal between {} and {} (renewal on {}).",
                d(next.from),
                d(next.to),
                d(next.renewal)
            ),
            (Chatel::Informed { window, on, .. }, Lang::Fr) => format!(
                "Le fournisseur vous a informé le {}, dans le délai (du {} au {}) : les règles ordinaires de résiliation s'appliquent.",
                d(*on),
                d(window.from),
                d(window.to)
            ),
            (Chatel::Informed { window, on, .. }, Lang::En) => format!(
                "The supplier informed you on {}, within the window ({} to {}): the ordinary termination rules apply.",
                d(*on),
                d(window.from),
                d(window.to)
            ),
            (Chatel::TerminableAnyTime { since, window, .. }, Lang::Fr) => format!(
                "Le fournisseur ne vous a pas informé entre le {} et le {} comme l'exige l'article L215-1 du Code de la consommation : vous pouvez résilier à tout moment et sans frais depuis la reconduction du {}.",
                d(window.from),
                d(window.to),
                d(*since)
            ),
            (Chatel::TerminableAnyTime { since, window, .. }, Lang::En) => format!(
                "The supplier did not inform you between {} and {} as article L215-1 of the Consumer Code requires: you may terminate at any time, free of charge, since the renewal on {}.",
                d(window.from),
                d(window.to),
                d(*since)
            ),
        }
    }
}

/// The supplier's notice window for the renewal at `renewal`.
pub fn notice_window(terms: &ContractTerms, renewal: Date, region: Region) -> NoticeWindow {
    let deadline = last_day_for(renewal, terms.notice(), region).date;
    NoticeWindow {
        renewal,
        deadline,
        from: add_months(deadline, -3),
        to: add_months(deadline, -1),
    }
}

/// What CTR-CHATEL says on `today` for a contract held by `holder`, given the date the
/// supplier sent its L215-1 notice for the latest renewal, if it did.
pub fn chatel(
    terms: &ContractTerms,
    holder: HolderKind,
    supplier_notice: Option<Date>,
    today: Date,
    region: Region,
) -> Chatel {
    if !holder.is_protected() {
        return Chatel::ProfessionalHolder;
    }
    let Renewal::Tacit { .. } = terms.renewal() else {
        return Chatel::NotTacit;
    };
    // The term running today; the renewal that started it is the previous term's end.
    let mut index = 0;
    while terms.term_end(index).is_some_and(|end| end <= today) {
        index += 1;
    }
    let window_for = |i: u32| terms.term_end(i).map(|renewal| notice_window(terms, renewal, region));
    let Some(next) = window_for(index) else {
        return Chatel::NotTacit;
    };
    let Some(window) = index.checked_sub(1).and_then(window_for) else {
        return Chatel::NotRenewedYet { next };
    };
    match supplier_notice {
        Some(on) if window.contains(on) => Chatel::Informed { window, on, next },
        _ => Chatel::TerminableAnyTime {
            since: window.renewal,
            window,
            supplier_notice,
        },
    }
}
