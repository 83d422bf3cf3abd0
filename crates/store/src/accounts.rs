//! Customer accounts.

use crate::{
    Result, corrupt, get_bool, get_i64, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us, us_opt,
};
use jiff::Timestamp;
use kernel::{AccountId, ClockId, TermsVersionId};
use platform::model::Account;
use platform::roles::AccountStatus;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

// `reference_optout` is read through an expression: SQLite reports a column declared BOOLEAN
// with a type the Any driver refuses to map, while an expression's value comes back as an
// integer (PostgreSQL still returns a boolean); `get_bool` accepts both.
const COLUMNS: &str = "id, legal_name, siren, vat_number, address_line, postal_code, city, country, status, \
    ended_at, ended_reason, (reference_optout = TRUE) AS reference_optout, clock_id, terms_version_id, terms_accepted_at, \
    created_at";

fn from_row(row: &AnyRow) -> Result<Account> {
    let status = get_str(row, "status")?;
    Ok(Account {
        id: get_id(row, "id")?,
        legal_name: get_str(row, "legal_name")?,
        siren: get_str(row, "siren")?,
        vat_number: get_opt_str(row, "vat_number")?,
        address_line: get_str(row, "address_line")?,
        postal_code: get_str(row, "postal_code")?,
        city: get_str(row, "city")?,
        country: get_str(row, "country")?,
        status: AccountStatus::parse(&status).ok_or_else(|| corrupt("account status", &status))?,
        ended_at: get_opt_ts(row, "ended_at")?,
        ended_reason: get_opt_str(row, "ended_reason")?,
        reference_optout: get_bool(row, "reference_optout")?,
        clock_id: get_opt_id(row, "clock_id")?,
        terms_version_id: get_opt_id(row, "terms_version_id")?,
        terms_accepted_at: get_opt_ts(row, "terms_accepted_at")?,
        created_at: get_ts(row, "created_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, a: &Account) -> Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, legal_name, siren, vat_number, address_line, postal_code, city, country, \
         status, ended_at, ended_reason, reference_optout, clock_id, terms_version_id, terms_accepted_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(a.id.to_string())
    .bind(&a.legal_name)
    .bind(&a.siren)
    .bind(a.vat_number.as_deref())
    .bind(&a.address_line)
    .bind(&a.postal_code)
    .bind(&a.city)
    .bind(&a.country)
    .bind(a.status.as_str())
    .bind(us_opt(a.ended_at))
    .bind(a.ended_reason.as_deref())
    .bind(a.reference_optout)
    .bind(a.clock_id.map(|c| c.to_string()))
    .bind(a.terms_version_id.map(|t| t.to_string()))
    .bind(us_opt(a.terms_accepted_at))
    .bind(us(a.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The accounts that run on a test clock (sandboxes).
pub async fn on_test_clocks(conn: &mut AnyConnection) -> Result<Vec<AccountId>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE clock_id IS NOT NULL")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|id| id.parse().map_err(|_| corrupt("account id", id)))
        .collect()
}

/// Several accounts at once (a billing run's batch).
pub async fn get_many(conn: &mut AnyConnection, ids: &[AccountId]) -> Result<Vec<Account>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id IN ({{ids}})");
    crate::rows_for_ids(conn, &sql, &ids)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn get(conn: &mut AnyConnection, id: AccountId) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A page of accounts, newest first, optionally filtered by a name or SIREN fragment.
pub async fn list(conn: &mut AnyConnection, search: Option<&str>, limit: i64, offset: i64) -> Result<Vec<Account>> {
    let pattern = search.map(|s| format!("%{}%", s.to_lowercase()));
    let sql = format!(
        "SELECT {COLUMNS} FROM accounts WHERE ($1 IS NULL OR LOWER(legal_name) LIKE $1 OR siren LIKE $1) \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts")
        .fetch_one(conn)
        .await?;
    get_i64(&row, "n")
}

/// The company details an administrator may change.
#[derive(Debug, Clone)]
pub struct CompanyDetails {
    pub legal_name: String,
    pub vat_number: Option<String>,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

pub async fn update_details(conn: &mut AnyConnection, id: AccountId, d: &CompanyDetails) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE accounts SET legal_name = $2, vat_number = $3, address_line = $4, postal_code = $5, city = $6, country = $7 \
         WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(&d.legal_name)
    .bind(d.vat_number.as_deref())
    .bind(&d.address_line)
    .bind(&d.postal_code)
    .bind(&d.city)
    .bind(&d.country)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn end(conn: &mut AnyConnection, id: AccountId, reason: &str, at: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE accounts SET status = 'ended', ended_at = $2, ended_reason = $3 WHERE id = $1 AND status <> 'ended'",
    )
    .bind(id.to_string())
    .bind(us(at))
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_reference_optout(conn: &mut AnyConnection, id: AccountId, optout: bool, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE accounts SET reference_optout = $2, reference_optout_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(optout)
        .bind(us(at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_clock(conn: &mut AnyConnection, id: AccountId, clock: Option<ClockId>) -> Result<bool> {
    let done = sqlx::query("UPDATE accounts SET clock_id = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(clock.map(|c| c.to_string()))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_terms_accepted(
    conn: &mut AnyConnection,
    id: AccountId,
    version: TermsVersionId,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET terms_version_id = $2, terms_accepted_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(version.to_string())
        .bind(us(at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn siren_taken(conn: &mut AnyConnection, siren: &str) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE siren = $1 AND status <> 'ended'")
        .bind(siren)
        .fetch_one(conn)
        .await?;
    Ok(get_i64(&row, "n")? > 0)
}
