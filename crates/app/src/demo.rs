//! Demo data: an operator and a customer company with an administrator and a user, so a first
//! visit shows a living product. Modules add their own samples here.

use crate::trail::record;
use crate::{Actor, App, AppError};
use jiff::SignedDuration;
use kernel::{AccountId, Lang, TermsVersionId, UserId};
use platform::Role;
use platform::credentials::hash_password;
use platform::model::{Account, TermsVersion, User};
use platform::roles::{AccountStatus, UserStatus};

/// A login printed by `comptoir serve` and `comptoir demo`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

pub const DEMO_LOGINS: [DemoLogin; 3] = [
    DemoLogin {
        role: "operator",
        email: "operator@comptoir.test",
        password: "operateur-demo-2026",
    },
    DemoLogin {
        role: "admin",
        email: "admin@boulangerie-exemple.test",
        password: "admin-demo-2026",
    },
    DemoLogin {
        role: "user",
        email: "user@boulangerie-exemple.test",
        password: "utilisateur-demo-2026",
    },
];

impl App {
    /// True when the database holds no user at all (a fresh install).
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        let mut tx = self.db.read().await?;
        let accounts = store::accounts::count(&mut tx).await?;
        let operators = store::users::list_operators(&mut tx).await?.len();
        tx.commit().await?;
        Ok(accounts == 0 && operators == 0)
    }

    /// Loads the demo; refuses when its logins already exist.
    pub async fn load_demo(&self) -> Result<Vec<DemoLogin>, AppError> {
        // The catalogue first: the demo shows offers to subscribe to. A preset that fails is a
        // bug the preset tests catch; the demo goes on without it.
        for (file, outcome) in self.load_offer_files(None).await? {
            if let Err(e) = outcome {
                tracing::warn!(%file, error = %e, "preset offer not loaded");
            }
        }
        let now = crate::system_now();
        let mut tx = self.db.write().await?;
        if store::users::by_email(&mut tx, DEMO_LOGINS[0].email).await?.is_some() {
            return Err(AppError::Conflict {
                field: "demo",
                code: "demo_already_loaded",
            });
        }
        let terms = match store::terms::latest(&mut tx).await? {
            Some(t) => t,
            None => {
                let t = TermsVersion {
                    id: TermsVersionId::new(),
                    version: "2026-11".into(),
                    body_md: include_str!("demo_terms.md").into(),
                    effective_at: now - SignedDuration::from_hours(24),
                    published_at: now,
                };
                store::terms::insert(&mut tx, &t, None).await?;
                t
            }
        };
        let account = Account {
            id: AccountId::new(),
            legal_name: "Boulangerie Exemple SARL".into(),
            siren: "732829320".into(),
            vat_number: Some("FR44732829320".into()),
            address_line: "12 rue des Lilas".into(),
            postal_code: "69003".into(),
            city: "Lyon".into(),
            country: "FR".into(),
            status: AccountStatus::Active,
            ended_at: None,
            ended_reason: None,
            reference_optout: false,
            clock_id: None,
            terms_version_id: None,
            terms_accepted_at: None,
            created_at: now,
        };
        store::accounts::insert(&mut tx, &account).await?;
        let people = [
            (&DEMO_LOGINS[0], None, Role::Operator, "Olivia Opératrice"),
            (&DEMO_LOGINS[1], Some(account.id), Role::Admin, "Claire Martin"),
            (&DEMO_LOGINS[2], Some(account.id), Role::Member, "Hugo Bernard"),
        ];
        let actor = Actor::cli();
        for (login, account_id, role, name) in people {
            let user = User {
                id: UserId::new(),
                account_id,
                email: login.email.into(),
                name: name.into(),
                password_hash: Some(hash_password(login.password).map_err(|e| anyhow::anyhow!(e))?),
                role,
                lang: Lang::Fr,
                status: UserStatus::Active,
                email_verified_at: Some(now),
                failed_logins: 0,
                locked_until: None,
                last_login_at: None,
                created_at: now,
            };
            store::users::insert(&mut tx, &user).await?;
            if role == Role::Admin {
                store::terms::record_acceptance(&mut tx, account.id, user.id, terms.id, now, None).await?;
            }
            record(
                &mut tx,
                &actor,
                account_id,
                "demo.user_create",
                Some(("user", user.id.to_string())),
                now,
            )
            .await?;
        }
        record(
            &mut tx,
            &actor,
            Some(account.id),
            "demo.load",
            Some(("account", account.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        self.forget_terms();
        Ok(DEMO_LOGINS.to_vec())
    }
}
