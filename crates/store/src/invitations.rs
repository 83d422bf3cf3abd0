//! Invitations of people to join an account.

use crate::{Result, corrupt, get_id, get_opt_ts, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, InvitationId};
use platform::Role;
use platform::model::Invitation;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, account_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<Invitation> {
    let role = get_str(row, "role")?;
    Ok(Invitation {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        email: get_str(row, "email")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        invited_by: get_id(row, "invited_by")?,
        created_at: get_ts(row, "created_at")?,
        expires_at: get_ts(row, "expires_at")?,
        accepted_at: get_opt_ts(row, "accepted_at")?,
        revoked_at: get_opt_ts(row, "revoked_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, i: &Invitation, token_hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO invitations (id, account_id, email, role, invited_by, token_hash, created_at, expires_at, accepted_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)",
    )
    .bind(i.id.to_string())
    .bind(i.account_id.to_string())
    .bind(&i.email)
    .bind(i.role.as_str())
    .bind(i.invited_by.to_string())
    .bind(token_hash)
    .bind(us(i.created_at))
    .bind(us(i.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_token(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Invitation>> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_pending(conn: &mut AnyConnection, account: AccountId, now: Timestamp) -> Result<Vec<Invitation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM invitations WHERE account_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL \
         AND expires_at > $2 ORDER BY created_at DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(us(now))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn pending_for_email(
    conn: &mut AnyConnection,
    account: AccountId,
    email: &str,
    now: Timestamp,
) -> Result<bool> {
    Ok(list_pending(conn, account, now).await?.iter().any(|i| i.email == email))
}

pub async fn accept(conn: &mut AnyConnection, id: InvitationId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id.to_string())
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke(conn: &mut AnyConnection, account: AccountId, id: InvitationId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE invitations SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
