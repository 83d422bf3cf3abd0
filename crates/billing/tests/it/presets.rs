//! The five seed offers in `offers/` load and carry the terms of their seeds.

use billing::offer::{
    BillingStart, DueFrom, FeeTrigger, InactivityAction, LateInterest, LineKind, Module, MonthlyFee, NoticeEffect,
    NoticeWay, PaymentMethod, PaymentTerms, PlanPricing, Renewal, TermLength, Timing,
};
use billing::{BillingAnchor, BillingPeriod, Cents, Delay, LookupError, Offer, Quota, Rate, Selection, UnitPrice};

pub fn load(name: &str) -> Offer {
    let path = format!("{}/../../offers/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("preset file exists");
    match Offer::parse(&format!("offers/{name}.toml"), &text) {
        Ok(offer) => offer,
        Err(errors) => panic!("{errors}"),
    }
}

#[test]
fn every_preset_file_loads() {
    let dir = format!("{}/../../offers", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("offers directory")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "claralex.toml",
            "clog.toml",
            "digitaleo.toml",
            "ines.toml",
            "oseox.toml"
        ]
    );
    for name in names {
        let offer = load(name.trim_end_matches(".toml"));
        assert_eq!(format!("{}.toml", offer.id), name);
        assert_eq!(offer.vat_rate, Rate::from_basis_points(2000));
    }
}

#[test]
fn oseox_packs_prices_and_terms() {
    let offer = load("oseox");
    assert_eq!(offer.modules, [Module::Monitor]);
    let ids: Vec<&str> = offer.plans.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["free", "s", "l", "xl", "tailored"]);

    // clause: OSX-PACKS
    let http = |plan| offer.quota(plan, &[], "monitor.http_urls").expect("known");
    let ping = |plan| offer.quota(plan, &[], "monitor.ping_urls").expect("known");
    let link = |plan| offer.quota(plan, &[], "monitor.link_backlinks").expect("known");
    assert_eq!(
        (http("free"), ping("free"), link("free")),
        (Quota::Limited(20), Quota::Limited(1), Quota::Limited(5))
    );
    assert_eq!(
        (http("s"), ping("s"), link("s")),
        (Quota::Limited(5_000), Quota::Limited(5), Quota::Limited(100))
    );
    assert_eq!(
        (http("l"), ping("l"), link("l")),
        (Quota::Limited(50_000), Quota::Limited(25), Quota::Limited(500))
    );
    assert_eq!(
        (http("xl"), ping("xl"), link("xl")),
        (Quota::Limited(200_000), Quota::Limited(50), Quota::Limited(5_000))
    );
    assert!(http("free").allows(20));
    assert!(!http("free").allows(21));
    assert_eq!(offer.plan("tailored").expect("exists").pricing, PlanPricing::OnQuote);

    // clause: OSX-PRICES
    let price = |plan, period| offer.price(plan, period).expect("sold");
    let monthly = |plan| price(plan, BillingPeriod::Monthly);
    let annual = |plan| price(plan, BillingPeriod::Annual);
    assert_eq!((monthly("s").list, monthly("s").current), (Cents(2990), Cents(1990)));
    assert_eq!((monthly("l").list, monthly("l").current), (Cents(6990), Cents(4990)));
    assert_eq!(
        (monthly("xl").list, monthly("xl").current),
        (Cents(19_990), Cents(16_990))
    );
    assert_eq!((annual("s").list, annual("s").current), (Cents(29_900), Cents(19_900)));
    assert_eq!((annual("l").list, annual("l").current), (Cents(69_900), Cents(49_900)));
    assert_eq!(
        (annual("xl").list, annual("xl").current),
        (Cents(199_900), Cents(169_900))
    );
    assert!(matches!(
        offer.price("s", BillingPeriod::Quarterly),
        Err(LookupError::PeriodNotSold { .. })
    ));
    assert!(matches!(
        offer.price("tailored", BillingPeriod::Monthly),
        Err(LookupError::PlanOnQuote { .. })
    ));

    // clause: OSX-FREE
    assert!(offer.plan("free").expect("exists").is_free());
    assert_eq!(monthly("free").current, Cents::ZERO);

    // clause: OSX-RENEW-48H
    assert_eq!(offer.term.length, TermLength::BillingPeriod);
    assert_eq!(
        offer.term.renewal,
        Renewal::Automatic {
            untick_before: Delay::Hours(48)
        }
    );
    // clause: OSX-ANNIVERSARY
    assert_eq!(offer.billing.anchor, BillingAnchor::Anniversary);
    // clause: OSX-PAY-UPFRONT
    assert_eq!(offer.activation.billing_starts, BillingStart::Subscription);
    let payment = offer.payment.as_ref().expect("paid plans");
    assert_eq!(payment.terms, PaymentTerms::Upfront);
    assert_eq!(payment.methods, [PaymentMethod::Card]);
    // clause: OSX-LATE
    assert_eq!(payment.late.interest, Some(LateInterest::TimesEcbRate(3)));
    assert_eq!(payment.late.recovery_indemnity, Some(Cents(4000)));
    assert!(payment.late.all_sums_due);
    assert_eq!(payment.late.formal_notice_delay, Some(Delay::Hours(48)));
    // clause: OSX-PRICE-30D
    assert_eq!(offer.price_change.as_ref().expect("stated").notice, Delay::Days(30));
    // clause: OSX-WITHDRAW-30D
    let withdrawal = offer.withdrawal.as_ref().expect("stated");
    assert_eq!(withdrawal.window, Delay::Days(30));
    assert!(withdrawal.once_per_client);
    assert_eq!(withdrawal.refund_within, Some(Delay::WorkingDays(15)));
    assert_eq!(withdrawal.ways, [NoticeWay::Email]);
    // clause: OSX-CODES
    assert!(offer.discount_codes);
}

#[test]
fn oseox_charges_the_current_price_upfront() {
    // clause: OSX-PRICES
    let offer = load("oseox");
    let charges = offer
        .recurring_charges(&Selection::new("l", BillingPeriod::Annual))
        .expect("sold");
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0].kind, LineKind::Subscription);
    assert_eq!(charges[0].amount, Cents(49_900));
    assert_eq!(charges[0].timing, Timing::InAdvance);
    assert_eq!(offer.vat(charges[0].amount), Cents(9_980));
    assert_eq!(
        offer
            .recurring_charges(&Selection::new("free", BillingPeriod::Monthly))
            .expect("free"),
        []
    );
}

#[test]
fn ines_commitment_fees_and_payment() {
    let offer = load("ines");
    assert_eq!(offer.modules, [Module::Crm]);
    // clause: INES-24M
    assert_eq!(offer.term.length, TermLength::Fixed(Delay::Months(24)));
    assert_eq!(offer.term.renewal, Renewal::Tacit);
    // clause: INES-TERM-3M
    assert_eq!(offer.notice.length, Some(Delay::Months(3)));
    assert_eq!(offer.notice.effective, NoticeEffect::AtRenewal);
    assert_eq!(offer.notice.ways, [NoticeWay::RegisteredLetter]);
    assert!(!offer.notice.before_activation);
    // clause: INES-ACTIVATE-1M
    assert_eq!(offer.activation.billing_starts, BillingStart::Activation);
    assert_eq!(offer.activation.automatic_after, Some(Delay::Months(1)));
    // clause: INES-SETUP-50
    let setup = offer.fee("setup").expect("stated");
    assert_eq!((setup.amount, setup.charged), (Cents(5000), FeeTrigger::AtSubscription));
    // clause: INES-EXPORT-145
    let export = offer.fee("data_export").expect("stated");
    assert_eq!((export.amount, export.charged), (Cents(14_500), FeeTrigger::OnRequest));
    // clause: INES-PAY-PERIOD
    let payment = offer.payment.as_ref().expect("paid");
    assert_eq!(
        offer.payment_methods(BillingPeriod::Quarterly),
        [PaymentMethod::SepaDirectDebit]
    );
    assert_eq!(
        offer.payment_methods(BillingPeriod::Annual),
        [PaymentMethod::Transfer, PaymentMethod::Cheque]
    );
    assert_eq!(offer.billing.timing(LineKind::Subscription), Timing::InAdvance);
    // clause: INES-FEES-15
    assert_eq!(payment.monthly_fees.get(&MonthlyFee::Cheque), Some(&Cents(1500)));
    assert_eq!(payment.monthly_fees.get(&MonthlyFee::PaperInvoice), Some(&Cents(1500)));
    // clause: INES-LATE-10
    let penalty = payment.late.penalty.expect("stated");
    assert_eq!(penalty.rate, Rate::from_basis_points(1000));
    assert!(payment.late.extends_commitment);
    assert!(payment.late.suspends_support);
    // clause: INES-PRICE-1M
    let change = offer.price_change.as_ref().expect("stated");
    assert_eq!(change.notice, Delay::Months(1));
    assert!(change.right_to_refuse);
    // clause: INES-EARLY-TERM
    assert!(offer.early_termination.remaining_fees_due);
    assert!(offer.early_termination.except_after_price_increase);
}

#[test]
fn ines_prices_per_user_per_period() {
    let offer = load("ines");
    // 3 users, quarterly: 135 for the plan and its first user, 2 × 135 more.
    let charges = offer
        .recurring_charges(&Selection::new("standard", BillingPeriod::Quarterly).with_units("users", 3))
        .expect("sold");
    let total: Cents = charges.iter().map(|c| c.amount).sum();
    assert_eq!(total, Cents(40_500));
    let units = charges.iter().find(|c| c.kind == LineKind::Units).expect("extra users");
    assert_eq!((units.code.as_str(), units.quantity), ("users", 2));
    let selection = Selection::new("standard", BillingPeriod::Quarterly).with_units("users", 3);
    assert_eq!(offer.allowance(&selection, "users"), Ok(Quota::Limited(3)));
    assert!(matches!(
        offer.recurring_charges(&Selection::new("standard", BillingPeriod::Monthly)),
        Err(LookupError::PeriodNotSold { .. })
    ));
}

#[test]
fn claralex_licences_hosting_calls_and_installation() {
    let offer = load("claralex");
    assert_eq!(offer.modules, [Module::Calls]);
    // clause: CLX-FEES
    let charges = offer
        .recurring_charges(&Selection::new("standard", BillingPeriod::Monthly).with_units("licences", 3))
        .expect("sold");
    let amounts: Vec<(LineKind, u64, Cents, Timing)> = charges
        .iter()
        .map(|c| (c.kind, c.quantity, c.amount, c.timing))
        .collect();
    assert_eq!(
        amounts,
        [
            (LineKind::Subscription, 1, Cents(1000), Timing::InAdvance),
            (LineKind::Units, 3, Cents(11_700), Timing::InAdvance)
        ]
    );
    // One licence at least: the default selection takes the minimum.
    let default = offer
        .recurring_charges(&Selection::new("standard", BillingPeriod::Monthly))
        .expect("sold");
    assert_eq!(default.iter().map(|c| c.amount).sum::<Cents>(), Cents(4900));
    assert!(matches!(
        offer.recurring_charges(&Selection::new("standard", BillingPeriod::Monthly).with_units("licences", 0)),
        Err(LookupError::BelowMinimum { .. })
    ));
    let installation = offer.fee("installation").expect("stated");
    assert_eq!(
        (installation.amount, installation.charged),
        (Cents(9900), FeeTrigger::AtActivation)
    );
    // Calls beyond the bundle, in arrears: 1,234 minutes with 1,000 included → 234 × 0.02.
    let calls = offer.consumption_charge("call_minutes", 1_234).expect("priced");
    assert_eq!(
        (calls.quantity, calls.amount, calls.timing),
        (234, Cents(468), Timing::InArrears)
    );
    assert_eq!(
        offer.consumption_charge("call_minutes", 900).expect("priced").amount,
        Cents::ZERO
    );

    let payment = offer.payment.as_ref().expect("paid");
    assert_eq!(
        payment.terms,
        PaymentTerms::Net {
            days: 7,
            from: DueFrom::Receipt
        }
    );
    assert_eq!(
        payment.methods,
        [PaymentMethod::Cheque, PaymentMethod::Transfer, PaymentMethod::Card]
    );
    // clause: CLX-LATE-10
    let penalty = payment.late.penalty.expect("stated");
    assert_eq!(
        (penalty.rate, penalty.after),
        (Rate::from_basis_points(1000), Some(Delay::Days(7)))
    );
    // clause: CLX-ALL-DUE
    assert!(payment.late.all_sums_due);
    // clause: CLX-DISPUTE-7D
    assert_eq!(payment.dispute_within, Some(Delay::Days(7)));
    // clause: CLX-MIN-1M
    assert_eq!(offer.term.minimum, Some(Delay::CalendarMonths(1)));
    assert_eq!(offer.term.renewal, Renewal::Tacit);
    // clause: CLX-PRORATA
    assert_eq!(offer.billing.anchor, BillingAnchor::Calendar);
    // clause: CLX-NOTICE-3D
    assert_eq!(offer.notice.letter_deemed_received_after, Some(Delay::Days(3)));
    // clause: CLX-LICENCE-20TH
    assert_eq!(offer.licence_changes.expect("stated").cut_off_day, 20);
    // clause: CLX-INACTIVE-1M
    let inactivity = offer.inactivity.as_ref().expect("stated");
    assert_eq!(
        (inactivity.after, inactivity.action),
        (Delay::Months(1), InactivityAction::Terminate)
    );
}

#[test]
fn digitaleo_seats_consumption_and_payment() {
    let offer = load("digitaleo");
    assert_eq!(offer.modules, [Module::Campaigns]);
    // clause: DGT-LICENCE-SCOPE
    let selection = Selection::new("standard", BillingPeriod::Monthly)
        .with_units("users", 3)
        .with_units("sites", 2)
        .with_units("brands", 1);
    let charges = offer.recurring_charges(&selection).expect("sold");
    // 49 + 2 × 49 users + 1 × 20 site
    assert_eq!(charges.iter().map(|c| c.amount).sum::<Cents>(), Cents(16_700));
    assert_eq!(offer.allowance(&selection, "users"), Ok(Quota::Limited(3)));
    assert_eq!(offer.allowance(&selection, "brands"), Ok(Quota::Limited(1)));
    // clause: DGT-STORAGE-100MB
    assert_eq!(
        offer.quota("standard", &[], "campaigns.storage_mb"),
        Ok(Quota::Limited(100))
    );
    assert_eq!(
        offer.quota("standard", &[("storage_1gb", 2)], "campaigns.storage_mb"),
        Ok(Quota::Limited(2_100))
    );
    // Consumption below the cent, rounded once per line.
    let email = offer.consumption_price("email").expect("priced");
    assert_eq!(email.unit_price, UnitPrice::from_micros(2_000));
    assert_eq!(
        offer.consumption_charge("email", 12_345).expect("priced").amount,
        Cents(2_469)
    );
    let sms = offer.consumption_price("sms").expect("priced");
    assert_eq!(sms.unit_price, UnitPrice::from_micros(60_000));
    // clause: DGT-INVOICE-MONTHLY
    assert_eq!(offer.activation.billing_starts, BillingStart::IdentifiersDelivered);
    assert_eq!(offer.billing.timing(LineKind::Consumption), Timing::InArrears);
    // clause: DGT-TERM-INDEFINITE
    assert_eq!(offer.term.length, TermLength::Indefinite);
    assert_eq!(offer.notice.length, Some(Delay::Months(3)));
    assert_eq!(offer.notice.effective, NoticeEffect::AfterNotice);
    assert_eq!(offer.notice.ways, [NoticeWay::RegisteredLetter]);

    let payment = offer.payment.as_ref().expect("paid");
    // clause: DGT-PAY-15D
    assert_eq!(
        payment.terms,
        PaymentTerms::Net {
            days: 15,
            from: DueFrom::InvoiceDate
        }
    );
    assert_eq!(payment.one_off_terms, PaymentTerms::OnReceipt);
    // clause: DGT-SEPA
    assert_eq!(payment.methods, [PaymentMethod::SepaDirectDebit]);
    assert_eq!(payment.direct_debit_prenotification, Some(Delay::WorkingDays(5)));
    // clause: DGT-LATE
    assert_eq!(payment.late.interest, Some(LateInterest::TimesLegalRate(3)));
    assert_eq!(payment.late.recovery_indemnity, Some(Cents(4000)));
    // clause: DGT-TERM-FIXED
    assert_eq!(payment.late.formal_notice_delay, Some(Delay::Days(10)));
    // clause: DGT-REJECT-25
    assert_eq!(payment.rejected_payment_fee, Some(Cents(2500)));
    assert!(payment.suspend_on_rejection);
    // clause: DGT-DEPOSIT-200
    assert_eq!(payment.deposit_above, Some(Cents(20_000)));
    // clause: DGT-PRICE-NOTICE
    let change = offer.price_change.as_ref().expect("stated");
    assert_eq!(change.notice, Delay::CalendarMonths(1));
    assert!(change.customer_may_terminate);
}

#[test]
fn clog_is_free_unlimited_and_terminable_any_time() {
    let offer = load("clog");
    assert_eq!(offer.modules, [Module::Contracts]);
    // clause: CLOG-FREE-UNLIMITED
    assert!(offer.is_free());
    assert!(offer.payment.is_none());
    assert_eq!(offer.quota("free", &[], "contracts.contracts"), Ok(Quota::Unlimited));
    assert!(
        offer
            .quota("free", &[], "contracts.contracts")
            .expect("known")
            .allows(1_000_000)
    );
    // clause: CLOG-TERMINATE-ANYTIME
    assert_eq!(offer.term.length, TermLength::Indefinite);
    assert_eq!(offer.notice.length, None);
    assert_eq!(offer.notice.effective, NoticeEffect::Immediately);
    assert!(offer.notice.ways.contains(&NoticeWay::Letter));
    assert!(offer.notice.ways.contains(&NoticeWay::Email));
    // clause: CLOG-INACTIVE-12M
    let inactivity = offer.inactivity.as_ref().expect("stated");
    assert_eq!(inactivity.after, Delay::Months(12));
    assert_eq!(inactivity.action, InactivityAction::CloseAndDelete);
    assert_eq!(inactivity.warnings, [Delay::Months(1), Delay::Days(15), Delay::Days(7)]);
}

#[test]
fn lookups_name_what_is_unknown() {
    let offer = load("oseox");
    let error = offer.plan("gold").expect_err("no such plan");
    assert_eq!(
        error.to_string(),
        "offer `oseox` has no plan `gold` (its plans: free, s, l, xl, tailored)"
    );
    assert!(matches!(
        offer.quota("s", &[], "monitor.http_url"),
        Err(LookupError::UnknownQuota { .. })
    ));
    assert!(matches!(offer.fee("setup"), Err(LookupError::UnknownFee { .. })));
    assert!(matches!(
        offer.consumption_charge("sms", 1),
        Err(LookupError::UnknownConsumption { .. })
    ));
}
