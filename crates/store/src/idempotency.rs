//! Idempotency keys on API POSTs: the first response is replayed for the same key and body.

use crate::{Result, get_i64, get_str, us};
use jiff::Timestamp;
use sqlx::AnyConnection;

#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

pub async fn find(conn: &mut AnyConnection, scope: &str, key: &str) -> Result<Option<StoredResponse>> {
    let row =
        sqlx::query("SELECT request_hash, status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .fetch_optional(conn)
            .await?;
    row.map(|r| {
        Ok(StoredResponse {
            request_hash: get_str(&r, "request_hash")?,
            status: u16::try_from(get_i64(&r, "status")?).unwrap_or(500),
            body: get_str(&r, "response_body")?,
        })
    })
    .transpose()
}

/// Stores a response; a concurrent request with the same key loses on the primary key.
pub async fn store(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    resp: &StoredResponse,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, status, response_body, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id, key) DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(&resp.request_hash)
    .bind(i64::from(resp.status))
    .bind(&resp.body)
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(())
}
