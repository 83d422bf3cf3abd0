//! Subscriptions on test clocks: activation, renewal and cancellation as each offer's terms
//! say, and the entitlements they grant.

use crate::{ADMIN, OPERATOR, World, actor, code, on_every_backend};
use app::AppError;
use app::subscriptions::SubscribeInput;
use app::users::InviteInput;
use billing::subscription::SubscriptionState;
use jiff::civil::date;
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

/// Puts the demo account on a fresh test clock starting at `start`.
async fn on_clock(w: &World, start: &str) -> kernel::ClockId {
    let op = w.principal(OPERATOR).await;
    let clock = w.app.create_clock("billing", start, &actor(&op)).await.expect("clock");
    w.app
        .attach_clock(w.account, Some(clock.id), &actor(&op))
        .await
        .expect("attach");
    clock.id
}

// clause: INES-ACTIVATE-1M, INES-GROUPEMENT
#[tokio::test]
async fn ines_activates_itself_after_one_month_and_mails_its_characteristics() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "2026-03-15T10:00:00+01:00[Europe/Paris]").await;
        let view = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 3)]),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        assert_eq!(view.state, SubscriptionState::PendingActivation);
        assert!(
            view.subscription.billing_starts_on.is_none(),
            "nothing billed before activation"
        );

        // No termination between subscription and activation (INES), even by registered letter.
        assert_eq!(
            code(
                w.app
                    .record_termination_letter(
                        w.account,
                        view.subscription.id,
                        true,
                        date(2026, 3, 16),
                        Some(date(2026, 3, 18)),
                        &actor(&op)
                    )
                    .await
            ),
            "no_termination_before_activation"
        );

        // A day short of a month: still pending. A month: activated by the job, on that day.
        w.app
            .advance_clock(clock, "2026-04-14", &actor(&op))
            .await
            .expect("advance");
        let still = w.app.subscription(w.account, view.subscription.id).await.expect("get");
        assert_eq!(still.state, SubscriptionState::PendingActivation);
        w.app
            .advance_clock(clock, "2026-04-16", &actor(&op))
            .await
            .expect("advance");
        let active = w.app.subscription(w.account, view.subscription.id).await.expect("get");
        assert_eq!(active.state, SubscriptionState::Active);
        assert_eq!(active.subscription.billing_starts_on, Some(date(2026, 4, 15)));
        w.drain_jobs().await;
        let mail = w.last_email(ADMIN.0, "subscription_activated").await;
        assert!(mail.subject.contains("INES"), "{}", mail.subject);
        for fact in [
            "INES CRM",
            "version 1",
            "135",
            "users: 3",
            "2026-04-15",
            "24 months",
            "3 months",
            "registered_letter",
        ] {
            assert!(
                mail.body_text.contains(fact),
                "{fact} missing from:\n{}",
                mail.body_text
            );
        }
        assert_eq!(w.trail(Some(w.account), "subscription.activate").await.len(), 1);

        // A second subscription joins the same group: both are the account's.
        w.app
            .subscribe(w.account, input("clog", "free", "", &[]), &actor(&admin))
            .await
            .expect("second");
        assert_eq!(w.app.subscriptions(w.account).await.expect("group").len(), 2);
    })
    .await;
}

// clause: INES-24M, INES-TERM-3M
#[tokio::test]
async fn an_ines_letter_received_too_late_lets_the_subscription_renew_once_more() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "2026-03-15T09:00:00+01:00[Europe/Paris]").await;
        let view = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "annual", &[("users", 2)]),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        let id = view.subscription.id;
        w.app
            .activate_subscription(w.account, id, &actor(&op))
            .await
            .expect("activate");
        let active = w.app.subscription(w.account, id).await.expect("get");
        assert_eq!(
            active.next_renewal,
            Some(date(2028, 3, 15)),
            "24 months from activation"
        );

        // In-app cancellation is not a way INES accepts.
        assert_eq!(
            code(w.app.cancel_subscription(w.account, id, &actor(&admin)).await),
            "termination_way_not_accepted"
        );

        // Received 16 December 2027: after the 15 December deadline (3 months before the
        // renewal of 15 March 2028), so it renews and ends at the following term.
        w.app
            .advance_clock(clock, "2027-12-16", &actor(&op))
            .await
            .expect("advance");
        let late = w
            .app
            .record_termination_letter(
                w.account,
                id,
                true,
                date(2027, 12, 14),
                Some(date(2027, 12, 16)),
                &actor(&op),
            )
            .await
            .expect("letter");
        assert!(late.for_a_later_renewal, "accepted, but for the following renewal");
        assert_eq!(late.ends_on, date(2030, 3, 15));
        assert_eq!(late.view.state, SubscriptionState::Ending);
        assert_eq!(w.trail(Some(w.account), "subscription.cancel").await.len(), 1);
    })
    .await;
}

// clause: OSX-RENEW-48H, OSX-ANNIVERSARY
#[tokio::test]
async fn oseox_renewal_unticked_less_than_48_hours_before_applies_one_renewal_later() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = on_clock(&w, "2026-01-31T12:00:00+01:00[Europe/Paris]").await;
        // Oseox bills from subscription: active at once, anniversary on the 31st.
        let early = w
            .app
            .subscribe(w.account, input("oseox", "s", "monthly", &[]), &actor(&admin))
            .await
            .expect("subscribe");
        assert_eq!(early.state, SubscriptionState::Active);
        assert_eq!(
            early.next_renewal,
            Some(date(2026, 2, 28)),
            "31 January + 1 month, clamped"
        );
        let late = w
            .app
            .subscribe(w.account, input("oseox", "l", "monthly", &[]), &actor(&admin))
            .await
            .expect("subscribe");

        // 25 February: more than 48 hours before the renewal of 28 February.
        w.app
            .advance_clock(clock, "2026-02-25T12:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let in_time = w
            .app
            .untick_renewal(w.account, early.subscription.id, &actor(&admin))
            .await
            .expect("untick");
        assert!(!in_time.for_a_later_renewal);
        assert_eq!(in_time.ends_on, date(2026, 2, 28));

        // 26 February 23:00: less than 48 hours before 28 February 00:00.
        w.app
            .advance_clock(clock, "2026-02-26T23:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let too_late = w
            .app
            .untick_renewal(w.account, late.subscription.id, &actor(&admin))
            .await
            .expect("untick");
        assert!(too_late.for_a_later_renewal, "renews once more, and says so");
        assert_eq!(too_late.ends_on, date(2026, 3, 31));
        assert_eq!(
            w.app
                .allowance(w.account, "monitor.http_urls")
                .await
                .expect("allowance"),
            Some(billing::Quota::Limited(5_000 + 50_000))
        );

        // On 28 February the first one has ended: its quota no longer counts (DGT-END-ACCESS).
        w.app
            .advance_clock(clock, "2026-02-28T08:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let ended = w.app.subscription(w.account, early.subscription.id).await.expect("get");
        assert_eq!(ended.state, SubscriptionState::Ended);
        assert_eq!(
            w.app
                .allowance(w.account, "monitor.http_urls")
                .await
                .expect("allowance"),
            Some(billing::Quota::Limited(50_000))
        );
    })
    .await;
}

// clause: DGT-LICENCE-SCOPE, DGT-END-ACCESS
#[tokio::test]
async fn inviting_beyond_the_licensed_users_is_refused_with_the_limit() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        // No subscription counts users yet: nothing limits invitations.
        assert_eq!(w.app.allowance(w.account, "users").await.expect("allowance"), None);
        let view = w
            .app
            .subscribe(
                w.account,
                input("digitaleo", "standard", "monthly", &[("users", 2)]),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        // Pending (identifiers not delivered yet): it grants nothing.
        assert_eq!(w.app.allowance(w.account, "users").await.expect("allowance"), None);
        w.app
            .activate_subscription(w.account, view.subscription.id, &actor(&op))
            .await
            .expect("activate");
        assert_eq!(
            w.app.allowance(w.account, "users").await.expect("allowance"),
            Some(billing::Quota::Limited(2))
        );

        // The demo company already has two users: a third seat is refused, naming the limit.
        let refused = w
            .app
            .invite(
                &admin,
                InviteInput {
                    email: "third@boulangerie-exemple.test".into(),
                    role: "member".into(),
                    lang: None,
                },
                &actor(&admin),
            )
            .await;
        match refused {
            Err(AppError::Limit { field, key, limit }) => {
                assert_eq!((field, key.as_str(), limit), ("email", "users", 2))
            }
            other => panic!("expected the seat limit, got {other:?}"),
        }
        assert_eq!(w.count("invitations").await, 0, "nothing written");
    })
    .await;
}

// clause: CLOG-TERMINATE-ANYTIME, CLOG-FREE-UNLIMITED
#[tokio::test]
async fn the_free_contracts_offer_ends_at_once_when_cancelled() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        on_clock(&w, "2026-05-05T10:00:00+02:00[Europe/Paris]").await;
        let view = w
            .app
            .subscribe(w.account, input("clog", "free", "", &[]), &actor(&admin))
            .await
            .expect("subscribe");
        assert_eq!(view.state, SubscriptionState::Active, "free: no activation step");
        assert_eq!(
            w.app
                .allowance(w.account, "contracts.contracts")
                .await
                .expect("allowance"),
            Some(billing::Quota::Unlimited)
        );
        let done = w
            .app
            .cancel_subscription(w.account, view.subscription.id, &actor(&admin))
            .await
            .expect("cancel");
        assert!(!done.for_a_later_renewal);
        assert_eq!(done.ends_on, date(2026, 5, 5));
        assert_eq!(done.view.state, SubscriptionState::Ended);
        assert_eq!(
            w.app
                .allowance(w.account, "contracts.contracts")
                .await
                .expect("allowance"),
            None
        );
        // Bad input: an unknown plan and a period the plan is not sold for, each named.
        assert_eq!(
            code(
                w.app
                    .subscribe(w.account, input("oseox", "xxl", "monthly", &[]), &actor(&admin))
                    .await
            ),
            "plan_unknown"
        );
        assert_eq!(
            code(
                w.app
                    .subscribe(w.account, input("oseox", "s", "quarterly", &[]), &actor(&admin))
                    .await
            ),
            "period_not_offered"
        );
        assert_eq!(
            code(
                w.app
                    .subscribe(
                        w.account,
                        input("ines", "standard", "annual", &[("users", 0)]),
                        &actor(&admin)
                    )
                    .await
            ),
            "quantity_below_minimum"
        );
    })
    .await;
}
