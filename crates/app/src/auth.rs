//! Logging in and out, sessions, API-key authentication, password reset.

use crate::trail::record;
use crate::{Actor, App, AppError, human_time};
use jiff::{SignedDuration, Timestamp};
use kernel::values::check_password;
use kernel::{ApiKeyId, FieldErrors};
use platform::credentials::{
    api_key_prefix, constant_time_eq, dummy_password_hash, hash_password, random_token, sha256_hex, verify_password,
};
use platform::model::{Account, User};
use platform::roles::{AccountStatus, Role, UserStatus};
use platform::terms::TermsState;
use store::tokens::Purpose;

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    Session { token_hash: String },
    ApiKey { id: ApiKeyId },
}

/// An authenticated user, with their account when they belong to one.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub account: Option<Account>,
    pub via: Via,
    /// The terms in force were not accepted by the account yet (OSX-TERMS-VERSION).
    pub terms_required: bool,
}

impl Principal {
    pub fn is_operator(&self) -> bool {
        self.user.role == Role::Operator
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// The actor for audit entries, at the request's address.
    pub fn actor(&self, ip: Option<String>, user_agent: Option<String>) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            account_id: self.user.account_id,
            kind: match (&self.via, self.user.role) {
                (_, Role::Operator) => "operator",
                (Via::ApiKey { .. }, _) => "api_key",
                (Via::Session { .. }, _) => "user",
            },
            ip,
            user_agent,
        }
    }
}

/// A new session: the cookie value is shown to the browser once.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: Timestamp,
    pub principal: Principal,
}

impl App {
    /// Checks a login and opens a session. Failures are counted and lock the login for a while
    /// after repeated attempts; the answer never tells whether the email exists.
    pub async fn login(&self, email: &str, password: &str, actor: &Actor) -> Result<NewSession, AppError> {
        let email = email.trim().to_lowercase();
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        let Some(user) = store::users::by_email(&mut tx, &email).await? else {
            // Same work as a real check, so timing does not reveal unknown emails.
            verify_password(password, dummy_password_hash());
            return Err(AppError::Unauthorized("invalid_credentials"));
        };
        let now = match user.account_id {
            Some(a) => store::clocks::now_for_account(&mut tx, a).await?.unwrap_or(now),
            None => now,
        };
        let policy = self.config.login;
        if policy.is_locked(user.locked_until, now) {
            return Err(AppError::Unauthorized("login_locked"));
        }
        let ok = user
            .password_hash
            .as_deref()
            .is_some_and(|h| verify_password(password, h));
        let actor = Actor {
            user_id: Some(user.id),
            account_id: user.account_id,
            ..actor.clone()
        };
        if !ok {
            let after = policy.after_failure(user.failed_logins, now);
            store::users::record_login_failure(&mut tx, user.id, after.failures, after.locked_until).await?;
            record(
                &mut tx,
                &actor,
                user.account_id,
                "auth.login_failed",
                Some(("user", user.id.to_string())),
                now,
            )
            .await?;
            if after.locked_until.is_some() {
                record(
                    &mut tx,
                    &actor,
                    user.account_id,
                    "auth.login_locked",
                    Some(("user", user.id.to_string())),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            return Err(AppError::Unauthorized(if after.locked_until.is_some() {
                "login_locked"
            } else {
                "invalid_credentials"
            }));
        }
        if user.status != UserStatus::Active {
            return Err(AppError::Unauthorized("user_disabled"));
        }
        let account = match user.account_id {
            Some(a) => Some(store::accounts::get(&mut tx, a).await?.ok_or(AppError::NotFound)?),
            None => None,
        };
        if account.as_ref().is_some_and(|a| a.status == AccountStatus::Ended) {
            return Err(AppError::Unauthorized("account_ended"));
        }
        if user.email_verified_at.is_none() {
            return Err(AppError::Forbidden("email_not_verified"));
        }
        let token = random_token();
        let token_hash = sha256_hex(&token);
        let expires_at = now + self.config.session_ttl;
        store::sessions::insert(
            &mut tx,
            &token_hash,
            user.id,
            user.account_id,
            now,
            expires_at,
            actor.ip.as_deref(),
            actor.user_agent.as_deref(),
        )
        .await?;
        store::users::record_login_success(&mut tx, user.id, now).await?;
        record(
            &mut tx,
            &actor,
            user.account_id,
            "auth.login",
            Some(("user", user.id.to_string())),
            now,
        )
        .await?;
        let terms_required = self.terms_required(account.as_ref(), now).await?;
        tx.commit().await?;
        Ok(NewSession {
            token,
            expires_at,
            principal: Principal {
                user,
                account,
                via: Via::Session { token_hash },
                terms_required,
            },
        })
    }

    pub async fn logout(&self, principal: &Principal, actor: &Actor) -> Result<(), AppError> {
        let Via::Session { token_hash } = &principal.via else {
            return Ok(());
        };
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        store::sessions::delete(&mut tx, token_hash).await?;
        record(
            &mut tx,
            actor,
            principal.user.account_id,
            "auth.logout",
            Some(("user", principal.user.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal behind a session cookie; `None` when the session is unknown, expired, or its
    /// user or account no longer has access (DGT-END-ACCESS: access ends at once).
    pub async fn authenticate_session(&self, token: &str) -> Result<Option<Principal>, AppError> {
        let token_hash = sha256_hex(token);
        let mut tx = self.db.quick_read().await?;
        let Some(session) = store::sessions::find(&mut tx, &token_hash).await? else {
            return Ok(None);
        };
        let Some((user, account)) = load_active(&mut tx, session.user_id).await? else {
            return Ok(None);
        };
        let now = account_now(&mut tx, account.as_ref()).await?;
        tx.commit().await?;
        if session.expires_at <= now {
            return Ok(None);
        }
        let terms_required = self.terms_required(account.as_ref(), now).await?;
        // Sliding expiry, written at most once a minute per session.
        if now.duration_since(session.last_seen_at) > SignedDuration::from_mins(1) {
            let mut tx = self.db.write().await?;
            store::sessions::touch(&mut tx, &token_hash, now, now + self.config.session_ttl).await?;
            tx.commit().await?;
        }
        Ok(Some(Principal {
            user,
            account,
            via: Via::Session { token_hash },
            terms_required,
        }))
    }

    /// The principal behind an `Authorization: Bearer` API key (DGT-IDENTIFIERS).
    pub async fn authenticate_api_key(&self, token: &str) -> Result<Option<Principal>, AppError> {
        let Some(prefix) = api_key_prefix(token) else {
            return Ok(None);
        };
        let mut tx = self.db.quick_read().await?;
        let Some(key) = store::keys::by_prefix(&mut tx, prefix).await? else {
            return Ok(None);
        };
        if key.revoked_at.is_some() || !constant_time_eq(&sha256_hex(token), &key.secret_hash) {
            return Ok(None);
        }
        let Some((user, account)) = load_active(&mut tx, key.user_id).await? else {
            return Ok(None);
        };
        let now = account_now(&mut tx, account.as_ref()).await?;
        tx.commit().await?;
        let terms_required = self.terms_required(account.as_ref(), now).await?;
        if key
            .last_used_at
            .is_none_or(|t| now.duration_since(t) > SignedDuration::from_mins(1))
        {
            let mut tx = self.db.write().await?;
            store::keys::touch(&mut tx, key.id, now).await?;
            tx.commit().await?;
        }
        Ok(Some(Principal {
            user,
            account,
            via: Via::ApiKey { id: key.id },
            terms_required,
        }))
    }

    /// Emails a single-use reset link when the email belongs to an active user; silent
    /// otherwise, so the answer does not reveal which emails are registered.
    pub async fn request_password_reset(&self, email: &str, actor: &Actor) -> Result<(), AppError> {
        let email = email.trim().to_lowercase();
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        if let Some(user) = store::users::by_email(&mut tx, &email).await?
            && user.status == UserStatus::Active
        {
            let token = random_token();
            let expires = now + self.config.reset_ttl;
            store::tokens::invalidate_for_user(&mut tx, user.id, Purpose::ResetPassword, now).await?;
            store::tokens::insert(
                &mut tx,
                &sha256_hex(&token),
                Purpose::ResetPassword,
                user.id,
                user.account_id,
                now,
                expires,
            )
            .await?;
            let ctx = serde_json::json!({
                "name": user.name,
                "link": self.link(&format!("/reset-password?token={token}")),
                "expires": human_time(expires, user.lang),
            });
            self.queue_email(
                &mut tx,
                user.account_id,
                &user.email,
                user.lang,
                "password_reset",
                &ctx,
                now,
            )
            .await?;
            let actor = Actor {
                user_id: Some(user.id),
                account_id: user.account_id,
                ..actor.clone()
            };
            record(
                &mut tx,
                &actor,
                user.account_id,
                "auth.password_reset_requested",
                Some(("user", user.id.to_string())),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset token; every open session of the user ends.
    pub async fn reset_password(&self, token: &str, password: &str, actor: &Actor) -> Result<(), AppError> {
        let now = crate::system_now();
        let hash = sha256_hex(token.trim());
        let mut tx = self.db.write().await?;
        let t = store::tokens::find(&mut tx, &hash, Purpose::ResetPassword)
            .await?
            .ok_or(AppError::Token("token_invalid"))?;
        if t.used_at.is_some() {
            return Err(AppError::Token("token_used"));
        }
        if t.expires_at <= now {
            return Err(AppError::Token("token_expired"));
        }
        let user = store::users::get(&mut tx, t.user_id)
            .await?
            .ok_or(AppError::Token("token_invalid"))?;
        check_password("password", password, Some(&user.email)).map_err(|e| FieldErrors(vec![e]))?;
        let password_hash = hash_password(password).map_err(|e| anyhow::anyhow!(e))?;
        if !store::tokens::consume(&mut tx, &hash, now).await? {
            return Err(AppError::Token("token_used"));
        }
        store::users::set_password(&mut tx, user.id, &password_hash).await?;
        // The link arrived by email, which proves the address as well.
        store::users::mark_verified(&mut tx, user.id, now).await?;
        store::sessions::delete_for_user(&mut tx, user.id).await?;
        let actor = Actor {
            user_id: Some(user.id),
            account_id: user.account_id,
            ..actor.clone()
        };
        record(
            &mut tx,
            &actor,
            user.account_id,
            "auth.password_reset",
            Some(("user", user.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a password from the CLI (operator recovery).
    pub async fn set_password_cli(&self, email: &str, password: &str) -> Result<(), AppError> {
        let now = crate::system_now();
        let email = email.trim().to_lowercase();
        check_password("password", password, Some(&email)).map_err(|e| FieldErrors(vec![e]))?;
        let password_hash = hash_password(password).map_err(|e| anyhow::anyhow!(e))?;
        let mut tx = self.db.write().await?;
        let user = store::users::by_email(&mut tx, &email)
            .await?
            .ok_or(AppError::NotFound)?;
        store::users::set_password(&mut tx, user.id, &password_hash).await?;
        store::sessions::delete_for_user(&mut tx, user.id).await?;
        record(
            &mut tx,
            &Actor::cli(),
            user.account_id,
            "auth.password_set_cli",
            Some(("user", user.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn load_active(
    conn: &mut sqlx::AnyConnection,
    user: kernel::UserId,
) -> Result<Option<(User, Option<Account>)>, AppError> {
    let Some(user) = store::users::get(&mut *conn, user).await? else {
        return Ok(None);
    };
    if user.status != UserStatus::Active {
        return Ok(None);
    }
    let account = match user.account_id {
        Some(a) => match store::accounts::get(&mut *conn, a).await? {
            Some(acc) if acc.status == AccountStatus::Active => Some(acc),
            _ => return Ok(None),
        },
        None => None,
    };
    Ok(Some((user, account)))
}

/// The time an account lives at: its test clock's, or the system's.
async fn account_now(conn: &mut sqlx::AnyConnection, account: Option<&Account>) -> Result<Timestamp, AppError> {
    match account {
        Some(a) if a.clock_id.is_some() => Ok(store::clocks::now_for_account(conn, a.id)
            .await?
            .unwrap_or_else(Timestamp::now)),
        _ => Ok(crate::system_now()),
    }
}

impl App {
    /// The terms in force were not accepted by the account yet (OSX-TERMS-VERSION).
    async fn terms_required(&self, account: Option<&Account>, now: Timestamp) -> Result<bool, AppError> {
        let Some(account) = account else { return Ok(false) };
        let state = TermsState {
            in_force: self.terms_in_force_at(now).await?,
            accepted: account.terms_version_id,
        };
        Ok(state.acceptance_required(now))
    }
}
