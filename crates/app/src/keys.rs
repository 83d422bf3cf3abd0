//! API keys (DGT-IDENTIFIERS): created and shown once, listed by prefix, revoked.

use crate::auth::Principal;
use crate::trail::record;
use crate::{Actor, App, AppError};
use kernel::values::required_text;
use kernel::{ApiKeyId, FieldErrors};
use platform::credentials::NewApiKey;
use platform::model::ApiKey;

impl App {
    pub async fn api_keys(&self, p: &Principal) -> Result<Vec<ApiKey>, AppError> {
        let mut tx = self.db.read().await?;
        let keys = store::keys::list_for_user(&mut tx, p.user.id).await?;
        tx.commit().await?;
        Ok(keys)
    }

    /// Creates a key; the returned token is the only time the secret is visible.
    pub async fn create_api_key(&self, p: &Principal, name: &str, actor: &Actor) -> Result<(ApiKey, String), AppError> {
        let name = required_text("name", name, 100).map_err(|e| FieldErrors(vec![e]))?;
        let now = self.now_for(p.user.account_id).await?;
        let new = NewApiKey::generate();
        let key = ApiKey {
            id: ApiKeyId::new(),
            account_id: p.user.account_id,
            user_id: p.user.id,
            name,
            prefix: new.prefix,
            secret_hash: new.secret_hash,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.db.write().await?;
        store::keys::insert(&mut tx, &key).await?;
        record(
            &mut tx,
            actor,
            p.user.account_id,
            "api_key.create",
            Some(("api_key", key.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((key, new.token))
    }

    pub async fn revoke_api_key(&self, p: &Principal, id: ApiKeyId, actor: &Actor) -> Result<(), AppError> {
        let now = self.now_for(p.user.account_id).await?;
        let mut tx = self.db.write().await?;
        if !store::keys::revoke(&mut tx, p.user.id, id, now).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            p.user.account_id,
            "api_key.revoke",
            Some(("api_key", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl App {
    /// Creates an API key for a user from the CLI (bootstrapping automation, benchmarks).
    pub async fn create_api_key_cli(&self, email: &str, name: &str) -> Result<(ApiKey, String), AppError> {
        let mut tx = self.db.read().await?;
        let user = store::users::by_email(&mut tx, &email.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        let account = match user.account_id {
            Some(a) => store::accounts::get(&mut tx, a).await?,
            None => None,
        };
        tx.commit().await?;
        let principal = crate::auth::Principal {
            user,
            account,
            via: crate::auth::Via::Session {
                token_hash: String::new(),
            },
            terms_required: false,
        };
        self.create_api_key(&principal, name, &Actor::cli()).await
    }
}
