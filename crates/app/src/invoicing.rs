//! Invoicing: at each billing date, one invoice per account lists every running subscription
//! of its group with its own lines (INES-ONE-INVOICE), is numbered at finalization from the
//! series' counter row (gapless, never a row id), emailed to the administrators
//! (OSX-PAY-UPFRONT) and never edited afterwards. Which periods are billed is recorded in the
//! same transaction, so a rerun or a restart after a crash bills nothing twice and skips no
//! number.

use crate::trail::{self, record};
use crate::{Actor, App, AppError};
use billing::invoice::{InvoiceLine, arrears_lines, period_lines_at, price_in_force, totals};
use billing::offer::{LateInterest, PaymentTerms};
use billing::subscription::SubscriptionState;
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::clock::paris;
use kernel::{AccountId, InvoiceId, Lang, SubscriptionId};
use std::collections::{BTreeMap, HashMap, HashSet};
pub use store::invoices::InvoiceFilter;
use store::invoices::{StoredInvoice, StoredLine};

/// The job that bills an account's due periods, then schedules itself for the next one.
pub const BILL_ACCOUNT: &str = "billing.account";

/// The job that finalizes a draft invoice when its review window ends.
pub const FINALIZE_INVOICE: &str = "billing.finalize_invoice";

/// Periods looked at per subscription and run: decades of monthly periods, a bound that keeps a
/// mistaken `until` from looping for ever.
const MAX_PERIODS: u32 = 1200;

/// Accounts billed per transaction in a billing run.
const RUN_BATCH: usize = 500;

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("{e}"))
}

/// What a billing run reads once for a batch of accounts rather than once per account.
#[derive(Default)]
struct Batch {
    accounts: HashMap<AccountId, platform::model::Account>,
    admins: HashMap<AccountId, Vec<platform::model::User>>,
    /// (subscription, period start) already billed.
    billed: HashSet<(SubscriptionId, String)>,
    /// Accounts told of a price change, and accounts that redeemed a code: the others skip
    /// those queries.
    with_notices: HashSet<AccountId>,
    with_codes: HashSet<AccountId>,
}

impl Batch {
    async fn read(conn: &mut sqlx::AnyConnection, accounts: &[AccountId]) -> Result<Batch, AppError> {
        let mut batch = Batch::default();
        for a in store::accounts::get_many(&mut *conn, accounts).await? {
            batch.accounts.insert(a.id, a);
        }
        for u in store::users::admins_of_many(&mut *conn, accounts).await? {
            if let Some(account) = u.account_id {
                batch.admins.entry(account).or_default().push(u);
            }
        }
        batch.billed = store::invoices::billed_of_accounts(&mut *conn, accounts)
            .await?
            .into_iter()
            .collect();
        batch.with_notices = store::accounts_present_in(&mut *conn, "price_change_notices", accounts)
            .await?
            .into_iter()
            .collect();
        batch.with_codes = store::accounts_present_in(&mut *conn, "code_redemptions", accounts)
            .await?
            .into_iter()
            .collect();
        Ok(batch)
    }
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

/// An invoice worked out and not written yet: a billing run gathers a whole batch of accounts'
/// before writing them with a few statements.
struct Planned {
    buyer: platform::model::Account,
    offer: std::sync::Arc<billing::Offer>,
    billing_date: Date,
    lines: Vec<(Option<SubscriptionId>, InvoiceLine)>,
    /// The (subscription, period key) pairs it bills, recorded as billed with it.
    periods: Vec<(SubscriptionId, String)>,
}

/// The day an invoice is issued when finalized on `today`: its billing point, or later when
/// reviewed after it.
fn issue_date(invoice: &StoredInvoice, today: Date) -> Result<Date, AppError> {
    let billing_date: Date = invoice.billing_date.parse().map_err(unexpected)?;
    Ok(billing_date.max(today))
}

/// The draft as finalized on `today` under `number` of its issue year's series: dated, with
/// its due date and mentions.
fn finalized(
    invoice: &StoredInvoice,
    offer: &billing::Offer,
    today: Date,
    number: i64,
    now: Timestamp,
) -> Result<StoredInvoice, AppError> {
    let issued_on = issue_date(invoice, today)?;
    let due_on = offer
        .payment
        .as_ref()
        .map(|p| p.terms.due_on(issued_on, issued_on))
        .transpose()
        .map_err(unexpected)?
        .unwrap_or(issued_on);
    Ok(StoredInvoice {
        status: "issued".into(),
        series: format!("F-{}", issued_on.year()),
        number: Some(number),
        issued_on: Some(issued_on.to_string()),
        due_on: Some(due_on.to_string()),
        mentions: mentions(offer, due_on),
        finalized_at: Some(now),
        ..invoice.clone()
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
        let subscriptions = store::subscriptions::list_for_account(&mut tx, account).await?;
        let planned = self.plan_account(&mut tx, account, &subscriptions, until, None).await?;
        match self.write_invoices(&mut tx, planned, None, now).await? {
            Some(made) => {
                tx.commit().await?;
                Ok(made.iter().map(|i| i.id).collect())
            }
            None => {
                // Another run billed one of these periods meanwhile: everything is left to it.
                tx.rollback().await?;
                Ok(Vec::new())
            }
        }
    }

    /// Works out the invoices of the account's due periods, one per billing date, for the
    /// caller to write with [`App::write_invoices`]. Pending plan changes reached and codes
    /// redeemed are applied in the caller's transaction as they are met.
    async fn plan_account(
        &self,
        tx: &mut sqlx::AnyConnection,
        account: AccountId,
        subscriptions: &[billing::subscription::Subscription],
        until: Date,
        batch: Option<&Batch>,
    ) -> Result<Vec<Planned>, AppError> {
        let buyer = match batch.and_then(|b| b.accounts.get(&account)) {
            Some(a) => a.clone(),
            None => store::accounts::get(&mut *tx, account)
                .await?
                .ok_or(AppError::NotFound)?,
        };
        let announced = if batch.is_some_and(|b| !b.with_notices.contains(&account)) {
            Default::default()
        } else {
            crate::price_changes::scheduled_prices_of_account(&mut *tx, account).await?
        };
        // billing date → (offer key, lines with their subscription and period start)
        let mut due: BTreeMap<Date, Vec<(SubscriptionId, String, InvoiceLine, String)>> = BTreeMap::new();
        let mut offers_by_date: BTreeMap<Date, std::sync::Arc<billing::Offer>> = BTreeMap::new();
        for s in subscriptions {
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
            let pending = &s.pending;
            // The selection of the last period looked at: what its lines in arrears bill.
            let mut last_selection = s.selection.clone();
            for index in 0..MAX_PERIODS {
                let period = schedule.billed_period(index).map_err(unexpected)?;
                if period.dates.start > until || s.ends_on.is_some_and(|end| period.dates.start >= end) {
                    break;
                }
                let key = period.dates.start.to_string();
                let billed = match batch {
                    Some(b) => b.billed.contains(&(s.id, key.clone())),
                    None => store::invoices::is_billed(&mut *tx, s.id, &key).await?,
                };
                if billed {
                    continue;
                }
                // A change of quantities or a move to a cheaper plan counts from the period it
                // was scheduled for; once that period is billed it becomes the subscription's own.
                let mut selection = s.selection.clone();
                if let Some(change) = pending
                    && period.dates.start >= change.from
                {
                    if let Some(plan) = &change.plan {
                        selection.plan = plan.clone();
                    }
                    selection.units = change.units.clone();
                    store::subscriptions::apply_pending_change(&mut *tx, account, s.id).await?;
                    if offer.plan(&selection.plan).is_ok_and(|p| p.is_free()) {
                        break;
                    }
                }
                // A price announced for the plan and period billed (not for a plan left since).
                let prices = announced
                    .get(&(s.id, selection.plan.clone(), selection.period))
                    .map_or(&[][..], Vec::as_slice);
                let plan_price = price_in_force(prices, period.dates.start);
                let mut lines =
                    period_lines_at(&offer, &selection, &period, index == 0, plan_price).map_err(unexpected)?;
                if batch.is_none_or(|b| b.with_codes.contains(&account)) {
                    self.apply_codes(&mut *tx, account, s.id, period.dates.start, &mut lines)
                        .await?;
                }
                // What the offer bills in arrears for the period just over comes with this one.
                if index > 0 {
                    let previous = schedule.billed_period(index - 1).map_err(unexpected)?;
                    let prices = announced
                        .get(&(s.id, last_selection.plan.clone(), last_selection.period))
                        .map_or(&[][..], Vec::as_slice);
                    let price = price_in_force(prices, previous.dates.start);
                    lines.extend(arrears_lines(&offer, &last_selection, &previous, price).map_err(unexpected)?);
                }
                last_selection = selection.clone();
                let entry = due.entry(period.dates.start).or_default();
                for line in lines {
                    entry.push((s.id, s.offer_key.clone(), line, key.clone()));
                }
                offers_by_date
                    .entry(period.dates.start)
                    .or_insert_with(|| offer.clone());
            }
            // Once ended, the last period's lines in arrears are billed on the end date (a day
            // no period starts on for this subscription, so its key is its own).
            if let Some(end) = s.ends_on.filter(|end| *end > start && *end <= until) {
                let key = end.to_string();
                let billed = match batch {
                    Some(b) => b.billed.contains(&(s.id, key.clone())),
                    None => store::invoices::is_billed(&mut *tx, s.id, &key).await?,
                };
                let last = schedule
                    .period_containing(end.yesterday().map_err(unexpected)?)
                    .map_err(unexpected)?;
                if !billed {
                    let served = billing::BilledPeriod {
                        dates: billing::Period::new(last.dates.start, end).map_err(unexpected)?,
                        ..last
                    };
                    let prices = announced
                        .get(&(s.id, last_selection.plan.clone(), last_selection.period))
                        .map_or(&[][..], Vec::as_slice);
                    let price = price_in_force(prices, served.dates.start);
                    let lines = arrears_lines(&offer, &last_selection, &served, price).map_err(unexpected)?;
                    if !lines.is_empty() {
                        let entry = due.entry(end).or_default();
                        for line in lines {
                            entry.push((s.id, s.offer_key.clone(), line, key.clone()));
                        }
                        offers_by_date.entry(end).or_insert_with(|| offer.clone());
                    }
                }
            }
        }
        let mut planned = Vec::new();
        for (billing_date, entries) in due {
            if entries.is_empty() {
                continue;
            }
            let offer = offers_by_date
                .get(&billing_date)
                .cloned()
                .ok_or_else(|| unexpected("an offer for every billing date"))?;
            let mut periods: Vec<(SubscriptionId, String)> =
                entries.iter().map(|(s, _, _, k)| (*s, k.clone())).collect();
            periods.sort();
            periods.dedup();
            planned.push(Planned {
                buyer: buyer.clone(),
                offer,
                billing_date,
                lines: entries.into_iter().map(|(s, _, l, _)| (Some(s), l)).collect(),
                periods,
            });
        }
        Ok(planned)
    }

    /// Makes one invoice of `lines` (each with the subscription it bills, if any) for the
    /// billing point `billing_date` under `offer`'s payment terms: a draft first, without a
    /// number; finalized at once, or after the operator's review window by a job. The draft
    /// is stored in the caller's transaction.
    pub(crate) async fn issue_invoice(
        &self,
        tx: &mut sqlx::AnyConnection,
        buyer: &platform::model::Account,
        offer: &std::sync::Arc<billing::Offer>,
        billing_date: Date,
        lines: &[(Option<SubscriptionId>, InvoiceLine)],
        now: Timestamp,
    ) -> Result<StoredInvoice, AppError> {
        let planned = Planned {
            buyer: buyer.clone(),
            offer: offer.clone(),
            billing_date,
            lines: lines.to_vec(),
            periods: Vec::new(),
        };
        self.write_invoices(tx, vec![planned], None, now)
            .await?
            .and_then(|mut made| made.pop())
            .ok_or_else(|| unexpected("an invoice billing no period is always written"))
    }

    /// Writes planned invoices in the caller's transaction with a few statements whatever
    /// their number. Finalized at once: their numbers taken a block per series, the invoices
    /// and lines, their billed periods, audit entries and the administrators' emails. Under a
    /// review window: the drafts, their billed periods, audit entries and the jobs that
    /// finalize them.
    /// `admins` are the accounts' administrators when the caller read them already. `None`
    /// when another run billed one of the periods meanwhile: the caller must roll back.
    async fn write_invoices(
        &self,
        tx: &mut sqlx::AnyConnection,
        planned: Vec<Planned>,
        admins: Option<&HashMap<AccountId, Vec<platform::model::User>>>,
        now: Timestamp,
    ) -> Result<Option<Vec<StoredInvoice>>, AppError> {
        if planned.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let mut made: Vec<(StoredInvoice, Vec<StoredLine>)> = planned
            .iter()
            .map(|p| self.draft(&p.buyer, &p.offer, p.billing_date, &p.lines, now))
            .collect();
        let review = !self.config.invoice_review.is_zero();
        if !review {
            // Finalized in the same transaction: written once, already numbered, in the
            // order planned, dated on their billing point.
            let series_of = |p: &Planned| format!("F-{}", p.billing_date.year());
            let mut counts: BTreeMap<String, i64> = BTreeMap::new();
            for p in &planned {
                *counts.entry(series_of(p)).or_default() += 1;
            }
            let mut next: BTreeMap<String, i64> = BTreeMap::new();
            for (series, count) in counts {
                let first = store::invoices::reserve_numbers(&mut *tx, &series, count).await?;
                next.insert(series, first);
            }
            for (p, (invoice, _)) in planned.iter().zip(made.iter_mut()) {
                let counter = next
                    .get_mut(&series_of(p))
                    .ok_or_else(|| unexpected("a number reserved for every series"))?;
                *invoice = finalized(invoice, &p.offer, p.billing_date, *counter, now)?;
                *counter += 1;
            }
        }
        let rows: Vec<(&StoredInvoice, &[StoredLine])> = made.iter().map(|(i, l)| (i, &l[..])).collect();
        store::invoices::insert_many(&mut *tx, &rows).await?;
        let periods: Vec<store::invoices::BilledPeriod> = planned
            .iter()
            .zip(&made)
            .flat_map(|(p, (invoice, _))| {
                p.periods.iter().map(|(sub, key)| store::invoices::BilledPeriod {
                    account_id: invoice.account_id,
                    subscription_id: *sub,
                    period_start: key.clone(),
                    invoice_id: invoice.id,
                })
            })
            .collect();
        if store::invoices::mark_billed_many(&mut *tx, &periods).await? < periods.len() as u64 {
            return Ok(None);
        }
        let invoices: Vec<StoredInvoice> = made.into_iter().map(|(i, _)| i).collect();
        if !review {
            self.announce_issued(&mut *tx, &invoices, &Actor::system(), now, admins)
                .await?;
            return Ok(Some(invoices));
        }
        let facts = invoices
            .iter()
            .map(|i| {
                trail::facts(
                    &Actor::system(),
                    Some(i.account_id),
                    "invoice.draft",
                    Some(("invoice", i.id.to_string())),
                    now,
                )
            })
            .collect();
        store::audit::append_many(&mut *tx, facts).await?;
        let at = now.checked_add(self.config.invoice_review).map_err(unexpected)?;
        let finalizing = planned
            .iter()
            .zip(&invoices)
            .map(|(p, invoice)| {
                jobs::JobSpec::new(
                    FINALIZE_INVOICE,
                    serde_json::json!({ "account_id": invoice.account_id, "invoice_id": invoice.id }),
                    at,
                )
                .account(invoice.account_id)
                .clock(p.buyer.clock_id)
                .unique(format!("{FINALIZE_INVOICE}:{}", invoice.id))
            })
            .collect();
        jobs::enqueue_many(&mut *tx, finalizing, now).await?;
        Ok(Some(invoices))
    }

    /// The draft of an invoice of `lines`, without a number, and its lines as stored.
    fn draft(
        &self,
        buyer: &platform::model::Account,
        offer: &billing::Offer,
        billing_date: Date,
        lines: &[(Option<SubscriptionId>, InvoiceLine)],
        now: Timestamp,
    ) -> (StoredInvoice, Vec<StoredLine>) {
        let plain: Vec<InvoiceLine> = lines.iter().map(|(_, l)| l.clone()).collect();
        let t = totals(&plain);
        let seller = &self.config.seller;
        let invoice = StoredInvoice {
            id: InvoiceId::new(),
            account_id: buyer.id,
            kind: "invoice".into(),
            status: "draft".into(),
            series: format!("F-{}", billing_date.year()),
            number: None,
            issued_on: None,
            due_on: None,
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
            // Which terms set the due date once the invoice is dated.
            mentions: serde_json::json!({ "offer": offer.id, "offer_version": offer.version }),
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
            finalized_at: None,
        };
        let stored_lines = lines
            .iter()
            .enumerate()
            .map(|(i, (sub, l))| StoredLine {
                position: i as i64 + 1,
                subscription_id: *sub,
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
        (invoice, stored_lines)
    }

    /// Finalizes a draft: dated (its billing point, or `today` when reviewed later), numbered
    /// from its series' counter row — so numbers are gapless and follow finalization, never
    /// creation — given its due date and mentions, audited and emailed to the administrators.
    /// Does nothing to an invoice already finalized.
    async fn finalize_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        invoice: &mut StoredInvoice,
        offer: &billing::Offer,
        today: Date,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, AppError> {
        let issued_on = issue_date(invoice, today)?;
        let number = store::invoices::next_number(&mut *tx, &format!("F-{}", issued_on.year())).await?;
        let done = finalized(invoice, offer, today, number, now)?;
        if !store::invoices::finalize(&mut *tx, &done).await? {
            return Ok(false);
        }
        *invoice = done;
        self.announce_issued(&mut *tx, std::slice::from_ref(invoice), actor, now, None)
            .await?;
        Ok(true)
    }

    /// Audits invoices just issued and emails each to its account's administrators (`admins`
    /// when the caller read them already).
    async fn announce_issued(
        &self,
        tx: &mut sqlx::AnyConnection,
        invoices: &[StoredInvoice],
        actor: &Actor,
        now: Timestamp,
        admins: Option<&HashMap<AccountId, Vec<platform::model::User>>>,
    ) -> Result<(), AppError> {
        let facts = invoices
            .iter()
            .map(|i| {
                trail::facts(
                    actor,
                    Some(i.account_id),
                    "invoice.issue",
                    Some(("invoice", i.id.to_string())),
                    now,
                )
            })
            .collect();
        store::audit::append_many(&mut *tx, facts).await?;
        let read;
        let admins = match admins {
            Some(a) => a,
            None => {
                let accounts: Vec<AccountId> = invoices
                    .iter()
                    .map(|i| i.account_id)
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                let mut by_account: HashMap<AccountId, Vec<platform::model::User>> = HashMap::new();
                for u in store::users::admins_of_many(&mut *tx, &accounts).await? {
                    if let Some(account) = u.account_id {
                        by_account.entry(account).or_default().push(u);
                    }
                }
                read = by_account;
                &read
            }
        };
        let mut emails = Vec::new();
        let mut deliveries = Vec::new();
        for invoice in invoices {
            let number_text = invoice.display_number().unwrap_or_default();
            let company = invoice.buyer["legal_name"].as_str().unwrap_or_default();
            for admin in admins.get(&invoice.account_id).map_or(&[][..], Vec::as_slice) {
                let ctx = serde_json::json!({
                    "name": admin.name, "company": company, "number": number_text,
                    "date": invoice.issued_on, "due": invoice.due_on,
                    "total": format!("{} €", billing::Cents(invoice.total_incl)),
                    "link": format!("{}/settings/invoices/{}", self.config.public_url, invoice.id),
                });
                let (email, delivery) = self.compose_email(
                    Some(invoice.account_id),
                    &admin.email,
                    admin.lang,
                    "invoice_issued",
                    &ctx,
                    now,
                )?;
                emails.push(email);
                deliveries.push(delivery);
            }
        }
        store::emails::insert_many(&mut *tx, &emails).await?;
        jobs::enqueue_many(&mut *tx, deliveries, now).await?;
        Ok(())
    }

    /// Finalizes a draft invoice now (operator staff, or the job when the review window
    /// ends); `Conflict` when it is no longer a draft.
    pub async fn finalize_invoice(
        &self,
        account: AccountId,
        id: InvoiceId,
        actor: &Actor,
    ) -> Result<StoredInvoice, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut tx = self.db.write().await?;
        let (mut invoice, _) = store::invoices::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if invoice.status != "draft" {
            return Err(AppError::Conflict {
                field: "invoice",
                code: "invoice_not_draft",
            });
        }
        let key = invoice.mentions["offer"].as_str().unwrap_or_default().to_string();
        let version = invoice.mentions["offer_version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(1);
        let offer = self.offer(&key, version).await?;
        if !self
            .finalize_in(&mut tx, &mut invoice, &offer, today, actor, now)
            .await?
        {
            return Err(AppError::Conflict {
                field: "invoice",
                code: "invoice_not_draft",
            });
        }
        tx.commit().await?;
        Ok(invoice)
    }

    /// The job run when a draft's review window ends: finalizes it unless staff did already.
    pub(crate) async fn finalize_invoice_job(&self, account: AccountId, id: InvoiceId) -> Result<(), AppError> {
        match self.finalize_invoice(account, id, &Actor::system()).await {
            Ok(_) | Err(AppError::Conflict { .. }) | Err(AppError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
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
        let accounts = store::subscriptions::accounts_with_subscriptions(&mut tx).await?;
        let on_test_clocks: std::collections::BTreeSet<AccountId> =
            store::accounts::on_test_clocks(&mut tx).await?.into_iter().collect();
        tx.commit().await?;
        let mut report = BillingReport::default();
        // Accounts are billed a batch per transaction: committing each invoice alone would
        // make the commit, not the billing, the cost of a run.
        for batch in accounts.chunks(RUN_BATCH) {
            let system_now = crate::system_now();
            let mut dates = Vec::with_capacity(batch.len());
            for account in batch {
                let now = if on_test_clocks.contains(account) {
                    self.now_for(Some(*account)).await?
                } else {
                    system_now
                };
                let today = kernel::clock::paris_date(now);
                dates.push((*account, until.map_or(today, |u| u.min(today)), now));
            }
            let mut tx = self.db.write().await?;
            let mut by_account: BTreeMap<AccountId, Vec<billing::subscription::Subscription>> = BTreeMap::new();
            for s in store::subscriptions::list_for_accounts(&mut tx, batch).await? {
                by_account.entry(s.account_id).or_default().push(s);
            }
            let prefetched = Batch::read(&mut tx, batch).await?;
            // Written together per instant: all of them at the system's, but an account on a
            // test clock at its own.
            let mut planned: BTreeMap<Timestamp, Vec<Planned>> = BTreeMap::new();
            for (account, until, now) in &dates {
                let subscriptions = by_account.remove(account).unwrap_or_default();
                planned.entry(*now).or_default().extend(
                    self.plan_account(&mut tx, *account, &subscriptions, *until, Some(&prefetched))
                        .await?,
                );
            }
            let mut written = Some(0);
            for (now, invoices) in planned {
                match self
                    .write_invoices(&mut tx, invoices, Some(&prefetched.admins), now)
                    .await?
                {
                    Some(made) => written = written.map(|n| n + made.len()),
                    None => {
                        written = None;
                        break;
                    }
                }
            }
            let made = match written {
                Some(made) => {
                    tx.commit().await?;
                    made
                }
                None => {
                    // Another run got to one of these accounts first: bill them one by one,
                    // each leaving to the other run what it already billed.
                    tx.rollback().await?;
                    let mut made = 0;
                    for (account, until, now) in &dates {
                        made += self.bill_account(*account, *until, *now).await?.len();
                    }
                    made
                }
            };
            report.invoices += made;
            report.accounts += batch.len();
            progress(report.accounts, accounts.len());
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
                && s.ends_on.is_none_or(|end| date <= end)
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
        let credited: Vec<&StoredLine> = lines.iter().filter(|l| l.subscription_id == Some(id)).collect();
        let extra = serde_json::json!({ "refund_due_on": refund_due.to_string(), "due_on": refund_due.to_string() });
        let note = self
            .issue_credit_note(&mut tx, &paid, &credited, today, refund_due, extra, actor, now)
            .await?
            .ok_or(AppError::Conflict {
                field: "subscription",
                code: "already_credited",
            })?;
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
        tx.commit().await?;
        Ok(note)
    }

    /// Issues a credit note in its own series (`A-YYYY`) cancelling `lines` of the issued
    /// invoice `original`: each line is credited once (`None` when one already was), the
    /// original stays as issued. `extra` adds to the original's mentions.
    #[allow(clippy::too_many_arguments)]
    async fn issue_credit_note(
        &self,
        tx: &mut sqlx::AnyConnection,
        original: &StoredInvoice,
        lines: &[&StoredLine],
        today: Date,
        due_on: Date,
        extra: serde_json::Value,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<StoredInvoice>, AppError> {
        let account = original.account_id;
        let credited: Vec<StoredLine> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| StoredLine {
                position: i as i64 + 1,
                amount: -l.amount,
                quantity: l.quantity,
                description: format!("Avoir / credit — {}", l.description),
                ..(*l).clone()
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
        let number = store::invoices::next_number(&mut *tx, &series).await?;
        let mut mentions = original.mentions.clone();
        mentions["credits"] = serde_json::json!(original.display_number());
        if let (Some(m), Some(more)) = (mentions.as_object_mut(), extra.as_object()) {
            m.extend(more.clone());
        }
        let note = StoredInvoice {
            id: InvoiceId::new(),
            account_id: account,
            kind: "credit_note".into(),
            status: "issued".into(),
            series,
            number: Some(number),
            issued_on: Some(today.to_string()),
            due_on: Some(due_on.to_string()),
            billing_date: today.to_string(),
            seller: original.seller.clone(),
            buyer: original.buyer.clone(),
            mentions,
            total_excl: excl,
            total_vat: vat,
            total_incl: excl + vat,
            vat_breakdown: serde_json::Value::Array(breakdown),
            created_at: now,
            finalized_at: Some(now),
        };
        store::invoices::insert(&mut *tx, &note, &credited).await?;
        for l in lines {
            if !store::invoices::mark_credited(&mut *tx, account, original.id, l.position, note.id).await? {
                return Ok(None);
            }
        }
        record(
            &mut *tx,
            actor,
            Some(account),
            "credit_note.issue",
            Some(("invoice", note.id.to_string())),
            now,
        )
        .await?;
        Ok(Some(note))
    }

    /// The positions of an invoice's lines already credited.
    pub async fn credited_positions(&self, account: AccountId, invoice: InvoiceId) -> Result<Vec<i64>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::invoices::credited_positions(&mut tx, invoice).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// A corrective credit note by operator staff: `positions` of an issued invoice (all of
    /// them when empty) are cancelled, for `reason`, in a credit note of their own; the
    /// invoice itself is never edited. Each line is credited once.
    pub async fn credit_invoice(
        &self,
        account: AccountId,
        invoice: InvoiceId,
        positions: &[i64],
        reason: &str,
        actor: &Actor,
    ) -> Result<StoredInvoice, AppError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Invalid(kernel::FieldErrors::single("reason", "required")));
        }
        if reason.chars().count() > 500 {
            return Err(AppError::Invalid(kernel::FieldErrors::single("reason", "too_long")));
        }
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut tx = self.db.write().await?;
        let (original, lines) = store::invoices::get(&mut tx, account, invoice)
            .await?
            .ok_or(AppError::NotFound)?;
        if original.kind != "invoice" || original.status != "issued" {
            return Err(AppError::Conflict {
                field: "invoice",
                code: "not_an_issued_invoice",
            });
        }
        let done = store::invoices::credited_positions(&mut tx, invoice).await?;
        let chosen: Vec<&StoredLine> = if positions.is_empty() {
            lines.iter().filter(|l| !done.contains(&l.position)).collect()
        } else {
            let mut chosen = Vec::new();
            for p in positions {
                match lines.iter().find(|l| l.position == *p) {
                    None => return Err(AppError::Invalid(kernel::FieldErrors::single("lines", "line_unknown"))),
                    Some(_) if done.contains(p) => {
                        return Err(AppError::Conflict {
                            field: "lines",
                            code: "already_credited",
                        });
                    }
                    Some(l) if !chosen.iter().any(|c: &&StoredLine| c.position == l.position) => chosen.push(l),
                    Some(_) => {}
                }
            }
            chosen
        };
        if chosen.is_empty() {
            return Err(AppError::Conflict {
                field: "lines",
                code: "already_credited",
            });
        }
        let extra = serde_json::json!({ "credit_reason": reason });
        let Some(note) = self
            .issue_credit_note(&mut tx, &original, &chosen, today, today, extra, actor, now)
            .await?
        else {
            tx.rollback().await?;
            return Err(AppError::Conflict {
                field: "lines",
                code: "already_credited",
            });
        };
        record(
            &mut tx,
            actor,
            Some(account),
            "invoice.credit",
            Some(("invoice", invoice.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(note)
    }

    /// The account's issued invoices and credit notes, newest first; drafts under review are
    /// the operator's until finalized.
    pub async fn invoices(&self, account: AccountId) -> Result<Vec<StoredInvoice>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let mut list = store::invoices::list_for_account(&mut tx, account).await?;
        tx.commit().await?;
        list.retain(|i| i.status != "draft");
        Ok(list)
    }

    /// One of the account's issued invoices with its lines (a draft is not found).
    pub async fn invoice(
        &self,
        account: AccountId,
        id: InvoiceId,
    ) -> Result<(StoredInvoice, Vec<StoredLine>), AppError> {
        let found = self.operator_invoice(account, id).await?;
        if found.0.status == "draft" {
            return Err(AppError::NotFound);
        }
        Ok(found)
    }

    /// An invoice of the account in any state, drafts included (operator staff).
    pub async fn operator_invoice(
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

    /// Every invoice matching `filter`, newest first (operator staff: administrative data).
    pub async fn all_invoices(
        &self,
        filter: &InvoiceFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StoredInvoice>, AppError> {
        let mut errors = kernel::FieldErrors::new();
        for (field, value) in [("from", &filter.from), ("to", &filter.to)] {
            if value.as_deref().is_some_and(|v| v.parse::<Date>().is_err()) {
                errors.push(field, "date_invalid");
            }
        }
        if !matches!(filter.kind.as_str(), "" | "invoice" | "credit_note") {
            errors.push("kind", "kind_unknown");
        }
        if !matches!(filter.status.as_str(), "" | "draft" | "issued") {
            errors.push("status", "status_unknown");
        }
        errors.into_result()?;
        let mut tx = self.db.read().await?;
        let list = store::invoices::list_all(&mut tx, filter, limit.clamp(1, 500), offset.max(0)).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// What each order (subscription) of the account was invoiced, net of credit notes, VAT
    /// included: the amount paid per order that bounds the operator's liability
    /// (OSX-LIABILITY-CAP). Lines billed to no subscription are left out.
    pub async fn amounts_per_order(&self, account: AccountId) -> Result<Vec<OrderAmount>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let rows = store::invoices::net_by_subscription(&mut tx, account).await?;
        tx.commit().await?;
        let mut by_order: BTreeMap<SubscriptionId, OrderAmount> = BTreeMap::new();
        for (subscription, rate_bp, net) in rows {
            let Some(subscription) = subscription else { continue };
            let rate = u32::try_from(rate_bp).map_err(unexpected)?;
            let vat = billing::Rate::from_basis_points(rate).of(billing::Cents(net)).0;
            let entry = by_order.entry(subscription).or_insert(OrderAmount {
                subscription,
                excl_vat: 0,
                incl_vat: 0,
            });
            entry.excl_vat += net;
            entry.incl_vat += net + vat;
        }
        Ok(by_order.into_values().collect())
    }
}

/// What one order was invoiced, net of credit notes, in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAmount {
    pub subscription: SubscriptionId,
    pub excl_vat: i64,
    pub incl_vat: i64,
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
            // Rounded half away from zero, so a discount's negative price prints like its amount.
            let unit = money(
                billing::UnitPrice::from_micros(l.unit_price_micros).line_total(1).0,
                lang,
            );
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
