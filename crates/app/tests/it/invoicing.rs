//! Invoices made by jobs on test clocks: anniversary dates, one invoice per billing date for
//! the whole group, gapless numbers, nothing billed twice, the PDF readable.
//!
//! Amounts in cents read as euros_cents: 23_88 is 23.88 €.
#![allow(clippy::inconsistent_digit_grouping)]

use crate::{ADMIN, OPERATOR, World, actor, on_every_backend};
use app::subscriptions::SubscribeInput;
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

// clause: OSX-ANNIVERSARY, OSX-PAY-UPFRONT
#[tokio::test]
async fn oseox_monthly_from_31_january_invoices_on_each_month_end() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = w
            .app
            .create_clock("oseox", "2026-01-31T09:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        w.app
            .subscribe(w.account, input("oseox", "s", "monthly", &[]), &actor(&admin))
            .await
            .expect("subscribe");
        w.app
            .advance_clock(clock.id, "2026-04-01", &actor(&op))
            .await
            .expect("advance");
        let mut invoices = w.app.invoices(w.account).await.expect("invoices");
        invoices.reverse();
        let dates: Vec<&str> = invoices.iter().map(|i| i.billing_date.as_str()).collect();
        assert_eq!(dates, vec!["2026-01-31", "2026-02-28", "2026-03-31"]);
        let numbers: Vec<String> = invoices.iter().filter_map(|i| i.display_number()).collect();
        assert_eq!(numbers, vec!["F-2026-000001", "F-2026-000002", "F-2026-000003"]);
        for i in &invoices {
            assert_eq!((i.total_excl, i.total_vat, i.total_incl), (19_90, 3_98, 23_88));
            assert_eq!(i.due_on, i.issued_on, "paid upfront: due on the invoice date");
        }
        // A rerun bills nothing twice and takes no number.
        let again = w.app.billing_run(None, |_, _| {}).await.expect("rerun");
        assert_eq!(again.invoices, 0);
        assert_eq!(w.app.invoices(w.account).await.expect("invoices").len(), 3);
        w.drain_jobs().await;
        let mail = w.last_email(ADMIN.0, "invoice_issued").await;
        assert!(mail.subject.contains("F-2026-000003"), "{}", mail.subject);
        assert_eq!(w.trail(Some(w.account), "invoice.issue").await.len(), 3);

        // The PDF carries the mandatory mentions; an independent reader gets the text back.
        let (invoice, lines) = w.app.invoice(w.account, invoices[1].id).await.expect("invoice");
        assert_eq!(lines.len(), 1);
        let bytes = app::invoicing::invoice_pdf(&invoice, &lines, kernel::Lang::Fr);
        if let Some(text) = pdf_text(&bytes) {
            for mention in [
                "Facture F-2026-000002",
                "Comptoir Démo SAS",
                "SIREN 123456782",
                "Boulangerie Exemple SARL",
                "SIREN 732829320",
                "FR44732829320",
                "2026-02-28",
                "2026-03-31",
                "19,90",
                "23,88",
                "TVA 20 %",
                "Indemnité forfaitaire",
                "40.00",
            ] {
                assert!(text.contains(mention), "{mention} missing from the PDF:\n{text}");
            }
        }
    })
    .await;
}

// clause: INES-ONE-INVOICE, INES-SETUP-50, INES-PAY-PERIOD
#[tokio::test]
async fn one_invoice_lists_every_subscription_billed_the_same_day() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = w
            .app
            .create_clock("ines", "2026-04-15T09:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        let a = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 2)]),
                &actor(&admin),
            )
            .await
            .expect("a");
        let b = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 1)]),
                &actor(&admin),
            )
            .await
            .expect("b");
        w.app
            .activate_subscription(w.account, a.subscription.id, &actor(&op))
            .await
            .expect("activate a");
        w.app
            .activate_subscription(w.account, b.subscription.id, &actor(&op))
            .await
            .expect("activate b");
        w.app
            .advance_clock(clock.id, "2026-04-16", &actor(&op))
            .await
            .expect("advance");
        let invoices = w.app.invoices(w.account).await.expect("invoices");
        assert_eq!(invoices.len(), 1, "one invoice for the group");
        let (invoice, lines) = w.app.invoice(w.account, invoices[0].id).await.expect("invoice");
        let subs: std::collections::BTreeSet<_> = lines.iter().filter_map(|l| l.subscription_id).collect();
        assert_eq!(subs.len(), 2, "each subscription with its own lines");
        assert_eq!(
            lines.iter().filter(|l| l.kind == "fee").count(),
            2,
            "a set-up fee per subscription"
        );
        // 135 € a quarter per user: 2 + 1 users, and 2 × 50 € set-up.
        assert_eq!(invoice.total_excl, 3 * 135_00 + 2 * 50_00);
        assert_eq!(invoice.total_vat, (3 * 135_00 + 2 * 50_00) / 5);
        // The next quarter comes three months later, without set-up fees.
        w.app
            .advance_clock(clock.id, "2026-07-16", &actor(&op))
            .await
            .expect("advance");
        let invoices = w.app.invoices(w.account).await.expect("invoices");
        assert_eq!(invoices.len(), 2);
        assert_eq!(invoices[0].billing_date, "2026-07-15");
        assert_eq!(invoices[0].total_excl, 3 * 135_00);
    })
    .await;
}

/// The text of a PDF by `pdftotext` (poppler-utils, installed by `.ci/run`), or `None` when
/// the tool is missing outside CI.
pub fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, bytes).expect("write pdf");
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        other => {
            assert!(std::env::var("CI").is_err(), "pdftotext must run in CI: {other:?}");
            eprintln!("skipping the PDF text check: pdftotext unavailable");
            None
        }
    }
}

// clause: OSX-WITHDRAW-30D
#[tokio::test]
async fn a_withdrawal_within_30_days_ends_the_subscription_with_a_credit_note_once_per_client() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = w
            .app
            .create_clock("withdraw", "2026-01-31T09:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        let first = w
            .app
            .subscribe(w.account, input("oseox", "s", "monthly", &[]), &actor(&admin))
            .await
            .expect("s");
        let second = w
            .app
            .subscribe(w.account, input("oseox", "l", "monthly", &[]), &actor(&admin))
            .await
            .expect("l");
        let ines = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 1)]),
                &actor(&admin),
            )
            .await
            .expect("ines");
        w.app
            .activate_subscription(w.account, ines.subscription.id, &actor(&op))
            .await
            .expect("activate");
        w.app
            .advance_clock(clock.id, "2026-02-10", &actor(&op))
            .await
            .expect("advance");

        let note = w
            .app
            .withdraw(w.account, first.subscription.id, &actor(&admin))
            .await
            .expect("withdraw");
        assert_eq!(note.kind, "credit_note");
        assert_eq!(note.display_number().as_deref(), Some("A-2026-000001"));
        assert_eq!((note.total_excl, note.total_incl), (-19_90, -23_88));
        // 15 working days from Tuesday 10 February 2026: Tuesday 3 March.
        assert_eq!(note.mentions["refund_due_on"], "2026-03-03");
        let view = w.app.subscription(w.account, first.subscription.id).await.expect("get");
        assert_eq!(view.state, billing::subscription::SubscriptionState::Withdrawn);
        assert_eq!(w.trail(Some(w.account), "credit_note.issue").await.len(), 1);

        // Once per client, ever; and only where the offer grants it.
        assert_eq!(
            crate::code(w.app.withdraw(w.account, second.subscription.id, &actor(&admin)).await),
            "withdrawal_already_used"
        );
        assert_eq!(
            crate::code(w.app.withdraw(w.account, ines.subscription.id, &actor(&admin)).await),
            "withdrawal_not_offered"
        );
        // The credit note is an invoice document of its own, never an edit of the original.
        let all = w.app.invoices(w.account).await.expect("invoices");
        assert!(
            all.iter()
                .any(|i| i.display_number().as_deref() == Some("F-2026-000001"))
        );
        // clause: OSX-LIABILITY-CAP
        // The amount paid per order: the withdrawn order nets to zero, L keeps its month.
        let orders = w.app.amounts_per_order(w.account).await.expect("orders");
        let paid = |id| {
            orders
                .iter()
                .find(|o| o.subscription == id)
                .map(|o| (o.excl_vat, o.incl_vat))
        };
        assert_eq!(paid(first.subscription.id), Some((0, 0)));
        assert_eq!(paid(second.subscription.id), Some((49_90, 59_88)));
        assert!(paid(ines.subscription.id).is_some_and(|(excl, _)| excl > 0));
    })
    .await;
}

// clause: CLX-LICENCE-20TH, CLX-PRORATA, CLX-MIN-1M, CLX-FEES
#[tokio::test]
async fn claralex_bills_pro_rata_then_applies_licence_changes_by_the_20th() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = w
            .app
            .create_clock("claralex", "2026-03-17T10:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        let sub = w
            .app
            .subscribe(
                w.account,
                input("claralex", "standard", "monthly", &[("licences", 2)]),
                &actor(&admin),
            )
            .await
            .expect("subscribe");
        let id = sub.subscription.id;
        // Put in service on 17 March.
        w.app
            .activate_subscription(w.account, id, &actor(&op))
            .await
            .expect("activate");

        // Asked on 10 April (before the 20th): from the next month, 1 May.
        w.app
            .advance_clock(clock.id, "2026-04-10", &actor(&op))
            .await
            .expect("advance");
        let from = w
            .app
            .change_units(w.account, id, [("licences".to_string(), 3)].into(), &actor(&admin))
            .await
            .expect("change");
        assert_eq!(from, jiff::civil::date(2026, 5, 1));
        // Asked on 21 May (after the 20th): one month later, 1 July.
        w.app
            .advance_clock(clock.id, "2026-05-21", &actor(&op))
            .await
            .expect("advance");
        let from = w
            .app
            .change_units(w.account, id, [("licences".to_string(), 5)].into(), &actor(&admin))
            .await
            .expect("change");
        assert_eq!(from, jiff::civil::date(2026, 7, 1));
        w.app
            .advance_clock(clock.id, "2026-07-02", &actor(&op))
            .await
            .expect("advance");

        let mut invoices = w.app.invoices(w.account).await.expect("invoices");
        invoices.reverse();
        let by_date: Vec<(&str, i64)> = invoices
            .iter()
            .map(|i| (i.billing_date.as_str(), i.total_excl))
            .collect();
        // March: 15 days of 31 of hosting (10 €) and two licences (39 €), plus installation (99 €).
        let march = billing::Cents(10_00 + 2 * 39_00).prorate(15, 31).0 + 99_00;
        assert_eq!(
            by_date,
            vec![
                ("2026-03-17", march),
                ("2026-04-01", 10_00 + 2 * 39_00),
                ("2026-05-01", 10_00 + 3 * 39_00),
                ("2026-06-01", 10_00 + 3 * 39_00),
                ("2026-07-01", 10_00 + 5 * 39_00),
            ]
        );

        // Fewer users than the account has is refused (INES counts users).
        let ines = w
            .app
            .subscribe(
                w.account,
                input("ines", "standard", "quarterly", &[("users", 2)]),
                &actor(&admin),
            )
            .await
            .expect("ines");
        w.app
            .activate_subscription(w.account, ines.subscription.id, &actor(&op))
            .await
            .expect("activate");
        assert_eq!(
            crate::code(
                w.app
                    .change_units(
                        w.account,
                        ines.subscription.id,
                        [("users".to_string(), 1)].into(),
                        &actor(&admin)
                    )
                    .await
            ),
            "quantity_below_in_use"
        );
    })
    .await;
}

/// Moves between Oseox packs: a dearer one at once with the rest of the paid period prorated
/// to the day, a cheaper one from the next period, and from the free pack a fresh start.
#[tokio::test]
async fn plan_changes_prorate_upgrades_and_defer_downgrades() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = w
            .app
            .create_clock("plans", "2026-04-01T09:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        let free = w
            .app
            .subscribe(w.account, input("oseox", "free", "", &[]), &actor(&admin))
            .await
            .expect("free pack");
        let free_id = free.subscription.id;
        w.app
            .advance_clock(clock.id, "2026-04-10T10:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        assert!(w.app.invoices(w.account).await.expect("invoices").is_empty());

        // Leaving the free pack: billing starts anew today with a full first period.
        let change = |plan: &str, period: &str| app::subscriptions::PlanChangeInput {
            plan: plan.into(),
            period: period.into(),
            units: BTreeMap::new(),
        };
        let up = w
            .app
            .change_plan(w.account, free_id, change("s", "monthly"), &actor(&admin))
            .await
            .expect("free to S");
        assert!(up.immediate);
        assert_eq!(up.applies_on.to_string(), "2026-04-10");
        let invoices = w.app.invoices(w.account).await.expect("invoices");
        assert_eq!(invoices.len(), 1);
        assert_eq!(invoices[0].billing_date, "2026-04-10");
        assert_eq!(invoices[0].total_excl, 19_90);
        let view = w.app.subscription(w.account, free_id).await.expect("view");
        assert_eq!(view.subscription.selection.plan, "s");
        assert_eq!(
            view.subscription.billing_starts_on.map(|d| d.to_string()).as_deref(),
            Some("2026-04-10")
        );

        // Up to L on 30 April: 10 of the 30 days of the paid period (10 April – 10 May) remain.
        w.app
            .advance_clock(clock.id, "2026-04-30T10:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let up = w
            .app
            .change_plan(w.account, free_id, change("l", ""), &actor(&admin))
            .await
            .expect("S to L");
        assert!(up.immediate);
        let invoice_id = up.invoice.expect("a proration invoice");
        let (invoice, lines) = w.app.invoice(w.account, invoice_id).await.expect("invoice");
        let amounts: Vec<i64> = lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, vec![-6_63, 16_63], "19.90 and 49.90 × 10/30");
        assert_eq!(
            (invoice.total_excl, invoice.total_vat, invoice.total_incl),
            (10_00, 2_00, 12_00)
        );
        assert_eq!(invoice.display_number().as_deref(), Some("F-2026-000002"));
        assert!(lines.iter().all(|l| l.kind == "proration"));
        // The quota follows at once.
        let quota = w
            .app
            .allowance(w.account, "monitor.http_urls")
            .await
            .expect("allowance");
        assert_eq!(quota, Some(billing::Quota::Limited(50_000)));

        // The next period is billed at L's price.
        w.app
            .advance_clock(clock.id, "2026-05-12T10:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let latest = w.app.invoices(w.account).await.expect("invoices");
        assert_eq!(latest[0].billing_date, "2026-05-10");
        assert_eq!(latest[0].total_excl, 49_90);

        // Down to S: from the next period, nothing credited; L's quota stays until then.
        let down = w
            .app
            .change_plan(w.account, free_id, change("s", ""), &actor(&admin))
            .await
            .expect("L to S");
        assert!(!down.immediate);
        assert_eq!(down.applies_on.to_string(), "2026-06-10");
        assert!(down.invoice.is_none());
        let view = w.app.subscription(w.account, free_id).await.expect("view");
        assert_eq!(view.subscription.selection.plan, "l");
        assert_eq!(
            view.subscription.pending.as_ref().and_then(|p| p.plan.as_deref()),
            Some("s")
        );
        w.app
            .advance_clock(clock.id, "2026-06-11T10:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let latest = w.app.invoices(w.account).await.expect("invoices");
        assert_eq!(latest[0].billing_date, "2026-06-10");
        assert_eq!(latest[0].total_excl, 19_90);
        let view = w.app.subscription(w.account, free_id).await.expect("view");
        assert_eq!(view.subscription.selection.plan, "s");
        assert!(view.subscription.pending.is_none());
        assert_eq!(w.trail(Some(w.account), "subscription.change_plan").await.len(), 3);

        // Bad input: the same plan, an unknown plan, a plan on quote.
        for (plan, code) in [
            ("s", "plan_unchanged"),
            ("xxl", "plan_unknown"),
            ("tailored", "plan_on_quote"),
        ] {
            let err = w
                .app
                .change_plan(w.account, free_id, change(plan, ""), &actor(&admin))
                .await
                .expect_err("refused");
            assert_eq!(err.code(), code, "{plan}");
        }
        assert_eq!(w.app.invoices(w.account).await.expect("invoices").len(), 4);
    })
    .await;
}

/// A corrective credit note by operator staff: the invoice stays as issued, the chosen lines
/// are cancelled in a document of their own, each line once, with a reason.
#[tokio::test]
async fn corrections_are_credit_notes_each_line_credited_once() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        w.app
            .subscribe(w.account, input("oseox", "s", "monthly", &[]), &actor(&admin))
            .await
            .expect("s");
        w.app
            .subscribe(w.account, input("oseox", "l", "monthly", &[]), &actor(&admin))
            .await
            .expect("l");
        w.app.billing_run(None, |_, _| {}).await.expect("run");
        let invoices = w.app.invoices(w.account).await.expect("invoices");
        assert_eq!(invoices.len(), 1, "one invoice for the group");
        let original = invoices[0].clone();
        let (_, lines) = w.app.invoice(w.account, original.id).await.expect("lines");
        assert_eq!(lines.len(), 2);

        // Bad input first: nothing written.
        let err = w
            .app
            .credit_invoice(w.account, original.id, &[1], "  ", &actor(&op))
            .await
            .expect_err("a reason is required");
        assert_eq!(err.code(), "required");
        let err = w
            .app
            .credit_invoice(w.account, original.id, &[9], "wrong line", &actor(&op))
            .await
            .expect_err("unknown line");
        assert_eq!(err.code(), "line_unknown");
        assert_eq!(w.app.invoices(w.account).await.expect("invoices").len(), 1);

        let note = w
            .app
            .credit_invoice(w.account, original.id, &[2], "pack L billed by mistake", &actor(&op))
            .await
            .expect("credit");
        assert_eq!(note.kind, "credit_note");
        assert!(note.series.starts_with("A-"), "credit notes have their own series");
        assert_eq!(note.number, Some(1));
        assert_eq!(note.total_excl, -lines[1].amount);
        assert_eq!(
            note.mentions["credits"],
            original.display_number().expect("number").as_str()
        );
        assert_eq!(note.mentions["credit_reason"], "pack L billed by mistake");
        let err = w
            .app
            .credit_invoice(w.account, original.id, &[2], "again", &actor(&op))
            .await
            .expect_err("a line is credited once");
        assert_eq!(err.code(), "already_credited");
        // The rest: every line not yet credited, then nothing is left.
        let rest = w
            .app
            .credit_invoice(w.account, original.id, &[], "goodwill", &actor(&op))
            .await
            .expect("the rest");
        assert_eq!(rest.total_excl, -lines[0].amount);
        let err = w
            .app
            .credit_invoice(w.account, original.id, &[], "nothing left", &actor(&op))
            .await
            .expect_err("nothing left");
        assert_eq!(err.code(), "already_credited");
        // The original is untouched; the orders net to zero.
        let (again, _) = w.app.invoice(w.account, original.id).await.expect("original");
        assert_eq!(
            (again.total_excl, again.status.as_str()),
            (original.total_excl, "issued")
        );
        let orders = w.app.amounts_per_order(w.account).await.expect("orders");
        assert!(orders.iter().all(|o| o.excl_vat == 0), "{orders:?}");
        assert_eq!(w.trail(Some(w.account), "invoice.credit").await.len(), 2);
        // A credit note is not itself credited.
        let err = w
            .app
            .credit_invoice(w.account, note.id, &[], "credit a credit", &actor(&op))
            .await
            .expect_err("not an invoice");
        assert_eq!(err.code(), "not_an_issued_invoice");
    })
    .await;
}

/// With a review window, an invoice is a draft first: no number, unseen by the customer, not
/// sent; finalization — by staff or by the job when the window ends — numbers it in the order
/// invoices are finalized, dates it and sends it.
#[tokio::test]
async fn drafts_wait_for_review_then_finalization_numbers_them() {
    on_every_backend(async |db| {
        let config = app::AppConfig {
            invoice_review: jiff::SignedDuration::from_hours(24),
            ..Default::default()
        };
        let w = World::with_config(db, config).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let clock = w
            .app
            .create_clock("review", "2026-03-10T09:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        w.app
            .subscribe(w.account, input("oseox", "s", "monthly", &[]), &actor(&admin))
            .await
            .expect("subscribe");
        w.app.billing_run(None, |_, _| {}).await.expect("run");
        assert!(
            w.app.invoices(w.account).await.expect("invoices").is_empty(),
            "drafts are unseen"
        );
        let filter = app::invoicing::InvoiceFilter {
            status: "draft".into(),
            ..Default::default()
        };
        let drafts = w.app.all_invoices(&filter, 50, 0).await.expect("drafts");
        assert_eq!(drafts.len(), 1);
        let draft = drafts[0].clone();
        assert_eq!((draft.number, draft.issued_on.as_deref()), (None, None));
        assert_eq!(crate::code(w.app.invoice(w.account, draft.id).await), "not_found");
        w.drain_jobs().await;
        assert!(
            w.emails(ADMIN.0, "invoice_issued").await.is_empty(),
            "nothing sent before finalization"
        );

        // The window ends on 11 March: the job finalizes it, dated that day.
        w.app
            .advance_clock(clock.id, "2026-03-11T10:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        w.drain_jobs().await;
        let (issued, _) = w.app.invoice(w.account, draft.id).await.expect("finalized");
        assert_eq!(issued.status, "issued");
        assert_eq!(issued.display_number().as_deref(), Some("F-2026-000001"));
        assert_eq!(issued.issued_on.as_deref(), Some("2026-03-11"));
        assert_eq!(issued.billing_date, "2026-03-10");
        assert_eq!(issued.due_on.as_deref(), Some("2026-03-11"), "paid upfront");
        assert_eq!(w.emails(ADMIN.0, "invoice_issued").await.len(), 1);

        // The next period's draft, finalized early by staff; a second finalization is refused.
        w.app
            .advance_clock(clock.id, "2026-04-10T10:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let drafts = w.app.all_invoices(&filter, 50, 0).await.expect("drafts");
        assert_eq!(drafts.len(), 1);
        let next = w
            .app
            .finalize_invoice(w.account, drafts[0].id, &actor(&op))
            .await
            .expect("finalize now");
        assert_eq!(next.display_number().as_deref(), Some("F-2026-000002"));
        assert_eq!(next.issued_on.as_deref(), Some("2026-04-10"));
        assert_eq!(
            crate::code(w.app.finalize_invoice(w.account, drafts[0].id, &actor(&op)).await),
            "invoice_not_draft"
        );
        assert_eq!(w.trail(Some(w.account), "invoice.draft").await.len(), 2);
        assert_eq!(w.trail(Some(w.account), "invoice.issue").await.len(), 2);
        // The job that comes later leaves it as it is.
        w.app
            .advance_clock(clock.id, "2026-04-12T10:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        w.drain_jobs().await;
        assert_eq!(w.app.invoices(w.account).await.expect("invoices").len(), 2);
    })
    .await;
}

/// An offer billing licences in arrears (terme échu): each month's licences come with the next
/// month's invoice, and the last month's on the day the subscription ends.
#[tokio::test]
async fn lines_in_arrears_are_billed_after_their_period_and_at_the_end() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        let text = include_str!("../../../../offers/claralex.toml")
            .replace("id = \"claralex\"", "id = \"arrears\"")
            .replace(
                "in_advance = [\"subscription\", \"units\"]",
                "in_advance = [\"subscription\"]",
            )
            .replace(
                "in_arrears = [\"consumption\"]",
                "in_arrears = [\"units\", \"consumption\"]",
            )
            .replace(
                "ways = [\"registered_letter\"]",
                "ways = [\"registered_letter\", \"in_app\"]",
            );
        w.app
            .load_offer("arrears.toml", &text, &actor(&op))
            .await
            .expect("offer");
        let clock = w
            .app
            .create_clock("arrears", "2026-03-01T09:00:00+01:00[Europe/Paris]", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        let v = w
            .app
            .subscribe(
                w.account,
                input("arrears", "standard", "monthly", &[("licences", 2)]),
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
            .advance_clock(clock.id, "2026-04-10T09:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        let cancelled = w
            .app
            .cancel_subscription(w.account, id, &actor(&admin))
            .await
            .expect("cancel");
        assert_eq!(cancelled.ends_on.to_string(), "2026-05-01");
        w.app
            .advance_clock(clock.id, "2026-05-02T09:00:00+02:00[Europe/Paris]", &actor(&op))
            .await
            .expect("advance");
        w.app.billing_run(None, |_, _| {}).await.expect("run");
        let mut invoices = w.app.invoices(w.account).await.expect("invoices");
        invoices.reverse();
        let dates: Vec<&str> = invoices.iter().map(|i| i.billing_date.as_str()).collect();
        assert_eq!(dates, vec!["2026-03-01", "2026-04-01", "2026-05-01"]);
        let totals: Vec<i64> = invoices.iter().map(|i| i.total_excl).collect();
        // March: hosting 10 + installation 99; April: hosting 10 + March's two licences 78;
        // 1 May, the end: April's licences only.
        assert_eq!(totals, vec![109_00, 88_00, 78_00]);
        let (_, lines) = w.app.invoice(w.account, invoices[2].id).await.expect("last");
        assert!(
            lines
                .iter()
                .all(|l| l.kind == "units" && l.description.contains("in arrears"))
        );
        assert_eq!(lines[0].period_start.as_deref(), Some("2026-04-01"));
        // Nothing is billed twice.
        assert_eq!(w.app.billing_run(None, |_, _| {}).await.expect("rerun").invoices, 0);
    })
    .await;
}

/// A run over more accounts than one batch, with more rows than one statement carries: every
/// invoice numbered once with no gap in the order written, each period billed once, each
/// administrator emailed, and every account's audit chain still whole.
#[tokio::test]
async fn a_run_over_many_accounts_numbers_them_all_without_gaps_and_keeps_every_chain() {
    use billing::subscription::{Subscription, SubscriptionState};
    use billing::{BillingPeriod, Selection};
    use store::sqlx;
    const ACCOUNTS: usize = 620; // a batch of 500 and a second one; 50 rows per statement
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let now = jiff::Timestamp::now();
        let today = kernel::clock::paris_date(now);
        let template_admin = w.principal(ADMIN).await.user.id;
        let mut tx = w.db.write().await.expect("write");
        for i in 0..ACCOUNTS {
            let account = kernel::AccountId::new();
            sqlx::query(
                "INSERT INTO accounts (id, legal_name, siren, vat_number, address_line, postal_code, city, country, \
                 status, terms_version_id, terms_accepted_at, created_at) \
                 SELECT $1, legal_name, siren, vat_number, address_line, postal_code, city, country, status, \
                 terms_version_id, terms_accepted_at, created_at FROM accounts WHERE id = $2",
            )
            .bind(account.to_string())
            .bind(w.account.to_string())
            .execute(&mut *tx)
            .await
            .expect("account");
            sqlx::query(
                "INSERT INTO users (id, account_id, email, name, password_hash, role, lang, status, email_verified_at, \
                 created_at) SELECT $1, $2, $3, name, password_hash, role, lang, status, email_verified_at, created_at \
                 FROM users WHERE id = $4",
            )
            .bind(kernel::UserId::new().to_string())
            .bind(account.to_string())
            .bind(format!("admin{i}@many.test"))
            .bind(template_admin.to_string())
            .execute(&mut *tx)
            .await
            .expect("admin");
            let subscription = Subscription {
                id: kernel::SubscriptionId::new(),
                account_id: account,
                offer_key: "oseox".into(),
                offer_version: 1,
                selection: Selection::new("s", BillingPeriod::Monthly),
                state: SubscriptionState::Active,
                auto_renew: true,
                subscribed_at: now,
                subscribed_by: None,
                activated_at: Some(now),
                activated_by: None,
                billing_starts_on: Some(today),
                ends_on: None,
                ended_at: None,
                cancel_requested_at: None,
                cancel_way: None,
                pending: None,
            };
            store::subscriptions::insert(&mut tx, &subscription, Some(BillingPeriod::Monthly))
                .await
                .expect("subscription");
        }
        tx.commit().await.expect("commit");

        let report = w.app.billing_run(None, |_, _| {}).await.expect("run");
        assert_eq!(report.invoices, ACCOUNTS);
        let mut all = Vec::new();
        loop {
            let page = w
                .app
                .all_invoices(&app::invoicing::InvoiceFilter::default(), 500, all.len() as i64)
                .await
                .expect("invoices");
            if page.is_empty() {
                break;
            }
            all.extend(page);
        }
        let series = format!("F-{}", today.year());
        let mut numbers: Vec<i64> = all
            .iter()
            .filter(|i| i.series == series)
            .filter_map(|i| i.number)
            .collect();
        numbers.sort_unstable();
        assert_eq!(
            numbers,
            (1..=ACCOUNTS as i64).collect::<Vec<_>>(),
            "gapless, each number once"
        );
        assert_eq!(w.count("billed_periods").await, ACCOUNTS as i64);
        assert_eq!(w.count("invoice_lines").await, ACCOUNTS as i64);
        let mut mailed = w.app.outbox(None, 500, 0).await.expect("outbox");
        mailed.extend(w.app.outbox(None, 500, 500).await.expect("outbox"));
        let issued: Vec<_> = mailed.iter().filter(|e| e.template == "invoice_issued").collect();
        assert_eq!(issued.len(), ACCOUNTS, "one email per administrator");
        assert!(issued.iter().all(|e| e.to_addr.ends_with("@many.test")));
        let verified = w.app.verify_audit(|_, _| {}).await.expect("verify");
        assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);
        assert!(verified.entries >= ACCOUNTS as u64);

        // A rerun finds everything billed: no invoice, no number taken.
        assert_eq!(w.app.billing_run(None, |_, _| {}).await.expect("rerun").invoices, 0);
        assert_eq!(w.count("invoices").await, ACCOUNTS as i64);
    })
    .await;
}
