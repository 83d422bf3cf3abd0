//! Support access granted by the customer, and break-glass access for official requests
//! (DGT-SUPPORT-ACCESS, CLOG-NO-STAFF-ACCESS, INES-NO-READ).

use crate::auth::Principal;
use crate::trail::record;
use crate::{Actor, App, AppError};
use kernel::{AccessGrantId, AccountId};
use platform::Role;
use platform::access::{GrantKind, break_glass_window, support_window};
use platform::model::{AccessGrant, Account, User};

/// What operator staff see of an account while they hold an active grant: read-only.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SupportView {
    pub account: Account,
    pub users: Vec<User>,
    pub grant: AccessGrant,
}

impl App {
    pub async fn grants(&self, account: AccountId) -> Result<Vec<AccessGrant>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::grants::list_for_account(&mut tx, account).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// An administrator lets support staff in for `hours`.
    pub async fn grant_support(&self, p: &Principal, hours: i64, actor: &Actor) -> Result<AccessGrant, AppError> {
        let account = match (p.user.role, p.user.account_id) {
            (Role::Admin, Some(a)) => a,
            _ => return Err(AppError::Forbidden("admin_required")),
        };
        let now = self.now_for(Some(account)).await?;
        let (starts_at, ends_at) = support_window(now, hours)?;
        let grant = AccessGrant {
            id: AccessGrantId::new(),
            account_id: account,
            kind: GrantKind::Support,
            granted_by: p.user.id,
            reason: None,
            legal_reference: None,
            starts_at,
            ends_at,
            revoked_at: None,
            revoked_by: None,
        };
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        store::grants::insert(&mut tx, &grant).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "support_access.grant",
            Some(("access_grant", grant.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(grant)
    }

    /// An administrator revokes a grant at any time; break-glass grants are not theirs to end.
    pub async fn revoke_grant(&self, p: &Principal, id: AccessGrantId, actor: &Actor) -> Result<(), AppError> {
        let account = match (p.user.role, p.user.account_id) {
            (Role::Admin, Some(a)) => a,
            _ => return Err(AppError::Forbidden("admin_required")),
        };
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let grants = store::grants::list_for_account(&mut tx, account).await?;
        let Some(grant) = grants.iter().find(|g| g.id == id && g.kind == GrantKind::Support) else {
            return Err(AppError::NotFound);
        };
        if !store::grants::revoke(&mut tx, account, grant.id, p.user.id, now).await? {
            return Err(AppError::Conflict {
                field: "id",
                code: "grant_already_revoked",
            });
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "support_access.revoke",
            Some(("access_grant", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Operator staff open a break-glass access for an official request: reason and legal
    /// reference required, time-limited, and written in the account's own trail.
    pub async fn open_break_glass(
        &self,
        operator: &Principal,
        account: AccountId,
        reason: &str,
        legal_reference: &str,
        hours: i64,
        actor: &Actor,
    ) -> Result<AccessGrant, AppError> {
        if !operator.is_operator() {
            return Err(AppError::Forbidden("operator_required"));
        }
        let now = self.now_for(Some(account)).await?;
        let (starts_at, ends_at) = break_glass_window(now, reason, legal_reference, hours)?;
        let grant = AccessGrant {
            id: AccessGrantId::new(),
            account_id: account,
            kind: GrantKind::BreakGlass,
            granted_by: operator.user.id,
            reason: Some(reason.trim().to_string()),
            legal_reference: Some(legal_reference.trim().to_string()),
            starts_at,
            ends_at,
            revoked_at: None,
            revoked_by: None,
        };
        let mut tx = self.db.write().await?;
        store::accounts::get(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        store::grants::insert(&mut tx, &grant).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "break_glass.open",
            Some(("access_grant", grant.id.to_string())),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            None,
            "break_glass.open",
            Some(("access_grant", grant.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(grant)
    }

    /// Operator staff open an account's pages, read-only, under an active grant; each opening
    /// is audited in the account's trail. Without a grant: forbidden.
    pub async fn support_view(
        &self,
        operator: &Principal,
        account: AccountId,
        actor: &Actor,
    ) -> Result<SupportView, AppError> {
        if !operator.is_operator() {
            return Err(AppError::Forbidden("operator_required"));
        }
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let acc = store::accounts::get(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        let grant = store::grants::active(&mut tx, account, now)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::Forbidden("support_access_not_granted"))?;
        let users = store::users::list_for_account(&mut tx, account).await?;
        let action = match grant.kind {
            GrantKind::Support => "support_access.view",
            GrantKind::BreakGlass => "break_glass.view",
        };
        record(
            &mut tx,
            actor,
            Some(account),
            action,
            Some(("access_grant", grant.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(SupportView {
            account: acc,
            users,
            grant,
        })
    }
}
