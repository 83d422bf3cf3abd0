//! The audit trail: append-only, one hash chain per account plus the platform's.

use crate::{Result, get_i64, get_opt_str, get_str, us};
use jiff::Timestamp;
use platform::audit::{AuditFacts, ChainedEntry, GENESIS_HASH, PLATFORM_CHAIN};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

const COLUMNS: &str = "chain, seq, account_id, actor_id, actor_kind, action, target_type, target_id, at, context_digest, \
    ip, user_agent, prev_hash, hash";

fn from_row(r: &AnyRow) -> Result<ChainedEntry> {
    Ok(ChainedEntry {
        chain: get_str(r, "chain")?,
        seq: get_i64(r, "seq")?,
        account_id: get_opt_str(r, "account_id")?,
        actor_id: get_opt_str(r, "actor_id")?,
        actor_kind: get_str(r, "actor_kind")?,
        action: get_str(r, "action")?,
        target_type: get_opt_str(r, "target_type")?,
        target_id: get_opt_str(r, "target_id")?,
        at_micros: get_i64(r, "at")?,
        context_digest: get_str(r, "context_digest")?,
        ip: get_opt_str(r, "ip")?,
        user_agent: get_opt_str(r, "user_agent")?,
        prev_hash: get_str(r, "prev_hash")?,
        hash: get_str(r, "hash")?,
    })
}

/// Appends an entry to its chain (the account's, or the platform's) inside the caller's
/// transaction, so the action and its trace commit together or not at all.
pub async fn append(conn: &mut AnyConnection, facts: AuditFacts) -> Result<ChainedEntry> {
    let chain = facts.account_id.clone().unwrap_or_else(|| PLATFORM_CHAIN.to_string());
    // Locks the chain's head row (PostgreSQL row lock; SQLite write lock) and reads it, so two
    // concurrent appends to one chain queue instead of forking it.
    let head = sqlx::query(
        "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) \
         ON CONFLICT (chain) DO UPDATE SET seq = audit_heads.seq RETURNING seq, hash",
    )
    .bind(&chain)
    .bind(GENESIS_HASH)
    .fetch_one(&mut *conn)
    .await?;
    let entry = ChainedEntry::append(&chain, get_i64(&head, "seq")?, &get_str(&head, "hash")?, facts);
    let sql = format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&entry.chain)
        .bind(entry.seq)
        .bind(entry.account_id.as_deref())
        .bind(entry.actor_id.as_deref())
        .bind(&entry.actor_kind)
        .bind(&entry.action)
        .bind(entry.target_type.as_deref())
        .bind(entry.target_id.as_deref())
        .bind(entry.at_micros)
        .bind(&entry.context_digest)
        .bind(entry.ip.as_deref())
        .bind(entry.user_agent.as_deref())
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE audit_heads SET seq = $2, hash = $3 WHERE chain = $1")
        .bind(&entry.chain)
        .bind(entry.seq)
        .bind(&entry.hash)
        .execute(conn)
        .await?;
    Ok(entry)
}

/// Filters for reading a trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Actions starting with this text (`user.` for every user action).
    pub action_prefix: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Entries before this sequence number (keyset paging, newest first).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// A page of one chain, newest first.
pub async fn list(conn: &mut AnyConnection, chain: &str, f: &AuditFilter) -> Result<Vec<ChainedEntry>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE chain = $1 \
         AND ($2 IS NULL OR action LIKE $2 ESCAPE '\\') AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR target_id = $4) \
         AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6) AND ($7 IS NULL OR seq < $7) \
         ORDER BY seq DESC LIMIT $8"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(chain)
        .bind(
            f.action_prefix
                .as_ref()
                // Wildcards in the prefix are escaped, not dropped: most actions contain `_`.
                .map(|p| format!("{}%", p.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))),
        )
        .bind(f.actor_id.as_deref())
        .bind(f.target_id.as_deref())
        .bind(f.from.map(us))
        .bind(f.to.map(us))
        .bind(f.before_seq)
        .bind(f.limit.clamp(1, 500))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every chain's name.
pub async fn chains(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT chain FROM audit_heads ORDER BY chain")
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| get_str(r, "chain")).collect()
}

/// One chain in order, for verification, in batches of `limit` after `after_seq`.
pub async fn chain_batch(
    conn: &mut AnyConnection,
    chain: &str,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<ChainedEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(chain)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The recorded head of a chain: a truncated tail is caught by comparing it with the last entry.
pub async fn head(conn: &mut AnyConnection, chain: &str) -> Result<Option<(i64, String)>> {
    let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE chain = $1")
        .bind(chain)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((get_i64(&r, "seq")?, get_str(&r, "hash")?))).transpose()
}
