//! Subscriptions of accounts to offers.

use crate::{
    Result, corrupt, get_bool, get_i64, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us, us_opt,
};
use billing::subscription::{PendingChange, Subscription, SubscriptionState};
use billing::{BillingPeriod, Selection};
use jiff::civil::Date;
use kernel::{AccountId, SubscriptionId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

const COLUMNS: &str = "id, account_id, offer_key, offer_version, plan_id, period, quantities, options, state, \
     (auto_renew = TRUE) AS auto_renew, subscribed_at, subscribed_by, activated_at, activated_by, billing_starts_on, \
     ends_on, ended_at, cancel_requested_at, cancel_way, pending_plan, pending_units, pending_from";

fn period_from(text: &str) -> Result<BillingPeriod> {
    BillingPeriod::ALL
        .into_iter()
        .find(|p| p.as_str() == text)
        .ok_or_else(|| corrupt("billing period", text))
}

fn date_from(text: Option<String>, what: &str) -> Result<Option<Date>> {
    text.map(|t| t.parse::<Date>().map_err(|_| corrupt(what, &t)))
        .transpose()
}

fn counts_from(text: &str, what: &str) -> Result<BTreeMap<String, u32>> {
    serde_json::from_str(text).map_err(|_| corrupt(what, text))
}

fn from_row(row: &AnyRow) -> Result<Subscription> {
    let state = get_str(row, "state")?;
    let version = get_i64(row, "offer_version")?;
    // Free plans have no period; their selection carries a nominal monthly one.
    let period = match get_opt_str(row, "period")? {
        Some(p) => period_from(&p)?,
        None => BillingPeriod::Monthly,
    };
    Ok(Subscription {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        offer_key: get_str(row, "offer_key")?,
        offer_version: u32::try_from(version).map_err(|_| corrupt("offer version", &version.to_string()))?,
        selection: Selection {
            plan: get_str(row, "plan_id")?,
            period,
            units: counts_from(&get_str(row, "quantities")?, "quantities")?,
            options: counts_from(&get_str(row, "options")?, "options")?,
        },
        state: SubscriptionState::parse(&state).ok_or_else(|| corrupt("subscription state", &state))?,
        auto_renew: get_bool(row, "auto_renew")?,
        subscribed_at: get_ts(row, "subscribed_at")?,
        subscribed_by: get_opt_id(row, "subscribed_by")?,
        activated_at: get_opt_ts(row, "activated_at")?,
        activated_by: get_opt_id(row, "activated_by")?,
        billing_starts_on: date_from(get_opt_str(row, "billing_starts_on")?, "billing_starts_on")?,
        ends_on: date_from(get_opt_str(row, "ends_on")?, "ends_on")?,
        ended_at: get_opt_ts(row, "ended_at")?,
        cancel_requested_at: get_opt_ts(row, "cancel_requested_at")?,
        cancel_way: get_opt_str(row, "cancel_way")?,
        pending: match (
            get_opt_str(row, "pending_units")?,
            date_from(get_opt_str(row, "pending_from")?, "pending_from")?,
        ) {
            (Some(units), Some(from)) => Some(PendingChange {
                plan: get_opt_str(row, "pending_plan")?,
                units: counts_from(&units, "pending_units")?,
                from,
            }),
            _ => None,
        },
    })
}

fn json(counts: &BTreeMap<String, u32>) -> String {
    serde_json::to_string(counts).unwrap_or_else(|_| "{}".into())
}

/// Inserts a subscription; `period` is `None` for a free plan.
pub async fn insert(conn: &mut AnyConnection, s: &Subscription, period: Option<BillingPeriod>) -> Result<()> {
    sqlx::query(
        "INSERT INTO subscriptions (id, account_id, offer_key, offer_version, plan_id, period, quantities, options, state, \
         auto_renew, subscribed_at, subscribed_by, activated_at, activated_by, billing_starts_on, ends_on, ended_at, \
         cancel_requested_at, cancel_way) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(s.id.to_string())
    .bind(s.account_id.to_string())
    .bind(&s.offer_key)
    .bind(i64::from(s.offer_version))
    .bind(&s.selection.plan)
    .bind(period.map(BillingPeriod::as_str))
    .bind(json(&s.selection.units))
    .bind(json(&s.selection.options))
    .bind(s.state.as_str())
    .bind(s.auto_renew)
    .bind(us(s.subscribed_at))
    .bind(s.subscribed_by.map(|u| u.to_string()))
    .bind(us_opt(s.activated_at))
    .bind(s.activated_by.map(|u| u.to_string()))
    .bind(s.billing_starts_on.map(|d| d.to_string()))
    .bind(s.ends_on.map(|d| d.to_string()))
    .bind(us_opt(s.ended_at))
    .bind(us_opt(s.cancel_requested_at))
    .bind(s.cancel_way.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes back what changes over a subscription's life (state, dates, selection, renewal).
pub async fn update(conn: &mut AnyConnection, s: &Subscription) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE subscriptions SET plan_id = $3, quantities = $4, options = $5, state = $6, auto_renew = $7, \
         activated_at = $8, activated_by = $9, billing_starts_on = $10, ends_on = $11, ended_at = $12, \
         cancel_requested_at = $13, cancel_way = $14 WHERE id = $1 AND account_id = $2",
    )
    .bind(s.id.to_string())
    .bind(s.account_id.to_string())
    .bind(&s.selection.plan)
    .bind(json(&s.selection.units))
    .bind(json(&s.selection.options))
    .bind(s.state.as_str())
    .bind(s.auto_renew)
    .bind(us_opt(s.activated_at))
    .bind(s.activated_by.map(|u| u.to_string()))
    .bind(s.billing_starts_on.map(|d| d.to_string()))
    .bind(s.ends_on.map(|d| d.to_string()))
    .bind(us_opt(s.ended_at))
    .bind(us_opt(s.cancel_requested_at))
    .bind(s.cancel_way.as_deref())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A subscription of `account`; `None` when it is another account's.
pub async fn get(conn: &mut AnyConnection, account: AccountId, id: SubscriptionId) -> Result<Option<Subscription>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(account.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// An account's subscriptions (its group, INES-GROUPEMENT), newest first.
pub async fn list_for_account(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<Subscription>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE account_id = $1 ORDER BY subscribed_at DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every subscription in a state, for the operator's list.
pub async fn list_all(
    conn: &mut AnyConnection,
    filter: &SubscriptionFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR offer_key = $2) \
         AND ($3 IS NULL OR account_id IN (SELECT id FROM accounts WHERE LOWER(legal_name) LIKE $3)) \
         ORDER BY subscribed_at DESC LIMIT $4 OFFSET $5"
    );
    let search = filter
        .customer
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| format!("%{}%", q.to_lowercase()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.state.as_deref())
        .bind(filter.offer.as_deref())
        .bind(search)
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// What operator staff narrow the subscription list by; `None` narrows nothing.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionFilter {
    pub state: Option<String>,
    /// An offer key (`oseox`).
    pub offer: Option<String>,
    /// Part of the customer's legal name.
    pub customer: Option<String>,
}

/// Every account with at least one subscription, in id order.
pub async fn accounts_with_subscriptions(conn: &mut AnyConnection) -> Result<Vec<AccountId>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT DISTINCT account_id FROM subscriptions ORDER BY account_id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|id| id.parse().map_err(|_| corrupt("account id", id)))
        .collect()
}

/// The subscriptions of several accounts at once.
pub async fn list_for_accounts(conn: &mut AnyConnection, accounts: &[AccountId]) -> Result<Vec<Subscription>> {
    let ids: Vec<String> = accounts.iter().map(ToString::to_string).collect();
    let sql =
        format!("SELECT {COLUMNS} FROM subscriptions WHERE account_id IN ({{ids}}) ORDER BY subscribed_at DESC, id");
    crate::rows_for_ids(conn, &sql, &ids)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Schedules a change of quantities from `from` (a period start), keeping a scheduled plan.
pub async fn set_pending_units(
    conn: &mut AnyConnection,
    account: AccountId,
    id: SubscriptionId,
    units: &BTreeMap<String, u32>,
    from: Date,
) -> Result<()> {
    sqlx::query("UPDATE subscriptions SET pending_units = $3, pending_from = $4 WHERE id = $1 AND account_id = $2")
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(json(units))
        .bind(from.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Schedules a move to `plan` with `units` from `from` (a period start).
pub async fn set_pending_plan(
    conn: &mut AnyConnection,
    account: AccountId,
    id: SubscriptionId,
    plan: &str,
    units: &BTreeMap<String, u32>,
    from: Date,
) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET pending_plan = $3, pending_units = $4, pending_from = $5 \
         WHERE id = $1 AND account_id = $2",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(plan)
    .bind(json(units))
    .bind(from.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies a scheduled change: the plan and units become the subscription's, the schedule is
/// cleared.
pub async fn apply_pending_change(conn: &mut AnyConnection, account: AccountId, id: SubscriptionId) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET plan_id = COALESCE(pending_plan, plan_id), quantities = pending_units, \
         pending_plan = NULL, pending_units = NULL, pending_from = NULL \
         WHERE id = $1 AND account_id = $2 AND pending_units IS NOT NULL",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears a scheduled change (a later change replaces it).
pub async fn clear_pending_change(conn: &mut AnyConnection, account: AccountId, id: SubscriptionId) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET pending_plan = NULL, pending_units = NULL, pending_from = NULL \
         WHERE id = $1 AND account_id = $2",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a subscription to another plan at once; a move from a free plan starts billing anew
/// on `billing_starts_on` with its billing `period`.
pub async fn set_plan(conn: &mut AnyConnection, s: &Subscription, period: Option<BillingPeriod>) -> Result<()> {
    sqlx::query(
        "UPDATE subscriptions SET plan_id = $3, period = $4, quantities = $5, billing_starts_on = $6 \
         WHERE id = $1 AND account_id = $2",
    )
    .bind(s.id.to_string())
    .bind(s.account_id.to_string())
    .bind(&s.selection.plan)
    .bind(period.map(BillingPeriod::as_str))
    .bind(json(&s.selection.units))
    .bind(s.billing_starts_on.map(|d| d.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Every subscription, of every account, to one plan and period of an offer that is still
/// running or waiting for activation (a price change reaches them).
pub async fn list_running_for_plan(
    conn: &mut AnyConnection,
    offer_key: &str,
    plan: &str,
    period: BillingPeriod,
) -> Result<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE offer_key = $1 AND plan_id = $2 AND period = $3 \
         AND state IN ('pending_activation', 'active', 'ending') ORDER BY account_id, subscribed_at"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(offer_key)
        .bind(plan)
        .bind(period.as_str())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}
