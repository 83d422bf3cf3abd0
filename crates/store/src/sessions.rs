//! Browser sessions. Only the SHA-256 of the session token is stored.

use crate::{Result, get_id, get_opt_id, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, UserId};
use sqlx::AnyConnection;

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    pub account_id: Option<AccountId>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_seen_at: Timestamp,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: UserId,
    account: Option<AccountId>,
    now: Timestamp,
    expires_at: Timestamp,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, account_id, created_at, expires_at, last_seen_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
    )
    .bind(token_hash)
    .bind(user.to_string())
    .bind(account.map(|a| a.to_string()))
    .bind(us(now))
    .bind(us(expires_at))
    .bind(ip)
    .bind(user_agent)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT user_id, account_id, created_at, expires_at, last_seen_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Session {
            user_id: get_id(&r, "user_id")?,
            account_id: get_opt_id(&r, "account_id")?,
            created_at: get_ts(&r, "created_at")?,
            expires_at: get_ts(&r, "expires_at")?,
            last_seen_at: get_ts(&r, "last_seen_at")?,
        })
    })
    .transpose()
}

pub async fn delete(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (password reset, disabled user).
pub async fn delete_for_user(conn: &mut AnyConnection, user: UserId) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Ends every session of an account (account ended).
pub async fn delete_for_account(conn: &mut AnyConnection, account: AccountId) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn touch(conn: &mut AnyConnection, token_hash: &str, now: Timestamp, expires_at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(us(now))
        .bind(us(expires_at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_expired(conn: &mut AnyConnection, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
