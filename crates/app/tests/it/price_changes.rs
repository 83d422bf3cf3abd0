//! Price changes on test clocks: the operator schedules a new plan price, each subscription it
//! reaches is told by email and bills the new price only from the first period its offer's
//! notice allows; the customer may refuse or terminate before it applies.
//!
//! Amounts in cents read as euros_cents: 24_90 is 24.90 €.
#![allow(clippy::inconsistent_digit_grouping)]

use crate::{ADMIN, OPERATOR, World, actor, code, invalid_fields, on_every_backend};
use app::price_changes::PriceChangeInput;
use app::subscriptions::SubscribeInput;
use billing::subscription::SubscriptionState;
use jiff::civil::date;
use kernel::{Lang, SubscriptionId};
use std::collections::BTreeMap;

fn input(offer: &str, plan: &str, period: &str, units: &[(&str, u32)]) -> SubscribeInput {
    SubscribeInput {
        offer: offer.into(),
        plan: plan.into(),
        period: period.into(),
        units: units.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        options: BTreeMap::new(),
        code: None,
    }
}

fn change(offer: &str, plan: &str, period: &str, price: &str) -> PriceChangeInput {
    PriceChangeInput {
        offer: offer.into(),
        plan: plan.into(),
        period: period.into(),
        price: price.into(),
        reason: "Hausse des coûts d'hébergement".into(),
    }
}

/// A world whose demo account lives on a test clock starting at `start`.
async fn on_clock(w: &World, name: &str, start: &str) -> kernel::ClockId {
    let op = w.principal(OPERATOR).await;
    let clock = w.app.create_clock(name, start, &actor(&op)).await.expect("clock");
    w.app
        .attach_clock(w.account, Some(clock.id), &actor(&op))
        .await
        .expect("attach");
    clock.id
}

/// The plan line (`subscription`) amounts billed to one subscription, by billing date.
async fn plan_lines(w: &World, id: SubscriptionId) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for invoice in w.app.invoices(w.account).await.expect("invoices") {
        let (invoice, lines) = w.app.invoice(w.account, invoice.id).await.expect("invoice");
        for l in lines {
            if l.subscription_id == Some(id) && l.kind == "subscription" {
                out.push((invoice.billing_date.clone(), l.amount));
            }
        }
    }
    out.sort();
    out
}

// clause: OSX-PRICE-30D
#[tokio::test]
async fn oseox_bills_a_new_price_from_the_first_period_30_days_after_the_email() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.login(ADMIN).await.principal;
        let op = w.principal(OPERATOR).await;
        // The administrator reads English: the email comes in English.
        w.app
            .set_own_lang(&admin, Lang::En, &actor(&admin))
            .await
            .expect("lang");
        let clock = on_clock(&w, "oseox-price", "2026-01-31T09:00:00+01:00[Europe/Paris]").await;
        let s = w
            .app
            .subscribe(w.account, input("oseox", "s", "monthly", &[]), &actor(&admin))
            .await
            .expect("subscribe");
        w.app
            .advance_clock(clock, "2026-03-10", &actor(&op))
            .await
            .expect("advance");

        // Bad input: each refusal names its field, and nothing is written.
        assert_eq!(
            invalid_fields(
                w.app
                    .schedule_price_change(change("claralex", "standard", "monthly", "50"), &actor(&op))
                    .await
            ),
            vec!["offer"]
        );
        assert_eq!(
            invalid_fields(
                w.app
                    .schedule_price_change(change("oseox", "xxl", "monthly", "50"), &actor(&op))
                    .await
            ),
            vec!["plan"]
        );
        assert_eq!(
            invalid_fields(
                w.app
                    .schedule_price_change(change("oseox", "s", "quarterly", "50"), &actor(&op))
                    .await
            ),
            vec!["period"]
        );
        assert_eq!(
            code(
                w.app
                    .schedule_price_change(change("oseox", "s", "monthly", "-1"), &actor(&op))
                    .await
            ),
            "price_negative"
        );
        assert_eq!(
            code(
                w.app
                    .schedule_price_change(change("oseox", "s", "monthly", "19.90"), &actor(&op))
                    .await
            ),
            "price_unchanged"
        );
        assert_eq!(w.count("price_changes").await, 0);
        assert!(w.emails(ADMIN.0, "price_change").await.is_empty());

        let scheduled = w
            .app
            .schedule_price_change(change("oseox", "s", "monthly", "24.90"), &actor(&op))
            .await
            .expect("schedule");
        assert_eq!((scheduled.change.old_price, scheduled.change.new_price), (19_90, 24_90));
        assert_eq!(scheduled.notices.len(), 1);
        let notice = &scheduled.notices[0];
        assert_eq!(notice.announced_on, date(2026, 3, 10));
        // 30 days after 10 March is 9 April: the period of 31 March keeps the old price, the
        // one of 30 April is the first at the new price.
        assert_eq!(notice.applies_from, date(2026, 4, 30));
        assert_eq!(notice.refusal_deadline, None);
        assert_eq!(w.trail(None, "price_change.schedule").await.len(), 1);
        assert_eq!(w.trail(Some(w.account), "price_change.notify").await.len(), 1);

        let mail = w.last_email(ADMIN.0, "price_change").await;
        assert_eq!(mail.lang, "en");
        assert!(mail.subject.contains("price change"), "{}", mail.subject);
        for part in ["€19.90", "€24.90", "2026-04-30", "Hausse des coûts"] {
            assert!(
                mail.body_text.contains(part),
                "{part} missing from:\n{}",
                mail.body_text
            );
        }
        // Sent on the account's own day.
        assert_eq!(kernel::clock::paris_date(mail.created_at), date(2026, 3, 10));

        w.app
            .advance_clock(clock, "2026-06-01", &actor(&op))
            .await
            .expect("advance");
        assert_eq!(
            plan_lines(&w, s.subscription.id).await,
            vec![
                ("2026-01-31".to_string(), 19_90),
                ("2026-02-28".to_string(), 19_90),
                ("2026-03-31".to_string(), 19_90),
                ("2026-04-30".to_string(), 24_90),
                ("2026-05-31".to_string(), 24_90),
            ]
        );
        let invoices = w.app.invoices(w.account).await.expect("invoices");
        assert_eq!(invoices[0].total_incl, 29_88, "24.90 € plus 20 % VAT");
        // The same price again is no change.
        assert_eq!(
            code(
                w.app
                    .schedule_price_change(change("oseox", "s", "monthly", "24.90"), &actor(&op))
                    .await
            ),
            "price_unchanged"
        );
    })
    .await;
}

// clause: DGT-PRICE-NOTICE
#[tokio::test]
async fn digitaleo_announces_a_calendar_month_ahead_and_the_customer_may_terminate() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "dgt-price", "2026-03-01T09:00:00+01:00[Europe/Paris]").await;
        let mut subs = Vec::new();
        for _ in 0..3 {
            let v = w
                .app
                .subscribe(
                    w.account,
                    input("digitaleo", "standard", "monthly", &[]),
                    &actor(&admin),
                )
                .await
                .expect("subscribe");
            w.app
                .activate_subscription(w.account, v.subscription.id, &actor(&op))
                .await
                .expect("activate");
            subs.push(v.subscription.id);
        }
        let (by_letter, in_app, stays) = (subs[0], subs[1], subs[2]);
        w.app
            .advance_clock(clock, "2026-03-15", &actor(&op))
            .await
            .expect("advance");
        let scheduled = w
            .app
            .schedule_price_change(change("digitaleo", "standard", "monthly", "59"), &actor(&op))
            .await
            .expect("schedule");
        assert_eq!(scheduled.notices.len(), 3);
        // One calendar month after 15 March is 15 April; the first period from then starts on
        // 1 May.
        for n in &scheduled.notices {
            assert_eq!((n.announced_on, n.applies_from), (date(2026, 3, 15), date(2026, 5, 1)));
            assert!(n.customer_may_terminate);
            assert_eq!(n.refusal_deadline, None);
        }
        assert_eq!(w.emails(ADMIN.0, "price_change").await.len(), 3);

        // A registered letter: normally three months after receipt (DGT-TERM-INDEFINITE); after
        // the announcement it ends before the new price applies.
        w.app
            .advance_clock(clock, "2026-03-25", &actor(&op))
            .await
            .expect("advance");
        let ended = w
            .app
            .record_termination_letter(
                w.account,
                by_letter,
                true,
                date(2026, 3, 20),
                Some(date(2026, 3, 23)),
                &actor(&op),
            )
            .await
            .expect("letter");
        assert_eq!(ended.ends_on, date(2026, 5, 1));
        // Or from the account, with the same effect.
        let ended = w
            .app
            .refuse_price_change(w.account, in_app, &actor(&admin))
            .await
            .expect("terminate");
        assert_eq!(ended.ends_on, date(2026, 5, 1));
        assert_eq!(ended.view.state, SubscriptionState::Ending);
        assert_eq!(
            w.trail(Some(w.account), "subscription.refuse_price_change").await.len(),
            1
        );

        w.app
            .advance_clock(clock, "2026-05-02", &actor(&op))
            .await
            .expect("advance");
        for ended in [by_letter, in_app] {
            let billed: Vec<i64> = plan_lines(&w, ended).await.into_iter().map(|(_, a)| a).collect();
            assert_eq!(
                billed,
                vec![49_00, 49_00],
                "March and April at the old price, nothing after"
            );
        }
        assert_eq!(
            plan_lines(&w, stays).await,
            vec![
                ("2026-03-01".to_string(), 49_00),
                ("2026-04-01".to_string(), 49_00),
                ("2026-05-01".to_string(), 59_00),
            ]
        );
        // Once the new price applies, there is nothing left to answer.
        assert_eq!(
            code(w.app.refuse_price_change(w.account, stays, &actor(&admin)).await),
            "price_change_refusal_too_late"
        );
    })
    .await;
}

// clause: INES-PRICE-1M
#[tokio::test]
async fn ines_refusal_within_the_month_ends_the_contract_at_the_old_price_without_penalty() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "ines-price", "2026-03-15T09:00:00+01:00[Europe/Paris]").await;
        let mut subs = Vec::new();
        for _ in 0..2 {
            let v = w
                .app
                .subscribe(
                    w.account,
                    input("ines", "standard", "quarterly", &[("users", 1)]),
                    &actor(&admin),
                )
                .await
                .expect("subscribe");
            w.app
                .activate_subscription(w.account, v.subscription.id, &actor(&op))
                .await
                .expect("activate");
            subs.push(v.subscription.id);
        }
        let (refuses, late) = (subs[0], subs[1]);
        // Nothing announced yet: nothing to refuse.
        assert_eq!(
            code(w.app.refuse_price_change(w.account, refuses, &actor(&admin)).await),
            "no_price_change_to_refuse"
        );
        w.app
            .advance_clock(clock, "2026-04-01", &actor(&op))
            .await
            .expect("advance");
        let scheduled = w
            .app
            .schedule_price_change(change("ines", "standard", "quarterly", "150"), &actor(&op))
            .await
            .expect("schedule");
        for n in &scheduled.notices {
            // One month to refuse, to 1 May; the next quarter, from 15 June, at the new price.
            assert_eq!(n.refusal_deadline, Some(date(2026, 5, 1)));
            assert_eq!(n.applies_from, date(2026, 6, 15));
        }
        let mail = w.last_email(ADMIN.0, "price_change").await;
        assert_eq!(mail.lang, "fr");
        assert!(mail.body_text.contains("refuser"), "{}", mail.body_text);
        assert!(mail.body_text.contains("2026-05-01"), "{}", mail.body_text);

        w.app
            .advance_clock(clock, "2026-04-20", &actor(&op))
            .await
            .expect("advance");
        let refused = w
            .app
            .refuse_price_change(w.account, refuses, &actor(&admin))
            .await
            .expect("refuse");
        // The contract ends the day the new price would have applied: its last day, 14 June,
        // closes the last quarter billed at the old price.
        assert_eq!(refused.ends_on, date(2026, 6, 15));
        assert_eq!(refused.view.state, SubscriptionState::Ending);
        assert_eq!(
            w.trail(Some(w.account), "subscription.refuse_price_change").await.len(),
            1
        );
        // No second refusal.
        assert_eq!(
            code(w.app.refuse_price_change(w.account, refuses, &actor(&admin)).await),
            "no_price_change_to_refuse"
        );

        // After the month, the refusal is refused and the new price applies.
        w.app
            .advance_clock(clock, "2026-05-02", &actor(&op))
            .await
            .expect("advance");
        assert_eq!(
            code(w.app.refuse_price_change(w.account, late, &actor(&admin)).await),
            "price_change_refusal_too_late"
        );
        w.app
            .advance_clock(clock, "2026-06-16", &actor(&op))
            .await
            .expect("advance");
        assert_eq!(plan_lines(&w, refuses).await, vec![("2026-03-15".to_string(), 135_00)]);
        assert_eq!(
            plan_lines(&w, late).await,
            vec![("2026-03-15".to_string(), 135_00), ("2026-06-15".to_string(), 150_00)]
        );
        // No penalty: the refused subscription's only invoice lines are its first quarter and
        // its set-up fee, and it has ended.
        let view = w.app.subscription(w.account, refuses).await.expect("view");
        assert_eq!(view.state, SubscriptionState::Ended);
        let mut charged = 0;
        for invoice in w.app.invoices(w.account).await.expect("invoices") {
            let (_, lines) = w.app.invoice(w.account, invoice.id).await.expect("invoice");
            charged += lines
                .iter()
                .filter(|l| l.subscription_id == Some(refuses))
                .map(|l| l.amount)
                .sum::<i64>();
        }
        assert_eq!(charged, 135_00 + 50_00);
    })
    .await;
}

// clause: INES-EARLY-TERM
#[tokio::test]
async fn early_termination_fees_are_due_except_after_a_price_increase() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "ines-early", "2026-03-15T09:00:00+01:00[Europe/Paris]").await;
        let v = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 1)]),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        let id = v.subscription.id;
        w.app
            .activate_subscription(w.account, id, &actor(&op))
            .await
            .expect("activate");
        w.app
            .advance_clock(clock, "2026-04-01", &actor(&op))
            .await
            .expect("advance");
        // Ending at the end of the first quarter leaves seven quarters of the 24 months.
        let quote = w.app.early_termination_quote(w.account, id).await.expect("quote");
        assert_eq!(quote.ends_on, date(2026, 6, 15));
        assert_eq!(quote.remaining_fees.0, 7 * 135_00);
        assert_eq!(quote.amount_due.0, 7 * 135_00, "due in full without a price increase");
        assert!(!quote.follows_price_increase);

        w.app
            .schedule_price_change(change("ines", "standard", "quarterly", "150"), &actor(&op))
            .await
            .expect("increase");
        let quote = w.app.early_termination_quote(w.account, id).await.expect("quote");
        assert!(quote.follows_price_increase);
        assert_eq!(quote.remaining_fees.0, 7 * 150_00);
        assert_eq!(quote.amount_due.0, 0, "waived after a price increase");

        // A decrease is no increase: the fees are due again once it is announced in place of
        // the increase.
        w.app
            .advance_clock(clock, "2026-06-16", &actor(&op))
            .await
            .expect("advance");
        w.app
            .schedule_price_change(change("ines", "standard", "quarterly", "120"), &actor(&op))
            .await
            .expect("decrease");
        let quote = w.app.early_termination_quote(w.account, id).await.expect("quote");
        assert!(!quote.follows_price_increase);
        assert!(quote.amount_due.0 > 0);
        assert_eq!(quote.amount_due, quote.remaining_fees);
    })
    .await;
}

// clause: INES-EARLY-TERM, DGT-END-ACCESS
#[tokio::test]
async fn terminating_early_invoices_the_rest_of_the_commitment_at_once() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "ines-end-early", "2026-03-15T09:00:00+01:00[Europe/Paris]").await;
        let v = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 1)]),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        let id = v.subscription.id;
        // No termination between subscription and activation (INES-TERM-3M).
        assert_eq!(
            code(w.app.terminate_early(w.account, id, &actor(&admin)).await),
            "no_termination_before_activation"
        );
        w.app
            .activate_subscription(w.account, id, &actor(&op))
            .await
            .expect("activate");
        w.app
            .advance_clock(clock, "2026-04-01", &actor(&op))
            .await
            .expect("advance");
        let before = w.app.invoices(w.account).await.expect("invoices").len();
        let ended = w
            .app
            .terminate_early(w.account, id, &actor(&admin))
            .await
            .expect("terminate early");
        assert_eq!(ended.ends_on, date(2026, 6, 15), "the paid quarter is served");
        assert_eq!(ended.amount_due.0, 7 * 135_00, "the seven quarters left, at once");
        assert!(!ended.waived_after_price_increase);
        let invoice = ended.invoice.expect("an invoice for the remaining fees");
        let (issued, lines) = w.app.invoice(w.account, invoice).await.expect("invoice");
        assert_eq!(issued.total_excl, 7 * 135_00);
        assert_eq!(issued.billing_date, "2026-04-01");
        assert_eq!(lines[0].kind, "early_termination");
        assert_eq!(w.app.invoices(w.account).await.expect("invoices").len(), before + 1);
        assert_eq!(w.trail(Some(w.account), "subscription.terminate_early").await.len(), 1);
        // Twice is refused; at the end of the paid quarter access stops and nothing more is billed.
        assert_eq!(
            code(w.app.terminate_early(w.account, id, &actor(&admin)).await),
            "subscription_not_active"
        );
        w.app
            .advance_clock(clock, "2026-06-16", &actor(&op))
            .await
            .expect("advance");
        let view = w.app.subscription(w.account, id).await.expect("view");
        assert_eq!(view.state, SubscriptionState::Ended);
        assert!(!view.state.grants_access());
        assert_eq!(w.app.invoices(w.account).await.expect("invoices").len(), before + 1);
        // An offer without early-termination fees keeps its ordinary cancellation.
        let oseox = w
            .app
            .subscribe(w.account, input("oseox", "s", "monthly", &[]), &actor(&admin))
            .await
            .expect("oseox");
        assert_eq!(
            code(
                w.app
                    .terminate_early(w.account, oseox.subscription.id, &actor(&admin))
                    .await
            ),
            "early_termination_not_offered"
        );
    })
    .await;
}

// clause: INES-EARLY-TERM, INES-PRICE-1M
#[tokio::test]
async fn terminating_early_after_a_price_increase_costs_nothing_more() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "ines-end-raised", "2026-03-15T09:00:00+01:00[Europe/Paris]").await;
        let v = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 1)]),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        let id = v.subscription.id;
        w.app
            .activate_subscription(w.account, id, &actor(&op))
            .await
            .expect("activate");
        w.app
            .advance_clock(clock, "2026-04-01", &actor(&op))
            .await
            .expect("advance");
        w.app
            .schedule_price_change(change("ines", "standard", "quarterly", "150"), &actor(&op))
            .await
            .expect("increase");
        let before = w.app.invoices(w.account).await.expect("invoices").len();
        let ended = w
            .app
            .terminate_early(w.account, id, &actor(&admin))
            .await
            .expect("terminate early");
        assert_eq!(ended.amount_due.0, 0);
        assert!(ended.waived_after_price_increase);
        assert!(ended.invoice.is_none());
        assert_eq!(w.app.invoices(w.account).await.expect("invoices").len(), before);
    })
    .await;
}
