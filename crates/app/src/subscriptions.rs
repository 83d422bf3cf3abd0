//! Subscriptions: an account takes a plan of an offer (the version in force that day), it is
//! activated (by an administrator, the operator, or automatically), it runs, and it ends by
//! cancellation or unticked renewal as the offer's terms say. Every subscription of an account
//! belongs to its group (INES-GROUPEMENT); entitlements are the sum of the running ones.

use crate::trail::record;
use crate::{Actor, App, AppError};
use billing::subscription::{Subscription, SubscriptionState};
use billing::{BillingPeriod, Offer, Quota, Selection, TerminationRequest};
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::clock::paris;
use kernel::{AccountId, FieldErrors, SubscriptionId};
use serde::Deserialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The job that activates a subscription nobody activated within the offer's delay
/// (INES-ACTIVATE-1M).
pub const AUTO_ACTIVATE: &str = "subscription.auto_activate";

/// What an administrator asks for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SubscribeInput {
    pub offer: String,
    pub plan: String,
    /// `monthly`, `quarterly` or `annual`; empty for a free plan.
    pub period: String,
    /// Units per entitlement (`users` → 3); unmentioned: the plan's minimum.
    pub units: BTreeMap<String, u32>,
    pub options: BTreeMap<String, u32>,
    /// A discount or referral code to redeem on the new subscription (OSX-CODES).
    pub code: Option<String>,
}

/// A subscription with the offer it runs under and what that means today.
#[derive(Debug, Clone)]
pub struct SubscriptionView {
    pub subscription: Subscription,
    pub offer: Arc<Offer>,
    /// The state as of today: an `ending` subscription past its end date reads `ended`.
    pub state: SubscriptionState,
    /// The next renewal or period boundary, when there is one.
    pub next_renewal: Option<Date>,
}

/// A move to another plan of the same offer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanChangeInput {
    pub plan: String,
    /// The billing period, needed only when leaving a free plan.
    pub period: String,
    /// Units per entitlement; unmentioned: the current ones the new plan knows of.
    pub units: BTreeMap<String, u32>,
}

/// What a change of plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    /// The first day under the new plan.
    pub applies_on: Date,
    /// At once (a dearer plan, or leaving a free one), or from the next period.
    pub immediate: bool,
    /// The invoice issued for it, when one was.
    pub invoice: Option<kernel::InvoiceId>,
}

/// What an early termination did (INES-EARLY-TERM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyTermination {
    /// The first day without service: the end of the period already paid.
    pub ends_on: Date,
    /// The fees left in the commitment, invoiced at once (zero when waived).
    pub amount_due: billing::Cents,
    /// Waived because a price increase is announced and not yet in force.
    pub waived_after_price_increase: bool,
    pub invoice: Option<kernel::InvoiceId>,
}

/// What a cancellation did.
#[derive(Debug, Clone)]
pub struct Cancellation {
    pub view: SubscriptionView,
    /// The first day without service.
    pub ends_on: Date,
    /// Too late for the coming renewal: accepted for the following one, and said so.
    pub for_a_later_renewal: bool,
}

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("{e}"))
}

fn period_of(raw: &str) -> Option<BillingPeriod> {
    BillingPeriod::ALL.into_iter().find(|p| p.as_str() == raw.trim())
}

/// The state as of `today`: an end date reached means ended, whether or not the job that
/// records it has run yet, so access stops at once (DGT-END-ACCESS).
pub fn state_on(s: &Subscription, today: Date) -> SubscriptionState {
    match (s.state, s.ends_on) {
        (SubscriptionState::Ending, Some(end)) if end <= today => SubscriptionState::Ended,
        (state, _) => state,
    }
}

/// Checks a selection against its offer: the plan exists and is sold for the period, units
/// within the entitlements' bounds, options known. Each problem names its field.
fn check_selection(offer: &Offer, input: &SubscribeInput) -> Result<(Selection, Option<BillingPeriod>), AppError> {
    let mut errors = FieldErrors::new();
    let Ok(plan) = offer.plan(input.plan.trim()) else {
        return Err(AppError::Invalid(FieldErrors::single("plan", "plan_unknown")));
    };
    // Said first: a plan on quote is the reason, not its missing prices.
    if matches!(plan.pricing, billing::offer::PlanPricing::OnQuote) {
        errors.push("plan", "plan_on_quote");
    }
    let sold = plan.periods();
    let period = match period_of(&input.period) {
        Some(p) if sold.contains(&p) => Some(p),
        Some(_) => {
            errors.push("period", "period_not_offered");
            None
        }
        None if sold.is_empty() => None,
        None => {
            errors.push("period", "required");
            None
        }
    };
    for (name, wanted) in &input.units {
        match plan.entitlements.get(name) {
            None => errors.push(format!("units.{name}"), "entitlement_unknown"),
            Some(e) if *wanted < e.minimum => errors.push(format!("units.{name}"), "quantity_below_minimum"),
            Some(e) if e.maximum.is_some_and(|m| *wanted > m) => {
                errors.push(format!("units.{name}"), "quantity_above_maximum")
            }
            Some(_) => {}
        }
    }
    for id in input.options.keys() {
        if offer.option(id).is_err() {
            errors.push(format!("options.{id}"), "option_unknown");
        }
    }
    errors.into_result()?;
    let mut selection = Selection::new(plan.id.clone(), period.unwrap_or(BillingPeriod::Monthly));
    selection.units = input.units.clone();
    selection.options = input.options.clone();
    Ok((selection, period))
}

impl App {
    /// The account's subscriptions (its group), newest first, each with its offer.
    pub async fn subscriptions(&self, account: AccountId) -> Result<Vec<SubscriptionView>, AppError> {
        let today = kernel::clock::paris_date(self.now_for(Some(account)).await?);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::subscriptions::list_for_account(&mut tx, account).await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            out.push(self.view(s, today).await?);
        }
        Ok(out)
    }

    pub async fn subscription(&self, account: AccountId, id: SubscriptionId) -> Result<SubscriptionView, AppError> {
        let today = kernel::clock::paris_date(self.now_for(Some(account)).await?);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let s = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        self.view(s, today).await
    }

    pub(crate) async fn view(&self, subscription: Subscription, today: Date) -> Result<SubscriptionView, AppError> {
        let offer = self.offer(&subscription.offer_key, subscription.offer_version).await?;
        let state = state_on(&subscription, today);
        let next_renewal = match (subscription.billing_starts_on, state.grants_access()) {
            (Some(start), true) => {
                let schedule = offer.schedule(start, subscription.selection.period);
                (1..1200)
                    .map_while(|k| offer.term_end(&schedule, k).ok().flatten())
                    .find(|d| *d > today)
            }
            _ => None,
        };
        Ok(SubscriptionView {
            subscription,
            offer,
            state,
            next_renewal,
        })
    }

    /// Every subscription (operator staff), newest first, optionally in one state.
    pub async fn all_subscriptions(
        &self,
        filter: &store::subscriptions::SubscriptionFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(String, SubscriptionView)>, AppError> {
        let mut tx = self.db.read().await?;
        let list = store::subscriptions::list_all(&mut tx, filter, limit.clamp(1, 500), offset.max(0)).await?;
        let mut names = std::collections::HashMap::new();
        for s in &list {
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(s.account_id) {
                let name = store::accounts::get(&mut tx, s.account_id).await?.map(|a| a.legal_name);
                slot.insert(name.unwrap_or_default());
            }
        }
        tx.commit().await?;
        // Each account's day is read once, not once per subscription.
        let mut days = std::collections::HashMap::new();
        for account in names.keys() {
            days.insert(*account, kernel::clock::paris_date(self.now_for(Some(*account)).await?));
        }
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            let today = days
                .get(&s.account_id)
                .copied()
                .unwrap_or_else(|| kernel::clock::paris_date(crate::system_now()));
            let name = names.get(&s.account_id).cloned().unwrap_or_default();
            out.push((name, self.view(s, today).await?));
        }
        Ok(out)
    }

    /// Subscribes the account to the latest version of an offer (administrators). The
    /// subscription waits for activation unless the offer bills from subscription (Oseox).
    pub async fn subscribe(
        &self,
        account: AccountId,
        input: SubscribeInput,
        actor: &Actor,
    ) -> Result<SubscriptionView, AppError> {
        let catalogue = self.catalogue().await?;
        let Some(entry) = catalogue.iter().find(|o| o.stored.offer_key == input.offer.trim()) else {
            return Err(AppError::Invalid(FieldErrors::single("offer", "offer_unknown")));
        };
        let offer = entry.offer.clone();
        let (selection, period) = check_selection(&offer, &input)?;
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        // Nothing to wait for when billing starts at subscription (Oseox) or when the plan is
        // free: there is no payment to set up and nothing to deliver (OSX-FREE).
        let free = offer.plan(&selection.plan).is_ok_and(|p| p.is_free());
        let immediate = free || offer.activation.billing_starts == billing::offer::BillingStart::Subscription;
        let subscription = Subscription {
            id: SubscriptionId::new(),
            account_id: account,
            offer_key: offer.id.clone(),
            offer_version: offer.version,
            selection,
            state: if immediate {
                SubscriptionState::Active
            } else {
                SubscriptionState::PendingActivation
            },
            auto_renew: matches!(offer.term.renewal, billing::offer::Renewal::Automatic { .. }),
            subscribed_at: now,
            subscribed_by: actor.user_id,
            activated_at: immediate.then_some(now),
            activated_by: if immediate { actor.user_id } else { None },
            billing_starts_on: immediate.then_some(today),
            ends_on: None,
            ended_at: None,
            cancel_requested_at: None,
            cancel_way: None,
            pending: None,
        };
        // Platform scope: the activation email's delivery job belongs to no tenant.
        let mut tx = self.db.write().await?;
        store::subscriptions::insert(&mut tx, &subscription, period).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.create",
            Some(("subscription", subscription.id.to_string())),
            now,
        )
        .await?;
        if let Some(code) = input.code.as_deref().filter(|c| !c.trim().is_empty()) {
            self.redeem_in(&mut tx, &subscription, &offer, code, now, actor).await?;
        }
        if immediate {
            self.confirm_activation(&mut tx, &subscription, &offer, now).await?;
            self.schedule_billing(&mut tx, account, now, now).await?;
        } else if let Some(on) = offer
            .automatic_activation_on(today)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?
        {
            let run_at = on
                .to_zoned(paris())
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?
                .timestamp();
            let clock = store::accounts::get(&mut tx, account).await?.and_then(|a| a.clock_id);
            let spec = jobs::JobSpec::new(
                AUTO_ACTIVATE,
                serde_json::json!({ "account_id": account, "subscription_id": subscription.id }),
                run_at,
            )
            .account(account)
            .clock(clock)
            .unique(format!("{AUTO_ACTIVATE}:{}", subscription.id));
            jobs::enqueue(&mut tx, spec, now).await?;
        }
        tx.commit().await?;
        self.view(subscription, today).await
    }

    /// Activates a pending subscription (an administrator, operator staff, or the automatic
    /// activation job): billing starts, the modules open, and every administrator receives the
    /// essential characteristics by email (INES-ACTIVATE-1M).
    pub async fn activate_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
        actor: &Actor,
    ) -> Result<SubscriptionView, AppError> {
        let now = self.now_for(Some(account)).await?;
        self.activate_at(account, id, actor, now).await
    }

    async fn activate_at(
        &self,
        account: AccountId,
        id: SubscriptionId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<SubscriptionView, AppError> {
        let today = kernel::clock::paris_date(now);
        // Platform scope: the confirmation email's delivery job belongs to no tenant.
        let mut tx = self.db.write().await?;
        let mut s = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if s.state != SubscriptionState::PendingActivation {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_not_pending",
            });
        }
        let offer = self.offer(&s.offer_key, s.offer_version).await?;
        s.state = SubscriptionState::Active;
        s.activated_at = Some(now);
        s.activated_by = actor.user_id;
        s.billing_starts_on = Some(today);
        store::subscriptions::update(&mut tx, &s).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.activate",
            Some(("subscription", s.id.to_string())),
            now,
        )
        .await?;
        self.confirm_activation(&mut tx, &s, &offer, now).await?;
        self.schedule_billing(&mut tx, account, now, now).await?;
        tx.commit().await?;
        self.view(s, today).await
    }

    /// The activation email: the subscription's essential characteristics, to every
    /// administrator, each in their language.
    async fn confirm_activation(
        &self,
        conn: &mut AnyConnection,
        s: &Subscription,
        offer: &Offer,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let company = store::accounts::get(&mut *conn, s.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let plan = offer
            .plan(&s.selection.plan)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
        let price = offer
            .price(&plan.id, s.selection.period)
            .ok()
            .filter(|_| !plan.periods().is_empty())
            .map(|p| format!("{} €", p.current));
        let term = match offer.term.length {
            billing::offer::TermLength::Indefinite => "indefinite".to_string(),
            billing::offer::TermLength::BillingPeriod => s.selection.period.as_str().to_string(),
            billing::offer::TermLength::Fixed(d) => d.to_string(),
        };
        let renewal = match offer.term.renewal {
            billing::offer::Renewal::None => String::new(),
            billing::offer::Renewal::Tacit => ", tacit renewal".to_string(),
            billing::offer::Renewal::Automatic { untick_before } => {
                format!(", automatic renewal (untick at least {untick_before} before)")
            }
        };
        let notice = match offer.notice.length {
            Some(d) => {
                let ways: Vec<String> = offer.notice.ways.iter().map(ToString::to_string).collect();
                format!("{d} ({})", ways.join(", "))
            }
            None => "none".to_string(),
        };
        let quantities: Vec<String> = s.selection.units.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        for admin in store::users::admins_of(&mut *conn, s.account_id).await? {
            let ctx = serde_json::json!({
                "name": admin.name, "company": company.legal_name, "offer": offer.name, "version": offer.version,
                "plan": plan.name, "period": (!plan.periods().is_empty()).then(|| s.selection.period.as_str()),
                "price": price, "vat": offer.vat_rate.to_string(), "quantities": quantities,
                "activated": crate::human_time(now, admin.lang),
                "billing_starts": s.billing_starts_on.map(|d| d.to_string()).unwrap_or_default(),
                "term": format!("{term}{renewal}"), "notice": notice,
            });
            self.queue_email(
                &mut *conn,
                Some(s.account_id),
                &admin.email,
                admin.lang,
                "subscription_activated",
                &ctx,
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Cancels from the account (in the app): the offer decides when it ends. A request after
    /// the deadline is accepted for the following renewal, and the result says so.
    pub async fn cancel_subscription(
        &self,
        account: AccountId,
        id: SubscriptionId,
        actor: &Actor,
    ) -> Result<Cancellation, AppError> {
        let now = self.now_for(Some(account)).await?;
        let request = TerminationRequest {
            way: billing::offer::NoticeWay::InApp,
            sent_at: now.to_zoned(paris()),
            delivered_on: None,
        };
        self.terminate(account, id, request, actor, now).await
    }

    /// Records a termination that came by post (operator staff): the postmark day and, when
    /// known, the day it was delivered. The offer decides when it counts as received
    /// (CLX-NOTICE-3D) and when the subscription ends (INES-TERM-3M).
    pub async fn record_termination_letter(
        &self,
        account: AccountId,
        id: SubscriptionId,
        registered: bool,
        postmarked_on: Date,
        delivered_on: Option<Date>,
        actor: &Actor,
    ) -> Result<Cancellation, AppError> {
        let now = self.now_for(Some(account)).await?;
        let sent_at = postmarked_on
            .to_zoned(paris())
            .map_err(|_| AppError::Invalid(FieldErrors::single("postmarked_on", "date_invalid")))?;
        let request = TerminationRequest {
            way: if registered {
                billing::offer::NoticeWay::RegisteredLetter
            } else {
                billing::offer::NoticeWay::Letter
            },
            sent_at,
            delivered_on,
        };
        self.terminate(account, id, request, actor, now).await
    }

    async fn terminate(
        &self,
        account: AccountId,
        id: SubscriptionId,
        request: TerminationRequest,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Cancellation, AppError> {
        let today = kernel::clock::paris_date(now);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let mut s = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let state = state_on(&s, today);
        if state.is_over() || state == SubscriptionState::Ending {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_already_ending",
            });
        }
        let offer = self.offer(&s.offer_key, s.offer_version).await?;
        let schedule = s
            .billing_starts_on
            .map(|start| offer.schedule(start, s.selection.period));
        let termination = offer
            .termination(schedule.as_ref(), &request, &paris())
            .map_err(|e| match e {
                billing::TerminationError::NotActivated => AppError::Conflict {
                    field: "state",
                    code: "no_termination_before_activation",
                },
                billing::TerminationError::WayNotAccepted { .. } => {
                    AppError::Invalid(FieldErrors::single("way", "termination_way_not_accepted"))
                }
                billing::TerminationError::DeliveryDateUnknown => {
                    AppError::Invalid(FieldErrors::single("delivered_on", "required"))
                }
                other => AppError::Unexpected(anyhow::anyhow!(other)),
            })?;
        // After a price change the customer may still answer, a termination is accepted
        // outside the usual notice and ends before the new price applies (DGT-PRICE-NOTICE).
        let mut termination = termination;
        if let Some(exit) = crate::price_changes::exit_before_new_price(&mut tx, account, id, today).await?
            && exit < termination.effective_on
        {
            termination.effective_on = exit;
            termination.for_a_later_renewal = false;
        }
        s.state = if termination.effective_on <= today {
            SubscriptionState::Ended
        } else {
            SubscriptionState::Ending
        };
        if s.state == SubscriptionState::Ended {
            s.ended_at = Some(now);
        }
        s.ends_on = Some(termination.effective_on);
        s.cancel_requested_at = Some(now);
        s.cancel_way = Some(request.way.to_string());
        s.auto_renew = false;
        store::subscriptions::update(&mut tx, &s).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.cancel",
            Some(("subscription", s.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Cancellation {
            ends_on: termination.effective_on,
            for_a_later_renewal: termination.for_a_later_renewal,
            view: self.view(s, today).await?,
        })
    }

    /// Unticks automatic renewal (OSX-RENEW-48H): in time, the subscription ends at the next
    /// renewal; later, at the one after, and the result says so.
    pub async fn untick_renewal(
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
        if state_on(&s, today) != SubscriptionState::Active || !s.auto_renew {
            return Err(AppError::Conflict {
                field: "state",
                code: "renewal_not_automatic",
            });
        }
        let offer = self.offer(&s.offer_key, s.offer_version).await?;
        let Some(start) = s.billing_starts_on else {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_not_active",
            });
        };
        let schedule = offer.schedule(start, s.selection.period);
        let effect = offer
            .untick_renewal(&schedule, &now.to_zoned(paris()))
            .map_err(|_| AppError::Conflict {
                field: "state",
                code: "renewal_not_automatic",
            })?;
        let (ends_on, later) = match effect {
            billing::UntickEffect::StopsNextRenewal { ends_on, .. } => (ends_on, false),
            billing::UntickEffect::StopsFollowingRenewal { ends_on, .. } => (ends_on, true),
        };
        s.auto_renew = false;
        s.state = SubscriptionState::Ending;
        s.ends_on = Some(ends_on);
        s.cancel_requested_at = Some(now);
        s.cancel_way = Some("in_app".into());
        store::subscriptions::update(&mut tx, &s).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.untick_renewal",
            Some(("subscription", s.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Cancellation {
            ends_on,
            for_a_later_renewal: later,
            view: self.view(s, today).await?,
        })
    }

    /// Changes a running subscription's quantities (licences, users…). The change applies from
    /// a period start: the next one when asked before the offer's cut-off day, one later
    /// otherwise (CLX-LICENCE-20TH). Fewer users than the account has is refused.
    pub async fn change_units(
        &self,
        account: AccountId,
        id: SubscriptionId,
        units: BTreeMap<String, u32>,
        actor: &Actor,
    ) -> Result<Date, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut tx = self.db.write().await?;
        let s = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !state_on(&s, today).grants_access() {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_not_active",
            });
        }
        let offer = self.offer(&s.offer_key, s.offer_version).await?;
        let input = SubscribeInput {
            offer: s.offer_key.clone(),
            plan: s.selection.plan.clone(),
            period: s.selection.period.as_str().to_string(),
            units: units.clone(),
            options: s.selection.options.clone(),
            code: None,
        };
        check_selection(&offer, &input)?;
        if let Some(users) = units.get("users") {
            let in_use = store::users::count_active(&mut tx, account).await?;
            if i64::from(*users) < in_use {
                return Err(AppError::Invalid(FieldErrors::single(
                    "units.users",
                    "quantity_below_in_use",
                )));
            }
        }
        let Some(start) = s.billing_starts_on else {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_not_active",
            });
        };
        let schedule = offer.schedule(start, s.selection.period);
        let from = offer
            .licence_change_applies_on(&schedule, today)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
        store::subscriptions::set_pending_units(&mut tx, account, id, &units, from).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.change_units",
            Some(("subscription", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(from)
    }

    /// Moves a running subscription to another plan of its offer, as Stripe Billing and Lago
    /// users expect:
    /// - from a free plan, the paid plan starts at once and its billing starts anew that day
    ///   (its periods, term and first invoice count from it);
    /// - to a dearer plan, at once: the current period, already paid, is prorated to the day —
    ///   the unused part of the old plan is credited and the rest of the period charged at the
    ///   new price on an invoice issued now;
    /// - to a cheaper plan (or a free one), from the next period: the current one is paid for,
    ///   and a credit would have nowhere to go.
    ///
    /// A plan too small for the users the account has is refused, as is a move of an ending
    /// subscription.
    pub async fn change_plan(
        &self,
        account: AccountId,
        id: SubscriptionId,
        input: PlanChangeInput,
        actor: &Actor,
    ) -> Result<PlanChange, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        // What the change is judged on, read together: the subscription, the users in place
        // and the prices announced to it.
        let (s, in_use, announced) = {
            let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
            let s = store::subscriptions::get(&mut tx, account, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let in_use = store::users::count_active(&mut tx, account).await?;
            let announced = crate::price_changes::scheduled_prices_of_account(&mut tx, account).await?;
            tx.commit().await?;
            (s, in_use, announced)
        };
        if state_on(&s, today) != SubscriptionState::Active || s.billing_starts_on.is_none() {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_not_active",
            });
        }
        let offer = self.offer(&s.offer_key, s.offer_version).await?;
        let target = input.plan.trim();
        if target == s.selection.plan {
            return Err(AppError::Invalid(FieldErrors::single("plan", "plan_unchanged")));
        }
        let current_plan = offer.plan(&s.selection.plan).map_err(unexpected)?;
        let from_free = current_plan.is_free();
        let new_plan = offer
            .plan(target)
            .map_err(|_| AppError::Invalid(FieldErrors::single("plan", "plan_unknown")))?;
        // Units the new plan knows of carry over; those it does not are dropped.
        let mut units: BTreeMap<String, u32> = s
            .selection
            .units
            .iter()
            .filter(|(k, _)| new_plan.entitlements.contains_key(*k))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        units.extend(input.units.clone());
        let period = if from_free {
            input.period.clone()
        } else {
            s.selection.period.as_str().to_string()
        };
        let wanted = SubscribeInput {
            offer: s.offer_key.clone(),
            plan: target.to_string(),
            period: if new_plan.is_free() { String::new() } else { period },
            units,
            options: s.selection.options.clone(),
            code: None,
        };
        let (selection, billing_period) = check_selection(&offer, &wanted)?;
        if let Ok(Quota::Limited(seats)) = offer.allowance(&selection, "users")
            && in_use > seats as i64
        {
            return Err(AppError::Invalid(FieldErrors::single("plan", "quantity_below_in_use")));
        }
        if from_free {
            return self
                .start_paid_plan(s, selection, billing_period, today, now, actor)
                .await;
        }
        let start = s.billing_starts_on.unwrap_or(today);
        let schedule = offer.schedule(start, s.selection.period);
        let current = schedule.period_containing(today).map_err(unexpected)?;
        // The prices announced to this subscription count for the plan they were announced for.
        let full = |sel: &billing::Selection| -> Result<billing::Cents, AppError> {
            let prices = announced
                .get(&(id, sel.plan.clone(), sel.period))
                .map_or(&[][..], Vec::as_slice);
            let price = billing::invoice::price_in_force(prices, current.dates.start);
            let lines = billing::invoice::period_lines_at(&offer, sel, &current, false, price).map_err(unexpected)?;
            Ok(billing::Cents(lines.iter().map(|l| l.amount.0).sum()))
        };
        let (old_price, new_price) = (full(&s.selection)?, full(&selection)?);
        if new_price <= old_price {
            let from = current.dates.end;
            if s.ends_on.is_some_and(|end| from >= end) {
                return Err(AppError::Conflict {
                    field: "state",
                    code: "subscription_not_active",
                });
            }
            let mut tx = self.db.write().await?;
            store::subscriptions::set_pending_plan(&mut tx, account, id, &selection.plan, &selection.units, from)
                .await?;
            record(
                &mut tx,
                actor,
                Some(account),
                "subscription.change_plan",
                Some(("subscription", id.to_string())),
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(PlanChange {
                applies_on: from,
                immediate: false,
                invoice: None,
            });
        }
        // The current period must be billed at the old price before it is prorated.
        self.bill_account(account, today, now).await?;
        let proration =
            billing::periods::prorate_plan_change(&current, today, old_price, new_price).map_err(unexpected)?;
        let rest = billing::Period::new(today, current.dates.end).map_err(unexpected)?;
        let days = format!("{}/{}", proration.remaining_days, proration.period_days);
        let line = |kind: &str, description: String, amount: billing::Cents| billing::invoice::InvoiceLine {
            kind: kind.to_string(),
            description,
            quantity: 1,
            unit_price: billing::UnitPrice::from_cents(amount),
            vat_rate: offer.vat_rate,
            amount,
            period: Some(rest),
        };
        let lines = vec![
            (
                Some(id),
                line(
                    "proration",
                    format!(
                        "{} — {} : temps non utilisé / unused time ({days})",
                        offer.name, current_plan.name
                    ),
                    billing::Cents(-proration.credit.0),
                ),
            ),
            (
                Some(id),
                line(
                    "proration",
                    format!(
                        "{} — {} : reste de la période / rest of the period ({days})",
                        offer.name, new_plan.name
                    ),
                    proration.charge,
                ),
            ),
        ];
        let mut tx = self.db.write().await?;
        let buyer = store::accounts::get(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut moved = s.clone();
        moved.selection = selection;
        store::subscriptions::set_plan(&mut tx, &moved, billing_period).await?;
        store::subscriptions::clear_pending_change(&mut tx, account, id).await?;
        let invoice = self.issue_invoice(&mut tx, &buyer, &offer, today, &lines, now).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.change_plan",
            Some(("subscription", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(PlanChange {
            applies_on: today,
            immediate: true,
            invoice: Some(invoice.id),
        })
    }

    /// A free plan becomes a paid one: billing starts anew today, and what is due is billed
    /// at once.
    async fn start_paid_plan(
        &self,
        mut s: Subscription,
        selection: Selection,
        period: Option<BillingPeriod>,
        today: Date,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<PlanChange, AppError> {
        let (account, id) = (s.account_id, s.id);
        s.selection = selection;
        s.billing_starts_on = Some(today);
        let mut tx = self.db.write().await?;
        store::subscriptions::set_plan(&mut tx, &s, period).await?;
        store::subscriptions::clear_pending_change(&mut tx, account, id).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.change_plan",
            Some(("subscription", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        let invoice = self.bill_account(account, today, now).await?.into_iter().next();
        // Later periods are billed by the account's billing job.
        let at = today.to_zoned(paris()).map_err(unexpected)?.timestamp();
        let mut tx = self.db.write().await?;
        self.schedule_billing(&mut tx, account, at, now).await?;
        tx.commit().await?;
        Ok(PlanChange {
            applies_on: today,
            immediate: true,
            invoice,
        })
    }

    /// Ends a subscription before the end of its commitment (INES-EARLY-TERM): service stops
    /// at the end of the period already paid, and the fees of the periods left in the
    /// commitment fall due at once on an invoice issued now — nothing when the offer waives
    /// them because a price increase is announced and not yet in force. Refused before
    /// activation (INES-TERM-3M) and for offers that state no early-termination fee (their
    /// ordinary cancellation applies).
    pub async fn terminate_early(
        &self,
        account: AccountId,
        id: SubscriptionId,
        actor: &Actor,
    ) -> Result<EarlyTermination, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let view = self.subscription(account, id).await?;
        if view.state == SubscriptionState::PendingActivation {
            return Err(AppError::Conflict {
                field: "state",
                code: "no_termination_before_activation",
            });
        }
        if view.state != SubscriptionState::Active {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_not_active",
            });
        }
        if !view.offer.early_termination.remaining_fees_due {
            return Err(AppError::Conflict {
                field: "subscription",
                code: "early_termination_not_offered",
            });
        }
        let quote = self.early_termination_quote(account, id).await?;
        let mut s = view.subscription.clone();
        s.state = SubscriptionState::Ending;
        s.ends_on = Some(quote.ends_on);
        s.auto_renew = false;
        s.cancel_requested_at = Some(now);
        s.cancel_way = Some("early_termination".into());
        let mut tx = self.db.write().await?;
        if !store::subscriptions::update(&mut tx, &s).await? {
            return Err(AppError::NotFound);
        }
        let invoice = if quote.amount_due > billing::Cents::ZERO {
            let buyer = store::accounts::get(&mut tx, account)
                .await?
                .ok_or(AppError::NotFound)?;
            let line = billing::invoice::InvoiceLine {
                kind: "early_termination".into(),
                description: format!(
                    "{} — résiliation anticipée : échéances restantes / early termination: remaining fees",
                    view.offer.name
                ),
                quantity: 1,
                unit_price: billing::UnitPrice::from_cents(quote.amount_due),
                vat_rate: view.offer.vat_rate,
                amount: quote.amount_due,
                period: None,
            };
            let invoice = self
                .issue_invoice(&mut tx, &buyer, &view.offer, today, &[(Some(id), line)], now)
                .await?;
            Some(invoice.id)
        } else {
            None
        };
        record(
            &mut tx,
            actor,
            Some(account),
            "subscription.terminate_early",
            Some(("subscription", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(EarlyTermination {
            ends_on: quote.ends_on,
            amount_due: quote.amount_due,
            waived_after_price_increase: quote.follows_price_increase && quote.remaining_fees > quote.amount_due,
            invoice,
        })
    }

    /// How much of `key` (`users`, `monitor.http_urls`…) the account's running subscriptions
    /// allow: `None` when no running subscription speaks of it (nothing limits it), else the
    /// sum, unlimited if any says so. The one question every module asks before adding.
    pub async fn allowance(&self, account: AccountId, key: &str) -> Result<Option<Quota>, AppError> {
        let mut total: Option<Quota> = None;
        for view in self.subscriptions(account).await? {
            if !view.state.grants_access() {
                continue;
            }
            let Ok(q) = view.offer.allowance(&view.subscription.selection, key) else {
                continue;
            };
            total = Some(match (total, q) {
                (Some(Quota::Unlimited), _) | (_, Quota::Unlimited) => Quota::Unlimited,
                (Some(Quota::Limited(a)), Quota::Limited(b)) => Quota::Limited(a + b),
                (None, q) => q,
            });
        }
        Ok(total)
    }

    /// Refuses to go beyond an allowance (DGT-LICENCE-SCOPE): `in_use` now, `adding` more.
    pub async fn ensure_allowance(
        &self,
        account: AccountId,
        key: &str,
        in_use: u64,
        adding: u64,
        field: &'static str,
    ) -> Result<(), AppError> {
        match self.allowance(account, key).await? {
            Some(Quota::Limited(limit)) if in_use + adding > limit => Err(AppError::Limit {
                field,
                key: key.to_string(),
                limit,
            }),
            _ => Ok(()),
        }
    }

    /// Runs the automatic activation of a subscription still pending when its delay ends.
    pub(crate) async fn auto_activate(
        &self,
        account: AccountId,
        id: SubscriptionId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        match self.activate_at(account, id, &Actor::system(), now).await {
            // Activated by someone in the meantime, or cancelled: nothing to do.
            Ok(_) | Err(AppError::Conflict { .. }) | Err(AppError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
