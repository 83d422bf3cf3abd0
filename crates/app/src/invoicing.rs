//! Invoicing: at each billing date, one invoice per account lists every running subscription
//! of its group with its own lines (INES-ONE-INVOICE), is numbered at finalization from the
//! series' counter row (gapless, never a row id), emailed to the administrators
//! (OSX-PAY-UPFRONT) and never edited afterwards. Which periods are billed is recorded in the
//! same transaction, so a rerun or a restart after a crash bills nothing twice and skips no
//! number.

use crate::trail::record;
use crate::{Actor, App, AppError};
use billing::invoice::{InvoiceLine, period_lines_at, price_in_force, totals};
use billing::offer::{LateInterest, PaymentTerms};
use billing::subscription::SubscriptionState;
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::clock::paris;
use kernel::{AccountId, InvoiceId, Lang, SubscriptionId};
use std::collections::BTreeMap;
use store::invoices::{StoredInvoice, StoredLine};

/// The job that bills an account's due periods, then schedules itself for the next one.
pub const BILL_ACCOUNT: &str = "billing.account";

/// Periods looked at per subscription and run: decades of monthly periods, a bound that keeps a
/// mistaken `until` from looping for ever.
const MAX_PERIODS: u32 = 1200;

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("{e}"))
}

/// What a billing run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingReport {
    pub accounts: usize,
    pub invoices: usize,
}

/// The legal mentions printed on an invoice (Code de commerce L441-9, L441-10).
fn mentions(offer: &billing::Offer, due_on: Date) -> serde_json::Value {
    let late = offer.payment.as_ref().map(|p| &p.late);
    let interest = late.and_then(|l| l.interest).map(|i| match i {
        LateInterest::TimesLegalRate(n) => format!("{n}× le taux d'intérêt légal / {n}× the legal interest rate"),
        LateInterest::TimesEcbRate(n) => {
            format!("{n}× le taux de refinancement de la BCE / {n}× the ECB refinancing rate")
        }
        LateInterest::Fixed(rate) => format!("{rate} par an / a year"),
    });
    let penalty = late.and_then(|l| l.penalty.as_ref()).map(|p| format!("{p:?}"));
    let indemnity = late
        .and_then(|l| l.recovery_indemnity)
        .unwrap_or(billing::Cents::euros(40));
    let terms = offer.payment.as_ref().map(|p| match p.terms {
        PaymentTerms::Upfront => "payable d'avance / paid upfront".to_string(),
        PaymentTerms::OnReceipt => "payable à réception / due on receipt".to_string(),
        PaymentTerms::Net { days, .. } => format!("à {days} jours / net {days} days"),
    });
    serde_json::json!({
        "due_on": due_on.to_string(),
        "payment_terms": terms,
        "late_interest": interest,
        "late_penalty": penalty,
        "recovery_indemnity": indemnity.to_string(),
        "vat_exemption": serde_json::Value::Null,
    })
}

impl App {
    /// Bills every period of the account's subscriptions that starts on or before `until`
    /// and is not billed yet: one invoice per billing date. Returns the invoices made.
    pub async fn bill_account(
        &self,
        account: AccountId,
        until: Date,
        now: Timestamp,
    ) -> Result<Vec<InvoiceId>, AppError> {
        let mut tx = self.db.write().await?;
        let Some(buyer) = store::accounts::get(&mut tx, account).await? else {
            return Err(AppError::NotFound);
        };
        let subscriptions = store::subscriptions::list_for_account(&mut tx, account).await?;
        let announced = crate::price_changes::scheduled_prices_of_account(&mut tx, account).await?;
        // billing date → (offer key, lines with their subscription and period start)
        let mut due: BTreeMap<Date, Vec<(SubscriptionId, String, InvoiceLine, String)>> = BTreeMap::new();
        let mut offers_by_date: BTreeMap<Date, std::sync::Arc<billing::Offer>> = BTreeMap::new();
        for s in &subscriptions {
            let (Some(start), false) = (s.billing_starts_on, s.state == SubscriptionState::Withdrawn) else {
                continue;
            };
            if s.state == SubscriptionState::PendingActivation {
                continue;
            }
            let offer = self.offer(&s.offer_key, s.offer_version).await?;
            if offer.plan(&s.selection.plan).is_ok_and(|p| p.is_free()) {
                continue;
            }
            let schedule = offer.schedule(start, s.selection.period);
            let pending = store::subscriptions::pending_units(&mut tx, account, s.id).await?;
            let prices = announced.get(&s.id).map_or(&[][..], Vec::as_slice);
            for index in 0..MAX_PERIODS {
                let period = schedule.billed_period(index).map_err(unexpected)?;
                if period.dates.start > until || s.ends_on.is_some_and(|end| period.dates.start >= end) {
                    break;
                }
                let key = period.dates.start.to_string();
                if store::invoices::is_billed(&mut tx, s.id, &key).await? {
                    continue;
                }
                // A change of quantities counts from the period it was scheduled for; once that
                // period is billed it becomes the subscription's own.
                let mut selection = s.selection.clone();
                if let Some((units, from)) = &pending
                    && period.dates.start >= *from
                {
                    selection.units = units.clone();
                    store::subscriptions::apply_pending_units(&mut tx, account, s.id).await?;
                }
                let plan_price = price_in_force(prices, period.dates.start);
                let lines = period_lines_at(&offer, &selection, &period, index == 0, plan_price).map_err(unexpected)?;
                let entry = due.entry(period.dates.start).or_default();
                for line in lines {
                    entry.push((s.id, s.offer_key.clone(), line, key.clone()));
                }
                offers_by_date
                    .entry(period.dates.start)
                    .or_insert_with(|| offer.clone());
            }
        }
        let admins = store::users::admins_of(&mut tx, account).await?;
        let mut made = Vec::new();
        for (billing_date, entries) in due {
            if entries.is_empty() {
                continue;
            }
            let offer = offers_by_date
                .get(&billing_date)
                .cloned()
                .ok_or_else(|| unexpected("an offer for every billing date"))?;
            let lines: Vec<InvoiceLine> = entries.iter().map(|(_, _, l, _)| l.clone()).collect();
            let t = totals(&lines);
            let due_on = offer
                .payment
                .as_ref()
                .map(|p| p.terms.due_on(billing_date, billing_date))
                .transpose()
                .map_err(unexpected)?
                .unwrap_or(billing_date);
            let series = format!("F-{}", billing_date.year());
            let number = store::invoices::next_number(&mut tx, &series).await?;
            let seller = &self.config.seller;
            let invoice = StoredInvoice {
                id: InvoiceId::new(),
                account_id: account,
                kind: "invoice".into(),
                status: "issued".into(),
                series,
                number: Some(number),
                issued_on: Some(billing_date.to_string()),
                due_on: Some(due_on.to_string()),
                billing_date: billing_date.to_string(),
                seller: serde_json::json!({
                    "legal_name": seller.legal_name, "address": seller.address, "siren": seller.siren,
                    "vat_number": seller.vat_number, "legal_notice": seller.legal_notice,
                }),
                buyer: serde_json::json!({
                    "legal_name": buyer.legal_name,
                    "address": format!("{}\n{} {}\n{}", buyer.address_line, buyer.postal_code, buyer.city, buyer.country),
                    "siren": buyer.siren, "vat_number": buyer.vat_number,
                }),
                mentions: mentions(&offer, due_on),
                total_excl: t.excl_vat.0,
                total_vat: t.vat_total.0,
                total_incl: t.incl_vat.0,
                vat_breakdown: serde_json::Value::Array(
                    t.vat
                        .iter()
                        .map(|(bp, (base, tax))| serde_json::json!({"rate_bp": bp, "base": base.0, "tax": tax.0}))
                        .collect(),
                ),
                created_at: now,
                finalized_at: Some(now),
            };
            let stored_lines: Vec<StoredLine> = entries
                .iter()
                .enumerate()
                .map(|(i, (sub, _, l, _))| StoredLine {
                    position: i as i64 + 1,
                    subscription_id: Some(*sub),
                    kind: l.kind.clone(),
                    description: l.description.clone(),
                    quantity: l.quantity as i64,
                    unit_price_micros: l.unit_price.micros(),
                    vat_rate_bp: i64::from(l.vat_rate.basis_points()),
                    amount: l.amount.0,
                    period_start: l.period.map(|p| p.start.to_string()),
                    period_end: l.period.map(|p| p.end.to_string()),
                })
                .collect();
            store::invoices::insert(&mut tx, &invoice, &stored_lines).await?;
            let mut periods: Vec<(SubscriptionId, &String)> = entries.iter().map(|(s, _, _, k)| (*s, k)).collect();
            periods.sort();
            periods.dedup();
            for (sub, key) in periods {
                if !store::invoices::mark_billed(&mut tx, account, sub, key, invoice.id).await? {
                    // Another run billed it meanwhile: leave everything to that run.
                    tx.rollback().await?;
                    return Ok(Vec::new());
                }
            }
            record(
                &mut tx,
                &Actor::system(),
                Some(account),
                "invoice.issue",
                Some(("invoice", invoice.id.to_string())),
                now,
            )
            .await?;
            let number_text = invoice.display_number().unwrap_or_default();
            for admin in &admins {
                let ctx = serde_json::json!({
                    "name": admin.name, "company": buyer.legal_name, "number": number_text,
                    "date": billing_date.to_string(), "due": due_on.to_string(),
                    "total": format!("{} €", t.incl_vat),
                    "link": format!("{}/settings/invoices/{}", self.config.public_url, invoice.id),
                });
                self.queue_email(
                    &mut tx,
                    Some(account),
                    &admin.email,
                    admin.lang,
                    "invoice_issued",
                    &ctx,
                    now,
                )
                .await?;
            }
            made.push(invoice.id);
        }
        tx.commit().await?;
        Ok(made)
    }

    /// Bills every account with subscriptions, each up to `until` or its own today, whichever
    /// comes first (a sandbox account never gets billed ahead of its test clock). `progress`
    /// hears (done, total) after each account.
    pub async fn billing_run(
        &self,
        until: Option<Date>,
        progress: impl Fn(usize, usize),
    ) -> Result<BillingReport, AppError> {
        let mut tx = self.db.read().await?;
        let all = store::subscriptions::list_all(&mut tx, None, i64::MAX, 0).await?;
        tx.commit().await?;
        let mut accounts: Vec<AccountId> = all.iter().map(|s| s.account_id).collect();
        accounts.sort();
        accounts.dedup();
        let mut report = BillingReport::default();
        for (i, account) in accounts.iter().enumerate() {
            let now = self.now_for(Some(*account)).await?;
            let today = kernel::clock::paris_date(now);
            let until = until.map_or(today, |u| u.min(today));
            report.invoices += self.bill_account(*account, until, now).await?.len();
            report.accounts += 1;
            progress(i + 1, accounts.len());
        }
        Ok(report)
    }

    /// Schedules the account's billing job at `at` under its clock (unique per account and
    /// instant, so activating two subscriptions the same day schedules one run).
    pub(crate) async fn schedule_billing(
        &self,
        conn: &mut sqlx::AnyConnection,
        account: AccountId,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let clock = store::accounts::get(&mut *conn, account)
            .await?
            .and_then(|a| a.clock_id);
        let spec = jobs::JobSpec::new(BILL_ACCOUNT, serde_json::json!({ "account_id": account }), at)
            .account(account)
            .clock(clock)
            .unique(format!("{BILL_ACCOUNT}:{account}:{}", kernel::clock::to_micros(at)));
        match jobs::enqueue(conn, spec, now).await {
            Ok(_) | Err(store::jobs::EnqueueError::Duplicate(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The billing job: bills what is due as of the job's time, then schedules the next run
    /// at the earliest next period start of the account's running subscriptions.
    pub(crate) async fn run_billing_job(&self, account: AccountId, now: Timestamp) -> Result<(), AppError> {
        let today = kernel::clock::paris_date(now);
        self.bill_account(account, today, now).await?;
        let mut next: Option<Date> = None;
        for view in self.subscriptions(account).await? {
            let s = &view.subscription;
            let (Some(start), true) = (s.billing_starts_on, view.state.grants_access()) else {
                continue;
            };
            let schedule = view.offer.schedule(start, s.selection.period);
            if let Ok((_, date)) = schedule.next_boundary_after(today)
                && s.ends_on.is_none_or(|end| date < end)
            {
                next = Some(next.map_or(date, |n: Date| n.min(date)));
            }
        }
        if let Some(date) = next {
            let at = date.to_zoned(paris()).map_err(unexpected)?.timestamp();
            let mut tx = self.db.write().await?;
            self.schedule_billing(&mut tx, account, at, now).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Withdraws from a subscription (OSX-WITHDRAW-30D): within the offer's window after the
    /// payment, once per account ever. The subscription ends at once, a credit note cancels
    /// the subscription's lines of that payment, and the refund falls due within the offer's
    /// delay (15 working days, French holidays excluded).
    pub async fn withdraw(
        &self,
        account: AccountId,
        id: SubscriptionId,
        actor: &Actor,
    ) -> Result<StoredInvoice, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut tx = self.db.write().await?;
        let mut sub = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let offer = self.offer(&sub.offer_key, sub.offer_version).await?;
        let already = store::subscriptions::list_for_account(&mut tx, account)
            .await?
            .iter()
            .any(|s| s.state == SubscriptionState::Withdrawn);
        let Some((paid, lines)) = store::invoices::latest_for_subscription(&mut tx, account, id).await? else {
            return Err(AppError::Conflict {
                field: "subscription",
                code: "withdrawal_nothing_paid",
            });
        };
        let paid_on: Date = paid
            .issued_on
            .as_deref()
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| unexpected("an issued invoice has a date"))?;
        offer.withdrawal(paid_on, today, already).map_err(|e| match e {
            billing::WithdrawalRefusal::NotOffered => AppError::Conflict {
                field: "subscription",
                code: "withdrawal_not_offered",
            },
            billing::WithdrawalRefusal::AlreadyUsed => AppError::Conflict {
                field: "subscription",
                code: "withdrawal_already_used",
            },
            billing::WithdrawalRefusal::TooLate { .. } | billing::WithdrawalRefusal::BeforePayment => {
                AppError::Conflict {
                    field: "subscription",
                    code: "withdrawal_too_late",
                }
            }
            other => unexpected(other),
        })?;
        let refund_days = match offer.withdrawal.as_ref().and_then(|w| w.refund_within) {
            Some(billing::Delay::WorkingDays(n)) => Some(n),
            _ => None,
        };
        let refund_due = match refund_days {
            Some(n) => contracts::add_working_days(today, n as i32, contracts::Region::Metropole),
            None => today,
        };
        let credited: Vec<StoredLine> = lines
            .iter()
            .filter(|l| l.subscription_id == Some(id))
            .enumerate()
            .map(|(i, l)| StoredLine {
                position: i as i64 + 1,
                amount: -l.amount,
                quantity: l.quantity,
                description: format!("Avoir / credit — {}", l.description),
                ..l.clone()
            })
            .collect();
        let excl: i64 = credited.iter().map(|l| l.amount).sum();
        let mut by_rate: BTreeMap<i64, i64> = BTreeMap::new();
        for l in &credited {
            *by_rate.entry(l.vat_rate_bp).or_default() += l.amount;
        }
        let breakdown: Vec<serde_json::Value> = by_rate
            .iter()
            .map(|(bp, base)| {
                let tax = billing::Rate::from_basis_points(*bp as u32).of(billing::Cents(*base)).0;
                serde_json::json!({"rate_bp": bp, "base": base, "tax": tax})
            })
            .collect();
        let vat: i64 = breakdown.iter().map(|r| r["tax"].as_i64().unwrap_or_default()).sum();
        let series = format!("A-{}", today.year());
        let number = store::invoices::next_number(&mut tx, &series).await?;
        let mut mentions = paid.mentions.clone();
        mentions["credits"] = serde_json::json!(paid.display_number());
        mentions["refund_due_on"] = serde_json::json!(refund_due.to_string());
        mentions["due_on"] = serde_json::json!(refund_due.to_string());
        let note = StoredInvoice {
            id: InvoiceId::new(),
            account_id: account,
            kind: "credit_note".into(),
            status: "issued".into(),
            series,
            number: Some(number),
            issued_on: Some(today.to_string()),
            due_on: Some(refund_due.to_string()),
            billing_date: today.to_string(),
            seller: paid.seller.clone(),
            buyer: paid.buyer.clone(),
            mentions,
            total_excl: excl,
            total_vat: vat,
            total_incl: excl + vat,
            vat_breakdown: serde_json::Value::Array(breakdown),
            created_at: now,
            finalized_at: Some(now),
        };
        store::invoices::insert(&mut tx, &note, &credited).await?;
        sub.state = SubscriptionState::Withdrawn;
        sub.ends_on = Some(today);
        sub.ended_at = Some(now);
        sub.auto_renew = false;
        store::subscriptions::update(&mut tx, &sub).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.withdraw",
            Some(("subscription", id.to_string())),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "credit_note.issue",
            Some(("invoice", note.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(note)
    }

    pub async fn invoices(&self, account: AccountId) -> Result<Vec<StoredInvoice>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::invoices::list_for_account(&mut tx, account).await?;
        tx.commit().await?;
        Ok(list)
    }

    pub async fn invoice(
        &self,
        account: AccountId,
        id: InvoiceId,
    ) -> Result<(StoredInvoice, Vec<StoredLine>), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let found = store::invoices::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(found)
    }

    /// Every invoice, newest first (operator staff: administrative data).
    pub async fn all_invoices(&self, limit: i64, offset: i64) -> Result<Vec<StoredInvoice>, AppError> {
        let mut tx = self.db.read().await?;
        let list = store::invoices::list_all(&mut tx, limit.clamp(1, 500), offset.max(0)).await?;
        tx.commit().await?;
        Ok(list)
    }
}

/// An amount in cents as invoices print it (PDF-safe grouping: a plain no-break space).
pub fn money(cents: i64, lang: Lang) -> String {
    billing::money::format_euros(cents, lang, '\u{a0}')
}

/// The invoice as a PDF, in French or English.
pub fn invoice_pdf(invoice: &StoredInvoice, lines: &[StoredLine], lang: Lang) -> Vec<u8> {
    use pdf::{Column, Document, Level, Table, Totals};
    let fr = lang == Lang::Fr;
    let number = invoice.display_number().unwrap_or_else(|| "—".into());
    let title = if fr {
        format!("Facture {number}")
    } else {
        format!("Invoice {number}")
    };
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let seller = &invoice.seller;
    let buyer = &invoice.buyer;
    let mut doc = Document::new(title.clone(), text(seller, "legal_name"));
    let mentions = &invoice.mentions;
    let footer = format!(
        "{} — SIREN {} — TVA {}. {} {}. {} {}.",
        text(seller, "legal_notice"),
        text(seller, "siren"),
        text(seller, "vat_number"),
        if fr {
            "Pénalités de retard :"
        } else {
            "Late payment interest:"
        },
        mentions["late_interest"]
            .as_str()
            .unwrap_or("3× le taux d'intérêt légal / 3× the legal rate"),
        if fr {
            "Indemnité forfaitaire pour frais de recouvrement :"
        } else {
            "Fixed recovery indemnity:"
        },
        mentions["recovery_indemnity"].as_str().unwrap_or("40.00"),
    );
    doc.set_footer(footer);
    let seller_block = format!(
        "{}\n{}\nSIREN {}\nTVA {}",
        text(seller, "legal_name"),
        text(seller, "address"),
        text(seller, "siren"),
        text(seller, "vat_number")
    );
    let mut buyer_block = format!(
        "{}\n{}\nSIREN {}",
        text(buyer, "legal_name"),
        text(buyer, "address"),
        text(buyer, "siren")
    );
    if let Some(vat) = buyer["vat_number"].as_str() {
        buyer_block.push_str(&format!("\nTVA {vat}"));
    }
    doc.address_block(seller_block, buyer_block);
    doc.heading(Level::H1, title);
    let (date_label, due_label) = if fr {
        ("Date de facture", "Échéance")
    } else {
        ("Invoice date", "Due date")
    };
    doc.key_values([
        (date_label.to_string(), invoice.issued_on.clone().unwrap_or_default()),
        (due_label.to_string(), invoice.due_on.clone().unwrap_or_default()),
        (
            if fr { "Conditions de paiement" } else { "Payment terms" }.to_string(),
            mentions["payment_terms"].as_str().unwrap_or_default().to_string(),
        ),
    ]);
    let headers = if fr {
        ["Désignation", "Période", "Qté", "PU HT", "TVA", "Montant HT"]
    } else {
        ["Description", "Period", "Qty", "Unit price", "VAT", "Amount"]
    };
    if let Ok(mut table) = Table::new(vec![
        Column::new(headers[0], 0.36),
        Column::new(headers[1], 0.2),
        Column::numeric(headers[2], 0.07),
        Column::numeric(headers[3], 0.13),
        Column::numeric(headers[4], 0.08),
        Column::numeric(headers[5], 0.16),
    ]) {
        for l in lines {
            let period = match (&l.period_start, &l.period_end) {
                (Some(s), Some(e)) => format!("{s} → {e}"),
                _ => String::new(),
            };
            let unit = money((l.unit_price_micros + 5_000) / 10_000, lang);
            let _ = table.push_row([
                l.description.clone(),
                period,
                l.quantity.to_string(),
                unit,
                format!("{} %", l.vat_rate_bp as f64 / 100.0),
                money(l.amount, lang),
            ]);
        }
        doc.table(table);
    }
    let mut totals = Totals::new().line(
        if fr { "Total HT" } else { "Total excl. VAT" },
        money(invoice.total_excl, lang),
    );
    if let Some(rates) = invoice.vat_breakdown.as_array() {
        for r in rates {
            let bp = r["rate_bp"].as_i64().unwrap_or_default();
            let label = format!("{} {} %", if fr { "TVA" } else { "VAT" }, bp as f64 / 100.0);
            totals = totals.line(label, money(r["tax"].as_i64().unwrap_or_default(), lang));
        }
    }
    totals = totals.emphasized(
        if fr { "Total TTC" } else { "Total incl. VAT" },
        money(invoice.total_incl, lang),
    );
    doc.totals(totals);
    doc.to_bytes()
}
