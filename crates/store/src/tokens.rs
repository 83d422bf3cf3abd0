//! Single-use email tokens: address verification and password reset.

use crate::{Result, get_id, get_opt_id, get_opt_ts, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, UserId};
use sqlx::AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

#[derive(Debug, Clone)]
pub struct EmailToken {
    pub user_id: UserId,
    pub account_id: Option<AccountId>,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    purpose: Purpose,
    user: UserId,
    account: Option<AccountId>,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, purpose, user_id, account_id, expires_at, used_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6)",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(user.to_string())
    .bind(account.map(|a| a.to_string()))
    .bind(us(expires_at))
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, token_hash: &str, purpose: Purpose) -> Result<Option<EmailToken>> {
    let row = sqlx::query(
        "SELECT user_id, account_id, expires_at, used_at, created_at FROM email_tokens WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(EmailToken {
            user_id: get_id(&r, "user_id")?,
            account_id: get_opt_id(&r, "account_id")?,
            expires_at: get_ts(&r, "expires_at")?,
            used_at: get_opt_ts(&r, "used_at")?,
            created_at: get_ts(&r, "created_at")?,
        })
    })
    .transpose()
}

/// Marks a token used; false when it was already used (a concurrent second use loses).
pub async fn consume(conn: &mut AnyConnection, token_hash: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE email_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
        .bind(token_hash)
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Older unused tokens of the same purpose stop working when a new one is sent.
pub async fn invalidate_for_user(
    conn: &mut AnyConnection,
    user: UserId,
    purpose: Purpose,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE email_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user.to_string())
        .bind(purpose.as_str())
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(())
}
