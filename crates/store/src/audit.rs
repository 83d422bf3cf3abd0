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
    // The head row is locked (PostgreSQL row lock; SQLite write lock) as it is read, so two
    // concurrent appends to one chain queue instead of forking it.
    append_many(conn, vec![facts])
        .await?
        .pop()
        .ok_or_else(|| crate::corrupt("audit_log", "no entry appended"))
}

/// Appends entries in the caller's transaction, each after the one before it on its chain, with
/// a few statements whatever their number: the heads are locked and read at once, the entries
/// written many rows per statement, the heads moved at once. Returns the entries in the order
/// given.
pub async fn append_many(conn: &mut AnyConnection, facts: Vec<AuditFacts>) -> Result<Vec<ChainedEntry>> {
    if facts.is_empty() {
        return Ok(Vec::new());
    }
    let chain_of = |f: &AuditFacts| f.account_id.clone().unwrap_or_else(|| PLATFORM_CHAIN.to_string());
    // Sorted and once each: two runs lock common heads in the same order (no deadlock), and
    // PostgreSQL refuses an upsert that touches one row twice.
    let chains: Vec<String> = facts
        .iter()
        .map(chain_of)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut heads: std::collections::HashMap<String, (i64, String)> = std::collections::HashMap::new();
    for chunk in chains.chunks(crate::rows_per_statement(2)) {
        let tuples: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, 0, $1)", i + 2)).collect();
        let sql = format!(
            "INSERT INTO audit_heads (chain, seq, hash) VALUES {} \
             ON CONFLICT (chain) DO UPDATE SET seq = audit_heads.seq RETURNING chain, seq, hash",
            tuples.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(GENESIS_HASH);
        for chain in chunk {
            q = q.bind(chain.as_str());
        }
        for row in q.fetch_all(&mut *conn).await? {
            heads.insert(get_str(&row, "chain")?, (get_i64(&row, "seq")?, get_str(&row, "hash")?));
        }
    }
    let mut entries = Vec::with_capacity(facts.len());
    for f in facts {
        let chain = chain_of(&f);
        let head = heads
            .get_mut(&chain)
            .ok_or_else(|| crate::corrupt("audit_heads", &chain))?;
        let entry = ChainedEntry::append(&chain, head.0, &head.1, f);
        *head = (entry.seq, entry.hash.clone());
        entries.push(entry);
    }
    for chunk in entries.chunks(crate::rows_per_statement(14)) {
        let sql = format!(
            "INSERT INTO audit_log ({COLUMNS}) VALUES {}",
            crate::value_tuples(chunk.len(), 14)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(&e.chain)
                .bind(e.seq)
                .bind(e.account_id.as_deref())
                .bind(e.actor_id.as_deref())
                .bind(&e.actor_kind)
                .bind(&e.action)
                .bind(e.target_type.as_deref())
                .bind(e.target_id.as_deref())
                .bind(e.at_micros)
                .bind(&e.context_digest)
                .bind(e.ip.as_deref())
                .bind(e.user_agent.as_deref())
                .bind(&e.prev_hash)
                .bind(&e.hash);
        }
        q.execute(&mut *conn).await?;
    }
    let moved: Vec<(&String, &(i64, String))> = heads.iter().collect();
    for chunk in moved.chunks(crate::rows_per_statement(3)) {
        // An upsert finds each head through the primary key on both backends whatever the
        // planner knows of the table: an UPDATE joined to a VALUES list was planned as a scan
        // of every head on PostgreSQL, quadratic over a billing run of new accounts. Every head
        // exists (upserted above, in this transaction), so this always updates.
        let sql = format!(
            "INSERT INTO audit_heads (chain, seq, hash) VALUES {} \
             ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            crate::value_tuples(chunk.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (chain, (seq, hash)) in chunk {
            q = q.bind(chain.as_str()).bind(*seq).bind(hash.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(entries)
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
