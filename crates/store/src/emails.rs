//! Every email the platform sends, kept as its outbox.

use crate::{Result, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, EmailId};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Serialize)]
pub struct StoredEmail {
    pub id: EmailId,
    pub account_id: Option<AccountId>,
    pub to_addr: String,
    pub lang: String,
    pub template: String,
    pub subject: String,
    pub body_text: String,
    /// `queued`, `sent` (over SMTP), `outbox` (kept for the operator to read), `failed`.
    pub status: String,
    pub transport: Option<String>,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "id, account_id, to_addr, lang, template, subject, body_text, status, transport, error, created_at, sent_at";

fn from_row(r: &AnyRow) -> Result<StoredEmail> {
    Ok(StoredEmail {
        id: get_id(r, "id")?,
        account_id: get_opt_id(r, "account_id")?,
        to_addr: get_str(r, "to_addr")?,
        lang: get_str(r, "lang")?,
        template: get_str(r, "template")?,
        subject: get_str(r, "subject")?,
        body_text: get_str(r, "body_text")?,
        status: get_str(r, "status")?,
        transport: get_opt_str(r, "transport")?,
        error: get_opt_str(r, "error")?,
        created_at: get_ts(r, "created_at")?,
        sent_at: get_opt_ts(r, "sent_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, e: &StoredEmail) -> Result<()> {
    insert_many(conn, std::slice::from_ref(e)).await
}

/// Inserts emails into the outbox, many rows per statement.
pub async fn insert_many(conn: &mut AnyConnection, emails: &[StoredEmail]) -> Result<()> {
    for chunk in emails.chunks(crate::rows_per_statement(12)) {
        let sql = format!(
            "INSERT INTO emails ({COLUMNS}) VALUES {}",
            crate::value_tuples(chunk.len(), 12)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.id.to_string())
                .bind(e.account_id.map(|a| a.to_string()))
                .bind(&e.to_addr)
                .bind(&e.lang)
                .bind(&e.template)
                .bind(&e.subject)
                .bind(&e.body_text)
                .bind(&e.status)
                .bind(e.transport.as_deref())
                .bind(e.error.as_deref())
                .bind(us(e.created_at))
                .bind(e.sent_at.map(us));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: EmailId) -> Result<Option<StoredEmail>> {
    let sql = format!("SELECT {COLUMNS} FROM emails WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The outbox, newest first, optionally for one recipient.
pub async fn list(conn: &mut AnyConnection, to: Option<&str>, limit: i64, offset: i64) -> Result<Vec<StoredEmail>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM emails WHERE ($1 IS NULL OR to_addr = $1) ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn mark(
    conn: &mut AnyConnection,
    id: EmailId,
    status: &str,
    transport: &str,
    error: Option<&str>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE emails SET status = $2, transport = $3, error = $4, sent_at = $5 WHERE id = $1")
        .bind(id.to_string())
        .bind(status)
        .bind(transport)
        .bind(error)
        .bind(us(at))
        .execute(conn)
        .await?;
    Ok(())
}
