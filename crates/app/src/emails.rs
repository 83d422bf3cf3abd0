//! Queuing emails: render, store in the outbox, enqueue delivery — in the caller's transaction.

use crate::{App, AppError};
use jiff::Timestamp;
use kernel::{AccountId, EmailId, Lang};
use serde::Serialize;
use sqlx::AnyConnection;
use store::emails::StoredEmail;

/// The job kind that delivers a stored email.
pub const DELIVER: &str = "email.deliver";

impl App {
    /// Renders `template` for one recipient in their language and queues it for delivery.
    #[allow(clippy::too_many_arguments)]
    pub async fn queue_email<C: Serialize>(
        &self,
        conn: &mut AnyConnection,
        account: Option<AccountId>,
        to: &str,
        lang: Lang,
        template: &str,
        ctx: &C,
        now: Timestamp,
    ) -> Result<EmailId, AppError> {
        let (email, delivery) = self.compose_email(account, to, lang, template, ctx, now)?;
        store::emails::insert(&mut *conn, &email).await?;
        jobs::enqueue(conn, delivery, now).await?;
        Ok(email.id)
    }

    /// The outbox row of one email and the job that delivers it, written by the caller (one
    /// at a time, or many per statement in a billing run).
    pub(crate) fn compose_email<C: Serialize>(
        &self,
        account: Option<AccountId>,
        to: &str,
        lang: Lang,
        template: &str,
        ctx: &C,
        now: Timestamp,
    ) -> Result<(StoredEmail, jobs::JobSpec), AppError> {
        let rendered = self.templates.render(template, lang, ctx)?;
        let email = StoredEmail {
            id: EmailId::new(),
            account_id: account,
            to_addr: to.to_string(),
            lang: lang.code().to_string(),
            template: template.to_string(),
            subject: rendered.subject,
            body_text: rendered.body,
            status: "queued".into(),
            transport: None,
            error: None,
            created_at: now,
            sent_at: None,
        };
        // Delivery runs in real time even for sandbox accounts: a test clock decides when
        // things happen, not whether the resulting email leaves.
        let delivery = jobs::JobSpec::new(
            DELIVER,
            serde_json::json!({ "email_id": email.id }),
            crate::system_now(),
        )
        .unique(format!("email:{}", email.id))
        .max_attempts(10);
        Ok((email, delivery))
    }

    /// The outbox, newest first.
    pub async fn outbox(&self, to: Option<&str>, limit: i64, offset: i64) -> Result<Vec<StoredEmail>, AppError> {
        let mut tx = self.db.read().await?;
        let list = store::emails::list(&mut tx, to, limit.clamp(1, 500), offset.max(0)).await?;
        tx.commit().await?;
        Ok(list)
    }

    pub async fn email(&self, id: EmailId) -> Result<StoredEmail, AppError> {
        let mut tx = self.db.read().await?;
        let e = store::emails::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(e)
    }
}
