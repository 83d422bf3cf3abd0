//! Users: operator staff and members of accounts.

use crate::{Result, corrupt, get_i64, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us, us_opt};
use jiff::Timestamp;
use kernel::{AccountId, Lang, UserId};
use platform::model::User;
use platform::roles::{Role, UserStatus};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, account_id, email, name, password_hash, role, lang, status, email_verified_at, \
    failed_logins, locked_until, last_login_at, created_at";

fn from_row(row: &AnyRow) -> Result<User> {
    let role = get_str(row, "role")?;
    let status = get_str(row, "status")?;
    let lang = get_str(row, "lang")?;
    Ok(User {
        id: get_id(row, "id")?,
        account_id: get_opt_id(row, "account_id")?,
        email: get_str(row, "email")?,
        name: get_str(row, "name")?,
        password_hash: get_opt_str(row, "password_hash")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        lang: Lang::from_code(&lang).ok_or_else(|| corrupt("lang", &lang))?,
        status: UserStatus::parse(&status).ok_or_else(|| corrupt("user status", &status))?,
        email_verified_at: get_opt_ts(row, "email_verified_at")?,
        failed_logins: get_i64(row, "failed_logins")?,
        locked_until: get_opt_ts(row, "locked_until")?,
        last_login_at: get_opt_ts(row, "last_login_at")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, u: &User) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, account_id, email, name, password_hash, role, lang, status, email_verified_at, \
         failed_logins, locked_until, last_login_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(u.id.to_string())
    .bind(u.account_id.map(|a| a.to_string()))
    .bind(&u.email)
    .bind(&u.name)
    .bind(u.password_hash.as_deref())
    .bind(u.role.as_str())
    .bind(u.lang.code())
    .bind(u.status.as_str())
    .bind(us_opt(u.email_verified_at))
    .bind(u.failed_logins)
    .bind(us_opt(u.locked_until))
    .bind(us_opt(u.last_login_at))
    .bind(us(u.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: UserId) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A user of one account; `None` when the id belongs to another account.
pub async fn get_in_account(conn: &mut AnyConnection, account: AccountId, id: UserId) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(account.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_for_account(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE account_id = $1 ORDER BY created_at, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn list_operators(conn: &mut AnyConnection) -> Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE role = 'operator' ORDER BY created_at, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Active users of an account, for seat counting.
pub async fn count_active(conn: &mut AnyConnection, account: AccountId) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE account_id = $1 AND status = 'active'")
        .bind(account.to_string())
        .fetch_one(conn)
        .await?;
    get_i64(&row, "n")
}

/// Emails of the account's active administrators, with their language.
pub async fn admins_of(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<User>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE account_id = $1 AND role = 'admin' AND status = 'active' ORDER BY created_at"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The active administrators of several accounts at once (a billing run's batch).
pub async fn admins_of_many(conn: &mut AnyConnection, accounts: &[AccountId]) -> Result<Vec<User>> {
    let ids: Vec<String> = accounts.iter().map(ToString::to_string).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE account_id IN ({{ids}}) AND role = 'admin' AND status = 'active' \
         ORDER BY created_at"
    );
    crate::rows_for_ids(conn, &sql, &ids)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Every active administrator of every active account (terms announcements).
pub async fn all_active_admins(conn: &mut AnyConnection) -> Result<Vec<User>> {
    let sql = format!(
        "SELECT {} FROM users u JOIN accounts a ON a.id = u.account_id \
         WHERE u.role = 'admin' AND u.status = 'active' AND a.status = 'active' ORDER BY u.created_at",
        COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_password(conn: &mut AnyConnection, id: UserId, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(id.to_string())
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_verified(conn: &mut AnyConnection, id: UserId, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1")
        .bind(id.to_string())
        .bind(us(at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn record_login_failure(
    conn: &mut AnyConnection,
    id: UserId,
    failures: i64,
    locked_until: Option<Timestamp>,
) -> Result<()> {
    sqlx::query("UPDATE users SET failed_logins = $2, locked_until = COALESCE($3, locked_until) WHERE id = $1")
        .bind(id.to_string())
        .bind(failures)
        .bind(us_opt(locked_until))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn record_login_success(conn: &mut AnyConnection, id: UserId, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(us(at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_status(conn: &mut AnyConnection, account: AccountId, id: UserId, status: UserStatus) -> Result<bool> {
    let done = sqlx::query("UPDATE users SET status = $3 WHERE id = $1 AND account_id = $2")
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(status.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_role(conn: &mut AnyConnection, account: AccountId, id: UserId, role: Role) -> Result<bool> {
    let done = sqlx::query("UPDATE users SET role = $3 WHERE id = $1 AND account_id = $2")
        .bind(id.to_string())
        .bind(account.to_string())
        .bind(role.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_lang(conn: &mut AnyConnection, id: UserId, lang: Lang) -> Result<()> {
    sqlx::query("UPDATE users SET lang = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(lang.code())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_name(conn: &mut AnyConnection, id: UserId, name: &str) -> Result<()> {
    sqlx::query("UPDATE users SET name = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}
