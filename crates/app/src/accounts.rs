//! Sign-up, company settings, reference opt-out, and the operator's view and breach termination.

use crate::trail::record;
use crate::{Actor, App, AppError, human_time};
use jiff::Timestamp;
use kernel::values::{VatNumber, country_code, required_text};
use kernel::{AccountId, FieldErrors, UserId};
use platform::credentials::{hash_password, random_token, sha256_hex};
use platform::model::{Account, User};
use platform::roles::{AccountStatus, Role, UserStatus};
use platform::signup::SignupInput;
use serde::{Deserialize, Serialize};
use store::tokens::Purpose;

/// What sign-up created.
#[derive(Debug, Clone, Serialize)]
pub struct SignedUp {
    pub account_id: AccountId,
    pub user_id: UserId,
    pub terms_version: String,
}

/// Company details an administrator submits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CompanyInput {
    pub legal_name: String,
    pub vat_number: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

/// An account as operator staff see it: administrative data only (CLOG-NO-STAFF-ACCESS).
#[derive(Debug, Clone, Serialize)]
pub struct AccountSummary {
    pub account: Account,
    pub users: i64,
    pub terms_version: Option<String>,
    pub support_access_until: Option<Timestamp>,
    pub kyc: KycSummary,
}

/// Whether the holder's documents are on file (INES-KYC), as operator staff may see it: the
/// extract's date and the bank account masked, never the documents themselves.
#[derive(Debug, Clone, Serialize)]
pub struct KycSummary {
    pub complete: bool,
    pub registry_issued_on: Option<String>,
    pub bank_account: Option<String>,
}

impl App {
    /// Signs up a company and its first administrator (OSX-SIGNUP, INES-KYC), records the
    /// acceptance of the current terms with time and IP, and emails a verification link.
    pub async fn signup(&self, input: SignupInput, actor: &Actor) -> Result<SignedUp, AppError> {
        let signup = input.parse()?;
        let now = crate::system_now();
        let password_hash = hash_password(&signup.password).map_err(|e| anyhow::anyhow!(e))?;
        let mut tx = self.db.write().await?;
        let terms = store::terms::latest(&mut tx)
            .await?
            .ok_or(AppError::Forbidden("no_terms_published"))?;
        if store::users::by_email(&mut tx, signup.admin_email.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::Conflict {
                field: "admin_email",
                code: "email_taken",
            });
        }
        if store::accounts::siren_taken(&mut tx, signup.siren.as_str()).await? {
            return Err(AppError::Conflict {
                field: "siren",
                code: "siren_taken",
            });
        }
        let account = Account {
            id: AccountId::new(),
            legal_name: signup.legal_name,
            siren: signup.siren.to_string(),
            vat_number: signup.vat_number.map(|v| v.to_string()),
            address_line: signup.address_line,
            postal_code: signup.postal_code,
            city: signup.city,
            country: signup.country,
            status: AccountStatus::Active,
            ended_at: None,
            ended_reason: None,
            reference_optout: false,
            clock_id: None,
            terms_version_id: None,
            terms_accepted_at: None,
            created_at: now,
        };
        let user = User {
            id: UserId::new(),
            account_id: Some(account.id),
            email: signup.admin_email.to_string(),
            name: signup.admin_name,
            password_hash: Some(password_hash),
            role: Role::Admin,
            lang: signup.lang,
            status: UserStatus::Active,
            email_verified_at: None,
            failed_logins: 0,
            locked_until: None,
            last_login_at: None,
            created_at: now,
        };
        store::accounts::insert(&mut tx, &account).await?;
        store::users::insert(&mut tx, &user).await.map_err(|e| {
            if e.is_unique_violation() {
                AppError::Conflict {
                    field: "admin_email",
                    code: "email_taken",
                }
            } else {
                e.into()
            }
        })?;
        store::terms::record_acceptance(&mut tx, account.id, user.id, terms.id, now, actor.ip.as_deref()).await?;
        let actor = Actor {
            user_id: Some(user.id),
            account_id: Some(account.id),
            ..actor.clone()
        };
        record(
            &mut tx,
            &actor,
            Some(account.id),
            "account.signup",
            Some(("account", account.id.to_string())),
            now,
        )
        .await?;
        record(
            &mut tx,
            &actor,
            Some(account.id),
            "terms.accept",
            Some(("terms_version", terms.id.to_string())),
            now,
        )
        .await?;
        self.send_verification(&mut tx, &user, &account.legal_name, now).await?;
        tx.commit().await?;
        Ok(SignedUp {
            account_id: account.id,
            user_id: user.id,
            terms_version: terms.version,
        })
    }

    pub(crate) async fn send_verification(
        &self,
        conn: &mut sqlx::AnyConnection,
        user: &User,
        company: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let token = random_token();
        let expires = now + self.config.verify_ttl;
        store::tokens::invalidate_for_user(&mut *conn, user.id, Purpose::VerifyEmail, now).await?;
        store::tokens::insert(
            &mut *conn,
            &sha256_hex(&token),
            Purpose::VerifyEmail,
            user.id,
            user.account_id,
            now,
            expires,
        )
        .await?;
        let ctx = serde_json::json!({
            "name": user.name,
            "company": company,
            "link": self.link(&format!("/verify-email?token={token}")),
            "expires": human_time(expires, user.lang),
        });
        self.queue_email(conn, user.account_id, &user.email, user.lang, "verify_email", &ctx, now)
            .await?;
        Ok(())
    }

    /// Sends a new verification link to an unverified user; silent for anything else so the
    /// answer does not reveal which emails are registered.
    pub async fn resend_verification(&self, email: &str) -> Result<(), AppError> {
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        if let Some(user) = store::users::by_email(&mut tx, &email.trim().to_lowercase()).await?
            && user.email_verified_at.is_none()
            && user.status == UserStatus::Active
        {
            let company = match user.account_id {
                Some(a) => store::accounts::get(&mut tx, a)
                    .await?
                    .map(|a| a.legal_name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            self.send_verification(&mut tx, &user, &company, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Confirms an email address with its single-use token.
    pub async fn verify_email(&self, token: &str, actor: &Actor) -> Result<UserId, AppError> {
        let now = crate::system_now();
        let hash = sha256_hex(token.trim());
        let mut tx = self.db.write().await?;
        let t = store::tokens::find(&mut tx, &hash, Purpose::VerifyEmail)
            .await?
            .ok_or(AppError::Token("token_invalid"))?;
        if t.used_at.is_some() {
            return Err(AppError::Token("token_used"));
        }
        if t.expires_at <= now {
            return Err(AppError::Token("token_expired"));
        }
        if !store::tokens::consume(&mut tx, &hash, now).await? {
            return Err(AppError::Token("token_used"));
        }
        store::users::mark_verified(&mut tx, t.user_id, now).await?;
        let actor = Actor {
            user_id: Some(t.user_id),
            account_id: t.account_id,
            ..actor.clone()
        };
        record(
            &mut tx,
            &actor,
            t.account_id,
            "user.verify_email",
            Some(("user", t.user_id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(t.user_id)
    }

    pub async fn account(&self, id: AccountId) -> Result<Account, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(id), store::Mode::Read).await?;
        let a = store::accounts::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(a)
    }

    /// Changes the company details (administrators).
    pub async fn update_company(
        &self,
        account: AccountId,
        input: CompanyInput,
        actor: &Actor,
    ) -> Result<Account, AppError> {
        let mut errors = FieldErrors::new();
        let legal_name = errors.check(required_text("legal_name", &input.legal_name, 200));
        let vat = if input.vat_number.trim().is_empty() {
            Some(None)
        } else {
            errors
                .check(VatNumber::parse("vat_number", &input.vat_number))
                .map(|v| Some(v.to_string()))
        };
        let address_line = errors.check(required_text("address_line", &input.address_line, 300));
        let postal_code = errors.check(required_text("postal_code", &input.postal_code, 20));
        let city = errors.check(required_text("city", &input.city, 120));
        let country = errors.check(country_code("country", &input.country));
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let current = store::accounts::get(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(Some(v)) = &vat
            && v.starts_with("FR")
            && !v.ends_with(&current.siren)
        {
            errors.push("vat_number", "vat_siren_mismatch");
        }
        errors.into_result()?;
        let details = store::accounts::CompanyDetails {
            legal_name: legal_name.unwrap_or_default(),
            vat_number: vat.flatten(),
            address_line: address_line.unwrap_or_default(),
            postal_code: postal_code.unwrap_or_default(),
            city: city.unwrap_or_default(),
            country: country.unwrap_or_default(),
        };
        store::accounts::update_details(&mut tx, account, &details).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "account.update",
            Some(("account", account.to_string())),
            now,
        )
        .await?;
        let updated = store::accounts::get(&mut tx, account)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(updated)
    }

    /// The account refuses (or accepts again) to be listed as a reference (OSX-REFERENCE-OPTOUT).
    pub async fn set_reference_optout(&self, account: AccountId, optout: bool, actor: &Actor) -> Result<(), AppError> {
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        store::accounts::set_reference_optout(&mut tx, account, optout, now).await?;
        let action = if optout {
            "account.reference_optout"
        } else {
            "account.reference_optin"
        };
        record(
            &mut tx,
            actor,
            Some(account),
            action,
            Some(("account", account.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accounts for the operator, with administrative data only.
    pub async fn operator_accounts(
        &self,
        search: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AccountSummary>, AppError> {
        let now = crate::system_now();
        let mut tx = self.db.read().await?;
        let accounts = store::accounts::list(
            &mut tx,
            search.filter(|s| !s.trim().is_empty()),
            limit.clamp(1, 200),
            offset.max(0),
        )
        .await?;
        let mut out = Vec::with_capacity(accounts.len());
        for account in accounts {
            out.push(summarize(&mut tx, account, now).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn operator_account(&self, id: AccountId) -> Result<AccountSummary, AppError> {
        let now = crate::system_now();
        let mut tx = self.db.read().await?;
        let account = store::accounts::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        let s = summarize(&mut tx, account, now).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Ends an account for breach (CLOG-BREACH-TERMINATE): access ends at once (DGT-END-ACCESS)
    /// and every administrator is notified by email.
    pub async fn end_account_for_breach(&self, id: AccountId, reason: &str, actor: &Actor) -> Result<(), AppError> {
        let reason = required_text("reason", reason, 2000).map_err(|e| FieldErrors(vec![e]))?;
        let now = self.now_for(Some(id)).await?;
        let mut tx = self.db.write().await?;
        let account = store::accounts::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        if !store::accounts::end(&mut tx, id, &reason, now).await? {
            return Err(AppError::Conflict {
                field: "account",
                code: "account_already_ended",
            });
        }
        store::sessions::delete_for_account(&mut tx, id).await?;
        store::keys::revoke_all_for_account(&mut tx, id, now).await?;
        for admin in store::users::admins_of(&mut tx, id).await? {
            let ctx = serde_json::json!({
                "name": admin.name, "company": account.legal_name, "reason": reason,
                "ended": human_time(now, admin.lang),
            });
            self.queue_email(&mut tx, Some(id), &admin.email, admin.lang, "account_ended", &ctx, now)
                .await?;
        }
        record(
            &mut tx,
            actor,
            Some(id),
            "account.end_for_breach",
            Some(("account", id.to_string())),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            None,
            "account.end_for_breach",
            Some(("account", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn summarize(
    conn: &mut sqlx::AnyConnection,
    account: Account,
    now: Timestamp,
) -> Result<AccountSummary, AppError> {
    let users = store::users::count_active(&mut *conn, account.id).await?;
    let terms_version = match account.terms_version_id {
        Some(t) => store::terms::get(&mut *conn, t).await?.map(|t| t.version),
        None => None,
    };
    let support_access_until = store::grants::active(&mut *conn, account.id, now)
        .await?
        .into_iter()
        .filter(|g| g.kind == platform::access::GrantKind::Support)
        .map(|g| g.ends_at)
        .max();
    let kyc = store::kyc::get(&mut *conn, account.id).await?;
    Ok(AccountSummary {
        account,
        users,
        terms_version,
        support_access_until,
        kyc: KycSummary {
            complete: kyc.is_complete(),
            registry_issued_on: kyc.registry_extract.map(|r| r.issued_on.to_string()),
            bank_account: kyc.bank_details.map(|b| b.iban.masked()),
        },
    })
}
