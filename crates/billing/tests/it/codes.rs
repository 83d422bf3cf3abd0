//! Properties of discount and referral codes that must hold for any lines and any code.

use billing::codes::{Reduction, reduce};
use billing::invoice::{InvoiceLine, totals};
use billing::{Cents, Rate, UnitPrice};
use proptest::prelude::*;

/// A line of any kind the billing makes: charges, and the odd negative line (a proration
/// credit), at one of the French VAT rates.
fn line() -> impl Strategy<Value = InvoiceLine> {
    (
        -50_000i64..2_000_000,
        prop_oneof![Just(0u32), Just(210), Just(550), Just(1000), Just(2000)],
    )
        .prop_map(|(amount, vat_bp)| InvoiceLine {
            kind: "subscription".into(),
            description: "line".into(),
            quantity: 1,
            unit_price: UnitPrice::from_cents(Cents(amount)),
            vat_rate: Rate::from_basis_points(vat_bp),
            amount: Cents(amount),
            period: None,
        })
}

fn reduction() -> impl Strategy<Value = Reduction> {
    prop_oneof![
        (1u32..=10_000).prop_map(|bp| Reduction::Percent(Rate::from_basis_points(bp))),
        (1i64..5_000_000).prop_map(|c| Reduction::Fixed(Cents(c))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // clause: OSX-CODES
    #[test]
    fn a_reduced_period_costs_between_zero_and_its_original_price(
        lines in prop::collection::vec(line(), 0..8),
        first in reduction(),
        second in reduction(),
    ) {
        let original = totals(&lines);
        let discount = reduce(first, &lines, "Code A");
        let mut reduced_lines = lines.clone();
        reduced_lines.extend(discount.iter().cloned());
        // A second code only reduces what the first left.
        reduced_lines.extend(reduce(second, &reduced_lines, "Code B"));
        let reduced = totals(&reduced_lines);
        for l in &reduced_lines[lines.len()..] {
            prop_assert!(l.amount.0 < 0, "a discount line reduces: {l:?}");
            prop_assert_eq!(l.kind.as_str(), "discount");
        }
        for (rate, (base, tax)) in &reduced.vat {
            let before = original.vat.get(rate).map_or(Cents(0), |(b, _)| *b);
            // Never below zero per rate (unless it already was), never above what it was.
            prop_assert!(*base >= before.min(Cents(0)), "rate {rate}: {base:?} from {before:?}");
            prop_assert!(*base <= before, "rate {rate}: {base:?} from {before:?}");
            prop_assert!(*tax >= Rate::from_basis_points(*rate).of(before.min(Cents(0))));
        }
        let floor = original.excl_vat.min(Cents(0));
        prop_assert!(reduced.excl_vat >= floor && reduced.excl_vat <= original.excl_vat);
        prop_assert!(reduced.incl_vat <= original.incl_vat);
        if original.vat.values().all(|(base, _)| base.0 >= 0) {
            prop_assert!(reduced.incl_vat >= Cents(0), "never a credit: {reduced:?}");
        }
        if let Reduction::Fixed(amount) = first {
            let taken: Cents = discount.iter().map(|l| -l.amount).sum();
            prop_assert!(taken <= amount);
        }
    }
}
