//! Discount and referral codes (OSX-CODES, OSX-NO-DISCOUNT): operator staff create, list and
//! disable codes; an administrator redeems one on a subscription (when subscribing, or later);
//! each billed period the code covers gets a negative "discount" line, never beyond what the
//! period costs.

use crate::trail::record;
use crate::{Actor, App, AppError};
use billing::codes::{CodeDuration, CodeKind, CodeText, DiscountCode, RedemptionRequest, Reduction, reduce};
use billing::invoice::InvoiceLine;
use billing::subscription::Subscription;
use billing::{Cents, Offer, Rate};
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::{AccountId, FieldErrors, SubscriptionId};
use serde::Deserialize;
use sqlx::AnyConnection;
use store::codes::{CodeStatus, Redemption, StoredCode};

/// The longest operator description of a code.
const MAX_DESCRIPTION: usize = 200;

/// A new code, as the operator fills it in (form or API). Exactly one of `percent` and
/// `amount`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewCodeInput {
    /// The text customers type; stored upper-case.
    pub code: String,
    /// `discount` (the default) or `referral`.
    pub kind: String,
    /// The referring account's id (referral codes only).
    pub referrer: Option<String>,
    /// A percentage of each period: `"20"`, `"20%"`, `"12.5%"`.
    pub percent: Option<String>,
    /// A fixed amount per period, excluding VAT: `"50"`, `"9.90"`.
    pub amount: Option<String>,
    /// `once`, `periods` (with `periods`) or `forever`.
    pub duration: String,
    pub periods: Option<u32>,
    /// The last day it may be redeemed (YYYY-MM-DD).
    pub valid_until: Option<String>,
    pub max_redemptions: Option<u32>,
    /// Offer keys it is restricted to; empty: every offer that takes codes.
    pub offers: Vec<String>,
    /// Plan ids it is restricted to; empty: every plan.
    pub plans: Vec<String>,
    pub description: String,
}

/// A code with its status as of today.
#[derive(Debug, Clone)]
pub struct CodeView {
    pub stored: StoredCode,
    pub status: CodeStatus,
}

/// A redemption with the code it redeemed.
#[derive(Debug, Clone)]
pub struct RedemptionView {
    pub redemption: Redemption,
    pub code: DiscountCode,
    /// Whether the code still reduces coming periods.
    pub running: bool,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `"20"` or `"20%"` as a rate.
fn percent_of(raw: &str) -> Option<Rate> {
    let text = raw.trim().trim_end_matches('%').trim();
    Rate::parse(&format!("{text}%")).ok()
}

fn refused(code: &'static str) -> AppError {
    AppError::Invalid(FieldErrors::single("code", code))
}

impl App {
    /// Creates a code (operator staff). Every field is checked and every problem named at
    /// once; a code that exists already is refused (`code_taken`).
    pub async fn create_code(&self, input: NewCodeInput, actor: &Actor) -> Result<CodeView, AppError> {
        let now = crate::system_now();
        let today = kernel::clock::paris_date(now);
        let catalogue = self.catalogue().await?;
        let mut errors = FieldErrors::new();
        let text = CodeText::parse(&input.code)
            .map_err(|e| errors.push("code", e.code()))
            .ok();
        let mut tx = self.db.write().await?;
        let kind = match input.kind.trim() {
            "" | "discount" => Some(CodeKind::Discount),
            "referral" => match blank(&input.referrer).map(str::parse::<AccountId>) {
                None => {
                    errors.push("referrer", "required");
                    None
                }
                Some(Ok(id)) if store::accounts::get(&mut tx, id).await?.is_some() => {
                    Some(CodeKind::Referral { referrer: id })
                }
                Some(_) => {
                    errors.push("referrer", "account_unknown");
                    None
                }
            },
            _ => {
                errors.push("kind", "code_kind_unknown");
                None
            }
        };
        let reduction = match (blank(&input.percent), blank(&input.amount)) {
            (None, None) => {
                errors.push("percent", "reduction_required");
                None
            }
            (Some(_), Some(_)) => {
                errors.push("amount", "reduction_exclusive");
                None
            }
            (Some(p), None) => match percent_of(p) {
                Some(rate) => Some(Reduction::Percent(rate)),
                None => {
                    errors.push("percent", "percent_invalid");
                    None
                }
            },
            (None, Some(a)) => match Cents::parse(a) {
                Ok(cents) => Some(Reduction::Fixed(cents)),
                Err(_) => {
                    errors.push("amount", "amount_invalid");
                    None
                }
            },
        };
        let duration = match (input.duration.trim(), input.periods) {
            ("once", _) => Some(CodeDuration::Once),
            ("forever", _) => Some(CodeDuration::Forever),
            ("periods", Some(n)) => Some(CodeDuration::Periods(n)),
            ("periods", None) => {
                errors.push("periods", "required");
                None
            }
            ("", _) => {
                errors.push("duration", "required");
                None
            }
            _ => {
                errors.push("duration", "duration_unknown");
                None
            }
        };
        // A day already past for the operator is accepted: an account on a test clock may
        // live before it.
        let valid_until = match blank(&input.valid_until).map(str::parse::<Date>) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(_)) => {
                errors.push("valid_until", "date_invalid");
                None
            }
        };
        let offers: Vec<String> = input
            .offers
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        let mut restricted: Vec<&Offer> = Vec::new();
        for key in &offers {
            match catalogue.iter().find(|e| e.stored.offer_key == *key) {
                // OSX-NO-DISCOUNT: a code for an offer that takes none could never be redeemed.
                Some(entry) if !entry.offer.discount_codes => errors.push("offers", "offer_refuses_codes"),
                Some(entry) => restricted.push(entry.offer.as_ref()),
                None => errors.push("offers", "offer_unknown"),
            }
        }
        let plans: Vec<String> = input
            .plans
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        for plan in &plans {
            let known = if offers.is_empty() {
                catalogue.iter().any(|e| e.offer.plan(plan).is_ok())
            } else {
                restricted.iter().any(|o| o.plan(plan).is_ok())
            };
            if !known {
                errors.push("plans", "plan_unknown");
            }
        }
        // Optional, so an empty one is fine; otherwise the rules of every short text.
        let description = match input.description.trim() {
            "" => String::new(),
            text => errors
                .check(kernel::values::required_text("description", text, MAX_DESCRIPTION))
                .unwrap_or_default(),
        };
        let (Some(text), Some(kind), Some(reduction), Some(duration), true) =
            (text, kind, reduction, duration, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        let code = DiscountCode {
            text,
            kind,
            reduction,
            duration,
            valid_until,
            max_redemptions: input.max_redemptions,
            offers,
            plans,
            disabled: false,
        };
        code.check()?;
        let stored = StoredCode {
            code,
            description,
            redemptions: 0,
            created_at: now,
            created_by: actor.user_id,
            disabled_at: None,
        };
        if !store::codes::insert(&mut tx, &stored).await? {
            return Err(AppError::Conflict {
                field: "code",
                code: "code_taken",
            });
        }
        record(
            &mut tx,
            actor,
            None,
            "code.create",
            Some(("discount_code", stored.code.text.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(CodeView {
            status: stored.status(today),
            stored,
        })
    }

    /// Codes whose text contains `search`, optionally in one status, newest first (operator).
    pub async fn codes(
        &self,
        search: Option<&str>,
        status: Option<CodeStatus>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CodeView>, AppError> {
        let today = kernel::clock::paris_date(crate::system_now());
        let mut tx = self.db.read().await?;
        let list = store::codes::list(&mut tx, search, status, today, limit.clamp(1, 500), offset.max(0)).await?;
        tx.commit().await?;
        Ok(list
            .into_iter()
            .map(|stored| CodeView {
                status: stored.status(today),
                stored,
            })
            .collect())
    }

    /// Disables a code (operator): no new redemption; redemptions made keep running for their
    /// duration, as the customer was promised.
    pub async fn disable_code(&self, code: &str, actor: &Actor) -> Result<CodeView, AppError> {
        let now = crate::system_now();
        let text = CodeText::parse(code).map_err(|_| AppError::NotFound)?;
        let mut tx = self.db.write().await?;
        if !store::codes::disable(&mut tx, text.as_str(), actor.user_id, now).await? {
            return Err(match store::codes::get(&mut tx, text.as_str()).await? {
                Some(_) => AppError::Conflict {
                    field: "code",
                    code: "code_already_disabled",
                },
                None => AppError::NotFound,
            });
        }
        record(
            &mut tx,
            actor,
            None,
            "code.disable",
            Some(("discount_code", text.to_string())),
            now,
        )
        .await?;
        let stored = store::codes::get(&mut tx, text.as_str())
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(CodeView {
            status: stored.status(kernel::clock::paris_date(now)),
            stored,
        })
    }

    /// Redeems a code on an existing subscription (administrators): it reduces the periods
    /// billed from now on.
    pub async fn redeem_code(
        &self,
        account: AccountId,
        id: SubscriptionId,
        code: &str,
        actor: &Actor,
    ) -> Result<RedemptionView, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let s = store::subscriptions::get(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let state = crate::subscriptions::state_on(&s, today);
        if state.is_over() || state == billing::subscription::SubscriptionState::Ending {
            return Err(AppError::Conflict {
                field: "state",
                code: "subscription_not_active",
            });
        }
        let offer = self.offer(&s.offer_key, s.offer_version).await?;
        let view = self.redeem_in(&mut tx, &s, &offer, code, now, actor).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Redeems `code` on `s` in the caller's transaction: checks the code against the offer,
    /// the plan, the day and the counts, takes one redemption of its limit and records it. On
    /// a refusal the caller's transaction must not commit (nothing is half-written).
    pub(crate) async fn redeem_in(
        &self,
        conn: &mut AnyConnection,
        s: &Subscription,
        offer: &Offer,
        code: &str,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<RedemptionView, AppError> {
        let account = s.account_id;
        let text = CodeText::parse(code).map_err(|e| refused(e.code()))?;
        let Some(stored) = store::codes::get(&mut *conn, text.as_str()).await? else {
            return Err(refused("code_unknown"));
        };
        // One running code per subscription: codes do not stack.
        for r in store::codes::for_subscription(&mut *conn, account, s.id).await? {
            if let Some(other) = store::codes::get(&mut *conn, &r.code).await?
                && other.code.duration.covers(r.periods_used)
            {
                return Err(refused("subscription_has_code"));
            }
        }
        let request = RedemptionRequest {
            offer,
            plan: &s.selection.plan,
            today: kernel::clock::paris_date(now),
            account,
            redemptions: stored.redemptions,
            already_redeemed: store::codes::redeemed_by(&mut *conn, text.as_str(), account).await?,
        };
        stored.code.may_redeem(&request).map_err(|r| refused(r.code()))?;
        // Another account may have taken the last redemption since the read above.
        if !store::codes::take_redemption(&mut *conn, text.as_str()).await? {
            return Err(refused("code_exhausted"));
        }
        let redemption = Redemption {
            code: text.to_string(),
            account_id: account,
            subscription_id: s.id,
            redeemed_at: now,
            redeemed_by: actor.user_id,
            periods_used: 0,
        };
        match store::codes::insert_redemption(&mut *conn, &redemption).await {
            Err(e) if e.is_unique_violation() => return Err(refused("code_already_used")),
            other => other?,
        }
        record(
            &mut *conn,
            actor,
            Some(account),
            "code.redeem",
            Some(("subscription", s.id.to_string())),
            now,
        )
        .await?;
        Ok(RedemptionView {
            redemption,
            code: stored.code,
            running: true,
        })
    }

    /// The account's redemptions with their codes, oldest first.
    pub async fn redemptions(&self, account: AccountId) -> Result<Vec<RedemptionView>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::codes::for_account(&mut tx, account).await?;
        let mut out = Vec::with_capacity(list.len());
        for redemption in list {
            if let Some(stored) = store::codes::get(&mut tx, &redemption.code).await? {
                out.push(RedemptionView {
                    running: stored.code.duration.covers(redemption.periods_used),
                    code: stored.code,
                    redemption,
                });
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Adds to one period's lines of a subscription the discount lines of its running codes,
    /// and counts the period against each code's duration. A code reduces periods starting on
    /// or after the day it was redeemed; never beyond what the period costs (OSX-CODES).
    pub(crate) async fn apply_codes(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        subscription: SubscriptionId,
        period_start: Date,
        lines: &mut Vec<InvoiceLine>,
    ) -> Result<(), AppError> {
        for r in store::codes::for_subscription(&mut *conn, account, subscription).await? {
            if period_start < kernel::clock::paris_date(r.redeemed_at) {
                continue;
            }
            let Some(stored) = store::codes::get(&mut *conn, &r.code).await? else {
                continue;
            };
            if !stored.code.duration.covers(r.periods_used) {
                continue;
            }
            let discount = reduce(
                stored.code.reduction,
                lines,
                &format!("Code {} — remise / discount", r.code),
            );
            lines.extend(discount);
            store::codes::use_period(&mut *conn, account, &r.code).await?;
        }
        Ok(())
    }
}
