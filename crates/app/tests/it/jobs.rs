//! Durable jobs: unique keys, transactional enqueue, retries, test clocks, leases, concurrency.

use crate::{World, at, count_rows, on_every_backend, worker};
use futures::future::BoxFuture;
use jiff::{SignedDuration, Timestamp};
use jobs::{Enqueue, Handler, JobContext, JobSpec, Registry, Runner};
use kernel::{ClockId, JobId};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use store::Db;
use store::jobs::Job;

const FLAKY: &str = "test.flaky";
const RECORD: &str = "test.record";

/// Fails its first `failures` runs, then succeeds; counts every run.
struct Flaky {
    failures: usize,
    runs: Arc<AtomicUsize>,
}

impl Handler for Flaky {
    fn run<'a>(&'a self, _ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            if run <= self.failures {
                Err(anyhow::anyhow!("planned failure {run}"))
            } else {
                Ok(())
            }
        })
    }
}

/// What a [`Recorder`] saw of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    label: String,
    now: Timestamp,
    run_at: Timestamp,
}

/// Records the label in each job's payload with the instant it ran at.
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Handler for Recorder {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        let seen = Seen {
            label: ctx.job.payload["label"].as_str().unwrap_or_default().to_string(),
            now: ctx.now,
            run_at: ctx.job.run_at,
        };
        self.0.lock().expect("recorder lock").push(seen);
        Box::pin(async { Ok(()) })
    }
}

async fn enqueue(db: &Db, spec: JobSpec) -> JobId {
    let mut tx = db.write().await.expect("write");
    let id = jobs::enqueue(&mut tx, spec, Timestamp::now()).await.expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

async fn job(db: &Db, id: JobId) -> Job {
    let mut tx = db.read().await.expect("read");
    let job = store::jobs::get(&mut tx, id)
        .await
        .expect("get job")
        .expect("job exists");
    tx.commit().await.expect("commit");
    job
}

async fn new_clock(db: &Db, start: Timestamp) -> ClockId {
    let id = ClockId::new();
    let mut tx = db.write().await.expect("write");
    store::clocks::insert(&mut tx, id, "jobs", start, Timestamp::now())
        .await
        .expect("insert clock");
    tx.commit().await.expect("commit");
    id
}

#[tokio::test]
async fn a_unique_key_refuses_a_second_job() {
    on_every_backend(async |db| {
        let now = Timestamp::now();
        let spec = || JobSpec::new(FLAKY, serde_json::json!({}), now).unique("invoice:42");
        let mut tx = db.write().await.expect("write");
        let first = jobs::enqueue(&mut tx, spec(), now).await.expect("first enqueue");
        let second = jobs::enqueue(&mut tx, spec(), now).await;
        assert!(
            matches!(&second, Err(Enqueue::Duplicate(key)) if key == "invoice:42"),
            "{second:?}"
        );
        // The refusal leaves the transaction usable (PostgreSQL would otherwise abort it).
        tx.commit().await.expect("commit after a refused duplicate");
        assert_eq!(job(&db, first).await.unique_key.as_deref(), Some("invoice:42"));
        assert_eq!(count_rows(&db, "jobs").await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_does_not_exist() {
    on_every_backend(async |db| {
        let mut tx = db.write().await.expect("write");
        let id = jobs::enqueue(
            &mut tx,
            JobSpec::new(FLAKY, serde_json::json!({}), Timestamp::now()),
            Timestamp::now(),
        )
        .await
        .expect("enqueue");
        assert!(
            store::jobs::get(&mut tx, id).await.expect("get").is_some(),
            "visible inside its transaction"
        );
        tx.rollback().await.expect("rollback");

        let mut tx = db.read().await.expect("read");
        assert!(store::jobs::get(&mut tx, id).await.expect("get").is_none());
        tx.commit().await.expect("commit");
        assert_eq!(count_rows(&db, "jobs").await, 0);
    })
    .await;
}

#[tokio::test]
async fn failed_jobs_are_retried_with_backoff_until_attempts_run_out() {
    on_every_backend(async |db| {
        let t0 = at("2031-03-01T08:00:00Z");
        let flaky_runs = Arc::new(AtomicUsize::new(0));
        let doomed_runs = Arc::new(AtomicUsize::new(0));
        let mut registry = Registry::new();
        registry.register(
            FLAKY,
            Flaky {
                failures: 2,
                runs: flaky_runs.clone(),
            },
        );
        registry.register(
            "test.doomed",
            Flaky {
                failures: usize::MAX,
                runs: doomed_runs.clone(),
            },
        );
        let clock = new_clock(&db, t0).await;
        let flaky = enqueue(&db, JobSpec::new(FLAKY, serde_json::json!({}), t0).clock(Some(clock))).await;
        let doomed = enqueue(
            &db,
            JobSpec::new("test.doomed", serde_json::json!({}), t0)
                .clock(Some(clock))
                .max_attempts(3),
        )
        .await;

        // Within the first backoff (10 s) only the first attempts run.
        let report = jobs::advance_clock(&db, &registry, clock, t0 + SignedDuration::from_secs(5))
            .await
            .expect("advance");
        assert_eq!(report.jobs_run, 2);
        let j = job(&db, flaky).await;
        assert_eq!((j.state.as_str(), j.attempts), ("available", 1));
        assert_eq!(j.run_at, t0 + jobs::backoff(1));
        assert_eq!(j.last_error.as_deref(), Some("planned failure 1"));

        jobs::advance_clock(&db, &registry, clock, t0 + SignedDuration::from_hours(1))
            .await
            .expect("advance");
        assert_eq!(flaky_runs.load(Ordering::SeqCst), 3);
        let j = job(&db, flaky).await;
        assert_eq!((j.state.as_str(), j.attempts), ("completed", 3));
        assert_eq!(j.last_error, None);
        // Retries ran at t0, t0 + 10 s and t0 + 10 s + 20 s.
        assert_eq!(j.finished_at, Some(t0 + jobs::backoff(1) + jobs::backoff(2)));

        assert_eq!(doomed_runs.load(Ordering::SeqCst), 3);
        let d = job(&db, doomed).await;
        assert_eq!((d.state.as_str(), d.attempts), ("failed", 3));
        assert!(
            d.last_error.as_deref().is_some_and(|e| e.contains("planned failure 3")),
            "{:?}",
            d.last_error
        );
    })
    .await;
}

#[tokio::test]
async fn advancing_a_test_clock_runs_due_jobs_in_order_at_their_own_time() {
    on_every_backend(async |db| {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut registry = Registry::new();
        registry.register(RECORD, Recorder(seen.clone()));
        let registry = Arc::new(registry);
        // Well in the past, so every one of these jobs would be due in real time.
        let t = at("2020-06-01T12:00:00Z");
        let day = |n: i64| t + SignedDuration::from_hours(24 * n);
        let clock = new_clock(&db, t).await;
        for (label, n) in [("third", 3), ("first", 1), ("second", 2)] {
            enqueue(
                &db,
                JobSpec::new(RECORD, serde_json::json!({ "label": label }), day(n)).clock(Some(clock)),
            )
            .await;
        }

        // Real-time workers never run a test clock's jobs.
        let runner = Runner::new(db.clone(), registry.clone(), worker("realtime"));
        assert_eq!(runner.drain().await.expect("drain"), 0);
        assert!(seen.lock().expect("lock").is_empty());

        let report = jobs::advance_clock(&db, &registry, clock, day(2))
            .await
            .expect("advance");
        assert_eq!(report.jobs_run, 2);
        let expected: Vec<Seen> = [("first", day(1)), ("second", day(2))]
            .into_iter()
            .map(|(label, when)| Seen {
                label: label.into(),
                now: when,
                run_at: when,
            })
            .collect();
        assert_eq!(*seen.lock().expect("lock"), expected);
        let mut tx = db.read().await.expect("read");
        assert_eq!(
            store::clocks::get(&mut tx, clock)
                .await
                .expect("get")
                .expect("clock")
                .now,
            day(2)
        );
        tx.commit().await.expect("commit");

        let report = jobs::advance_clock(&db, &registry, clock, day(5))
            .await
            .expect("advance");
        assert_eq!(report.jobs_run, 1);
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(seen.len(), 3);
        assert_eq!(
            seen[2],
            Seen {
                label: "third".into(),
                now: day(3),
                run_at: day(3)
            }
        );
    })
    .await;
}

#[tokio::test]
async fn a_job_whose_lease_expired_is_taken_over() {
    on_every_backend(async |db| {
        let id = enqueue(
            &db,
            JobSpec::new(
                FLAKY,
                serde_json::json!({}),
                Timestamp::now() - SignedDuration::from_secs(1),
            ),
        )
        .await;

        // Worker A claims the job and dies: its lease is already over.
        let now = Timestamp::now();
        let mut tx = db.write().await.expect("write");
        let a = store::jobs::claim(
            &mut tx,
            db.backend(),
            "worker-a",
            now,
            now - SignedDuration::from_secs(1),
        )
        .await
        .expect("claim")
        .expect("a due job");
        tx.commit().await.expect("commit");
        assert_eq!((a.id, a.attempts, a.locked_by.as_deref()), (id, 1, Some("worker-a")));

        let now = Timestamp::now();
        let mut tx = db.write().await.expect("write");
        let b = store::jobs::claim(
            &mut tx,
            db.backend(),
            "worker-b",
            now,
            now + SignedDuration::from_secs(60),
        )
        .await
        .expect("claim")
        .expect("the abandoned job");
        tx.commit().await.expect("commit");
        assert_eq!((b.id, b.attempts, b.locked_by.as_deref()), (id, 2, Some("worker-b")));

        // B holds a live lease now: nobody else gets the job.
        let mut tx = db.write().await.expect("write");
        assert!(
            store::jobs::claim(&mut tx, db.backend(), "worker-c", now, now)
                .await
                .expect("claim")
                .is_none()
        );
        // A comes back too late: its completion is refused, B's is accepted.
        assert!(
            !store::jobs::complete(&mut tx, id, "worker-a", Timestamp::now())
                .await
                .expect("complete")
        );
        assert!(
            store::jobs::complete(&mut tx, id, "worker-b", Timestamp::now())
                .await
                .expect("complete")
        );
        tx.commit().await.expect("commit");
        let j = job(&db, id).await;
        assert_eq!((j.state.as_str(), j.attempts), ("completed", 2));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_run_a_job_twice() {
    const JOBS: usize = 200;
    on_every_backend(async |db| {
        let w = World::new(db.clone()).await;
        let now = Timestamp::now();
        let mut tx = db.write().await.expect("write");
        for _ in 0..JOBS {
            let spec = JobSpec::new(
                app::handlers::DIAGNOSTIC_PROBE,
                serde_json::json!({ "hold_ms": 0 }),
                now,
            );
            jobs::enqueue(&mut tx, spec, now).await.expect("enqueue");
        }
        tx.commit().await.expect("commit");

        let runner = Arc::new(Runner::new(db.clone(), w.app.registry.clone(), worker("probe")));
        let tasks: Vec<_> = (0..4)
            .map(|n| {
                let runner = runner.clone();
                tokio::spawn(async move {
                    let id = format!("probe-worker-{n}");
                    let mut ran = 0usize;
                    while runner.run_one(&id).await.expect("run one") {
                        ran += 1;
                    }
                    ran
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("worker task");
        }
        assert_eq!(total, JOBS);

        let mut tx = db.read().await.expect("read");
        let runs = store::jobs::diagnostic_runs(&mut tx).await.expect("runs");
        let completed = store::jobs::list_by_state(&mut tx, "completed", 1000)
            .await
            .expect("completed");
        tx.commit().await.expect("commit");
        assert_eq!(runs.len(), JOBS);
        let distinct: HashSet<&str> = runs.iter().map(|(job, _, _)| job.as_str()).collect();
        assert_eq!(distinct.len(), JOBS, "a job ran twice");
        assert!(
            runs.iter()
                .all(|(_, worker, finished)| *finished && worker.starts_with("probe-worker-"))
        );
        assert_eq!(completed.len(), JOBS);
        assert!(
            completed
                .iter()
                .all(|j| j.kind == app::handlers::DIAGNOSTIC_PROBE && j.attempts == 1),
            "a job was claimed twice"
        );
        assert_eq!(count_rows(&db, "jobs").await, JOBS as i64);
    })
    .await;
}
