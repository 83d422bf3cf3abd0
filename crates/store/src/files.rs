//! Files an account uploaded, stored in the database with their SHA-256.

use crate::{Result, get_i64, get_id, get_opt_id, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, FileId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// What is known of a file without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    pub id: FileId,
    pub account_id: AccountId,
    pub purpose: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    pub uploaded_at: Timestamp,
}

const META: &str = "id, account_id, purpose, file_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at";

fn meta_from_row(row: &AnyRow) -> Result<FileMeta> {
    Ok(FileMeta {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        purpose: get_str(row, "purpose")?,
        file_name: get_str(row, "file_name")?,
        content_type: get_str(row, "content_type")?,
        size_bytes: get_i64(row, "size_bytes")?,
        sha256: get_str(row, "sha256")?,
        uploaded_by: get_opt_id(row, "uploaded_by")?,
        uploaded_at: get_ts(row, "uploaded_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, meta: &FileMeta, content: &[u8]) -> Result<()> {
    sqlx::query(
        "INSERT INTO files (id, account_id, purpose, file_name, content_type, size_bytes, sha256, content, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(meta.id.to_string())
    .bind(meta.account_id.to_string())
    .bind(&meta.purpose)
    .bind(&meta.file_name)
    .bind(&meta.content_type)
    .bind(meta.size_bytes)
    .bind(&meta.sha256)
    .bind(content.to_vec())
    .bind(meta.uploaded_by.map(|u| u.to_string()))
    .bind(us(meta.uploaded_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// A file of `account` with its bytes; `None` when it is not that account's.
pub async fn get(conn: &mut AnyConnection, account: AccountId, id: FileId) -> Result<Option<(FileMeta, Vec<u8>)>> {
    let sql = format!("SELECT {META}, content FROM files WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(account.to_string())
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => {
            let content: Vec<u8> = r.try_get("content")?;
            Ok(Some((meta_from_row(&r)?, content)))
        }
        None => Ok(None),
    }
}

/// Bytes stored by an account (its storage use).
pub async fn total_bytes(conn: &mut AnyConnection, account: AccountId) -> Result<i64> {
    let n: Option<i64> = sqlx::query_scalar("SELECT CAST(SUM(size_bytes) AS BIGINT) FROM files WHERE account_id = $1")
        .bind(account.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n.unwrap_or(0))
}
