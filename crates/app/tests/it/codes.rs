//! Discount and referral codes on test clocks: what the invoices say period after period, the
//! refusals (expired, exhausted, already used, an offer that takes no code), and that a refusal
//! writes nothing.
//!
//! Amounts in cents read as euros_cents: 23_88 is 23.88 €.
#![allow(clippy::inconsistent_digit_grouping)]

use crate::{ADMIN, OPERATOR, World, actor, code, count_rows, invalid_fields, on_every_backend, visitor};
use app::Actor;
use app::codes::NewCodeInput;
use app::subscriptions::SubscribeInput;
use kernel::{AccountId, ClockId, Lang};
use store::codes::CodeStatus;

fn subscribe_input(offer: &str, plan: &str, period: &str, code: Option<&str>) -> SubscribeInput {
    SubscribeInput {
        offer: offer.into(),
        plan: plan.into(),
        period: period.into(),
        code: code.map(str::to_string),
        ..SubscribeInput::default()
    }
}

fn percent_code(text: &str, percent: &str, periods: u32) -> NewCodeInput {
    NewCodeInput {
        code: text.into(),
        percent: Some(percent.into()),
        duration: "periods".into(),
        periods: Some(periods),
        ..NewCodeInput::default()
    }
}

/// A test clock on `start`, attached to the demo account.
async fn on_clock(w: &World, start: &str) -> ClockId {
    let op = w.principal(OPERATOR).await;
    let clock = w.app.create_clock("codes", start, &actor(&op)).await.expect("clock");
    w.app
        .attach_clock(w.account, Some(clock.id), &actor(&op))
        .await
        .expect("attach");
    clock.id
}

async fn advance(w: &World, clock: ClockId, to: &str) {
    let op = w.principal(OPERATOR).await;
    w.app.advance_clock(clock, to, &actor(&op)).await.expect("advance");
}

async fn create(w: &World, input: NewCodeInput) -> app::codes::CodeView {
    let op = w.principal(OPERATOR).await;
    w.app.create_code(input, &actor(&op)).await.expect("create code")
}

/// Another company, on the same clock as the demo account.
async fn other_account(w: &World, clock: ClockId, email: &str, siren: &str) -> AccountId {
    let input = platform::signup::SignupInput {
        legal_name: format!("Société {siren}"),
        siren: siren.into(),
        vat_number: String::new(),
        address_line: "3 place du Marché".into(),
        postal_code: "21000".into(),
        city: "Dijon".into(),
        country: "fr".into(),
        admin_name: "Jeanne Durand".into(),
        admin_email: email.into(),
        password: "une phrase de passe solide".into(),
        accept_terms: true,
        certify_authority: true,
        lang: Some(Lang::Fr),
    };
    let account = w.app.signup(input, &visitor()).await.expect("signup").account_id;
    let op = w.principal(OPERATOR).await;
    w.app
        .attach_clock(account, Some(clock), &actor(&op))
        .await
        .expect("attach");
    account
}

/// Invoices of an account, oldest first, as (billing date, excl. VAT, incl. VAT).
async fn totals(w: &World, account: AccountId) -> Vec<(String, i64, i64)> {
    let mut invoices = w.app.invoices(account).await.expect("invoices");
    invoices.reverse();
    invoices
        .into_iter()
        .map(|i| (i.billing_date, i.total_excl, i.total_incl))
        .collect()
}

// clause: OSX-CODES
#[tokio::test]
async fn a_full_code_for_two_periods_makes_two_free_invoices_then_full_price() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let clock = on_clock(&w, "2026-01-31T09:00:00+01:00[Europe/Paris]").await;
        create(&w, percent_code("bienvenue", "100", 2)).await;
        let sub = w
            .app
            .subscribe(
                w.account,
                subscribe_input("oseox", "s", "monthly", Some(" Bienvenue ")),
                &actor(&admin),
            )
            .await
            .expect("subscribe with a code");
        advance(&w, clock, "2026-04-01").await;
        assert_eq!(
            totals(&w, w.account).await,
            vec![
                ("2026-01-31".to_string(), 0, 0),
                ("2026-02-28".to_string(), 0, 0),
                ("2026-03-31".to_string(), 19_90, 23_88),
            ]
        );
        // The discount is a line of its own naming the code, at the plan's VAT rate.
        let invoices = w.app.invoices(w.account).await.expect("invoices");
        let first = invoices.last().expect("first invoice");
        let (invoice, lines) = w.app.invoice(w.account, first.id).await.expect("invoice");
        let discount = lines.iter().find(|l| l.kind == "discount").expect("discount line");
        assert_eq!((discount.amount, discount.vat_rate_bp), (-19_90, 2000));
        assert_eq!(discount.subscription_id, Some(sub.subscription.id));
        assert!(discount.description.contains("BIENVENUE"), "{}", discount.description);
        assert_eq!(invoice.vat_breakdown[0]["base"], 0);
        // The PDF prints the negative line as it prints charges.
        let pdf = app::invoicing::invoice_pdf(&invoice, &lines, Lang::Fr);
        if let Some(text) = crate::invoicing::pdf_text(&pdf) {
            assert!(text.contains("BIENVENUE"), "{text}");
            // Unit price and amount alike: -19,90, never -19,89 from rounding toward zero.
            assert_eq!(text.matches("-19,90").count(), 2, "{text}");
        }
        let third = &invoices[0];
        let (_, lines) = w.app.invoice(w.account, third.id).await.expect("invoice");
        assert!(lines.iter().all(|l| l.kind != "discount"), "the code ran out");
        let redemptions = w.app.redemptions(w.account).await.expect("redemptions");
        assert_eq!(redemptions.len(), 1);
        assert_eq!(redemptions[0].redemption.periods_used, 2);
        assert!(!redemptions[0].running);
        assert_eq!(w.trail(Some(w.account), "code.redeem").await.len(), 1);
        assert_eq!(w.trail(None, "code.create").await.len(), 1);
    })
    .await;
}

// clause: OSX-CODES
#[tokio::test]
async fn a_fixed_amount_above_the_price_stops_at_zero_and_carries_nothing_over() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let clock = on_clock(&w, "2026-01-31T09:00:00+01:00[Europe/Paris]").await;
        create(
            &w,
            NewCodeInput {
                code: "MOINS50".into(),
                amount: Some("50".into()),
                duration: "once".into(),
                ..NewCodeInput::default()
            },
        )
        .await;
        w.app
            .subscribe(
                w.account,
                subscribe_input("oseox", "s", "monthly", Some("moins50")),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        advance(&w, clock, "2026-03-01").await;
        // 19.90 € reduced by 50 € is 0.00, not -30.10; and the 30.10 € left is lost, not
        // credited on the next invoice.
        assert_eq!(
            totals(&w, w.account).await,
            vec![
                ("2026-01-31".to_string(), 0, 0),
                ("2026-02-28".to_string(), 19_90, 23_88)
            ]
        );
        for invoice in w.app.invoices(w.account).await.expect("invoices") {
            assert!(invoice.total_incl >= 0 && invoice.total_vat >= 0);
            assert_eq!(invoice.kind, "invoice", "no credit note");
        }
    })
    .await;
}

// clause: OSX-CODES
#[tokio::test]
async fn a_limit_an_expiry_and_one_use_per_account_are_refused_with_nothing_written() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let clock = on_clock(&w, "2026-03-01T09:00:00+01:00[Europe/Paris]").await;
        let mut once = percent_code("SALON2026", "20%", 3);
        once.max_redemptions = Some(1);
        create(&w, once).await;
        let mut old = percent_code("HIVER", "10", 1);
        old.valid_until = Some("2026-02-15".into());
        let listed = create(&w, old).await;
        assert_eq!(
            listed.stored.code.valid_until.map(|d| d.to_string()).as_deref(),
            Some("2026-02-15")
        );

        w.app
            .subscribe(
                w.account,
                subscribe_input("oseox", "s", "monthly", Some("SALON2026")),
                &actor(&admin),
            )
            .await
            .expect("the first account redeems the only redemption");
        // Once per account, even on another subscription.
        let again = w
            .app
            .subscribe(
                w.account,
                subscribe_input("oseox", "l", "monthly", Some("salon2026")),
                &actor(&admin),
            )
            .await;
        assert_eq!(invalid_fields(again), vec!["code"]);

        let other = other_account(&w, clock, "jeanne@fromagerie-durand.test", "552 032 534").await;
        let before = (
            count_rows(&w.db, "subscriptions").await,
            count_rows(&w.db, "audit_log").await,
        );
        let refused = w
            .app
            .subscribe(
                other,
                subscribe_input("oseox", "s", "monthly", Some("SALON2026")),
                &Actor::system(),
            )
            .await;
        assert_eq!(code(refused), "code_exhausted");
        let expired = w
            .app
            .subscribe(
                other,
                subscribe_input("oseox", "s", "monthly", Some("HIVER")),
                &Actor::system(),
            )
            .await;
        assert_eq!(code(expired), "code_expired");
        let unknown = w
            .app
            .subscribe(
                other,
                subscribe_input("oseox", "s", "monthly", Some("NOPE-NOPE")),
                &Actor::system(),
            )
            .await;
        assert_eq!(code(unknown), "code_unknown");
        // Nothing half-written: no subscription, no audit entry, no redemption, the counter as it was.
        assert_eq!(
            (
                count_rows(&w.db, "subscriptions").await,
                count_rows(&w.db, "audit_log").await
            ),
            before
        );
        assert_eq!(count_rows(&w.db, "code_redemptions").await, 1);
        let codes = w.app.codes(Some("salon"), None, 50, 0).await.expect("codes");
        assert_eq!(codes.len(), 1);
        assert_eq!(codes[0].stored.redemptions, 1);
        assert!(w.app.subscriptions(other).await.expect("list").is_empty());
        // Expired for the operator's day too (the operator has no test clock).
        let expired = w
            .app
            .codes(None, Some(CodeStatus::Expired), 50, 0)
            .await
            .expect("codes");
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].stored.code.text.as_str(), "HIVER");
    })
    .await;
}

// clause: OSX-CODES
#[tokio::test]
async fn concurrent_redemptions_of_the_last_use_let_only_one_through() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let clock = on_clock(&w, "2026-03-01T09:00:00+01:00[Europe/Paris]").await;
        let mut last = percent_code("DERNIER", "50", 1);
        last.max_redemptions = Some(1);
        create(&w, last).await;
        let a = other_account(&w, clock, "a@fromagerie-durand.test", "552 032 534").await;
        let b = other_account(&w, clock, "b@autre.test", "443 061 841").await;
        let system = Actor::system();
        let (ra, rb) = tokio::join!(
            w.app
                .subscribe(a, subscribe_input("oseox", "s", "monthly", Some("DERNIER")), &system),
            w.app
                .subscribe(b, subscribe_input("oseox", "s", "monthly", Some("DERNIER")), &system),
        );
        let passed = [ra.is_ok(), rb.is_ok()];
        assert_eq!(passed.iter().filter(|ok| **ok).count(), 1, "{passed:?}");
        let refused = if ra.is_ok() { rb } else { ra };
        assert_eq!(code(refused), "code_exhausted");
        assert_eq!(count_rows(&w.db, "code_redemptions").await, 1);
    })
    .await;
}

// clause: OSX-CODES
#[tokio::test]
async fn a_code_redeemed_later_reduces_the_next_periods_and_survives_its_disabling() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "2026-01-31T09:00:00+01:00[Europe/Paris]").await;
        let sub = w
            .app
            .subscribe(
                w.account,
                subscribe_input("oseox", "s", "monthly", None),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        let id = sub.subscription.id;
        create(
            &w,
            NewCodeInput {
                code: "MOITIE".into(),
                percent: Some("50%".into()),
                duration: "forever".into(),
                ..NewCodeInput::default()
            },
        )
        .await;
        create(&w, percent_code("AUTRE", "10", 1)).await;
        advance(&w, clock, "2026-02-10").await;
        let redeemed = w
            .app
            .redeem_code(w.account, id, "moitie", &actor(&admin))
            .await
            .expect("redeem");
        assert!(redeemed.running);
        // One running code per subscription: codes do not stack.
        let stacked = w.app.redeem_code(w.account, id, "AUTRE", &actor(&admin)).await;
        assert_eq!(code(stacked), "subscription_has_code");
        // Disabled: no new redemption; the one made keeps its promise.
        w.app.disable_code("moitie", &actor(&op)).await.expect("disable");
        assert_eq!(
            code(w.app.disable_code("MOITIE", &actor(&op)).await),
            "code_already_disabled"
        );
        assert_eq!(code(w.app.disable_code("NO-SUCH", &actor(&op)).await), "not_found");
        let other = w
            .app
            .subscribe(
                w.account,
                subscribe_input("oseox", "l", "monthly", None),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        let disabled = w
            .app
            .redeem_code(w.account, other.subscription.id, "MOITIE", &actor(&admin))
            .await;
        assert_eq!(code(disabled), "code_disabled");
        advance(&w, clock, "2026-03-01").await;
        let (_, lines) = {
            let invoices = w.app.invoices(w.account).await.expect("invoices");
            let feb = invoices
                .iter()
                .find(|i| i.billing_date == "2026-02-28")
                .expect("february invoice");
            w.app.invoice(w.account, feb.id).await.expect("invoice")
        };
        // January was billed before the code: untouched. February: S at half price, L in full.
        let discounts: Vec<i64> = lines
            .iter()
            .filter(|l| l.kind == "discount")
            .map(|l| l.amount)
            .collect();
        assert_eq!(discounts, vec![-9_95]);
        let jan = totals(&w, w.account).await;
        assert_eq!(jan[0], ("2026-01-31".to_string(), 19_90, 23_88));
        assert_eq!(w.trail(None, "code.disable").await.len(), 1);
    })
    .await;
}

// clause: OSX-NO-DISCOUNT
#[tokio::test]
async fn an_offer_without_codes_refuses_them_and_no_invoice_discounts_by_itself() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "2026-04-15T09:00:00+02:00[Europe/Paris]").await;
        create(&w, percent_code("PARTOUT", "100", 12)).await;
        // INES says nothing of codes: it takes none, whatever the code.
        let before = count_rows(&w.db, "subscriptions").await;
        let refused = w
            .app
            .subscribe(
                w.account,
                SubscribeInput {
                    units: [("users".to_string(), 1)].into(),
                    ..subscribe_input("ines", "standard", "quarterly", Some("PARTOUT"))
                },
                &actor(&admin),
            )
            .await;
        assert_eq!(code(refused), "offer_refuses_codes");
        assert_eq!(count_rows(&w.db, "subscriptions").await, before);
        // Nor can the operator make a code for it.
        let mut for_ines = percent_code("INES10", "10", 1);
        for_ines.offers = vec!["ines".into()];
        let refused = w.app.create_code(for_ines, &actor(&op)).await;
        assert_eq!(invalid_fields(refused), vec!["offers"]);

        // Without a code nothing is discounted: the invoices carry the prices, no discount line.
        let ines = w
            .app
            .subscribe(
                w.account,
                SubscribeInput {
                    units: [("users".to_string(), 1)].into(),
                    ..subscribe_input("ines", "standard", "quarterly", None)
                },
                &actor(&admin),
            )
            .await
            .expect("ines");
        w.app
            .activate_subscription(w.account, ines.subscription.id, &actor(&op))
            .await
            .expect("activate");
        w.app
            .subscribe(
                w.account,
                subscribe_input("oseox", "s", "monthly", None),
                &actor(&admin),
            )
            .await
            .expect("oseox");
        advance(&w, clock, "2026-06-16").await;
        let invoices = w.app.invoices(w.account).await.expect("invoices");
        assert!(invoices.len() >= 3);
        for invoice in &invoices {
            let (_, lines) = w.app.invoice(w.account, invoice.id).await.expect("invoice");
            assert!(lines.iter().all(|l| l.kind != "discount" && l.amount >= 0), "{lines:?}");
        }
        let first = totals(&w, w.account).await;
        // 135 € for the quarter and 50 € set-up, 19.90 € for Oseox S, billed the same day.
        assert_eq!(
            first[0],
            (
                "2026-04-15".to_string(),
                135_00 + 50_00 + 19_90,
                (135_00 + 50_00 + 19_90) * 6 / 5
            )
        );
    })
    .await;
}

#[tokio::test]
async fn a_code_definition_is_checked_field_by_field() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let op = w.principal(OPERATOR).await;
        let admin = w.principal(ADMIN).await;
        let bad = NewCodeInput {
            code: "a b".into(),
            kind: "referral".into(),
            percent: Some("150".into()),
            duration: "periods".into(),
            valid_until: Some("2026-13-01".into()),
            plans: vec!["nope".into()],
            ..NewCodeInput::default()
        };
        let fields = invalid_fields(w.app.create_code(bad, &actor(&op)).await);
        assert_eq!(fields, vec!["code", "referrer", "periods", "valid_until", "plans"]);
        let both = NewCodeInput {
            code: "DEUX".into(),
            percent: Some("10".into()),
            amount: Some("5".into()),
            duration: "once".into(),
            ..NewCodeInput::default()
        };
        assert_eq!(
            invalid_fields(w.app.create_code(both, &actor(&op)).await),
            vec!["amount"]
        );
        let too_much = percent_code("TROP", "150%", 1);
        assert_eq!(
            invalid_fields(w.app.create_code(too_much, &actor(&op)).await),
            vec!["percent"]
        );
        assert_eq!(count_rows(&w.db, "discount_codes").await, 0);

        // A referral code names its sponsor, who cannot use it.
        let referral = NewCodeInput {
            code: "PARRAIN-BOULANGERIE".into(),
            kind: "referral".into(),
            referrer: Some(w.account.to_string()),
            percent: Some("100".into()),
            duration: "once".into(),
            ..NewCodeInput::default()
        };
        create(&w, referral.clone()).await;
        assert_eq!(code(w.app.create_code(referral, &actor(&op)).await), "code_taken");
        let own = w
            .app
            .subscribe(
                w.account,
                subscribe_input("oseox", "s", "monthly", Some("PARRAIN-BOULANGERIE")),
                &actor(&admin),
            )
            .await;
        assert_eq!(code(own), "code_own_referral");
        let found = w
            .app
            .codes(Some("parrain"), Some(CodeStatus::Active), 50, 0)
            .await
            .expect("codes");
        assert_eq!(found.len(), 1);
        assert!(
            w.app
                .codes(Some("parrain"), Some(CodeStatus::Disabled), 50, 0)
                .await
                .expect("codes")
                .is_empty()
        );
    })
    .await;
}
