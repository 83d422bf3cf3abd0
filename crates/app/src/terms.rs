//! Terms versions: publication, announcement to every administrator, acceptance
//! (OSX-TERMS-VERSION, INES-GROUPEMENT, DGT-DOC-ORDER).

use crate::auth::Principal;
use crate::trail::record;
use crate::{Actor, App, AppError, human_time};
use jiff::Timestamp;
use kernel::values::required_text;
use kernel::{FieldErrors, TermsVersionId};
use platform::model::TermsVersion;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PublishTermsInput {
    pub version: String,
    pub body_md: String,
    /// RFC 3339 instant or a date (`2026-03-01`, midnight Paris time).
    pub effective_at: String,
}

/// Parses an instant or a date (midnight, Europe/Paris).
pub fn parse_instant(field: &str, raw: &str) -> Result<Timestamp, FieldErrors> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = raw.parse::<jiff::civil::Date>() {
        return d
            .in_tz("Europe/Paris")
            .map(|z| z.timestamp())
            .map_err(|_| FieldErrors::single(field, "date_invalid"));
    }
    if let Ok(dt) = raw.parse::<jiff::civil::DateTime>() {
        return dt
            .in_tz("Europe/Paris")
            .map(|z| z.timestamp())
            .map_err(|_| FieldErrors::single(field, "date_invalid"));
    }
    Err(FieldErrors::single(field, "date_invalid"))
}

impl App {
    pub async fn terms_versions(&self) -> Result<Vec<TermsVersion>, AppError> {
        let mut tx = self.db.read().await?;
        let list = store::terms::list(&mut tx).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// The terms in force now, or the latest published when none is in force yet.
    pub async fn current_terms(&self) -> Result<Option<TermsVersion>, AppError> {
        let mut tx = self.db.read().await?;
        let t = match store::terms::in_force(&mut tx, crate::system_now()).await? {
            Some(t) => Some(t),
            None => store::terms::latest(&mut tx).await?,
        };
        tx.commit().await?;
        Ok(t)
    }

    pub async fn terms_version(&self, id: TermsVersionId) -> Result<TermsVersion, AppError> {
        let mut tx = self.db.read().await?;
        let t = store::terms::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(t)
    }

    /// The operator publishes a version; every administrator of every active account is emailed.
    pub async fn publish_terms(&self, input: PublishTermsInput, actor: &Actor) -> Result<TermsVersion, AppError> {
        let mut errors = FieldErrors::new();
        let version = errors.check(required_text("version", &input.version, 50));
        if input.body_md.trim().is_empty() {
            errors.push("body_md", "required");
        } else if input.body_md.len() > 500_000 {
            errors.push("body_md", "too_long");
        }
        let effective_at = match parse_instant("effective_at", &input.effective_at) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        errors.into_result()?;
        let now = crate::system_now();
        let terms = TermsVersion {
            id: TermsVersionId::new(),
            version: version.unwrap_or_default(),
            body_md: input.body_md,
            effective_at: effective_at.unwrap_or(now),
            published_at: now,
        };
        let mut tx = self.db.write().await?;
        store::terms::insert(&mut tx, &terms, actor.user_id)
            .await
            .map_err(|e| {
                if e.is_unique_violation() {
                    AppError::Conflict {
                        field: "version",
                        code: "version_taken",
                    }
                } else {
                    e.into()
                }
            })?;
        for admin in store::users::all_active_admins(&mut tx).await? {
            let ctx = serde_json::json!({
                "name": admin.name, "version": terms.version,
                "effective": human_time(terms.effective_at, admin.lang),
                "link": self.link(&format!("/terms/{}", terms.id)),
            });
            self.queue_email(
                &mut tx,
                admin.account_id,
                &admin.email,
                admin.lang,
                "terms_published",
                &ctx,
                now,
            )
            .await?;
        }
        record(
            &mut tx,
            actor,
            None,
            "terms.publish",
            Some(("terms_version", terms.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        self.forget_terms();
        Ok(terms)
    }

    /// A user accepts the terms in force for their account (the group: INES-GROUPEMENT).
    pub async fn accept_terms(&self, p: &Principal, actor: &Actor) -> Result<TermsVersion, AppError> {
        let Some(account) = p.user.account_id else {
            return Err(AppError::Forbidden("account_required"));
        };
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.write().await?;
        let terms = store::terms::in_force(&mut tx, now).await?.ok_or(AppError::NotFound)?;
        store::terms::record_acceptance(&mut tx, account, p.user.id, terms.id, now, actor.ip.as_deref()).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "terms.accept",
            Some(("terms_version", terms.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(terms)
    }

    pub async fn terms_acceptances(
        &self,
        account: kernel::AccountId,
    ) -> Result<Vec<store::terms::Acceptance>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let list = store::terms::acceptances(&mut tx, account).await?;
        tx.commit().await?;
        Ok(list)
    }
}
