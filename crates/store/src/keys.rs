//! API keys, stored as prefix and SHA-256 hash.

use crate::{Result, get_id, get_opt_id, get_opt_ts, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, ApiKeyId, UserId};
use platform::model::ApiKey;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, account_id, user_id, name, prefix, secret_hash, created_at, last_used_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<ApiKey> {
    Ok(ApiKey {
        id: get_id(row, "id")?,
        account_id: get_opt_id(row, "account_id")?,
        user_id: get_id(row, "user_id")?,
        name: get_str(row, "name")?,
        prefix: get_str(row, "prefix")?,
        secret_hash: get_str(row, "secret_hash")?,
        created_at: get_ts(row, "created_at")?,
        last_used_at: get_opt_ts(row, "last_used_at")?,
        revoked_at: get_opt_ts(row, "revoked_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, k: &ApiKey) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, account_id, user_id, name, prefix, secret_hash, created_at, last_used_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)",
    )
    .bind(k.id.to_string())
    .bind(k.account_id.map(|a| a.to_string()))
    .bind(k.user_id.to_string())
    .bind(&k.name)
    .bind(&k.prefix)
    .bind(&k.secret_hash)
    .bind(us(k.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_prefix(conn: &mut AnyConnection, prefix: &str) -> Result<Option<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE prefix = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(prefix)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_for_user(conn: &mut AnyConnection, user: UserId) -> Result<Vec<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get_for_user(conn: &mut AnyConnection, user: UserId, id: ApiKeyId) -> Result<Option<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE user_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn revoke(conn: &mut AnyConnection, user: UserId, id: ApiKeyId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind(user.to_string())
        .bind(id.to_string())
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records use at most once a minute per key, so that reads do not each cost a write.
pub async fn touch(conn: &mut AnyConnection, id: ApiKeyId, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(id.to_string())
        .bind(us(now))
        .bind(us(now) - 60_000_000)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_all_for_account(conn: &mut AnyConnection, account: AccountId, now: Timestamp) -> Result<u64> {
    let done = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL")
        .bind(account.to_string())
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
