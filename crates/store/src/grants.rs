//! Support and break-glass access grants.

use crate::{Result, corrupt, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccessGrantId, AccountId, UserId};
use platform::access::GrantKind;
use platform::model::AccessGrant;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

const COLUMNS: &str =
    "id, account_id, kind, granted_by, reason, legal_reference, starts_at, ends_at, revoked_at, revoked_by";

fn from_row(row: &AnyRow) -> Result<AccessGrant> {
    let kind = get_str(row, "kind")?;
    Ok(AccessGrant {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        kind: GrantKind::parse(&kind).ok_or_else(|| corrupt("grant kind", &kind))?,
        granted_by: get_id(row, "granted_by")?,
        reason: get_opt_str(row, "reason")?,
        legal_reference: get_opt_str(row, "legal_reference")?,
        starts_at: get_ts(row, "starts_at")?,
        ends_at: get_ts(row, "ends_at")?,
        revoked_at: get_opt_ts(row, "revoked_at")?,
        revoked_by: get_opt_id(row, "revoked_by")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, g: &AccessGrant) -> Result<()> {
    sqlx::query(
        "INSERT INTO access_grants (id, account_id, kind, granted_by, reason, legal_reference, starts_at, ends_at, revoked_at, revoked_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)",
    )
    .bind(g.id.to_string())
    .bind(g.account_id.to_string())
    .bind(g.kind.as_str())
    .bind(g.granted_by.to_string())
    .bind(g.reason.as_deref())
    .bind(g.legal_reference.as_deref())
    .bind(us(g.starts_at))
    .bind(us(g.ends_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list_for_account(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<AccessGrant>> {
    let sql = format!("SELECT {COLUMNS} FROM access_grants WHERE account_id = $1 ORDER BY starts_at DESC LIMIT 100");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The grants in force now for an account.
pub async fn active(conn: &mut AnyConnection, account: AccountId, now: Timestamp) -> Result<Vec<AccessGrant>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM access_grants WHERE account_id = $1 AND starts_at <= $2 AND ends_at > $2 AND revoked_at IS NULL \
         ORDER BY ends_at DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(us(now))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn revoke(
    conn: &mut AnyConnection,
    account: AccountId,
    id: AccessGrantId,
    by: UserId,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE access_grants SET revoked_at = $3, revoked_by = $4 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(us(now))
    .bind(by.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
