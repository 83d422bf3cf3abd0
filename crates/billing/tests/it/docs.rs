//! The full example in `docs/offers.md` is a valid offer.

use billing::offer::{FeeTrigger, NoticeEffect, PlanPricing};
use billing::{BillingPeriod, Cents, Delay, Offer, Quota, Selection};

fn full_example() -> String {
    let path = format!("{}/../../docs/offers.md", env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(&path).expect("docs/offers.md exists");
    let section = doc.split("## A full example").nth(1).expect("the full example section");
    let block = section.split("```toml\n").nth(1).expect("a toml block in the section");
    block.split("\n```").next().expect("the block closes").to_owned()
}

#[test]
fn the_documented_full_example_parses() {
    let text = full_example();
    let offer = match Offer::parse("docs/offers.md", &text) {
        Ok(offer) => offer,
        Err(errors) => panic!("{errors}"),
    };
    assert_eq!(offer.id, "exemple-pro");
    assert_eq!(offer.version, 3);
    let ids: Vec<&str> = offer.plans.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["discovery", "team", "enterprise"]);
    assert_eq!(offer.plan("enterprise").expect("exists").pricing, PlanPricing::OnQuote);
    assert_eq!(offer.quota("team", &[], "crm.contacts"), Ok(Quota::Unlimited));
    assert_eq!(
        offer.quota("team", &[("extra_site", 2)], "sites"),
        Ok(Quota::Limited(3))
    );
    assert_eq!(offer.fee("setup").expect("exists").charged, FeeTrigger::AtSubscription);
    assert_eq!(offer.notice.effective, NoticeEffect::AtRenewal);
    assert_eq!(offer.term.minimum, Some(Delay::CalendarMonths(1)));
    let charges = offer
        .recurring_charges(
            &Selection::new("team", BillingPeriod::Monthly)
                .with_units("users", 4)
                .with_option("extra_site", 1),
        )
        .expect("sold");
    // 29 + 3 × 25 + 20
    assert_eq!(charges.iter().map(|c| c.amount).sum::<Cents>(), Cents(12_400));
    assert_eq!(
        offer.consumption_charge("call_minutes", 1_001).expect("priced").amount,
        Cents(752)
    );
}
