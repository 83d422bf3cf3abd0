//! The job kinds the platform runs.

use crate::App;
use futures::future::BoxFuture;
use jiff::SignedDuration;
use jobs::{Handler, JobContext, Registry};
use kernel::EmailId;
use std::time::Duration;

/// A job kind that records its runs and holds for `hold_ms`: used to prove, with real worker
/// processes, that a job whose worker dies runs again and that no job runs twice.
pub const DIAGNOSTIC_PROBE: &str = "diagnostic.probe";
/// Daily housekeeping: old completed jobs and expired sessions.
pub const PRUNE: &str = "maintenance.prune";

pub fn registry(app: &App) -> Registry {
    let mut r = Registry::new();
    r.register(crate::emails::DELIVER, Deliver(app.transport.clone()));
    r.register(DIAGNOSTIC_PROBE, Probe);
    r.register(PRUNE, Prune);
    r.register(crate::subscriptions::AUTO_ACTIVATE, AutoActivate(app.clone()));
    r.register(crate::invoicing::BILL_ACCOUNT, BillAccount(app.clone()));
    r.register(crate::invoicing::FINALIZE_INVOICE, FinalizeInvoice(app.clone()));
    r.register(crate::contracts::REMINDERS, Reminders(app.clone()));
    r.register(crate::contracts::REMINDERS_SCHEDULE, ScheduleReminders);
    r.every(crate::contracts::REMINDERS_SCHEDULE, SignedDuration::from_hours(6));
    r.every(PRUNE, SignedDuration::from_hours(24));
    r.register(crate::monitor::TICK, MonitorTick(app.clone()));
    r.every(crate::monitor::TICK, SignedDuration::from_hours(1));
    r
}

/// The monitor's end-of-data rule (OSX-NO-ARCHIVE), hourly. The checks themselves run in each
/// worker's loop ([`crate::monitor::run_checks`]), not as jobs: one job per check would be
/// hundreds of thousands of rows an hour.
struct MonitorTick(App);

impl Handler for MonitorTick {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.0.monitor_lifecycle(ctx.now).await?;
            Ok(())
        })
    }
}

struct Deliver(mail::Transport);
struct Probe;
struct Prune;
/// Holds a copy of the application made before its registry was built: it reaches the
/// database, offers and templates, never the registry, so no reference cycle forms.
struct AutoActivate(App);

/// Bills an account's due periods and schedules its next run (same copy of the application).
struct BillAccount(App);

impl Handler for BillAccount {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let account: kernel::AccountId = serde_json::from_value(ctx.job.payload["account_id"].clone())?;
            self.0.run_billing_job(account, ctx.now).await?;
            Ok(())
        })
    }
}

/// Finalizes a draft invoice when its review window ends (same copy of the application).
struct FinalizeInvoice(App);

impl Handler for FinalizeInvoice {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let account: kernel::AccountId = serde_json::from_value(ctx.job.payload["account_id"].clone())?;
            let id: kernel::InvoiceId = serde_json::from_value(ctx.job.payload["invoice_id"].clone())?;
            self.0.finalize_invoice_job(account, id).await?;
            Ok(())
        })
    }
}

impl Handler for AutoActivate {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let account: kernel::AccountId = serde_json::from_value(ctx.job.payload["account_id"].clone())?;
            let id: kernel::SubscriptionId = serde_json::from_value(ctx.job.payload["subscription_id"].clone())?;
            self.0.auto_activate(account, id, ctx.now).await?;
            Ok(())
        })
    }
}

struct Reminders(App);
struct ScheduleReminders;

impl Handler for ScheduleReminders {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(crate::contracts::schedule_reminders(ctx))
    }
}

impl Handler for Reminders {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(crate::contracts::run_reminders(&self.0, ctx))
    }
}

impl Handler for Deliver {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(deliver(&self.0, ctx))
    }
}

impl Handler for Probe {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(probe(ctx))
    }
}

impl Handler for Prune {
    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(prune(ctx))
    }
}

async fn deliver(transport: &mail::Transport, ctx: &JobContext) -> anyhow::Result<()> {
    let id: EmailId = serde_json::from_value(ctx.job.payload["email_id"].clone())?;
    let mut tx = ctx.db.read().await?;
    let email = store::emails::get(&mut tx, id).await?;
    tx.commit().await?;
    let Some(email) = email else { return Ok(()) };
    if email.status != "queued" {
        return Ok(()); // already delivered by an earlier attempt
    }
    let result = transport
        .deliver(&email.to_addr, &email.subject, &email.body_text, &email.id.to_string())
        .await;
    let mut tx = ctx.db.write().await?;
    match &result {
        Ok(()) => {
            let status = match transport {
                mail::Transport::Outbox => "outbox",
                mail::Transport::Smtp { .. } => "sent",
            };
            store::emails::mark(&mut tx, id, status, transport.name(), None, crate::system_now()).await?;
        }
        Err(e) if ctx.job.attempts >= ctx.job.max_attempts => {
            store::emails::mark(
                &mut tx,
                id,
                "failed",
                transport.name(),
                Some(&e.to_string()),
                crate::system_now(),
            )
            .await?;
        }
        Err(_) => {}
    }
    tx.commit().await?;
    result.map_err(Into::into)
}

async fn probe(ctx: &JobContext) -> anyhow::Result<()> {
    let hold_ms = ctx.job.payload["hold_ms"].as_u64().unwrap_or(0);
    let mut tx = ctx.db.write().await?;
    let run = store::jobs::diagnostic_start(&mut tx, ctx.job.id, &ctx.worker, crate::system_now()).await?;
    tx.commit().await?;
    if hold_ms > 0 {
        tokio::time::sleep(Duration::from_millis(hold_ms)).await;
    }
    let mut tx = ctx.db.write().await?;
    store::jobs::diagnostic_finish(&mut tx, &run, crate::system_now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn prune(ctx: &JobContext) -> anyhow::Result<()> {
    let mut tx = ctx.db.write().await?;
    let n = store::jobs::prune_completed(&mut tx, ctx.now - SignedDuration::from_hours(24 * 7)).await?;
    let s = store::sessions::delete_expired(&mut tx, ctx.now).await?;
    tx.commit().await?;
    tracing::info!(jobs = n, sessions = s, "pruned");
    Ok(())
}
