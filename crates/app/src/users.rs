//! An account's users: invitations, roles, disabling (INES-ADMIN, DGT-IDENTIFIERS).

use crate::auth::Principal;
use crate::trail::record;
use crate::{Actor, App, AppError, human_time};
use jiff::Timestamp;
use kernel::values::{Email, check_password, required_text};
use kernel::{AccountId, FieldErrors, InvitationId, Lang, UserId};
use platform::Role;
use platform::credentials::{hash_password, random_token, sha256_hex};
use platform::model::{Invitation, User};
use platform::roles::UserStatus;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InviteInput {
    pub email: String,
    pub role: String,
    pub lang: Option<Lang>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AcceptInvitationInput {
    pub token: String,
    pub name: String,
    pub password: String,
}

fn require_admin(p: &Principal) -> Result<AccountId, AppError> {
    match (p.user.role, p.user.account_id) {
        (Role::Admin, Some(a)) => Ok(a),
        _ => Err(AppError::Forbidden("admin_required")),
    }
}

impl App {
    pub async fn users(&self, account: AccountId) -> Result<Vec<User>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let users = store::users::list_for_account(&mut tx, account).await?;
        tx.commit().await?;
        Ok(users)
    }

    /// Who may appear as the actor of a trail: an account's users, or operator staff for the
    /// platform's trail (`None`). Used to filter a trail by person and to name its actors.
    pub async fn trail_actors(&self, account: Option<AccountId>) -> Result<Vec<User>, AppError> {
        match account {
            Some(a) => self.users(a).await,
            None => {
                let mut tx = self.db.begin(store::Scope::Platform, store::Mode::Read).await?;
                let users = store::users::list_operators(&mut tx).await?;
                tx.commit().await?;
                Ok(users)
            }
        }
    }

    pub async fn user(&self, account: AccountId, id: UserId) -> Result<User, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let u = store::users::get_in_account(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(u)
    }

    pub async fn invitations(&self, account: AccountId) -> Result<Vec<Invitation>, AppError> {
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::invitations::list_pending(&mut tx, account, now).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// An administrator invites a person by email; the link lets them choose a password.
    pub async fn invite(&self, p: &Principal, input: InviteInput, actor: &Actor) -> Result<Invitation, AppError> {
        let account = require_admin(p)?;
        let mut errors = FieldErrors::new();
        let email = errors.check(Email::parse("email", &input.email));
        let role = match Role::parse(input.role.trim()).filter(|r| r.is_account_role()) {
            Some(r) => Some(r),
            None if input.role.trim().is_empty() => Some(Role::Member),
            None => {
                errors.push("role", "role_invalid");
                None
            }
        };
        errors.into_result()?;
        let (Some(email), Some(role)) = (email, role) else {
            return Err(AppError::Invalid(FieldErrors::single("email", "required")));
        };
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.write().await?;
        if store::users::by_email(&mut tx, email.as_str()).await?.is_some() {
            return Err(AppError::Conflict {
                field: "email",
                code: "email_taken",
            });
        }
        if store::invitations::pending_for_email(&mut tx, account, email.as_str(), now).await? {
            return Err(AppError::Conflict {
                field: "email",
                code: "invitation_pending",
            });
        }
        // Seats are what the subscriptions license (DGT-LICENCE-SCOPE): people already in
        // the account and invitations still open both hold one.
        let seated = store::users::count_active(&mut tx, account).await?
            + store::invitations::list_pending(&mut tx, account, now).await?.len() as i64;
        tx.commit().await?;
        self.ensure_allowance(account, "users", seated.max(0) as u64, 1, "email")
            .await?;
        let mut tx = self.db.write().await?;
        let company = store::accounts::get(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        let token = random_token();
        let invitation = Invitation {
            id: InvitationId::new(),
            account_id: account,
            email: email.to_string(),
            role,
            invited_by: p.user.id,
            created_at: now,
            expires_at: now + self.config.invitation_ttl,
            accepted_at: None,
            revoked_at: None,
        };
        store::invitations::insert(&mut tx, &invitation, &sha256_hex(&token)).await?;
        let lang = input.lang.unwrap_or(p.user.lang);
        let role_label = match (role, lang) {
            (Role::Admin, Lang::Fr) => "administrateur",
            (_, Lang::Fr) => "utilisateur",
            (Role::Admin, Lang::En) => "administrator",
            (_, Lang::En) => "user",
        };
        let ctx = serde_json::json!({
            "inviter": p.user.name, "company": company.legal_name, "role": role_label,
            "link": self.link(&format!("/invitations/accept?token={token}")),
            "expires": human_time(invitation.expires_at, lang),
        });
        self.queue_email(&mut tx, Some(account), email.as_str(), lang, "invitation", &ctx, now)
            .await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "user.invite",
            Some(("invitation", invitation.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// The invitation behind a token, for the acceptance page.
    pub async fn invitation_by_token(&self, token: &str) -> Result<(Invitation, String), AppError> {
        let mut tx = self.db.read().await?;
        let inv = store::invitations::by_token(&mut tx, &sha256_hex(token.trim()))
            .await?
            .ok_or(AppError::Token("token_invalid"))?;
        let company = store::accounts::get(&mut tx, inv.account_id)
            .await?
            .map(|a| a.legal_name)
            .unwrap_or_default();
        tx.commit().await?;
        Ok((inv, company))
    }

    /// The invited person chooses a name and password; their login is nominative.
    pub async fn accept_invitation(
        &self,
        input: AcceptInvitationInput,
        lang: Lang,
        actor: &Actor,
    ) -> Result<User, AppError> {
        let hash = sha256_hex(input.token.trim());
        let mut tx = self.db.write().await?;
        let inv = store::invitations::by_token(&mut tx, &hash)
            .await?
            .ok_or(AppError::Token("token_invalid"))?;
        let now = store::clocks::now_for_account(&mut tx, inv.account_id)
            .await?
            .unwrap_or_else(Timestamp::now);
        if inv.accepted_at.is_some() || inv.revoked_at.is_some() {
            return Err(AppError::Token("token_used"));
        }
        if inv.expires_at <= now {
            return Err(AppError::Token("token_expired"));
        }
        let mut errors = FieldErrors::new();
        let name = errors.check(required_text("name", &input.name, 200));
        errors.check(check_password("password", &input.password, Some(&inv.email)));
        errors.into_result()?;
        let account = store::accounts::get(&mut tx, inv.account_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if account.status != platform::roles::AccountStatus::Active {
            return Err(AppError::Token("token_invalid"));
        }
        let user = User {
            id: UserId::new(),
            account_id: Some(inv.account_id),
            email: inv.email.clone(),
            name: name.unwrap_or_default(),
            password_hash: Some(hash_password(&input.password).map_err(|e| anyhow::anyhow!(e))?),
            role: inv.role,
            lang,
            status: UserStatus::Active,
            // The link was delivered to this address: it is verified.
            email_verified_at: Some(now),
            failed_logins: 0,
            locked_until: None,
            last_login_at: None,
            created_at: now,
        };
        store::users::insert(&mut tx, &user).await.map_err(|e| {
            if e.is_unique_violation() {
                AppError::Conflict {
                    field: "email",
                    code: "email_taken",
                }
            } else {
                e.into()
            }
        })?;
        if !store::invitations::accept(&mut tx, inv.id, now).await? {
            return Err(AppError::Token("token_used"));
        }
        let actor = Actor {
            user_id: Some(user.id),
            account_id: Some(inv.account_id),
            ..actor.clone()
        };
        record(
            &mut tx,
            &actor,
            Some(inv.account_id),
            "user.accept_invitation",
            Some(("user", user.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn revoke_invitation(&self, p: &Principal, id: InvitationId, actor: &Actor) -> Result<(), AppError> {
        let account = require_admin(p)?;
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::invitations::revoke(&mut tx, account, id, now).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "user.invitation_revoke",
            Some(("invitation", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or re-enables a user; a disabled user's sessions and keys stop at once.
    pub async fn set_user_status(
        &self,
        p: &Principal,
        id: UserId,
        status: UserStatus,
        actor: &Actor,
    ) -> Result<User, AppError> {
        let account = require_admin(p)?;
        if id == p.user.id && status == UserStatus::Disabled {
            return Err(AppError::Invalid(FieldErrors::single("status", "cannot_disable_self")));
        }
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::users::set_status(&mut tx, account, id, status).await? {
            return Err(AppError::NotFound);
        }
        if status == UserStatus::Disabled {
            store::sessions::delete_for_user(&mut tx, id).await?;
        }
        let action = if status == UserStatus::Disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        record(
            &mut tx,
            actor,
            Some(account),
            action,
            Some(("user", id.to_string())),
            now,
        )
        .await?;
        let user = store::users::get_in_account(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(user)
    }

    /// Changes a user's role; an account always keeps at least one active administrator.
    pub async fn set_user_role(&self, p: &Principal, id: UserId, role: &str, actor: &Actor) -> Result<User, AppError> {
        let account = require_admin(p)?;
        let role = Role::parse(role.trim())
            .filter(|r| r.is_account_role())
            .ok_or_else(|| AppError::Invalid(FieldErrors::single("role", "role_invalid")))?;
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let target = store::users::get_in_account(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if target.role == Role::Admin && role != Role::Admin {
            let admins = store::users::admins_of(&mut tx, account).await?;
            if admins.iter().filter(|u| u.id != id).count() == 0 {
                return Err(AppError::Invalid(FieldErrors::single("role", "last_admin")));
            }
        }
        store::users::set_role(&mut tx, account, id, role).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "user.role_change",
            Some(("user", id.to_string())),
            now,
        )
        .await?;
        let user = store::users::get_in_account(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(user)
    }

    /// A user changes their own interface and email language.
    pub async fn set_own_lang(&self, p: &Principal, lang: Lang, actor: &Actor) -> Result<(), AppError> {
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        store::users::set_lang(&mut tx, p.user.id, lang).await?;
        record(
            &mut tx,
            actor,
            p.user.account_id,
            "user.set_lang",
            Some(("user", p.user.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an operator staff user (CLI).
    pub async fn create_operator(&self, email: &str, name: &str, password: &str) -> Result<User, AppError> {
        let mut errors = FieldErrors::new();
        let email = errors.check(Email::parse("email", email));
        let name = errors.check(required_text("name", name, 200));
        errors.check(check_password("password", password, email.as_ref().map(|e| e.as_str())));
        errors.into_result()?;
        let now = crate::system_now();
        let user = User {
            id: UserId::new(),
            account_id: None,
            email: email.map(|e| e.to_string()).unwrap_or_default(),
            name: name.unwrap_or_default(),
            password_hash: Some(hash_password(password).map_err(|e| anyhow::anyhow!(e))?),
            role: Role::Operator,
            lang: Lang::Fr,
            status: UserStatus::Active,
            email_verified_at: Some(now),
            failed_logins: 0,
            locked_until: None,
            last_login_at: None,
            created_at: now,
        };
        let mut tx = self.db.write().await?;
        store::users::insert(&mut tx, &user).await.map_err(|e| {
            if e.is_unique_violation() {
                AppError::Conflict {
                    field: "email",
                    code: "email_taken",
                }
            } else {
                e.into()
            }
        })?;
        record(
            &mut tx,
            &Actor::cli(),
            None,
            "operator.create",
            Some(("user", user.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }
}
