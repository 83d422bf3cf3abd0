//! Discount and referral codes (OSX-CODES, OSX-NO-DISCOUNT).
//!
//! A code is a text the operator hands out (`BIENVENUE`, a referral code naming the account
//! that sponsors). Redeemed on a subscription, it reduces that subscription's periods by a
//! percentage or a fixed amount, once, for N billing periods, or for the subscription's life.
//!
//! Two rules shape everything here:
//! - a reduction never takes a subscription's period below zero, per VAT rate, and what it
//!   cannot use is lost: never a credit carried to another period or subscription (OSX-CODES);
//! - nothing is discounted unless a code was redeemed on an offer that accepts codes: there is
//!   no automatic discount (OSX-NO-DISCOUNT).
//!
//! Like the rest of the crate: no IO, no clock; `today` and the counts are arguments.

use crate::invoice::InvoiceLine;
use crate::money::{Cents, Rate, UnitPrice};
use crate::offer::Offer;
use jiff::civil::Date;
use kernel::{AccountId, FieldErrors};
use std::collections::BTreeMap;
use std::fmt;

/// Shortest and longest code text: short codes are guessable, long ones are mistyped.
pub const MIN_CODE_LEN: usize = 3;
pub const MAX_CODE_LEN: usize = 32;

/// A code's text: upper-case ASCII letters, digits, `-` and `_`, 3 to 32 characters. People
/// type codes in any case; `bienvenue` and `BIENVENUE` are the same code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CodeText(String);

/// Why a text is not a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeTextError {
    #[error("a code is required")]
    Empty,
    #[error("a code has {MIN_CODE_LEN} to {MAX_CODE_LEN} characters")]
    Length,
    #[error("a code has only letters A to Z, digits, `-` and `_`")]
    Characters,
}

impl CodeTextError {
    /// The stable error code of the API and the forms.
    pub fn code(self) -> &'static str {
        match self {
            CodeTextError::Empty => "required",
            CodeTextError::Length => "code_length",
            CodeTextError::Characters => "code_characters",
        }
    }
}

impl CodeText {
    /// Trims and upper-cases `raw`, then checks its length and characters.
    pub fn parse(raw: &str) -> Result<CodeText, CodeTextError> {
        let text = raw.trim().to_ascii_uppercase();
        if text.is_empty() {
            return Err(CodeTextError::Empty);
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(CodeTextError::Characters);
        }
        if !(MIN_CODE_LEN..=MAX_CODE_LEN).contains(&text.len()) {
            return Err(CodeTextError::Length);
        }
        Ok(CodeText(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CodeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who the code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// A promotional or personal offer of the operator.
    Discount,
    /// A customer sponsors another: the code names the referring account, which may not
    /// redeem its own code.
    Referral { referrer: AccountId },
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::Discount => "discount",
            CodeKind::Referral { .. } => "referral",
        }
    }
}

/// How much a code takes off each period it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// A share of the period's amount, above 0 % and at most 100 %.
    Percent(Rate),
    /// A fixed amount per period, excluding VAT, above zero. What the period cannot absorb is
    /// lost, never carried over.
    Fixed(Cents),
}

impl fmt::Display for Reduction {
    /// `100%`, `50.00 EUR`: the form invoice lines name it in (both languages read it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reduction::Percent(rate) => write!(f, "{rate}"),
            Reduction::Fixed(amount) => write!(f, "{amount} EUR"),
        }
    }
}

/// For how many billing periods a redeemed code reduces the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeDuration {
    /// The first billed period after redemption only.
    Once,
    /// This many billed periods (at least 1).
    Periods(u32),
    /// Every period, for the subscription's life.
    Forever,
}

impl CodeDuration {
    /// How many periods in all, `None` for ever.
    pub fn periods(self) -> Option<u32> {
        match self {
            CodeDuration::Once => Some(1),
            CodeDuration::Periods(n) => Some(n),
            CodeDuration::Forever => None,
        }
    }

    /// Whether a redemption that already reduced `used` periods still reduces the next one.
    pub fn covers(self, used: u32) -> bool {
        self.periods().is_none_or(|n| used < n)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CodeDuration::Once => "once",
            CodeDuration::Periods(_) => "periods",
            CodeDuration::Forever => "forever",
        }
    }
}

/// A code as the operator defined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscountCode {
    pub text: CodeText,
    pub kind: CodeKind,
    pub reduction: Reduction,
    pub duration: CodeDuration,
    /// The last day it may be redeemed; `None`: no end. Redemptions made before keep running
    /// for their duration.
    pub valid_until: Option<Date>,
    /// At most this many redemptions in all (every account together); `None`: no limit.
    pub max_redemptions: Option<u32>,
    /// The offers it may be redeemed on (their keys); empty: every offer that accepts codes.
    pub offers: Vec<String>,
    /// The plans it may be redeemed on (their ids); empty: every plan.
    pub plans: Vec<String>,
    /// Disabled by the operator: no new redemption; those made keep running.
    pub disabled: bool,
}

/// Why a code may not be redeemed, each with the stable code the API and the forms show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this code was disabled")]
    Disabled,
    #[error("this code expired")]
    Expired,
    #[error("this code reached its redemption limit")]
    Exhausted,
    /// OSX-NO-DISCOUNT: only offers that say so take codes.
    #[error("this offer accepts no discount code")]
    OfferRefusesCodes,
    #[error("this code does not apply to this offer or plan")]
    NotApplicable,
    #[error("this account already used this code")]
    AlreadyUsed,
    #[error("an account cannot redeem its own referral code")]
    OwnReferral,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Disabled => "code_disabled",
            Refusal::Expired => "code_expired",
            Refusal::Exhausted => "code_exhausted",
            Refusal::OfferRefusesCodes => "offer_refuses_codes",
            Refusal::NotApplicable => "code_not_applicable",
            Refusal::AlreadyUsed => "code_already_used",
            Refusal::OwnReferral => "code_own_referral",
        }
    }
}

/// The facts a redemption is judged on.
#[derive(Debug, Clone, Copy)]
pub struct RedemptionRequest<'a> {
    pub offer: &'a Offer,
    pub plan: &'a str,
    /// The redeeming account's day.
    pub today: Date,
    pub account: AccountId,
    /// Redemptions of this code so far, every account together.
    pub redemptions: u64,
    /// Whether this account redeemed this code before (on any subscription).
    pub already_redeemed: bool,
}

impl DiscountCode {
    /// Checks the operator's definition; each problem names its field: `code` is checked by
    /// [`CodeText::parse`], the rest here.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        match self.reduction {
            Reduction::Percent(rate) if rate.basis_points() == 0 || rate.basis_points() > 10_000 => {
                errors.push("percent", "percent_out_of_range")
            }
            Reduction::Fixed(amount) if amount.0 <= 0 => errors.push("amount", "amount_not_positive"),
            _ => {}
        }
        if self.duration == CodeDuration::Periods(0) {
            errors.push("periods", "periods_not_positive");
        }
        if self.max_redemptions == Some(0) {
            errors.push("max_redemptions", "max_redemptions_not_positive");
        }
        errors.into_result()
    }

    /// Whether the code is past its last day of redemption on `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        self.valid_until.is_some_and(|last| today > last)
    }

    /// Whether the code may be redeemed. The order gives the most useful reason first: a
    /// disabled or expired code is said so even on an offer that takes none.
    pub fn may_redeem(&self, r: &RedemptionRequest<'_>) -> Result<(), Refusal> {
        if self.disabled {
            return Err(Refusal::Disabled);
        }
        if self.is_expired(r.today) {
            return Err(Refusal::Expired);
        }
        if !r.offer.discount_codes {
            return Err(Refusal::OfferRefusesCodes);
        }
        let offer_ok = self.offers.is_empty() || self.offers.contains(&r.offer.id);
        let plan_ok = self.plans.is_empty() || self.plans.iter().any(|p| p == r.plan);
        if !offer_ok || !plan_ok {
            return Err(Refusal::NotApplicable);
        }
        if let CodeKind::Referral { referrer } = self.kind
            && referrer == r.account
        {
            return Err(Refusal::OwnReferral);
        }
        if r.already_redeemed {
            return Err(Refusal::AlreadyUsed);
        }
        if self.max_redemptions.is_some_and(|max| r.redemptions >= u64::from(max)) {
            return Err(Refusal::Exhausted);
        }
        Ok(())
    }
}

/// The negative lines that apply `reduction` to one subscription's lines for one period,
/// one line per VAT rate it reduces.
///
/// Per VAT rate, the base is the sum of the lines at that rate (earlier reductions included,
/// so two codes never reduce the same euro twice) and never less than zero; the reduction at
/// that rate never exceeds its base. A fixed amount is shared between rates in proportion to
/// their bases. The period as a whole is never taken below zero either. Whatever the period
/// cannot absorb is lost: its total ends in `[0, original]`, never a credit (OSX-CODES).
pub fn reduce(reduction: Reduction, lines: &[InvoiceLine], label: &str) -> Vec<InvoiceLine> {
    let mut bases: BTreeMap<Rate, Cents> = BTreeMap::new();
    for line in lines {
        *bases.entry(line.vat_rate).or_default() += line.amount;
    }
    let bases: Vec<(Rate, Cents)> = bases.into_iter().filter(|(_, base)| base.0 > 0).collect();
    let total: Cents = bases.iter().map(|(_, b)| *b).sum();
    let mut shares: Vec<(Rate, Cents)> = Vec::with_capacity(bases.len());
    match reduction {
        Reduction::Percent(rate) => {
            for (vat, base) in &bases {
                shares.push((*vat, rate.of(*base).min(*base)));
            }
        }
        Reduction::Fixed(amount) => {
            let amount = amount.max(Cents::ZERO);
            if amount >= total {
                shares.extend(bases.iter().copied());
            } else {
                // Proportional shares, the last rate taking what rounding left, each capped at
                // its base so a rounding cent never turns into a credit.
                let mut given = Cents::ZERO;
                for (i, (vat, base)) in bases.iter().enumerate() {
                    let share = if i + 1 == bases.len() {
                        amount - given
                    } else {
                        amount.prorate(base.0, total.0)
                    };
                    let share = share.min(*base).max(Cents::ZERO);
                    given += share;
                    shares.push((*vat, share));
                }
            }
        }
    }
    // A credit at another rate (a proration) keeps counting: the period as a whole is never
    // taken below zero either.
    let mut room = lines.iter().map(|l| l.amount).sum::<Cents>().max(Cents::ZERO);
    for (_, share) in &mut shares {
        *share = (*share).min(room);
        room -= *share;
    }
    // The service period the discount covers: the period of the lines it reduces.
    let period = lines.iter().find_map(|l| l.period);
    shares
        .into_iter()
        .filter(|(_, share)| share.0 > 0)
        .map(|(vat, share)| InvoiceLine {
            kind: "discount".to_string(),
            description: format!("{label} ({reduction})"),
            quantity: 1,
            unit_price: UnitPrice::from_cents(-share),
            vat_rate: vat,
            amount: -share,
            period,
        })
        .collect()
}

#[cfg(test)]
// Amounts in cents read as euros_cents: 19_90 is 19.90 €.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use crate::invoice::totals;
    use jiff::civil::date;

    fn line(amount: i64, vat_bp: u32) -> InvoiceLine {
        InvoiceLine {
            kind: "subscription".into(),
            description: "Oseox — S".into(),
            quantity: 1,
            unit_price: UnitPrice::from_cents(Cents(amount)),
            vat_rate: Rate::from_basis_points(vat_bp),
            amount: Cents(amount),
            period: None,
        }
    }

    fn preset(name: &str) -> Offer {
        let path = format!("{}/../../offers/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("preset");
        Offer::parse(&path, &text).expect("valid preset")
    }

    fn code(reduction: Reduction) -> DiscountCode {
        DiscountCode {
            text: CodeText::parse("bienvenue").expect("valid"),
            kind: CodeKind::Discount,
            reduction,
            duration: CodeDuration::Periods(2),
            valid_until: Some(date(2026, 3, 31)),
            max_redemptions: Some(2),
            offers: vec!["oseox".into()],
            plans: Vec::new(),
            disabled: false,
        }
    }

    #[test]
    fn code_texts_are_normalised_and_checked() {
        assert_eq!(
            CodeText::parse("  bienvenue-2026 ").map(|c| c.to_string()),
            Ok("BIENVENUE-2026".into())
        );
        assert_eq!(CodeText::parse(""), Err(CodeTextError::Empty));
        assert_eq!(CodeText::parse("ab"), Err(CodeTextError::Length));
        assert_eq!(CodeText::parse(&"A".repeat(33)), Err(CodeTextError::Length));
        assert_eq!(CodeText::parse("BIEN VENUE"), Err(CodeTextError::Characters));
        assert_eq!(CodeText::parse("ÉTÉ2026"), Err(CodeTextError::Characters));
    }

    // clause: OSX-CODES
    #[test]
    fn a_fixed_amount_larger_than_the_period_stops_at_zero() {
        let lines = vec![line(19_90, 2000)];
        let discount = reduce(Reduction::Fixed(Cents(50_00)), &lines, "Code WELCOME50");
        assert_eq!(discount.len(), 1);
        assert_eq!(discount[0].amount, Cents(-19_90));
        assert_eq!(discount[0].kind, "discount");
        assert!(discount[0].description.contains("WELCOME50"));
        let all: Vec<_> = lines.iter().chain(&discount).cloned().collect();
        let t = totals(&all);
        assert_eq!((t.excl_vat, t.vat_total, t.incl_vat), (Cents(0), Cents(0), Cents(0)));
    }

    // clause: OSX-CODES
    #[test]
    fn reductions_apply_per_vat_rate_never_beyond_each_base() {
        let lines = vec![line(100_00, 2000), line(50_00, 550), line(-10_00, 550)];
        // 10 % of each rate's base: 10.00 at 20 %, 4.00 at 5.5 %.
        let percent = reduce(Reduction::Percent(Rate::from_basis_points(1000)), &lines, "Code X");
        let by_rate: Vec<(u32, i64)> = percent
            .iter()
            .map(|l| (l.vat_rate.basis_points(), l.amount.0))
            .collect();
        assert_eq!(by_rate, vec![(550, -4_00), (2000, -10_00)]);
        // 70 € shared 100:40 between the rates: 50 € and 20 €.
        let fixed = reduce(Reduction::Fixed(Cents(70_00)), &lines, "Code X");
        let by_rate: Vec<(u32, i64)> = fixed.iter().map(|l| (l.vat_rate.basis_points(), l.amount.0)).collect();
        assert_eq!(by_rate, vec![(550, -20_00), (2000, -50_00)]);
        // A second code reduces what the first left, never the same euro twice.
        let all: Vec<_> = lines.iter().chain(&fixed).cloned().collect();
        let again = reduce(Reduction::Percent(Rate::from_basis_points(10_000)), &all, "Code Y");
        let everything: Vec<_> = all.iter().chain(&again).cloned().collect();
        assert_eq!(totals(&everything).incl_vat, Cents(0));
        // Nothing to reduce: no line at all.
        assert!(reduce(Reduction::Fixed(Cents(5_00)), &[line(0, 2000)], "Code Z").is_empty());
    }

    // clause: OSX-CODES, OSX-NO-DISCOUNT
    #[test]
    fn redemption_refusals_are_typed() {
        let oseox = preset("oseox");
        let ines = preset("ines");
        let me = AccountId::new();
        let c = code(Reduction::Percent(Rate::from_basis_points(10_000)));
        let request = RedemptionRequest {
            offer: &oseox,
            plan: "s",
            today: date(2026, 3, 31),
            account: me,
            redemptions: 1,
            already_redeemed: false,
        };
        assert_eq!(c.may_redeem(&request), Ok(()));
        let expired = RedemptionRequest {
            today: date(2026, 4, 1),
            ..request
        };
        assert_eq!(c.may_redeem(&expired), Err(Refusal::Expired));
        let exhausted = RedemptionRequest {
            redemptions: 2,
            ..request
        };
        assert_eq!(c.may_redeem(&exhausted), Err(Refusal::Exhausted));
        let again = RedemptionRequest {
            already_redeemed: true,
            ..request
        };
        assert_eq!(c.may_redeem(&again), Err(Refusal::AlreadyUsed));
        // INES takes no code at all (OSX-NO-DISCOUNT), whatever the code says.
        assert!(!ines.discount_codes);
        let any = DiscountCode {
            offers: Vec::new(),
            ..c.clone()
        };
        let on_ines = RedemptionRequest {
            offer: &ines,
            plan: "standard",
            ..request
        };
        assert_eq!(any.may_redeem(&on_ines), Err(Refusal::OfferRefusesCodes));
        let only_xl = DiscountCode {
            plans: vec!["xl".into()],
            ..c.clone()
        };
        assert_eq!(only_xl.may_redeem(&request), Err(Refusal::NotApplicable));
        let disabled = DiscountCode {
            disabled: true,
            ..c.clone()
        };
        assert_eq!(disabled.may_redeem(&request), Err(Refusal::Disabled));
        let referral = DiscountCode {
            kind: CodeKind::Referral { referrer: me },
            ..c
        };
        assert_eq!(referral.may_redeem(&request), Err(Refusal::OwnReferral));
    }

    #[test]
    fn definitions_are_checked_field_by_field() {
        let mut c = code(Reduction::Percent(Rate::from_basis_points(0)));
        c.duration = CodeDuration::Periods(0);
        c.max_redemptions = Some(0);
        let fields: Vec<String> = c.check().expect_err("refused").0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["percent", "periods", "max_redemptions"]);
        assert!(
            code(Reduction::Percent(Rate::from_basis_points(10_001)))
                .check()
                .is_err()
        );
        assert!(code(Reduction::Fixed(Cents(0))).check().is_err());
        assert!(code(Reduction::Fixed(Cents(1))).check().is_ok());
        assert!(CodeDuration::Once.covers(0) && !CodeDuration::Once.covers(1));
        assert!(CodeDuration::Periods(2).covers(1) && !CodeDuration::Periods(2).covers(2));
        assert!(CodeDuration::Forever.covers(u32::MAX));
    }
}
