//! Invoice lines and totals: what one billing date of an account's group costs.
//!
//! One invoice per billing point lists every subscription of the group with its own lines
//! (INES-ONE-INVOICE). Lines billed in advance cover the period starting on the billing date;
//! a short first period is pro-rated by days (CLX-PRORATA); the set-up fee comes once, with the
//! first period of each subscription (INES-SETUP-50). Amounts are cents, each line rounded half
//! up once; VAT is computed per rate on the sum of that rate's lines.

use crate::money::{Cents, Rate, UnitPrice};
use crate::offer::{FeeTrigger, LineKind, LookupError, Offer, Selection, Timing};
use crate::periods::{BilledPeriod, Period, Schedule};
use jiff::civil::Date;
use std::collections::BTreeMap;

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InvoiceLine {
    /// What kind of charge: `subscription`, `units`, `options`, `fee`.
    pub kind: String,
    /// People's description: offer, plan or option, and the period.
    pub description: String,
    pub quantity: u64,
    pub unit_price: UnitPrice,
    pub vat_rate: Rate,
    /// `quantity × unit_price`, pro-rated for a short period, rounded half up.
    pub amount: Cents,
    /// The service period the line covers (end excluded), if it covers one.
    pub period: Option<Period>,
}

/// The totals of a set of lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub excl_vat: Cents,
    /// VAT per rate: the base and the tax.
    pub vat: BTreeMap<u32, (Cents, Cents)>,
    pub vat_total: Cents,
    pub incl_vat: Cents,
}

/// Totals: excluding VAT, VAT per rate (computed on each rate's base), including VAT.
pub fn totals(lines: &[InvoiceLine]) -> Totals {
    let mut by_rate: BTreeMap<u32, Cents> = BTreeMap::new();
    for line in lines {
        *by_rate.entry(line.vat_rate.basis_points()).or_insert(Cents(0)) += line.amount;
    }
    let vat: BTreeMap<u32, (Cents, Cents)> = by_rate
        .into_iter()
        .map(|(bp, base)| (bp, (base, Rate::from_basis_points(bp).of(base))))
        .collect();
    let excl_vat: Cents = lines.iter().map(|l| l.amount).sum();
    let vat_total: Cents = vat.values().map(|(_, tax)| *tax).sum();
    Totals {
        excl_vat,
        vat,
        vat_total,
        incl_vat: excl_vat + vat_total,
    }
}

/// The lines billed in advance for one period of one subscription, at the offer's prices.
/// `first` adds the one-off fees charged at subscription or activation.
pub fn period_lines(
    offer: &Offer,
    selection: &Selection,
    period: &BilledPeriod,
    first: bool,
) -> Result<Vec<InvoiceLine>, LookupError> {
    period_lines_at(offer, selection, period, first, None)
}

/// A plan price announced to one subscription, and the first day a period may be billed at it
/// (the start of the first period at the new price: OSX-PRICE-30D, DGT-PRICE-NOTICE,
/// INES-PRICE-1M).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledPrice {
    pub applies_from: Date,
    /// The plan's price per full period, excluding VAT.
    pub price: Cents,
}

/// The plan price in force for a period starting on `period_start`: the latest announced price
/// that applies from that day or before, or `None` when the offer's own price still holds.
/// A period is billed at one price from its start to its end: a change never splits it.
pub fn price_in_force(prices: &[ScheduledPrice], period_start: Date) -> Option<Cents> {
    prices
        .iter()
        .filter(|p| p.applies_from <= period_start)
        .max_by_key(|p| p.applies_from)
        .map(|p| p.price)
}

/// The recurring lines the offer bills in arrears (terme échu) for `period`, once it is over:
/// billed at the next billing point, or at the end for the last period. Consumption is not
/// among them: it is metered, not recurring.
pub fn arrears_lines(
    offer: &Offer,
    selection: &Selection,
    period: &BilledPeriod,
    plan_price: Option<Cents>,
) -> Result<Vec<InvoiceLine>, LookupError> {
    let mut lines = timed_lines(offer, selection, period, plan_price, Timing::InArrears)?;
    for line in &mut lines {
        line.description.push_str(" (terme échu / in arrears)");
    }
    Ok(lines)
}

/// The recurring lines of `period` billed with `timing`, pro rata when the period is partial.
fn timed_lines(
    offer: &Offer,
    selection: &Selection,
    period: &BilledPeriod,
    plan_price: Option<Cents>,
    timing: Timing,
) -> Result<Vec<InvoiceLine>, LookupError> {
    let mut lines = Vec::new();
    let partial = period.is_partial();
    for mut charge in offer.recurring_charges(selection)? {
        // Consumption in arrears is metered usage, billed from its own records.
        if charge.timing != timing || (timing == Timing::InArrears && charge.kind == LineKind::Consumption) {
            continue;
        }
        if let (LineKind::Subscription, Some(price)) = (charge.kind, plan_price) {
            charge.unit_price = UnitPrice::from_cents(price);
            charge.amount = price.times(charge.quantity);
        }
        let amount = period.charge(charge.amount);
        let kind = match charge.kind {
            LineKind::Subscription => "subscription",
            LineKind::Units => "units",
            LineKind::Options => "options",
            LineKind::Consumption => "consumption",
            _ => "other",
        };
        let mut description = format!("{} — {}", offer.name, charge.label);
        if partial {
            description.push_str(&format!(
                " (pro rata {}/{} days)",
                period.dates.days(),
                period.nominal.days()
            ));
        }
        lines.push(InvoiceLine {
            kind: kind.to_string(),
            description,
            quantity: charge.quantity,
            unit_price: charge.unit_price,
            vat_rate: offer.vat_rate,
            amount,
            period: Some(period.dates),
        });
    }
    Ok(lines)
}

/// [`period_lines`], with the plan's own price replaced by `plan_price` when a price change is
/// in force for the period (see [`price_in_force`]). Units, options and fees keep the offer's
/// prices: a price change names one plan and period.
pub fn period_lines_at(
    offer: &Offer,
    selection: &Selection,
    period: &BilledPeriod,
    first: bool,
    plan_price: Option<Cents>,
) -> Result<Vec<InvoiceLine>, LookupError> {
    let mut lines = timed_lines(offer, selection, period, plan_price, Timing::InAdvance)?;
    if first {
        for fee in &offer.fees {
            if matches!(fee.charged, FeeTrigger::AtSubscription | FeeTrigger::AtActivation) {
                lines.push(InvoiceLine {
                    kind: "fee".to_string(),
                    description: format!("{} — {}", offer.name, fee.name),
                    quantity: 1,
                    unit_price: UnitPrice::from_cents(fee.amount),
                    vat_rate: offer.vat_rate,
                    amount: fee.amount,
                    period: None,
                });
            }
        }
    }
    Ok(lines)
}

/// What the periods left in the commitment cost, from the period starting on or after
/// `ends_on` up to the commitment's end (INES-EARLY-TERM: ending early makes them due at once),
/// each at the price in force for it. Zero without a commitment end (an indefinite term), or
/// when `ends_on` is at or past it.
pub fn remaining_commitment_fees(
    offer: &Offer,
    selection: &Selection,
    schedule: &Schedule,
    ends_on: Date,
    prices: &[ScheduledPrice],
) -> Result<Cents, RemainingFeesError> {
    let Some(commitment_end) = offer.commitment_end(schedule)? else {
        return Ok(Cents::ZERO);
    };
    let mut total = Cents::ZERO;
    let (first, _) = schedule.boundary_on_or_after(ends_on)?;
    for period in (first..).map_while(|i| schedule.billed_period(i).ok()) {
        if period.dates.start >= commitment_end {
            break;
        }
        let plan_price = price_in_force(prices, period.dates.start);
        total += period_lines_at(offer, selection, &period, false, plan_price)?
            .iter()
            .map(|l| l.amount)
            .sum();
    }
    Ok(total)
}

/// Why the remaining fees of a commitment could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemainingFeesError {
    #[error(transparent)]
    Lifecycle(#[from] crate::LifecycleError),
    #[error(transparent)]
    Period(#[from] crate::PeriodError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
}

#[cfg(test)]
// Amounts in cents read as euros_cents: 105_60 is 105.60 €.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use crate::BillingPeriod;
    use jiff::civil::date;

    fn offer(name: &str) -> Offer {
        let path = format!("{}/../../offers/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("preset");
        Offer::parse(&path, &text).expect("valid preset")
    }

    // clause: CLX-PRORATA, CLX-FEES
    #[test]
    fn claralex_first_month_is_pro_rata_and_installation_comes_once() {
        let claralex = offer("claralex");
        let mut selection = Selection::new("standard", BillingPeriod::Monthly);
        selection.units.insert("licences".into(), 2);
        let schedule = claralex.schedule(date(2026, 3, 17), BillingPeriod::Monthly);
        let first = schedule.billed_period(0).expect("first");
        assert_eq!(
            (first.dates.start, first.dates.end),
            (date(2026, 3, 17), date(2026, 4, 1))
        );
        let lines = period_lines(&claralex, &selection, &first, true).expect("lines");
        // Hosting 10 € and two licences at 39 €, each for 15 days of 31, then installation.
        let hosting = lines.iter().find(|l| l.kind == "subscription").expect("hosting");
        assert_eq!(hosting.amount, Cents(10_00).prorate(15, 31));
        assert!(hosting.description.contains("15/31"));
        assert!(lines.iter().any(|l| l.kind == "fee" && l.amount == Cents(99_00)));
        let second = schedule.billed_period(1).expect("second");
        let full = period_lines(&claralex, &selection, &second, false).expect("lines");
        assert!(full.iter().all(|l| l.kind != "fee"), "installation only once");
        let t = totals(&full);
        assert_eq!(t.excl_vat, Cents(10_00 + 2 * 39_00));
        assert_eq!(t.vat_total, Cents(17_60));
        assert_eq!(t.incl_vat, Cents(105_60));
    }

    // clause: INES-SETUP-50, INES-ONE-INVOICE
    #[test]
    fn ines_bills_its_set_up_fee_with_the_first_quarter() {
        let ines = offer("ines");
        let mut selection = Selection::new("standard", BillingPeriod::Quarterly);
        selection.units.insert("users".into(), 3);
        let schedule = ines.schedule(date(2026, 4, 15), BillingPeriod::Quarterly);
        let first = schedule.billed_period(0).expect("first");
        let lines = period_lines(&ines, &selection, &first, true).expect("lines");
        let t = totals(&lines);
        // 135 € a quarter for the first user, 2 × 135 € more, 50 € set-up.
        assert_eq!(t.excl_vat, Cents(3 * 135_00 + 50_00));
        assert_eq!(
            t.vat.get(&2000).map(|(base, tax)| (base.0, tax.0)),
            Some((455_00, 91_00))
        );
    }

    #[test]
    fn a_period_is_billed_at_the_price_in_force_at_its_start() {
        let oseox = offer("oseox");
        let selection = Selection::new("s", BillingPeriod::Monthly);
        let schedule = oseox.schedule(date(2026, 1, 31), BillingPeriod::Monthly);
        let prices = [ScheduledPrice {
            applies_from: date(2026, 4, 30),
            price: Cents(24_90),
        }];
        let plan_price = |i: u32| {
            let period = schedule.billed_period(i).expect("period");
            let lines = period_lines_at(
                &oseox,
                &selection,
                &period,
                false,
                price_in_force(&prices, period.dates.start),
            )
            .expect("lines");
            totals(&lines).excl_vat
        };
        // 31 March still at 19.90; 30 April, the first period at or after the date, at 24.90.
        assert_eq!(plan_price(2), Cents(19_90));
        assert_eq!(plan_price(3), Cents(24_90));
        assert_eq!(plan_price(4), Cents(24_90));
        assert_eq!(price_in_force(&prices, date(2026, 4, 29)), None);
    }

    #[test]
    fn the_later_of_two_changes_wins_once_it_applies() {
        let prices = [
            ScheduledPrice {
                applies_from: date(2026, 5, 1),
                price: Cents(30_00),
            },
            ScheduledPrice {
                applies_from: date(2026, 3, 1),
                price: Cents(25_00),
            },
        ];
        assert_eq!(price_in_force(&prices, date(2026, 4, 1)), Some(Cents(25_00)));
        assert_eq!(price_in_force(&prices, date(2026, 5, 1)), Some(Cents(30_00)));
    }

    // clause: INES-EARLY-TERM
    #[test]
    fn remaining_fees_run_to_the_end_of_the_commitment_at_the_prices_in_force() {
        let ines = offer("ines");
        let mut selection = Selection::new("standard", BillingPeriod::Quarterly);
        selection.units.insert("users".into(), 1);
        let schedule = ines.schedule(date(2026, 3, 15), BillingPeriod::Quarterly);
        // 24 months: ending on 15 March 2027 leaves four quarters of 135 €.
        let fees = remaining_commitment_fees(&ines, &selection, &schedule, date(2027, 3, 15), &[]).expect("fees");
        assert_eq!(fees, Cents(4 * 135_00));
        let raised = [ScheduledPrice {
            applies_from: date(2027, 9, 15),
            price: Cents(150_00),
        }];
        let fees = remaining_commitment_fees(&ines, &selection, &schedule, date(2027, 3, 15), &raised).expect("fees");
        assert_eq!(fees, Cents(2 * 135_00 + 2 * 150_00));
        let at_end = remaining_commitment_fees(&ines, &selection, &schedule, date(2028, 3, 15), &[]).expect("fees");
        assert_eq!(at_end, Cents::ZERO);
        // An indefinite term has no commitment to pay off.
        let digitaleo = offer("digitaleo");
        let selection = Selection::new("standard", BillingPeriod::Monthly);
        let schedule = digitaleo.schedule(date(2026, 3, 1), BillingPeriod::Monthly);
        let none = remaining_commitment_fees(&digitaleo, &selection, &schedule, date(2026, 4, 1), &[]).expect("fees");
        assert_eq!(none, Cents::ZERO);
    }
}
