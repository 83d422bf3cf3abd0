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
        demo_contracts(&mut tx, account.id, now, &actor).await?;
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

/// Sample supplier contracts of the demo company, dated from today so that the dashboard shows
/// deadlines coming up (CLOG-SERVICE).
async fn demo_contracts(
    conn: &mut sqlx::AnyConnection,
    account: AccountId,
    now: jiff::Timestamp,
    actor: &Actor,
) -> Result<(), AppError> {
    use contracts::dates::add_months;
    let today = kernel::clock::paris_date(now);
    let start = |months_ago: i32| add_months(today, -months_ago).to_string();
    let csv = format!(
        "{header}\r\n\
         FIB-2025-118,Orange Business,380129866,\"1 place des Droits de l'Homme, 93210 Saint-Denis\",resiliation@orange-business.test,telecom,{fibre},12,,tacit,12,3,months,registered_letter|email,89.00,EUR,monthly,Claire Martin,fibre|boutique,Fibre et téléphonie de la boutique\r\n\
         ASS-778-42,Assurances Mutuelles du Rhône,552081317,\"8 quai Perrache, 69002 Lyon\",,insurance,{insurance},12,,tacit,12,2,months,registered_letter,1840.00,EUR,yearly,Claire Martin,multirisque,Multirisque professionnelle du fournil\r\n\
         LOC-COPIEUR-7,Bureau Équipement Lyon,443061841,\"25 rue Garibaldi, 69006 Lyon\",,lease,{lease},36,,ends,,0,months,,65.00,EUR,monthly,Hugo Bernard,copieur,Location du copieur\r\n\
         CAISSE-2024,Caisse Facile SAS,414842062,\"3 rue Molière, 69006 Lyon\",support@caisse-facile.test,software,{software},12,,tacit,12,1,months,email|online_form,39.90,EUR,monthly,Hugo Bernard,caisse,Logiciel de caisse\r\n",
        header = contracts::csv_import::TEMPLATE_HEADER,
        fibre = start(8),
        insurance = start(9),
        lease = start(30),
        software = start(14),
    );
    let records = contracts::csv_import::import_csv(&csv)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("demo contracts: {e:?}")))?;
    for r in records {
        let c = store::contracts::Contract {
            id: contracts::ContractId::new(),
            account_id: account,
            record: r,
            status: store::contracts::ContractStatus::Active,
            letter_way: None,
            sent_on: None,
            delivered_on: None,
            proof_file_id: None,
            ends_on: None,
            terminated_on: None,
            supplier_notice_on: None,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        store::contracts::insert(&mut *conn, &c).await?;
        record(
            &mut *conn,
            actor,
            Some(account),
            "contract.create",
            Some(("contract", c.id.to_string())),
            now,
        )
        .await?;
    }
    Ok(())
}
