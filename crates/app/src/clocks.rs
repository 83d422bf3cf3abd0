//! Test clocks: sandbox accounts live at a time the operator advances.

use crate::terms::parse_instant;
use crate::trail::record;
use crate::{Actor, App, AppError};
use kernel::values::required_text;
use kernel::{AccountId, ClockId, FieldErrors};
use store::clocks::TestClock;

impl App {
    pub async fn clocks(&self) -> Result<Vec<TestClock>, AppError> {
        let mut tx = self.db.read().await?;
        let list = store::clocks::list(&mut tx).await?;
        tx.commit().await?;
        Ok(list)
    }

    pub async fn clock(&self, id: ClockId) -> Result<TestClock, AppError> {
        let mut tx = self.db.read().await?;
        let c = store::clocks::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(c)
    }

    /// Creates a clock frozen at `start` (an instant or a date; now when empty).
    pub async fn create_clock(&self, name: &str, start: &str, actor: &Actor) -> Result<TestClock, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check(required_text("name", name, 100));
        let start = if start.trim().is_empty() {
            Some(crate::system_now())
        } else {
            match parse_instant("start", start) {
                Ok(t) => Some(t),
                Err(e) => {
                    errors.0.extend(e.0);
                    None
                }
            }
        };
        errors.into_result()?;
        let id = ClockId::new();
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        store::clocks::insert(&mut tx, id, &name.unwrap_or_default(), start.unwrap_or(now), now).await?;
        record(
            &mut tx,
            actor,
            None,
            "clock.create",
            Some(("clock", id.to_string())),
            now,
        )
        .await?;
        let clock = store::clocks::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(clock)
    }

    /// Advances a clock, running every job due under it in order before returning.
    pub async fn advance_clock(&self, id: ClockId, to: &str, actor: &Actor) -> Result<(TestClock, usize), AppError> {
        let to = parse_instant("to", to)?;
        let report = jobs::advance_clock(&self.db, &self.registry, id, to).await?;
        let mut tx = self.db.write().await?;
        record(
            &mut tx,
            actor,
            None,
            "clock.advance",
            Some(("clock", id.to_string())),
            crate::system_now(),
        )
        .await?;
        let clock = store::clocks::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok((clock, report.jobs_run))
    }

    /// Attaches a sandbox account to a clock (or detaches it with `None`).
    pub async fn attach_clock(
        &self,
        account: AccountId,
        clock: Option<ClockId>,
        actor: &Actor,
    ) -> Result<(), AppError> {
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        if let Some(c) = clock {
            store::clocks::get(&mut tx, c).await?.ok_or(AppError::NotFound)?;
        }
        if !store::accounts::set_clock(&mut tx, account, clock).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "clock.attach",
            clock.map(|c| ("clock", c.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl App {
    /// Puts a failed job back in the queue (operator).
    pub async fn retry_job(&self, id: kernel::JobId, actor: &Actor) -> Result<(), AppError> {
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        if !store::jobs::retry(&mut tx, id, now).await? {
            return Err(AppError::NotFound);
        }
        record(&mut tx, actor, None, "job.retry", Some(("job", id.to_string())), now).await?;
        tx.commit().await?;
        Ok(())
    }
}
