//! Price changes the operator scheduled (operator data) and the notice each subscription got
//! (tenant data: one row per subscription, read by billing and by the customer's pages).

use crate::{Result, corrupt, get_bool, get_i64, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us};
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::{AccountId, PriceChangeId, SubscriptionId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// A price change: one offer, plan and period, a new price per period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPriceChange {
    pub id: PriceChangeId,
    pub offer_key: String,
    pub plan_id: String,
    /// `monthly`, `quarterly` or `annual`.
    pub period: String,
    /// Cents per period, excluding VAT.
    pub old_price: i64,
    pub new_price: i64,
    pub reason: String,
    /// How many subscriptions were told.
    pub notices: i64,
    pub created_at: Timestamp,
    pub created_by: Option<UserId>,
}

/// What one subscription was told about a price change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPriceNotice {
    pub price_change_id: PriceChangeId,
    pub subscription_id: SubscriptionId,
    pub account_id: AccountId,
    pub old_price: i64,
    pub new_price: i64,
    /// The email's day on the account's clock.
    pub announced_on: Date,
    /// The start of the first period billed at the new price.
    pub applies_from: Date,
    /// The last day to refuse (INES-PRICE-1M), when the offer grants it.
    pub refusal_deadline: Option<Date>,
    pub customer_may_terminate: bool,
    pub refused_at: Option<Timestamp>,
}

impl StoredPriceNotice {
    pub fn is_increase(&self) -> bool {
        self.new_price > self.old_price
    }
}

const CHANGE_COLUMNS: &str =
    "id, offer_key, plan_id, period, old_price, new_price, reason, notices, created_at, created_by";

const NOTICE_COLUMNS: &str = "price_change_id, subscription_id, account_id, old_price, new_price, announced_on, \
     applies_from, refusal_deadline, (customer_may_terminate = TRUE) AS customer_may_terminate, refused_at";

fn change_from(row: &AnyRow) -> Result<StoredPriceChange> {
    Ok(StoredPriceChange {
        id: get_id(row, "id")?,
        offer_key: get_str(row, "offer_key")?,
        plan_id: get_str(row, "plan_id")?,
        period: get_str(row, "period")?,
        old_price: get_i64(row, "old_price")?,
        new_price: get_i64(row, "new_price")?,
        reason: get_str(row, "reason")?,
        notices: get_i64(row, "notices")?,
        created_at: get_ts(row, "created_at")?,
        created_by: get_opt_id(row, "created_by")?,
    })
}

fn date(text: String, what: &str) -> Result<Date> {
    text.parse().map_err(|_| corrupt(what, &text))
}

fn notice_from(row: &AnyRow) -> Result<StoredPriceNotice> {
    Ok(StoredPriceNotice {
        price_change_id: get_id(row, "price_change_id")?,
        subscription_id: get_id(row, "subscription_id")?,
        account_id: get_id(row, "account_id")?,
        old_price: get_i64(row, "old_price")?,
        new_price: get_i64(row, "new_price")?,
        announced_on: date(get_str(row, "announced_on")?, "announced_on")?,
        applies_from: date(get_str(row, "applies_from")?, "applies_from")?,
        refusal_deadline: get_opt_str(row, "refusal_deadline")?
            .map(|d| date(d, "refusal_deadline"))
            .transpose()?,
        customer_may_terminate: get_bool(row, "customer_may_terminate")?,
        refused_at: get_opt_ts(row, "refused_at")?,
    })
}

pub async fn insert_change(conn: &mut AnyConnection, c: &StoredPriceChange) -> Result<()> {
    sqlx::query(
        "INSERT INTO price_changes (id, offer_key, plan_id, period, old_price, new_price, reason, notices, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(c.id.to_string())
    .bind(&c.offer_key)
    .bind(&c.plan_id)
    .bind(&c.period)
    .bind(c.old_price)
    .bind(c.new_price)
    .bind(&c.reason)
    .bind(c.notices)
    .bind(us(c.created_at))
    .bind(c.created_by.map(|u| u.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_notice(conn: &mut AnyConnection, n: &StoredPriceNotice) -> Result<()> {
    sqlx::query(
        "INSERT INTO price_change_notices (price_change_id, subscription_id, account_id, old_price, new_price, \
         announced_on, applies_from, refusal_deadline, customer_may_terminate, refused_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(n.price_change_id.to_string())
    .bind(n.subscription_id.to_string())
    .bind(n.account_id.to_string())
    .bind(n.old_price)
    .bind(n.new_price)
    .bind(n.announced_on.to_string())
    .bind(n.applies_from.to_string())
    .bind(n.refusal_deadline.map(|d| d.to_string()))
    .bind(n.customer_may_terminate)
    .bind(n.refused_at.map(us))
    .execute(conn)
    .await?;
    Ok(())
}

/// The price changes, newest first, optionally of one offer.
pub async fn list_changes(
    conn: &mut AnyConnection,
    offer_key: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<StoredPriceChange>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM price_changes WHERE ($1 IS NULL OR offer_key = $1) \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(offer_key)
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    rows.iter().map(change_from).collect()
}

/// The latest change of one offer, plan and period, if any: the price it set is the one in
/// force for the running subscriptions it reached.
pub async fn latest_change(
    conn: &mut AnyConnection,
    offer_key: &str,
    plan_id: &str,
    period: &str,
) -> Result<Option<StoredPriceChange>> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM price_changes WHERE offer_key = $1 AND plan_id = $2 AND period = $3 \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(offer_key)
        .bind(plan_id)
        .bind(period)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(change_from).transpose()
}

/// An account's notices, oldest first; of one subscription when given.
pub async fn notices_for(
    conn: &mut AnyConnection,
    account: AccountId,
    subscription: Option<SubscriptionId>,
) -> Result<Vec<StoredPriceNotice>> {
    let sql = format!(
        "SELECT {NOTICE_COLUMNS} FROM price_change_notices WHERE account_id = $1 \
         AND ($2 IS NULL OR subscription_id = $2) ORDER BY announced_on, price_change_id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(subscription.map(|s| s.to_string()))
        .fetch_all(conn)
        .await?;
    rows.iter().map(notice_from).collect()
}

/// The plan and billing period of each price change announced to `account`.
pub async fn plans_announced_to(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<Vec<(PriceChangeId, String, String)>> {
    let rows = sqlx::query(
        "SELECT id, plan_id, period FROM price_changes WHERE id IN \
         (SELECT price_change_id FROM price_change_notices WHERE account_id = $1)",
    )
    .bind(account.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                crate::get_id(r, "id")?,
                crate::get_str(r, "plan_id")?,
                crate::get_str(r, "period")?,
            ))
        })
        .collect()
}

/// Records a refusal; false when it was already refused.
pub async fn mark_refused(
    conn: &mut AnyConnection,
    account: AccountId,
    change: PriceChangeId,
    subscription: SubscriptionId,
    at: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE price_change_notices SET refused_at = $4 \
         WHERE account_id = $1 AND price_change_id = $2 AND subscription_id = $3 AND refused_at IS NULL",
    )
    .bind(account.to_string())
    .bind(change.to_string())
    .bind(subscription.to_string())
    .bind(us(at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
