//! Discount and referral codes (platform data: the operator's, no account) and their
//! redemptions (each account's own).

use crate::{Result, corrupt, get_i64, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us};
use billing::codes::{CodeDuration, CodeKind, CodeText, DiscountCode, Reduction};
use billing::{Cents, Rate};
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::{AccountId, SubscriptionId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// A code with what the operator and the counters add to its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub code: DiscountCode,
    /// For the operator: what the code is for ("salon 2026", "parrainage Boulangerie").
    pub description: String,
    /// Redemptions so far, every account together.
    pub redemptions: u64,
    pub created_at: Timestamp,
    pub created_by: Option<UserId>,
    pub disabled_at: Option<Timestamp>,
}

/// Which codes a list shows, as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeStatus {
    /// Redeemable: not disabled, not past its last day.
    Active,
    /// Past its last day of redemption.
    Expired,
    Disabled,
}

impl CodeStatus {
    pub fn parse(text: &str) -> Option<CodeStatus> {
        match text {
            "active" => Some(CodeStatus::Active),
            "expired" => Some(CodeStatus::Expired),
            "disabled" => Some(CodeStatus::Disabled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CodeStatus::Active => "active",
            CodeStatus::Expired => "expired",
            CodeStatus::Disabled => "disabled",
        }
    }
}

impl StoredCode {
    pub fn status(&self, today: Date) -> CodeStatus {
        if self.disabled_at.is_some() {
            CodeStatus::Disabled
        } else if self.code.is_expired(today) {
            CodeStatus::Expired
        } else {
            CodeStatus::Active
        }
    }
}

/// One account's redemption of a code on one of its subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub code: String,
    pub account_id: AccountId,
    pub subscription_id: SubscriptionId,
    pub redeemed_at: Timestamp,
    pub redeemed_by: Option<UserId>,
    /// Billed periods the code reduced so far.
    pub periods_used: u32,
}

const COLUMNS: &str = "code, kind, referrer_account_id, percent_bp, amount_cents, duration, duration_periods, \
     valid_until, max_redemptions, redemptions, offers, plans, description, created_at, created_by, disabled_at";

/// Offer keys and plan ids are identifiers (no spaces): stored space-separated.
fn list_from(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(sqlx::Row::try_get::<Option<i64>, _>(row, col)?)
}

fn from_row(row: &AnyRow) -> Result<StoredCode> {
    let text = get_str(row, "code")?;
    let kind = get_str(row, "kind")?;
    let kind = match (kind.as_str(), get_opt_id::<AccountId>(row, "referrer_account_id")?) {
        ("discount", _) => CodeKind::Discount,
        ("referral", Some(referrer)) => CodeKind::Referral { referrer },
        _ => return Err(corrupt("code kind", &kind)),
    };
    let reduction = match (opt_i64(row, "percent_bp")?, opt_i64(row, "amount_cents")?) {
        (Some(bp), None) => Reduction::Percent(Rate::from_basis_points(
            u32::try_from(bp).map_err(|_| corrupt("percent_bp", &bp.to_string()))?,
        )),
        (None, Some(cents)) => Reduction::Fixed(Cents(cents)),
        _ => return Err(corrupt("code reduction", &text)),
    };
    let duration = get_str(row, "duration")?;
    let duration = match (duration.as_str(), opt_i64(row, "duration_periods")?) {
        ("once", _) => CodeDuration::Once,
        ("forever", _) => CodeDuration::Forever,
        ("periods", Some(n)) => {
            CodeDuration::Periods(u32::try_from(n).map_err(|_| corrupt("duration_periods", &n.to_string()))?)
        }
        _ => return Err(corrupt("code duration", &duration)),
    };
    let valid_until = get_opt_str(row, "valid_until")?
        .map(|d| d.parse::<Date>().map_err(|_| corrupt("valid_until", &d)))
        .transpose()?;
    let max_redemptions = opt_i64(row, "max_redemptions")?
        .map(|n| u32::try_from(n).map_err(|_| corrupt("max_redemptions", &n.to_string())))
        .transpose()?;
    let redemptions = get_i64(row, "redemptions")?;
    let disabled_at = get_opt_ts(row, "disabled_at")?;
    Ok(StoredCode {
        code: DiscountCode {
            text: CodeText::parse(&text).map_err(|_| corrupt("code", &text))?,
            kind,
            reduction,
            duration,
            valid_until,
            max_redemptions,
            offers: list_from(&get_str(row, "offers")?),
            plans: list_from(&get_str(row, "plans")?),
            disabled: disabled_at.is_some(),
        },
        description: get_str(row, "description")?,
        redemptions: u64::try_from(redemptions).map_err(|_| corrupt("redemptions", &redemptions.to_string()))?,
        created_at: get_ts(row, "created_at")?,
        created_by: get_opt_id(row, "created_by")?,
        disabled_at,
    })
}

/// Adds a code; `Ok(false)` when a code with this text exists already.
pub async fn insert(conn: &mut AnyConnection, c: &StoredCode) -> Result<bool> {
    let d = &c.code;
    let (percent, amount) = match d.reduction {
        Reduction::Percent(rate) => (Some(i64::from(rate.basis_points())), None),
        Reduction::Fixed(cents) => (None, Some(cents.0)),
    };
    let referrer = match d.kind {
        CodeKind::Referral { referrer } => Some(referrer.to_string()),
        CodeKind::Discount => None,
    };
    let done = sqlx::query(
        "INSERT INTO discount_codes (code, kind, referrer_account_id, percent_bp, amount_cents, duration, \
         duration_periods, valid_until, max_redemptions, redemptions, offers, plans, description, created_at, \
         created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13, $14) \
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(d.text.as_str())
    .bind(d.kind.as_str())
    .bind(referrer)
    .bind(percent)
    .bind(amount)
    .bind(d.duration.as_str())
    .bind(match d.duration {
        CodeDuration::Periods(n) => Some(i64::from(n)),
        _ => None,
    })
    .bind(d.valid_until.map(|v| v.to_string()))
    .bind(d.max_redemptions.map(i64::from))
    .bind(d.offers.join(" "))
    .bind(d.plans.join(" "))
    .bind(&c.description)
    .bind(us(c.created_at))
    .bind(c.created_by.map(|u| u.to_string()))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, code: &str) -> Result<Option<StoredCode>> {
    let sql = format!("SELECT {COLUMNS} FROM discount_codes WHERE code = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Codes whose text contains `search` (upper-case), in one status as of `today`, newest first.
pub async fn list(
    conn: &mut AnyConnection,
    search: Option<&str>,
    status: Option<CodeStatus>,
    today: Date,
    limit: i64,
    offset: i64,
) -> Result<Vec<StoredCode>> {
    // Dates are stored as `YYYY-MM-DD`, so comparing the texts compares the days.
    let status_clause = match status {
        None => "",
        Some(CodeStatus::Active) => " AND disabled_at IS NULL AND (valid_until IS NULL OR valid_until >= $2)",
        Some(CodeStatus::Expired) => " AND disabled_at IS NULL AND valid_until < $2",
        Some(CodeStatus::Disabled) => " AND disabled_at IS NOT NULL",
    };
    let uses_today = status_clause.contains("$2");
    let (limit_at, offset_at) = if uses_today { (3, 4) } else { (2, 3) };
    let sql = format!(
        "SELECT {COLUMNS} FROM discount_codes WHERE code LIKE $1{status_clause} \
         ORDER BY created_at DESC, code LIMIT ${limit_at} OFFSET ${offset_at}"
    );
    // Codes hold no `%`; `_` is a wildcard of LIKE but also a code character, and matching any
    // one character there only widens a search.
    let pattern = format!(
        "%{}%",
        search.unwrap_or_default().trim().to_ascii_uppercase().replace('%', "")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(pattern);
    if uses_today {
        query = query.bind(today.to_string());
    }
    let rows = query.bind(limit).bind(offset).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Disables a code; `Ok(false)` when it is unknown or disabled already.
pub async fn disable(conn: &mut AnyConnection, code: &str, by: Option<UserId>, at: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE discount_codes SET disabled_at = $1, disabled_by = $2 WHERE code = $3 AND disabled_at IS NULL",
    )
    .bind(us(at))
    .bind(by.map(|u| u.to_string()))
    .bind(code)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes one redemption of the code's allowance: `Ok(false)` when the limit is reached (or the
/// code was disabled meanwhile). The check and the increment are one statement, so two
/// concurrent redemptions of the last one cannot both pass: PostgreSQL re-checks the condition
/// on the row the first one updated, and SQLite runs one writer at a time.
pub async fn take_redemption(conn: &mut AnyConnection, code: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE discount_codes SET redemptions = redemptions + 1 WHERE code = $1 AND disabled_at IS NULL \
         AND (max_redemptions IS NULL OR redemptions < max_redemptions)",
    )
    .bind(code)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

const REDEMPTION_COLUMNS: &str = "code, account_id, subscription_id, redeemed_at, redeemed_by, periods_used";

fn redemption_from_row(row: &AnyRow) -> Result<Redemption> {
    let used = get_i64(row, "periods_used")?;
    Ok(Redemption {
        code: get_str(row, "code")?,
        account_id: crate::get_id(row, "account_id")?,
        subscription_id: crate::get_id(row, "subscription_id")?,
        redeemed_at: get_ts(row, "redeemed_at")?,
        redeemed_by: get_opt_id(row, "redeemed_by")?,
        periods_used: u32::try_from(used).map_err(|_| corrupt("periods_used", &used.to_string()))?,
    })
}

/// Records a redemption; a second one of the same code by the same account breaks the primary
/// key (a unique violation, see [`crate::StoreError::is_unique_violation`]).
pub async fn insert_redemption(conn: &mut AnyConnection, r: &Redemption) -> Result<()> {
    sqlx::query(
        "INSERT INTO code_redemptions (code, account_id, subscription_id, redeemed_at, redeemed_by, periods_used) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.code)
    .bind(r.account_id.to_string())
    .bind(r.subscription_id.to_string())
    .bind(us(r.redeemed_at))
    .bind(r.redeemed_by.map(|u| u.to_string()))
    .bind(i64::from(r.periods_used))
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the account redeemed the code before.
pub async fn redeemed_by(conn: &mut AnyConnection, code: &str, account: AccountId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM code_redemptions WHERE code = $1 AND account_id = $2")
        .bind(code)
        .bind(account.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// The account's redemptions, oldest first (the order codes apply in).
pub async fn for_account(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<Redemption>> {
    let sql =
        format!("SELECT {REDEMPTION_COLUMNS} FROM code_redemptions WHERE account_id = $1 ORDER BY redeemed_at, code");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(redemption_from_row).collect()
}

/// One subscription's redemptions, oldest first.
pub async fn for_subscription(
    conn: &mut AnyConnection,
    account: AccountId,
    subscription: SubscriptionId,
) -> Result<Vec<Redemption>> {
    let sql = format!(
        "SELECT {REDEMPTION_COLUMNS} FROM code_redemptions WHERE account_id = $1 AND subscription_id = $2 \
         ORDER BY redeemed_at, code"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(subscription.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(redemption_from_row).collect()
}

/// Counts one more billed period reduced by the account's redemption of `code`.
pub async fn use_period(conn: &mut AnyConnection, account: AccountId, code: &str) -> Result<()> {
    sqlx::query("UPDATE code_redemptions SET periods_used = periods_used + 1 WHERE code = $1 AND account_id = $2")
        .bind(code)
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
