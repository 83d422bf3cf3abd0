//! Durable jobs: workers, retries, recurring schedules and test-clock advance.
//!
//! A job is enqueued with [`enqueue`] inside the caller's transaction (the job table is the
//! outbox: the change and its consequences commit together). Workers claim due jobs with a
//! lease that a heartbeat keeps alive; a worker that dies stops renewing it and the job becomes
//! claimable again once the lease expires. Handlers must therefore be idempotent.
//!
//! Jobs of a sandbox account carry its test clock and never run in real time: advancing the
//! clock runs every job due up to the new instant, in order, each seeing its own due time as
//! `now`.

use futures::future::BoxFuture;
use jiff::{SignedDuration, Timestamp};
use kernel::{AccountId, ClockId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store::jobs::{EnqueueError, Job, NewJob};
use store::{Db, StoreError};
use tokio::sync::watch;

pub use store::jobs::EnqueueError as Enqueue;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("test clock {0} not found")]
    UnknownClock(ClockId),
    #[error("the new time {to} is before the clock's current time {now}")]
    ClockBackwards { now: Timestamp, to: Timestamp },
}

/// What a handler gets: the database, the job, and the instant it runs at.
pub struct JobContext {
    pub db: Db,
    pub job: Job,
    /// The system time, or the job's due time when it runs under a test clock.
    pub now: Timestamp,
    pub worker: String,
}

/// The work a job kind does. Errors are retried with backoff until attempts run out.
pub trait Handler: Send + Sync + 'static {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>>;
}

impl<F> Handler for F
where
    F: for<'a> Fn(&'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> + Send + Sync + 'static,
{
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        self(ctx)
    }
}

/// A job kind that recurs every `every`, aligned on multiples of it since the epoch.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub kind: String,
    pub every: SignedDuration,
}

impl Schedule {
    /// The first slot strictly after `after`.
    fn next_slot(&self, after: Timestamp) -> Timestamp {
        let every = self.every.as_micros().max(1) as i64;
        let t = after.as_microsecond();
        let slot = (t.div_euclid(every) + 1) * every;
        Timestamp::from_microsecond(slot).unwrap_or(Timestamp::MAX)
    }

    fn unique_key(&self, slot: Timestamp) -> String {
        format!("schedule:{}:{}", self.kind, slot.as_microsecond())
    }
}

/// Which handler runs each job kind, and the recurring schedules.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn Handler>>,
    schedules: Vec<Schedule>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(&mut self, kind: &str, handler: impl Handler) -> &mut Self {
        self.handlers.insert(kind.to_string(), Arc::new(handler));
        self
    }

    pub fn every(&mut self, kind: &str, every: SignedDuration) -> &mut Self {
        self.schedules.push(Schedule {
            kind: kind.to_string(),
            every,
        });
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    fn schedule_of(&self, job: &Job) -> Option<&Schedule> {
        let key = job.unique_key.as_deref()?;
        self.schedules
            .iter()
            .find(|s| key.starts_with(&format!("schedule:{}:", s.kind)))
    }
}

/// How a job is enqueued; build with [`JobSpec::new`] and the builder methods.
#[derive(Debug, Clone)]
pub struct JobSpec {
    job: NewJob,
}

impl JobSpec {
    pub fn new(kind: &str, payload: serde_json::Value, run_at: Timestamp) -> Self {
        JobSpec {
            job: NewJob {
                kind: kind.to_string(),
                payload,
                account_id: None,
                clock_id: None,
                unique_key: None,
                run_at,
                max_attempts: 8,
            },
        }
    }

    pub fn account(mut self, account: AccountId) -> Self {
        self.job.account_id = Some(account);
        self
    }

    /// Runs under a test clock instead of real time.
    pub fn clock(mut self, clock: Option<ClockId>) -> Self {
        self.job.clock_id = clock;
        self
    }

    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.job.unique_key = Some(key.into());
        self
    }

    pub fn max_attempts(mut self, n: i64) -> Self {
        self.job.max_attempts = n.max(1);
        self
    }
}

/// Enqueues a job in the caller's transaction; a duplicate unique key is refused.
pub async fn enqueue(
    conn: &mut sqlx::AnyConnection,
    spec: JobSpec,
    now: Timestamp,
) -> Result<kernel::JobId, EnqueueError> {
    store::jobs::enqueue(conn, &spec.job, now).await
}

/// Enqueues jobs in the caller's transaction, many per statement; those whose unique key is
/// taken are skipped. Returns how many were enqueued.
pub async fn enqueue_many(
    conn: &mut sqlx::AnyConnection,
    specs: Vec<JobSpec>,
    now: Timestamp,
) -> Result<u64, store::StoreError> {
    let jobs: Vec<NewJob> = specs.into_iter().map(|s| s.job).collect();
    store::jobs::enqueue_many(conn, &jobs, now).await
}

/// Exponential backoff: 10 s, 20 s, 40 s… capped at 6 hours.
pub fn backoff(attempts: i64) -> SignedDuration {
    let exp = attempts.clamp(1, 20) - 1;
    let secs = 10i64.saturating_mul(1i64 << exp).min(6 * 3600);
    SignedDuration::from_secs(secs)
}

/// Settings of a worker pool.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub worker_id: String,
    pub concurrency: usize,
    pub lease: Duration,
    /// The longest a worker sleeps when nothing is due.
    pub poll: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            worker_id: format!("{}-{}", hostname(), std::process::id()),
            concurrency: 4,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "host".into())
}

/// Runs jobs until `shutdown` turns true.
pub struct Runner {
    db: Db,
    registry: Arc<Registry>,
    config: WorkerConfig,
}

fn lease_until(now: Timestamp, lease: Duration) -> Timestamp {
    now + SignedDuration::try_from(lease).unwrap_or(SignedDuration::from_secs(60))
}

impl Runner {
    pub fn new(db: Db, registry: Arc<Registry>, config: WorkerConfig) -> Self {
        Runner { db, registry, config }
    }

    /// Makes sure each recurring schedule has its next occurrence enqueued.
    pub async fn ensure_schedules(&self, now: Timestamp) -> Result<(), JobError> {
        ensure_schedules(&self.db, &self.registry, now).await
    }

    /// Works until `shutdown` says stop; `concurrency` loops claim in parallel.
    pub async fn run(self, shutdown: watch::Receiver<bool>) -> Result<(), JobError> {
        self.ensure_schedules(Timestamp::now()).await?;
        let this = Arc::new(self);
        let mut tasks = Vec::new();
        for slot in 0..this.config.concurrency.max(1) {
            let this = this.clone();
            let mut shutdown = shutdown.clone();
            tasks.push(tokio::spawn(async move {
                let worker = format!("{}#{slot}", this.config.worker_id);
                loop {
                    if *shutdown.borrow() {
                        break;
                    }
                    match this.run_one(&worker).await {
                        Ok(true) => continue,
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "job loop error"),
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(this.config.poll) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        Ok(())
    }

    /// Claims and runs one due real-time job; false when none was due.
    pub async fn run_one(&self, worker: &str) -> Result<bool, JobError> {
        let now = Timestamp::now();
        let mut tx = self.db.write().await?;
        let job = store::jobs::claim(
            &mut tx,
            self.db.backend(),
            worker,
            now,
            lease_until(now, self.config.lease),
        )
        .await?;
        tx.commit().await?;
        let Some(job) = job else { return Ok(false) };
        execute(&self.db, &self.registry, job, now, worker, Some(self.config.lease)).await?;
        Ok(true)
    }

    /// Runs every job already due, one after another, and returns how many ran (tests, CLI).
    pub async fn drain(&self) -> Result<usize, JobError> {
        let mut n = 0;
        while self.run_one(&self.config.worker_id).await? {
            n += 1;
        }
        Ok(n)
    }
}

/// Enqueues the next occurrence of every schedule (a duplicate means another process did).
pub async fn ensure_schedules(db: &Db, registry: &Registry, now: Timestamp) -> Result<(), JobError> {
    let mut tx = db.write().await?;
    for s in &registry.schedules {
        let slot = s.next_slot(now);
        let spec = JobSpec::new(&s.kind, serde_json::json!({}), slot).unique(s.unique_key(slot));
        match enqueue(&mut tx, spec, now).await {
            Ok(_) | Err(EnqueueError::Duplicate(_)) => {}
            Err(EnqueueError::Store(e)) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Runs one claimed job and records its outcome.
async fn execute(
    db: &Db,
    registry: &Registry,
    job: Job,
    now: Timestamp,
    worker: &str,
    lease: Option<Duration>,
) -> Result<(), JobError> {
    let id = job.id;
    let kind = job.kind.clone();
    let clock = job.clock_id;
    let handler = registry.handlers.get(&kind).cloned();
    let schedule = registry.schedule_of(&job).cloned();
    let ctx = JobContext {
        db: db.clone(),
        job,
        now,
        worker: worker.to_string(),
    };

    // The heartbeat keeps the lease while the handler works; it stops with the handler.
    let heartbeat = lease.map(|lease| {
        let db = db.clone();
        let worker = worker.to_string();
        tokio::spawn(async move {
            let every = lease / 3;
            loop {
                tokio::time::sleep(every).await;
                let Ok(mut conn) = db.write().await else { continue };
                let renewed =
                    store::jobs::heartbeat(&mut conn, id, &worker, lease_until(Timestamp::now(), lease)).await;
                let _ = conn.commit().await;
                if matches!(renewed, Ok(false)) {
                    break;
                }
            }
        })
    });

    let started = std::time::Instant::now();
    let outcome = match handler {
        Some(h) => h.run(&ctx).await,
        None => Err(anyhow::anyhow!("no handler for job kind {kind}")),
    };
    if let Some(h) = heartbeat {
        h.abort();
    }
    let finished = if clock.is_some() { now } else { Timestamp::now() };
    let mut tx = db.write().await?;
    match &outcome {
        Ok(()) => {
            if !store::jobs::complete(&mut tx, id, worker, finished).await? {
                tracing::warn!(job = %id, kind, "job finished after its lease was taken over");
            }
            if let Some(s) = &schedule {
                let slot = s.next_slot(ctx.job.run_at.max(now));
                let spec = JobSpec::new(&s.kind, serde_json::json!({}), slot)
                    .unique(s.unique_key(slot))
                    .clock(clock);
                match enqueue(&mut tx, spec, finished).await {
                    Ok(_) | Err(EnqueueError::Duplicate(_)) => {}
                    Err(EnqueueError::Store(e)) => return Err(e.into()),
                }
            }
            tracing::info!(job = %id, kind, ms = started.elapsed().as_millis() as u64, "job completed");
        }
        Err(e) => {
            let retry_at = now + backoff(ctx.job.attempts);
            store::jobs::fail(&mut tx, id, worker, &format!("{e:#}"), finished, retry_at).await?;
            tracing::warn!(job = %id, kind, attempt = ctx.job.attempts, error = %format!("{e:#}"), "job failed");
        }
    }
    tx.commit().await?;
    Ok(())
}

/// What advancing a test clock did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AdvanceReport {
    pub jobs_run: usize,
    pub now: Option<Timestamp>,
}

/// Advances a test clock to `to`, running every job due under it up to then, in due order.
/// Each job sees its own due time as `now`; jobs it enqueues for before `to` run too.
pub async fn advance_clock(
    db: &Db,
    registry: &Registry,
    clock: ClockId,
    to: Timestamp,
) -> Result<AdvanceReport, JobError> {
    let current = {
        let mut tx = db.read().await?;
        let c = store::clocks::get(&mut tx, clock)
            .await?
            .ok_or(JobError::UnknownClock(clock))?;
        tx.commit().await?;
        c.now
    };
    if to < current {
        return Err(JobError::ClockBackwards { now: current, to });
    }
    let worker = format!("clock:{clock}");
    let mut report = AdvanceReport::default();
    loop {
        let mut tx = db.write().await?;
        let job = store::jobs::claim_for_clock(&mut tx, clock, &worker, to, Timestamp::MAX).await?;
        let Some(job) = job else {
            store::clocks::set_now(&mut tx, clock, to).await?;
            tx.commit().await?;
            break;
        };
        let at = job.run_at.max(current);
        store::clocks::set_now(&mut tx, clock, at).await?;
        tx.commit().await?;
        execute(db, registry, job, at, &worker, None).await?;
        report.jobs_run += 1;
    }
    report.now = Some(to);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), SignedDuration::from_secs(10));
        assert_eq!(backoff(2), SignedDuration::from_secs(20));
        assert_eq!(backoff(5), SignedDuration::from_secs(160));
        assert_eq!(backoff(30), SignedDuration::from_secs(6 * 3600));
    }

    #[test]
    fn schedule_slots_align() {
        let s = Schedule {
            kind: "x".into(),
            every: SignedDuration::from_hours(1),
        };
        let t: Timestamp = "2026-01-01T10:20:00Z".parse().unwrap();
        assert_eq!(s.next_slot(t), "2026-01-01T11:00:00Z".parse().unwrap());
        let exact: Timestamp = "2026-01-01T11:00:00Z".parse().unwrap();
        assert_eq!(s.next_slot(exact), "2026-01-01T12:00:00Z".parse().unwrap());
    }
}
