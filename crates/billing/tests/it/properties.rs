//! Properties of billing periods and money that must hold for every date and amount.

use billing::periods::{days_between, prorate_plan_change};
use billing::{BillingAnchor, BillingPeriod, Cents, Schedule, UnitPrice};
use jiff::civil::Date;
use proptest::prelude::*;

/// Any start date from 1950 to 2150, every day number 1 to 31 included: a day a month lacks
/// (31 April) becomes that month's last day, so 29, 30 and 31 are well represented.
fn start_date() -> impl Strategy<Value = Date> {
    (1950i16..2150, 1i8..=12, 1i8..=31).prop_map(|(year, month, day)| {
        let first = Date::new(year, month, 1).expect("valid first of month");
        Date::new(year, month, day.min(first.days_in_month())).expect("valid day")
    })
}

fn period() -> impl Strategy<Value = BillingPeriod> {
    prop_oneof![
        Just(BillingPeriod::Monthly),
        Just(BillingPeriod::Quarterly),
        Just(BillingPeriod::Annual)
    ]
}

fn anchor() -> impl Strategy<Value = BillingAnchor> {
    prop_oneof![Just(BillingAnchor::Anniversary), Just(BillingAnchor::Calendar)]
}

/// Enough periods to cover 40 years whatever their length.
fn periods_for_40_years(period: BillingPeriod) -> u32 {
    40 * 12 / period.months() + 1
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn consecutive_periods_have_no_gap_and_no_overlap(start in start_date(), period in period(), anchor in anchor()) {
        let schedule = Schedule::new(start, period, anchor);
        let count = periods_for_40_years(period);
        let periods: Vec<_> = schedule.iter().take(count as usize).collect();
        prop_assert_eq!(periods.len(), count as usize);
        prop_assert_eq!(periods[0].dates.start, start);
        for (i, p) in periods.iter().enumerate() {
            prop_assert_eq!(p.index as usize, i);
            prop_assert!(p.dates.start < p.dates.end);
            // A billed period never exceeds the period its price is stated for.
            prop_assert!(p.nominal.start <= p.dates.start && p.dates.end == p.nominal.end);
            let months = i64::from(period.months());
            prop_assert!(p.nominal.days() >= 28 * months && p.nominal.days() <= 31 * months + 1);
        }
        for pair in periods.windows(2) {
            // The next period starts the day the previous one ends: no gap, no overlap.
            prop_assert_eq!(pair[0].dates.end, pair[1].dates.start);
        }
    }

    #[test]
    fn anniversary_periods_start_on_the_anchor_day_clamped(start in start_date(), period in period()) {
        // clause: OSX-ANNIVERSARY
        let schedule = Schedule::new(start, period, BillingAnchor::Anniversary);
        for p in schedule.iter().take(periods_for_40_years(period) as usize) {
            let expected_day = start.day().min(p.dates.start.days_in_month());
            prop_assert_eq!(p.dates.start.day(), expected_day);
            prop_assert!(!p.is_partial());
        }
    }

    #[test]
    fn calendar_periods_after_the_first_start_on_the_first(start in start_date(), period in period()) {
        // clause: CLX-PRORATA
        let schedule = Schedule::new(start, period, BillingAnchor::Calendar);
        for p in schedule.iter().skip(1).take(100) {
            prop_assert_eq!(p.dates.start.day(), 1);
            prop_assert_eq!((i64::from(p.dates.start.month()) - 1) % i64::from(period.months()), 0);
            prop_assert!(!p.is_partial());
        }
        let first = schedule.billed_period(0).expect("in range");
        prop_assert_eq!(first.is_partial(), start != first.nominal.start);
    }

    #[test]
    fn the_period_containing_a_date_contains_it(start in start_date(), period in period(), anchor in anchor(), offset in 0i64..15_000) {
        let schedule = Schedule::new(start, period, anchor);
        let day = start.checked_add(jiff::Span::new().days(offset)).expect("in range");
        let p = schedule.period_containing(day).expect("after the start");
        prop_assert!(p.dates.contains(day));
        prop_assert_eq!(schedule.billed_period(p.index).expect("in range"), p);
    }

    #[test]
    fn pro_rated_pieces_sum_to_the_full_price_within_a_cent(
        start in start_date(),
        period in period(),
        anchor in anchor(),
        index in 0u32..30,
        split in 0i64..400,
        price in 0i64..10_000_000,
    ) {
        let schedule = Schedule::new(start, period, anchor);
        let p = schedule.billed_period(index).expect("in range");
        let price = Cents(price);
        let split_after = split % (p.dates.days() + 1);
        let cut = p.dates.start.checked_add(jiff::Span::new().days(split_after)).expect("in range");
        let nominal_days = p.nominal.days();
        let first = price.prorate(days_between(p.dates.start, cut), nominal_days);
        let second = price.prorate(days_between(cut, p.dates.end), nominal_days);
        let whole = p.charge(price);
        prop_assert!((first + second - whole).cents().abs() <= 1, "{first} + {second} vs {whole}");
    }

    #[test]
    fn a_plan_change_never_credits_more_than_was_charged(
        start in start_date(),
        period in period(),
        anchor in anchor(),
        index in 0u32..30,
        split in 0i64..400,
        old in 0i64..1_000_000,
        new in 0i64..1_000_000,
    ) {
        let schedule = Schedule::new(start, period, anchor);
        let p = schedule.billed_period(index).expect("in range");
        let change_on = p.dates.start.checked_add(jiff::Span::new().days(split % p.dates.days())).expect("in range");
        let change = prorate_plan_change(&p, change_on, Cents(old), Cents(new)).expect("inside the period");
        prop_assert!(change.credit <= p.charge(Cents(old)));
        prop_assert!(change.charge <= p.charge(Cents(new)));
        prop_assert!(change.remaining_days >= 1 && change.remaining_days <= p.dates.days());
    }

    #[test]
    fn a_line_total_is_within_half_a_cent_of_the_exact_amount(micros in 0i64..100_000_000, quantity in 0u64..10_000_000) {
        let total = UnitPrice::from_micros(micros).line_total(quantity);
        let exact = i128::from(micros) * i128::from(quantity);
        let billed = i128::from(total.cents()) * 10_000;
        prop_assert!((billed - exact).abs() <= 5_000);
        // Half up: exactly half a cent goes up.
        if exact % 10_000 == 5_000 {
            prop_assert!(billed > exact);
        }
    }

    #[test]
    fn amounts_read_back_what_they_print(cents in -10_000_000_000i64..10_000_000_000) {
        let amount = Cents(cents);
        prop_assert_eq!(Cents::parse(&amount.to_string()), Ok(amount));
    }
}
