//! The job table: durable jobs enqueued in the caller's transaction, claimed with a lease.
//!
//! States: `available` → `running` → `completed`, or back to `available` with a later `run_at`
//! after a failure, until `failed` when attempts run out. A `running` job whose lease expired
//! (its worker died) is claimable again. Jobs of a test clock (`clock_id`) are never claimed by
//! the real-time workers: only advancing that clock runs them.

use crate::{Backend, Result, StoreError, get_i64, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{AccountId, ClockId, JobId};
use serde::Serialize;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub account_id: Option<AccountId>,
    pub clock_id: Option<ClockId>,
    /// A key no other job may share: a second enqueue with it is refused.
    pub unique_key: Option<String>,
    pub run_at: Timestamp,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub account_id: Option<AccountId>,
    pub clock_id: Option<ClockId>,
    pub unique_key: Option<String>,
    pub state: String,
    pub run_at: Timestamp,
    pub attempts: i64,
    pub max_attempts: i64,
    pub locked_by: Option<String>,
    pub locked_until: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, kind, payload, account_id, clock_id, unique_key, state, run_at, attempts, max_attempts, \
    locked_by, locked_until, last_error, created_at, finished_at";

fn from_row(r: &AnyRow) -> Result<Job> {
    let payload = get_str(r, "payload")?;
    Ok(Job {
        id: get_id(r, "id")?,
        kind: get_str(r, "kind")?,
        payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
        account_id: get_opt_id(r, "account_id")?,
        clock_id: get_opt_id(r, "clock_id")?,
        unique_key: get_opt_str(r, "unique_key")?,
        state: get_str(r, "state")?,
        run_at: get_ts(r, "run_at")?,
        attempts: get_i64(r, "attempts")?,
        max_attempts: get_i64(r, "max_attempts")?,
        locked_by: get_opt_str(r, "locked_by")?,
        locked_until: get_opt_ts(r, "locked_until")?,
        last_error: get_opt_str(r, "last_error")?,
        created_at: get_ts(r, "created_at")?,
        finished_at: get_opt_ts(r, "finished_at")?,
    })
}

/// Why an enqueue was refused.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("a job with unique key {0} already exists")]
    Duplicate(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Enqueues a job in the caller's transaction.
pub async fn enqueue(conn: &mut AnyConnection, job: &NewJob, now: Timestamp) -> Result<JobId, EnqueueError> {
    let id = JobId::new();
    if insert_jobs(conn, &[(id, job)], now).await? == 0 {
        return Err(EnqueueError::Duplicate(job.unique_key.clone().unwrap_or_default()));
    }
    Ok(id)
}

/// Enqueues jobs in the caller's transaction, many rows per statement; a job whose unique key
/// is taken is skipped. Returns how many were enqueued.
pub async fn enqueue_many(conn: &mut AnyConnection, jobs: &[NewJob], now: Timestamp) -> Result<u64> {
    let with_ids: Vec<(JobId, &NewJob)> = jobs.iter().map(|j| (JobId::new(), j)).collect();
    insert_jobs(conn, &with_ids, now).await
}

async fn insert_jobs(conn: &mut AnyConnection, jobs: &[(JobId, &NewJob)], now: Timestamp) -> Result<u64> {
    let mut added = 0;
    for chunk in jobs.chunks(crate::rows_per_statement(9)) {
        // Eight parameters per row, then the creation instant all rows share.
        let created = chunk.len() * 8 + 1;
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=8).map(|c| format!("${}", r * 8 + c)).collect();
                format!(
                    "({}, {}, {}, {}, {}, {}, 'available', {}, 0, {}, ${created})",
                    p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO jobs (id, kind, payload, account_id, clock_id, unique_key, state, run_at, attempts, max_attempts, \
             created_at) VALUES {} ON CONFLICT DO NOTHING",
            tuples.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, job) in chunk {
            q = q
                .bind(id.to_string())
                .bind(&job.kind)
                .bind(job.payload.to_string())
                .bind(job.account_id.map(|a| a.to_string()))
                .bind(job.clock_id.map(|c| c.to_string()))
                .bind(job.unique_key.as_deref())
                .bind(us(job.run_at))
                .bind(job.max_attempts);
        }
        // ON CONFLICT DO NOTHING keeps a duplicate from aborting the caller's PostgreSQL
        // transaction.
        added += q
            .bind(us(now))
            .execute(&mut *conn)
            .await
            .map_err(StoreError::from)?
            .rows_affected();
    }
    Ok(added)
}

/// Claims the next due real-time job (or one whose lease expired) for `worker`.
pub async fn claim(
    conn: &mut AnyConnection,
    backend: Backend,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<Option<Job>> {
    // SKIP LOCKED lets several PostgreSQL workers pick different jobs without waiting; SQLite
    // has one writer at a time, so its write transaction already serialises claims.
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE clock_id IS NULL \
             AND ((state = 'available' AND run_at <= $3) OR (state = 'running' AND locked_until < $3)) \
             ORDER BY run_at, id LIMIT 1 {lock}) \
         RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(us(lease_until))
        .bind(us(now))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Claims the earliest job of a test clock due at or before `until`.
pub async fn claim_for_clock(
    conn: &mut AnyConnection,
    clock: ClockId,
    worker: &str,
    until: Timestamp,
    lease_until: Timestamp,
) -> Result<Option<Job>> {
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE clock_id = $3 AND state = 'available' AND run_at <= $4 \
             ORDER BY run_at, id LIMIT 1) \
         RETURNING {COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(us(lease_until))
        .bind(clock.to_string())
        .bind(us(until))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks a job done; false when the worker had lost its lease to another.
pub async fn complete(conn: &mut AnyConnection, id: JobId, worker: &str, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'completed', finished_at = $3, locked_until = NULL, last_error = NULL \
         WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id.to_string())
    .bind(worker)
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when attempts ran out.
pub async fn fail(
    conn: &mut AnyConnection,
    id: JobId,
    worker: &str,
    error: &str,
    now: Timestamp,
    retry_at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'available' END, \
         run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE $4 END, \
         finished_at = CASE WHEN attempts >= max_attempts THEN $3 ELSE NULL END, \
         last_error = $5, locked_until = NULL \
         WHERE id = $1 AND locked_by = $2 AND state = 'running'",
    )
    .bind(id.to_string())
    .bind(worker)
    .bind(us(now))
    .bind(us(retry_at))
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Extends a running job's lease while its worker is alive.
pub async fn heartbeat(conn: &mut AnyConnection, id: JobId, worker: &str, lease_until: Timestamp) -> Result<bool> {
    let done = sqlx::query("UPDATE jobs SET locked_until = $3 WHERE id = $1 AND locked_by = $2 AND state = 'running'")
        .bind(id.to_string())
        .bind(worker)
        .bind(us(lease_until))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a failed job back in the queue (operator action).
pub async fn retry(conn: &mut AnyConnection, id: JobId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'available', run_at = $2, attempts = 0, finished_at = NULL WHERE id = $1 AND state = 'failed'",
    )
    .bind(id.to_string())
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: JobId) -> Result<Option<Job>> {
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_by_state(conn: &mut AnyConnection, state: &str, limit: i64) -> Result<Vec<Job>> {
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE state = $1 ORDER BY run_at DESC LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(state)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// How many jobs are in each state (for `/metrics` and the operator's page).
pub async fn count_by_state(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((get_str(r, "state")?, get_i64(r, "n")?)))
        .collect()
}

/// Completed jobs older than `before` are removed to keep the table small.
pub async fn prune_completed(conn: &mut AnyConnection, before: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM jobs WHERE state = 'completed' AND finished_at < $1")
        .bind(us(before))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// The earliest time a real-time job becomes due, to sleep until then.
pub async fn next_due(conn: &mut AnyConnection) -> Result<Option<Timestamp>> {
    let row = sqlx::query("SELECT MIN(run_at) AS t FROM jobs WHERE clock_id IS NULL AND state = 'available'")
        .fetch_one(conn)
        .await?;
    get_opt_ts(&row, "t")
}

/// Records a diagnostic job run (used by the process-level job tests and `comptoir` checks).
pub async fn diagnostic_start(conn: &mut AnyConnection, job: JobId, worker: &str, now: Timestamp) -> Result<String> {
    let id = JobId::new().to_string();
    sqlx::query("INSERT INTO diagnostic_runs (id, job_id, worker, started_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(job.to_string())
        .bind(worker)
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn diagnostic_finish(conn: &mut AnyConnection, run: &str, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE diagnostic_runs SET finished_at = $2 WHERE id = $1")
        .bind(run)
        .bind(us(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// (job id, worker, finished) of every diagnostic run.
pub async fn diagnostic_runs(conn: &mut AnyConnection) -> Result<Vec<(String, String, bool)>> {
    let rows = sqlx::query("SELECT job_id, worker, finished_at FROM diagnostic_runs ORDER BY started_at")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_str(r, "job_id")?,
                get_str(r, "worker")?,
                get_opt_ts(r, "finished_at")?.is_some(),
            ))
        })
        .collect()
}
