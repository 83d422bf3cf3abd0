//! Writing and reading the audit trail.

use crate::{Actor, App, AppError};
use jiff::Timestamp;
use kernel::AccountId;
use platform::audit::{AuditFacts, ChainBreak, ChainedEntry, PLATFORM_CHAIN};
use sqlx::AnyConnection;
use store::audit::AuditFilter;

/// Appends an entry for `actor` doing `action` on `target`, in the caller's transaction.
/// `account` says whose trail it lands in (`None`: the platform's).
pub async fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    account: Option<AccountId>,
    action: &str,
    target: Option<(&'static str, String)>,
    now: Timestamp,
) -> Result<ChainedEntry, AppError> {
    Ok(store::audit::append(conn, facts(actor, account, action, target, now)).await?)
}

/// What an entry says, before it takes its place in a chain (see [`record`]; many at once go
/// through `store::audit::append_many`).
pub(crate) fn facts(
    actor: &Actor,
    account: Option<AccountId>,
    action: &str,
    target: Option<(&'static str, String)>,
    now: Timestamp,
) -> AuditFacts {
    let (target_type, target_id) = match target {
        Some((t, id)) => (Some(t), Some(id)),
        None => (None, None),
    };
    AuditFacts {
        account_id: account.map(|a| a.to_string()),
        actor_id: actor.user_id.map(|u| u.to_string()),
        actor_kind: actor.kind,
        action: action.to_string(),
        target_type,
        target_id,
        at: now,
        ip: actor.ip.clone(),
        user_agent: actor.user_agent.clone(),
    }
}

/// The result of checking every chain.
#[derive(Debug, Default, serde::Serialize)]
pub struct VerifyReport {
    pub chains: u64,
    pub entries: u64,
    pub breaks: Vec<String>,
}

impl App {
    /// A page of an account's trail (or the platform's with `None`), newest first.
    pub async fn audit_trail(
        &self,
        account: Option<AccountId>,
        filter: &AuditFilter,
    ) -> Result<Vec<ChainedEntry>, AppError> {
        let chain = account
            .map(|a| a.to_string())
            .unwrap_or_else(|| PLATFORM_CHAIN.to_string());
        let mut tx = match account {
            Some(a) => self.db.begin(store::Scope::Tenant(a), store::Mode::Read).await?,
            None => self.db.read().await?,
        };
        let rows = store::audit::list(&mut tx, &chain, filter).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Verifies every chain, reading in batches; `progress` is called after each batch.
    pub async fn verify_audit(&self, mut progress: impl FnMut(&str, u64)) -> Result<VerifyReport, AppError> {
        let mut report = VerifyReport::default();
        let mut tx = self.db.read().await?;
        let chains = store::audit::chains(&mut tx).await?;
        tx.commit().await?;
        for chain in chains {
            report.chains += 1;
            let mut tx = self.db.read().await?;
            let mut verifier = platform::audit::ChainVerifier::default();
            let mut after = 0;
            let mut result: Result<(), ChainBreak> = Ok(());
            loop {
                let batch = store::audit::chain_batch(&mut tx, &chain, after, 1000).await?;
                if batch.is_empty() {
                    break;
                }
                after = batch.last().map(|e| e.seq).unwrap_or(after);
                if let Err(b) = batch.iter().try_for_each(|e| verifier.push(e)) {
                    result = Err(b);
                    break;
                }
                progress(&chain, verifier.count());
            }
            if result.is_ok() {
                // A deleted tail leaves a valid but shorter chain: the head row tells.
                let head = store::audit::head(&mut tx, &chain).await?;
                if let Some((seq, hash)) = head
                    && (seq != verifier.last_seq() || hash != verifier.last_hash())
                {
                    result = Err(ChainBreak::Gap {
                        chain: chain.clone(),
                        seq: verifier.last_seq() + 1,
                        expected: seq,
                    });
                }
            }
            tx.commit().await?;
            report.entries += verifier.count();
            if let Err(b) = result {
                report.breaks.push(b.to_string());
            }
        }
        Ok(report)
    }
}
