//! Integration tests of the use cases against real databases.
//!
//! Every test runs on a fresh SQLite file, and also on a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` points at a server (see `store::testkit`), e.g.
//! `TEST_DATABASE_URL=postgres://comptoir_owner@127.0.0.1:5432/postgres TEST_DATABASE_APP_USER=comptoir_app cargo test -p app --test it`.

mod access;
mod accounts;
mod audit;
mod codes;
mod contracts;
mod invoicing;
mod jobs;
mod kyc;
mod monitor;
mod offers;
mod price_changes;
mod subscriptions;

use app::auth::{NewSession, Principal};
use app::{Actor, App, AppConfig, AppError};
use futures::FutureExt;
use jiff::Timestamp;
use kernel::AccountId;
use platform::audit::ChainedEntry;
use std::panic::AssertUnwindSafe;
use store::Db;
use store::emails::StoredEmail;
use store::sqlx;
use store::testkit::TestDatabase;

/// Runs `test` once per backend, each on its own fresh database, and cleans the database up
/// even when the test panics (the panic is then resumed, naming the backend).
pub async fn on_every_backend(test: impl AsyncFn(Db)) {
    on_every_database(async |database| test(database.db.clone()).await).await
}

/// [`on_every_backend`] for tests that need more than the application's handle (the schema
/// owner's URL, for instance).
pub async fn on_every_database(test: impl AsyncFn(&TestDatabase)) {
    for database in TestDatabase::every_backend().await {
        let outcome = AssertUnwindSafe(test(&database)).catch_unwind().await;
        let label = database.label;
        database.finish().await;
        if let Err(panic) = outcome {
            eprintln!("test failed on {label}");
            std::panic::resume_unwind(panic);
        }
    }
}

/// The demo logins (see `app::demo`).
pub const OPERATOR: (&str, &str) = ("operator@comptoir.test", "operateur-demo-2026");
pub const ADMIN: (&str, &str) = ("admin@boulangerie-exemple.test", "admin-demo-2026");
pub const MEMBER: (&str, &str) = ("user@boulangerie-exemple.test", "utilisateur-demo-2026");

/// An application over a fresh database with the demo loaded.
pub struct World {
    pub app: App,
    pub db: Db,
    /// The demo company.
    pub account: AccountId,
}

impl World {
    pub async fn new(db: Db) -> World {
        World::with_config(db, AppConfig::default()).await
    }

    pub async fn with_config(db: Db, config: AppConfig) -> World {
        let app = App::new(db.clone(), config, mail::Transport::Outbox);
        app.load_demo().await.expect("load demo");
        let mut tx = db.read().await.expect("read");
        let admin = store::users::by_email(&mut tx, ADMIN.0)
            .await
            .expect("admin")
            .expect("demo admin");
        tx.commit().await.expect("commit");
        World {
            app,
            db,
            account: admin.account_id.expect("demo admin has an account"),
        }
    }

    /// Another application (other settings) over the same database.
    pub fn app_with(&self, config: AppConfig) -> App {
        App::new(self.db.clone(), config, mail::Transport::Outbox)
    }

    pub async fn login(&self, (email, password): (&str, &str)) -> NewSession {
        self.app
            .login(email, password, &visitor())
            .await
            .unwrap_or_else(|e| panic!("login {email}: {e}"))
    }

    pub async fn principal(&self, who: (&str, &str)) -> Principal {
        self.login(who).await.principal
    }

    /// The newest email to `to` built from `template`.
    pub async fn last_email(&self, to: &str, template: &str) -> StoredEmail {
        self.emails(to, template)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {template} email to {to}"))
    }

    /// Every email to `to` built from `template`, newest first.
    pub async fn emails(&self, to: &str, template: &str) -> Vec<StoredEmail> {
        let all = self.app.outbox(Some(to), 500, 0).await.expect("outbox");
        all.into_iter().filter(|e| e.template == template).collect()
    }

    /// Entries of an account's trail (the platform's with `None`) whose action is `action`.
    pub async fn trail(&self, account: Option<AccountId>, action: &str) -> Vec<ChainedEntry> {
        let filter = store::audit::AuditFilter {
            action_prefix: Some(action.to_string()),
            limit: 500,
            ..Default::default()
        };
        let entries = self.app.audit_trail(account, &filter).await.expect("audit trail");
        entries.into_iter().filter(|e| e.action == action).collect()
    }

    /// Rows in a platform table (read in the platform scope, so row-level security lets them all through).
    pub async fn count(&self, table: &str) -> i64 {
        count_rows(&self.db, table).await
    }

    /// Delivers queued emails and runs any other due job.
    pub async fn drain_jobs(&self) -> usize {
        let runner = ::jobs::Runner::new(self.db.clone(), self.app.registry.clone(), worker("drain"));
        runner.drain().await.expect("drain jobs")
    }
}

pub async fn count_rows(db: &Db, table: &str) -> i64 {
    let mut tx = db.read().await.expect("read");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    tx.commit().await.expect("commit");
    n
}

/// A worker configuration with a recognisable id.
pub fn worker(id: &str) -> ::jobs::WorkerConfig {
    ::jobs::WorkerConfig {
        worker_id: id.to_string(),
        ..::jobs::WorkerConfig::default()
    }
}

/// An anonymous visitor at a documentation address.
pub fn visitor() -> Actor {
    Actor::visitor(Some("203.0.113.7".into()), Some("it-tests".into()))
}

/// The actor of a principal at a documentation address.
pub fn actor(p: &Principal) -> Actor {
    p.actor(Some("198.51.100.20".into()), Some("it-tests".into()))
}

/// The single-use token of a link `…{path}?token=XYZ` in an email body.
pub fn token_in(email: &StoredEmail, path: &str) -> String {
    let marker = format!("{path}?token=");
    let start = email
        .body_text
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} link in {}", email.body_text))
        + marker.len();
    email.body_text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

/// The fields an `Invalid` error names, in order; panics on any other outcome.
pub fn invalid_fields<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<String> {
    match result {
        Err(AppError::Invalid(errors)) => errors.0.into_iter().map(|e| e.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// The stable code of an error; panics on success.
pub fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> &'static str {
    match result {
        Err(e) => e.code(),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// An instant given in RFC 3339.
pub fn at(s: &str) -> Timestamp {
    s.parse().expect("RFC 3339 instant")
}
