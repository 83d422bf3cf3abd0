//! Test clocks: a frozen "now" that the operator advances for sandbox accounts.

use crate::{Result, get_i64, get_id, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, ClockId};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize)]
pub struct TestClock {
    pub id: ClockId,
    pub name: String,
    pub now: Timestamp,
    pub created_at: Timestamp,
    pub accounts: i64,
}

pub async fn insert(
    conn: &mut AnyConnection,
    id: ClockId,
    name: &str,
    now: Timestamp,
    created_at: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO clocks (id, name, now_us, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id.to_string())
        .bind(name)
        .bind(us(now))
        .bind(us(created_at))
        .execute(conn)
        .await?;
    Ok(())
}

const SELECT: &str = "SELECT c.id, c.name, c.now_us, c.created_at, \
    (SELECT COUNT(*) FROM accounts a WHERE a.clock_id = c.id) AS accounts FROM clocks c";

fn from_row(r: &sqlx::any::AnyRow) -> Result<TestClock> {
    Ok(TestClock {
        id: get_id(r, "id")?,
        name: get_str(r, "name")?,
        now: get_ts(r, "now_us")?,
        created_at: get_ts(r, "created_at")?,
        accounts: get_i64(r, "accounts")?,
    })
}

pub async fn get(conn: &mut AnyConnection, id: ClockId) -> Result<Option<TestClock>> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<TestClock>> {
    let sql = format!("{SELECT} ORDER BY c.created_at DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Moves a clock forward; a clock never goes back.
pub async fn set_now(conn: &mut AnyConnection, id: ClockId, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE clocks SET now_us = $2 WHERE id = $1 AND now_us < $2")
        .bind(id.to_string())
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// The instant an account lives at: its test clock's, or `None` for the system clock.
pub async fn now_for_account(conn: &mut AnyConnection, account: AccountId) -> Result<Option<Timestamp>> {
    let row = sqlx::query("SELECT c.now_us FROM accounts a JOIN clocks c ON c.id = a.clock_id WHERE a.id = $1")
        .bind(account.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok(kernel::clock::from_micros(get_i64(&r, "now_us")?)))
        .transpose()
}
