//! Terms versions and acceptances.

use crate::{Result, get_id, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, TermsVersionId, UserId};
use platform::model::TermsVersion;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

fn from_row(row: &AnyRow) -> Result<TermsVersion> {
    Ok(TermsVersion {
        id: get_id(row, "id")?,
        version: get_str(row, "version")?,
        body_md: get_str(row, "body_md")?,
        effective_at: get_ts(row, "effective_at")?,
        published_at: get_ts(row, "published_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, t: &TermsVersion, by: Option<UserId>) -> Result<()> {
    sqlx::query(
        "INSERT INTO terms_versions (id, version, body_md, effective_at, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.id.to_string())
    .bind(&t.version)
    .bind(&t.body_md)
    .bind(us(t.effective_at))
    .bind(us(t.published_at))
    .bind(by.map(|u| u.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// The version in force at `now`: the latest whose effective date has passed.
pub async fn in_force(conn: &mut AnyConnection, now: Timestamp) -> Result<Option<TermsVersion>> {
    let row = sqlx::query(
        "SELECT id, version, body_md, effective_at, published_at FROM terms_versions WHERE effective_at <= $1 \
         ORDER BY effective_at DESC, published_at DESC LIMIT 1",
    )
    .bind(us(now))
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The version a new sign-up accepts: the latest published, even if not yet effective, so that
/// nobody signs up to terms about to be replaced without seeing the new ones.
pub async fn latest(conn: &mut AnyConnection) -> Result<Option<TermsVersion>> {
    let row = sqlx::query(
        "SELECT id, version, body_md, effective_at, published_at FROM terms_versions ORDER BY effective_at DESC, published_at DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(conn: &mut AnyConnection, id: TermsVersionId) -> Result<Option<TermsVersion>> {
    let row = sqlx::query("SELECT id, version, body_md, effective_at, published_at FROM terms_versions WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<TermsVersion>> {
    let rows = sqlx::query(
        "SELECT id, version, body_md, effective_at, published_at FROM terms_versions ORDER BY effective_at DESC",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn record_acceptance(
    conn: &mut AnyConnection,
    account: AccountId,
    user: UserId,
    version: TermsVersionId,
    at: Timestamp,
    ip: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO terms_acceptances (id, account_id, user_id, terms_version_id, accepted_at, ip) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid_v7())
    .bind(account.to_string())
    .bind(user.to_string())
    .bind(version.to_string())
    .bind(us(at))
    .bind(ip)
    .execute(&mut *conn)
    .await?;
    crate::accounts::set_terms_accepted(conn, account, version, at).await
}

/// An acceptance as the account sees it in its history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Acceptance {
    pub version: String,
    pub user_id: String,
    pub accepted_at: Timestamp,
    pub ip: Option<String>,
}

pub async fn acceptances(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<Acceptance>> {
    let rows = sqlx::query(
        "SELECT v.version, a.user_id, a.accepted_at, a.ip FROM terms_acceptances a JOIN terms_versions v ON v.id = a.terms_version_id \
         WHERE a.account_id = $1 ORDER BY a.accepted_at DESC",
    )
    .bind(account.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Acceptance {
                version: get_str(r, "version")?,
                user_id: get_str(r, "user_id")?,
                accepted_at: get_ts(r, "accepted_at")?,
                ip: crate::get_opt_str(r, "ip")?,
            })
        })
        .collect()
}

fn uuid_v7() -> String {
    kernel::UserId::new().0.to_string()
}
