//! Price changes: the operator announces a new plan price for one offer, plan and period; every
//! running or pending subscription it reaches gets a notice of its own and its administrators an
//! email. The new price bills from the first period starting at least the offer's notice after
//! that email (OSX-PRICE-30D, DGT-PRICE-NOTICE, INES-PRICE-1M). Until then the customer may
//! refuse it (INES-PRICE-1M: within the month, ending the contract with no penalty) or terminate
//! outside the usual notice (DGT-PRICE-NOTICE), and a termination that follows an increase owes
//! no early-termination fee (INES-EARLY-TERM).

use crate::subscriptions::{Cancellation, state_on};
use crate::trail::record;
use crate::{Actor, App, AppError};
use billing::invoice::{ScheduledPrice, price_in_force, remaining_commitment_fees};
use billing::subscription::SubscriptionState;
use billing::{BillingPeriod, Cents};
use jiff::civil::Date;
use kernel::{AccountId, FieldErrors, Lang, PriceChangeId, SubscriptionId};
use serde::Deserialize;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};
use store::price_changes::{StoredPriceChange, StoredPriceNotice};

/// The longest reason kept: it is printed in every email.
const MAX_REASON: usize = 500;

/// What the operator schedules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PriceChangeInput {
    /// The offer's key (`oseox`).
    pub offer: String,
    pub plan: String,
    /// `monthly`, `quarterly` or `annual`.
    pub period: String,
    /// The new price per period excluding VAT, in euros (`"24.90"`).
    pub price: String,
    /// Why, as the customers will read it.
    pub reason: String,
}

/// A scheduled change and the notices it sent.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub change: StoredPriceChange,
    pub notices: Vec<StoredPriceNotice>,
}

/// What ending a subscription at its next period boundary would cost (INES-EARLY-TERM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlyTerminationQuote {
    /// The first day without service: the end of the current period.
    pub ends_on: Date,
    /// The fees of the periods left in the commitment.
    pub remaining_fees: Cents,
    /// What the customer would owe: the remaining fees, or nothing when the offer waives them
    /// after a price increase, or states no early-termination fee.
    pub amount_due: Cents,
    /// A price increase is announced and not yet in force.
    pub follows_price_increase: bool,
}

/// The last day a customer may answer a notice: the refusal deadline where the offer grants a
/// right to refuse (INES-PRICE-1M), otherwise, where it lets the customer terminate
/// (DGT-PRICE-NOTICE), the last day at the old price. `None`: no answer is offered.
pub fn answer_deadline(notice: &StoredPriceNotice) -> Option<Date> {
    match notice.refusal_deadline {
        Some(day) => Some(day),
        None if notice.customer_may_terminate => notice.applies_from.yesterday().ok(),
        None => None,
    }
}

/// A notice the customer can still answer on `today`: not refused, its new price not yet in
/// force, its deadline not passed.
pub fn answerable(notice: &StoredPriceNotice, today: Date) -> bool {
    notice.refused_at.is_none()
        && notice.applies_from > today
        && answer_deadline(notice).is_some_and(|deadline| today <= deadline)
}

/// Whether an increase was announced by `today` and is not yet in force: a termination now
/// follows it.
fn increase_pending(notices: &[StoredPriceNotice], today: Date) -> bool {
    notices
        .iter()
        .any(|n| n.is_increase() && n.refused_at.is_none() && n.announced_on <= today && today < n.applies_from)
}

fn period_of(raw: &str) -> Option<BillingPeriod> {
    BillingPeriod::ALL.into_iter().find(|p| p.as_str() == raw.trim())
}

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("{e}"))
}

/// The prices announced to one subscription, as billing reads them (refused ones never apply:
/// the subscription ends before).
pub(crate) async fn scheduled_prices(
    conn: &mut AnyConnection,
    account: AccountId,
    subscription: SubscriptionId,
) -> Result<Vec<ScheduledPrice>, AppError> {
    Ok(store::price_changes::notices_for(conn, account, Some(subscription))
        .await?
        .iter()
        .filter(|n| n.refused_at.is_none())
        .map(|n| ScheduledPrice {
            applies_from: n.applies_from,
            price: Cents(n.new_price),
        })
        .collect())
}

/// The prices announced to every subscription of an account, by subscription, plan and
/// billing period — a price announced for a plan the subscription has left since does not
/// follow it — read once per billing run of the account (two queries, whatever the number of
/// subscriptions).
pub(crate) async fn scheduled_prices_of_account(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<HashMap<(SubscriptionId, String, billing::BillingPeriod), Vec<ScheduledPrice>>, AppError> {
    let mut out: HashMap<(SubscriptionId, String, billing::BillingPeriod), Vec<ScheduledPrice>> = HashMap::new();
    let notices = store::price_changes::notices_for(&mut *conn, account, None).await?;
    if notices.is_empty() {
        return Ok(out);
    }
    let plans: HashMap<_, _> = store::price_changes::plans_announced_to(conn, account)
        .await?
        .into_iter()
        .map(|(id, plan, period)| (id, (plan, period)))
        .collect();
    for n in notices {
        let Some((plan, period)) = plans.get(&n.price_change_id) else {
            continue;
        };
        let Some(period) = billing::BillingPeriod::ALL.into_iter().find(|p| p.as_str() == period) else {
            continue;
        };
        if n.refused_at.is_none() {
            out.entry((n.subscription_id, plan.clone(), period))
                .or_default()
                .push(ScheduledPrice {
                    applies_from: n.applies_from,
                    price: Cents(n.new_price),
                });
        }
    }
    Ok(out)
}

/// The day a termination received on `today` may take effect because of a pending price change
/// the customer may still answer (DGT-PRICE-NOTICE, INES-PRICE-1M): the first day at the new
/// price, so every day served is billed at the old one. `None`: no such change.
pub(crate) async fn exit_before_new_price(
    conn: &mut AnyConnection,
    account: AccountId,
    subscription: SubscriptionId,
    today: Date,
) -> Result<Option<Date>, AppError> {
    Ok(store::price_changes::notices_for(conn, account, Some(subscription))
        .await?
        .iter()
        .filter(|n| answerable(n, today))
        .map(|n| n.applies_from)
        .min())
}

impl App {
    /// Schedules a new plan price (operator staff): refused, naming the field, when the offer
    /// states no price-change rule, the plan or period is unknown, the price is not a
    /// non-negative amount or is the price already in force. Every running or pending
    /// subscription of that plan and period, in every account, gets a notice dated on its
    /// account's clock and its administrators an email, in one transaction.
    pub async fn schedule_price_change(&self, input: PriceChangeInput, actor: &Actor) -> Result<Scheduled, AppError> {
        let catalogue = self.catalogue().await?;
        let Some(entry) = catalogue.iter().find(|o| o.stored.offer_key == input.offer.trim()) else {
            return Err(AppError::Invalid(FieldErrors::single("offer", "offer_unknown")));
        };
        let offer = entry.offer.clone();
        if offer.price_change.is_none() {
            return Err(AppError::Invalid(FieldErrors::single(
                "offer",
                "price_change_not_allowed",
            )));
        }
        let mut errors = FieldErrors::new();
        let plan = offer.plan(input.plan.trim()).ok();
        if plan.is_none() {
            errors.push("plan", "plan_unknown");
        }
        let period = match period_of(&input.period) {
            Some(p) if plan.is_some_and(|plan| plan.periods().contains(&p)) => Some(p),
            Some(_) if plan.is_some() => {
                errors.push("period", "period_not_offered");
                None
            }
            None if input.period.trim().is_empty() => {
                errors.push("period", "required");
                None
            }
            _ => {
                if plan.is_some() {
                    errors.push("period", "period_not_offered");
                }
                None
            }
        };
        let price = match Cents::parse(&input.price) {
            _ if input.price.trim().is_empty() => {
                errors.push("price", "required");
                None
            }
            Ok(p) if p.is_negative() => {
                errors.push("price", "price_negative");
                None
            }
            Ok(p) => Some(p),
            Err(_) => {
                errors.push("price", "price_invalid");
                None
            }
        };
        let reason = input.reason.trim().to_string();
        if reason.is_empty() {
            errors.push("reason", "required");
        } else if reason.chars().count() > MAX_REASON {
            errors.push("reason", "too_long");
        }
        errors.into_result()?;
        let (Some(plan), Some(period), Some(new_price)) = (plan, period, price) else {
            return Err(AppError::Invalid(FieldErrors::single("plan", "plan_unknown")));
        };

        let created_at = crate::system_now();
        // Platform scope: the notices reach every account, and their emails' delivery jobs
        // belong to no tenant.
        let mut tx = self.db.write().await?;
        let in_force = match store::price_changes::latest_change(&mut tx, &offer.id, &plan.id, period.as_str()).await? {
            Some(previous) => Cents(previous.new_price),
            None => offer.price(&plan.id, period).map_err(unexpected)?.current,
        };
        if in_force == new_price {
            return Err(AppError::Invalid(FieldErrors::single("price", "price_unchanged")));
        }
        let change_id = PriceChangeId::new();
        let subscriptions = store::subscriptions::list_running_for_plan(&mut tx, &offer.id, &plan.id, period).await?;
        // Each account's clock is read once: the email's day is the account's own.
        let mut clocks = BTreeMap::new();
        let mut notices = Vec::new();
        for s in subscriptions {
            let now = match clocks.get(&s.account_id) {
                Some(now) => *now,
                None => {
                    let now = store::clocks::now_for_account(&mut tx, s.account_id)
                        .await?
                        .unwrap_or_else(crate::system_now);
                    clocks.insert(s.account_id, now);
                    now
                }
            };
            let today = kernel::clock::paris_date(now);
            if state_on(&s, today).is_over() {
                continue;
            }
            // The subscription's own terms say how much notice it is owed; terms without a
            // price-change rule are never changed.
            let terms = self.offer(&s.offer_key, s.offer_version).await?;
            let Some(rule) = terms.price_change.as_ref() else {
                continue;
            };
            // Before activation no period exists yet: the first one starting on or after the
            // notice's end takes the new price, whenever activation comes.
            let start = match s.billing_starts_on {
                Some(start) => start,
                None => rule.notice.after(today).map_err(unexpected)?,
            };
            let dates = terms
                .price_change_dates(today, &terms.schedule(start, period))
                .map_err(unexpected)?;
            if s.ends_on.is_some_and(|end| end <= dates.first_period_start) {
                continue;
            }
            let earlier = scheduled_prices(&mut tx, s.account_id, s.id).await?;
            let old_price = match price_in_force(&earlier, dates.first_period_start) {
                Some(p) => p,
                None => terms.price(&plan.id, period).map_err(unexpected)?.current,
            };
            if old_price == new_price {
                continue;
            }
            notices.push((
                now,
                StoredPriceNotice {
                    price_change_id: change_id,
                    subscription_id: s.id,
                    account_id: s.account_id,
                    old_price: old_price.0,
                    new_price: new_price.0,
                    announced_on: today,
                    applies_from: dates.first_period_start,
                    refusal_deadline: dates.refusal_deadline,
                    customer_may_terminate: dates.customer_may_terminate,
                    refused_at: None,
                },
            ));
        }
        let change = StoredPriceChange {
            id: change_id,
            offer_key: offer.id.clone(),
            plan_id: plan.id.clone(),
            period: period.as_str().to_string(),
            old_price: in_force.0,
            new_price: new_price.0,
            reason: reason.clone(),
            notices: notices.len() as i64,
            created_at,
            created_by: actor.user_id,
        };
        store::price_changes::insert_change(&mut tx, &change).await?;
        record(
            &mut tx,
            actor,
            None,
            "price_change.schedule",
            Some(("price_change", change_id.to_string())),
            created_at,
        )
        .await?;
        let mut companies = BTreeMap::new();
        for (now, notice) in &notices {
            store::price_changes::insert_notice(&mut tx, notice).await?;
            record(
                &mut tx,
                actor,
                Some(notice.account_id),
                "price_change.notify",
                Some(("subscription", notice.subscription_id.to_string())),
                *now,
            )
            .await?;
            let company = match companies.get(&notice.account_id) {
                Some(name) => String::clone(name),
                None => {
                    let name = store::accounts::get(&mut tx, notice.account_id)
                        .await?
                        .map(|a| a.legal_name)
                        .unwrap_or_default();
                    companies.insert(notice.account_id, name.clone());
                    name
                }
            };
            let last_day = notice.applies_from.yesterday().map_err(unexpected)?;
            for admin in store::users::admins_of(&mut tx, notice.account_id).await? {
                let euros = |cents: i64| billing::money::format_euros(cents, admin.lang, '\u{a0}');
                let ctx = serde_json::json!({
                    "name": admin.name, "company": company, "offer": offer.name, "plan": plan.name,
                    "period": period_name(period, admin.lang), "old_price": euros(notice.old_price),
                    "new_price": euros(notice.new_price), "applies_from": notice.applies_from.to_string(),
                    "reason": reason, "refusal_deadline": notice.refusal_deadline.map(|d| d.to_string()),
                    "may_terminate": notice.customer_may_terminate, "last_day": last_day.to_string(),
                    "link": self.link("/settings/subscriptions"),
                });
                self.queue_email(
                    &mut tx,
                    Some(notice.account_id),
                    &admin.email,
                    admin.lang,
                    "price_change",
                    &ctx,
                    *now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Scheduled {
            change,
            notices: notices.into_iter().map(|(_, n)| n).collect(),
        })
    }

    /// The scheduled price changes (operator staff), newest first, optionally of one offer.
    pub async fn price_changes(
        &self,
        offer: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<StoredPriceChange>, AppError> {
        let mut tx = self.db.read().await?;
        let list = store::price_changes::list_changes(&mut tx, offer, limit.clamp(1, 500), offset.max(0)).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// The price changes announced to an account's subscriptions (or one of them), oldest first.
    pub async fn price_notices(
        &self,
        account: AccountId,
        subscription: Option<SubscriptionId>,
    ) -> Result<Vec<StoredPriceNotice>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::price_changes::notices_for(&mut tx, account, subscription).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Answers an announced price change (an administrator): where the offer grants a right to
    /// refuse, within its deadline (INES-PRICE-1M); where it lets the customer terminate,
    /// before the new price applies (DGT-PRICE-NOTICE). The subscription ends the day the new
    /// price would have applied, so its last period is billed at the old price, with no
    /// early-termination fee. Refused once the deadline has passed.
    pub async fn refuse_price_change(
        &self,
        account: AccountId,
        id: SubscriptionId,
        actor: &Actor,
    ) -> Result<Cancellation, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let mut s = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let notices = store::price_changes::notices_for(&mut tx, account, Some(id)).await?;
        let Some(notice) = notices
            .iter()
            .filter(|n| answerable(n, today))
            .min_by_key(|n| n.applies_from)
        else {
            let missed = notices
                .iter()
                .any(|n| n.refused_at.is_none() && answer_deadline(n).is_some_and(|d| today > d));
            return Err(AppError::Conflict {
                field: "subscription",
                code: if missed {
                    "price_change_refusal_too_late"
                } else {
                    "no_price_change_to_refuse"
                },
            });
        };
        let state = state_on(&s, today);
        if state.is_over() || s.ends_on.is_some_and(|end| end <= notice.applies_from) {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_already_ending",
            });
        }
        let ends_on = notice.applies_from;
        s.state = SubscriptionState::Ending;
        s.ends_on = Some(ends_on);
        s.cancel_requested_at = Some(now);
        s.cancel_way = Some("price_change".into());
        s.auto_renew = false;
        store::subscriptions::update(&mut tx, &s).await?;
        if !store::price_changes::mark_refused(&mut tx, account, notice.price_change_id, id, now).await? {
            return Err(AppError::Conflict {
                field: "subscription",
                code: "no_price_change_to_refuse",
            });
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.refuse_price_change",
            Some(("subscription", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Cancellation {
            ends_on,
            for_a_later_renewal: false,
            view: self.view(s, today).await?,
        })
    }

    /// What ending the subscription at the end of its current period would cost
    /// (INES-EARLY-TERM): the fees left in the commitment, due at once, unless the offer waives
    /// them because a price increase is announced and not yet in force.
    pub async fn early_termination_quote(
        &self,
        account: AccountId,
        id: SubscriptionId,
    ) -> Result<EarlyTerminationQuote, AppError> {
        let today = kernel::clock::paris_date(self.now_for(Some(account)).await?);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let s = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let notices = store::price_changes::notices_for(&mut tx, account, Some(id)).await?;
        let prices = scheduled_prices(&mut tx, account, id).await?;
        tx.commit().await?;
        let offer = self.offer(&s.offer_key, s.offer_version).await?;
        let follows_price_increase = increase_pending(&notices, today);
        let Some(start) = s.billing_starts_on else {
            // Nothing has started: there is no commitment to pay off.
            return Ok(EarlyTerminationQuote {
                ends_on: today,
                remaining_fees: Cents::ZERO,
                amount_due: Cents::ZERO,
                follows_price_increase,
            });
        };
        let schedule = offer.schedule(start, s.selection.period);
        let (_, ends_on) = schedule.next_boundary_after(today).map_err(unexpected)?;
        let remaining_fees =
            remaining_commitment_fees(&offer, &s.selection, &schedule, ends_on, &prices).map_err(unexpected)?;
        Ok(EarlyTerminationQuote {
            ends_on,
            remaining_fees,
            amount_due: offer
                .early_termination
                .amount_due(remaining_fees, follows_price_increase),
            follows_price_increase,
        })
    }
}

/// A billing period as the email names it.
fn period_name(period: BillingPeriod, lang: Lang) -> &'static str {
    match (period, lang) {
        (BillingPeriod::Monthly, Lang::Fr) => "mensuel",
        (BillingPeriod::Quarterly, Lang::Fr) => "trimestriel",
        (BillingPeriod::Annual, Lang::Fr) => "annuel",
        (BillingPeriod::Monthly, Lang::En) => "monthly",
        (BillingPeriod::Quarterly, Lang::En) => "quarterly",
        (BillingPeriod::Annual, Lang::En) => "annual",
    }
}
